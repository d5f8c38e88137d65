"""The probe: the objective as one framework calls it, with the margins it is checked at.

Margins (an (n, K) float64 array each, drawn from one seeded generator, so a run is
reproducible):

- ``start``: every row at the framework's start (or the one you give);
- ``typical``: a prediction at a typical distance from each label (identity link: the label
  plus 0.5 standard deviations of the target times a standard normal; logit and softmax:
  1.5 times a standard normal), so that residuals of both signs and several sizes occur;
- ``extreme``: far margins (1000 standard deviations off; +-40 for logit and softmax), where
  exponentials overflow and hessians vanish.
"""

from __future__ import annotations

import numpy as np

from ..adapters.conventions import default_start, leaf_thresholds
from . import checks

_LINKS = ("identity", "log", "logit", "softmax")


class Probe:
    def __init__(self, conv, params, *, link, loss, init_score, rounds, n_total, seed):
        self.conv = conv
        framework = self.framework = conv.framework
        self.params = dict(params or {})
        self.k = conv.k
        self.y = conv.y
        self.n = conv.n
        self.n_total = int(n_total)
        self.rounds = int(rounds)
        self.loss_func = loss
        sample_weight = conv.sample_weight
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        self.link = link
        rng = np.random.default_rng(seed)
        self.test_weights = (
            self.sample_weight if self.sample_weight is not None else rng.uniform(0.5, 3.0, size=self.n)
        )
        self.weights_or_ones = self.sample_weight if self.sample_weight is not None else np.ones(self.n)
        self.weight_mask = self.weights_or_ones > 0
        self.y_cols = np.tile(self.y[:, None], (1, self.k))
        if link in ("identity",):
            spread = float(np.std(self.y))
            self.margin_scale = spread if spread > 0 else max(1.0, abs(float(np.mean(self.y))))
        else:
            self.margin_scale = 1.0
        self.fd_step = 1e-4 * self.margin_scale
        z = rng.standard_normal((self.n, self.k))
        if link == "identity":
            self.typical = self.y_cols + 0.5 * self.margin_scale * z
            self.extreme = self.y_cols + 1e3 * self.margin_scale * np.sign(z)
        elif link == "log":
            base = np.log(np.maximum(self.y_cols, 1e-3 * max(float(self.y.max()), 1e-300)))
            self.typical = base + 0.5 * z
            self.extreme = base + 30.0 * np.sign(z)
        else:
            self.typical = 1.5 * z
            self.extreme = 40.0 * np.sign(z)
        if init_score is not None:
            start = np.resize(np.asarray(init_score, dtype=np.float64), self.k)
            self.start_source, self.start_given = "the start you give", True
        else:
            start, self.start_source = default_start(framework, self.params, self.k)
            self.start_given = framework == "xgboost" and "base_score" in self.params
        self.start = start
        self.start_margin = np.tile(start, (self.n, 1))
        thresholds = leaf_thresholds(framework, self.params)
        self.min_hessian, self.reg_lambda = thresholds["min_hessian"], thresholds["reg_lambda"]
        self.min_data = thresholds["min_data"]

    # ---------------------------------------------------------------- calls
    def call(self, margin, weights="user", *, exact=False):
        w = self.sample_weight if isinstance(weights, str) else weights
        return self.conv.call(margin, w, exact=exact)

    def margins(self, labels):
        for label in labels:
            yield label, getattr(self, label if label != "start" else "start_margin")

    def distance(self, margin):
        return checks.distance(self.link, self.y, margin)

    def user_loss(self, margin):
        m = margin[:, 0] if self.k == 1 else margin
        return np.asarray(self.loss_func(self.y, m), dtype=np.float64)

    def shift_invariant(self) -> bool:
        """Whether adding one constant to every column leaves the gradient as it is (a softmax
        loss: then only the differences between the columns' starts matter)."""
        if self.k == 1 or self.link != "softmax":
            return False
        if not hasattr(self, "_shift_invariant"):
            g0 = self.call(self.typical, exact=True)[0]
            g1 = self.call(self.typical + 1.0, exact=True)[0]
            self._shift_invariant = bool(np.allclose(g0, g1, rtol=1e-6, atol=1e-9))
        return self._shift_invariant

    # ---------------------------------------------------------------- the best constant
    def _mean_grad(self, c):
        """The gradient summed over the rows, as the framework sums it (a function that
        weights its gradients has already weighted them), per unit of weight."""
        g, _, _ = self.call(np.tile(np.atleast_1d(c), (self.n, 1)), exact=True)
        return g.sum(axis=0) / self.weights_or_ones.sum()

    def best_constant(self):
        """(the constant margin where the mean gradient is 0, or None where none is found;
        for one output, the bracket searched: (low, high, mean gradient at low, at high))."""
        if self.k == 1:
            if self.link == "identity":
                lo, hi = float(self.y.min()), float(self.y.max())
                pad = max(hi - lo, 1.0)
                lo, hi = lo - pad, hi + pad
            elif self.link == "log":
                pos = self.y[self.y > 0]
                if not pos.size:
                    return None, None
                lo, hi = float(np.log(pos.min())) - 5.0, float(np.log(pos.max())) + 5.0
            else:
                lo, hi = -30.0, 30.0
            glo, ghi = self._mean_grad(lo)[0], self._mean_grad(hi)[0]
            bracket = (lo, hi, float(glo), float(ghi))
            if not (np.isfinite(glo) and np.isfinite(ghi)) or glo > 0 or ghi < 0:
                return None, bracket
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                if self._mean_grad(mid)[0] > 0:
                    hi = mid
                else:
                    lo = mid
            return np.array([0.5 * (lo + hi)]), bracket
        c = self.start.copy()
        for _ in range(100):
            g, h, _ = self.call(np.tile(c, (self.n, 1)), exact=True)
            hs = h.mean(axis=0)
            if not (np.isfinite(g).all() and np.all(hs > 0)):
                return None, None
            step = g.mean(axis=0) / hs
            c = c - np.clip(step, -2.0, 2.0)
            if np.max(np.abs(step)) < 1e-8:
                break
        if self.shift_invariant():
            c = c - c.mean()  # softmax margins are defined up to a constant
        return c, None

    def loss_gap(self, c0, best):
        """The loss at c0 minus the loss at ``best`` (mean per row), as the integral of the mean
        gradient along the segment (Simpson's rule on 33 points), or the user's loss."""
        c0, best = np.atleast_1d(c0).astype(float), np.atleast_1d(best).astype(float)
        if self.loss_func is not None:
            at = lambda c: float(np.mean(self.user_loss(np.tile(c, (self.n, 1)))))  # noqa: E731
            return at(c0) - at(best)
        t = np.linspace(0.0, 1.0, 33)
        d = c0 - best
        vals = np.array([float(self._mean_grad(best + ti * d) @ d) for ti in t])
        if not np.isfinite(vals).all():
            return None
        h = t[1] - t[0]
        return float(h / 3 * (vals[0] + vals[-1] + 4 * vals[1:-1:2].sum() + 2 * vals[2:-1:2].sum()))


def _identity_or_log(y, conv) -> str:
    """For a non-negative target: where does the function's gradient vanish, at the margin
    y (identity link) or log y (a log link: Poisson, gamma, Tweedie)?"""
    from ..adapters.conventions import ObjectiveCallError

    pos = y > 0
    if pos.sum() < 5:
        return "identity"
    at_y = y.copy()
    at_log = np.log(np.where(pos, y, 1.0))
    try:
        g_id = np.abs(conv.call(at_y[:, None], exact=True)[0][pos, 0])
        g_log = np.abs(conv.call(at_log[:, None], exact=True)[0][pos, 0])
    except ObjectiveCallError:
        return "identity"
    if not (np.isfinite(g_id).all() and np.isfinite(g_log).all()):
        return "log" if np.isfinite(g_log).all() else "identity"
    return "log" if np.median(g_log) < 0.1 * np.median(g_id) else "identity"


def _vanishes_at_label(y, conv) -> bool:
    from ..adapters.conventions import ObjectiveCallError

    try:
        g = conv.call(y[:, None].copy(), exact=True)[0]
    except ObjectiveCallError:
        return False
    return bool(np.isfinite(g).all() and np.median(np.abs(g)) < 1e-9)


def infer_link(y: np.ndarray, k: int, params: dict, conv=None) -> str:
    objective = str(params.get("objective", "")) if isinstance(params.get("objective"), str) else ""
    if objective.startswith("binary:") or objective in ("binary", "cross_entropy", "xentropy"):
        return "logit"
    if objective.startswith("multi:") or objective in ("multiclass", "softmax", "multiclassova"):
        return "softmax"
    if objective.startswith(("count:poisson", "reg:gamma", "reg:tweedie")) or objective in (
        "poisson", "gamma", "tweedie",
    ):  # fmt: skip
        return "log"
    values = np.unique(y)
    integral = bool(np.all(values == np.round(values)))
    if "num_target" in params:
        return "identity"  # several regression outputs (quantiles), whatever the labels look like
    if k == 1:
        if values.size == 2 and (set(values.tolist()) <= {0.0, 1.0} or set(values.tolist()) == {-1.0, 1.0}):
            # two classes, unless the gradient vanishes at the label itself (squared error on 0/1)
            return "identity" if conv is not None and _vanishes_at_label(y, conv) else "logit"
        if conv is not None and values.min() >= 0 and not objective:
            return _identity_or_log(y, conv)
        return "identity"
    if "num_class" in params or (integral and values.min() >= 0 and values.max() < k):
        return "softmax"
    return "identity"


__all__ = ["Probe", "infer_link", "_LINKS"]
