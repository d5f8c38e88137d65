"""Codes and constants shared by the losses' numpy code and the compiled kernels.

A leaf module: it imports nothing, so that ``losses/`` and ``_kernels.py`` both depend on it
and neither on the other.
"""

# The robust losses' hessian modes, as the kernels receive them in a loss's kernel spec.
MODE = {"exact": 0, "irls": 1, "constant": 2}

# Quantile's irls hessian floors |r| at this share of the scale (see losses.Quantile).
QUANTILE_FLOOR = 0.3

# Beyond |u| = U_MAX every focal term is constant to float64 precision, so margins are
# clipped there (see losses/_classification.py).
U_MAX = 1e6
