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

import numpy as np

from .._numerics import logcosh, sech2, weighted_quantile
from .._validation import check_choice, check_finite, check_scalar
from ..links import IdentityLink
from ._base import Loss, check_min_hessian, minimise_1d

_HESSIANS = ("exact", "irls", "constant")
_MODE = {"exact": 0, "irls": 1, "constant": 2}  # the kernels' codes (gbobjectives._kernels)


class _RegressionLoss(Loss):
    task = "regression"
    link = IdentityLink()

    def _check_y(self, y):
        check_finite("y_true", y)
        return y.astype(np.float64, copy=False)

    def _residual(self, y, raw):
        return raw - (y if raw.ndim == y.ndim else y[:, None])

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

    def _validate_robust(self):
        check_choice("hessian", self.hessian, _HESSIANS)
        check_min_hessian(self.min_hessian)

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
    delta : float > 0
        Where the loss turns from quadratic to linear. delta -> inf is ``SquaredError``.
    hessian : {"irls", "constant", "exact"}, default "irls"
        The exact hessian is 0 beyond delta, where a Newton step divides by zero. "irls" gives
        min(1, delta / |r|) (the classical Huber IRLS weight); "constant" returns 1 everywhere,
        as LightGBM's built-in ``huber`` does (use it for parity); "exact" floors the 0 at
        ``min_hessian``.
    min_hessian : float in (0, 1], default 1e-3
        Floor of the returned hessian.
    """

    def __init__(self, delta=1.0, *, hessian="irls", min_hessian=1e-3):
        self.delta = delta
        self.hessian = hessian
        self.min_hessian = min_hessian
        self._validate_params()

    def _validate_params(self):
        check_scalar("delta", self.delta, low=0.0, high=np.inf, low_inclusive=False)
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
    delta : float > 0
        XGBoost's ``huber_slope``.
    hessian : {"irls", "exact", "constant"}, default "irls"
        "exact" reproduces XGBoost's ``reg:pseudohubererror`` (tested to float32 precision);
        the default "irls" (1/s) trains where the exact one overshoots (module docstring).
    min_hessian : float in (0, 1], default 1e-12
        Floor of the returned hessian, so that it never underflows (the frameworks store
        hessians in float32, where anything under 1.4e-45 is 0). 1/s^3 falls below 1e-12
        only for |r| > 1e4 delta, so parity with XGBoost holds on any sensibly started model.
    """

    def __init__(self, delta=1.0, *, hessian="irls", min_hessian=1e-12):
        self.delta = delta
        self.hessian = hessian
        self.min_hessian = min_hessian
        self._validate_params()

    def _validate_params(self):
        check_scalar("delta", self.delta, low=0.0, high=np.inf, low_inclusive=False)
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
        d = float(self.delta)
        return self._init_convex(y, w, lambda r: r / np.hypot(1.0, r / d))

    def _kernel_spec(self):
        return ("pseudo_huber", float(self.delta), _MODE[self.hessian], float(self.min_hessian))


class LogCosh(_RobustLoss):
    """Log-cosh loss.

    Domain: y_true real. Link: identity::

        L    = log(cosh(r))   computed as |r| + log1p(exp(-2|r|)) - log 2 (no overflow)
        grad = tanh(r)
        hess = sech(r)^2      (exact; below 1e-8 once |r| > 10, so Newton steps blow up)

    Parameters
    ----------
    hessian : {"irls", "exact", "constant"}, default "irls"
        "irls" returns tanh(r) / r: the leaf value becomes a robustly weighted mean residual,
        which trains under default XGBoost/LightGBM settings on targets of any scale. "exact"
        returns max(sech^2(r), min_hessian).
    min_hessian : float in (0, 1], default 1e-2
        Floor of the returned hessian. With the exact hessian LightGBM needed >= 1e-3: on a
        target of ~50 with heavy-tailed noise its MAE was 639.7 at a floor of 1e-6 against
        13.9 / 4.5 / 4.1 at 1e-3 / 1e-2 / 5e-2.
    """

    def __init__(self, *, hessian="irls", min_hessian=1e-2):
        self.hessian = hessian
        self.min_hessian = min_hessian
        self._validate_params()

    def _validate_params(self):
        self._validate_robust()

    def _loss(self, y, raw):
        return logcosh(self._residual(y, raw))

    def _grad_hess(self, y, raw):
        r = self._residual(y, raw)
        g = np.tanh(r)
        return g, self._finish_hessian(r, g, lambda: sech2(r))

    def _init(self, y, w):
        return self._init_convex(y, w, np.tanh)

    def _kernel_spec(self):
        return ("logcosh", 0.0, _MODE[self.hessian], float(self.min_hessian))


class Quantile(_RegressionLoss):
    """Pinball (quantile) loss for one or several quantile levels.

    Domain: y_true real. Link: identity. With r = raw_prediction - y_true::

        L    = max(alpha (y - raw), (alpha - 1)(y - raw)) = (1 - alpha) r if r >= 0 else -alpha r
        grad = 1 - alpha if r >= 0 else -alpha
        hess = 1              (NOT the true hessian, which is 0 almost everywhere: boosting needs
                               a hessian > 0, and 1 gives a gradient step)

    ``2 * Quantile(0.5)`` is the absolute error. With several alphas, raw predictions and grad/hess
    have shape (n, K), one column per alpha; ``init_score`` returns the K weighted quantiles.

    Parameters
    ----------
    alpha : float in (0, 1), or a sequence of them
    """

    hessian_exact = False

    def __init__(self, alpha=0.5):
        self.alpha = alpha
        self._validate_params()

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
        g = np.where(r >= 0, 1.0 - a, -a)
        return g, np.ones_like(r)

    def _init(self, y, w):
        cols = [y if y.ndim == 1 else y[:, k] for k in range(self.n_outputs)]
        q = np.array([weighted_quantile(c, a, w) for c, a in zip(cols, self._alphas)])
        return q if self._multi else float(q[0])

    def _kernel_spec(self):
        return None if self._multi else ("quantile", float(self._alphas[0]), 0, 0.0)
