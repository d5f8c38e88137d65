"""Eval sets: one early-stopping rule on both backends (the last set decides, as XGBoost's
does), and their labels and weights checked as a training set's are."""

from __future__ import annotations

import numpy as np
import pytest

from gbobjectives import GBRegressor

BACKENDS = ["xgboost", "lightgbm"]


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 3))
    y = 3 * X[:, 0] + rng.normal(size=600)
    unrelated = rng.normal(size=(200, 3)), 5 * rng.normal(size=200)  # stalls at once
    Xb = rng.normal(size=(200, 3))
    return X, y, unrelated, (Xb, 3 * Xb[:, 0] + rng.normal(size=200))


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_last_eval_set_decides_early_stopping(backend):
    """lightgbm.early_stopping stops when ANY set stalls: here it would stop at the first
    set's argmin (round 0); the last set's argmin is round 8-9."""
    X, y, a, b = _data()
    m = GBRegressor(backend=backend, n_estimators=200, early_stopping_rounds=5, learning_rate=0.3)
    m.fit(X, y, eval_set=[a, b])
    (first,) = m.evals_result_["valid_0"].values()
    (last,) = m.evals_result_["valid_1"].values()
    assert int(np.argmin(first)) == 0 and int(np.argmin(last)) > 5
    assert m.best_iteration_ == int(np.argmin(last))
    assert len(last) < 200  # it stopped, on the last set's patience


@pytest.mark.parametrize("backend", BACKENDS)
def test_nan_eval_labels_and_weights_are_refused(backend):
    X, y, _, (Xb, yb) = _data()
    bad = yb.copy()
    bad[:20] = np.nan
    with pytest.raises(ValueError, match="eval set 0: y_true contains 20 non-finite value"):
        GBRegressor(backend=backend, n_estimators=5).fit(X, y, eval_set=[(Xb, bad)])
    w = np.ones(len(yb))
    w[3] = np.nan
    with pytest.raises(ValueError, match="eval set 0: sample_weight"):
        GBRegressor(backend=backend, n_estimators=5).fit(X, y, eval_set=[(Xb, yb)], eval_sample_weight=[w])


def test_the_default_metric_takes_class_counts_from_the_training_labels():
    """3%-positive training labels, a 10%-positive eval set: the metric of ClassBalanced
    with derived counts equals, round by round, the metric of the same loss given the
    training counts (before: the eval set's counts, weights [0.531, 9.91] for [0.596, 4.127]
    on one such pair, and another argmin)."""
    from gbobjectives import GBClassifier
    from gbobjectives.losses import ClassBalanced, Logistic

    rng = np.random.default_rng(1)
    X = rng.normal(size=(2000, 3))
    y = (X[:, 0] + rng.normal(size=2000) > 2.4).astype(int)
    Xe = rng.normal(size=(500, 3))
    ye = (Xe[:, 0] + rng.normal(size=500) > 1.6).astype(int)
    assert y.mean() < 0.05 and ye.mean() > 0.08
    for backend in BACKENDS:
        curves = []
        for loss in (ClassBalanced(Logistic()), ClassBalanced(Logistic(), class_counts=np.bincount(y))):
            m = GBClassifier(loss, backend=backend, n_estimators=30).fit(X, y, eval_set=[(Xe, ye)])
            curves.append(m.evals_result_["valid_0"]["loss"])
        np.testing.assert_allclose(curves[0], curves[1], rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_default_metric_of_a_robust_loss_keeps_one_scale_for_the_run(backend):
    """Huber() derives delta from each call's residuals; its metric uses the delta from the
    training labels at the start, the same every round (before: the eval residuals' delta,
    so round 10 and round 20 were not measured in the same units)."""
    from gbobjectives.losses import Huber

    X, y, _, (Xb, yb) = _data()
    y, yb = 1000 * y, 1000 * yb
    m = GBRegressor(Huber(), backend=backend, n_estimators=20).fit(X, y, eval_set=[(Xb, yb)])
    fixed = Huber().fixed_for(y)
    assert fixed.delta == pytest.approx(np.quantile(np.abs(y - np.median(y)), 0.9), rel=0.05)
    raw = m.predict(Xb)  # the final model: the last value of the curve
    last = m.evals_result_["valid_0"]["loss"][-1]
    assert last == pytest.approx(float(np.mean(fixed.loss(yb, raw))), rel=1e-6)
    assert last != pytest.approx(float(np.mean(Huber().loss(yb, raw))), rel=1e-3)


def test_the_last_round_is_recorded_when_it_is_the_best():
    """The callback runs after record_evaluation (an ``order`` on the instance: a missing
    one is set by lightgbm.train to -1, which ran it first and lost the last round)."""
    X, y, _, b = _data()
    m = GBRegressor(backend="lightgbm", n_estimators=12, early_stopping_rounds=50).fit(X, y, eval_set=[b])
    (curve,) = m.evals_result_["valid_0"].values()
    assert len(curve) == 12 and m.best_iteration_ == int(np.argmin(curve)) == 11
