"""The formulas: loss, gradient and hessian of ONE sample, each written once.

Every loss's math lives here and nowhere else. Each function takes one raw margin and one
label as Python floats (and the loss's parameters) and returns floats; it uses ``math`` and
plain arithmetic only (and numpy for one bit cast, ``pow2i``), so that the same source runs
in two ways (``gbobjectives._engine``):

- compiled: numba compiles these functions into one fused loop over the rows;
- plain: without numba (or with ``GBOBJECTIVES_DISABLE_NUMBA=1``) the same loop runs the
  same functions in Python: the same results, much slower.

Where a loop over rows needs an exp or the focal log, it is the package's own
(``exp_nonpos``, ``log1p_unit``): arithmetic, comparisons and one exact bit operation, within
1-3 ulp of libm's, so that the compiled loop vectorises around it (a libm call per row keeps
the loop scalar: 4.4 ns per exp here, against about 1 ns).

Conventions (scikit-learn's ``_loss``: a pointwise function per loss, composed with a link):

- element losses: ``<name>_loss(raw, y, params) -> loss`` and
  ``<name>_grad_hess(raw, y, params) -> (grad, hess)``, in the raw margin, ``params`` the
  tuple of the loss's parameters (unpacked on the first line); the weight is applied by the
  loop, not here. Both take the same parameters (a loss ignores the hessian options).
- row losses (softmax): ``<name>_row_loss(z, c, params)`` and
  ``<name>_row_grad_hess(z, c, params, g, h, scratch)`` for one row ``z`` of K logits with
  true class ``c``, writing the K gradients and hessians into ``g`` and ``h`` (float64,
  length K) and using ``scratch`` (length K) as working space.
- label checks: ``<domain>_label_is_bad(y) -> 0 or 1``, counted by the loop, so that an
  invalid label costs no pass of its own; the caller then names it (``_validation``).

Every returned hessian is finite and > 0 for finite inputs: the floors (``min_h``) are part
of the formula, where a loss needs one. Everything is computed in float64; the loop rounds
once, when it stores the result (float32 for the frameworks).

Adding a loss: write its two functions here (or in your own module: the engine compiles any
function built from ``math`` calls and the functions of this module), then a ``Loss``
subclass that names them, its start and its link (see ``gbobjectives.losses``).
"""

from __future__ import annotations

import math

import numpy as np

from ._constants import MODE, QUANTILE_FLOOR, U_MAX

EXACT, IRLS, CONSTANT = MODE["exact"], MODE["irls"], MODE["constant"]
LOG2 = math.log(2.0)


# ----------------------------------------------------------------------------- label checks
def real_label_is_bad(y):
    """1 unless y is finite (NaN compares false)."""
    return 0 if abs(y) < math.inf else 1


def binary_label_is_bad(y):
    """1 unless y is 0 or 1."""
    return 0 if (y == 0.0) | (y == 1.0) else 1


def class_label_is_bad(y, k):
    """1 unless y is one of the integers 0..k-1."""
    return 0 if (y >= 0.0) & (y < k) & (y == math.floor(y)) else 1


def weight_is_bad(w):
    """1 unless the weight is finite and >= 0."""
    return 0 if (w >= 0.0) & (w < math.inf) else 1


def output_is_bad(g, h):
    """1 unless the gradient is finite and the hessian finite and > 0: what every formula
    must return (the frameworks train silently on anything else: NaN predictions, a constant
    model). The package's formulas guarantee it; the loop checks it for every other formula."""
    return 0 if (abs(g) < math.inf) & (h > 0.0) & (h < math.inf) else 1


# -------------------------------------------------------------------------- stable primitives
def softplus(x):
    """log(1 + e^x) = max(x, 0) + log1p(e^-|x|): the exponent is never positive, and log1p
    keeps full precision when e^-|x| is tiny."""
    return max(x, 0.0) + math.log1p(exp_nonpos(-abs(x)))


def log_cosh(x):
    """log(cosh(x)) without overflow (cosh overflows at |x| ~ 710).

    |x| >= 1: cosh x = e^|x| (1 + e^-2|x|) / 2, so log cosh x = |x| + log1p(e^-2|x|) - log 2
    (e^-2|x| as (e^-|x|)^2: -2|x| itself overflows beyond 9e307).
    |x| < 1, where that form cancels: cosh x - 1 = 2 sinh(x/2)^2, so
    log cosh x = log1p(2 sinh(x/2)^2), to the last bit and never negative.
    """
    a = abs(x)
    if a < 1.0:
        s = math.sinh(0.5 * a)
        return math.log1p(2.0 * s * s)
    e = exp_nonpos(-a)
    return a + math.log1p(e * e) - LOG2


# A vectorisable exp. libm's scalar exp call is what bounds the loops that need it (no vector
# math library in this numba build): a call per row keeps the loop scalar. exp_nonpos and
# log1p_unit (below) are arithmetic, comparisons and one exact bit operation (``pow2i``), so
# that the loops vectorise around them (8 float64 lanes here), and the compiled and plain
# paths still agree to the bit. Accuracy against numpy over 1e6 arguments per range
# (tests/test_engine.py checks it): exp_nonpos within 1 ulp (subnormal results included),
# log1p_unit within 3 ulp. Measured in loops over 1e6 rows: exp_nonpos 1.1 ns per row, libm's
# exp 4.4 ns; log1p_unit 1.4 ns, libm's log1p 8.3 ns. In a chain that cannot vectorise (one
# exp per row of K logits, each waiting on the last) libm's exp is the quicker, its latency
# being about half exp_nonpos's (11 against 24 ns measured): the softmax's per-row margin
# uses it.
_LN2_HI = 6.93147180369123816490e-01  # ln 2 split: _LN2_HI has 32 significant bits, so
_LN2_LO = 1.90821492927058770002e-10  # k * _LN2_HI is exact for |k| < 2^20
_INV_LN2 = 1.44269504088896338700e00
_ROUND = 6755399441055744.0  # 1.5 * 2^52: (x + _ROUND) - _ROUND rounds x to an integer
# R(r) = r (e^r + 1) / (e^r - 1) = 2 + _P1 r^2 + _P2 r^4 + ... + _P5 r^10 on |r| <= ln2 / 2:
# the Remez fit published with fdlibm's exp (error below 2^-59)
_P1 = 1.66666666666666019037e-01
_P2 = -2.77777777770155933842e-03
_P3 = 6.61375632143793436117e-05
_P4 = -1.65339022054652515390e-06
_P5 = 4.13813679705723846039e-08
_EXP_MIN = -745.5  # e^x rounds to 0 below this (the least subnormal is e^-744.4)
_EXP_MAX = 709.79  # and to inf above this (e^709.78 = 1.8e308): a positive x is exact too


def pow2i(k):
    """2^k, exactly, for an integer -1022 <= k <= 1023: the float64 whose exponent field is
    k + 1023 and whose mantissa is 0 (a bit operation, where ldexp would be a call)."""
    return float(np.int64((k + 1023) << 52).view(np.float64))


def exp_nonpos(x):
    """e^x, within 1 ulp, for x <= 0 (every exponent this package takes; a positive x is
    within 1 ulp too, inf beyond 709.78), NaN for NaN.

    x = k ln2 + r with k = round(x / ln2), |r| <= ln2 / 2 (r as hi - lo, ln 2 in two parts, so
    that r carries no rounding error of k ln2). e^r = 1 + 2r / (R - r) with
    R = r (e^r + 1)/(e^r - 1) = 2 + r^2 P(r^2); with c = r - r^2 P(r^2) = 2 + r - R that is
    e^r = 1 + r + r c / (2 - c), summed as 1 - ((lo - r c / (2 - c)) - hi). Then
    e^x = e^r 2^k, the power in two halves (2^(k//2) 2^(k - k//2)) so that results down to
    the subnormals round only once.
    """
    # clamped where e^x is 0 or inf, and for NaN (max keeps its first argument): int(kf) and
    # pow2i then always see a finite power in range
    xc = min(max(_EXP_MIN, x), _EXP_MAX)
    kf = (xc * _INV_LN2 + _ROUND) - _ROUND
    hi = xc - kf * _LN2_HI
    lo = kf * _LN2_LO
    r = hi - lo
    t = r * r
    c = r - t * (_P1 + t * (_P2 + t * (_P3 + t * (_P4 + t * _P5))))
    er = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi)
    k = int(kf)
    k1 = k >> 1
    # no conditional expression (numba's inliner mis-joins those where a function uses
    # exp_nonpos twice: NumbaIRAssumptionWarning): below _EXP_MIN the factor (x > _EXP_MIN) is
    # 0; the last term is +-0 for every x but NaN, which it carries into the result (a NaN
    # margin must give a NaN gradient, not a finite one)
    return (er * pow2i(k1)) * pow2i(k - k1) * (x > _EXP_MIN) + 0.0 * min(max(x, _EXP_MIN), 0.0)


def log1p_unit(e):
    """log(1 + e) for 0 <= e <= 1, as 2 atanh(s): log(t) = 2 atanh((t - 1)/(t + 1)).

    t = 1 + e, or (1 + e)/2 (adding log 2) once 1 + e > sqrt 2, so that
    |s| <= 3 - 2 sqrt 2 = 0.1716: s = e / (2 + e) or (e - 1) / (e + 3), no cancellation even for
    tiny e (unlike log(1 + e)). atanh(s) = s (1 + s^2/3 + s^4/5 + ...) to s^20/21
    (truncation below 6e-19 relative).
    """
    big = e > 0.41421356237309503
    num = e - 1.0 if big else e
    den = e + 3.0 if big else e + 2.0
    s = num / den
    z = s * s
    p = (
        ((((1.0 / 21.0 * z + 1.0 / 19.0) * z + 1.0 / 17.0) * z + 1.0 / 15.0) * z + 1.0 / 13.0) * z
        + 1.0 / 11.0
    ) * z
    p = ((((p + 1.0 / 9.0) * z + 1.0 / 7.0) * z + 1.0 / 5.0) * z + 1.0 / 3.0) * z + 1.0
    return (LOG2 if big else 0.0) + 2.0 * s * p


def hypot1(x):
    """sqrt(1 + x^2) without overflow: beyond |x| = 1e150, 1 + x^2 rounds to x^2 and the
    result is |x|. (Not math.hypot: numba's compiled hypot and libm's differ in the last bit.)"""
    a = abs(x)
    return math.sqrt(1.0 + a * a) if a < 1e150 else a


# The small primitives are compiled as functions of their own, which LLVM inlines
# (gbobjectives._engine._register): inlined by numba instead, at every call site and again
# in every formula that calls one formula from another, they multiplied numba's type
# inference (the first call of binary focal at gamma = 2 with no cache: 12.7 s with them
# inlined by numba, 7.4 s left to LLVM, the same 4.2 ns per row after; softmax 4.7 -> 3.3 s)
for _primitive in (pow2i, exp_nonpos, log1p_unit, softplus, hypot1, log_cosh):
    _primitive._llvm_inlines = True
del _primitive


def focal_terms(u, gamma):
    """(log p, p, q, q^gamma, f'(u), f''(u)) of f(u) = -q^gamma log p, p = sigmoid(u), q = 1 - p.

    u is the margin of the true class. With dp/du = p q and dq/du = -p q::

        f'(u)  = q^gamma (gamma p log p - q)
        f''(u) = p q^gamma [ q (1 + 2 gamma) + gamma log p (q - gamma p) ]

    gamma = 0 gives f' = -q, f'' = p q: the logistic loss. Every factor comes from
    e = exp(-|u|): {p, q} = {1/(1 + e), e/(1 + e)} and, with L = log(1 + e) (``log1p_unit``,
    exact also for tiny e), log p = -(max(-u, 0) + L), log q = -(max(u, 0) + L): no ratio that
    turns 0/0 when p rounds to 1, no log(0). q^gamma is q*q for gamma = 2 and
    exp(gamma log q) otherwise. Beyond |u| = U_MAX every term is constant in float64,
    so u is clipped there (gamma log p stays finite).
    """
    u = min(max(u, -U_MAX), U_MAX)
    return focal_terms_e(u, exp_nonpos(-abs(u)), gamma)


def focal_terms_e(u, e, gamma):
    """``focal_terms`` of a margin u already clipped to +-U_MAX, with e = exp(-|u|) given:
    the caller picks the exp (a loop over rows vectorises ``exp_nonpos``; a loop that computes
    one margin per row of K logits waits on the exp's latency, shorter for libm's)."""
    inv = 1.0 / (1.0 + e)
    if u >= 0.0:
        p, q = inv, e * inv
    else:
        p, q = e * inv, inv
    if gamma == 0.0:
        return 0.0, p, q, 1.0, -q, p * q
    L = log1p_unit(e)
    log_p = -(max(-u, 0.0) + L)
    log_q = -(max(u, 0.0) + L)
    qg = q * q if gamma == 2.0 else exp_nonpos(gamma * log_q)
    fp = qg * (gamma * p * log_p - q)
    fpp = p * qg * (q * (1.0 + 2.0 * gamma) + gamma * log_p * (q - gamma * p))
    return log_p, p, q, qg, fp, fpp


def focal_loss_of_margin(u, gamma):
    """-q^gamma log p at the true-class margin u: q^gamma = exp(gamma log q), log q = -softplus(u).

    gamma * log q is bounded below (-1e300) so that 0 * inf cannot occur for gamma = 0."""
    log_q = max(-softplus(u), -1e300 / max(gamma, 1.0))
    return exp_nonpos(gamma * log_q) * softplus(-u)


# -------------------------------------------------------------------------------- regression
# r = raw - y, formed in float64 from the inputs (LightGBM passes float64 scores: at y = 1e7
# a float32 score cannot hold a residual of 0.3). Hessian modes (``hessian=`` of the robust
# losses): "exact" the second derivative (floored at min_h), "irls" g / r (the curvature of
# the majorising quadratic that touches the loss at r: a Newton step lands on the target, so
# a leaf value is an IRLS-weighted mean residual; not the true hessian), "constant" 1.


def squared_error_loss(raw, y, params):
    r = raw - y
    return 0.5 * r * r


def squared_error_grad_hess(raw, y, params):
    return raw - y, 1.0


def huber_loss(raw, y, params):
    """0.5 r^2 inside delta, delta (|r| - delta/2) beyond; with m = min(|r|, delta) it is
    0.5 m^2 + delta (|r| - m) in both cases, without a branch and without overflow."""
    delta, mode, min_h = params
    a = abs(raw - y)
    m = min(a, delta)
    return 0.5 * m * m + delta * (a - m)


def huber_grad_hess(raw, y, params):
    """grad clip(r, -delta, delta); exact hess 1 inside delta and 0 beyond; irls
    min(1, delta / |r|) (the classical Huber IRLS weight; 1 for delta = inf)."""
    delta, mode, min_h = params
    r = raw - y
    a = abs(r)
    inside = a <= delta
    if mode == EXACT:
        h = 1.0 if inside else 0.0
    elif mode == IRLS:
        h = 1.0 if inside else delta / a
    else:
        h = 1.0
    return min(max(r, -delta), delta), max(h, min_h)


# Huber and log-cosh (below) in their "exact" and "irls" hessian modes, the mode a constant:
# the vectorised loop evaluates every mode's branch and selects; with the mode constant it
# does not. Kept only where it measured faster (1e6 rows: Huber exact 0.54 -> 0.40 ns per row,
# irls 0.54 -> 0.45, log-cosh irls 2.86 -> 2.14; pseudo-Huber 0.90 either way, so it has
# none): each variant is one more loop to compile on first use.
def huber_grad_hess_exact(raw, y, params):
    """``huber_grad_hess`` with the "exact" hessian."""
    return huber_grad_hess(raw, y, (params[0], EXACT, params[2]))


def huber_grad_hess_irls(raw, y, params):
    """``huber_grad_hess`` with the "irls" hessian."""
    return huber_grad_hess(raw, y, (params[0], IRLS, params[2]))


def pseudo_huber_loss(raw, y, params):
    """delta^2 (s - 1), s = sqrt(1 + (r/delta)^2): s - 1 = x^2 / (s + 1) avoids the cancellation
    for small x = r / delta, and r (r / (s + 1)) = delta^2 x^2 / (s + 1) never overflows early."""
    delta, mode, min_h = params
    r = raw - y
    return r * (r / (hypot1(r / delta) + 1.0))


def pseudo_huber_grad_hess(raw, y, params):
    """grad r / s, exact hess 1 / s^3 (XGBoost's reg:pseudohubererror), irls 1 / s.

    One division per row, 1 / s, for both (a division costs several multiplications in the
    loop; r / delta is r (1 / delta), 1 / delta taken once per call).
    Where |x| > 1e150, s = |x| to float64 precision and grad = delta sign(r) (r / s would be
    0 where x overflows to inf).
    """
    delta, mode, min_h = params
    r = raw - y
    inv_delta = 1.0 / delta  # once per call (the loop hoists it); a division where it overflows
    s = hypot1(r * inv_delta if inv_delta < 1e300 else r / delta)
    inv_s = 1.0 / s
    g = r * inv_s if s < 1e150 else math.copysign(delta, r)
    if mode == EXACT:
        h = inv_s * inv_s * inv_s
    elif mode == IRLS:
        h = inv_s
    else:
        h = 1.0
    return g, max(h, min_h)


def log_cosh_loss(raw, y, params):
    """s^2 log cosh(r / s), written s (s log cosh) so that s^2 cannot overflow first."""
    scale, mode, min_h = params
    return scale * (scale * log_cosh((raw - y) / scale))


def log_cosh_grad_hess(raw, y, params):
    """In x = r / s: grad s tanh(x), exact hess sech^2(x), irls tanh(x) / x.

    With e = exp(-2|x|) (|x| clamped at 400, where e is 0 already): tanh|x| = (1 - e)/(1 + e),
    sech^2 x = 4e / (1 + e)^2 and tanh|x| / |x| = (1 - e) / ((1 + e) |x|), one exp and one
    division per row (a division costs several multiplications in the loop; x = r (1/s) takes
    1/s once per call, except where 1/s overflows, s < 1e-300). For |x| < 1e-4 the
    cancellation in 1 - e is avoided by tanh x = x - x^3/3 (next term 2x^5/15 < 1e-20 x) and
    sech^2 = 1 - tanh^2.
    """
    scale, mode, min_h = params
    inv_scale = 1.0 / scale
    x = (raw - y) * inv_scale if inv_scale < 1e300 else (raw - y) / scale
    a = abs(x)
    e = exp_nonpos(-2.0 * min(a, 400.0))
    small = a < 1e-4
    if mode == IRLS:
        h = 1.0 - a * a / 3.0 if small else (1.0 - e) / ((1.0 + e) * a)
        t = h * a
    else:
        d = 1.0 / (1.0 + e)
        t = a * (1.0 - a * a / 3.0) if small else (1.0 - e) * d
        if mode == EXACT:
            h = 1.0 - t * t if small else 4.0 * e * d * d
        else:
            h = 1.0
    return math.copysign(t, x) * scale, max(h, min_h)


# (log-cosh with the mode a constant, measured with a bare loop over 1e6 rows: 2.45 -> 2.04
# times the read-2-write-2 floor for "irls", 2.42 -> 2.14 for "exact")
def log_cosh_grad_hess_irls(raw, y, params):
    """``log_cosh_grad_hess`` with the "irls" hessian."""
    return log_cosh_grad_hess(raw, y, (params[0], IRLS, params[2]))


def log_cosh_grad_hess_exact(raw, y, params):
    """``log_cosh_grad_hess`` with the "exact" hessian."""
    return log_cosh_grad_hess(raw, y, (params[0], EXACT, params[2]))


def pinball_loss(raw, y, params):
    """(1 - alpha) r above the target, -alpha r below (the loss does not depend on the scale)."""
    alpha, scale, mode = params
    r = raw - y
    return (1.0 - alpha) * r if r >= 0.0 else -alpha * r


def pinball_grad_hess(raw, y, params):
    """grad s (1 - alpha) above the target, -s alpha below, 0 on it (the subgradient that
    holds a row there); hess 1 ("constant") or |grad / s| / max(|r| / s, QUANTILE_FLOOR)
    ("irls": the Newton step -grad/hess is -r, floored so that rows near their target do not
    dominate; written without a product that could overflow when s and |r| are both huge).
    Not the true hessian, which is 0 almost everywhere."""
    alpha, scale, mode = params
    r = raw - y
    if mode == CONSTANT:
        h = 1.0
    else:
        inv_scale = 1.0 / scale  # once per call (the loop hoists it), except where it overflows
        a = abs(r) * inv_scale if inv_scale < 1e300 else abs(r) / scale
        h = (1.0 - alpha if r >= 0.0 else alpha) / max(a, QUANTILE_FLOOR)
    unit = 1.0 - alpha if r > 0.0 else (-alpha if r < 0.0 else 0.0)
    return unit * scale, h


# ------------------------------------------------------------------------ binary (logit link)
def binary_focal_loss(raw, y, params):
    """alpha_t (-q^gamma log p) at the true-class margin u = t raw, t = 2y - 1 (gamma = 0 and
    a0 = a1 = 1: the logistic loss, log(1 + e^-u))."""
    gamma, a0, a1, min_h = params
    t = 2.0 * y - 1.0
    return (a1 if y == 1.0 else a0) * focal_loss_of_margin(t * raw, gamma)


def binary_focal_grad_hess(raw, y, params):
    """alpha_t t f'(t raw) and alpha_t f''(t raw) (``focal_terms``); the hessian floored at
    min_h where it is negative (confidently wrong samples, minimum about -0.047 at gamma = 2)
    or tiny. gamma = 0 (logistic): grad s - y, hess s (1 - s) from one exp, with s - 1 taken
    as -(1 - s) so that nothing cancels (s - 1 at z = 30 loses 3 digits)."""
    gamma, a0, a1, min_h = params
    a = a1 if y == 1.0 else a0
    if gamma == 0.0:
        e = exp_nonpos(-abs(raw))
        inv = 1.0 / (1.0 + e)
        s = inv if raw >= 0.0 else e * inv  # sigmoid(raw)
        q = e * inv if raw >= 0.0 else inv  # 1 - sigmoid(raw)
        return a * ((1.0 - y) * s - y * q), max(a * e * inv * inv, min_h)
    t = 2.0 * y - 1.0
    _, _, _, _, fp, fpp = focal_terms(t * raw, gamma)
    return a * t * fp, max(a * fpp, min_h)


# The binary focal formula at gamma = 2 (the paper's default) with gamma a constant: the
# same formula, but the compiled loop no longer evaluates the branches that gamma rules out.
# A loop that vectorises evaluates both sides of a branch and selects (at gamma = 2 the exp
# of gamma log q that q * q replaces): 8.2 -> 4.2 ns per row at 1e6 rows. At gamma = 0 the
# general formula is as fast (2.0 ns), and the softmax row loop, not vectorised across rows,
# predicts its branches on gamma (14.3 against 14.0 ns per element at K=10): neither has a
# variant. The results are the general formula's, bit for bit (tests/test_engine.py).
def binary_focal_grad_hess_gamma2(raw, y, params):
    """``binary_focal_grad_hess`` at gamma = 2."""
    return binary_focal_grad_hess(raw, y, (2.0, params[1], params[2], params[3]))


# ------------------------------------------------------------------- multi-class (softmax link)
# With z the logits of a row and c its class: u = z_c - logsumexp_{j != c} z_j is the margin
# of the true class, p_c = sigmoid(u), and the other classes share q = 1 - p in proportions
# rho_j = softmax_{j != c}(z)_j (so p_j = rho_j q). The focal loss of the row is f(u) above.


def _other_classes(z, c, scratch):
    """(logsumexp of the other classes, their exp-sum s, that sum without the largest one,
    1 / s, the index of the largest); scratch[j] = exp(z_j - max_other) for j != c (the shift
    keeps every exponent <= 0), scratch[c] = 0. The sum without the largest is summed, not
    s - 1: it is 1 - rho of the largest other class (times s), exact also when that class
    holds nearly all of q.

    The exponentials are a loop of their own, with no sum in it: a float sum fixes the order
    of the additions and keeps its loop scalar, and a scalar polynomial exp waits on its own
    chain of multiplications (measured in one process, 10 classes: 185 ns per row with one
    loop, 150 with two). Column c is computed with the others (its value is overwritten) so
    that the loop has no branch."""
    k = z.shape[0]
    m = -math.inf
    jmax = -1
    for j in range(k):
        # a select, not an if: which logit is the largest so far is a coin toss on real
        # margins, and the mispredicted branch cost 2.5 ns per element at K=10 (a bare max
        # loop over 1e5 x 10 rows: 3.8 ns per element with the branch, 1.3 with the select)
        v = float(z[j])
        larger = (v > m) & (j != c)
        m = v if larger else m
        jmax = j if larger else jmax
    for j in range(k):
        scratch[j] = exp_nonpos(min(float(z[j]) - m, 0.0))
    scratch[c] = 0.0
    s = 0.0
    rest = 0.0
    for j in range(k):
        s += scratch[j]
        rest += scratch[j] if j != jmax else 0.0
    return m + math.log(s), s, rest, 1.0 / s, jmax


def softmax_focal_row_loss(z, c, params):
    """alpha_c (-q^gamma log p_c) of one row (gamma = 0, alpha = 1: the cross-entropy)."""
    gamma, alpha, min_h = params
    k = z.shape[0]
    m = -math.inf
    for j in range(k):
        v = float(z[j])
        m = v if (v > m) & (j != c) else m  # a select (as in _other_classes)
    s = 0.0
    for j in range(k):
        if j != c:
            s += exp_nonpos(float(z[j]) - m)
    return alpha[c] * focal_loss_of_margin(float(z[c]) - (m + math.log(s)), gamma)


def softmax_focal_row_grad_hess(z, c, params, g, h, scratch):
    """Exact gradient w.r.t. every logit and exact diagonal hessian of one row::

        grad_c = alpha_c f'(u)              grad_j = -alpha_c f'(u) rho_j
        hess_c = alpha_c f''(u)
        hess_j = alpha_c q^gamma [ p_j (1 - p_j)
                                   + gamma rho_j p (2 rho_j q (1 + log p) - log p
                                                    - (gamma - 1) rho_j p log p) ]

    regrouped so that gamma = 0 is exactly the cross-entropy diagonal p_j (1 - p_j) and
    nothing cancels: 1 - p_j = p + q (1 - rho_j), and 1 - rho_j (near 0 only for the largest
    other class) is the sum of the remaining rho. Hessians floored at min_h.
    """
    gamma, alpha, min_h = params
    k = z.shape[0]
    lse_o, s, rest, inv_s, jmax = _other_classes(z, c, scratch)
    u = min(max(float(z[c]) - lse_o, -U_MAX), U_MAX)
    log_p, p, q, qg, fp, fpp = focal_terms_e(u, math.exp(-abs(u)), gamma)
    a = alpha[c]
    # every column as if it were another class (rho_c = 0), then column c overwritten: no
    # branch on j == c in the loop
    for j in range(k):
        rho = scratch[j] * inv_s
        one_minus_rho = rest * inv_s if j == jmax else 1.0 - rho
        g[j] = -a * fp * rho
        bracket = 2.0 * rho * q * (1.0 + log_p) - log_p - (gamma - 1.0) * rho * p * log_p
        h[j] = max(a * qg * (rho * q * (p + q * one_minus_rho) + gamma * rho * p * bracket), min_h)
    g[c] = a * fp
    h[c] = max(a * fpp, min_h)
