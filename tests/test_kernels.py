"""The compiled kernels against the numpy reference, and the numpy fallback without numba."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import gbobjectives as gb
from gbobjectives import _kernels
from gbobjectives.adapters._common import Prepared, compute, grad_hess
from tests._cases import LOSS_INSTANCES, loss_id, make_data

pytestmark = pytest.mark.skipif(not _kernels.AVAILABLE, reason="numba is not available")
WITH_KERNEL = [
    loss for loss in LOSS_INSTANCES if loss._kernel_spec() is not None or isinstance(loss, gb.ClassBalanced)
]


def test_every_single_output_loss_and_softmax_has_a_kernel():
    missing = [loss for loss in LOSS_INSTANCES if loss._kernel_plan(np.zeros(1), None)[0] is None]
    assert [repr(m) for m in missing] == [repr(gb.Quantile([0.05, 0.5, 0.95], scale=1.0))]


@pytest.mark.parametrize("loss", WITH_KERNEL, ids=loss_id)
@pytest.mark.parametrize("scale", [1.0, 30.0], ids=["moderate", "large"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_kernel_matches_the_numpy_reference(loss, scale, weighted):
    y, raw = make_data(loss, n=301, scale=scale)
    w = np.random.default_rng(2).uniform(0.1, 3.0, size=len(y)) if weighted else None
    st = Prepared(loss, y, w)
    assert loss._kernel_plan(st.y, st.w)[0] is not None
    g, h = compute(loss, st, raw.astype(np.float32), "sklearn")
    assert g.dtype == np.float32 and h.dtype == np.float32
    g_ref, h_ref = loss.gradient_hessian(y, raw.astype(np.float32), w)
    # float32 output (and float32 arithmetic in the Huber family): a few float32 ulps
    np.testing.assert_allclose(g, g_ref, rtol=5e-6, atol=1e-6 * np.max(np.abs(g_ref)))
    np.testing.assert_allclose(h, h_ref, rtol=5e-6, atol=1e-30)


@pytest.mark.parametrize("loss", WITH_KERNEL, ids=loss_id)
def test_kernel_is_finite_and_positive_at_extreme_margins(loss):
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


def test_training_without_numba_gives_the_same_model(tmp_path):
    code = """
import numpy as np, xgboost as xgb, lightgbm as lgb
import gbobjectives as gb
from gbobjectives import _kernels
from gbobjectives.adapters import xgboost as gbx
rng = np.random.default_rng(0)
X = rng.normal(size=(500, 4)); y = X[:, 0] + rng.standard_t(2, size=500)
out = [_kernels.AVAILABLE]
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
    for a, b in zip(runs[0][1:], runs[1][1:]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("scale", [1e-30, 1e-20, 1e-16, 1e13, 1e20, 1e30])
@pytest.mark.parametrize(
    "make",
    [
        lambda s: gb.PseudoHuber(s, hessian="exact"),
        lambda s: gb.PseudoHuber(s),
        lambda s: gb.Huber(s),
        lambda s: gb.Huber(s, hessian="exact"),
        lambda s: gb.LogCosh(scale=s),
        lambda s: gb.Quantile(0.3, scale=s),
    ],
    ids=["pseudo_huber_exact", "pseudo_huber_irls", "huber_irls", "huber_exact", "logcosh", "quantile"],
)
def test_kernels_match_numpy_at_any_scale(make, scale):
    """A data-derived delta or scale follows the target, which may be 1e-25 or 1e25: the
    float32 kernels hand such scales to float64 loops (delta^2 leaves float32's range)."""
    loss = make(scale)
    y, raw = make_data(loss, n=101)
    y, raw = y * scale, raw * scale
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        g, h = grad_hess(loss, y, raw, None, "sklearn")
    g_ref, h_ref = loss.gradient_hessian(y, raw)
    assert np.all(np.isfinite(g)) and np.all(h > 0)
    np.testing.assert_allclose(g, g_ref, rtol=2e-6, atol=1e-6 * np.max(np.abs(g_ref)))
    np.testing.assert_allclose(h, h_ref, rtol=2e-6)


def test_pseudo_huber_default_on_a_tiny_target_is_finite():
    y = np.array([1e-25, 2e-25, 3e-25, 5e-25])
    g, h = gb.PseudoHuber()(y, np.full(4, 2e-25))
    g_ref, h_ref = gb.PseudoHuber().gradient_hessian(y, np.full(4, 2e-25))
    np.testing.assert_allclose(g, g_ref, rtol=1e-6)
    np.testing.assert_allclose(h, h_ref, rtol=1e-6)


# ------------------------------------------------------------------ every branch, both sides
# Each kernel branches on a threshold (|r| against delta, a tanh series below |r| = 1e-4, an
# exp clamp at 400, pseudo-Huber's |z| cap at 1e18, Quantile's hessian floor at 0.3 scale,
# focal's log1p series below e = 1e-4 (|u| ~ 9.21) and its clamp at U_MAX, the float64 loops
# for a delta outside float32's range). The residuals below sit on both sides of each, and
# the kernel must agree with the numpy code there, for float32 and float64 margins.
def _around(points):
    out = [0.0]
    for p in points:
        for f in (1 - 1e-6, 1.0, 1 + 1e-6):
            out += [p * f, -p * f]
    return np.array(out)


BRANCH_CASES = []
for mode in ("exact", "irls", "constant"):
    for d in (1.0, 1e-16, 1e19):  # 1e-16 and 1e19: the float64 loops
        BRANCH_CASES.append((gb.Huber(delta=d, hessian=mode), _around([d, 10 * d, 0.1 * d])))
    for d in (1.0, 1e-16, 1e13):
        BRANCH_CASES.append((gb.PseudoHuber(delta=d, hessian=mode), _around([d, 1e6 * d, 1e18])))
    for s in (1.0, 1e-3, 1e3):
        r = _around([1e-4 * s, s, 400 * s, 1e6 * s, 1e-9 * s])
        BRANCH_CASES.append((gb.LogCosh(scale=s, hessian=mode), r))
for mode in ("irls", "constant"):
    for a in (0.1, 0.9):
        for s in (1.0, 1e-3, 1e4):
            BRANCH_CASES.append(
                (gb.Quantile(a, scale=s, hessian=mode), _around([0.3 * s, s, 1e-300, 10 * s]))
            )
for g in (0.0, 0.5, 2.0, 5.0):
    BRANCH_CASES.append((gb.BinaryFocal(gamma=g), _around([1e-8, 1.0, 9.2103, 30.0, 1e6])))


@pytest.mark.parametrize("loss, r", BRANCH_CASES, ids=[f"{loss_id(c[0])}" for c in BRANCH_CASES])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernels_match_numpy_on_both_sides_of_every_branch(loss, r, dtype):
    if loss.task == "binary":  # u = (2y - 1) * margin: both labels at every margin
        y, raw = np.repeat([0.0, 1.0], len(r)), np.tile(r, 2)
    else:
        y, raw = np.zeros(len(r)), r
    raw = raw.astype(dtype)
    g, h = grad_hess(loss, y, raw, None, "sklearn")  # the kernel (it checks the labels too)
    g_ref, h_ref = loss.gradient_hessian(y, raw.astype(np.float64), None)
    # the float32 result of the float64 reference, to a few float32 ulps
    np.testing.assert_allclose(g, g_ref.astype(np.float32), rtol=2e-6, atol=1e-300)
    np.testing.assert_allclose(h, h_ref.astype(np.float32), rtol=2e-6, atol=1e-300)


def test_softmax_focal_kernel_at_ties_and_large_margins():
    """Two other classes tied for the largest softmax share (the 1 - rho_max branch), and
    margins far apart."""
    loss = gb.SoftmaxFocal(3, gamma=2.0)
    raw = np.array([[0.0, 5.0, 5.0], [40.0, -40.0, 0.0], [-30.0, 30.0, 30.0], [1e-7, 0.0, -1e-7]])
    y = np.array([0.0, 1.0, 0.0, 2.0])
    for dtype in (np.float32, np.float64):
        g, h = grad_hess(loss, y, raw.astype(dtype), None, "sklearn")
        g_ref, h_ref = loss.gradient_hessian(y, raw.astype(dtype).astype(np.float64), None)
        np.testing.assert_allclose(g, g_ref.astype(np.float32), rtol=2e-6, atol=1e-30)
        np.testing.assert_allclose(h, h_ref.astype(np.float32), rtol=2e-6, atol=1e-30)
