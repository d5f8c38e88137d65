"""GBRegressor / GBClassifier: what scikit-learn users rely on, on both backends."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import gbobjectives as gb

BACKENDS = ["xgboost", "lightgbm"]
backends = pytest.mark.parametrize("backend", BACKENDS)


def outlier_regression(n=600, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = 3 * X[:, 0] + np.sin(3 * X[:, 1]) + 0.3 * rng.normal(size=n)
    out = rng.random(n) < 0.1
    y[out] += rng.normal(0, 30, out.sum())
    return X, y


def classification(n=600, seed=0, k=2, signal=2.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    z = signal * X[:, 0] + 0.5 * X[:, 1] + 0.3 * rng.normal(size=n)
    y = np.digitize(z, np.quantile(z, np.linspace(0, 1, k + 1)[1:-1]) + (0.5 if k == 2 else 0.0))
    return X, y


@backends
def test_grid_search_over_huber_delta_and_depth_in_a_pipeline_prefers_a_robust_delta(backend):
    """10% gross outliers, scored by MAE: delta=300 (squared error in effect) must lose."""
    X, y = outlier_regression()
    pipe = make_pipeline(StandardScaler(), gb.GBRegressor(gb.Huber(), backend=backend, n_estimators=50))
    grid = {"gbregressor__loss__delta": [0.3, 3.0, 300.0], "gbregressor__max_depth": [2, 4]}
    gs = GridSearchCV(pipe, grid, scoring="neg_mean_absolute_error", cv=3).fit(X, y)
    assert gs.best_params_["gbregressor__loss__delta"] < 300.0
    scores = gs.cv_results_["mean_test_score"].reshape(3, 2)
    assert scores[:2].max() > scores[2].max() + 0.3


@backends
def test_grid_search_over_focal_gamma_prefers_zero_under_log_loss(backend):
    """Focal loss trades calibration for focus: scored by log-loss on a clean, strong signal,
    gamma = 0 (the logistic loss) must win, and gamma = 5 must be the worst."""
    X, y = classification()
    gs = GridSearchCV(
        gb.GBClassifier(gb.BinaryFocal(), backend=backend, n_estimators=100),
        {"loss__gamma": [0.0, 2.0, 5.0]},
        scoring="neg_log_loss",
        cv=3,
    ).fit(X, y)
    assert gs.best_params_ == {"loss__gamma": 0.0}
    assert np.argmin(gs.cv_results_["mean_test_score"]) == 2


def test_grid_search_reaches_class_balanced_beta_and_nested_gamma():
    X, y = classification(k=2)
    est = gb.GBClassifier(gb.ClassBalanced(gb.BinaryFocal()), n_estimators=20)
    gs = GridSearchCV(
        est, {"loss__beta": [0.0, 0.999], "loss__base_loss__gamma": [0.0, 2.0]}, scoring="roc_auc", cv=2
    ).fit(X, y)
    assert set(gs.best_params_) == {"loss__beta", "loss__base_loss__gamma"}
    assert gs.best_estimator_.loss_.beta == gs.best_params_["loss__beta"]


@backends
@pytest.mark.parametrize("k", [2, 3])
def test_probabilities_labels_and_score(backend, k):
    X, y = classification(k=k)
    names = np.array(["cat", "dog", "emu"])[:k]
    labels = names[y]
    clf = gb.GBClassifier(gb.BinaryFocal(gamma=1.0), backend=backend, n_estimators=50).fit(X, labels)
    np.testing.assert_array_equal(clf.classes_, names)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(y), k)
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    pred = clf.predict(X)
    assert set(pred) <= set(names)
    np.testing.assert_array_equal(pred, names[proba.argmax(axis=1)])
    assert clf.score(X, labels) == pytest.approx(np.mean(pred == labels))
    assert clf.score(X, labels) > 0.85
    # LightGBM's own classifier returns raw scores here (and accuracy NaN); ours does not:
    acc = cross_val_score(
        gb.GBClassifier(gb.BinaryFocal(), backend=backend, n_estimators=30),
        X,
        labels,
        scoring="accuracy",
        cv=3,
    )
    assert np.all(np.isfinite(acc)) and acc.mean() > 0.8
    if k == 2:
        np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-clf.decision_function(X))), rtol=1e-6)


@backends
def test_multi_quantile_columns_follow_the_alphas_as_given(backend):
    from sklearn.metrics import r2_score

    X, y = outlier_regression(n=2000)
    Xt, yt = outlier_regression(n=2000, seed=1)
    alphas = [0.9, 0.1, 0.5]  # unsorted on purpose: column j is the alpha[j] quantile
    m = gb.GBRegressor(gb.Quantile(alphas), backend=backend, n_estimators=100, max_depth=3).fit(X, y)
    pred = m.predict(Xt)
    assert pred.shape == (len(yt), 3)
    order = np.argsort(alphas)
    assert np.all(np.diff(pred[:, order], axis=1) >= 0)  # never crossing, in the order of alpha
    cov = np.mean(yt[:, None] <= pred, axis=0)
    np.testing.assert_allclose(cov, alphas, atol=0.06)
    # score is R^2 of the median column, wherever it stands
    assert m.score(Xt, yt) == pytest.approx(r2_score(yt, pred[:, 2]))
    # the same model with sorted alphas gives the same quantiles, permuted
    s = gb.GBRegressor(gb.Quantile(sorted(alphas)), backend=backend, n_estimators=100, max_depth=3)
    ps = s.fit(X, y).predict(Xt)
    np.testing.assert_allclose(np.mean(yt[:, None] <= ps, axis=0)[np.argsort(order)], cov, atol=0.02)


def test_repeated_quantile_levels_are_refused():
    with pytest.raises(ValueError, match=r"alpha=\[0.5, 0.5\].*0.5.*distinct"):
        gb.Quantile([0.5, 0.5])


@backends
def test_clone_and_pickle_give_identical_predictions(backend):
    X, y = outlier_regression()
    m = gb.GBRegressor(gb.LogCosh(), backend=backend, n_estimators=30, random_state=0).fit(X, y)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(m)).predict(X), m.predict(X))
    np.testing.assert_array_equal(clone(m).fit(X, y).predict(X), m.predict(X))
    Xc, yc = classification(k=3)
    c = gb.GBClassifier(gb.SoftmaxFocal(3), backend=backend, n_estimators=20).fit(Xc, yc)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(c)).predict_proba(Xc), c.predict_proba(Xc))


@backends
def test_weighted_fit_equals_fit_on_repeated_rows(backend):
    X, y = outlier_regression(n=400)
    w = np.random.default_rng(5).integers(1, 4, size=len(y))
    # LightGBM's min_data_in_leaf (20) counts rows, not weights: repeated rows pass it where
    # weighted ones do not. Set to 1, only the weights' effect on the gradients remains.
    extra = {"min_data_in_leaf": 1} if backend == "lightgbm" else None
    est = gb.GBRegressor(gb.Huber(2.0), backend=backend, n_estimators=30, max_depth=3, backend_params=extra)
    weighted = clone(est).fit(X, y, sample_weight=w).predict(X)
    repeated = clone(est).fit(np.repeat(X, w, axis=0), np.repeat(y, w)).predict(X)
    spread = np.std(y[np.abs(y) < 10])
    assert np.mean(np.abs(weighted - repeated)) < 0.05 * spread
    unweighted = clone(est).fit(X, y).predict(X)
    assert np.mean(np.abs(unweighted - repeated)) > np.mean(np.abs(weighted - repeated))


@backends
@pytest.mark.parametrize("metric", [gb.mape, gb.smape, None], ids=["mape", "smape", "loss"])
def test_early_stopping_on_a_gbobjectives_metric_stops_at_the_best_round(backend, metric):
    X, y = outlier_regression(n=600)
    y = y + 50.0  # positive targets for MAPE
    Xv, yv = outlier_regression(n=300, seed=3)
    m = gb.GBRegressor(
        gb.Huber(),
        backend=backend,
        n_estimators=500,
        learning_rate=0.5,
        max_depth=6,
        early_stopping_rounds=5,
        eval_metric=metric,
    )
    m.fit(X, y, eval_set=[(Xv, yv + 50.0)])
    name = "loss" if metric is None else metric.__name__
    history = m.evals_result_["valid_0"][name]
    assert len(history) < 500
    assert m.best_iteration_ == int(np.argmin(history))
    # predictions come from the best iteration
    if metric is not None:
        assert metric(yv + 50.0, m.predict(Xv)) == pytest.approx(min(history), rel=1e-4)


@backends
def test_start_is_the_loss_init_score(backend):
    X, y = outlier_regression()
    y = y + 1000.0
    m = gb.GBRegressor(gb.Huber(), backend=backend, n_estimators=1, learning_rate=1e-9).fit(X, y)
    assert m.init_score_ == pytest.approx(gb.Huber().init_score(y))
    np.testing.assert_allclose(m.predict(X), m.init_score_, rtol=1e-6)


def test_class_balanced_default_still_splits_on_imbalanced_data():
    """A 2%-positive set: with the paper's normalisation the mean weight is ~0.04 and trees
    stop splitting under min_child_weight=1; the default normalisation keeps them splitting."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 4))
    y = (X[:, 0] + 0.3 * rng.normal(size=3000) > 2.05).astype(int)
    assert 0.01 < y.mean() < 0.03
    m = gb.GBClassifier(gb.ClassBalanced(gb.Logistic(), beta=0.999), n_estimators=10).fit(X, y)
    trees = m.booster_.get_dump()
    assert sum(t.count("yes=") for t in trees) > 10  # trees have splits
    paper = gb.GBClassifier(
        gb.ClassBalanced(gb.Logistic(), beta=0.999, normalize="classes"),
        n_estimators=10,
        min_child_weight=1.0,
    ).fit(X, y)
    assert sum(t.count("yes=") for t in paper.booster_.get_dump()) < sum(t.count("yes=") for t in trees)


@pytest.mark.parametrize(
    "est, fit_args, match",
    [
        (gb.GBRegressor(backend="catboost"), (), "backend='catboost' is not valid: expected one of"),
        (gb.GBRegressor(gb.BinaryFocal()), (), "is a binary loss; GBRegressor needs a regression loss"),
        (gb.GBClassifier(gb.Huber()), (), "is a regression loss; GBClassifier needs a classification loss"),
        (gb.GBClassifier(gb.SoftmaxFocal(4)), (), "has n_classes=4 but y has 2 classes"),
        (gb.GBRegressor(n_estimators=0), (), "n_estimators=0 is not valid: expected an integer >= 1"),
        (gb.GBRegressor(learning_rate=-0.1), (), "learning_rate=-0.1 is not valid"),
        (gb.GBRegressor(subsample=1.5), (), "subsample=1.5 is not valid"),
        (gb.GBRegressor(eval_metric="mape"), (), "eval_metric='mape' is not valid: expected a callable"),
    ],
)
def test_bad_parameters_raise_at_fit(est, fit_args, match):
    X, y = classification(n=100)
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)


def test_three_classes_with_binary_alpha_is_refused():
    X, y = classification(k=3, n=150)
    with pytest.raises(ValueError, match="a binary alpha has no meaning for 3 classes"):
        gb.GBClassifier(gb.BinaryFocal(alpha=0.25)).fit(X, y)


def test_eval_set_with_unknown_label_is_refused():
    X, y = classification(n=100)
    with pytest.raises(ValueError, match=r"eval_set has labels \[7\] not seen in y"):
        gb.GBClassifier(n_estimators=2).fit(X, y, eval_set=[(X[:5], np.full(5, 7))])


@backends
@pytest.mark.parametrize(
    "params, match",
    [
        ({"bogus": 1}, r"\['bogus'\] are not (XGBoost|LightGBM) parameters"),
        ({"objective": "l2"}, r"\['objective'\] are set by gbobjectives from the loss"),
    ],
)
def test_backend_params_that_would_be_ignored_or_replace_the_loss_are_refused(backend, params, match):
    X, y = outlier_regression(n=100)
    with pytest.raises(ValueError, match=match):
        gb.GBRegressor(backend=backend, backend_params=params, n_estimators=2).fit(X, y)


@backends
def test_valid_backend_params_and_aliases_pass(backend):
    X, y = outlier_regression(n=100)
    params = {"max_bin": 63, "eta": 0.3} if backend == "xgboost" else {"max_bin": 63, "min_data": 5}
    gb.GBRegressor(backend=backend, backend_params=params, n_estimators=2).fit(X, y)


@backends
def test_early_stopping_without_a_validation_set_is_refused(backend):
    X, y = outlier_regression(n=100)
    with pytest.raises(ValueError, match="early_stopping_rounds=3 needs a validation set"):
        gb.GBRegressor(backend=backend, early_stopping_rounds=3).fit(X, y)


def test_the_public_estimators_document_their_parameters_and_the_package_is_typed():
    from pathlib import Path

    for est in (gb.GBRegressor, gb.GBClassifier):
        assert "backend_params : dict or None" in est.__doc__ and "leaf_renewal" in est.__doc__
    assert (Path(gb.__file__).parent / "py.typed").exists()


@backends
@pytest.mark.parametrize("as_category", [True, False], ids=["category", "text"])
def test_a_dataframe_with_a_categorical_column_fits_predicts_and_keeps_names(backend, as_category):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    n = 600
    city = rng.choice(["paris", "oslo", "rome", "lima"], n)
    effect = {"paris": 30.0, "oslo": -20.0, "rome": 5.0, "lima": -10.0}
    x = rng.normal(size=n)
    y = 10 * x + np.array([effect[c] for c in city]) + rng.normal(size=n)
    frame = pd.DataFrame({"x": x, "city": pd.Categorical(city) if as_category else city})
    m = gb.GBRegressor(gb.Huber(), backend=backend, n_estimators=100).fit(frame.iloc[:400], y[:400])
    assert list(m.feature_names_in_) == ["x", "city"]
    mae = np.mean(np.abs(m.predict(frame.iloc[400:]) - y[400:]))
    plain = gb.GBRegressor(gb.Huber(), backend=backend, n_estimators=100).fit(
        frame[["x"]].iloc[:400], y[:400]
    )
    assert mae < 0.3 * np.mean(np.abs(plain.predict(frame[["x"]].iloc[400:]) - y[400:]))
    unseen = m.predict(pd.DataFrame({"x": [0.0], "city": ["tokyo"]}))  # missing, as the backend defines
    assert np.all(np.isfinite(unseen))
    with pytest.raises(ValueError, match="columns"):
        m.predict(frame[["city", "x"]])
    clf = gb.GBClassifier(backend=backend, n_estimators=20).fit(frame, (y > 0).astype(int))
    np.testing.assert_allclose(clf.predict_proba(frame.iloc[:5]).sum(axis=1), 1.0)


@pytest.mark.parametrize("backend", ["xgboost", "lightgbm"])
def test_frames_with_any_column_names_and_integer_categories(backend):
    """Names with spaces and brackets (XGBoost refuses "[" and "<", LightGBM's categorical
    eval sets fail on a space) train and keep their names; a category column of integers
    predicts the same whether predict sees it as categories, ints, floats or strings."""
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 400
    grade = rng.integers(1, 4, n)
    df = pd.DataFrame(
        {
            "area [m2]": rng.normal(size=n),
            "my city": rng.choice(["a", "b"], n),
            "grade<x>": pd.Categorical(grade),
        }
    )
    y = 10 * grade + df["area [m2]"].to_numpy()
    m = gb.GBRegressor(backend=backend, n_estimators=40)
    m.fit(df[:300], y[:300], eval_set=[(df[300:], y[300:])])
    assert list(m.feature_names_in_) == list(df.columns)
    expected = m.predict(df[300:])
    assert np.mean(np.abs(expected - y[300:])) < 1.0  # grade is learned
    for as_type in (int, float, str):
        other = df[300:].copy()
        other["grade<x>"] = other["grade<x>"].astype(as_type)
        np.testing.assert_array_equal(m.predict(other), expected)
