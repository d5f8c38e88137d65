"""scikit-learn's estimator checks on both estimators x both backends x a representative loss."""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

import gbobjectives as gb

ESTIMATORS = [
    gb.GBRegressor(backend="xgboost", n_estimators=10),
    gb.GBClassifier(backend="xgboost", n_estimators=10),
    gb.GBRegressor(gb.Huber(delta=1.0), backend="xgboost", n_estimators=10),
    gb.GBRegressor(gb.PseudoHuber(delta=2.0), backend="lightgbm", n_estimators=10),
    gb.GBRegressor(gb.Quantile([0.9, 0.1, 0.5]), backend="lightgbm", n_estimators=10),
    gb.GBClassifier(gb.BinaryFocal(gamma=2.0), backend="xgboost", n_estimators=10),
    gb.GBClassifier(gb.ClassBalanced(gb.BinaryFocal(gamma=1.0)), backend="lightgbm", n_estimators=10),
]


# The checks an estimator cannot pass are declared, with their reasons, by
# gb.expected_failed_checks (XGBoost's float32 gradients; multi-quantile's 2-d predictions).
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=gb.expected_failed_checks)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_the_declared_failures_are_real():
    """Each declared check fails without the declaration (otherwise it is not needed)."""
    import warnings

    from sklearn.utils.estimator_checks import check_estimator

    for est in (ESTIMATORS[1], ESTIMATORS[4]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scikit-learn's SkipTestWarning for array-API checks
            results = check_estimator(est, on_fail=None)
        failed = {r["check_name"] for r in results if r["status"] == "failed"}
        assert failed == set(gb.expected_failed_checks(est)), est


def test_no_lightgbm_fatal_lines_on_stderr(capfd):
    """A custom objective on data with no usable feature: LightGBM would print a [Fatal] line
    before raising; the estimator trains the constant model without asking it."""
    import numpy as np

    for X in (np.ones((30, 2)), np.random.default_rng(0).normal(size=(15, 2))):
        y = np.random.default_rng(1).normal(size=len(X))
        est = gb.GBRegressor(gb.Huber(), backend="lightgbm", n_estimators=5).fit(X, y)
        np.testing.assert_allclose(est.predict(X), est.init_score_)  # the constant: the start
    captured = capfd.readouterr()
    assert "[LightGBM]" not in captured.err + captured.out
