"""A loss written from its pointwise math alone (tests/_cases.Cauchy) runs in all four
interfaces, and trains the model that its textbook numpy objective trains."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb

import gbobjectives as gb
from gbobjectives.adapters import lightgbm as gbl
from gbobjectives.adapters import xgboost as gbx
from gbobjectives.losses import Formulas
from tests._cases import Cauchy

LGB_QUIET = {"verbose": -1, "force_col_wise": True}


def data(n=600, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = 10 * X[:, 0] + 3 * X[:, 1] + rng.standard_t(1.5, size=n) * 2
    return X, y


def textbook(c):
    """The Cauchy objective as one writes it for xgboost.train by hand (irls hessian)."""

    def obj(predt, dtrain):
        r = predt.astype(np.float64) - dtrain.get_label()
        d = 1.0 + (r / c) ** 2
        return r / d, np.maximum(1.0 / d, 1e-6)

    return obj


def test_a_new_loss_trains_in_all_four_interfaces_as_its_textbook_objective():
    X, y = data()
    loss = Cauchy(5.0)
    start = loss.init_score(y)
    d = xgb.DMatrix(X, label=y)
    params = gbx.params(loss, y, max_depth=3)
    assert params["base_score"] == pytest.approx(start)
    ref = xgb.train(params, d, 30, obj=textbook(5.0)).predict(d)
    native = xgb.train(params, d, 30, obj=loss).predict(d)
    np.testing.assert_allclose(native, ref, rtol=1e-5, atol=1e-5 * np.std(y))
    skl = xgb.XGBRegressor(objective=gb.adapters.SklearnObjective(loss), n_estimators=30, max_depth=3)
    p_skl = skl.set_params(base_score=start).fit(X, y).predict(X)
    np.testing.assert_allclose(p_skl, ref, rtol=1e-5, atol=1e-4)

    lg_native = lgb.train(
        {**LGB_QUIET, "objective": loss}, lgb.Dataset(X, y, init_score=gbl.init_score_rows(start, len(y))), 30
    )
    p_native = lg_native.predict(X) + start
    lg_skl = lgb.LGBMRegressor(objective=gb.adapters.SklearnObjective(loss), n_estimators=30, **LGB_QUIET)
    p_skl = lg_skl.fit(X, y, init_score=gbl.init_score_rows(start, len(y))).predict(X) + start
    np.testing.assert_allclose(p_skl, p_native, rtol=1e-9, atol=1e-9)
    # it learned: far better than the constant start, on both frameworks
    for p in (native, p_native):
        assert np.median(np.abs(p - 10 * X[:, 0] - 3 * X[:, 1])) < 0.3 * np.median(np.abs(start - y))


@pytest.mark.parametrize("backend", ["xgboost", "lightgbm"])
def test_a_new_loss_works_in_the_estimator_and_grid_search(backend):
    from sklearn.model_selection import GridSearchCV

    X, y = data()
    search = GridSearchCV(
        gb.GBRegressor(Cauchy(), backend=backend, n_estimators=20),
        {"loss__c": [1.0, 5.0]},
        cv=2,
        scoring="neg_mean_absolute_error",
    ).fit(X, y)
    assert search.best_params_["loss__c"] in (1.0, 5.0)
    assert np.all(np.isfinite(search.predict(X)))


def test_a_new_loss_runs_the_same_without_numba():
    from gbobjectives import _engine

    X, y = data(n=50)
    loss = Cauchy(2.0, hessian="exact")
    raw = np.linspace(-30, 30, 50)
    a = loss._weighted_grad_hess(y, raw, None, compiled=_engine.available())
    b = loss._weighted_grad_hess(y, raw, None, compiled=False)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


# ------------------------------------------------ the mistakes a new loss's author makes
def _loss_zero(raw, y, params):
    return 0.0


def _exact_cauchy_unfloored(raw, y, params):
    (c,) = params
    x = (raw - y) / c
    return (raw - y) / (1 + x * x), (1 - x * x) / ((1 + x * x) * (1 + x * x))


def _with_numpy_clip(raw, y, params):
    return np.clip(raw - y, -1.0, 1.0), 1.0


class _Mine(Cauchy):
    formulas = Formulas(_loss_zero, _exact_cauchy_unfloored)

    def _formula_params(self):
        return (float(self.c),)


class _MineBareParameter(_Mine):
    def _formula_params(self):
        return float(self.c)


class _MineNumpy(_Mine):
    formulas = Formulas(_loss_zero, _with_numpy_clip)


def test_a_new_loss_whose_hessian_goes_negative_is_refused_naming_a_row():
    """Nothing in the frameworks complains about a hessian <= 0 (they train a constant or
    NaN model): the loop checks every formula that is not the package's own."""
    X, y = data(n=50)
    loss = _Mine(1.0)
    with pytest.raises(ValueError, match=r"_exact_cauchy_unfloored .* hessian .* \(first: row \d+"):
        loss.gradient_hessian(y, np.zeros(50))
    with pytest.raises(ValueError, match="floor it in the formula"):
        xgb.train({"base_score": 0.0}, xgb.DMatrix(X, label=y), 2, obj=loss)


def test_the_parameters_must_be_a_tuple():
    X, y = data(n=50)
    with pytest.raises(TypeError, match=r"must be a tuple, got 1.0.*return \(c,\)"):
        _MineBareParameter(1.0).gradient_hessian(y, np.zeros(50))


def test_a_formula_numba_cannot_compile_says_so():
    from gbobjectives import _engine

    if not _engine.available():
        pytest.skip("numba is not available")
    X, y = data(n=50)
    with pytest.raises(TypeError, match="numba cannot compile _with_numpy_clip"):
        _MineNumpy(1.0).gradient_hessian(y, np.zeros(50))


def test_a_hessian_refused_while_finding_the_start_says_so():
    """_init_convex tries constant margins between min(y) and max(y): an error met there
    names a trial start, not a model's margin, and says so (a newcomer read raw=min(y) as
    a margin of the model)."""
    X, y = data(n=50)
    loss = _Mine(1.0)  # its start: Cauchy's, _init_convex
    with pytest.raises(ValueError, match=r"finding the start .* min\(y\) = .*_exact_cauchy_unfloored"):
        loss.init_score(y)


def test_a_loss_without_a_start_says_what_to_define():
    class NoStart(gb.losses.RegressionLoss):
        formulas = Cauchy.formulas

        def _formula_params(self):
            return (5.0, False)

    X, y = data(n=50)
    with pytest.raises(NotImplementedError, match=r"NoStart has no start: define _init\(self, y, w\)"):
        gb.GBRegressor(NoStart(), n_estimators=2).fit(X, y)
