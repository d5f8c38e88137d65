"""Independent references for the formulas near their branch points.

Textbook forms on numpy/scipy primitives (np.tanh, 1/cosh^2, scipy's expit/log_expit,
logsumexp), none of the package's own code: where a formula in ``gbobjectives.pointwise``
switches to a series, a clamp or a cap, these keep computing the plain definition, so a
mutated branch shows. Valid where the textbook forms are (|x| < 350 for cosh^2, say); the
test cases stay inside that.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, log_expit, logsumexp

import gbobjectives as gb


def _robust(loss, r):
    d = float(loss.delta if not isinstance(loss, gb.LogCosh) else loss.scale)
    if isinstance(loss, gb.Huber):
        g = np.clip(r, -d, d)
        exact = (np.abs(r) <= d).astype(float)
        a = np.abs(r)
        irls = np.where(a <= d, 1.0, d / np.where(a <= d, 1.0, a))
    elif isinstance(loss, gb.PseudoHuber):
        x = r / d
        s = np.sqrt(1.0 + x * x)
        g, exact, irls = r / s, s**-3.0, 1.0 / s
    else:  # LogCosh
        x = r / d
        g = d * np.tanh(x)
        exact = 1.0 / np.cosh(x) ** 2
        irls = np.where(x != 0, np.tanh(x) / np.where(x != 0, x, 1.0), 1.0)
    h = {"exact": exact, "irls": irls, "constant": np.ones_like(r)}[loss.hessian]
    return g, np.maximum(h, loss.min_hessian)


def _pinball(loss, r):
    a, s = float(loss.alpha), float(loss.scale)
    g = s * np.where(r > 0, 1.0 - a, np.where(r < 0, -a, 0.0))
    if loss.hessian == "constant":
        return g, np.ones_like(r)
    return g, np.where(r >= 0, 1.0 - a, a) / np.maximum(np.abs(r) / s, 0.3)


def focal_derivatives(u, gamma):
    """f'(u), f''(u) of f = -(1 - p)^gamma log p, p = sigmoid(u), from scipy's primitives."""
    p, q, log_p = expit(u), expit(-u), log_expit(u)
    qg = q**gamma
    return qg * (gamma * p * log_p - q), p * qg * (q * (1 + 2 * gamma) + gamma * log_p * (q - gamma * p))


def _binary(loss, y, z):
    gamma = float(getattr(loss, "gamma", 0.0))
    alpha = getattr(loss, "alpha", None)
    a = 1.0 if alpha is None else np.where(y == 1, alpha, 1 - alpha)
    t = 2 * y - 1
    fp, fpp = focal_derivatives(t * z, gamma)
    return a * t * fp, np.maximum(a * fpp, loss.min_hessian)


def _softmax(loss, y, z):
    """Per row, by the chain rule through u = z_c - logsumexp(others) (no regrouping)."""
    gamma = float(getattr(loss, "gamma", 0.0))
    n, k = z.shape
    g, h = np.empty_like(z), np.empty_like(z)
    for i in range(n):
        c = int(y[i])
        others = np.delete(np.arange(k), c)
        u = z[i, c] - logsumexp(z[i, others])
        rho = np.zeros(k)
        rho[others] = np.exp(z[i, others] - logsumexp(z[i, others]))
        fp, fpp = focal_derivatives(np.array([u]), gamma)
        # du/dz_j = -rho_j, d2u/dz_j^2 = -rho_j (1 - rho_j) for j != c
        g[i] = -fp[0] * rho
        g[i, c] = fp[0]
        h[i] = fpp[0] * rho**2 - fp[0] * rho * (1 - rho)
        h[i, c] = fpp[0]
    return g, np.maximum(h, loss.min_hessian)


def grad_hess(loss, y, raw):
    """(grad, hess) of ``loss`` (unweighted) by the textbook forms."""
    raw = np.asarray(raw, dtype=np.float64)
    if isinstance(loss, gb.Quantile):
        return _pinball(loss, raw - y)
    if loss.task == "regression":
        return _robust(loss, raw - y)
    if loss.task == "binary":
        return _binary(loss, y, raw)
    return _softmax(loss, y, raw)
