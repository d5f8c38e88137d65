"""Real training runs: every loss in the four interfaces, parity with the built-ins, the start,
multi-output shapes, metrics and early stopping, and the errors for misuse."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb
from sklearn.metrics import log_loss

import gbobjectives as gb
from gbobjectives import pointwise
from gbobjectives.adapters import lightgbm as gbl
from gbobjectives.adapters import xgboost as gbx
from gbobjectives.losses import Formulas

LGB_QUIET = {"verbose": -1}


def regression_data(n=1500, scale=1.0, seed=0):
    """A smooth signal around 10*scale, t(3) noise and 2% gross outliers."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    f = scale * (10 + X[:, 0] + 0.5 * np.sin(2 * X[:, 1]))
    y = f + 0.1 * scale * rng.standard_t(3, size=n)
    out = rng.random(n) < 0.02
    y[out] += rng.normal(0, 20 * scale, out.sum())
    return X, y, f


def binary_data(n=1500, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y = (X[:, 0] + 0.5 * X[:, 1] + 0.7 * rng.normal(size=n) > 1.0).astype(np.float64)
    return X, y


def multiclass_data(n=1500, seed=2, k=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y = np.digitize(
        X[:, 0] + 0.3 * X[:, 1] + 0.3 * rng.normal(size=n),
        np.quantile(X[:, 0], np.linspace(0, 1, k + 1)[1:-1]),
    )
    return X, y


def weights(n, seed=3):
    return np.random.default_rng(seed).uniform(0.2, 3.0, size=n)


def xgb_margin(booster, X):
    return booster.predict(xgb.DMatrix(X), output_margin=True)


# ------------------------------------------------------------------------ parity
@pytest.mark.parametrize("delta", [1.0, 2.5])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_pseudo_huber_reproduces_xgboost_reg_pseudohubererror(delta, weighted):
    """Same formulas, same start: the same model to float32 precision. XGBoost evaluates the
    formulas in float32; we evaluate them in float64 from the same float32 inputs, so the
    gradients differ in the last float32 bit, and 20 rounds of sums over them move the
    predictions by up to ~1e-5 of their scale (a float32 copy of our formula gives 0.0)."""
    X, y, _ = regression_data(scale=3.0)
    w = weights(len(y)) if weighted else None
    loss = gb.PseudoHuber(delta, hessian="exact")
    d = xgb.DMatrix(X, label=y, weight=w)
    params = gbx.params(loss, y, w, max_depth=3)
    builtin = xgb.train({**params, "objective": "reg:pseudohubererror", "huber_slope": delta}, d, 20)
    custom = xgb.train(params, d, 20, obj=loss)
    p_b, p_c = builtin.predict(d), custom.predict(d)
    scale = np.max(np.abs(p_b))
    assert np.median(np.abs(p_b - p_c)) <= 1e-6 * scale
    assert np.max(np.abs(p_b - p_c)) <= 1e-4 * scale
    assert np.max(np.abs(p_c - params["base_score"])) > 1.0  # it did learn
    # per-row gradients: XGBoost's float32 formula vs ours, within one float32 ulp
    z = (p_b - d.get_label()).astype(np.float32)
    s = np.sqrt(np.float32(1) + z * z / np.float32(delta * delta))
    g, h = loss.gradient_hessian(d.get_label(), p_b)
    np.testing.assert_allclose(g, z / s, rtol=3e-7, atol=1e-7)
    np.testing.assert_allclose(h, np.float32(delta**2) / ((np.float32(delta**2) + z * z) * s), rtol=5e-7)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_pseudo_huber_reproduces_builtin_in_xgbregressor(weighted):
    X, y, _ = regression_data(scale=3.0)
    w = weights(len(y)) if weighted else None
    loss = gb.PseudoHuber(1.5, hessian="exact")
    kw = gbx.sklearn_params(loss, y, w)
    custom = xgb.XGBRegressor(n_estimators=20, max_depth=3, **kw).fit(X, y, sample_weight=w)
    assert kw["base_score"] == pytest.approx(loss.init_score(y, w))
    builtin = xgb.XGBRegressor(
        n_estimators=20,
        max_depth=3,
        objective="reg:pseudohubererror",
        huber_slope=1.5,
        base_score=kw["base_score"],
    ).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(custom.predict(X), builtin.predict(X), rtol=2e-4)


@pytest.mark.parametrize("alpha", [1.0, 2.0])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_huber_constant_hessian_reproduces_lightgbm_huber(alpha, weighted):
    """LightGBM's huber: grad clip(r, +-alpha), hess 1, start at the (weighted) mean."""
    X, y, _ = regression_data(scale=3.0)
    w = weights(len(y)) if weighted else None
    loss = gb.Huber(alpha, hessian="constant")
    builtin = lgb.train({**LGB_QUIET, "objective": "huber", "alpha": alpha}, lgb.Dataset(X, y, weight=w), 20)
    start = float(np.average(y, weights=w))  # LightGBM's boost_from_average for huber
    custom = lgb.train(
        {**LGB_QUIET, "objective": loss},
        lgb.Dataset(X, y, weight=w, init_score=gbl.init_score_rows(start, len(y))),
        20,
    )
    gbl.bake_init_score(custom, start)
    np.testing.assert_allclose(custom.predict(X), builtin.predict(X), rtol=0, atol=1e-6)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_huber_reproduces_lightgbm_huber_in_lgbmregressor(weighted):
    X, y, _ = regression_data(scale=3.0)
    w = weights(len(y)) if weighted else None
    loss = gb.Huber(1.0, hessian="constant")
    start = float(np.average(y, weights=w))
    custom = lgb.LGBMRegressor(n_estimators=20, **gbl.sklearn_params(loss), **LGB_QUIET)
    custom.fit(X, y, sample_weight=w, init_score=gbl.init_score_rows(start, len(y)))
    gbl.bake_init_score(custom.booster_, start)
    builtin = lgb.LGBMRegressor(objective="huber", alpha=1.0, n_estimators=20, **LGB_QUIET)
    builtin.fit(X, y, sample_weight=w)
    np.testing.assert_allclose(custom.predict(X), builtin.predict(X), rtol=0, atol=1e-6)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_focal_gamma_zero_reproduces_binary_logistic(weighted):
    X, y = binary_data()
    w = weights(len(y)) if weighted else None
    loss = gb.BinaryFocal(gamma=0.0, min_hessian=1e-16)  # XGBoost's own floor
    d = xgb.DMatrix(X, label=y, weight=w)
    params = gbx.params(loss, y, w, max_depth=3)
    builtin = xgb.train({**params, "objective": "binary:logistic"}, d, 20)
    custom = xgb.train(params, d, 20, obj=loss)
    np.testing.assert_allclose(xgb_margin(custom, X), xgb_margin(builtin, X), atol=1e-5)
    # ... and LightGBM's binary, whose own start logit(mean) equals loss.init_score
    init = loss.init_score(y, w)
    builtin = lgb.train({**LGB_QUIET, "objective": "binary"}, lgb.Dataset(X, y, weight=w), 20)
    custom = lgb.train(
        {**LGB_QUIET, "objective": loss},
        lgb.Dataset(X, y, weight=w, init_score=gbl.init_score_rows(init, len(y))),
        20,
    )
    gbl.bake_init_score(custom, init)
    np.testing.assert_allclose(
        custom.predict(X, raw_score=True), builtin.predict(X, raw_score=True), atol=1e-6
    )


def _scaled_softmax_row_loss(z, c, params):
    gamma, alpha, min_h, factor = params
    return pointwise.softmax_focal_row_loss(z, c, (gamma, alpha, min_h))


def _scaled_softmax_row_grad_hess(z, c, params, g, h, scratch):
    gamma, alpha, min_h, factor = params
    pointwise.softmax_focal_row_grad_hess(z, c, (gamma, alpha, min_h), g, h, scratch)
    for j in range(z.shape[0]):
        h[j] *= factor


class _ScaledSoftmax(gb.SoftmaxCrossEntropy):
    """The exact diagonal times a constant: the convention of a framework's built-in. Written
    as a new loss is: its pointwise formulas (here the package's, with the hessian scaled)."""

    formulas = Formulas(_scaled_softmax_row_loss, _scaled_softmax_row_grad_hess, shape="row")

    def __init__(self, n_classes, *, factor=1.0, min_hessian=1e-16):
        self.factor = factor
        super().__init__(n_classes, min_hessian=min_hessian)

    def _formula_params(self):
        return (*super()._formula_params(), float(self.factor))


def test_softmax_cross_entropy_matches_multiclass_builtins():
    """XGBoost's multi:softprob uses hess 2 p (1 - p), LightGBM's multiclass K/(K-1) p (1 - p).
    With that factor the custom model is the built-in one (to 1e-6); with the exact diagonal
    p (1 - p) leaves are 2x / 1.5x larger and the models differ, but are as good (held-out
    log-loss within 10%)."""
    X, y = multiclass_data()
    Xt, yt = multiclass_data(seed=12)
    K = 3
    d = xgb.DMatrix(X, label=y)
    xgb_scaled = _ScaledSoftmax(K, factor=2.0)
    params = gbx.params(xgb_scaled, y, max_depth=3)
    builtin = xgb.train({**params}, d, 20)
    custom = xgb.train(params, d, 20, obj=xgb_scaled)
    np.testing.assert_allclose(custom.predict(d), builtin.predict(d), atol=1e-6)
    exact = gb.SoftmaxCrossEntropy(K)
    custom_exact = xgb.train(gbx.params(exact, y, max_depth=3), d, 20, obj=exact)
    ll_b = log_loss(yt, builtin.predict(xgb.DMatrix(Xt)))
    ll_e = log_loss(yt, custom_exact.predict(xgb.DMatrix(Xt)))
    assert ll_e < 1.1 * ll_b

    lgb_scaled = _ScaledSoftmax(K, factor=K / (K - 1))
    init = lgb_scaled.init_score(y)
    builtin = lgb.train({**LGB_QUIET, "objective": "multiclass", "num_class": K}, lgb.Dataset(X, y), 20)
    custom = lgb.train(
        {**LGB_QUIET, "objective": lgb_scaled, "num_class": K},
        lgb.Dataset(X, y, init_score=gbl.init_score_rows(init, len(y))),
        20,
    )
    gbl.bake_init_score(custom, init)
    np.testing.assert_allclose(
        lgb_scaled.predict(custom.predict(X, raw_score=True)), builtin.predict(X), atol=1e-6
    )


def test_xgboost_takes_a_vector_base_score_as_multiclass_margins():
    """The fact gbx.base_score relies on (re-check it when XGBoost moves)."""
    X, y = multiclass_data(n=200)
    zero = lambda p, d: (np.zeros_like(p), np.ones_like(p))  # noqa: E731
    b = xgb.train(
        {"objective": "multi:softprob", "num_class": 3, "base_score": [0.2, -0.3, 0.5]},
        xgb.DMatrix(X, label=y),
        1,
        obj=zero,
    )
    np.testing.assert_allclose(xgb_margin(b, X[:2]), [[0.2, -0.3, 0.5]] * 2, atol=1e-7)


# ---------------------------------------------------- multi-class in all four interfaces
MULTI_LOSSES = [
    gb.SoftmaxFocal(3, gamma=2.0),
    gb.SoftmaxCrossEntropy(3),
    gb.ClassBalanced(gb.SoftmaxFocal(3, gamma=1.0), beta=0.99),
]


def _check_probabilities(proba, y, min_accuracy=0.85):
    assert proba.shape == (len(y), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert np.mean(proba.argmax(axis=1) == y) >= min_accuracy


@pytest.mark.parametrize("loss", MULTI_LOSSES, ids=repr)
def test_multiclass_in_all_four_interfaces(loss):
    """(n, K) gradients are read right by both frameworks (a flat array read in the wrong
    order trains to ~chance accuracy)."""
    X, y = multiclass_data()
    w = weights(len(y))
    b = xgb.train(gbx.params(loss, y, w), xgb.DMatrix(X, label=y, weight=w), 30, obj=loss)
    _check_probabilities(b.predict(xgb.DMatrix(X)), y)
    np.testing.assert_allclose(loss.predict(xgb_margin(b, X)), b.predict(xgb.DMatrix(X)), atol=1e-6)

    clf = xgb.XGBClassifier(n_estimators=30, **gbx.sklearn_params(loss, y, w)).fit(X, y, sample_weight=w)
    _check_probabilities(clf.predict_proba(X), y)

    init = loss.init_score(y, w)
    b = lgb.train(
        {**LGB_QUIET, "objective": loss, "num_class": 3},
        lgb.Dataset(X, y, weight=w, init_score=gbl.init_score_rows(init, len(y))),
        30,
    )
    gbl.bake_init_score(b, init)
    _check_probabilities(loss.predict(b.predict(X, raw_score=True)), y)

    clf = lgb.LGBMClassifier(n_estimators=30, **gbl.sklearn_params(loss), **LGB_QUIET)
    clf.fit(X, y, sample_weight=w, init_score=gbl.init_score_rows(init, len(y)))
    gbl.bake_init_score(clf.booster_, init)
    _check_probabilities(loss.predict(clf.booster_.predict(X, raw_score=True)), y)


@pytest.mark.parametrize(
    "loss",
    [gb.BinaryFocal(2.0, alpha=0.25), gb.Logistic(), gb.ClassBalanced(gb.BinaryFocal(2.0), beta=0.999)],
    ids=repr,
)
def test_binary_losses_in_all_four_interfaces(loss):
    X, y = binary_data()
    Xt, yt = binary_data(seed=11)
    w = weights(len(y))
    scores = []
    b = xgb.train(gbx.params(loss, y, w), xgb.DMatrix(X, label=y, weight=w), 30, obj=loss)
    scores.append(b.predict(xgb.DMatrix(Xt)))
    np.testing.assert_allclose(loss.predict(xgb_margin(b, Xt)), scores[-1], atol=1e-6)
    clf = xgb.XGBClassifier(n_estimators=30, **gbx.sklearn_params(loss, y, w)).fit(X, y, sample_weight=w)
    scores.append(clf.predict_proba(Xt)[:, 1])
    init = loss.init_score(y, w)
    b = lgb.train(
        {**LGB_QUIET, "objective": loss},
        lgb.Dataset(X, y, weight=w, init_score=gbl.init_score_rows(init, len(y))),
        30,
    )
    gbl.bake_init_score(b, init)
    scores.append(loss.predict(b.predict(Xt, raw_score=True)))
    clf = lgb.LGBMClassifier(n_estimators=30, **gbl.sklearn_params(loss), **LGB_QUIET)
    clf.fit(X, y, sample_weight=w, init_score=gbl.init_score_rows(init, len(y)))
    gbl.bake_init_score(clf.booster_, init)
    scores.append(loss.predict(clf.booster_.predict(Xt, raw_score=True)))
    from sklearn.metrics import roc_auc_score

    for s in scores:
        assert np.all((s > 0) & (s < 1))
        assert roc_auc_score(yt, s) > 0.85


# ------------------------------------------------ the loss itself as the objective
@pytest.mark.filterwarnings("ignore:.*objective__.*are not used:UserWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_loss_passes_directly_as_the_objective_in_all_four_interfaces():
    """The loss object itself, no wrapper, in each convention; weights reach the gradients
    (weighted custom model == weighted built-in model)."""
    X, y, _ = regression_data(scale=3.0)
    w = weights(len(y))
    loss = gb.PseudoHuber(1.5, hessian="exact")
    bs = loss.init_score(y, w)
    d = xgb.DMatrix(X, label=y, weight=w)
    ref = xgb.train({"objective": "reg:pseudohubererror", "huber_slope": 1.5, "base_score": bs}, d, 10)
    nat = xgb.train({"objective": "reg:squarederror", "base_score": bs}, d, 10, obj=loss)
    np.testing.assert_allclose(nat.predict(d), ref.predict(d), rtol=1e-4)
    skl = xgb.XGBRegressor(objective=loss, base_score=bs, n_estimators=10).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(skl.predict(X), ref.predict(d), rtol=1e-4)

    huber = gb.Huber(1.0, hessian="constant")
    mean = float(np.average(y, weights=w))
    ref = lgb.train({**LGB_QUIET, "objective": "huber", "alpha": 1.0}, lgb.Dataset(X, y, weight=w), 10)
    nat = lgb.train(
        {**LGB_QUIET, "objective": huber},
        lgb.Dataset(X, y, weight=w, init_score=gbl.init_score_rows(mean, len(y))),
        10,
    )
    gbl.bake_init_score(nat, mean)
    np.testing.assert_allclose(nat.predict(X), ref.predict(X), atol=1e-6)
    skl = lgb.LGBMRegressor(objective=huber, n_estimators=10, **LGB_QUIET)
    skl.fit(X, y, sample_weight=w, init_score=gbl.init_score_rows(mean, len(y)))
    gbl.bake_init_score(skl.booster_, mean)
    np.testing.assert_allclose(skl.predict(X), ref.predict(X), atol=1e-6)


def test_wrapped_objective_keeps_loss_parameters_away_from_the_booster():
    X, y, _ = regression_data(n=300)
    loss = gb.Huber(2.0)
    m = xgb.XGBRegressor(n_estimators=2, **gbx.sklearn_params(loss, y))
    assert not any(k.startswith("objective__") for k in m.get_xgb_params())
    m.fit(X, y)  # no "Parameters ... are not used" warning (warnings are errors here)
    import pickle

    from sklearn.base import clone

    np.testing.assert_array_equal(pickle.loads(pickle.dumps(m)).predict(X), m.predict(X))
    assert clone(m).get_params()["objective"].loss == loss


# ----------------------------------------------------------------- the start
ROBUST = [gb.Huber(), gb.PseudoHuber(), gb.LogCosh(), gb.Quantile(0.5)]


@pytest.mark.parametrize("loss", ROBUST, ids=repr)
@pytest.mark.parametrize("interface", ["xgboost.train", "XGBRegressor", "lightgbm.train", "LGBMRegressor"])
def test_regression_losses_learn_under_default_parameters(loss, interface):
    """Target around 1000 with outliers; every framework parameter at its default, the start
    from loss.init_score. The IRLS hessians learn the signal; the pinball loss's constant
    hessian only takes gradient steps of at most learning_rate * max(alpha, 1 - alpha) per
    round on a target whose spread is ~100 (leaf renewal is the fix), so it is only required
    to have learned something."""
    X, y, f = regression_data(n=2000, scale=100.0)
    Xt, _, ft = regression_data(n=1000, scale=100.0, seed=10)
    init = loss.init_score(y)
    if interface == "xgboost.train":
        pred = xgb_margin(xgb.train(gbx.params(loss, y), xgb.DMatrix(X, label=y), 100, obj=loss), Xt)
    elif interface == "XGBRegressor":
        pred = xgb.XGBRegressor(**gbx.sklearn_params(loss, y)).fit(X, y).predict(Xt)
    elif interface == "lightgbm.train":
        b = lgb.train(
            {**LGB_QUIET, "objective": loss},
            lgb.Dataset(X, y, init_score=gbl.init_score_rows(init, len(y))),
            100,
        )
        gbl.bake_init_score(b, init)
        pred = b.predict(Xt)
    else:
        m = lgb.LGBMRegressor(**gbl.sklearn_params(loss), **LGB_QUIET)
        m.fit(X, y, init_score=gbl.init_score_rows(init, len(y)))
        gbl.bake_init_score(m.booster_, init)
        pred = m.predict(Xt)
    assert np.all(np.isfinite(pred))
    mae = np.mean(np.abs(pred - ft))
    mae_const = np.mean(np.abs(init - ft))
    assert mae < (0.97 if isinstance(loss, gb.Quantile) else 0.2) * mae_const


def test_without_the_start_xgboost_begins_at_half_and_lightgbm_at_zero():
    """What the helpers prevent: a custom objective's default start."""
    X, y, _ = regression_data(n=300, scale=100.0)
    loss = gb.Huber()
    b = xgb.train({"objective": "reg:squarederror"}, xgb.DMatrix(X, label=y), 0, obj=loss)
    assert b.predict(xgb.DMatrix(X[:1]))[0] == pytest.approx(0.5)
    assert gbx.params(loss, y)["base_score"] == pytest.approx(loss.init_score(y))


# ------------------------------------------------------------- multi-quantile
def test_multi_quantile_in_xgboost_covers_each_alpha():
    alphas = [0.1, 0.5, 0.9]
    X, y, _ = regression_data(n=3000, scale=1.0)
    Xt, yt, _ = regression_data(n=3000, scale=1.0, seed=10)
    loss = gb.Quantile(alphas)
    params = gbx.params(loss, y, max_depth=2)
    assert params["num_target"] == 3
    custom = xgb.train(params, xgb.DMatrix(X, label=y), 100, obj=loss)
    pred = xgb_margin(custom, Xt)
    assert pred.shape == (len(yt), 3)
    cov = np.mean(yt[:, None] <= pred, axis=0)
    builtin = xgb.train(
        {"objective": "reg:quantileerror", "quantile_alpha": alphas, "max_depth": 2},
        xgb.DMatrix(X, label=y),
        100,
    )
    cov_b = np.mean(yt[:, None] <= xgb_margin(builtin, Xt), axis=0)
    np.testing.assert_allclose(cov, alphas, atol=0.05)
    assert np.all(np.abs(cov - alphas) <= np.abs(cov_b - alphas) + 0.03)


# ------------------------------------------------------------------------- metrics
def test_metric_adapters_report_the_metric_of_the_prediction_in_all_four_interfaces():
    X, y, _ = regression_data(n=800, scale=100.0)
    Xv, yv, _ = regression_data(n=400, scale=100.0, seed=9)
    loss = gb.Huber(5.0)
    init = loss.init_score(y)

    hist = {}
    b = xgb.train(
        gbx.params(loss, y),
        xgb.DMatrix(X, label=y),
        10,
        obj=loss,
        evals=[(xgb.DMatrix(Xv, label=yv), "valid")],
        evals_result=hist,
        custom_metric=gbx.custom_metric(gb.mape, loss),
    )
    # (XGBoost keeps metric values as printed with 6 significant digits)
    assert hist["valid"]["mape"][-1] == pytest.approx(gb.mape(yv, xgb_margin(b, Xv)), rel=1e-4)

    m = xgb.XGBRegressor(
        n_estimators=10, eval_metric=gbx.eval_metric(gb.smape, loss), **gbx.sklearn_params(loss, y)
    )
    m.fit(X, y, eval_set=[(Xv, yv)], verbose=False)
    assert m.evals_result()["validation_0"]["smape"][-1] == pytest.approx(
        gb.smape(yv, m.predict(Xv)), rel=1e-4
    )

    rec = {}
    b = lgb.train(
        {**LGB_QUIET, "objective": loss, "metric": "None"},
        lgb.Dataset(X, y, init_score=gbl.init_score_rows(init, len(y))),
        10,
        valid_sets=[lgb.Dataset(Xv, yv, init_score=gbl.init_score_rows(init, len(yv)))],
        feval=gbl.feval(gb.mape, loss),
        callbacks=[lgb.record_evaluation(rec)],
    )
    gbl.bake_init_score(b, init)
    assert rec["valid_0"]["mape"][-1] == pytest.approx(gb.mape(yv, b.predict(Xv)), rel=1e-6)

    m = lgb.LGBMRegressor(n_estimators=10, metric="None", **gbl.sklearn_params(loss), **LGB_QUIET)
    m.fit(
        X,
        y,
        init_score=gbl.init_score_rows(init, len(y)),
        eval_X=(Xv,),
        eval_y=(yv,),
        eval_init_score=[gbl.init_score_rows(init, len(yv))],
        eval_metric=gbl.eval_metric(gb.smape, loss),
    )
    gbl.bake_init_score(m.booster_, init)
    assert m.evals_result_["valid_0"]["smape"][-1] == pytest.approx(gb.smape(yv, m.predict(Xv)), rel=1e-6)


def test_classification_metric_sees_probabilities():
    X, y = binary_data(n=600)
    loss = gb.BinaryFocal()
    hist = {}
    xgb.train(
        gbx.params(loss, y),
        xgb.DMatrix(X, label=y),
        5,
        obj=loss,
        evals=[(xgb.DMatrix(X, label=y), "train")],
        evals_result=hist,
        custom_metric=gbx.custom_metric(
            lambda yt, p, sample_weight=None: float(p.min() >= 0 and p.max() <= 1),
            loss,
            name="is_probability",
        ),
    )
    assert hist["train"]["is_probability"] == [1.0] * 5


def _best_of(history, maximize):
    return int(np.argmax(history) if maximize else np.argmin(history))


def map_error(y_true, y_pred, sample_weight=None):
    """MAPE under a name that XGBoost would guess is to be maximised ('map' prefix)."""
    return gb.mape(y_true, y_pred, sample_weight)


@pytest.mark.parametrize("func", [gb.mape, gb.smape, map_error], ids=lambda f: f.__name__)
def test_early_stopping_stops_at_the_best_round(func):
    X, y, _ = regression_data(n=600, scale=100.0)
    Xv, yv, _ = regression_data(n=300, scale=100.0, seed=9)
    loss = gb.LogCosh()
    init = loss.init_score(y)
    name = func.__name__
    # xgboost.train
    metric = gbx.custom_metric(func, loss)
    hist = {}
    b = xgb.train(
        gbx.params(loss, y, eta=0.5, max_depth=6),
        xgb.DMatrix(X, label=y),
        300,
        obj=loss,
        evals=[(xgb.DMatrix(Xv, label=yv), "valid")],
        evals_result=hist,
        custom_metric=metric,
        callbacks=[gbx.early_stopping(5, metric)],
    )
    h = hist["valid"][name]
    assert len(h) < 300  # it did stop
    assert b.best_iteration == _best_of(h, maximize=False)
    # XGBRegressor
    m = xgb.XGBRegressor(
        n_estimators=300,
        learning_rate=0.5,
        max_depth=6,
        eval_metric=gbx.eval_metric(func, loss),
        callbacks=[gbx.early_stopping(5, metric)],
        **gbx.sklearn_params(loss, y),
    )
    m.fit(X, y, eval_set=[(Xv, yv)], verbose=False)
    h = m.evals_result()["validation_0"][name]
    assert len(h) < 300 and m.best_iteration == _best_of(h, maximize=False)
    # lightgbm.train
    rec = {}
    b = lgb.train(
        {**LGB_QUIET, "objective": loss, "metric": "None", "learning_rate": 0.5},
        lgb.Dataset(X, y, init_score=gbl.init_score_rows(init, len(y))),
        300,
        valid_sets=[lgb.Dataset(Xv, yv, init_score=gbl.init_score_rows(init, len(yv)))],
        feval=gbl.feval(func, loss),
        callbacks=[lgb.early_stopping(5, verbose=False), lgb.record_evaluation(rec)],
    )
    h = rec["valid_0"][name]
    assert len(h) < 300 and b.best_iteration == _best_of(h, maximize=False) + 1  # 1-based
    # LGBMRegressor
    m = lgb.LGBMRegressor(
        n_estimators=300, learning_rate=0.5, metric="None", **gbl.sklearn_params(loss), **LGB_QUIET
    )
    m.fit(
        X,
        y,
        init_score=gbl.init_score_rows(init, len(y)),
        eval_X=(Xv,),
        eval_y=(yv,),
        eval_init_score=[gbl.init_score_rows(init, len(yv))],
        eval_metric=gbl.eval_metric(func, loss),
        callbacks=[lgb.early_stopping(5, verbose=False)],
    )
    h = m.evals_result_["valid_0"][name]
    assert len(h) < 300 and m.best_iteration_ == _best_of(h, maximize=False) + 1


def test_maximised_metric_stops_at_its_maximum():
    from sklearn.metrics import roc_auc_score

    X, y = binary_data(n=800)
    Xv, yv = binary_data(n=400, seed=21)
    loss = gb.BinaryFocal()

    def score(yt, p, sample_weight=None):  # a name XGBoost would minimise
        return roc_auc_score(yt, p, sample_weight=sample_weight)

    metric = gbx.custom_metric(score, loss, maximize=True)
    hist = {}
    b = xgb.train(
        gbx.params(loss, y, eta=0.5, max_depth=6),
        xgb.DMatrix(X, label=y),
        200,
        obj=loss,
        evals=[(xgb.DMatrix(Xv, label=yv), "valid")],
        evals_result=hist,
        custom_metric=metric,
        callbacks=[gbx.early_stopping(5, metric)],
    )
    assert b.best_iteration == _best_of(hist["valid"]["score"], maximize=True)


# ------------------------------------------------------------------------- misuse
def test_multiclass_loss_without_num_class_says_what_to_set():
    X, y = multiclass_data(n=200)
    loss = gb.SoftmaxFocal(3)
    with pytest.raises(ValueError, match="set num_class=3 in the params"):
        xgb.train({"objective": "reg:squarederror"}, xgb.DMatrix(X, label=y), 1, obj=loss)
    with pytest.raises(ValueError, match="set num_class=3 in the params"):
        lgb.train({**LGB_QUIET, "objective": loss}, lgb.Dataset(X, y), 1)


def test_binary_loss_given_three_classes_rejects_the_labels():
    X, y = multiclass_data(n=200)
    with pytest.raises(ValueError, match=r"y_true contains 2.0; labels must be \{0, 1\}"):
        xgb.train({"objective": "binary:logistic"}, xgb.DMatrix(X, label=y), 1, obj=gb.BinaryFocal())
    with pytest.raises(ValueError, match=r"y_true contains 2.0; labels must be \{0, 1\}"):
        lgb.train({**LGB_QUIET, "objective": gb.BinaryFocal()}, lgb.Dataset(X, y), 1)


def test_multi_quantile_misuse():
    X, y, _ = regression_data(n=200)
    loss = gb.Quantile([0.1, 0.9])
    with pytest.raises(ValueError, match="set num_target=2"):
        xgb.train({"objective": "reg:squarederror"}, xgb.DMatrix(X, label=y), 1, obj=loss)
    with pytest.raises(ValueError, match="LightGBM has no multi-output trees"):
        lgb.train({**LGB_QUIET, "objective": loss}, lgb.Dataset(X, y), 1)
    with pytest.raises(ValueError, match="objective='reg:quantileerror' cannot be overridden"):
        gbx.params(loss, y, objective="reg:quantileerror")


def test_lightgbm_bake_checks_the_number_of_trees_per_iteration():
    X, y, _ = regression_data(n=200)
    b = lgb.train({**LGB_QUIET, "objective": gb.Huber()}, lgb.Dataset(X, y), 2)
    with pytest.raises(ValueError, match="init has 3 value"):
        gbl.bake_init_score(b, [1.0, 2.0, 3.0])


# ------------------------------------------------------------------------- metrics
def test_mape_agrees_with_sklearn_without_zero_targets():
    from sklearn.metrics import mean_absolute_percentage_error

    rng = np.random.default_rng(0)
    y = rng.uniform(-5, 5, 100)
    p = y + rng.normal(size=100)
    w = rng.uniform(0, 2, 100)
    assert gb.mape(y, p) == pytest.approx(mean_absolute_percentage_error(y, p), rel=1e-12)
    assert gb.mape(y, p, w) == pytest.approx(mean_absolute_percentage_error(y, p, sample_weight=w), rel=1e-12)


def test_mape_zero_targets_are_an_explicit_choice():
    y, p = np.array([0.0, 1.0, 2.0]), np.array([0.1, 1.1, 1.0])
    with pytest.raises(ValueError, match="1 target.* equal to 0"):
        gb.mape(y, p)
    assert gb.mape(y, p, zero_target="skip") == pytest.approx((0.1 + 0.5) / 2)
    assert gb.mape(y, p, zero_target="max1") == pytest.approx((0.1 + 0.1 + 0.5) / 3)
    with pytest.raises(ValueError, match="zero_target='nan' is not valid"):
        gb.mape(y, p, zero_target="nan")


def test_smape_definition():
    y = np.array([0.0, 1.0, 2.0, 0.0])
    p = np.array([0.0, 3.0, 2.0, 5.0])
    # 0/0 -> 0; 2*2/4 = 1; 0; 2*5/5 = 2
    assert gb.smape(y, p) == pytest.approx((0 + 1 + 0 + 2) / 4)
    rng = np.random.default_rng(1)
    yy, pp = rng.normal(size=1000), rng.normal(size=1000)
    assert 0 <= gb.smape(yy, pp) <= 2
    assert gb.smape(yy, pp, np.ones(1000) * 3) == pytest.approx(gb.smape(yy, pp))
    with pytest.raises(ValueError, match="y_pred contains 1 non-finite"):
        gb.smape([1.0, 2.0], [1.0, np.nan])
