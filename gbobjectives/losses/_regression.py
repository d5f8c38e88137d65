"""Regression losses in the residual r = raw_prediction - y_true (identity link).

Their formulas are in ``gbobjectives.pointwise`` (one sample each); here are their
parameters, their data-derived scales and their starts.

Hessian choices for the robust losses (``hessian=``):

- ``"exact"``: the true second derivative, floored at ``min_hessian`` where it vanishes.
- ``"irls"``: g / r, the curvature of the quadratic that touches the loss at r and lies above
  it everywhere (a majoriser; the loss is even with g/r non-increasing in |r|). A Newton step
  then moves each sample exactly onto its target, and a leaf value -sum(g)/sum(h) is the
  iteratively-reweighted-least-squares mean of the residuals with the robust weights g/r:
  it is scale-free and never overshoots. Not the true hessian: flagged ``hessian_exact=False``.
- ``"constant"``: 1 everywhere (a gradient step; LightGBM's built-in ``huber`` does this).

"irls" is the default of all three. Measured on a target around 1000 with t(3) noise and 2%
gross outliers (100 rounds, default XGBoost / LightGBM parameters, start at init_score;
MAE against the noise-free signal, constant prediction 85.2): Huber(1) constant / exact /
irls 61.3 / 8.5 / 6.0 in XGBoost and 76.8 / 44.9 / 6.6 in LightGBM; PseudoHuber(1) exact /
irls 8.2 / 5.8 and 40566 / 6.2 (exact Newton leaves explode under LightGBM's lambda_l2=0);
LogCosh exact / irls 7.6 / 5.7 and 8.1 / 6.4. On the same data scaled to unit size the
choices are within about 30% of each other.
"""

from __future__ import annotations

import copy

import numpy as np

from .. import _objective
from .. import pointwise as pw
from .._constants import MODE as _MODE
from .._engine import Formulas
from .._numerics import weighted_quantile
from .._validation import check_choice, check_finite, check_scalar
from ..links import IdentityLink
from ._base import Loss, check_min_hessian, minimise_1d

_HESSIANS = ("exact", "irls", "constant")

# A residual scale is read off at most this many rows (sample_rows; deterministic: the
# same rows at every round). The standard error of a q-quantile of m rows is
# sqrt(q (1 - q) / m) / f(Q): for |normal| residuals at q = 0.9, 0.89 / sqrt(m) of the
# quantile, 1.0% at m = 8192 (0.35% at 65,536, which cost ~1.3 ms a round at 36,000 rows,
# more than the Huber loop; benchmarks/waits.py). Every bundled table's training folds are
# under 8192 rows, so their scales, and the scale-defaults table, are exact and unchanged.
_SCALE_ROWS = 8192
_HIST_BINS = 4096  # distributed: log-spaced histogram bins of |r| (1.1% apart over 20 decades)
# The robust losses' data-derived scale is the round's residual quantile, floored at this share
# of the same quantile of the residuals from the start (|y - median(y)|). Measured (5-fold CV
# MAE over squared error's, the bundled tables, both backends; benchmarks/RESULTS.md): with
# no floor, grunfeld on XGBoost 1.10-1.11 (its large residuals are the big firms' signal,
# which a shrinking scale keeps treating as outliers); floor 0.25: 1.06, 0.4: 1.03, 0.5:
# 1.01, 0.6: 1.01, 0.75: 1.02, and a gross-outlier target (tests/test_frameworks.py) needs
# <= 0.5 to stay robust (0.6: its MAE 0.21-0.23 of the constant's, against < 0.2 required).
_START_FLOOR = 0.5


def sample_step(n: int) -> int:
    """How many rows each row of ``sample_rows(n)`` stands for (1: every row is read)."""
    return max(1, -(-n // _SCALE_ROWS))


def sample_rows(n: int):
    """The rows a data-derived scale reads, of n: all of them (a slice) up to _SCALE_ROWS,
    else one row in each run of ``sample_step(n)`` consecutive rows, at an offset that moves
    from run to run (j * 7919 mod step): the same rows at every call, in increasing order,
    and not in step with a period in the table (a plain stride over 36,000 rows of 5
    interleaved firms, step 5, would read one firm)."""
    step = sample_step(n)
    if step == 1:
        return slice(None)
    j = np.arange(-(-n // step), dtype=np.int64)
    idx = j * step + (j * 7919) % step
    return idx[idx < n]


def strided_sample(y, raw, w):
    """(y, raw, w) of at most _SCALE_ROWS rows (``sample_rows``), and how many rows each
    stands for.

    Where those rows all weigh 0 (a mask in step with them), the rows of positive weight are
    sampled instead: a sample of weight 0 has no quantile."""
    n = raw.shape[0]
    step = sample_step(n)
    rows = sample_rows(n)
    if w is None or step == 1:
        return y[rows], raw[rows], (None if w is None else w[rows]), float(step)
    ws = w[rows]
    if np.any(ws > 0) or not np.any(w > 0):
        return y[rows], raw[rows], ws, float(step)
    keep = np.flatnonzero(w > 0)
    idx = keep[sample_rows(keep.size)]
    return y[idx], raw[idx], w[idx], keep.size / idx.size


def start_scale(y: np.ndarray, w, q: float, collective=None, what: str = "delta") -> float:
    """The q-quantile of |y - median(y)|, the size of the residuals from the robust losses'
    start (the weighted median), read off a sample (``sample_rows``) of at most _SCALE_ROWS
    rows: a statistic of the labels alone, the same at every round, and it follows the labels
    when a dataset is relabelled; fitting c * y multiplies it by c. 0 where that quantile is
    0 (at least a share q of the weight on the median). ``collective``: the
    median and the quantile over all workers' labels (``what``: the parameter being set,
    which names it where no collective reaches the other workers).
    """
    ys, _, ws, step = strided_sample(y, y, w)
    return _start_scale_of_sample(ys, ws, step, q, collective, what)


def _start_scale_of_sample(ys, ws, step, q, collective, what):
    """``start_scale`` of a sample already drawn by ``strided_sample`` (rows standing for
    ``step`` rows each)."""
    ys = np.asarray(ys, dtype=np.float64)
    if collective is not None:
        m = _distributed_median(ys, step * (1.0 if ws is None else ws), collective, what)
    else:
        m = _local_quantile(ys, 0.5, ws)
    # no fallback here (residual_scale's, for a perfect fit, is the largest |r|): where a
    # share q of the labels sits on the median (a zero-inflated target) the floor is 0, no
    # floor, and not half the largest outlier
    value = _abs_quantile(np.abs(ys - m), ws, q, collective, step, what, ys.shape)
    return value if np.isfinite(value) and value > 0 else 0.0


def _local_quantile(a, q, w=None) -> float:
    """numpy's "inverted_cdf" q-quantile of a (weighted by w): one partition, not a sort, when
    unweighted; 0.0 where a is empty."""
    if a.size == 0:
        return 0.0
    if w is None:
        k = min(max(int(np.ceil(q * a.size)) - 1, 0), a.size - 1)
        return float(np.partition(a, k)[k])
    return weighted_quantile(a, q, w)


def _abs_quantile(a, w, q, collective, row_weight, what, shape):
    """The weighted q-quantile of the values a >= 0 (0 where there are none), over all workers
    with ``collective``."""
    ww = None if w is None else (np.broadcast_to(w[:, None], shape).ravel() if len(shape) == 2 else w)
    if collective is not None:
        return _distributed_quantile(a, row_weight * (1.0 if ww is None else ww), q, collective, what, 0.0)
    return _local_quantile(a, q, ww)


def residual_scale(
    r: np.ndarray, w, q: float, collective=None, row_weight: float = 1.0, what: str = "delta"
) -> float:
    """The q-quantile of |r| (weighted by w), the data-derived delta / scale of the robust losses.

    ``r`` is the residual of this round (or of a sample of its rows, ``sample_rows``, each
    standing for ``row_weight`` rows), so the scale follows the model as it fits, and
    multiplying the target by c multiplies it by c (the losses stay scale-equivariant).
    ``collective`` (distributed training): the quantile of all workers' residuals, from a
    log-spaced histogram summed over the workers. Falls back to 1.0 where no positive finite
    value exists (a perfect fit: every gradient is 0 whatever the scale; or invalid labels,
    which the caller reports).
    """
    a = np.abs(r).ravel()
    value = _abs_quantile(a, w, q, collective, row_weight, what, r.shape)
    if not (np.isfinite(value) and value > 0):
        finite = a[np.isfinite(a)]
        value = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    return value


def _distributed_median(v, w, collective, what, passes=6):
    """The weighted median of all workers' values v (numpy's "inverted_cdf": the smallest value
    whose cumulative weight reaches half the total), exact once the values in the median's bin
    are one: a linear histogram over [lo, hi] summed over the workers, then [lo, hi] shrunk to
    the least and greatest value in the bin that holds the median (two maxima over the
    workers), and again, at most ``passes`` times. The bounds are global, so every worker
    makes the same calls; the edges are lo (1 - t) + hi t, which cannot overflow."""
    keep = np.isfinite(v)
    v = v[keep]
    ww = np.broadcast_to(np.asarray(w, dtype=np.float64), keep.shape)[keep]
    lo = -float(collective.max(np.array([-np.min(v, initial=np.inf)]), what)[0])
    hi = float(collective.max(np.array([np.max(v, initial=-np.inf)]), what)[0])
    total = float(collective.sum(np.array([float(np.sum(ww))]), what)[0])
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return 0.0  # no finite label on any worker
    below = 0.0  # the weight of all workers' values under lo
    t = np.linspace(0.0, 1.0, _HIST_BINS + 1)
    for _ in range(passes):
        if lo >= hi:
            break
        edges = lo * (1.0 - t) + hi * t
        inside = (v >= lo) & (v <= hi)
        vi = v[inside]
        idx = np.clip(np.searchsorted(edges, vi, side="right") - 1, 0, _HIST_BINS - 1)
        hist = collective.sum(
            np.bincount(idx, weights=ww[inside], minlength=_HIST_BINS).astype(np.float64), what
        )
        cum = below + np.cumsum(hist)
        b = min(int(np.searchsorted(cum, 0.5 * total, side="left")), _HIST_BINS - 1)
        below = float(cum[b - 1]) if b > 0 else below
        in_b = vi[idx == b]
        lo = -float(collective.max(np.array([-np.min(in_b, initial=np.inf)]), what)[0])
        hi = float(collective.max(np.array([np.max(in_b, initial=-np.inf)]), what)[0])
    return lo


def _distributed_quantile(a, w, q, collective, what="delta", empty=1.0):
    top = float(collective.max(np.array([np.max(a[np.isfinite(a)], initial=0.0)]), what)[0])
    if not top > 0:
        return empty
    edges = top * np.logspace(-20, 0, _HIST_BINS)
    idx = np.searchsorted(edges, a, side="left")
    hist = np.bincount(
        np.minimum(idx, _HIST_BINS - 1), weights=np.broadcast_to(w, a.shape), minlength=_HIST_BINS
    )
    hist = collective.sum(hist.astype(np.float64), what)
    cum = np.cumsum(hist)
    return float(edges[min(int(np.searchsorted(cum, q * cum[-1], side="left")), _HIST_BINS - 1)])


def _check_scale(name, value):
    if value is not None:
        check_scalar(name, value, low=0.0, high=np.inf, low_inclusive=False)


def _check_residual_quantile(value):
    check_scalar("residual_quantile", value, low=0.0, high=1.0, low_inclusive=False)


class RegressionLoss(Loss):
    """Base of the regression losses: identity link, real labels, and the starts they share
    (the median, or the minimiser of the loss's own summed gradient). A new regression loss
    names its ``formulas``, returns their parameters from ``_formula_params`` and picks its
    ``_init``.

    A parameter in the target's units (Huber's delta, a Cauchy loss's c) is named by
    ``_scale_param``; left None by the user, it is set at every call from that call's
    residuals (``_at``: the ``residual_quantile`` quantile of |raw - y|, floored at half that
    quantile of |y - median(y)|), and the start is the weighted median, which needs no scale:
    the loss then fits c * y as c times the fit of y, at any scale."""

    task = "regression"
    link = IdentityLink()
    _label_check = pw.real_label_is_bad  # the loop's per-row version of _check_y below
    _scale_param: str | None = None  # the parameter that None makes data-derived
    residual_quantile = 0.9  # (an __init__ parameter of the package's robust losses)

    def _scale_is_derived(self) -> bool:
        return self._scale_param is not None and getattr(self, self._scale_param) is None

    def _derived_param(self):
        return self._scale_param if self._scale_is_derived() else None

    def _at(self, y, raw, w, collective=None):
        """With the scale parameter None: a copy with it set to the ``residual_quantile``
        quantile of this round's |residuals| (scikit-learn's GradientBoostingRegressor
        re-sets its Huber delta the same way every round, with alpha=0.9), but never below
        _START_FLOOR times that quantile of |y - median(y)|, the residuals from the start
        (``start_scale``, from the same sample): residuals smaller than half the target's own
        spread are not treated as outliers, whatever the model has fitted (no floor where a
        share q of the labels sits on the median: there that spread is 0)."""
        if not self._scale_is_derived():
            return self
        out = copy.copy(self)
        q, what = self.residual_quantile, self._scale_param
        ys, raws, ws, step = strided_sample(y, raw, w)
        now = residual_scale(self._residual(ys, raws), ws, q, collective, step, what)
        floor = _START_FLOOR * _start_scale_of_sample(ys, ws, step, q, collective, what)
        setattr(out, what, max(now, floor))
        return out

    def _init_losses(self):
        # the start of a data-derived scale is the median
        return [Quantile(0.5, scale=1.0)] if self._scale_is_derived() else [self]

    def _start(self, y, w):
        return self._init_median(y, w) if self._scale_is_derived() else self._init(y, w)

    def _check_y(self, y):
        check_finite("y_true", y)
        return y.astype(np.float64, copy=False)

    def _residual(self, y, raw):
        """raw - y in float64, as the formulas form it (float32 labels and margins, as XGBoost
        passes them, would otherwise subtract in float32: a data-derived delta read off those
        would not be the |r| of the row it came from, and that row would fall outside it)."""
        return np.subtract(raw, y if raw.ndim == y.ndim else y[:, None], dtype=np.float64)

    def _init_median(self, y, w):
        """The weighted median: the start of a loss whose scale is derived from the residuals
        (scale-equivariant, and the limit of every robust loss here as its scale -> 0)."""
        return weighted_quantile(y, 0.5, w)

    def _init_convex(self, y, w):
        """Minimiser of sum_i w_i L(c - y_i) over the constant c, for a convex L: the root of
        the summed gradient (the loss's own formulas), by bisection."""
        lo, hi = float(np.min(y)), float(np.max(y))
        if lo == hi:
            return lo

        def grad_sum(c):
            return float(np.sum(self._weighted_grad_hess(y, np.full(y.shape, c), w)[0]))

        try:
            return minimise_1d(grad_sum, lo, hi)
        except ValueError as exc:  # a formula's bad output, met at a trial start, not a margin
            raise ValueError(
                f"finding the start (the constant margin minimising the loss, tried between "
                f"min(y) = {lo!r} and max(y) = {hi!r}, so raw below is a trial start): {exc}"
            ) from None


class SquaredError(RegressionLoss):
    """Half squared error, 0.5 r^2: grad r, hess 1 (the reference for XGBoost's reg:squarederror).

    Examples
    --------
    >>> import gbobjectives as gb
    >>> grad, hess = gb.SquaredError().gradient_hessian([1.0, 2.0], [1.5, 0.0])
    >>> grad.tolist(), hess.tolist()
    ([0.5, -2.0], [1.0, 1.0])
    """

    formulas = Formulas(pw.squared_error_loss, pw.squared_error_grad_hess)

    def __init__(self):
        pass

    def _init(self, y, w):
        return float(np.average(y, weights=w))


class _RobustLoss(RegressionLoss):
    """Shared hessian options of Huber, PseudoHuber and LogCosh."""

    @property
    def hessian_exact(self):
        return self.hessian == "exact"

    _scale_param = "delta"  # the parameter that None makes data-derived

    def _validate_robust(self):
        _check_scale(self._scale_param, getattr(self, self._scale_param))
        _check_residual_quantile(self.residual_quantile)
        check_choice("hessian", self.hessian, _HESSIANS)
        check_min_hessian(self.min_hessian)

    def _formula_params(self):
        return (float(getattr(self, self._scale_param)), _MODE[self.hessian], float(self.min_hessian))

    def _init(self, y, w):
        # with a scale given, the minimiser (a derived scale starts at the median: _start)
        return self._init_convex(y, w)


class Huber(_RobustLoss):
    """Huber loss.

    Domain: y_true real. Link: identity. With r = raw_prediction - y_true::

        L = 0.5 r^2                      if |r| <= delta
            delta (|r| - 0.5 delta)      otherwise
        grad = clip(r, -delta, delta)
        hess = 1 if |r| <= delta else 0      (exact; 0 beyond delta)

    Parameters
    ----------
    delta : float > 0 or None, default None
        Where the loss turns from quadratic to linear, in target units. delta -> inf is
        ``SquaredError``. None: at every round, the ``residual_quantile`` quantile of the
        |residuals|, floored at half that quantile of |y - median(y)| (the residuals from
        the start); scale-free: fitting c * y predicts c times the fit on y.
    residual_quantile : float in (0, 1], default 0.9
        Used when ``delta`` is None: the share of residuals treated quadratically (0.9 as in
        scikit-learn's GradientBoostingRegressor(loss="huber"), which has no floor: without
        it, Huber on bundled grunfeld was 1.11 of squared error's MAE on XGBoost, with it
        1.01; benchmarks/RESULTS.md). The scale-free knob to tune.
    hessian : {"irls", "constant", "exact"}, default "irls"
        The exact hessian is 0 beyond delta, where a Newton step divides by zero. "irls" gives
        min(1, delta / |r|) (the classical Huber IRLS weight); "constant" returns 1 everywhere,
        as LightGBM's built-in ``huber`` does (use it for parity); "exact" floors the 0 at
        ``min_hessian``.
    min_hessian : float in (0, 1], default 1e-3
        Floor of the returned hessian.

    Examples
    --------
    >>> import numpy as np
    >>> import gbobjectives as gb
    >>> y = np.array([1.0, 2.0, 3.0, 100.0])
    >>> loss = gb.Huber(delta=1.0)
    >>> round(loss.init_score(y), 9)  # the Huber M-estimate, not the mean (26.5)
    2.5
    >>> grad, hess = loss.gradient_hessian(y, np.full(4, 2.5))
    >>> grad.tolist(), hess.tolist()  # the gradient is clipped at delta; irls hessian min(1, delta/|r|)
    ([1.0, 0.5, -0.5, -1.0], [0.6666666666666666, 1.0, 1.0, 0.010256410256410256])
    >>> gb.Huber().fixed_for(y).delta  # delta=None: the 0.9 quantile of |y - median(y)| here
    98.0
    """

    formulas = Formulas(pw.huber_loss, pw.huber_grad_hess)
    _specialises, _specialised_by = formulas, 1  # by the hessian mode, params[1] (Loss._plan)
    _specialised = {
        _MODE["irls"]: Formulas(pw.huber_loss, pw.huber_grad_hess_irls),
        _MODE["exact"]: Formulas(pw.huber_loss, pw.huber_grad_hess_exact),
    }

    def __init__(self, delta=None, *, residual_quantile=0.9, hessian="irls", min_hessian=1e-3):
        self.delta = delta
        self.residual_quantile = residual_quantile
        self.hessian = hessian
        self.min_hessian = min_hessian
        self._validate_params()

    def _validate_params(self):
        self._validate_robust()


class PseudoHuber(_RobustLoss):
    """Pseudo-Huber loss, a smooth Huber.

    Domain: y_true real. Link: identity. With r = raw_prediction - y_true and s = sqrt(1 + (r/delta)^2)::

        L    = delta^2 (s - 1)
        grad = r / s
        hess = 1 / s^3            (exact; the formulas of XGBoost's reg:pseudohubererror)

    Far from the target the Newton step g/h = r s^2 overshoots the residual by s^2
    (26x at r = 5, delta = 1): ``hessian="irls"`` (h = 1/s) makes it exactly r.

    Parameters
    ----------
    delta : float > 0 or None, default None
        XGBoost's ``huber_slope``, in target units. None: at every round, from the
        |residuals| and ``residual_quantile`` as for ``Huber`` (scale-free).
    residual_quantile : float in (0, 1], default 0.9
        Used when ``delta`` is None (see ``Huber``).
    hessian : {"irls", "exact", "constant"}, default "irls"
        "exact" reproduces XGBoost's ``reg:pseudohubererror`` (tested to float32 precision);
        the default "irls" (1/s) trains where the exact one overshoots (module docstring).
    min_hessian : float in (0, 1], default 1e-12
        Floor of the returned hessian, so that it never underflows (the frameworks store
        hessians in float32, where anything under 1.4e-45 is 0). 1/s^3 falls below 1e-12
        only for |r| > 1e4 delta, so parity with XGBoost holds on any sensibly started model.

    Examples
    --------
    >>> import gbobjectives as gb
    >>> loss = gb.PseudoHuber(delta=1.0)
    >>> [round(float(v), 6) for v in loss.loss([0.0, 0.0], [0.0, 3.0])]  # delta^2 (sqrt(1 + r^2/delta^2) - 1)
    [0.0, 2.162278]
    >>> exact = gb.PseudoHuber(delta=1.0, hessian="exact")  # XGBoost's reg:pseudohubererror
    >>> [round(float(h), 6) for h in exact.gradient_hessian([0.0], [3.0])[1]]  # 1/s^3, s = sqrt(1 + r^2)
    [0.031623]
    """

    # (no formulas with the mode a constant: measured as fast as the general one, 0.9 ns)
    formulas = Formulas(pw.pseudo_huber_loss, pw.pseudo_huber_grad_hess)

    def __init__(self, delta=None, *, residual_quantile=0.9, hessian="irls", min_hessian=1e-12):
        self.delta = delta
        self.residual_quantile = residual_quantile
        self.hessian = hessian
        self.min_hessian = min_hessian
        self._validate_params()

    def _validate_params(self):
        self._validate_robust()


class LogCosh(_RobustLoss):
    """Log-cosh loss with a scale s (in target units).

    Domain: y_true real. Link: identity. With r = raw_prediction - y_true and x = r / s::

        L    = s^2 log(cosh(x))   computed as |x| + log1p(exp(-2|x|)) - log 2 (no overflow)
        grad = s tanh(x)
        hess = sech(x)^2      (exact; below 1e-8 once |x| > 10, so Newton steps blow up)

    Quadratic (r^2 / 2) for |r| << s and linear (s |r|) beyond: s plays Huber's delta.
    ``LogCosh(scale=1.0)`` is the textbook log(cosh(r)).

    Parameters
    ----------
    scale : float > 0 or None, default None
        s in target units. None: at every round, from the |residuals| and
        ``residual_quantile`` as for ``Huber`` (scale-free: fitting c * y predicts c times
        the fit on y).
    residual_quantile : float in (0, 1], default 0.9
        Used when ``scale`` is None (see ``Huber``).
    hessian : {"irls", "exact", "constant"}, default "irls"
        "irls" returns tanh(x) / x: the leaf value becomes a robustly weighted mean residual,
        which trains under default XGBoost/LightGBM settings on targets of any scale. "exact"
        returns max(sech^2(x), min_hessian).
    min_hessian : float in (0, 1], default 1e-2
        Floor of the returned hessian. With the exact hessian LightGBM needed >= 1e-3: on a
        target of ~50 with heavy-tailed noise its MAE was 639.7 at a floor of 1e-6 against
        13.9 / 4.5 / 4.1 at 1e-3 / 1e-2 / 5e-2.

    Examples
    --------
    >>> import gbobjectives as gb
    >>> loss = gb.LogCosh(scale=1.0)  # the textbook log(cosh(r))
    >>> [round(float(v), 6) for v in loss.loss([0.0, 0.0], [1.0, 800.0])]  # no overflow at r = 800
    [0.433781, 799.306853]
    >>> grad, hess = loss.gradient_hessian([0.0], [10.0])
    >>> round(float(grad[0]), 6), round(float(hess[0]), 6)  # irls: tanh(r)/r, not the vanishing sech^2
    (1.0, 0.1)
    """

    _scale_param = "scale"
    formulas = Formulas(pw.log_cosh_loss, pw.log_cosh_grad_hess)
    _specialises, _specialised_by = formulas, 1  # by the hessian mode, params[1] (Loss._plan)
    _specialised = {
        _MODE["irls"]: Formulas(pw.log_cosh_loss, pw.log_cosh_grad_hess_irls),
        _MODE["exact"]: Formulas(pw.log_cosh_loss, pw.log_cosh_grad_hess_exact),
    }

    def __init__(self, scale=None, *, residual_quantile=0.9, hessian="irls", min_hessian=1e-2):
        self.scale = scale
        self.residual_quantile = residual_quantile
        self.hessian = hessian
        self.min_hessian = min_hessian
        self._validate_params()

    def _validate_params(self):
        self._validate_robust()


class Quantile(RegressionLoss):
    """Pinball (quantile) loss for one or several quantile levels.

    Domain: y_true real. Link: identity. With r = raw_prediction - y_true::

        L    = max(alpha (y - raw), (alpha - 1)(y - raw)) = (1 - alpha) r if r >= 0 else -alpha r
        grad = s (1 - alpha) if r > 0, -s alpha if r < 0, 0 at r = 0   (s: the step's scale)
        hess = s (1 - alpha if r >= 0 else alpha) / max(|r|, 0.3 s)    ("irls", default)
             = 1                                                        ("constant")

    That is the objective the frameworks receive; ``gradient_hessian`` returns it divided by
    s, the derivative of ``loss`` (the same Newton steps).

    The true hessian is 0 almost everywhere, and boosting needs one > 0. The gradient is the
    pinball gradient times s, in target units, so that steps are too: with s = 1 and
    hessian 1 (the textbook objective) a leaf moves at most learning_rate per round, and a
    target of 5e4 needs ~1e5 rounds to leave its start. The hessian stays dimensionless, so
    ``lambda`` and ``min_child_weight`` keep their meaning.

    "irls": each row's Newton step -grad/hess is exactly -r (it would land on its target), so
    a leaf value is the mean residual weighted by (1 - alpha)/|r| above the target and
    alpha/|r| below; its fixed point (leaf 0) is where a share alpha of the leaf's rows lies
    below the prediction: the alpha-quantile, reached by reweighting as iteratively
    reweighted least squares does, without leaf renewal (which XGBoost does not offer from
    Python). |r| is floored at 0.3 s so rows on their target do not dominate. Cross-validated
    on the bundled data against ``reg:quantileerror`` (``benchmarks/scale_defaults.py``,
    table in ``benchmarks/RESULTS.md``): 0.89-1.08 of its pinball loss, except 1.29 at
    alpha 0.1 on the 235-row ``engel``, where the built-in's leaf renewal fits tails better.

    ``2 * Quantile(0.5, scale=1)`` is the absolute error's gradient. With several alphas, raw
    predictions and grad/hess have shape (n, K), one column per alpha; ``init_score`` returns
    the K weighted quantiles. ``loss`` is the pinball loss whatever the scale.

    Parameters
    ----------
    alpha : float in (0, 1), or a sequence of them
    scale : float > 0 or None, default None
        s in target units. None: at every round, the mean |residual| of each column (scale-
        free: fitting c * y predicts c times the fit on y). 1.0 is the textbook gradient.
    hessian : {"irls", "constant"}, default "irls"
        See above. ``Quantile(a, scale=1.0, hessian="constant")`` is the textbook objective.

    Examples
    --------
    >>> import numpy as np
    >>> import gbobjectives as gb
    >>> y = np.arange(1.0, 101.0)
    >>> loss = gb.Quantile([0.1, 0.5, 0.9])  # several levels: margins of shape (n, 3)
    >>> loss.init_score(y).tolist()
    [10.0, 50.0, 90.0]
    >>> loss.loss(y[:2], np.zeros((2, 3))).round(2).tolist()  # the pinball loss, one column per level
    [[0.1, 0.5, 0.9], [0.2, 1.0, 1.8]]
    """

    hessian_exact = False
    formulas = Formulas(pw.pinball_loss, pw.pinball_grad_hess)

    def __init__(self, alpha=0.5, *, scale=None, hessian="irls"):
        self.alpha = alpha
        self.scale = scale
        self.hessian = hessian
        self._validate_params()

    def _derived_param(self):
        return "scale" if self.scale is None else None

    _loss_reads_derived = False  # loss is the pinball loss whatever the scale

    def _at(self, y, raw, w, collective=None):
        """With ``scale`` None: a copy with the scale of this round's residuals (per column)."""
        if self.scale is not None:
            return self
        ys, raws, ws, step = strided_sample(y, raw, w)  # the mean of |r| over a sample of the rows
        r = np.abs(self._residual(ys, raws))
        ww = np.full(r.shape[0], step) if ws is None else ws * step
        # the mean of |r| / max|r|, times max|r|: no overflow with residuals near the float max
        top = np.atleast_1d(np.max(np.where(np.isfinite(r), r, 0.0), axis=0, initial=0.0))
        if collective is not None:
            top = collective.max(top, "scale")
        top = np.where(top > 0, top, 1.0)
        sums = np.concatenate([np.atleast_1d(ww @ (r / (top if r.ndim == 2 else top[0]))), [ww.sum()]])
        if collective is not None:
            sums = collective.sum(sums, "scale")
        mean_abs = top * (sums[:-1] / sums[-1]) if sums[-1] > 0 else np.ones(sums.size - 1)
        # a column fitted exactly (or invalid labels, which the caller reports): any scale
        mean_abs = np.where(np.isfinite(mean_abs) & (mean_abs > 0), mean_abs, 1.0)
        out = copy.copy(self)
        out.scale = float(mean_abs[0]) if raw.ndim == 1 else mean_abs
        return out

    def gradient_hessian(self, y_true, raw_prediction, sample_weight=None):
        """(grad, hess) of ``loss``, the pinball loss, w.r.t. the raw margin, times ``sample_weight``.

        grad (1 - alpha) above the target, -alpha below (0 on it), hess the surrogate
        (1 - alpha or alpha) / max(|r|, 0.3 s) ("irls") or 1 / s ("constant").

        The objective that the frameworks receive is this pair times s, the scale (target
        units: a leaf moves in the target's units, not at most learning_rate per round); its
        Newton step -grad/hess is the same. Here the scale is left out so that ``gradient`` is
        the derivative of what ``loss`` returns, whatever the scale: a Newton step or a line
        search written on ``loss`` and ``gradient_hessian`` takes the objective's steps.

        Parameters
        ----------
        y_true : array-like of shape (n,)
        raw_prediction : array-like of shape (n,), or (n, K) for K alphas
        sample_weight : array-like of shape (n,), optional

        Returns
        -------
        grad, hess : ndarray of float64, of the margins' shape

        Examples
        --------
        >>> import gbobjectives as gb
        >>> grad, hess = gb.Quantile(0.9, scale=1.0).gradient_hessian([0.0, 0.0], [1.0, -1.0])
        >>> [round(float(g), 6) for g in grad]  # 1 - alpha above the target, -alpha below
        [0.1, -0.9]
        """
        y, raw, w = self._prepare(y_true, raw_prediction, sample_weight)
        at = self._at(y, raw, w, _objective.collective())
        g, h = at._weighted_grad_hess(y, raw, w)
        s = np.asarray(at.scale, dtype=np.float64)
        return g / s, h / s

    def _objective_scale(self, y, raw, w, collective=None):
        return np.asarray(self._at(y, raw, w, collective).scale, dtype=np.float64)

    def _init_losses(self):
        # one unit-scale pinball loss per alpha: its gradient sum's root is the alpha-quantile
        return [Quantile(float(a), scale=1.0) for a in self._alphas]

    def _validate_params(self):
        if np.ndim(self.alpha) == 0:
            a = [
                check_scalar(
                    "alpha", self.alpha, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False
                )
            ]
        else:
            a = [
                check_scalar(f"alpha[{i}]", v, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
                for i, v in enumerate(self.alpha)
            ]
            if len(a) == 0:
                raise ValueError("alpha=[] is not valid: expected at least one quantile level")
            repeated = sorted({v for v in a if a.count(v) > 1})
            if repeated:
                raise ValueError(
                    f"alpha={list(self.alpha)!r} is not valid: quantile level(s) {repeated} appear "
                    "more than once; expected distinct levels"
                )
        self._alphas = np.asarray(a, dtype=np.float64)
        self._multi = np.ndim(self.alpha) != 0
        if not isinstance(self.scale, np.ndarray):  # an array only as set by _at
            _check_scale("scale", self.scale)
        check_choice("hessian", self.hessian, ("irls", "constant"))

    @property
    def alphas(self) -> np.ndarray:
        """The quantile levels as an array of shape (K,)."""
        return self._alphas.copy()

    @property
    def n_outputs(self):
        return len(self._alphas) if self._multi else 1

    def rearrange(self, pred: np.ndarray) -> np.ndarray:
        """Multi-quantile predictions made non-crossing, columns still in the order of ``alpha``.

        Each row's values are sorted and handed out by rank of alpha (the smallest value to the
        smallest alpha, wherever that column is): the monotone rearrangement of Chernozhukov
        et al. (2010), which never increases the pinball loss. With unsorted alphas such as
        [0.9, 0.1] the first column stays the 0.9 quantile.

        Parameters
        ----------
        pred : ndarray of shape (n, K)

        Returns
        -------
        ndarray of shape (n, K)
            A new array.

        Examples
        --------
        >>> import numpy as np
        >>> import gbobjectives as gb
        >>> gb.Quantile([0.9, 0.1, 0.5]).rearrange(np.array([[1.0, 3.0, 2.0]])).tolist()
        [[3.0, 1.0, 2.0]]
        """
        pred = np.asarray(pred)
        if pred.ndim != 2:
            return pred
        out = np.empty_like(pred)
        out[:, np.argsort(self._alphas, kind="stable")] = np.sort(pred, axis=1)
        return out

    _label_check = pw.real_label_is_bad  # and a shape check, which the loop's caller makes

    def _check_y(self, y):
        y = super()._check_y(y)
        if y.ndim == 2 and y.shape[1] != self.n_outputs:
            raise ValueError(f"y_true must have shape (n,) or (n, {self.n_outputs}), got {y.shape}")
        return y

    def _formula_params(self):
        mode = _MODE[self.hessian]
        scales = np.broadcast_to(np.asarray(self.scale, dtype=np.float64), self._alphas.shape)
        cols = [(float(a), float(s), mode) for a, s in zip(self._alphas, scales)]
        return cols if self.n_outputs > 1 else cols[0]

    def _init(self, y, w):
        cols = [y if y.ndim == 1 else y[:, k] for k in range(self.n_outputs)]
        q = np.array([weighted_quantile(c, a, w) for c, a in zip(cols, self._alphas)])
        return q if self._multi else float(q[0])
