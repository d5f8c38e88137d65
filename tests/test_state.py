"""No state outlives one objective call: relabelled datasets, threads, returned arrays, large
targets, the LightGBM start for every model kind, atomic parameters, subclasses.

Each test here failed on the design these replace (labels and float32 buffers cached per
(dataset, repr(loss)); float32 residuals; the start baked into the first trees).
"""

from __future__ import annotations

import threading

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb

import gbobjectives as gb
from gbobjectives import pointwise
from gbobjectives.adapters import lightgbm as gbl
from gbobjectives.adapters import xgboost as gbx
from gbobjectives.losses import Formulas
from tests._cases import objective_pair


def regression(n=2000, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = scale * (3 * X[:, 0] + np.sin(2 * X[:, 1]) + rng.standard_t(3, size=n))
    return X, y


XGB = {"max_depth": 3, "eta": 0.3, "nthread": 1, "verbosity": 0}
LGB = {"num_leaves": 7, "learning_rate": 0.3, "num_threads": 1, "verbosity": -1, "deterministic": True}


# ----------------------------------------------------------------- relabelled datasets
def test_xgboost_follows_set_label_and_set_weight_on_a_reused_dmatrix():
    X, y = regression()
    loss = gb.Huber(1.0)
    d = xgb.DMatrix(X, label=y)
    xgb.train(gbx.params(loss, y, **XGB), d, 5, obj=loss)  # first training on the old labels
    y2 = -5.0 * y + 100.0
    d.set_label(y2)
    relabelled = xgb.train(gbx.params(loss, y2, **XGB), d, 20, obj=loss)
    fresh = xgb.train(gbx.params(loss, y2, **XGB), xgb.DMatrix(X, label=y2), 20, obj=loss)
    np.testing.assert_array_equal(relabelled.predict(d), fresh.predict(d))

    w = np.where(np.arange(len(y)) % 2 == 0, 0.0, 1.0)  # half the rows switched off
    d.set_weight(w)
    g, h = loss(np.zeros(len(y), np.float32), d)
    assert np.all(g[w == 0] == 0) and np.all(h[w == 0] == 0)
    # "exact": XGBoost's hist cuts, weighted, are cached with the DMatrix at its first training,
    # so a hist model after set_weight differs from a fresh one even for built-in objectives
    p = gbx.params(loss, y2, w, **XGB, tree_method="exact")
    reweighted = xgb.train(p, d, 20, obj=loss)
    fresh_w = xgb.train(p, xgb.DMatrix(X, label=y2, weight=w), 20, obj=loss)
    np.testing.assert_array_equal(reweighted.predict(d), fresh_w.predict(d))


def test_lightgbm_follows_set_label_and_set_weight_on_a_reused_dataset():
    X, y = regression()
    loss = gb.PseudoHuber()
    params = {**LGB, "objective": loss}
    ds = lgb.Dataset(X, y, free_raw_data=False)
    lgb.train(params, ds, 5)
    y2 = -5.0 * y + 100.0
    ds.set_label(y2)
    relabelled = lgb.train(params, ds, 20)
    fresh = lgb.train(params, lgb.Dataset(X, y2), 20)
    np.testing.assert_array_equal(relabelled.predict(X, raw_score=True), fresh.predict(X, raw_score=True))

    w = np.where(np.arange(len(y)) % 2 == 0, 0.0, 1.0)
    ds.set_weight(w)
    reweighted = lgb.train(params, ds, 20)
    fresh_w = lgb.train(params, lgb.Dataset(X, y2, weight=w), 20)
    np.testing.assert_array_equal(reweighted.predict(X, raw_score=True), fresh_w.predict(X, raw_score=True))


# ----------------------------------------------------------------------------- threads
@pytest.mark.parametrize("same_object", [True, False], ids=["one_loss_object", "two_equal_losses"])
def test_two_threads_training_on_one_dmatrix_give_the_sequential_models(same_object):
    X, y = regression(n=20000, scale=50.0)
    d = xgb.DMatrix(X, label=y)
    losses = [gb.PseudoHuber(5.0)] * 2 if same_object else [gb.PseudoHuber(5.0), gb.PseudoHuber(5.0)]
    # different learning rates: the two runs' gradients differ every round, so a buffer shared
    # between them would show
    configs = [({**XGB, "eta": 0.3}, losses[0]), ({**XGB, "eta": 0.05, "max_depth": 5}, losses[1])]

    def fit(params, loss):
        return xgb.train(gbx.params(loss, y, **params), d, 60, obj=loss).predict(d)

    sequential = [fit(p, loss) for p, loss in configs]
    out = [None, None]
    barrier = threading.Barrier(2)

    def worker(i):
        barrier.wait()
        out[i] = fit(*configs[i])

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(out, sequential):
        np.testing.assert_array_equal(got, want)


def test_returned_arrays_are_not_overwritten_by_a_later_call_on_lightgbm():
    X, y = regression(n=300)
    ds = lgb.Dataset(X, y).construct()
    loss = gb.LogCosh()
    g1, h1 = loss(np.zeros(300), ds)
    kept = g1.copy(), h1.copy()
    loss(np.ones(300), ds)
    np.testing.assert_array_equal(g1, kept[0])
    np.testing.assert_array_equal(h1, kept[1])


# ------------------------------------------------------------------------ large targets
@pytest.mark.parametrize(
    "loss", [gb.SquaredError(), gb.Huber(5.0), gb.PseudoHuber(5.0), gb.Quantile(0.5)], ids=repr
)
def test_float64_scores_keep_a_small_residual_at_a_target_of_1e7(loss):
    y = np.full(8, 1e7)  # exact in float32, as LightGBM stores labels
    raw = y - 0.3  # float64, as LightGBM passes its scores; float32 would round it to 1e7
    ds = lgb.Dataset(np.zeros((8, 1)), y).construct()
    g, _ = loss(raw, ds)
    want = objective_pair(loss, y, raw)[0]
    assert np.all(want != 0)
    np.testing.assert_allclose(g, want, rtol=1e-6)


def test_lightgbm_custom_squared_error_matches_the_builtin_at_a_target_of_1e7():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 3))
    y = 1e7 + np.round(2 * X[:, 0])  # integers: exact in LightGBM's float32 labels
    params = {**LGB, "learning_rate": 0.1}
    builtin = lgb.train({**params, "objective": "regression"}, lgb.Dataset(X, y), 50).predict(X)
    model = gb.GBRegressor(
        gb.SquaredError(), backend="lightgbm", n_estimators=50, num_leaves=7, reg_lambda=0.0
    ).fit(X, y)
    np.testing.assert_allclose(model.predict(X), builtin, atol=1e-4, rtol=0)


# ------------------------------------------------------------- the LightGBM start, any model
def test_lightgbm_linear_tree_model_includes_the_start():
    X, y = regression(scale=10.0)
    y = y + 1000.0
    m = gb.GBRegressor(
        gb.Huber(2.0), backend="lightgbm", n_estimators=50, backend_params={"linear_tree": True}
    ).fit(X, y)
    assert np.mean(np.abs(m.predict(X) - y)) < 0.5 * np.mean(np.abs(np.median(y) - y))
    with pytest.raises(ValueError, match="linear_tree"):
        gbl.bake_init_score(m.booster_, m.init_score_)


def test_lightgbm_dart_model_includes_the_start():
    X, y = regression(scale=10.0)
    y = y + 1000.0
    m = gb.GBRegressor(
        gb.SquaredError(), backend="lightgbm", n_estimators=40, backend_params={"boosting": "dart"}
    ).fit(X, y)
    assert abs(np.mean(m.predict(X)) - np.mean(y)) < 5.0


def test_bake_init_score_twice_is_refused():
    X, y = regression()
    loss = gb.SquaredError()
    init = loss.init_score(y)
    b = lgb.train(
        {**LGB, "objective": loss}, lgb.Dataset(X, y, init_score=gbl.init_score_rows(init, len(y))), 5
    )
    gbl.bake_init_score(b, init)
    once = b.predict(X, raw_score=True)
    with pytest.raises(ValueError, match="already"):
        gbl.bake_init_score(b, init)
    np.testing.assert_array_equal(b.predict(X, raw_score=True), once)


# ----------------------------------------------------------------------- loss objects
def test_a_refused_set_params_leaves_the_loss_unchanged():
    h = gb.Huber(1.0)
    with pytest.raises(ValueError, match="delta=-2"):
        h.set_params(delta=-2)
    assert h.delta == 1.0
    with pytest.raises(ValueError, match="hessian"):
        h.set_params(delta=3.0, hessian="bogus")  # one bad value: none is assigned
    assert h.delta == 1.0 and h.hessian == "irls"

    cb = gb.ClassBalanced(gb.BinaryFocal(2.0))
    base = cb.base_loss
    with pytest.raises(ValueError, match="gamma"):
        cb.set_params(base_loss__gamma=-1.0)
    assert cb.base_loss is base and base.gamma == 2.0
    cb.set_params(base_loss__gamma=1.0, beta=0.9)
    assert cb.base_loss is base and base.gamma == 1.0 and cb.beta == 0.9


def test_derived_state_follows_set_params():
    q = gb.Quantile([0.1, 0.9])
    q.set_params(alpha=[0.2, 0.5, 0.8])
    assert q.n_outputs == 3 and list(q.alphas) == [0.2, 0.5, 0.8]
    with pytest.raises(ValueError, match="distinct"):
        q.set_params(alpha=[0.3, 0.3])
    assert q.n_outputs == 3


def test_losses_are_equal_by_value_and_unhashable():
    assert gb.Huber(2.0) == gb.Huber(2.0) and gb.Huber(2.0) != gb.Huber(3.0)
    with pytest.raises(TypeError):
        hash(gb.Huber(2.0))


def _shifted_huber_loss(raw, y, params):
    return pointwise.huber_loss(raw - 1.0, y, params)


def _shifted_huber_grad_hess(raw, y, params):
    return pointwise.huber_grad_hess(raw - 1.0, y, params)


class ShiftedHuber(gb.Huber):
    """A subclass with formulas of its own (Huber centred at raw = y + 1): the frameworks must
    run them, not the parent's."""

    formulas = Formulas(_shifted_huber_loss, _shifted_huber_grad_hess)


@pytest.mark.parametrize("backend", ["xgboost", "lightgbm"])
def test_a_subclass_overriding_a_helper_is_trained_with_its_own_formulas(backend):
    X, y = regression(n=500)
    loss = ShiftedHuber(2.0)
    raw = np.zeros(len(y), dtype=np.float32)
    data = xgb.DMatrix(X, label=y) if backend == "xgboost" else lgb.Dataset(X, y).construct()
    g, h = loss(raw, data)
    g_ref, h_ref = loss.gradient_hessian(data.get_label(), raw)  # the labels as stored (float32)
    np.testing.assert_allclose(g, g_ref, rtol=1e-6)
    np.testing.assert_allclose(h, h_ref, rtol=1e-6)
    # the shift moves the fitted level by +1 (the loss is centred at raw = y + 1)
    m = gb.GBRegressor(loss, backend=backend, n_estimators=60, learning_rate=0.3).fit(X, y)
    plain = gb.GBRegressor(gb.Huber(2.0), backend=backend, n_estimators=60, learning_rate=0.3).fit(X, y)
    assert np.mean(m.predict(X) - plain.predict(X)) == pytest.approx(1.0, abs=0.1)


# ------------------------------------------------------------------------- focal start
@pytest.mark.parametrize("gamma", [0.5, 2.0])
def test_focal_start_does_not_depend_on_the_total_weight(gamma):
    y = np.array([0.0] * 30 + [1.0] * 70)
    unit = gb.BinaryFocal(gamma).init_score(y)
    for total in (1e11, 1e13, 1e20):
        assert gb.BinaryFocal(gamma).init_score(y, np.full(100, total / 100)) == pytest.approx(unit, rel=1e-9)
    y3 = np.r_[y, [2.0] * 5]
    unit3 = gb.SoftmaxFocal(3, gamma).init_score(y3)
    np.testing.assert_allclose(gb.SoftmaxFocal(3, gamma).init_score(y3, np.full(105, 1e11)), unit3, rtol=1e-9)


# --------------------------------------------------- labels checked in the kernel's pass
@pytest.mark.parametrize(
    "loss, labels, message",
    [
        (gb.PseudoHuber(), [0.0, np.nan, 1.0, 2.0], "non-finite"),
        (gb.Huber(), [0.0, np.inf, 1.0, 2.0], "non-finite"),
        (gb.LogCosh(), [0.0, 1.0, -np.inf, 2.0], "non-finite"),
        (gb.Quantile(0.3), [np.nan, 1.0, 1.0, 2.0], "non-finite"),
        (gb.BinaryFocal(), [0.0, 1.0, 2.0, 1.0], r"contains 2.0; labels must be \{0, 1\}"),
        (gb.Logistic(), [0.0, 0.5, 1.0, 1.0], r"contains 0.5"),
        (gb.SoftmaxFocal(3), [0.0, 1.0, 7.0, 2.0], r"contains 7.0; labels must be the integers 0..2"),
        (gb.SoftmaxCrossEntropy(3), [0.0, -1.0, 1.0, 2.0], r"contains -1.0"),
    ],
    ids=lambda v: repr(v)[:30],
)
@pytest.mark.parametrize("backend", ["xgboost", "lightgbm"])
def test_an_invalid_label_met_by_a_kernel_raises_the_error_naming_it(loss, labels, message, backend):
    y = np.array(labels)
    k = loss.n_outputs
    raw = np.zeros((4, k) if k > 1 else 4, dtype=np.float32)
    X = np.arange(8.0).reshape(4, 2)
    if not np.all(np.isfinite(y)):
        # Non-finite labels never reach a native objective: XGBoost refuses them, and LightGBM
        # silently stores NaN as 0 and inf as 1e38 (float32 labels). The estimators and
        # loss.init_score refuse them before any Dataset is built; the sklearn convention
        # (y_true, y_pred) hands them to the objective, which refuses them.
        if backend == "xgboost":
            with pytest.raises(xgb.core.XGBoostError, match="Label contains NaN, infinity"):
                xgb.DMatrix(X, label=y)
        else:
            stored = lgb.Dataset(X, y, params={"verbosity": -1}).construct().get_label()
            assert np.all(np.isfinite(stored))
        with pytest.raises(ValueError, match=message):
            loss(y, raw)
        return
    data = xgb.DMatrix(X, label=y) if backend == "xgboost" else lgb.Dataset(X, y, params={"verbosity": -1})
    with pytest.raises(ValueError, match=message):
        loss(raw, data.construct() if backend == "lightgbm" else data)


def test_an_invalid_weight_met_by_a_kernel_raises_the_error_naming_it():
    # Natively a NaN weight never arrives: XGBoost refuses it, LightGBM stores it as 0. The
    # sklearn convention hands it to the objective.
    X, y = np.arange(8.0).reshape(4, 2), np.array([0.0, 1.0, 0.0, 1.0])
    w = np.array([1.0, np.nan, 1.0, 1.0])
    stored = lgb.Dataset(X, y, weight=w, params={"verbosity": -1}).construct().get_weight()
    np.testing.assert_array_equal(stored, [1.0, 0.0, 1.0, 1.0])
    for loss in (gb.Huber(), gb.BinaryFocal()):
        with pytest.raises(ValueError, match="sample_weight contains 1 non-finite"):
            loss(y, np.zeros(4), w)


# -------------------------------------------------------------------- review findings
def test_set_params_replacing_a_nested_loss_and_setting_its_parameter_keeps_the_new_class():
    cb = gb.ClassBalanced(gb.Logistic(), 0.99)
    cb.set_params(base_loss=gb.BinaryFocal(gamma=1.0), base_loss__gamma=3.0)
    assert type(cb.base_loss) is gb.BinaryFocal and cb.base_loss.gamma == 3.0


class PowerBalanced(gb.ClassBalanced):
    """A ClassBalanced subclass with a parameter of its own."""

    def __init__(self, base_loss, beta=0.999, *, class_counts=None, normalize="samples", power=1.0):
        self.power = power
        super().__init__(base_loss, beta, class_counts=class_counts, normalize=normalize)

    def _weights_from_counts(self, counts):
        return super()._weights_from_counts(counts) ** self.power


def test_a_class_balanced_subclass_keeps_its_parameters_in_the_objective():
    rng = np.random.default_rng(0)
    y = (rng.random(300) < 0.1).astype(float)
    raw = rng.normal(size=300)
    loss = PowerBalanced(gb.Logistic(), 0.99, power=3.0)
    g, h = loss(y, raw)  # the sklearn convention: the adapters' path
    g_ref, h_ref = loss.gradient_hessian(y, raw)
    np.testing.assert_allclose(g, g_ref, rtol=1e-6)
    np.testing.assert_allclose(h, h_ref, rtol=1e-6)
    plain = gb.ClassBalanced(gb.Logistic(), 0.99).gradient(y, raw)
    assert np.max(np.abs(g_ref - plain)) > 1.0


@pytest.mark.parametrize("renewal", [True, False])
def test_a_one_element_alpha_list_predicts_one_column_on_lightgbm(renewal):
    X, y = regression(n=400)
    m = gb.GBRegressor(gb.Quantile([0.5]), backend="lightgbm", n_estimators=10, leaf_renewal=renewal)
    pred = m.fit(X, y).predict(X[:5])
    assert pred.shape == (5,)
    assert np.all(np.abs(pred - np.median(y)) < 5 * np.std(y))


def test_bake_init_score_refuses_the_linear_trees_alias():
    X, y = regression()
    loss = gb.SquaredError()
    init = loss.init_score(y)
    ds = lgb.Dataset(X, y, init_score=gbl.init_score_rows(init, len(y)))
    b = lgb.train({**LGB, "objective": loss, "linear_trees": True}, ds, 5)
    with pytest.raises(ValueError, match="linear_tree"):
        gbl.bake_init_score(b, init)


def test_a_lightgbm_model_pickled_by_version_0_1_0_still_predicts_with_its_start():
    X, y = regression()
    y = y + 100.0
    m = gb.GBRegressor(gb.SquaredError(), backend="lightgbm", n_estimators=10).fit(X, y)
    want = m.predict(X)
    model = m.model_
    gbl.bake_init_score(model.boosters[0], model.inits[0])  # 0.1.0 baked the start in
    old_state = {"boosters": model.boosters, "loss": model.loss, "constants": [None]}
    revived = gbl.Model.__new__(gbl.Model)
    revived.__setstate__(old_state)
    np.testing.assert_allclose(revived.raw(X), want, rtol=1e-12)


# ------------------------------------------- subclasses and the labels the loop checks itself
class _NonNegativeSquaredError(gb.SquaredError):
    """Narrows the labels in its own _check_y: the loop's per-row check is not all of it."""

    def _check_y(self, y):
        y = super()._check_y(y)
        if np.any(y < 0):
            raise ValueError("y_true must be >= 0")
        return y


def _binary_grad_hess_of_my_own(raw, y, params):
    return pointwise.binary_focal_grad_hess(raw, y, params)


class _LogisticWithOwnFormulas(gb.Logistic):
    """New formulas with the default (real-valued) label check: the binary check must not be lost."""

    formulas = Formulas(pointwise.binary_focal_loss, _binary_grad_hess_of_my_own)


def test_a_subclass_that_narrows_its_labels_is_refused_on_every_path():
    y, raw = np.array([1.0, -5.0, 2.0]), np.zeros(3, dtype=np.float32)
    loss = _NonNegativeSquaredError()
    with pytest.raises(ValueError, match=">= 0"):
        gb.adapters.SklearnObjective(loss)(y, raw)
    with pytest.raises(ValueError, match=">= 0"):
        loss(raw, xgb.DMatrix(np.zeros((3, 1)), label=y))


def test_a_binary_subclass_with_formulas_of_its_own_keeps_the_binary_label_check():
    y, raw = np.array([0.0, 1.0, 0.5, 3.0]), np.zeros(4, dtype=np.float32)
    loss = _LogisticWithOwnFormulas()
    with pytest.raises(ValueError, match="contains 0.5"):
        loss(raw, xgb.DMatrix(np.zeros((4, 1)), label=y))


def test_a_subclass_overriding_the_old_extension_points_is_refused():
    with pytest.raises(TypeError, match="_grad_hess.*no longer calls"):

        class _Old(gb.SquaredError):
            def _grad_hess(self, y, raw):
                return 3 * (raw - y), np.ones_like(raw)


def test_class_balanced_with_every_weight_zero_gives_zero_gradients():
    loss = gb.ClassBalanced(gb.Logistic(), beta=0.99)
    g, h = loss.gradient_hessian(np.array([0.0, 1.0, 1.0]), np.zeros(3), np.zeros(3))
    assert np.all(g == 0) and np.all(h == 0)
