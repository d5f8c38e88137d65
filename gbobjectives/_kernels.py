"""Fused grad/hess kernels compiled with numba: one pass over the rows, writing into buffers.

The same formulas as the losses' numpy code (``losses/``), which stays the reference: the
tests check every kernel against it. Each kernel reads raw margins and labels, applies the
sample weight, and writes float32 grad/hess into buffers the caller allocates (fresh for
every call: see ``adapters._common.compute``).

- Loops are serial: inside XGBoost a parallel numba loop fights XGBoost's own OpenMP threads
  (measured on 2 cores: 10-20% slower training; OMP_WAIT_POLICY=PASSIVE brought it to
  4-8%).
- ``error_model="numpy"`` keeps numba from adding a division-by-zero branch that stops
  vectorisation.
- Residuals are formed in float64 and then rounded once: LightGBM passes float64 scores,
  and at y = 1e7 a float32 score cannot hold a residual of 0.3 (float32 spacing there is 1).
  For XGBoost's float32 inputs this is the correctly rounded float32 difference, as before.
- Arithmetic-only kernels (Huber, pseudo-Huber, quantile) then compute in float32, as
  XGBoost's own objectives do: they vectorise 8-wide and run at the memory-bandwidth floor. Kernels
  with exp/log (log-cosh, focal, softmax) compute in float64: libm's scalar calls cost the
  same in either precision, and they bound the speed.
- Compilation is lazy (first call) and cached on disk (``cache=True``); importing
  gbobjectives does not import this module.

If numba is missing, or GBOBJECTIVES_DISABLE_NUMBA=1, ``AVAILABLE`` is False and the adapters
use the numpy code instead: same results, slower.
"""

from __future__ import annotations

import math
import os

import numpy as np

# a leaf module: the kernels import no loss, and the losses no kernel
from ._constants import MODE, QUANTILE_FLOOR, U_MAX

AVAILABLE = False
if os.environ.get("GBOBJECTIVES_DISABLE_NUMBA", "") not in ("1", "true", "yes"):
    try:
        import numba

        AVAILABLE = True
    except ImportError:  # pragma: no cover - exercised where numba is not installed
        pass

# hessian modes of the robust losses: the codes the losses put in their kernel specs
EXACT, IRLS, CONSTANT = MODE["exact"], MODE["irls"], MODE["constant"]
F32 = np.float32


def _jit(func):
    return numba.njit(cache=True, error_model="numpy", nogil=True)(func) if AVAILABLE else func


# ------------------------------------------------------------------- input checks, fused
# The kernels check the labels and weights as they read them, and return how many rows
# failed; the caller then runs the full numpy validation, which raises an error naming the
# value (see adapters._common.grad_hess). A numpy validation pass (isfinite, astype, integer
# checks) cost 1-9 ms per call at 1e6 rows. In the arithmetic loops the integer counts keep
# them vectorised at no measurable cost; in binary focal's exp/log loop the count cost
# 20-25%, so there it is a pass of its own (_count_bad_binary). Written with & and ~ on
# booleans rather than and/or, which would branch on labels in random order.
def _bad_real(yi):
    """1 unless yi is finite (NaN compares false)."""
    return np.int64(~(abs(yi) < np.inf))


def _bad_binary(yi):
    """1 unless yi is 0 or 1."""
    return np.int64((yi != 0.0) & (yi != 1.0))


def _bad_weight(w, i, has_w):
    """1 unless the weight is finite and >= 0."""
    if not has_w:
        return np.int64(0)
    wi = w[i]
    return np.int64(~((wi >= 0.0) & (wi < np.inf)))


if AVAILABLE:  # inlined into the kernels that call them
    _inline = numba.njit(cache=True, error_model="numpy", inline="always")
    _bad_real, _bad_binary, _bad_weight = _inline(_bad_real), _inline(_bad_binary), _inline(_bad_weight)


# ----------------------------------------------------------------------------- regression
# The float32 kernels below need delta^2 (pseudo-Huber) or delta (Huber) inside float32's
# normal range. A delta outside [1e-15, 1e18) ([1e-15, 1e12) for pseudo-Huber) goes to these
# float64 loops of the same formulas: a data-derived delta follows the target's scale, which
# may be anything.
F32_SAFE_LOW = 1e-15


def _pseudo_huber64(raw, y, w, has_w, delta, mode, min_h, g, h):
    bad = 0
    for i in range(raw.shape[0]):
        bad += _bad_real(y[i]) + _bad_weight(w, i, has_w)
        z = float(raw[i]) - float(y[i])
        s = math.hypot(1.0, z / delta)
        hi = 1.0 / (s * s * s) if mode == EXACT else (1.0 / s if mode == IRLS else 1.0)
        wi = float(w[i]) if has_w else 1.0
        g[i] = z / s * wi
        h[i] = max(hi, min_h) * wi
    return bad


def _huber64(raw, y, w, has_w, delta, mode, min_h, g, h):
    bad = 0
    for i in range(raw.shape[0]):
        bad += _bad_real(y[i]) + _bad_weight(w, i, has_w)
        r = float(raw[i]) - float(y[i])
        a = abs(r)
        if mode == EXACT:
            hi = 1.0 if a <= delta else 0.0
        elif mode == IRLS:
            hi = delta / max(a, delta)
        else:
            hi = 1.0
        wi = float(w[i]) if has_w else 1.0
        g[i] = min(max(r, -delta), delta) * wi
        h[i] = max(hi, min_h) * wi
    return bad


if AVAILABLE:
    _pseudo_huber64, _huber64 = _jit(_pseudo_huber64), _jit(_huber64)


def _pseudo_huber(raw, y, w, has_w, delta, mode, min_h, g, h):
    # The operations and their order are XGBoost's reg:pseudohubererror in float32, so that
    # hessian="exact" reproduces it bit for bit: s = sqrt(1 + z^2/delta^2), g = z / s,
    # h = delta^2 / ((delta^2 + z^2) s). z^2 would overflow float32 beyond |z| ~ 1.8e19: the
    # squares use |z| capped at 1e18 and g is then delta * sign(z), its value to float32 precision.
    # float64 where delta^2 would leave float32's range, or where capping |z| at 1e18 (below)
    # would no longer give g = delta sign(z) to float32 precision (|z| / delta >= 1e6 needed)
    if not (F32_SAFE_LOW <= delta < 1e12):
        return _pseudo_huber64(raw, y, w, has_w, delta, mode, min_h, g, h)
    bad = 0
    d, d2, one, mh = F32(delta), F32(delta * delta), F32(1.0), F32(min_h)
    for i in range(raw.shape[0]):
        bad += _bad_real(y[i]) + _bad_weight(w, i, has_w)
        z = F32(float(raw[i]) - float(y[i]))
        zc = min(abs(z), F32(1e18))
        z2 = zc * zc
        scale_sqrt = np.sqrt(one + z2 / d2)
        gi = z / scale_sqrt if zc < F32(1e18) else (d if z > 0 else -d)
        if mode == EXACT:
            hi = d2 / ((d2 + z2) * scale_sqrt)
        elif mode == IRLS:
            hi = one / scale_sqrt
        else:
            hi = one
        wi = F32(w[i]) if has_w else one
        g[i] = gi * wi
        h[i] = max(hi, mh) * wi
    return bad


def _huber(raw, y, w, has_w, delta, mode, min_h, g, h):
    if not (F32_SAFE_LOW <= delta < 1e18) and delta != np.inf:  # inf: squared error, fine
        return _huber64(raw, y, w, has_w, delta, mode, min_h, g, h)
    d, one, mh = F32(delta), F32(1.0), F32(min_h)
    bad = 0
    for i in range(raw.shape[0]):
        bad += _bad_real(y[i]) + _bad_weight(w, i, has_w)
        r = F32(float(raw[i]) - float(y[i]))
        a = abs(r)
        if mode == EXACT:
            hi = one if a <= d else F32(0.0)
        elif mode == IRLS:
            hi = d / max(a, d)
        else:
            hi = one
        wi = F32(w[i]) if has_w else one
        g[i] = min(max(r, -d), d) * wi
        h[i] = max(hi, mh) * wi
    return bad


def _quantile(raw, y, w, has_w, alpha, scale, mode, g, h):
    # grad s * (1 - alpha or -alpha); hess 1 ("constant") or |grad / s| / max(|r| / s, 0.3)
    # a row on its target (r == 0) gets gradient 0, the subgradient that holds it there
    hi_, lo_, one = F32((1.0 - alpha) * scale), F32(-alpha * scale), F32(1.0)
    ua, ub, fl = F32(1.0 - alpha), F32(alpha), F32(QUANTILE_FLOOR)
    bad = 0
    for i in range(raw.shape[0]):
        bad += _bad_real(y[i]) + _bad_weight(w, i, has_w)
        r64 = float(raw[i]) - float(y[i])
        wi = F32(w[i]) if has_w else one
        g[i] = (hi_ if r64 > 0 else (lo_ if r64 < 0 else F32(0.0))) * wi
        if mode == CONSTANT:
            h[i] = wi
        else:
            h[i] = (ua if r64 >= 0 else ub) / max(F32(abs(r64) / scale), fl) * wi
    return bad


def _logcosh(raw, y, w, has_w, scale, mode, min_h, g, h):
    # in x = r / scale: grad scale * tanh(x), exact hess sech^2(x), irls tanh(x) / x
    # a division, not a product with 1 / scale: 1 / scale overflows for scale < 5.6e-309
    bad = 0
    for i in range(raw.shape[0]):
        bad += _bad_real(y[i]) + _bad_weight(w, i, has_w)
        r = (float(raw[i]) - float(y[i])) / scale
        a = abs(r)
        # tanh|r| = (1 - e) / (1 + e) with e = exp(-2|r|): one exp; for |r| < 1e-4 the
        # cancellation in 1 - e is avoided by tanh r = r - r^3/3 (next term 2r^5/15 < 1e-20 r).
        e = math.exp(-2.0 * min(a, 400.0))
        t = (1.0 - e) / (1.0 + e) if a >= 1e-4 else a * (1.0 - a * a / 3.0)
        if mode == EXACT:
            hi = 4.0 * e / ((1.0 + e) * (1.0 + e)) if a >= 1e-4 else 1.0 - t * t
        elif mode == IRLS:
            hi = t / a if a > 0.0 else 1.0
        else:
            hi = 1.0
        wi = float(w[i]) if has_w else 1.0
        g[i] = (t if r >= 0.0 else -t) * scale * wi
        h[i] = max(hi, min_h) * wi
    return bad


# ------------------------------------------------------------------------- classification
def _focal_terms(u, gamma):
    """log p, p, q, q^gamma, f'(u), f''(u) of -q^gamma log p, p = sigmoid(u).

    Derivation in losses/_classification.py. libm calls bound the speed here (exp ~6 ns,
    log ~6 ns, log1p ~15 ns per call on the reference machine), so as few as possible:
    with e = exp(-|u|), {p, q} = {1/(1 + e), e/(1 + e)}. gamma = 0 (the logistic loss) needs
    nothing else: f' = -q, f'' = p q. Otherwise L = log(1 + e) gives log p = -(max(-u, 0) + L)
    and log q = -(max(u, 0) + L); for e < 1e-4, where log(1 + e) loses digits, the series
    e - e^2/2 + e^3/3 (error below e^4/4 < 3e-17 e) replaces it. q^gamma is q*q for gamma = 2
    and exp(gamma log q) otherwise.
    """
    u = min(max(u, -U_MAX), U_MAX)
    e = math.exp(-abs(u))
    inv = 1.0 / (1.0 + e)
    if u >= 0.0:
        p, q = inv, e * inv
    else:
        p, q = e * inv, inv
    if gamma == 0.0:
        return 0.0, p, q, 1.0, -q, p * q
    L = math.log(1.0 + e) if e > 1e-4 else e * (1.0 - e * (0.5 - e / 3.0))
    log_p = -(max(-u, 0.0) + L)
    log_q = -(max(u, 0.0) + L)
    qg = q * q if gamma == 2.0 else math.exp(gamma * log_q)
    fp = qg * (gamma * p * log_p - q)
    fpp = p * qg * (q * (1.0 + 2.0 * gamma) + gamma * log_p * (q - gamma * p))
    return log_p, p, q, qg, fp, fpp


if AVAILABLE:  # compiled before the kernels that call it, and inlined into them (a call costs ~15 ns)
    _focal_terms = numba.njit(cache=True, error_model="numpy", inline="always")(_focal_terms)


def _count_bad_binary(y, w, has_w):
    """Invalid labels and weights, in a pass of their own: inside the focal loop the count
    made it 20-25% slower (measured, same inputs, one process); alone it vectorises."""
    bad = 0
    for i in range(y.shape[0]):
        bad += _bad_binary(float(y[i])) + _bad_weight(w, i, has_w)
    return bad


if AVAILABLE:
    _count_bad_binary = _jit(_count_bad_binary)


def _binary_focal(raw, y, w, has_w, gamma, a0, a1, min_h, g, h):
    bad = _count_bad_binary(y, w, has_w)
    if gamma == 0.0:  # the logistic loss: one exp per row
        for i in range(raw.shape[0]):
            z = float(raw[i])
            yi = float(y[i])
            a = a1 if yi == 1.0 else a0
            # sigmoid(z), 1 - sigmoid(z) and p(1 - p) = e/(1 + e)^2 from e = exp(-|z|), with
            # no cancellation: the gradient s - y is s (y = 0) or -(1 - s) (y = 1), not a
            # difference (s - 1 at z = 30 loses 3 digits: found by the branch test)
            e = math.exp(-abs(z))
            inv = 1.0 / (1.0 + e)
            s = inv if z >= 0.0 else e * inv
            q = e * inv if z >= 0.0 else inv
            wi = float(w[i]) if has_w else 1.0
            g[i] = a * ((1.0 - yi) * s - yi * q) * wi
            h[i] = max(a * e * inv * inv, min_h) * wi
        return bad
    for i in range(raw.shape[0]):
        yi = float(y[i])
        t = 2.0 * yi - 1.0
        a = a1 if yi == 1.0 else a0
        _, _, _, _, fp, fpp = _focal_terms(t * float(raw[i]), gamma)
        wi = float(w[i]) if has_w else 1.0
        g[i] = a * t * fp * wi
        h[i] = max(a * fpp, min_h) * wi
    return bad


def _softmax_focal(raw, y, w, has_w, gamma, alpha, min_h, g, h):
    n, k = raw.shape
    ex = np.empty(k)
    bad = 0
    for i in range(n):
        yi = float(y[i])
        # an invalid label would index out of bounds: checked before use, the row zeroed
        if not (yi >= 0.0 and yi < k and yi == math.floor(yi)) or _bad_weight(w, i, has_w):
            bad += 1
            for j in range(k):
                g[i, j] = 0.0
                h[i, j] = 0.0
            continue
        c = int(yi)
        m = -np.inf
        for j in range(k):
            if j != c:
                m = max(m, float(raw[i, j]))
        s = 0.0
        for j in range(k):
            if j != c:
                ex[j] = math.exp(float(raw[i, j]) - m)
                s += ex[j]
        lse_o = m + math.log(s)
        log_p, p, q, qg, fp, fpp = _focal_terms(float(raw[i, c]) - lse_o, gamma)
        a = alpha[c]
        wi = float(w[i]) if has_w else 1.0
        inv_s = 1.0 / s
        # 1 - rho_j, exact also for the largest rho (see losses/_classification.py)
        jmax = -1
        for j in range(k):
            if j != c and (jmax < 0 or ex[j] > ex[jmax]):
                jmax = j
        rest = 0.0
        for j in range(k):
            if j != c and j != jmax:
                rest += ex[j]
        for j in range(k):
            if j == c:
                g[i, j] = a * fp * wi
                h[i, j] = max(a * fpp, min_h) * wi
            else:
                rho = ex[j] * inv_s  # softmax over the other classes
                one_minus_rho = rest * inv_s if j == jmax else 1.0 - rho
                g[i, j] = -a * fp * rho * wi
                pk = rho * q
                gterm = (
                    gamma
                    * rho
                    * p
                    * (2.0 * rho * q * (1.0 + log_p) - log_p - (gamma - 1.0) * rho * p * log_p)
                )
                hj = a * qg * (pk * (p + q * one_minus_rho) + gterm)
                h[i, j] = max(hj, min_h) * wi
    return bad


def _floor(raw, y, w, has_w, unused, unused2, unused3, g, h):
    """The memory-bandwidth floor: read two arrays, write two, one subtraction (and the
    label check every kernel makes)."""
    bad = 0
    for i in range(raw.shape[0]):
        bad += _bad_real(y[i])
        g[i] = F32(float(raw[i]) - float(y[i]))
        h[i] = F32(1.0)
    return bad


KERNELS = {
    name: _jit(f)
    for name, f in {
        "pseudo_huber": _pseudo_huber,
        "huber": _huber,
        "quantile": _quantile,
        "logcosh": _logcosh,
        "binary_focal": _binary_focal,
        "softmax_focal": _softmax_focal,
        "floor": _floor,
    }.items()
}
_NO_WEIGHTS = np.ones(1, dtype=np.float64)


def run(spec, raw, y, w, g, h) -> int:
    """Call kernel ``spec = (name, *params)`` on the rows; writes g and h (float32) in place.

    Returns the number of rows whose label or weight is invalid (0 when all are valid).
    """
    name, *params = spec
    return int(KERNELS[name](raw, y, _NO_WEIGHTS if w is None else w, w is not None, *params, g, h))
