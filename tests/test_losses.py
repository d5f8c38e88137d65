"""One generic battery over every loss (tests/_cases.py), then what is specific to each."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from scipy import optimize
from sklearn.base import clone

import gbobjectives as gb
from tests._cases import FOCAL_GAMMAS, LOSS_INSTANCES, loss_id, make_data

H = 1e-3  # finite-difference step


def fd4(f, x, h=H):
    """4th-order central difference of an elementwise function of x."""
    return (-f(x + 2 * h) + 8 * f(x + h) - 8 * f(x - h) + f(x - 2 * h)) / (12 * h)


def fd4_columns(f, raw, h=H):
    """d f / d raw[:, k] for each column k of a 2-D raw (f returns (n,) or (n, K))."""
    out = np.empty_like(raw)
    for k in range(raw.shape[1]):

        def fk(col, k=k):
            r = raw.copy()
            r[:, k] = col
            v = f(r)
            return v if v.ndim == 1 else v[:, k]

        out[:, k] = fd4(fk, raw[:, k], h)
    return out


def numerical_gradient(loss, y, raw):
    f = lambda r: loss.loss(y, r)  # noqa: E731
    if raw.ndim == 1:
        return fd4(f, raw)
    return fd4_columns(f, raw)


def numerical_hessian(loss, y, raw):
    f = lambda r: loss.gradient_hessian(y, r)[0]  # noqa: E731
    if raw.ndim == 1:
        return fd4(f, raw)
    return fd4_columns(f, raw)


all_losses = pytest.mark.parametrize("loss", LOSS_INSTANCES, ids=loss_id)

# numpy's default: underflow to 0 is allowed (and expected in exp of large negatives);
# overflow, 0/0, x/0 and invalid operations are errors.
STRICT = dict(over="raise", divide="raise", invalid="raise", under="ignore")


def class_weight_of_rows(loss, y, ndim):
    """The per-row weight a ClassBalanced loss multiplies in (1 for other losses)."""
    if not isinstance(loss, gb.ClassBalanced):
        return 1.0
    w = loss.class_weights(y)[np.asarray(y, dtype=int)]
    return w if ndim == 1 else w[:, None]


@all_losses
def test_gradient_matches_finite_differences(loss):
    y, raw = make_data(loss)
    g, _ = loss.gradient_hessian(y, raw)
    np.testing.assert_allclose(g, numerical_gradient(loss, y, raw), rtol=1e-6, atol=1e-9)


@all_losses
def test_hessian_matches_finite_differences_where_exact(loss):
    y, raw = make_data(loss)
    _, h = loss.gradient_hessian(y, raw)
    num = numerical_hessian(loss, y, raw)
    if not loss.hessian_exact:
        pytest.skip(f"{loss!r} returns a surrogate hessian by design (hessian_exact=False)")
    # Where the exact hessian is above the floor, the returned one is exact; below, it is the floor.
    cw = class_weight_of_rows(loss, y, raw.ndim)
    h, num = h / cw, num / cw
    above = num > 10 * loss.min_hessian
    assert above.sum() >= 5  # the comparison below is not vacuous
    np.testing.assert_allclose(h[above], num[above], rtol=1e-6, atol=1e-9)
    below = num < 0.1 * loss.min_hessian
    np.testing.assert_allclose(h[below], loss.min_hessian, rtol=1e-12)


@all_losses
def test_returned_hessian_positive_and_bounded_below_by_floor(loss):
    y, raw = make_data(loss, scale=3.0)
    with np.errstate(**STRICT):
        _, h = loss.gradient_hessian(y, raw)
    h = h / class_weight_of_rows(loss, y, raw.ndim)
    assert np.all(h > 0)
    assert np.all(h >= loss.min_hessian * (1 - 1e-12))


@all_losses
def test_weighted_equals_weight_times_unweighted(loss):
    y, raw = make_data(loss)
    w = np.random.default_rng(1).uniform(0.0, 3.0, size=y.shape[0])
    if isinstance(loss, gb.ClassBalanced) and loss.class_counts is None:
        # Its class counts are weighted (weights act as repetitions), so the weighted loss is
        # the weight times the unweighted loss with those counts fixed.
        weighted, loss = loss, clone(loss).set_params(class_counts=np.bincount(y.astype(int), weights=w))
        for a, b in zip(weighted.gradient_hessian(y, raw, w), loss.gradient_hessian(y, raw, w)):
            np.testing.assert_array_equal(a, b)
    g, h = loss.gradient_hessian(y, raw)
    gw, hw = loss.gradient_hessian(y, raw, sample_weight=w)
    ww = w if raw.ndim == 1 else w[:, None]
    lw = w if loss.loss(y, raw).ndim == 1 else w[:, None]
    np.testing.assert_allclose(gw, ww * g, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(hw, ww * h, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(loss.loss(y, raw, w), lw * loss.loss(y, raw), rtol=1e-12)


@all_losses
def test_gradient_and_gradient_hessian_agree(loss):
    y, raw = make_data(loss)
    np.testing.assert_array_equal(loss.gradient(y, raw), loss.gradient_hessian(y, raw)[0])


@all_losses
def test_inputs_are_not_modified(loss):
    y, raw = make_data(loss)
    w = np.ones(y.shape[0])
    y0, raw0, w0 = y.copy(), raw.copy(), w.copy()
    loss.gradient_hessian(y, raw, w)
    loss.loss(y, raw, w)
    loss.init_score(y, w)
    loss.predict(raw)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(raw, raw0)
    np.testing.assert_array_equal(w, w0)


@all_losses
def test_float32_and_column_input(loss):
    y, raw = make_data(loss)
    g64, h64 = loss.gradient_hessian(y, raw)
    g32, h32 = loss.gradient_hessian(y.astype(np.float32), raw.astype(np.float32))
    np.testing.assert_allclose(g32, g64, rtol=2e-5, atol=1e-6)
    if raw.ndim == 1:
        gcol, hcol = loss.gradient_hessian(y[:, None], raw[:, None])
        np.testing.assert_array_equal(gcol, g64)
        assert gcol.shape == raw.shape


def _mean_loss(loss, y, w, c):
    n = y.shape[0]
    raw = np.full(n, c) if loss.n_outputs == 1 else np.tile(np.asarray(c), (n, 1))
    return float(np.sum(loss.loss(y, raw, w)) / np.sum(w))


@all_losses
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_init_score_minimises_mean_loss(loss, weighted):
    y, _ = make_data(loss, n=301, seed=3)
    w = np.random.default_rng(4).uniform(0.2, 2.0, size=y.shape[0]) if weighted else None
    ww = np.ones(y.shape[0]) if w is None else w
    c = loss.init_score(y, sample_weight=w)
    ours = _mean_loss(loss, y, ww, c)
    if loss.n_outputs == 1:
        assert isinstance(c, float)
        res = optimize.minimize_scalar(
            lambda t: _mean_loss(loss, y, ww, t), bounds=(-40, 40), method="bounded", options={"xatol": 1e-10}
        )
        best = res.fun
    else:
        assert np.shape(c) == (loss.n_outputs,)
        res = optimize.minimize(
            lambda t: _mean_loss(loss, y, ww, t),
            np.zeros(loss.n_outputs),
            method="Nelder-Mead",
            options={"xatol": 1e-9, "fatol": 1e-13, "maxiter": 20000},
        )
        best = res.fun
    assert ours <= best + 1e-9 * max(1.0, abs(best))
    if isinstance(loss, gb.Quantile):
        return  # piecewise linear: the gradient does not vanish at the minimiser
    n = y.shape[0]
    raw = np.full(n, c) if loss.n_outputs == 1 else np.tile(c, (n, 1))
    gsum = np.sum(loss.gradient(y, raw, w), axis=0) / np.sum(ww)
    scale = 1.0 if isinstance(loss, gb.Huber) else 1e-6
    assert np.all(np.abs(gsum) < scale * 1e-3)


@all_losses
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_margins_finite_and_positive(loss, dtype):
    y, raw = make_data(loss, n=40)
    for m in (1e4, 1e6, 1e30):
        big = (np.sign(raw - raw.mean()) + (raw == raw.mean())) * m
        for r in (big, -big, np.zeros_like(raw)):
            r = r.astype(dtype)
            with np.errstate(**STRICT):
                g, h = loss.gradient_hessian(y.astype(dtype), r)
                lo = loss.loss(y, r)
                p = loss.predict(r)
            assert np.all(np.isfinite(g)) and np.all(np.isfinite(h)) and np.all(np.isfinite(lo))
            assert np.all(np.isfinite(p))
            assert np.all(h > 0)


@all_losses
def test_pickle_clone_and_params(loss):
    y, raw = make_data(loss)
    for other in (pickle.loads(pickle.dumps(loss)), clone(loss)):
        assert other == loss and other is not loss
        np.testing.assert_array_equal(other.gradient_hessian(y, raw)[1], loss.gradient_hessian(y, raw)[1])
    params = loss.get_params()
    assert type(loss)(**loss.get_params(deep=False)) == loss
    assert clone(loss).set_params(**{k: v for k, v in params.items() if "__" not in k}) == loss


@all_losses
def test_predict_is_inverse_link(loss):
    y, raw = make_data(loss)
    p = loss.predict(raw)
    if loss.task == "regression":
        np.testing.assert_array_equal(p, raw)
    elif loss.task == "binary":
        assert np.all((p >= 0) & (p <= 1))
        np.testing.assert_allclose(p, 1 / (1 + np.exp(-raw)), rtol=1e-12)
    else:
        np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    # link is the inverse of inverse (softmax margins up to a constant per row)
    back = loss.link.link(p)
    if loss.task == "multiclass":
        back, raw = back - back.mean(axis=1, keepdims=True), raw - raw.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(back, raw, rtol=1e-9, atol=1e-9)


# ------------------------------------------------------------------------- bad input
def _bad_label_cases(loss):
    y, raw = make_data(loss, n=10)
    cases = []
    y_nan = y.astype(float).copy()
    y_nan[2] = np.nan
    cases.append((y_nan, raw, None, "y_true"))
    y_inf = y.astype(float).copy()
    y_inf[0] = np.inf
    cases.append((y_inf, raw, None, "y_true"))
    cases.append((y[:-1], raw, None, "rows"))
    w = np.ones(10)
    w[3] = -1
    cases.append((y, raw, w, "sample_weight"))
    w = np.ones(10)
    w[3] = np.nan
    cases.append((y, raw, w, "sample_weight"))
    cases.append((y, raw, np.ones(9), "sample_weight"))
    raw_nan = raw.copy()
    raw_nan[1] = np.nan
    cases.append((y, raw_nan, None, "raw_prediction"))
    if loss.task == "binary":
        cases.append((np.where(y == 1, 2.0, 0.0), raw, None, "y_true contains 2.0"))
        cases.append((np.where(y == 1, 0.5, 0.0), raw, None, "y_true contains 0.5"))
        cases.append((np.where(y == 1, -1.0, 0.0), raw, None, "{0, 1}"))
    if loss.task == "multiclass":
        k = loss.n_outputs
        cases.append((np.where(y == 0, k, y), raw, None, f"0..{k - 1}"))
        cases.append((y + 0.5, raw, None, "labels must be"))
        cases.append((y, raw[:, :-1], None, "raw_prediction must have shape"))
    return cases


@all_losses
def test_bad_input_raises_a_clear_error(loss):
    for y, raw, w, match in _bad_label_cases(loss):
        with pytest.raises(ValueError, match=match.replace("(", r"\(").replace("{", r"\{")):
            loss.gradient_hessian(y, raw, w)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: gb.Huber(delta=0), r"delta=0 is not valid: expected a real number in \(0, inf\]"),
        (lambda: gb.Huber(delta=-1.0), "delta=-1.0 is not valid"),
        (lambda: gb.Huber(delta=np.nan), "delta=nan is not valid"),
        (lambda: gb.Huber(hessian="newton"), "hessian='newton' is not valid: expected one of"),
        (lambda: gb.PseudoHuber(delta="1"), "delta='1' is not valid"),
        (lambda: gb.LogCosh(min_hessian=0.0), r"min_hessian=0.0 is not valid: .* \(0, 1\]"),
        (lambda: gb.Quantile(alpha=1.0), r"alpha=1.0 is not valid: expected a real number in \(0, 1\)"),
        (lambda: gb.Quantile(alpha=[0.1, 0.0]), r"alpha\[1\]=0.0 is not valid"),
        (lambda: gb.Quantile(alpha=[]), r"alpha=\[\] is not valid"),
        (lambda: gb.BinaryFocal(gamma=-1), r"gamma=-1 is not valid: expected a real number in \[0, 100\]"),
        (lambda: gb.BinaryFocal(alpha=1.5), "alpha=1.5 is not valid"),
        (lambda: gb.SoftmaxFocal(n_classes=1), "n_classes=1 is not valid: expected an integer >= 2"),
        (lambda: gb.SoftmaxFocal(n_classes=3, alpha=[1, 2]), "expected None or a sequence of 3"),
        (lambda: gb.ClassBalanced(gb.Huber()), "base_loss=Huber.* expected a classification loss"),
        (lambda: gb.ClassBalanced(gb.Logistic(), beta=1.0), r"beta=1.0 is not valid: .*\[0, 1\)"),
        (lambda: gb.ClassBalanced(gb.Logistic(), class_counts=[1, 2, 3]), "expected 2 non-negative"),
        (lambda: gb.Huber().set_params(delta=-2), "delta=-2 is not valid"),
        (lambda: gb.Huber().set_params(sigma=1), "Invalid parameter 'sigma' for Huber"),
    ],
)
def test_bad_hyperparameters_raise_naming_parameter_value_and_range(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_all_zero_weights_rejected_by_init_score():
    with pytest.raises(ValueError, match="sample_weight is zero everywhere"):
        gb.Huber().init_score([1.0, 2.0], sample_weight=[0.0, 0.0])


# --------------------------------------------------------------------- limiting cases
def test_huber_with_huge_delta_is_squared_error():
    y, raw = make_data(gb.Huber())
    big = gb.Huber(delta=1e6)
    sq = gb.SquaredError()
    np.testing.assert_allclose(big.loss(y, raw), sq.loss(y, raw), rtol=1e-12)
    for a, b in zip(big.gradient_hessian(y, raw), sq.gradient_hessian(y, raw)):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert big.init_score(y) == pytest.approx(sq.init_score(y), rel=1e-9)


def test_pseudo_huber_tends_to_half_squared_error_for_small_residuals():
    y, raw = make_data(gb.PseudoHuber())
    np.testing.assert_allclose(
        gb.PseudoHuber(delta=1e4).loss(y, raw), gb.SquaredError().loss(y, raw), rtol=1e-6
    )


def test_quantile_half_is_half_absolute_error():
    y, raw = make_data(gb.Quantile())
    np.testing.assert_allclose(gb.Quantile(0.5).loss(y, raw), 0.5 * np.abs(raw - y), rtol=1e-15)
    assert gb.Quantile(0.5).init_score(y) == pytest.approx(np.median(y), abs=0.2)


def test_multi_quantile_columns_equal_single_quantiles():
    alphas = [0.1, 0.5, 0.9]
    multi = gb.Quantile(alphas)
    y, raw = make_data(multi)
    g, h = multi.gradient_hessian(y, raw)
    init = multi.init_score(y)
    for k, a in enumerate(alphas):
        gk, hk = gb.Quantile(a).gradient_hessian(y, raw[:, k])
        np.testing.assert_allclose(g[:, k], gk, rtol=1e-14)  # the column's own scale
        assert init[k] == gb.Quantile(a).init_score(y)
    assert np.all(np.diff(init) >= 0)


@pytest.mark.parametrize("alpha", [None, 0.25])
def test_binary_focal_gamma_zero_is_logistic(alpha):
    focal = gb.BinaryFocal(gamma=0.0, alpha=alpha, min_hessian=1e-16)
    y, raw = make_data(focal)
    w = np.where(y == 1, 0.25, 0.75) if alpha is not None else None
    ref = gb.Logistic()
    np.testing.assert_allclose(focal.loss(y, raw), ref.loss(y, raw, w), rtol=1e-12)
    for a, b in zip(focal.gradient_hessian(y, raw), ref.gradient_hessian(y, raw, w)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-300)
    assert focal.init_score(y) == pytest.approx(ref.init_score(y, w), rel=1e-9)


def test_softmax_focal_gamma_zero_is_cross_entropy():
    focal = gb.SoftmaxFocal(n_classes=4, gamma=0.0, min_hessian=1e-16)
    ref = gb.SoftmaxCrossEntropy(n_classes=4)
    y, raw = make_data(focal)
    np.testing.assert_allclose(focal.loss(y, raw), ref.loss(y, raw), rtol=1e-10)
    for a, b in zip(focal.gradient_hessian(y, raw), ref.gradient_hessian(y, raw)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(focal.init_score(y), ref.init_score(y), rtol=1e-9)


def test_softmax_focal_with_two_classes_is_binary_focal_in_the_logit_difference():
    y, raw = make_data(gb.SoftmaxFocal(n_classes=2))
    z = raw[:, 1] - raw[:, 0]
    for gamma in FOCAL_GAMMAS:
        two = gb.SoftmaxFocal(n_classes=2, gamma=gamma)
        np.testing.assert_allclose(two.loss(y, raw), gb.BinaryFocal(gamma).loss(y, z), rtol=1e-12)
        g2 = two.gradient(y, raw)
        np.testing.assert_allclose(g2[:, 1], gb.BinaryFocal(gamma).gradient(y, z), rtol=1e-10, atol=1e-300)


def test_class_balanced_beta_zero_is_unweighted():
    for base in (gb.Logistic(), gb.BinaryFocal(), gb.SoftmaxFocal(n_classes=4)):
        cb = gb.ClassBalanced(base, beta=0.0)
        y, raw = make_data(base)
        for a, b in zip(cb.gradient_hessian(y, raw), base.gradient_hessian(y, raw)):
            np.testing.assert_allclose(a, b, rtol=1e-14)
        np.testing.assert_allclose(cb.init_score(y), base.init_score(y), rtol=1e-12)


def test_class_balanced_counts_weights_as_repetitions():
    y = np.array([0, 0, 0, 1, 1])
    w = np.array([1.0, 2.0, 0.0, 3.0, 1.0])
    rep = np.repeat(y, w.astype(int))
    cb = gb.ClassBalanced(gb.Logistic(), beta=0.9)
    np.testing.assert_allclose(cb.class_weights(y, w), cb.class_weights(rep))
    raw = np.array([0.3, -0.2, 1.0, 0.5, -1.0])
    g_w = cb.gradient(y, raw, w)
    g_rep = cb.gradient(rep, np.repeat(raw, w.astype(int)))
    np.testing.assert_allclose(np.bincount(np.repeat(np.arange(5), w.astype(int)), g_rep, 5), g_w)


def test_class_balanced_weights_follow_the_paper_and_keep_mean_weight_one():
    y = np.array([0] * 990 + [1] * 10)
    beta = 0.999
    cb = gb.ClassBalanced(gb.Logistic(), beta=beta)
    w = cb.class_weights(y)
    raw_w = np.array([(1 - beta) / (1 - beta**990), (1 - beta) / (1 - beta**10)])
    np.testing.assert_allclose(w / w.sum(), raw_w / raw_w.sum(), rtol=1e-12)
    counts = np.array([990, 10])
    assert np.sum(w * counts) == pytest.approx(1000.0)  # mean sample weight 1
    paper = gb.ClassBalanced(gb.Logistic(), beta=beta, normalize="classes").class_weights(y)
    assert paper.sum() == pytest.approx(2.0)
    # Every class gets its own weight (a defect seen in the wild: counts from np.sum(labels)).
    y3 = np.array([0] * 50 + [1] * 30 + [2] * 20)
    w3 = gb.ClassBalanced(gb.SoftmaxCrossEntropy(3), beta=0.99).class_weights(y3)
    assert w3[0] < w3[1] < w3[2]
    # beta -> 1 approaches inverse class frequency
    w_inv = gb.ClassBalanced(gb.Logistic(), beta=1 - 1e-9).class_weights(y)
    assert w_inv[1] / w_inv[0] == pytest.approx(99.0, rel=1e-4)
    # given counts are used instead of the labels
    given = gb.ClassBalanced(gb.Logistic(), beta=beta, class_counts=[990, 10]).class_weights()
    np.testing.assert_allclose(given, w)


def test_focal_hessian_has_no_known_published_defects():
    """(1 - y) in place of (1 - p); 0/0 once p rounds to 1; sigmoid applied to softmax."""
    focal = gb.BinaryFocal(gamma=2.0)
    z = np.array([-100.0, -20.0, -17.0, 17.0, 20.0, 100.0], dtype=np.float32)
    for y in (np.ones(6), np.zeros(6)):
        g, h = focal.gradient_hessian(y, z)
        assert np.all(np.isfinite(g)) and np.all(h > 0)
    # positives do get a hessian (not 0 for every positive):
    _, h = focal.gradient_hessian(np.ones(3), np.array([0.0, 1.0, 2.0]))
    assert np.all(h > 0.01)
    # the exact minimum of the hessian at gamma=2 is about -0.047 (before the floor)
    u = np.linspace(-10, 0, 20001)
    num = fd4(lambda t: gb.BinaryFocal(2.0, min_hessian=1.0).gradient(np.ones_like(t), t), u)
    assert num.min() == pytest.approx(-0.047, abs=0.002)


@pytest.mark.parametrize(
    "loss", [gb.Huber(0.7), gb.PseudoHuber(1.3), gb.LogCosh(scale=1.0), gb.LogCosh(scale=0.3)], ids=loss_id
)
def test_irls_hessian_is_the_curvature_of_a_majoriser(loss):
    """h = g / r, and L(r') <= L(r) + g (r' - r) + h/2 (r' - r)^2 for every r' (so a Newton
    step with this h never increases the loss of a sample: it lands exactly on the target)."""
    assert loss.hessian == "irls" and not loss.hessian_exact
    r = np.linspace(-30, 30, 241) + 0.01
    zero = np.zeros_like(r)
    g, h = loss.gradient_hessian(zero, r)
    unfloored = h > loss.min_hessian
    np.testing.assert_allclose((h * r)[unfloored], g[unfloored], rtol=1e-12)
    r2 = np.linspace(-60, 60, 301)
    L = loss.loss(zero, r)[:, None]
    quad = L + g[:, None] * (r2 - r[:, None]) + 0.5 * h[:, None] * (r2 - r[:, None]) ** 2
    L2 = loss.loss(np.zeros_like(r2), r2)[None, :]
    assert np.all(L2 <= quad + 1e-9)


DEFAULTS = [
    gb.Huber(),
    gb.PseudoHuber(),
    gb.LogCosh(),
    gb.Quantile(0.9),
    gb.Quantile([0.1, 0.9]),
    gb.ClassBalanced(gb.Logistic()),
    gb.ClassBalanced(gb.SoftmaxFocal(n_classes=3, gamma=2.0)),
]


@pytest.mark.parametrize("loss", DEFAULTS, ids=loss_id)
@pytest.mark.parametrize("weighted", [False, True])
def test_gradient_is_the_derivative_of_loss_at_the_defaults(loss, weighted):
    """The public contract with data-derived parameters: gradient_hessian's gradient is the
    derivative of sum(loss), one margin at a time, weighted or not (Quantile(0.9) gave 0.5677
    against 0.1000: s times the pinball gradient). Only the rows whose own residual sets a
    derived delta (perturbing them moves it) are left out."""
    y, raw = make_data(loss)
    w = np.random.default_rng(3).uniform(0.2, 3.0, len(y)) if weighted else None
    g, _ = loss.gradient_hessian(y, raw, w)
    flat, shape = raw.reshape(-1), raw.shape

    def total(r):
        return float(np.sum(loss.loss(y, r.reshape(shape), w)))

    def derived(r):  # the derived parameters that the loss's value depends on
        if isinstance(loss, gb.Quantile):  # its scale sizes the objective's steps, not the loss
            return ()
        at = loss._at(y, r.reshape(shape), w)
        return tuple(
            np.ravel(0.0 if getattr(at, n, None) is None else getattr(at, n)) for n in ("delta", "scale")
        )

    base = derived(flat)
    checked = 0
    for j in range(flat.size):
        steps = [flat.copy() for _ in range(4)]
        for s, k in zip(steps, (2, 1, -1, -2)):
            s[j] += k * H
        if any(not all(np.array_equal(a, b) for a, b in zip(derived(s), base)) for s in steps):
            continue  # this row's residual is the one the scale is read from
        num = (-total(steps[0]) + 8 * total(steps[1]) - 8 * total(steps[2]) + total(steps[3])) / (12 * H)
        np.testing.assert_allclose(g.reshape(-1)[j], num, rtol=1e-6, atol=1e-8, err_msg=f"element {j}")
        checked += 1
    assert checked >= flat.size - 4


def test_the_scale_sample_is_not_in_step_with_a_period_of_the_table():
    from gbobjectives.losses._regression import sample_rows

    for n, period in ((36_000, 5), (100_000, 7), (1_000_000, 2)):
        rows = np.arange(n)[sample_rows(n)]
        counts = np.bincount(rows % period, minlength=period)
        assert counts.min() >= 0.9 * counts.max()  # every firm of an interleaved table
        assert np.all(np.diff(rows) > 0) and len(rows) <= 8192
