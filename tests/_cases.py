"""Every loss instance the generic battery runs over, and data that suits each."""

from __future__ import annotations

import math

import numpy as np

import gbobjectives as gb
from gbobjectives.losses import Formulas, RegressionLoss


# ------------------------------------------------------- a loss written as a user would
# The Cauchy (Lorentzian) loss, L = c^2/2 log(1 + (r/c)^2): its pointwise math, its start and
# (through RegressionLoss) its link, nothing else. It runs in the generic battery and in all
# four interfaces (tests/test_new_loss.py).
def cauchy_loss(raw, y, params):
    c, exact = params
    x = (raw - y) / c
    return 0.5 * c * c * math.log1p(x * x)


def cauchy_grad_hess(raw, y, params):
    """grad r / (1 + x^2); exact hess (1 - x^2) / (1 + x^2)^2, negative beyond |r| = c, so
    floored at 1e-6; irls hess g / r = 1 / (1 + x^2)."""
    c, exact = params
    r = raw - y
    x = r / c
    d = 1.0 + x * x
    h = (1.0 - x * x) / (d * d) if exact else 1.0 / d
    return r / d, max(h, 1e-6)


class Cauchy(RegressionLoss):
    formulas = Formulas(cauchy_loss, cauchy_grad_hess)
    min_hessian = 1e-6
    _scale_param = "c"  # Cauchy(None): c set from each call's residuals (RegressionLoss)

    def __init__(self, c=5.0, *, hessian="irls"):
        self.c = c
        self.hessian = hessian

    @property
    def hessian_exact(self):
        return self.hessian == "exact"

    def _formula_params(self):
        return (float(self.c), self.hessian == "exact")

    def _init(self, y, w):
        return self._init_convex(y, w)


FOCAL_GAMMAS = (0.0, 0.5, 2.0, 5.0)

LOSS_INSTANCES = [
    gb.SquaredError(),
    gb.Huber(delta=1.0),
    gb.Huber(delta=0.5, hessian="exact"),
    gb.Huber(delta=2.0, hessian="constant"),
    gb.PseudoHuber(delta=1.0, hessian="exact"),
    gb.PseudoHuber(delta=3.0),
    gb.LogCosh(scale=1.0),
    gb.LogCosh(scale=2.5, hessian="exact"),
    gb.LogCosh(scale=1.0, hessian="constant"),
    gb.Quantile(alpha=0.1, scale=1.0),
    gb.Quantile(alpha=0.9, scale=1.0),
    gb.Quantile(alpha=0.3, scale=1.0, hessian="constant"),
    gb.Quantile(alpha=[0.05, 0.5, 0.95], scale=1.0),
    Cauchy(),
    Cauchy(8.0, hessian="exact"),
    gb.Logistic(),
    *[gb.BinaryFocal(gamma=g) for g in FOCAL_GAMMAS],
    gb.BinaryFocal(gamma=2.0, alpha=0.25),
    gb.SoftmaxCrossEntropy(n_classes=3),
    *[gb.SoftmaxFocal(n_classes=4, gamma=g) for g in FOCAL_GAMMAS],
    gb.SoftmaxFocal(n_classes=3, gamma=2.0, alpha=[0.2, 0.3, 0.5]),
    gb.ClassBalanced(gb.Logistic(), beta=0.99),
    gb.ClassBalanced(gb.BinaryFocal(gamma=2.0), beta=0.999, normalize="classes"),
    gb.ClassBalanced(gb.SoftmaxFocal(n_classes=3, gamma=1.0), beta=0.9),
]


def loss_id(loss) -> str:
    return repr(loss).replace(" ", "")


def make_data(loss, n: int = 161, seed: int = 0, scale: float = 1.0):
    """Labels and raw margins for ``loss``.

    Regression residuals lie on a grid offset from 0 and +-delta, so that finite differences
    never straddle a kink of Huber or Quantile.
    """
    rng = np.random.default_rng(seed)
    k = loss.n_outputs
    if loss.task == "regression":
        y = rng.normal(size=n) * 3.0
        r = (np.linspace(-8.0, 8.0, n) + 0.0123) * scale
        r = rng.permutation(r)
        raw = y + r if k == 1 else y[:, None] + r[:, None] + np.linspace(-0.5, 0.5, k) + 0.0031
        return y, raw
    if loss.task == "binary":
        y = (rng.random(n) < 0.3).astype(np.float64)
        raw = rng.permutation(np.linspace(-12.0, 12.0, n)) * scale
        return y, raw
    y = rng.integers(0, k, size=n)
    raw = rng.normal(size=(n, k)) * 4.0 * scale
    return y, raw


def objective_pair(loss, y, raw, w=None):
    """(grad, hess) as the frameworks receive them: the loss's formulas at the parameters
    derived from this call (for Quantile, the public ``gradient_hessian`` times the scale)."""
    y_, raw_, w_ = loss._prepare(y, raw, w)
    return loss._at(y_, raw_, w_)._weighted_grad_hess(y_, raw_, w_)
