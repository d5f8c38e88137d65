"""Property-based checks of the numerical contract: any finite margin, float32 or float64,
gives finite loss/grad/predictions and a strictly positive hessian, without a numpy warning."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gbobjectives as gb
from tests._cases import LOSS_INSTANCES, loss_id

STRICT = dict(over="raise", divide="raise", invalid="raise", under="ignore")


def _margins(dtype, k, bound=2.0**100):  # ~1.3e30, exact in float32
    finite = st.floats(-bound, bound, width=32 if dtype == np.float32 else 64)
    shape = st.integers(1, 8).map(lambda n: (n,) if k == 1 else (n, k))
    return hnp.arrays(dtype, shape, elements=finite)


@pytest.mark.parametrize("loss", LOSS_INSTANCES, ids=loss_id)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_finite_margin_gives_finite_output_and_positive_hessian(loss, dtype, data):
    raw = data.draw(_margins(dtype, loss.n_outputs))
    n = raw.shape[0]
    if loss.task == "regression":
        y = data.draw(hnp.arrays(np.float64, n, elements=st.floats(-1e6, 1e6)))
    elif loss.task == "binary":
        y = data.draw(hnp.arrays(np.float64, n, elements=st.sampled_from([0.0, 1.0])))
    else:
        y = data.draw(hnp.arrays(np.int64, n, elements=st.integers(0, loss.n_outputs - 1)))
    raw_before = raw.copy()
    with np.errstate(**STRICT):
        g, h = loss.gradient_hessian(y, raw)
        value = loss.loss(y, raw)
        pred = loss.predict(raw)
    assert np.all(np.isfinite(g)) and np.all(np.isfinite(h))
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(pred))
    assert np.all(h > 0)
    assert np.all(value >= 0)
    np.testing.assert_array_equal(raw, raw_before)


@settings(max_examples=100, deadline=None)
@given(
    r=st.floats(-50, 50),
    gamma=st.floats(0.0, 6.0),
)
def test_binary_focal_gradient_sign_and_bound(r, gamma):
    """The gradient always points towards the label: focal never pushes the wrong way.

    (Its size is NOT bounded by 1 as the logistic gradient is: 1.077 at u = -2, gamma = 2.)
    """
    for y in (0.0, 1.0):
        g = gb.BinaryFocal(gamma=gamma).gradient(np.array([y]), np.array([r]))[0]
        assert (g <= 0) if y == 1 else (g >= 0)


@settings(max_examples=60, deadline=None)
@given(
    y=hnp.arrays(np.float64, st.integers(1, 30), elements=st.floats(-1e3, 1e3)),
    delta=st.floats(0.1, 10.0),
)
def test_robust_init_scores_lie_within_the_labels(y, delta):
    for loss in (gb.Huber(delta), gb.PseudoHuber(delta), gb.LogCosh(), gb.Quantile(0.3)):
        c = loss.init_score(y)
        assert y.min() - 1e-9 <= c <= y.max() + 1e-9


@pytest.mark.parametrize(
    "loss",
    [
        gb.Huber(1.0),
        gb.PseudoHuber(1.0),
        gb.LogCosh(scale=1.0),
        gb.Quantile(0.2, scale=1.0),
        gb.Logistic(),
        gb.BinaryFocal(),
    ],
    ids=loss_id,
)
def test_largest_finite_margins(loss):
    """log(cosh(x)) overflows at |x| ~ 710 when written naively; ours holds to the float max."""
    top = np.finfo(np.float64).max
    raw = np.array([-top, -1e300, -710.0, 710.0, 1e300, top])
    y = np.zeros(6)
    with np.errstate(**STRICT):
        g, h = loss.gradient_hessian(y, raw)
        value = loss.loss(y, raw)
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(g)) and np.all(h > 0)


@pytest.mark.parametrize("loss", [gb.Huber(), gb.PseudoHuber(), gb.LogCosh(), gb.Quantile(0.2)], ids=loss_id)
def test_data_derived_scales_keep_grad_and_hess_finite_at_the_largest_margins(loss):
    # the scale then is itself ~1e308: the loss VALUE (r^2 / 2 inside the scale) exceeds the
    # float range, as it truly does; the gradient and hessian stay finite and positive
    top = np.finfo(np.float64).max
    for raw in (np.array([-top, -1e300, 0.5, 710.0, 1e300, top]), np.array([1e300, 1e300, 2e300, 0, 0, 0.0])):
        with np.errstate(**STRICT):
            g, h = loss.gradient_hessian(np.zeros(6), raw)
        assert np.all(np.isfinite(g)) and np.all(np.isfinite(h)) and np.all(h > 0)
