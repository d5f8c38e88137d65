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
