"""Evaluation metrics as fractions (numpy only).

Definitions pinned down (they differ between libraries):

- ``mape`` = sum_i w_i |y_i - p_i| / |y_i| / sum_i w_i. Equal to scikit-learn's
  ``mean_absolute_percentage_error`` wherever no target is 0. scikit-learn divides by
  max(|y|, eps) instead, so one zero target gives ~1e14; LightGBM and CatBoost divide by
  max(1, |y|). Here a zero target is an explicit choice (``zero_target=``), never inf or NaN.
- ``smape`` = sum_i w_i 2 |y_i - p_i| / (|y_i| + |p_i|) / sum_i w_i, with 0/0 taken as 0, in
  [0, 2]. The M4 competition's sMAPE is this times 100.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_finite, check_sample_weight, squeeze_column

_ZERO_TARGET = ("raise", "skip", "max1")


def _prepare(y_true, y_pred, sample_weight):
    y = squeeze_column("y_true", as_float_array("y_true", y_true)).astype(np.float64)
    p = squeeze_column("y_pred", as_float_array("y_pred", y_pred)).astype(np.float64)
    if y.shape != p.shape:
        raise ValueError(f"y_true has {y.shape[0]} rows but y_pred has {p.shape[0]}; they must match")
    check_finite("y_true", y)
    check_finite("y_pred", p)
    w = check_sample_weight(sample_weight, y.shape[0])
    return y, p, (np.ones_like(y) if w is None else w)


def _weighted_mean(values, w, name):
    total = np.sum(w)
    if total <= 0:
        raise ValueError(f"{name}: the sample weights sum to 0; at least one must be > 0")
    return float(np.sum(w * values) / total)


def mape(y_true, y_pred, sample_weight=None, *, zero_target="raise") -> float:
    """Mean absolute percentage error, as a fraction (0.05 is 5%).

    ``sum_i w_i * abs(y_i - p_i) / abs(y_i) / sum_i w_i``.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Targets.
    y_pred : array-like of shape (n,)
        Predictions (not raw margins: the metric adapters apply the loss's link first).
    sample_weight : array-like of shape (n,), optional
        Non-negative weights, not all zero.
    zero_target : {"raise", "skip", "max1"}, default "raise"
        What a target equal to 0 does: "raise" a ValueError naming how many there are; "skip"
        those rows (weights of the rest renormalised); "max1" divide by ``max(1, abs(y))`` as
        LightGBM's ``mape`` does.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        A target equal to 0 with ``zero_target="raise"``, inputs of different lengths, or
        non-finite values.

    Examples
    --------
    >>> import gbobjectives as gb
    >>> gb.mape([100.0, 200.0], [110.0, 180.0])
    0.1
    """
    if zero_target not in _ZERO_TARGET:
        raise ValueError(f"zero_target={zero_target!r} is not valid: expected one of {list(_ZERO_TARGET)}")
    y, p, w = _prepare(y_true, y_pred, sample_weight)
    err = np.abs(y - p)
    zero = y == 0
    if zero_target == "max1":
        return _weighted_mean(err / np.maximum(1.0, np.abs(y)), w, "mape")
    if np.any(zero):
        if zero_target == "raise":
            raise ValueError(
                f"mape: y_true has {int(zero.sum())} target(s) equal to 0, where the percentage error "
                "is undefined; pass zero_target='skip' or 'max1', or use smape"
            )
        y, err, w = y[~zero], err[~zero], w[~zero]
        if y.size == 0:
            raise ValueError("mape: every target is 0 and zero_target='skip' leaves nothing")
    return _weighted_mean(err / np.abs(y), w, "mape")


def smape(y_true, y_pred, sample_weight=None) -> float:
    """Symmetric MAPE, as a fraction in [0, 2].

    The weighted mean of ``2 * abs(y - p) / (abs(y) + abs(p))``, with 0/0 taken as 0.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Targets.
    y_pred : array-like of shape (n,)
        Predictions.
    sample_weight : array-like of shape (n,), optional
        Non-negative weights, not all zero.

    Returns
    -------
    float

    Examples
    --------
    >>> import gbobjectives as gb
    >>> round(gb.smape([100.0, 0.0], [100.0, 0.0]), 6)
    0.0
    """
    y, p, w = _prepare(y_true, y_pred, sample_weight)
    denom = np.abs(y) + np.abs(p)
    ratio = np.divide(2.0 * np.abs(y - p), denom, out=np.zeros_like(denom), where=denom > 0)
    return _weighted_mean(ratio, w, "smape")
