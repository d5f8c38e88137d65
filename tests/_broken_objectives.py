"""Custom objectives as users write them, broken as in public threads, each beside its fix.

Used by tests/test_diagnose.py (and by the CLI tests as ``tests/_broken_objectives.py:name``).
XGBoost convention ``f(predt, dtrain)`` unless named ``lgb_`` (LightGBM, ``f(preds, data)``)
or ``skl_`` (scikit-learn APIs, ``f(y_true, y_pred, ...)``).
"""

from __future__ import annotations

import numpy as np

K = 3  # classes of the multi-class ones


def _weights(dtrain):
    w = dtrain.get_weight()
    return np.ones(dtrain.num_row()) if w is None or len(w) == 0 else np.asarray(w, dtype=np.float64)


# --- sign: dmlc/xgboost#3037, a fair loss "predicting 0.5 everywhere" (gradient y - raw)
def fair_flipped(predt, dtrain, c=1.0):
    r = dtrain.get_label() - predt  # y - raw: the sign flipped
    return c * r / (np.abs(r) + c), c * c / (np.abs(r) + c) ** 2


def fair(predt, dtrain, c=30.0):
    r = predt - dtrain.get_label()
    w = _weights(dtrain)
    return w * c * r / (np.abs(r) + c), w * c * c / (np.abs(r) + c) ** 2


# --- hessian_nonpositive: dmlc/xgboost#2602, a Huber with hessian -1 outside delta
def huber_negative_hessian(predt, dtrain, delta=5.0):
    r = predt - dtrain.get_label()
    return np.clip(r, -delta, delta), np.where(np.abs(r) <= delta, 1.0, -1.0)


def huber_irls(predt, dtrain, delta=5.0):
    r = predt - dtrain.get_label()
    w = _weights(dtrain)
    return w * np.clip(r, -delta, delta), w * np.minimum(1.0, delta / np.maximum(np.abs(r), 1e-12))


# --- no_split: dmlc/xgboost#279, pseudo-Huber with delta = 1 on a target around 3e4
def pseudo_huber_exact(predt, dtrain, delta=1.0):
    r = predt - dtrain.get_label()
    s = np.sqrt(1.0 + (r / delta) ** 2)
    return r / s, 1.0 / s**3


def pseudo_huber_irls(predt, dtrain, delta=1.0):
    r = predt - dtrain.get_label()
    s = np.sqrt(1.0 + (r / delta) ** 2)
    w = _weights(dtrain)
    return w * r / s, w / s  # the curvature of the tangent quadratic: the step is the residual


def pseudo_huber_target_units(predt, dtrain):
    """The fix of #279: delta in the target's units (its residuals are ~1e3), and the irls
    hessian (with delta = 1 and irls, the hessians 1/|r| of 600 rows still sum to 0.6)."""
    return pseudo_huber_irls(predt, dtrain, delta=1e3)


# --- hessian_mismatch: a hessian below the derivative of the gradient (d/dr of 2r is 2)
def squared_error_hessian_too_small(predt, dtrain):
    r = predt - dtrain.get_label()
    return 2.0 * r, np.ones_like(r)  # loss r^2: grad 2r, hess should be 2


def squared_error(predt, dtrain):
    r = predt - dtrain.get_label()
    w = _weights(dtrain)
    return w * r, w * np.ones_like(r)


# --- weights ignored: neither framework multiplies a custom objective's output
def squared_error_unweighted(predt, dtrain):
    r = predt - dtrain.get_label()
    return r, np.ones_like(r)


def squared_error_unweighted_hessian(predt, dtrain):
    r = predt - dtrain.get_label()
    return _weights(dtrain) * r, np.ones_like(r)


# --- raw margins taken for probabilities (LightGBM #4629, #6389)
def lgb_logistic_on_margins(preds, data):
    y = data.get_label()
    return preds - y, preds * (1.0 - preds)  # preds are raw scores, not probabilities


def lgb_logistic(preds, data):
    y = data.get_label()
    p = 1.0 / (1.0 + np.exp(-preds))
    w = data.get_weight()
    w = np.ones_like(y) if w is None else w
    return w * (p - y), w * np.maximum(p * (1.0 - p), 1e-16)


# --- layout: dmlc/xgboost#687, LightGBM #4659 (class-major flat arrays of old versions)
def _softmax(m):
    e = np.exp(m - m.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def softmax_flat_class_major(predt, dtrain):
    y = dtrain.get_label().astype(int)
    p = _softmax(predt)
    g = p.copy()
    g[np.arange(len(y)), y] -= 1.0
    h = np.maximum(2.0 * p * (1.0 - p), 1e-16)
    return g.ravel(order="F"), h.ravel(order="F")  # LightGBM < 4's layout, handed to XGBoost


def softmax_reads_class_major(predt, dtrain):
    y = dtrain.get_label().astype(int)
    m = predt.reshape(-1).reshape(K, -1).T  # reads (n, K) margins as if class-major
    p = _softmax(m)
    g = p.copy()
    g[np.arange(len(y)), y] -= 1.0
    return g, np.maximum(2.0 * p * (1.0 - p), 1e-16)


def softmax(predt, dtrain):
    y = dtrain.get_label().astype(int)
    p = _softmax(np.asarray(predt, dtype=np.float64))
    g = p.copy()
    g[np.arange(len(y)), y] -= 1.0
    w = _weights(dtrain)[:, None]
    return w * g, w * np.maximum(2.0 * p * (1.0 - p), 1e-16)


# --- call: a (K, n) result, and a function that raises
def softmax_transposed(predt, dtrain):
    g, h = softmax(predt, dtrain)
    return g.T, h.T


def raises(predt, dtrain):
    raise KeyError("label")


# --- scikit-learn convention
def skl_two_parameters(y_true, y_pred):
    r = y_pred - y_true
    return r, np.ones_like(r)


def skl_delta_third(y_true, y_pred, delta=5.0):
    r = y_pred - y_true  # LightGBM passes the weights as delta
    return np.clip(r, -5.0, 5.0), np.minimum(1.0, 5.0 / np.maximum(np.abs(r), 1e-12))


def skl_huber(y_true, y_pred, sample_weight=None):
    r = y_pred - y_true
    w = np.ones_like(r) if sample_weight is None else sample_weight
    return w * np.clip(r, -5.0, 5.0), w * np.minimum(1.0, 5.0 / np.maximum(np.abs(r), 1e-12))


def squared_loss(y_true, raw):
    return 0.5 * (raw - y_true) ** 2


# --- correct objectives that must not raise an error (the reviewers' false alarms)
def logreg_demo(predt, dtrain):
    """XGBoost's and LightGBM's demo logistic objective: its hessian underflows to exactly 0
    at a margin of 40 (sigmoid(40) is 1.0 in float64), as the built-in's does."""
    y = dtrain.get_label()
    p = 1.0 / (1.0 + np.exp(-predt))
    return p - y, p * (1.0 - p)


def poisson(predt, dtrain):
    """Poisson deviance with a log link: its gradient vanishes at log y, not y."""
    mu = np.exp(predt)
    return mu - dtrain.get_label(), mu


def quantile90(predt, dtrain):
    """The pinball loss at 0.9 with a constant hessian: a 0.9 quantile moves away from the
    median, rightly."""
    r = predt - dtrain.get_label()
    return np.where(r > 0, 0.1, -0.9), np.ones_like(r)


def softmax_weights_1d(predt, dtrain):
    """Multiplies (n, K) gradients by (n,) weights: fine until weights exist."""
    g, h = softmax(predt, dtrain)
    w = dtrain.get_weight()
    if w.size:
        return g * w, h * w  # broadcasts (n, K) against (n,): raises
    return g, h


def lgb_squared_error(preds, data):
    r = preds - data.get_label()
    w = data.get_weight()
    w = np.ones_like(r) if w is None else w
    return w * r, w


def squared_error_normalised_weights(predt, dtrain):
    w = _weights(dtrain)
    w = w / w.mean()  # normalised: still proportional to the weights
    r = predt - dtrain.get_label()
    return w * r, w


def logistic_01_formula(predt, dtrain):
    """p - y written for labels 0/1, trained on labels -1/+1: for y = -1 it never vanishes."""
    p = 1.0 / (1.0 + np.exp(-predt))
    return p - dtrain.get_label(), np.maximum(p * (1.0 - p), 1e-16)


def one_vs_rest(predt, dtrain):
    """K independent logistic losses (LightGBM's multiclassova): not shift-invariant."""
    y = dtrain.get_label().astype(int)
    p = 1.0 / (1.0 + np.exp(-predt))
    t = np.zeros_like(p)
    t[np.arange(len(y)), y] = 1.0
    return p - t, np.maximum(p * (1.0 - p), 1e-16)


def multi_quantile(predt, dtrain, alphas=(0.1, 0.5, 0.9)):
    y = dtrain.get_label()[:, None]
    r = predt - y
    a = np.asarray(alphas)[None, :]
    s = np.mean(np.abs(r)) + 1e-12
    return s * np.where(r > 0, 1 - a, -a), np.ones_like(r)
