"""Stable numerical primitives shared by every loss.

numpy only. Each function is finite for every finite input and emits no floating-point
warning; the derivation of each stable form is written beside it.
"""

from __future__ import annotations

import numpy as np

LOG2 = float(np.log(2.0))


def log1pexp(x: np.ndarray) -> np.ndarray:
    """softplus(x) = log(1 + exp(x)).

    log(1 + e^x) = max(x, 0) + log(1 + e^{-|x|}): the exponent is never positive, so nothing
    overflows, and log1p keeps full precision when e^{-|x|} is tiny.
    """
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def log_sigmoid(x: np.ndarray) -> np.ndarray:
    """log(sigmoid(x)) = -log(1 + exp(-x)) = -softplus(-x)."""
    return -log1pexp(-x)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)), relative precision on both tails.

    With e = exp(-|x|) in (0, 1]: sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0.
    """
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def logit(p: np.ndarray | float) -> np.ndarray:
    """log(p / (1 - p)) for p in (0, 1)."""
    p = np.asarray(p, dtype=np.float64)
    return np.log(p) - np.log1p(-p)


def logcosh(x: np.ndarray) -> np.ndarray:
    """log(cosh(x)) without overflow (np.log(np.cosh(x)) is inf for |x| > ~710).

    Large |x|: cosh(x) = e^{|x|} (1 + e^{-2|x|}) / 2, so log(cosh(x)) = |x| + log1p(e^{-2|x|}) - log 2
    (e^{-2|x|} taken as (e^{-|x|})^2, since -2|x| overflows for |x| > 9e307).
    Small |x| (< 1), where that form cancels to about 1e-16: cosh(x) - 1 = 2 sinh(x/2)^2,
    so log(cosh(x)) = log1p(2 sinh(x/2)^2), accurate to the last bit and never negative.
    """
    a = np.abs(x)
    e = np.exp(-a)
    large = a + np.log1p(e * e) - LOG2
    s = np.sinh(0.5 * np.minimum(a, 1.0))
    return np.where(a < 1.0, np.log1p(2.0 * s * s), large)


def sech2(x: np.ndarray) -> np.ndarray:
    """sech(x)^2 = 1 / cosh(x)^2 without overflow.

    1 / cosh(x)^2 = 4 e^{-2|x|} / (1 + e^{-2|x|})^2; the exponent is never positive.
    """
    e = np.exp(-np.abs(x))
    e = e * e
    return 4.0 * e / (1.0 + e) ** 2


def pow_from_log(log_x: np.ndarray, gamma: float) -> np.ndarray:
    """x^gamma from log(x) <= 0, for gamma >= 0, with no overflow in gamma * log(x).

    log(x) is raised to -1e300 / max(gamma, 1) first: below that, x^gamma <= exp(-1e300) = 0
    (for gamma > 0) so the result is unchanged, and gamma * log(x) stays finite.
    """
    return np.exp(gamma * np.maximum(log_x, -1e300 / max(gamma, 1.0)))


def logsumexp(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """log(sum(exp(z))) along ``axis``, shifting by the maximum so no exponent is positive."""
    m = np.max(z, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True)) + m
    return np.squeeze(out, axis=axis)


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(z - max) / sum(exp(z - max)): the shift leaves the result unchanged and bounds exp by 1."""
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def weighted_quantile(
    values: np.ndarray, q: float, sample_weight: np.ndarray | None = None, method: str = "inverted_cdf"
) -> float:
    """A q-quantile of ``values`` (see ``grouped_quantiles``, of which this is one group)."""
    return float(grouped_quantiles(values, None, q, sample_weight, method)[1][0])


def grouped_quantiles(values, groups, q, sample_weight=None, method="inverted_cdf"):
    """The q-quantile of ``values`` within each group: (the sorted distinct groups, quantiles).
    ``groups`` None: one group (a plain sort of the values, no group key to sort by).

    ``method="inverted_cdf"`` (default): a minimiser of sum_i w_i * pinball_q(values_i - c) over
    the constant c, the smallest value whose cumulative weight reaches q * total weight (for
    equal weights numpy's 'inverted_cdf': index ceil(q n) - 1).
    ``method="weibull"``: XGBoost's leaf quantile for unweighted rows (its ``common::Quantile``:
    0-based position q (n + 1) - 1, clipped to [0, n - 1], interpolated linearly); numpy's
    'weibull'. With weights XGBoost takes the inverted CDF, and so does this.
    One sort for all groups: a tree's leaves in one pass, not one ``np.quantile`` per leaf.
    """
    if method not in ("inverted_cdf", "weibull"):
        raise ValueError(f"method={method!r} is not valid: expected 'inverted_cdf' or 'weibull'")
    values = np.asarray(values, dtype=np.float64)
    if groups is None:
        order, g = np.argsort(values, kind="stable"), np.zeros(values.size, np.int64)
    else:
        order = np.lexsort((values, groups))
        g = np.asarray(groups)[order]
    v = values[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    n = np.diff(np.r_[starts, v.size])
    if sample_weight is None and method == "weibull":
        pos = np.clip(q * (n + 1.0) - 1.0, 0.0, n - 1.0)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, n - 1)
        a, b = v[starts + lo], v[starts + hi]
        return g[starts], a + (pos - lo) * (b - a)
    if sample_weight is None:
        cw = np.arange(1, v.size + 1, dtype=np.float64) - np.repeat(starts, n)
    else:
        w = np.asarray(sample_weight, dtype=np.float64)[order]
        total = np.cumsum(w)
        cw = total - np.repeat(np.r_[0.0, total[starts[1:] - 1]], n)  # cumulative within a group
    # the first row of each group whose cumulative weight reaches q * (the group's total)
    goal = q * cw[np.r_[starts[1:], v.size] - 1]
    reached = cw >= np.repeat(goal, n) * (1 - 1e-15)
    first = np.minimum.reduceat(np.where(reached, np.arange(v.size), v.size), starts)
    return g[starts], v[np.minimum(first, np.r_[starts[1:], v.size] - 1)]
