"""The loops (``gbobjectives._engine``): compiled and plain paths give the same numbers,
every branch of every formula against an independent reference, and what the frameworks
receive (new float32 arrays, rounded once from the float64 result)."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

import gbobjectives as gb
from gbobjectives import _engine
from gbobjectives._objective import Prepared, compute, grad_hess
from tests import _reference
from tests._cases import LOSS_INSTANCES, loss_id, make_data, objective_pair

needs_numba = pytest.mark.skipif(not _engine.available(), reason="numba is not available")


def _both_paths(loss, y, raw, w):
    """(grad, hess, loss) from the compiled loop and from the same loop run by Python."""
    st = Prepared(loss, y, w)
    at = loss._at(st.y, raw, st.w)
    out = []
    for compiled in (True, False):
        g, h = at._weighted_grad_hess(st.y, raw, st.w, compiled=compiled)
        formulas, params, w_eff = at._plan(st.y, st.w)
        out.append((g, h, _engine.loss(formulas, params, raw, st.y, w_eff, compiled=compiled)))
    return out


@needs_numba
@pytest.mark.parametrize("loss", LOSS_INSTANCES, ids=loss_id)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_compiled_and_plain_paths_give_the_same_bits(loss, dtype, weighted):
    """One source, two ways of running it: numba's compilation of the loop and Python's run
    of the very same functions agree to the last bit (no fast-math, the same libm calls)."""
    y, raw = make_data(loss, n=301, scale=3.0)
    w = np.random.default_rng(2).uniform(0.1, 3.0, size=len(y)) if weighted else None
    (g1, h1, l1), (g2, h2, l2) = _both_paths(loss, y, raw.astype(dtype), w)
    np.testing.assert_array_equal(g1, g2)
    np.testing.assert_array_equal(h1, h2)
    np.testing.assert_array_equal(l1, l2)


@pytest.mark.parametrize("loss", LOSS_INSTANCES, ids=loss_id)
def test_frameworks_get_the_float64_result_rounded_once_to_float32(loss):
    y, raw = make_data(loss, n=301, scale=3.0)
    for dtype in (np.float32, np.float64):
        r = raw.astype(dtype)
        g, h = compute(loss, Prepared(loss, y, None), r, "sklearn")
        assert g.dtype == np.float32 and h.dtype == np.float32
        g64, h64 = loss.gradient_hessian(y, r)
        np.testing.assert_array_equal(g, g64.astype(np.float32))
        np.testing.assert_array_equal(h, h64.astype(np.float32))


@pytest.mark.parametrize("loss", LOSS_INSTANCES, ids=loss_id)
def test_framework_path_is_finite_and_positive_at_extreme_margins(loss):
    y, raw = make_data(loss, n=40)
    for m in (1e4, 1e18, 3e38):
        big = np.where(raw >= np.median(raw), m, -m).astype(np.float32)
        for r in (big, -big):
            st = Prepared(loss, y, None)
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                g, h = compute(loss, st, r, "sklearn")
            assert np.all(np.isfinite(g)) and np.all(np.isfinite(h)) and np.all(h > 0)


def test_each_call_returns_new_arrays_that_a_later_call_does_not_overwrite():
    import xgboost as xgb

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 3)), rng.normal(size=200)
    d = xgb.DMatrix(X, label=y)
    loss = gb.Huber()
    raw = np.zeros(200, dtype=np.float32)
    g1, h1 = loss(raw, d)
    kept = g1.copy(), h1.copy()
    g2, h2 = loss(raw + 1, d)
    assert g1 is not g2 and not np.shares_memory(g1, g2)
    np.testing.assert_array_equal(g1, kept[0])
    np.testing.assert_array_equal(h1, kept[1])


@needs_numba
def test_training_without_numba_gives_the_same_model(tmp_path):
    code = """
import numpy as np, xgboost as xgb, lightgbm as lgb
import gbobjectives as gb
from gbobjectives import _engine
from gbobjectives.adapters import xgboost as gbx
rng = np.random.default_rng(0)
X = rng.normal(size=(500, 4)); y = X[:, 0] + rng.standard_t(2, size=500)
out = [_engine.available()]
for loss in (gb.PseudoHuber(), gb.LogCosh()):
    b = xgb.train(gbx.params(loss, y), xgb.DMatrix(X, label=y), 20, obj=loss)
    out.append(b.predict(xgb.DMatrix(X)).tolist())
yb = (y > 0.5).astype(float)
loss = gb.BinaryFocal()
b = xgb.train(gbx.params(loss, yb), xgb.DMatrix(X, label=yb), 20, obj=loss)
out.append(b.predict(xgb.DMatrix(X)).tolist())
import json; print(json.dumps(out))
"""
    import json
    import os

    runs = []
    for disable in ("0", "1"):
        env = {**os.environ, "GBOBJECTIVES_DISABLE_NUMBA": disable}
        res = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
        )
        assert res.returncode == 0, res.stderr
        runs.append(json.loads(res.stdout))
    assert runs[0][0] is True and runs[1][0] is False
    for a, b in zip(runs[0][1:], runs[1][1:]):  # the same gradients to the bit: the same model
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("scale", [1e-30, 1e-20, 1e-16, 1e13, 1e20, 1e30])
@pytest.mark.parametrize(
    "make",
    [
        lambda s: gb.PseudoHuber(s, hessian="exact"),
        lambda s: gb.PseudoHuber(s),
        lambda s: gb.Huber(s),
        lambda s: gb.Huber(s, hessian="exact"),
        lambda s: gb.LogCosh(scale=s),
        lambda s: gb.LogCosh(scale=s, hessian="exact"),
        lambda s: gb.Quantile(0.3, scale=s),
    ],
    ids=["pseudo_exact", "pseudo_irls", "huber_irls", "huber_exact", "logcosh", "logcosh_exact", "quantile"],
)
def test_formulas_are_scale_equivariant_at_any_scale(make, scale):
    """A data-derived delta or scale follows the target, which may be 1e-25 or 1e25: with
    residuals and scale both times c, gradients are c times those at unit scale and the
    (dimensionless) hessians are the same, on the frameworks' float32 path too."""
    loss, unit = make(scale), make(1.0)
    y, raw = make_data(unit, n=101)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        g, h = grad_hess(loss, y * scale, raw * scale, None, "sklearn")
    g1, h1 = unit.gradient_hessian(y, raw)
    assert np.all(np.isfinite(g)) and np.all(h > 0)
    np.testing.assert_allclose(g / scale, g1, rtol=1e-6, atol=1e-6 * np.max(np.abs(g1)))
    np.testing.assert_allclose(h, h1, rtol=1e-6)


def test_pseudo_huber_default_on_a_tiny_target_is_finite():
    y = np.array([1e-25, 2e-25, 3e-25, 5e-25])
    g, h = gb.PseudoHuber()(y, np.full(4, 2e-25))
    g1, h1 = gb.PseudoHuber()(y * 1e25, np.full(4, 2.0))
    np.testing.assert_allclose(g * 1e25, g1, rtol=1e-6, atol=1e-12)  # 2e-25 * 1e25 is not 2.0
    np.testing.assert_allclose(h, h1, rtol=1e-6)


# ------------------------------------------------------------------ every branch, both sides
# Each formula branches on a threshold: |r| against delta, pseudo-Huber's overflow guard at
# |r / delta| = 1e150, log-cosh's tanh series below |x| = 1e-4 and its exp clamp at 400,
# Quantile's hessian floor at 0.3 scale and r = 0, focal's log1p series below e = 1e-4
# (|u| ~ 9.21), its gamma = 0 and gamma = 2 shortcuts and its clamp at U_MAX = 1e6. The
# residuals below sit on both sides of each, and the result must agree with the textbook
# forms of tests/_reference.py there, for float32 and float64 margins.
def _around(points):
    out = [0.0]
    for p in points:
        for f in (1 - 1e-6, 1.0, 1 + 1e-6):
            out += [p * f, -p * f]
    return np.array(out)


BRANCH_CASES = []
for mode in ("exact", "irls", "constant"):
    for d in (1.0, 1e-16, 1e19):
        BRANCH_CASES.append((gb.Huber(delta=d, hessian=mode), _around([d, 10 * d, 0.1 * d])))
    for d in (1.0, 1e-16, 1e13):
        BRANCH_CASES.append((gb.PseudoHuber(delta=d, hessian=mode), _around([d, 1e6 * d, 1e18 * d])))
    for s in (1.0, 1e-3, 1e3):
        r = _around([1e-4 * s, s, 300 * s, 1e-9 * s])
        BRANCH_CASES.append((gb.LogCosh(scale=s, hessian=mode), r))
for mode in ("irls", "constant"):
    for a in (0.1, 0.9):
        for s in (1.0, 1e-3, 1e4):
            r = _around([0.3 * s, s, 1e-300, 10 * s])
            BRANCH_CASES.append((gb.Quantile(a, scale=s, hessian=mode), r))
for g in (0.0, 0.5, 2.0, 5.0):
    BRANCH_CASES.append((gb.BinaryFocal(gamma=g), _around([1e-8, 1.0, 9.2103, 30.0, 700.0])))


@pytest.mark.parametrize("loss, r", BRANCH_CASES, ids=[f"{loss_id(c[0])}" for c in BRANCH_CASES])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_branch_agrees_with_the_textbook_forms_on_both_sides(loss, r, dtype):
    if loss.task == "binary":  # u = (2y - 1) * margin: both labels at every margin
        y, raw = np.repeat([0.0, 1.0], len(r)), np.tile(r, 2)
    else:
        y, raw = np.zeros(len(r)), r
    raw = raw.astype(dtype)
    g, h = objective_pair(loss, y, raw)  # the formulas as the frameworks receive them
    g_ref, h_ref = _reference.grad_hess(loss, y, raw)
    np.testing.assert_allclose(g, g_ref, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(h, h_ref, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 5.0])
def test_focal_is_constant_beyond_the_margin_clamp(gamma):
    """Beyond |u| = U_MAX = 1e6 the margin is clipped: every term is constant there to
    float64 precision, so the results at 1e6 and 1e300 are the same."""
    loss = gb.BinaryFocal(gamma=gamma)
    y = np.array([0.0, 1.0, 0.0, 1.0])
    g1, h1 = loss.gradient_hessian(y, np.array([1e6, 1e6, -1e6, -1e6]) * (1 - 1e-9))
    g2, h2 = loss.gradient_hessian(y, np.array([1e300, 1e300, -1e300, -1e300]))
    np.testing.assert_array_equal(g1, g2)
    np.testing.assert_array_equal(h1, h2)


def test_softmax_focal_at_ties_and_large_margins():
    """Two other classes tied for the largest softmax share (the 1 - rho_max branch), and
    margins far apart."""
    raw = np.array([[0.0, 5.0, 5.0], [40.0, -40.0, 0.0], [-30.0, 30.0, 30.0], [1e-7, 0.0, -1e-7]])
    y = np.array([0.0, 1.0, 0.0, 2.0])
    for loss in (gb.SoftmaxFocal(3, gamma=2.0), gb.SoftmaxFocal(3, gamma=0.5), gb.SoftmaxCrossEntropy(3)):
        for dtype in (np.float32, np.float64):
            g, h = loss.gradient_hessian(y, raw.astype(dtype))
            g_ref, h_ref = _reference.grad_hess(loss, y, raw.astype(dtype))
            np.testing.assert_allclose(g, g_ref, rtol=1e-9, atol=1e-30)
            np.testing.assert_allclose(h, h_ref, rtol=1e-9, atol=1e-30)


@pytest.mark.parametrize("make", [lambda: gb.Huber(hessian="exact"), gb.Huber], ids=["exact", "irls"])
def test_a_data_derived_delta_is_the_residual_of_its_own_row_with_float32_labels(make):
    """XGBoost passes float32 labels and margins: the residual the delta is read off is formed
    in float64, as in the formulas, so the row at the quantile lies on the kink, inside
    (measured before: numpy's float32 subtraction put it outside, its exact hessian 1e-3
    instead of 1, and the fit stopped being scale-equivariant)."""
    rng = np.random.default_rng(0)
    y = (rng.normal(size=600) * 3).astype(np.float32)
    raw = np.full(600, np.float32(0.1411164), dtype=np.float32)
    loss = make()
    at = loss._at(y.astype(np.float64), raw, None)
    row = np.argmin(np.abs(np.abs(raw.astype(np.float64) - y) - at.delta))
    assert abs(float(raw[row]) - float(y[row])) == at.delta
    g, h = grad_hess(loss, y, raw, None, "sklearn")
    assert h[row] == 1.0 and abs(g[row]) == np.float32(at.delta)


def test_log1p_unit_is_within_3_ulp_of_numpy():
    """The vectorisable log1p that the focal loss uses (pointwise.log1p_unit), over [0, 1]
    and down to tiny arguments, where log(1 + e) itself would lose every digit."""
    from gbobjectives import pointwise

    rng = np.random.default_rng(0)
    e = np.r_[rng.random(20000), 10 ** rng.uniform(-300, 0, 20000), 0.0, 0.41421356237309503, 1.0]
    ours = np.array([pointwise.log1p_unit(v) for v in e.tolist()])
    ref = np.log1p(e)
    assert np.all(np.abs(ours - ref) <= 3 * np.spacing(ref))


def test_exp_nonpos_is_within_1_ulp_of_numpy():
    """The vectorisable exp of every loop (pointwise.exp_nonpos), over [-750, 0]: tiny
    arguments, the ln 2 multiples where the reduction switches, subnormal results and the
    point below which e^x rounds to 0; NaN and -inf give 0 (no row ever takes them: a NaN
    label is refused first), and the compiled path gives the same bits as Python's."""
    from gbobjectives import _engine, pointwise

    rng = np.random.default_rng(0)
    ln2_multiples = -np.log(2.0) * np.arange(0, 1076)
    x = np.r_[
        -rng.uniform(0, 1, 20000),
        -(10 ** rng.uniform(-300, 0, 5000)),
        -rng.uniform(0, 750, 20000),
        ln2_multiples,
        np.nextafter(ln2_multiples[1:], 0),
        np.nextafter(ln2_multiples[1:], -1),
        -0.5 * np.log(2.0),
        -708.4,
        -709.8,
        -744.4,
        -745.1,
        -745.2,
        -745.5,
        -746.0,
        0.0,
        -0.0,
    ]
    ours = np.array([pointwise.exp_nonpos(v) for v in x.tolist()])
    ref = np.exp(x)
    assert np.all(np.abs(ours - ref) <= np.spacing(ref)), np.max(np.abs(ours - ref) / np.spacing(ref))
    assert np.array_equal(ours == 0, ref == 0)
    # a positive x (none of the package's own) is exact too, overflowing to inf; NaN stays NaN:
    # a NaN margin must give NaN gradients, not finite ones the frameworks would train on
    pos = np.r_[rng.uniform(0, 709.78, 5000), 1e-300, 709.78, 709.79, 800.0, 1500.0, 5000.0, math.inf]
    ours_pos = np.array([pointwise.exp_nonpos(v) for v in pos.tolist()])
    with np.errstate(over="ignore"):
        ref_pos = np.exp(pos)
    finite = np.isfinite(ref_pos)
    assert np.all(np.abs(ours_pos[finite] - ref_pos[finite]) <= np.spacing(ref_pos[finite]))
    assert np.all(ours_pos[~finite] == math.inf)
    assert math.isnan(pointwise.exp_nonpos(math.nan))
    assert [pointwise.exp_nonpos(v) for v in (-math.inf, 0.0, -0.0)] == [0.0, 1.0, 1.0]
    x = np.r_[x, pos, math.nan, -math.inf]
    ours = np.array([pointwise.exp_nonpos(v) for v in x.tolist()])
    assert all(pointwise.pow2i(k) == 2.0**k for k in range(-1022, 1024))
    if _engine.available():
        numba = _engine._numba()
        _engine._make_jitable(pointwise.exp_nonpos)

        @numba.njit
        def compiled(values, out):
            for i in range(values.shape[0]):
                out[i] = pointwise.exp_nonpos(values[i])

        out = np.empty_like(x)
        compiled(x, out)
        assert np.array_equal(out.view(np.int64), ours.view(np.int64))


@pytest.mark.parametrize("mode", ["exact", "irls", "constant"])
def test_pseudo_huber_where_r_over_delta_overflows(mode):
    """Beyond |r / delta| = 1e150 (a delta far below the residuals), s = |r / delta| and the
    gradient is delta sign(r): r / s itself would be 0 once r / delta overflows to inf."""
    loss = gb.PseudoHuber(1e-200, hessian=mode)
    y = np.zeros(4)
    raw = np.array([1.0, -1.0, 1e-49, -1e-51])  # |r / delta| 1e200, 1e200, 1e151, 1e149
    g, h = loss.gradient_hessian(y, raw)
    np.testing.assert_allclose(g, [1e-200, -1e-200, 1e-200, -1e-200], rtol=1e-12)
    # 1 / s (irls) and 1 / s^3 (exact) are far below the floor here; constant is 1
    np.testing.assert_array_equal(h, 1.0 if mode == "constant" else loss.min_hessian)


def test_softmax_hessian_of_a_class_holding_nearly_all_the_probability():
    """The largest other class can hold all but 1e-18 of the probability while the true
    class holds 1e-26: its p_j (1 - p_j) needs 1 - p_j as the sum of the others' shares;
    1 - p_j computed by subtraction is 0 in float64, and the hessian 1e-26 instead of 4e-18."""
    loss = gb.SoftmaxCrossEntropy(3, min_hessian=1e-300)
    raw = np.array([[-30.0, 30.0, -10.0], [0.0, 45.0, 2.0]])
    y = np.array([0, 0])
    _, h = loss.gradient_hessian(y, raw)
    logp = raw - np.log(np.sum(np.exp(raw - raw.max(axis=1, keepdims=True)), axis=1, keepdims=True))
    logp = logp - raw.max(axis=1, keepdims=True)
    p = np.exp(logp)
    rest = np.array([[p[i, [m for m in range(3) if m != j]].sum() for j in range(3)] for i in range(2)])
    np.testing.assert_allclose(h, p * rest, rtol=1e-9)


@pytest.mark.parametrize("scale", [1e-305, 1e-300, 1e-299])
def test_tiny_scales_where_their_inverse_overflows(scale):
    """1 / delta (pseudo-Huber) and 1 / scale (Quantile, log-cosh) are taken once per call,
    except below 1e-300, where the inverse would overflow: a division then (float64 API)."""
    for make in (gb.PseudoHuber, lambda s: gb.LogCosh(scale=s), lambda s: gb.Quantile(0.3, scale=s)):
        loss, unit = make(scale), make(1.0)
        y, raw = make_data(unit, n=101)
        g, h = objective_pair(loss, y * scale, raw * scale)
        g1, h1 = objective_pair(unit, y, raw)
        np.testing.assert_allclose(g / scale, g1, rtol=1e-9, atol=1e-9 * np.max(np.abs(g1)))
        np.testing.assert_allclose(h, h1, rtol=1e-9)


def test_the_disk_cache_key_follows_the_constants_a_formula_names():
    """numba's disk cache keys a loop by its closure's variables, which name the formula
    functions only: the stamp is what changes when a formula's code, or a constant it reads
    (QUANTILE_FLOOR, U_MAX, a mode code), changes."""
    import types

    def make(floor):
        mod = types.ModuleType("tmp_formulas")
        source = f"FLOOR = {floor!r}\ndef f(raw, y, params):\n    return raw - y, max(1.0, FLOOR)\n"
        exec(source, mod.__dict__)
        return mod.f

    assert _engine._stamp(make(0.3)) != _engine._stamp(make(0.1))
    assert _engine._stamp(make(0.3)) == _engine._stamp(make(0.3))


@pytest.mark.parametrize(
    "loss",
    [gb.Logistic(), gb.BinaryFocal(gamma=2.0), gb.LogCosh(scale=1.0, hessian="exact"), gb.Huber(1.0)],
    ids=repr,
)
def test_a_nan_margin_gives_a_nan_gradient_not_a_finite_one(loss):
    """The frameworks' call does not check margins: a NaN margin (a NaN base_margin, say)
    must come out NaN, as libm's exp made it, not as a finite gradient on the hessian floor."""
    y = np.array([0.0, 1.0, 1.0, 0.0])
    raw = np.array([0.5, np.nan, 2.0, np.nan])
    g, h = loss(y, raw)
    assert np.isnan(g[[1, 3]]).all() and np.isfinite(g[[0, 2]]).all()


def test_a_nan_logit_gives_nan_gradients():
    g, _ = gb.SoftmaxFocal(3, gamma=2.0)(np.array([1.0]), np.array([[np.nan, 0.0, 1.0]]))
    assert np.isnan(g).all()


@pytest.mark.parametrize("gamma", [1e300, np.inf, 101.0])
def test_gamma_beyond_its_bound_is_refused(gamma):
    # at gamma = 1e300 the focal hessian's gamma^2 log p terms overflow to NaN
    with pytest.raises(ValueError, match=r"gamma=.* expected a real number in \[0, 100\]"):
        gb.BinaryFocal(gamma=gamma)(np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match=r"gamma="):
        gb.SoftmaxFocal(3, gamma=gamma)(np.zeros(2), np.zeros((2, 3)))


@needs_numba
@pytest.mark.parametrize(
    "loss",
    [
        gb.BinaryFocal(gamma=2.0, alpha=0.25),
        gb.LogCosh(scale=1.5, hessian="irls"),
        gb.LogCosh(scale=1.5, hessian="exact"),
        gb.Huber(0.7, hessian="irls"),
        gb.Huber(0.7, hessian="exact"),
    ],
    ids=loss_id,
)
def test_formulas_with_a_constant_parameter_give_the_general_formulas_bits(loss):
    """Binary focal at gamma 2, Huber and log-cosh in their "irls" and "exact" modes run
    formulas with that parameter a constant (the compiled loop skips the branches it rules
    out): the same bits as the general formula, compiled and plain, margins on both sides of
    every branch point."""
    formulas, params, _ = loss._plan(None, None)
    assert formulas is not loss.formulas  # the specialised formulas are the ones that run
    y, raw = make_data(loss, n=401, scale=3.0)
    extremes = np.array([0.0, 1e-9, -1e-5, 1e-4, 0.5, -30.0, 40.0, -800.0, 1e6, -1e30, 3e38])
    if raw.ndim == 1:
        raw[: len(extremes)] = extremes
    else:
        raw[: len(extremes), 0] = extremes
    raw = raw.astype(np.float32)  # as XGBoost passes margins
    yy = Prepared(loss, y, None).y
    out = []
    for f in (formulas, loss.formulas):
        for compiled in (True, False):
            g = np.empty(raw.shape)
            h = np.empty(raw.shape)
            _engine.grad_hess(f, params, raw, yy, None, g, h, compiled=compiled)
            out.append((g, h))
    for g, h in out[1:]:
        np.testing.assert_array_equal(g, out[0][0])
        np.testing.assert_array_equal(h, out[0][1])


def test_a_subclass_passing_other_parameters_gets_the_formulas_of_those_parameters():
    """The constant-parameter formulas are picked by the parameters the formulas run with,
    not by the loss's attributes: a subclass whose _formula_params passes another gamma or
    hessian mode must get that gamma's or mode's gradients (found by review: picked by the
    attribute, ``Annealed(gamma=2)`` ran the gamma = 2 formula on gamma = 1's parameters)."""
    from gbobjectives._constants import MODE

    class Annealed(gb.BinaryFocal):
        def _formula_params(self):
            p = super()._formula_params()
            return (p[0] / 2, *p[1:])

    class HuberConstant(gb.Huber):
        def _formula_params(self):
            delta, _, min_h = super()._formula_params()
            return (delta, MODE["constant"], min_h)

    rng = np.random.default_rng(3)
    y_bin = (rng.random(200) < 0.3).astype(float)
    raw = 3 * rng.normal(size=200)
    for sub, ref, y in (
        (Annealed(gamma=2.0), gb.BinaryFocal(gamma=1.0), y_bin),
        (HuberConstant(0.5, hessian="irls"), gb.Huber(0.5, hessian="constant"), rng.normal(size=200)),
    ):
        g, h = sub.gradient_hessian(y, raw)
        g_ref, h_ref = ref.gradient_hessian(y, raw)
        np.testing.assert_array_equal(g, g_ref)
        np.testing.assert_array_equal(h, h_ref)


@pytest.mark.parametrize(
    "loss",
    [gb.Huber(2.0), gb.BinaryFocal(2.0), gb.Quantile([0.2, 0.8], scale=1.0), gb.SoftmaxFocal(3)],
    ids=loss_id,
)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_the_threaded_objective_gives_the_serial_bits(monkeypatch, loss, weighted):
    if not _engine.available():
        pytest.skip("numba is not available")
    n = 2 * _engine.THREADED_MIN_ROWS + 12345  # blocks of unequal sizes
    y, raw = make_data(loss, n=n, seed=3)[:2]
    w = np.random.default_rng(0).uniform(0.5, 2.0, n) if weighted else None
    serial = grad_hess(loss, y, raw, w, "xgboost", threads=1)
    monkeypatch.setattr(_engine, "THREADED_MIN_SECONDS", 0.0)  # always split the rest
    calls = []
    real = _engine.blocks
    monkeypatch.setattr(_engine, "blocks", lambda n, t: calls.append(t) or real(n, t))
    threaded = grad_hess(loss, y, raw, w, "xgboost", threads=3)
    assert calls and set(calls) == {3}  # the threaded path ran (once per output column)
    np.testing.assert_array_equal(threaded[0], serial[0])
    np.testing.assert_array_equal(threaded[1], serial[1])


def test_a_cheap_objective_stays_serial_however_many_threads(monkeypatch):
    if not _engine.available():
        pytest.skip("numba is not available")
    loss = gb.Huber(2.0)
    y, raw = make_data(loss, n=2 * _engine.THREADED_MIN_ROWS, seed=0)[:2]
    calls = []
    real = _engine.blocks
    monkeypatch.setattr(_engine, "blocks", lambda n, t: calls.append(t) or real(n, t))
    monkeypatch.setattr(_engine, "THREADED_MIN_SECONDS", 10.0)  # the rest would take < 10 s
    grad_hess(loss, y, raw, None, "xgboost", threads=8)
    assert calls == []


def test_the_default_thread_count_follows_omp_num_threads(monkeypatch):
    from gbobjectives import _objective

    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert _objective.default_threads() == 3
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert 1 <= _objective.default_threads() <= (__import__("os").cpu_count() or 1)
