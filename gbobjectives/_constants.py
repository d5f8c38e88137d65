"""Codes and constants of the formulas (``pointwise``) that the losses also name.

A leaf module: it imports nothing, so that ``pointwise`` and ``losses/`` both depend on it.
"""

# The robust losses' hessian modes, as the formulas receive them among their parameters.
MODE = {"exact": 0, "irls": 1, "constant": 2}

# Quantile's irls hessian floors |r| at this share of the scale (see losses.Quantile).
QUANTILE_FLOOR = 0.3

# Beyond |u| = U_MAX every focal term is constant to float64 precision, so margins are
# clipped there (see pointwise.focal_terms).
U_MAX = 1e6
