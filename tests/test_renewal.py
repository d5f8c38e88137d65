"""Leaf renewal for Quantile losses on LightGBM: what the constant hessian cannot do."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest

import gbobjectives as gb
from gbobjectives import datasets
from gbobjectives.adapters import lightgbm as gbl


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


@pytest.mark.parametrize(
    "est, match",
    [
        (
            gb.GBRegressor(gb.Quantile(0.5), backend="xgboost", leaf_renewal=True),
            "implemented for Quantile losses",
        ),
        (
            gb.GBRegressor(gb.Huber(), backend="lightgbm", leaf_renewal=True),
            "implemented for Quantile losses",
        ),
        (gb.GBRegressor(leaf_renewal="yes"), "leaf_renewal='yes' is not valid"),
    ],
)
def test_renewal_misuse(wage, est, match):
    X, y, _, _ = wage
    with pytest.raises(ValueError, match=match):
        est.fit(X[:100], y[:100])
