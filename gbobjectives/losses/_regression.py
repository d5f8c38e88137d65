"""Regression losses in the residual r = raw_prediction - y_true (identity link).

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

from .._constants import MODE as _MODE
from .._constants import QUANTILE_FLOOR as _QUANTILE_FLOOR
from .._numerics import logcosh, sech2, weighted_quantile
from .._validation import check_choice, check_finite, check_scalar
from ..links import IdentityLink
from ._base import Loss, check_min_hessian, minimise_1d

_HESSIANS = ("exact", "irls", "constant")

# A residual scale is read off at most this many rows, evenly strided (deterministic): the
# q-quantile of 65,536 values is within about 0.4% (q = 0.9) of the full data's, at a cost
# of ~1 ms per round instead of ~10 ms for a full partition at 1e6 rows.
_SCALE_ROWS = 65536
_HIST_BINS = 4096  # distributed: log-spaced histogram bins of |r| (1.1% apart over 20 decades)


def strided_sample(y, raw, w):
    """(y, raw, w) of at most _SCALE_ROWS evenly strided rows, and how many rows each stands for."""
    step = max(1, -(-raw.shape[0] // _SCALE_ROWS))
    return y[::step], raw[::step], (None if w is None else w[::step]), float(step)


def residual_scale(r: np.ndarray, w, q: float, collective=None, row_weight: float = 1.0) -> float:
    """The q-quantile of |r| (weighted by w), the data-derived delta / scale of the robust losses.

    ``r`` is the residual of this round (or of an evenly strided sample of its rows, each
    standing for ``row_weight`` rows), so the scale follows the model as it fits, and
    multiplying the target by c multiplies it by c (the losses stay scale-equivariant).
    ``collective`` (distributed training): the quantile of all workers' residuals, from a
    log-spaced histogram summed over the workers. Falls back to 1.0 where no positive finite
    value exists (a perfect fit: every gradient is 0 whatever the scale; or invalid labels,
    which the caller reports).
    """
    a = np.abs(r).ravel()
    ww = None if w is None else (np.broadcast_to(w[:, None], r.shape).ravel() if r.ndim == 2 else w)
    if collective is not None:
        value = _distributed_quantile(a, row_weight * (1.0 if ww is None else ww), q, collective)
    elif ww is None:  # numpy's "inverted_cdf" quantile, by one partition
        k = min(max(int(np.ceil(q * a.size)) - 1, 0), a.size - 1)
        value = float(np.partition(a, k)[k])
    else:
        value = weighted_quantile(a, q, ww)
    if not (np.isfinite(value) and value > 0):
        finite = a[np.isfinite(a)]
        value = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    return value


def _distributed_quantile(a, w, q, collective):
    top = float(collective.max(np.array([np.max(a[np.isfinite(a)], initial=0.0)]), "delta")[0])
    if not top > 0:
        return 1.0
    edges = top * np.logspace(-20, 0, _HIST_BINS)
    idx = np.searchsorted(edges, a, side="left")
    hist = np.bincount(
        np.minimum(idx, _HIST_BINS - 1), weights=np.broadcast_to(w, a.shape), minlength=_HIST_BINS
    )
    hist = collective.sum(hist.astype(np.float64), "delta")
    cum = np.cumsum(hist)
    return float(edges[min(int(np.searchsorted(cum, q * cum[-1], side="left")), _HIST_BINS - 1)])


def _check_scale(name, value):
    if value is not None:
        check_scalar(name, value, low=0.0, high=np.inf, low_inclusive=False)


def _check_residual_quantile(value):
    check_scalar("residual_quantile", value, low=0.0, high=1.0, low_inclusive=False)


class _RegressionLoss(Loss):
    task = "regression"
    link = IdentityLink()

    def _check_y(self, y):
        check_finite("y_true", y)
        return y.astype(np.float64, copy=False)

    def _residual(self, y, raw):
        return raw - (y if raw.ndim == y.ndim else y[:, None])

    def _init_median(self, y, w):
        """The weighted median: the start of a loss whose scale is derived from the residuals
        (scale-equivariant, and the limit of every robust loss here as its scale -> 0)."""
        return weighted_quantile(y, 0.5, w)

    def _init_convex(self, y, w, grad):
        """Minimiser of sum_i w_i L(c - y_i) for a convex L with derivative ``grad``."""
        ww = 1.0 if w is None else w
        lo, hi = float(np.min(y)), float(np.max(y))
        if lo == hi:
            return lo
        return minimise_1d(lambda c: float(np.sum(ww * grad(c - y))), lo, hi)


class SquaredError(_RegressionLoss):
    """Half squared error, 0.5 r^2: grad r, hess 1 (the reference for XGBoost's reg:squarederror)."""

    def __init__(self):
        pass

    def _loss(self, y, raw):
        r = self._residual(y, raw)
        return 0.5 * r * r

    def _grad_hess(self, y, raw):
        return self._residual(y, raw), np.ones_like(raw, dtype=np.float64)

    def _init(self, y, w):
        return float(np.average(y, weights=w))

    def _kernel_spec(self):
        return ("huber", np.inf, _MODE["constant"], 1e-300)  # clip at inf, hessian 1


class _RobustLoss(_RegressionLoss):
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

    def _at(self, y, raw, w, collective=None):
        """With ``delta`` (``scale``) None: a copy with it set to the ``residual_quantile``
        quantile of this round's |residuals| (scikit-learn's GradientBoostingRegressor
        re-sets its Huber delta the same way every round, with alpha=0.9)."""
        if getattr(self, self._scale_param) is not None:
            return self
        out = copy.copy(self)
        ys, raws, ws, step = strided_sample(y, raw, w)
        value = residual_scale(self._residual(ys, raws), ws, self.residual_quantile, collective, step)
        setattr(out, self._scale_param, value)
        return out

    def _init_losses(self):
        # the start of a data-derived scale is the median
        return [self] if getattr(self, self._scale_param) is not None else [Quantile(0.5, scale=1.0)]

    def _finish_hessian(self, r, g, exact):
        """Pick the hessian the user chose; floor it at min_hessian so it stays > 0."""
        if self.hessian == "constant":
            # Not the true hessian: 1 everywhere (a gradient step of length |g|).
            return np.ones_like(r)
        if self.hessian == "irls":
            # Not the true hessian: g / r, the majoriser's curvature (see the module docstring);
            # at r = 0 its limit is the curvature there, 1 for all three losses.
            h = np.divide(g, r, out=np.ones_like(r), where=(r != 0))
        else:
            h = exact()
        return np.maximum(h, self.min_hessian, out=h)


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
        |residuals| (scale-free: fitting c * y predicts c times the fit on y).
    residual_quantile : float in (0, 1], default 0.9
        Used when ``delta`` is None: the share of residuals treated quadratically (0.9 as in
        scikit-learn's GradientBoostingRegressor(loss="huber")). The scale-free knob to tune.
    hessian : {"irls", "constant", "exact"}, default "irls"
        The exact hessian is 0 beyond delta, where a Newton step divides by zero. "irls" gives
        min(1, delta / |r|) (the classical Huber IRLS weight); "constant" returns 1 everywhere,
        as LightGBM's built-in ``huber`` does (use it for parity); "exact" floors the 0 at
        ``min_hessian``.
    min_hessian : float in (0, 1], default 1e-3
        Floor of the returned hessian.
    """

    def __init__(self, delta=None, *, residual_quantile=0.9, hessian="irls", min_hessian=1e-3):
        self.delta = delta
        self.residual_quantile = residual_quantile
        self.hessian = hessian
        self.min_hessian = min_hessian
        self._validate_params()

    def _validate_params(self):
        self._validate_robust()

    def _loss(self, y, raw):
        d = float(self.delta)
        a = np.abs(self._residual(y, raw))
        # Branch-free and overflow-free: with m = min(|r|, delta),
        # 0.5 m^2 + delta (|r| - m) is 0.5 r^2 inside delta and delta (|r| - delta/2) beyond.
        m = np.minimum(a, d)
        return 0.5 * m * m + d * (a - m)

    def _grad_hess(self, y, raw):
        d = float(self.delta)
        r = self._residual(y, raw)
        g = np.clip(r, -d, d)
        return g, self._finish_hessian(r, g, lambda: (np.abs(r) <= d).astype(np.float64))

    def _init(self, y, w):
        if self.delta is None:
            return self._init_median(y, w)
        d = float(self.delta)
        return self._init_convex(y, w, lambda r: np.clip(r, -d, d))

    def _kernel_spec(self):
        return ("huber", float(self.delta), _MODE[self.hessian], float(self.min_hessian))


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
        XGBoost's ``huber_slope``, in target units. None: at every round, the
        ``residual_quantile`` quantile of the |residuals| (scale-free).
    residual_quantile : float in (0, 1], default 0.9
        Used when ``delta`` is None (see ``Huber``).
    hessian : {"irls", "exact", "constant"}, default "irls"
        "exact" reproduces XGBoost's ``reg:pseudohubererror`` (tested to float32 precision);
        the default "irls" (1/s) trains where the exact one overshoots (module docstring).
    min_hessian : float in (0, 1], default 1e-12
        Floor of the returned hessian, so that it never underflows (the frameworks store
        hessians in float32, where anything under 1.4e-45 is 0). 1/s^3 falls below 1e-12
        only for |r| > 1e4 delta, so parity with XGBoost holds on any sensibly started model.
    """

    def __init__(self, delta=None, *, residual_quantile=0.9, hessian="irls", min_hessian=1e-12):
        self.delta = delta
        self.residual_quantile = residual_quantile
        self.hessian = hessian
        self.min_hessian = min_hessian
        self._validate_params()

    def _validate_params(self):
        self._validate_robust()

    def _loss(self, y, raw):
        d = float(self.delta)
        x = self._residual(y, raw) / d
        # s - 1 = x^2 / (s + 1) avoids cancellation for small x; written x * (x / (s + 1))
        # so that x^2 never overflows. hypot(1, x) = sqrt(1 + x^2) without overflow.
        return d * d * (x * (x / (np.hypot(1.0, x) + 1.0)))

    def _grad_hess(self, y, raw):
        d = float(self.delta)
        r = self._residual(y, raw)
        inv_s = 1.0 / np.hypot(1.0, r / d)
        g = r * inv_s
        return g, self._finish_hessian(r, g, lambda: inv_s * inv_s * inv_s)

    def _init(self, y, w):
        if self.delta is None:
            return self._init_median(y, w)
        d = float(self.delta)
        return self._init_convex(y, w, lambda r: r / np.hypot(1.0, r / d))

    def _kernel_spec(self):
        return ("pseudo_huber", float(self.delta), _MODE[self.hessian], float(self.min_hessian))


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
        s in target units. None: at every round, the ``residual_quantile`` quantile of the
        |residuals| (scale-free: fitting c * y predicts c times the fit on y).
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
    """

    _scale_param = "scale"

    def __init__(self, scale=None, *, residual_quantile=0.9, hessian="irls", min_hessian=1e-2):
        self.scale = scale
        self.residual_quantile = residual_quantile
        self.hessian = hessian
        self.min_hessian = min_hessian
        self._validate_params()

    def _validate_params(self):
        self._validate_robust()

    def _loss(self, y, raw):
        s = float(self.scale)
        return s * s * logcosh(self._residual(y, raw) / s)

    def _grad_hess(self, y, raw):
        s = float(self.scale)
        r = self._residual(y, raw)
        x = r / s
        g = s * np.tanh(x)
        return g, self._finish_hessian(r, g, lambda: sech2(x))

    def _init(self, y, w):
        if self.scale is None:
            return self._init_median(y, w)
        s = float(self.scale)
        return self._init_convex(y, w, lambda r: np.tanh(r / s))

    def _kernel_spec(self):
        return ("logcosh", float(self.scale), _MODE[self.hessian], float(self.min_hessian))


class Quantile(_RegressionLoss):
    """Pinball (quantile) loss for one or several quantile levels.

    Domain: y_true real. Link: identity. With r = raw_prediction - y_true::

        L    = max(alpha (y - raw), (alpha - 1)(y - raw)) = (1 - alpha) r if r >= 0 else -alpha r
        grad = s (1 - alpha) if r > 0, -s alpha if r < 0, 0 at r = 0   (s: the step's scale)
        hess = s |grad / s| / max(|r|, 0.3 s)    ("irls", default)
             = 1                                  ("constant")

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
    """

    hessian_exact = False

    def __init__(self, alpha=0.5, *, scale=None, hessian="irls"):
        self.alpha = alpha
        self.scale = scale
        self.hessian = hessian
        self._validate_params()

    def _at(self, y, raw, w, collective=None):
        """With ``scale`` None: a copy with the scale of this round's residuals (per column)."""
        if self.scale is not None:
            return self
        ys, raws, ws, step = strided_sample(y, raw, w)  # the mean of |r| over a strided sample
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
        """
        pred = np.asarray(pred)
        if pred.ndim != 2:
            return pred
        out = np.empty_like(pred)
        out[:, np.argsort(self._alphas, kind="stable")] = np.sort(pred, axis=1)
        return out

    def _levels(self, raw):
        return self._alphas if raw.ndim == 2 else self._alphas[0]

    def _check_y(self, y):
        y = super()._check_y(y)
        if y.ndim == 2 and y.shape[1] != self.n_outputs:
            raise ValueError(f"y_true must have shape (n,) or (n, {self.n_outputs}), got {y.shape}")
        return y

    def _loss(self, y, raw):
        r = self._residual(y, raw)
        a = self._levels(raw)
        return np.where(r >= 0, (1.0 - a) * r, -a * r)

    def _grad_hess(self, y, raw):
        r = self._residual(y, raw)
        a = self._levels(raw)
        # a row on its target (r == 0) gets gradient 0: the subgradient that holds it there
        # (1 - alpha would push it off by s, in target units, with nothing to gain)
        unit = np.where(r > 0, 1.0 - a, np.where(r < 0, -a, 0.0))
        s = self.scale
        if self.hessian == "constant":
            return unit * s, np.ones_like(r)
        # "irls": s |unit| / max(|r|, 0.3 s), written as |unit| / max(|r| / s, 0.3) so that
        # no product overflows (s and |r| may both be near the float max); at r = 0 the
        # |unit| of r >= 0 keeps the hessian positive
        side = np.where(r >= 0, 1.0 - a, a)
        return unit * s, side / np.maximum(np.abs(r) / s, _QUANTILE_FLOOR)

    def _init(self, y, w):
        cols = [y if y.ndim == 1 else y[:, k] for k in range(self.n_outputs)]
        q = np.array([weighted_quantile(c, a, w) for c, a in zip(cols, self._alphas)])
        return q if self._multi else float(q[0])

    def _kernel_spec(self):
        if self._multi:
            return None
        return ("quantile", float(self._alphas[0]), float(self.scale), _MODE[self.hessian])
