"""Every public method of a loss is an extension point that works: a subclass's override is
honoured on every path (xgboost.train, lightgbm.train, both estimators, the start) or refused
when the class is created. Also: multi-quantile metrics and early stopping (one behaviour on
both backends), and constant features (the start, on both)."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb

import gbobjectives as gb
from gbobjectives.adapters import lightgbm as gbl
from gbobjectives.adapters import xgboost as gbx

BACKENDS = ["xgboost", "lightgbm"]


def regression(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = 20.0 + 3 * X[:, 0] + np.sin(2 * X[:, 1]) + rng.standard_t(3, size=n)
    return X, y


def binary(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0.8).astype(float)
    return X, y


# ---------------------------------------------------------------------------- overrides
class Tripled(gb.Huber):
    """Three times the parent's gradient, the same hessian."""

    def gradient_hessian(self, y_true, raw_prediction, sample_weight=None):
        g, h = super().gradient_hessian(y_true, raw_prediction, sample_weight)
        return 3.0 * g, h


def _plain_tripled(loss):
    """The same objective written without the override machinery."""

    def obj(predt, data):
        g, h = gb.Huber(loss.delta).gradient_hessian(data.get_label(), predt)
        return 3.0 * g, h

    return obj


def test_an_overridden_gradient_hessian_is_what_xgboost_train_trains():
    X, y = regression()
    loss = Tripled(2.0)
    params = gbx.params(loss, y, max_depth=3, verbosity=0)
    d = xgb.DMatrix(X, label=y)
    mine = xgb.train(params, d, 10, obj=loss).predict(d, output_margin=True)
    plain = xgb.train(params, d, 10, obj=_plain_tripled(loss)).predict(d, output_margin=True)
    parent = xgb.train(params, d, 10, obj=gb.Huber(2.0)).predict(d, output_margin=True)
    np.testing.assert_allclose(mine, plain, rtol=1e-6)
    assert np.max(np.abs(mine - parent)) > 0.1


def test_an_overridden_gradient_hessian_is_what_lightgbm_train_trains():
    X, y = regression()
    loss = Tripled(2.0)
    init = loss.init_score(y)
    params = {"objective": loss, "verbosity": -1, "num_leaves": 7}

    def fit(objective):
        ds = lgb.Dataset(X, y, init_score=np.full(len(y), init))
        return lgb.train({**params, "objective": objective}, ds, 10).predict(X, raw_score=True)

    mine, plain, parent = fit(loss), fit(_plain_tripled(loss)), fit(gb.Huber(2.0))
    np.testing.assert_allclose(mine, plain, rtol=1e-6)
    assert np.max(np.abs(mine - parent)) > 0.1


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_overridden_gradient_hessian_is_what_the_estimators_train(backend):
    # with no L2 term a gradient three times as large is a learning rate three times as large:
    # same splits (every gain scales by 9), leaves times 3
    X, y = regression()
    common = dict(backend=backend, n_estimators=10, max_depth=3, reg_lambda=0.0, min_child_weight=1e-3)
    mine = gb.GBRegressor(Tripled(2.0), learning_rate=0.05, **common).fit(X, y).predict(X)
    same = gb.GBRegressor(gb.Huber(2.0), learning_rate=0.15, **common).fit(X, y).predict(X)
    parent = gb.GBRegressor(gb.Huber(2.0), learning_rate=0.05, **common).fit(X, y).predict(X)
    np.testing.assert_allclose(mine, same, rtol=1e-4)
    assert np.max(np.abs(mine - parent)) > 0.1


def test_an_overridden_gradient_hessian_reaches_the_sklearn_estimators_of_xgboost():
    X, y = regression()
    loss = Tripled(2.0)
    kw = dict(n_estimators=10, max_depth=3, base_score=loss.init_score(y))
    mine = xgb.XGBRegressor(objective=gbx.SklearnObjective(loss), **kw).fit(X, y).predict(X)
    parent = xgb.XGBRegressor(objective=gbx.SklearnObjective(gb.Huber(2.0)), **kw).fit(X, y).predict(X)
    assert np.max(np.abs(mine - parent)) > 0.1


class Unit(gb.Quantile):
    """Quantile's own pair, returned by an override: trains as Quantile does (the objective
    scale s is applied to what the override returns)."""

    def gradient_hessian(self, y_true, raw_prediction, sample_weight=None):
        g, h = super().gradient_hessian(y_true, raw_prediction, sample_weight)
        return g.copy(), h.copy()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("renewal", [True, False], ids=["renewal", "no-renewal"])
def test_a_quantile_override_gets_the_objective_scale_on_every_path(backend, renewal):
    X, y = regression()
    y = 1e3 * y
    common = dict(backend=backend, n_estimators=15, max_depth=3, leaf_renewal=renewal)
    mine = gb.GBRegressor(Unit(0.8), **common).fit(X, y).predict(X)
    ref = gb.GBRegressor(gb.Quantile(0.8), **common).fit(X, y).predict(X)
    np.testing.assert_allclose(mine, ref, rtol=1e-5)


class NegativeHessian(gb.Huber):
    def gradient_hessian(self, y_true, raw_prediction, sample_weight=None):
        g, h = super().gradient_hessian(y_true, raw_prediction, sample_weight)
        h[3] = -1.0
        return g, h


def test_an_override_returning_a_bad_hessian_is_refused_by_name():
    X, y = regression()
    d = xgb.DMatrix(X, label=y)
    with pytest.raises(ValueError, match=r"NegativeHessian\.gradient_hessian returned .* at row 3"):
        xgb.train(gbx.params(NegativeHessian(2.0), y, verbosity=0), d, 2, obj=NegativeHessian(2.0))


def test_overriding_gradient_alone_is_refused_at_class_creation():
    with pytest.raises(TypeError, match="override gradient_hessian instead"):

        class OnlyGradient(gb.Huber):  # noqa: F841
            def gradient(self, y_true, raw_prediction, sample_weight=None):
                return 2 * super().gradient(y_true, raw_prediction, sample_weight)


class Reported(gb.Huber):
    """Reports twice the parent's loss; trains as the parent."""

    def loss(self, y_true, raw_prediction, sample_weight=None):
        return 2.0 * super().loss(y_true, raw_prediction, sample_weight)


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_overridden_loss_is_what_the_default_metric_reports(backend):
    X, y = regression()
    Xv, yv = regression(200, seed=1)
    kw = dict(backend=backend, n_estimators=8, early_stopping_rounds=50)

    def history(loss):
        est = gb.GBRegressor(loss, **kw).fit(X, y, eval_set=[(Xv, yv)])
        return np.asarray(est.evals_result_["valid_0"]["loss"]), est.predict(Xv)

    mine, pred_mine = history(Reported(2.0))
    parent, pred_parent = history(gb.Huber(2.0))
    np.testing.assert_array_equal(pred_mine, pred_parent)  # training is the parent's
    np.testing.assert_allclose(mine, 2.0 * parent, rtol=1e-6)  # XGBoost logs 7 digits


class Shifted(gb.Huber):
    """Starts one unit above the parent's start."""

    def init_score(self, y_true, sample_weight=None):
        return super().init_score(y_true, sample_weight) + 1.0


def test_an_overridden_init_score_is_the_start_on_every_path():
    X, y = regression()
    loss = Shifted(2.0)
    start = gb.Huber(2.0).init_score(y) + 1.0
    assert gbx.params(loss, y)["base_score"] == pytest.approx(start)
    for backend in BACKENDS:
        est = gb.GBRegressor(loss, backend=backend, n_estimators=2).fit(X, y)
        assert est.init_score_ == pytest.approx(start)
    model = gbl.train(loss, X, y, None, params={}, num_boost_round=2)
    assert model.inits[0] == pytest.approx(start)


def test_fixed_for_sets_a_derived_scale_around_an_overridden_start():
    _, y = regression()
    fixed = Shifted().fixed_for(y)  # delta=None: derived from the residuals at the start
    start = gb.Huber().init_score(y) + 1.0
    r = np.abs(y - start)
    assert fixed.delta == pytest.approx(np.quantile(r, 0.9, method="inverted_cdf"))
    assert type(fixed) is Shifted


class NonNegative(gb.Huber):
    def validate_y(self, y_true):
        y = super().validate_y(y_true)
        if np.any(y < 0):
            raise ValueError("NonNegative: y_true must be >= 0")
        return y


@pytest.mark.parametrize(
    "path", ["xgboost.train", "lightgbm.train", "xgboost-estimator", "lightgbm-estimator"]
)
def test_an_overridden_validate_y_checks_the_labels_on_every_path(path):
    X, y = regression()
    y = y - 20.0  # some labels below 0
    loss = NonNegative(2.0)
    with pytest.raises(ValueError, match="NonNegative: y_true must be >= 0"):
        if path == "xgboost.train":
            xgb.train({"verbosity": 0, "base_score": 0.0}, xgb.DMatrix(X, label=y), 2, obj=loss)
        elif path == "lightgbm.train":
            lgb.train({"objective": loss, "verbosity": -1}, lgb.Dataset(X, y), 2)
        else:
            gb.GBRegressor(loss, backend=path.split("-")[0], n_estimators=2).fit(X, y)


def test_an_overridden_validate_y_checks_eval_sets_too():
    X, y = regression()
    Xv, yv = regression(100, seed=1)
    yv = yv - 100.0
    with pytest.raises(ValueError, match="eval set 0: NonNegative"):
        gb.GBRegressor(NonNegative(2.0), n_estimators=2).fit(X, y, eval_set=[(Xv, yv)])


class FixedWeights(gb.ClassBalanced):
    def class_weights(self, y_true=None, sample_weight=None):
        return np.array([1.0, 5.0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_overridden_class_weights_is_used_for_gradients_start_and_training(backend):
    X, y = binary()
    loss = FixedWeights(gb.Logistic())
    w = np.where(y == 1, 5.0, 1.0)
    raw = np.linspace(-2, 2, len(y))
    g, h = loss.gradient_hessian(y, raw)
    g0, h0 = gb.Logistic().gradient_hessian(y, raw, w)
    np.testing.assert_allclose(g, g0, rtol=1e-12)
    np.testing.assert_allclose(h, h0, rtol=1e-12)
    assert loss.init_score(y) == pytest.approx(gb.Logistic().init_score(y, w))
    kw = dict(backend=backend, n_estimators=10, max_depth=3)
    if backend == "xgboost":  # hist would bin the features by the sample weights: other bins
        kw["backend_params"] = {"tree_method": "exact"}
    mine = gb.GBClassifier(loss, **kw).fit(X, y).predict_proba(X)
    ref = gb.GBClassifier(gb.Logistic(), **kw).fit(X, y, sample_weight=w).predict_proba(X)
    np.testing.assert_allclose(mine, ref, rtol=1e-5)


class Tempered(gb.Logistic):
    """Predicts sigmoid(raw / 2): a calibration of the user's."""

    def predict(self, raw_prediction):
        return super().predict(np.asarray(raw_prediction) / 2.0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_overridden_predict_maps_margins_to_predictions(backend):
    X, y = binary()
    kw = dict(backend=backend, n_estimators=10, max_depth=3)
    mine = gb.GBClassifier(Tempered(), **kw).fit(X, y)
    parent = gb.GBClassifier(gb.Logistic(), **kw).fit(X, y)
    # the model is the parent's (the start is XGBoost's base_score in its own link), the
    # probabilities are the override's
    np.testing.assert_allclose(mine.decision_function(X), parent.decision_function(X), rtol=1e-6)
    p = 1.0 / (1.0 + np.exp(-mine.decision_function(X) / 2.0))
    np.testing.assert_allclose(mine.predict_proba(X)[:, 1], p, rtol=1e-6)


def test_class_balanced_refuses_a_base_loss_whose_formulas_it_would_bypass():
    class OwnGradient(gb.Logistic):
        def gradient_hessian(self, y_true, raw_prediction, sample_weight=None):
            return super().gradient_hessian(y_true, raw_prediction, sample_weight)

    with pytest.raises(ValueError, match="overrides gradient_hessian"):
        gb.ClassBalanced(OwnGradient())


# -------------------------------------------------------------- multi-quantile metrics
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("renewal", [True, False], ids=["renewal", "no-renewal"])
def test_multi_quantile_metric_is_the_mean_over_alphas_with_one_stopping_round(backend, renewal):
    X, y = regression(600)
    Xv, yv = regression(300, seed=1)
    est = gb.GBRegressor(
        gb.Quantile([0.1, 0.9]),
        backend=backend,
        n_estimators=200,
        early_stopping_rounds=5,
        eval_metric=gb.mape,
        leaf_renewal=renewal,
        learning_rate=0.3,
    ).fit(X, y, eval_set=[(Xv, yv)])
    assert isinstance(est.best_iteration_, (int, np.integer))
    history = est.evals_result_["valid_0"]["mape"]
    assert len(history) <= est.best_iteration_ + 1 + 5  # stopped within the patience
    assert int(np.argmin(history)) == est.best_iteration_
    pred = est.predict(Xv)
    expected = np.mean([gb.mape(yv, pred[:, k]) for k in range(2)])
    assert history[est.best_iteration_] == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("backend", BACKENDS)
def test_multi_quantile_default_metric_is_the_mean_pinball_loss(backend):
    X, y = regression(600)
    Xv, yv = regression(300, seed=1)
    loss = gb.Quantile([0.2, 0.7])
    est = gb.GBRegressor(loss, backend=backend, n_estimators=30, early_stopping_rounds=30).fit(
        X, y, eval_set=[(Xv, yv)]
    )
    history = est.evals_result_["valid_0"]["loss"]
    pred = est.predict(Xv)
    pinball = [np.mean(gb.Quantile(a).loss(yv, pred[:, k])) for k, a in enumerate([0.2, 0.7])]
    assert history[est.best_iteration_] == pytest.approx(np.mean(pinball), rel=1e-5)


# ----------------------------------------------------------------- constant features
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("loss", [gb.Huber(), gb.Quantile(0.7), gb.Huber(3.0)], ids=repr)
def test_constant_features_give_the_start_on_both_backends(backend, loss):
    _, y = regression()
    X = np.ones((len(y), 3))
    est = gb.GBRegressor(loss, backend=backend, n_estimators=20).fit(X, y)
    np.testing.assert_allclose(est.predict(X), loss.init_score(y), rtol=1e-6)


# ------------------------------------------------------- from a review of the above
class Kilo(gb.Huber):
    """Reads its labels in thousands (a validate_y that converts), and trains through its
    own gradient_hessian, which validates them itself."""

    def validate_y(self, y_true):
        return super().validate_y(y_true) / 1000.0

    def gradient_hessian(self, y_true, raw_prediction, sample_weight=None):
        return super().gradient_hessian(y_true, raw_prediction, sample_weight)


class KiloQuantile(gb.Quantile):
    def validate_y(self, y_true):
        return super().validate_y(y_true) / 1000.0


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("loss", [Kilo(2.0), KiloQuantile(0.5)], ids=lambda loss: type(loss).__name__)
def test_a_converting_validate_y_is_applied_once_on_every_path(backend, loss):
    X, y = regression()
    y = 1000.0 * y  # ~20,000: the loss reads ~20
    pred = gb.GBRegressor(loss, backend=backend, n_estimators=30).fit(X, y).predict(X)
    assert np.mean(pred) == pytest.approx(np.mean(y) / 1000.0, rel=0.05)


def test_a_gradient_from_a_mixin_is_refused_too():
    class Mixin:
        def gradient(self, y_true, raw_prediction, sample_weight=None):
            return 2.0

    with pytest.raises(TypeError, match="override gradient_hessian instead"):

        class Mixed(Mixin, gb.Huber):  # noqa: F841
            pass


def test_a_binary_subclass_is_not_silently_replaced_for_several_classes():
    X, _ = binary()
    y3 = np.arange(len(X)) % 3

    class MyLogistic(gb.Logistic):
        pass

    with pytest.raises(ValueError, match="MyLogistic's own methods"):
        gb.GBClassifier(MyLogistic(), n_estimators=2).fit(X, y3)

    calls = []

    class Counted(gb.ClassBalanced):
        def class_weights(self, y_true=None, sample_weight=None):
            calls.append(1)
            return super().class_weights(y_true, sample_weight)

    est = gb.GBClassifier(Counted(gb.Logistic()), n_estimators=2).fit(X, y3)
    assert type(est.loss_) is Counted and calls


@pytest.mark.parametrize(
    "backend_params",
    [{}, {"linear_tree": True}, {"boosting": "dart"}, {"data_sample_strategy": "goss"}],
    ids=["gbdt", "linear_tree", "dart", "goss"],
)
def test_lightgbm_multi_quantile_without_renewal_is_each_alpha_alone(backend_params):
    # the lockstep loop takes its gradients at the boosters' own scores: linear leaves
    # included (its own running sums of leaf values were 11.3 off with linear_tree)
    X, y = regression()
    kw = dict(backend="lightgbm", n_estimators=20, random_state=0, leaf_renewal=False)
    kw["backend_params"] = backend_params
    multi = gb.GBRegressor(gb.Quantile([0.1, 0.9]), **kw).fit(X, y).model_.raw(X)
    alone = [gb.GBRegressor(gb.Quantile(a), **kw).fit(X, y).model_.raw(X) for a in (0.1, 0.9)]
    np.testing.assert_allclose(multi, np.column_stack(alone), rtol=1e-9, atol=1e-9)


def test_early_stopping_with_dart_is_refused():
    X, y = regression()
    est = gb.GBRegressor(gb.Huber(2.0), backend="lightgbm", early_stopping_rounds=5)
    with pytest.raises(ValueError, match="boosting='dart'"):
        est.set_params(backend_params={"boosting": "dart"}).fit(X, y, eval_set=[(X, y)])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", ["dense", "sparse"])
def test_a_column_that_is_missing_or_present_still_splits(backend, kind):
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    present = rng.random(300) < 0.5
    X = np.where(present, 1.0, np.nan)[:, None]
    y = 10.0 * present + rng.normal(size=300)
    X = sp.csr_matrix(np.column_stack([X, np.arange(300.0) * 0 + 2.0])) if kind == "sparse" else X
    pred = gb.GBRegressor(gb.SquaredError(), backend=backend, n_estimators=30).fit(X, y).predict(X)
    assert pred[present].mean() - pred[~present].mean() > 8.0
