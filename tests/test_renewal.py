"""Leaf renewal for Quantile losses on both backends: what the constant hessian cannot do."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb

import gbobjectives as gb
from gbobjectives import datasets
from gbobjectives.adapters import lightgbm as gbl
from gbobjectives.adapters import xgboost as gbx

ADAPTERS = {"xgboost": gbx, "lightgbm": gbl}


def pinball(y, p, a):
    return float(np.mean(np.maximum(a * (y - p), (a - 1) * (y - p))))


@pytest.fixture(scope="module")
def wage():
    X, y, _ = datasets.load("wage")
    order = np.random.default_rng(0).permutation(len(y))
    tr, te = order[:2000], order[2000:]
    return X[tr], y[tr], X[te], y[te]


@pytest.mark.parametrize("alpha", [0.1, 0.5, 0.9])
def test_renewal_matches_the_builtin_quantile_objective_on_real_data(wage, alpha):
    X, y, Xt, yt = wage
    params = {"learning_rate": 0.1, "min_data_in_leaf": 20}
    textbook = gb.Quantile(alpha, scale=1.0, hessian="constant")
    plain = gbl.train(textbook, X, y, None, params=params, num_boost_round=100).raw(Xt)
    renewed = gbl.train(
        gb.Quantile(alpha), X, y, None, params=params, num_boost_round=100, renew_leaves=True
    ).raw(Xt)
    builtin = lgb.train(
        {**params, "objective": "quantile", "alpha": alpha, "verbose": -1}, lgb.Dataset(X, y), 100
    ).predict(Xt)
    p_plain, p_renew, p_builtin = (pinball(yt, p, alpha) for p in (plain, renewed, builtin))
    assert p_renew < p_plain
    assert p_renew <= 1.03 * p_builtin
    assert abs(np.mean(yt <= renewed) - np.mean(yt <= builtin)) < 0.03


def test_renewed_model_predicts_the_scores_it_was_trained_on(wage):
    """set_leaf_output changed the booster; the loop's own scores must be the booster's."""
    X, y, _, _ = wage
    hist = {}
    loss = gb.Quantile(0.8)
    metric = gbl.feval(lambda t, p, sample_weight=None: pinball(t, p, 0.8), None, name="pinball")
    m = gbl.train(
        loss,
        X,
        y,
        None,
        params={"learning_rate": 0.2},
        num_boost_round=30,
        eval_sets=[(X, y, None)],
        metric=lambda loss: metric,
        evals_result=hist,
        renew_leaves=True,
    )
    assert hist["valid_0"]["pinball"][-1] == pytest.approx(pinball(y, m.raw(X), 0.8), rel=1e-9)
    assert hist["valid_0"]["pinball"][-1] < 0.8 * hist["valid_0"]["pinball"][0]


def test_estimator_renews_by_default_on_lightgbm_and_stops_early(wage):
    X, y, Xt, yt = wage
    m = gb.GBRegressor(gb.Quantile([0.1, 0.5, 0.9]), backend="lightgbm", n_estimators=100, max_depth=3)
    textbook = gb.Quantile([0.1, 0.5, 0.9], scale=1.0, hessian="constant")
    off = gb.GBRegressor(textbook, backend="lightgbm", n_estimators=100, max_depth=3, leaf_renewal=False)
    q_on, q_off = m.fit(X, y).predict(Xt), off.fit(X, y).predict(Xt)
    for k, a in enumerate([0.1, 0.5, 0.9]):
        assert pinball(yt, q_on[:, k], a) < pinball(yt, q_off[:, k], a)
    es = gb.GBRegressor(
        gb.Quantile(0.9), backend="lightgbm", n_estimators=500, learning_rate=0.3, early_stopping_rounds=5
    ).fit(X, y, eval_set=[(Xt, yt)])
    history = es.evals_result_["valid_0"]["loss"]
    assert len(history) < 500 and es.best_iteration_ == int(np.argmin(history))


@pytest.mark.parametrize("alpha", [0.1, 0.5, 0.9])
def test_xgboost_renewal_equals_the_builtin_quantile_objective(wage, alpha):
    """XGBoost's reg:quantileerror grows on gradients alpha / alpha - 1 with hessian 1 and sets
    each leaf to its rows' residual quantile (its own definition: 'weibull' positions). The
    same loop here, from the textbook pinball gradients, gives the same model."""
    X, y, Xt, yt = wage
    # wage repeats values; at a zero residual XGBoost's gradient is 1 - alpha, ours 0 (the
    # pinball loss's subgradient midpoint). A continuous target has no such ties.
    y = y + np.random.default_rng(1).uniform(-1e-3, 1e-3, size=len(y))
    textbook = gb.Quantile(alpha, scale=1.0, hessian="constant")
    start = float(np.quantile(y, alpha, method="weibull"))  # XGBoost's own start
    params = {"eta": 0.1, "max_depth": 4}
    renewed = gbx._train_renewing(
        textbook, {**params, "base_score": start, "verbosity": 0, "objective": "reg:squarederror"},
        xgb.DMatrix(X, label=y), [], [], y, None, start, 50, None, None, None, quantile_method="weibull",
    )  # fmt: skip
    builtin = xgb.train(
        {**params, "objective": "reg:quantileerror", "quantile_alpha": alpha, "base_score": start},
        xgb.DMatrix(X, label=y),
        50,
    )
    d = xgb.DMatrix(Xt)
    np.testing.assert_allclose(renewed.predict(d), builtin.predict(d), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("backend", ["xgboost", "lightgbm"])
def test_renewed_model_predicts_the_scores_it_was_trained_on_both_backends(wage, backend):
    """The loop's own scores (gradients, metric, early stopping) must be the saved model's:
    on XGBoost the renewed leaves are written into the model's JSON at the end."""
    X, y, Xt, yt = wage
    hist = {}
    adapter = ADAPTERS[backend]
    metric_cls = gbx.custom_metric if backend == "xgboost" else gbl.feval
    metric = metric_cls(lambda t, p, sample_weight=None: pinball(t, p, 0.8), None, name="pinball")
    m = adapter.train(
        gb.Quantile(0.8),
        X,
        y,
        None,
        params={"learning_rate": 0.2, "max_depth": 4},
        num_boost_round=30,
        eval_sets=[(Xt, yt, None)],
        metric=lambda loss: metric,
        evals_result=hist,
        renew_leaves=True,
    )
    assert hist["valid_0"]["pinball"][-1] == pytest.approx(pinball(yt, m.raw(Xt), 0.8), rel=1e-6)


def test_xgboost_multi_quantile_renews_each_output_as_its_own_model(wage):
    """One multi-output model (tree t * K + k is output k's): each column equals the model
    fitted for its alpha alone, in the order the alphas were given."""
    X, y, Xt, _ = wage
    kw = dict(backend="xgboost", n_estimators=30, max_depth=3)
    multi = gb.GBRegressor(gb.Quantile([0.9, 0.1, 0.5]), **kw).fit(X, y).predict(Xt)
    for k, a in enumerate([0.9, 0.1, 0.5]):
        alone = gb.GBRegressor(gb.Quantile(a), **kw).fit(X, y).predict(Xt)
        np.testing.assert_allclose(multi[:, k], alone, rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("backend", ["xgboost", "lightgbm"])
def test_renewal_with_weights_equals_repeated_rows(wage, backend):
    """An integer weight renews a leaf as that many copies of the row would (the inverted CDF
    with weights, on both backends)."""
    X, y, Xt, _ = wage
    X, y = X[:600], y[:600]
    w = np.random.default_rng(0).integers(1, 4, size=len(y)).astype(float)
    kw = dict(backend=backend, n_estimators=20, max_depth=2, min_child_weight=0.0)
    if backend == "lightgbm":
        kw["backend_params"] = {"min_data_in_leaf": 1, "min_data_in_bin": 1}
    weighted = gb.GBRegressor(gb.Quantile(0.25), **kw).fit(X, y, sample_weight=w)
    rows = np.repeat(np.arange(len(y)), w.astype(int))
    repeated = gb.GBRegressor(gb.Quantile(0.25), **kw).fit(X[rows], y[rows])
    a, b = weighted.predict(Xt), repeated.predict(Xt)
    assert np.mean(np.isclose(a, b, rtol=1e-4)) > 0.9  # the same model up to float32 ties


def test_xgboost_quantile_is_level_with_the_builtin_at_estimator_defaults():
    """The issue's target on bundled data: within 5% of reg:quantileerror's pinball loss."""
    from sklearn.model_selection import KFold

    X, y, _ = datasets.load("engel")
    for a in (0.1, 0.9):
        ours, builtin = [], []
        for tr, te in KFold(3, shuffle=True, random_state=0).split(X):
            est = gb.GBRegressor(gb.Quantile(a), backend="xgboost").fit(X[tr], y[tr])
            ours.append(pinball(y[te], est.predict(X[te]), a))
            ref = xgb.XGBRegressor(objective="reg:quantileerror", quantile_alpha=a, verbosity=0)
            builtin.append(pinball(y[te], ref.fit(X[tr], y[tr]).predict(X[te]), a))
        assert np.mean(ours) <= 1.05 * np.mean(builtin), a


@pytest.mark.parametrize("backend", ["xgboost", "lightgbm"])
def test_auto_does_not_renew_where_renewal_would_be_wrong(wage, backend):
    """dart rescales earlier trees every round, so the loop's own scores would not be the
    model's: "auto" trains without renewal there (the model is still the loss's)."""
    X, y, Xt, _ = wage
    dart = {"booster": "dart"} if backend == "xgboost" else {"boosting": "dart"}
    kw = dict(backend=backend, n_estimators=10, backend_params=dart, random_state=0)
    auto = gb.GBRegressor(gb.Quantile(0.5), **kw).fit(X, y).predict(Xt)
    off = gb.GBRegressor(gb.Quantile(0.5), leaf_renewal=False, **kw).fit(X, y).predict(Xt)
    np.testing.assert_array_equal(auto, off)


@pytest.mark.parametrize(
    "est, match",
    [
        (
            gb.GBRegressor(
                gb.Quantile(0.5), backend="xgboost", backend_params={"booster": "dart"}, leaf_renewal=True
            ),
            "booster='dart'",
        ),
        (
            gb.GBRegressor(
                gb.Quantile(0.5), backend="lightgbm", backend_params={"linear_tree": True}, leaf_renewal=True
            ),
            "linear_tree=True",
        ),
        (
            gb.GBRegressor(
                gb.Quantile(0.5),
                backend="lightgbm",
                backend_params={"boosting_type": "rf"},
                leaf_renewal=True,
            ),
            "boosting='rf'",
        ),
        (gb.GBRegressor(gb.Huber(), backend="lightgbm", leaf_renewal=True), "exists for Quantile losses"),
        (gb.GBRegressor(gb.Huber(), backend="xgboost", leaf_renewal=True), "exists for Quantile losses"),
        (gb.GBRegressor(leaf_renewal="yes"), "leaf_renewal='yes' is not valid"),
    ],
)
def test_renewal_misuse(wage, est, match):
    X, y, _, _ = wage
    with pytest.raises(ValueError, match=match):
        est.fit(X[:100], y[:100])


# ------------------------------------------------------------------ found by review
def test_lightgbm_renewal_reports_every_round_without_early_stopping():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(500, 3)), rng.normal(size=500)
    for renewal in ("auto", False):
        m = gb.GBRegressor(gb.Quantile(0.9), backend="lightgbm", n_estimators=20, leaf_renewal=renewal)
        assert m.fit(X, y).best_iteration_ == 19, renewal


def test_lightgbm_renewal_reads_the_learning_rate_under_any_alias(wage):
    X, y, Xt, _ = wage
    preds = [
        gbl.train(
            gb.Quantile(0.7), X, y, None, params={name: 0.02}, num_boost_round=5, renew_leaves=True
        ).raw(Xt)
        for name in ("learning_rate", "eta", "shrinkage_rate")
    ]
    np.testing.assert_array_equal(preds[0], preds[1])
    np.testing.assert_array_equal(preds[0], preds[2])


def test_lightgbm_renewal_stops_when_nothing_is_left_to_split():
    X = np.repeat(np.arange(4.0), 100)[:, None]
    y = np.repeat([0.0, 1.0, 5.0, 9.0], 100)
    kw = dict(backend="lightgbm", n_estimators=10, learning_rate=1.0, backend_params={"min_data_in_bin": 1})
    m = gb.GBRegressor(gb.Quantile(0.5), **kw).fit(X, y)
    np.testing.assert_allclose(m.predict(X), y)  # four values, four leaves: fitted exactly


@pytest.mark.parametrize("backend", ["xgboost", "lightgbm"])
def test_renewal_is_scale_equivariant_down_to_tiny_targets(backend):
    """The trees grow on unit-size gradients: at a target scaled by 1e-5 XGBoost's absolute
    minimum split gain (1e-6) no longer turns every tree into one leaf."""
    rng = np.random.default_rng(0)
    X, Xv = rng.normal(size=(2000, 5)), rng.normal(size=(1000, 5))
    y, yv = 2 * X[:, 0] + rng.standard_t(3, 2000), 2 * Xv[:, 0] + rng.standard_t(3, 1000)
    scores = []
    for c in (1.0, 1e-5):
        m = gb.GBRegressor(gb.Quantile(0.9), backend=backend, n_estimators=50).fit(X, c * y)
        scores.append(pinball(c * yv, m.predict(Xv), 0.9) / c)
    assert scores[1] == pytest.approx(scores[0], rel=0.03)


def test_xgboost_renewal_history_is_the_saved_models_at_large_targets():
    """XGBoost sums leaf values in float32; the loop does too, so the recorded metric (and the
    early-stopping round) is what the saved model scores, also at y ~ 1e7."""
    rng = np.random.default_rng(0)
    X, Xv = rng.normal(size=(1000, 3)), rng.normal(size=(500, 3))
    y, yv = 1e7 + X[:, 0] + rng.normal(size=1000), 1e7 + Xv[:, 0] + rng.normal(size=500)
    m = gb.GBRegressor(
        gb.Quantile(0.5),
        backend="xgboost",
        n_estimators=40,
        eval_metric=lambda t, p, sample_weight=None: pinball(t, p, 0.5),
    ).fit(X, y, eval_set=[(Xv, yv)])
    recorded = m.evals_result_["valid_0"]
    assert next(iter(recorded.values()))[-1] == pytest.approx(pinball(yv, m.predict(Xv), 0.5), rel=1e-6)


def test_the_compiled_leaf_quantiles_are_the_plain_ones_bit_for_bit():
    from gbobjectives import _engine
    from gbobjectives._numerics import grouped_quantiles

    if not _engine.available():
        pytest.skip("numba is not available")
    rng = np.random.default_rng(1)
    for trial in range(200):
        n = int(rng.integers(1, 80))
        values = rng.normal(size=n).round(int(rng.integers(0, 3)))  # ties too
        groups = rng.integers(0, 6, size=n)
        w = rng.integers(1, 4, size=n).astype(float) if trial % 2 else rng.uniform(0.1, 3.0, size=n)
        q = float(rng.choice([0.05, 0.1, 0.5, 0.9, rng.uniform()]))
        for method, ww in (("inverted_cdf", None), ("weibull", None), ("inverted_cdf", w)):
            want = grouped_quantiles(values, groups, q, ww, method)
            got = _engine.grouped_quantiles(values, groups, q, ww, method)
            np.testing.assert_array_equal(got[0], want[0])
            np.testing.assert_array_equal(got[1], want[1])


def test_grouped_quantiles_are_numpys_quantiles_per_group():
    """One sort for all leaves gives, per group, numpy's 'inverted_cdf' / 'weibull' quantile,
    and with integer weights the quantile of the repeated rows."""
    from gbobjectives._numerics import grouped_quantiles

    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(1, 60))
        values = rng.normal(size=n).round(int(rng.integers(0, 3)))  # ties too
        groups = rng.integers(0, 5, size=n)
        w = rng.integers(1, 4, size=n).astype(float)
        q = float(rng.choice([0.05, 0.1, 0.3, 0.5, 0.7, 0.9, rng.uniform()]))
        for method in ("inverted_cdf", "weibull"):
            ids, got = grouped_quantiles(values, groups, q, None, method)
            want = [np.quantile(values[groups == g], q, method=method) for g in ids]
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
        ids, got = grouped_quantiles(values, groups, q, w)
        rep = [np.repeat(values[groups == g], w[groups == g].astype(int)) for g in ids]
        np.testing.assert_allclose(got, [np.quantile(r, q, method="inverted_cdf") for r in rep], atol=1e-12)


def test_training_leaves_read_off_the_cached_scores_are_the_predicted_leaves():
    import lightgbm as lgb

    from gbobjectives.adapters.lightgbm import _TrainingLeaves

    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 4))
    y = 1e4 + 1e3 * X[:, 0] + rng.normal(size=3000)  # large scores: rounding in the change
    ds = lgb.Dataset(X, y, init_score=np.full(3000, 1e4), params={"verbosity": -1}).construct()
    booster = lgb.Booster(params={"verbosity": -1, "objective": "none"}, train_set=ds)
    leaves = _TrainingLeaves(booster, X)
    score = np.full(3000, 1e4)
    for t in range(8):
        g = np.sign(score - y).astype(np.float32)
        leaves.update(g, np.ones(3000, dtype=np.float32))
        want = booster.predict(X, pred_leaf=True, start_iteration=t, num_iteration=1).ravel()
        found = leaves._from_scores(t)
        assert found is not None  # the fast path is taken ...
        np.testing.assert_array_equal(found, want)  # ... and names every row's leaf
        if t < 7:
            booster.set_leaf_output(t, 0, 123.0)  # renewing does not move the cache
        score = booster.predict(X, raw_score=True) + 1e4
    # round 7's leaves untouched: a change that matches no leaf value (one row's "before"
    # moved) is not a guess but the prediction pass
    leaves.before = leaves.before.copy()
    leaves.before[5] += 0.5
    assert leaves._from_scores(7) is None
    want = booster.predict(X, pred_leaf=True, start_iteration=7, num_iteration=1)
    np.testing.assert_array_equal(leaves.of_round(7), want)


def test_leaf_quantiles_sum_each_leafs_weights_on_its_own():
    from gbobjectives import _engine

    # a running sum over all rows cancels: 1e17 + 1 - 1e17 is 0
    values, groups, w = np.array([0.0, 1.0, 2.0]), np.array([0, 1, 1]), np.array([1e17, 1.0, 1.0])
    ids, q = _engine.grouped_quantiles(values, groups, 0.9, w)
    assert ids.tolist() == [0, 1] and q.tolist() == [0.0, 2.0]


def test_leaf_quantiles_without_numba_run_the_same_loop():
    from gbobjectives import _engine

    rng = np.random.default_rng(2)
    values, groups = rng.normal(size=500).round(1), rng.integers(0, 7, size=500)
    w = rng.uniform(0.1, 2.0, size=500)
    for weighted, weibull in ((False, False), (True, False), (False, True)):
        args = (values, groups, 7, 0.3, w if weighted else values[:0], weighted, weibull)
        plain = _engine._grouped_quantiles_loop(*args)
        if _engine.available():
            np.testing.assert_array_equal(_engine._grouped_quantiles_compiled()(*args), plain)
