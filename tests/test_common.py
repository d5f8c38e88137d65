"""scikit-learn's estimator checks on both estimators x both backends x a representative loss."""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

import gbobjectives as gb

ESTIMATORS = [
    gb.GBRegressor(gb.Huber(delta=1.0), backend="xgboost", n_estimators=10),
    gb.GBRegressor(gb.PseudoHuber(delta=2.0), backend="lightgbm", n_estimators=10),
    gb.GBClassifier(gb.BinaryFocal(gamma=2.0), backend="xgboost", n_estimators=10),
    gb.GBClassifier(gb.ClassBalanced(gb.BinaryFocal(gamma=1.0)), backend="lightgbm", n_estimators=10),
]

# Every check that is expected to fail, with the reason. (Aim: none.)
EXPECTED_FAILURES: dict = {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=lambda est: EXPECTED_FAILURES)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
