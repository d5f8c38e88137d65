"""XGBoost: the objective's calling conventions, the start, and metrics.

Native API::

    params = gbx.params(loss, y_train, max_depth=4)        # objective, base_score, num_class
    booster = xgboost.train(params, dtrain, 100, obj=loss,
                            evals=[(dvalid, "valid")],
                            custom_metric=gbx.custom_metric(gb.mape, loss),
                            callbacks=[gbx.early_stopping(10, gbx.custom_metric(gb.mape, loss))])
    y_pred = loss.predict(booster.predict(dtest, output_margin=True))

Why ``params`` sets ``objective`` although ``obj=`` supplies the gradients: it fixes what
``Booster.predict`` returns (identity, sigmoid, softmax), what space ``base_score`` is in,
and what the built-in metrics see. It must never be ``reg:quantileerror`` or
``reg:absoluteerror``: those rewrite leaf values whatever ``obj=`` returns. With a custom
objective XGBoost does not estimate ``base_score``; it stays 0.5 unless given.

Public: ``params``, ``sklearn_params``, ``base_score``, ``custom_metric``, ``eval_metric``,
``early_stopping``. The rest (``train``, ``Model``, ...) serves the estimators.
"""

from __future__ import annotations

import numpy as np
import xgboost

from .._objective import labels_of, weights_or_none
from ._common import SklearnObjective, _MetricAdapter, boost_renewing, check_eval_sets, has_varying_feature

__all__ = ["params", "sklearn_params", "base_score", "custom_metric", "eval_metric", "early_stopping"]

_OBJECTIVE_PARAM = {
    "regression": "reg:squarederror",
    "binary": "binary:logistic",
    "multiclass": "multi:softprob",
}


def base_score(loss, y_true, sample_weight=None):
    """``loss.init_score`` in the output space of the objective param that ``params`` sets.

    Parameters
    ----------
    loss : Loss
        The loss that will be the objective.
    y_true : array-like of shape (n_samples,)
        The training labels.
    sample_weight : array-like of shape (n_samples,), optional
        The training weights.

    Returns
    -------
    float or list of float
        A float for single-output losses (for a binary loss a probability, which is what
        ``binary:logistic`` takes), a list of K margins for multi-class (``multi:softprob``
        takes a vector base_score as margins) and multi-quantile losses.

    Examples
    --------
    >>> import gbobjectives as gb
    >>> from gbobjectives.adapters import xgboost as gbx
    >>> round(gbx.base_score(gb.Huber(delta=1.0), [1.0, 2.0, 3.0, 100.0]), 9)  # the Huber M-estimate
    2.5
    >>> round(gbx.base_score(gb.Logistic(), [0, 0, 0, 1]), 6)  # a probability
    0.25
    """
    return _base_score_of(loss, loss.init_score(y_true, sample_weight))


def _objective_params(loss) -> dict:
    out = {"objective": _OBJECTIVE_PARAM[loss.task]}
    if loss.task == "multiclass":
        out["num_class"] = loss.n_outputs
    elif loss.n_outputs > 1:
        out["num_target"] = loss.n_outputs
    return out


def _base_score_of(loss, init):
    """An init score in the space of the objective param (see ``base_score``)."""
    if loss.task == "binary":
        # XGBoost's own link (binary:logistic takes base_score as a probability), not a
        # subclass's predict
        return float(loss.link.inverse(np.array([init], dtype=np.float64))[0])
    if np.ndim(init) == 1:
        return [float(v) for v in init]
    return float(init)


def _loss_params(loss, y_true, sample_weight=None) -> dict:
    return {**_objective_params(loss), "base_score": base_score(loss, y_true, sample_weight)}


def params(loss, y_true, sample_weight=None, **extra) -> dict:
    """Parameters for ``xgboost.train(params, dtrain, obj=loss)`` that suit ``loss``.

    Parameters
    ----------
    loss : Loss
        The loss that will be the objective (``obj=loss``).
    y_true : array-like of shape (n_samples,)
        The training labels, for the start.
    sample_weight : array-like of shape (n_samples,), optional
        The training weights, for the start.
    **extra
        Other XGBoost parameters, merged last (``max_depth=4``, ``eta=0.1``, ...).

    Returns
    -------
    dict
        ``objective`` (the string that fixes what ``Booster.predict`` returns and what space
        ``base_score`` is in: ``reg:squarederror``, ``binary:logistic`` or
        ``multi:softprob``), ``base_score`` from ``loss.init_score``, and ``num_class`` or
        ``num_target`` for multi-output losses, with ``extra``.

    Raises
    ------
    ValueError
        If ``extra`` has an ``objective``: it must match the loss's link, and
        ``reg:quantileerror`` / ``reg:absoluteerror`` would rewrite every leaf.

    Examples
    --------
    >>> import numpy as np, xgboost as xgb
    >>> import gbobjectives as gb
    >>> from gbobjectives.adapters import xgboost as gbx
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3)); y = 50 + 10 * X[:, 0] + rng.standard_t(2, size=200)
    >>> loss = gb.Huber(delta=2.0)
    >>> p = gbx.params(loss, y, max_depth=3)
    >>> p["objective"], round(p["base_score"], 2) == round(loss.init_score(y), 2)
    ('reg:squarederror', True)
    >>> booster = xgb.train(p, xgb.DMatrix(X, label=y), num_boost_round=20, obj=loss)
    >>> pred = loss.predict(booster.predict(xgb.DMatrix(X), output_margin=True))
    >>> bool(np.mean(np.abs(pred - y)) < np.mean(np.abs(y - np.median(y))))
    True
    """
    if "objective" in extra:
        raise ValueError(
            f"objective={extra['objective']!r} cannot be overridden: gbobjectives sets "
            f"{_OBJECTIVE_PARAM[loss.task]!r} for {loss!r}, and reg:quantileerror / "
            "reg:absoluteerror would rewrite the leaves"
        )
    return {**_loss_params(loss, y_true, sample_weight), **extra}


def sklearn_params(loss, y_true, sample_weight=None) -> dict:
    """Keyword arguments for ``XGBRegressor`` / ``XGBClassifier(**kw)``: the objective and its start.

    Parameters
    ----------
    loss : Loss
        The loss that will be the objective.
    y_true : array-like of shape (n_samples,)
        The training labels, for the start.
    sample_weight : array-like of shape (n_samples,), optional
        The training weights, for the start.

    Returns
    -------
    dict
        ``objective``: the loss wrapped in :class:`~gbobjectives.adapters.SklearnObjective`
        (so that its hyperparameters are not forwarded to the booster as unused
        ``objective__delta`` parameters); ``base_score`` (see :func:`base_score`); for a
        multi-quantile loss ``multi_strategy="one_output_per_tree"``. ``XGBClassifier`` sets
        the objective string and ``num_class`` itself from the labels.

    Examples
    --------
    >>> import numpy as np, xgboost as xgb
    >>> import gbobjectives as gb
    >>> from gbobjectives.adapters import xgboost as gbx
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 3)); y = (X[:, 0] + rng.normal(size=300) > 1).astype(int)
    >>> loss = gb.BinaryFocal(gamma=2.0)
    >>> clf = xgb.XGBClassifier(n_estimators=20, **gbx.sklearn_params(loss, y)).fit(X, y)
    >>> proba = clf.predict_proba(X)  # the sigmoid of the margin: probabilities
    >>> bool(np.allclose(proba.sum(axis=1), 1) and ((proba >= 0) & (proba <= 1)).all())
    True
    """
    out = {"objective": SklearnObjective(loss), "base_score": base_score(loss, y_true, sample_weight)}
    if loss.task == "regression" and loss.n_outputs > 1:
        out["multi_strategy"] = "one_output_per_tree"
    return out


class custom_metric(_MetricAdapter):  # noqa: N801 - named after the xgboost.train argument
    """``custom_metric=`` for ``xgboost.train``: ``f(predt, dmatrix) -> (name, value)``.

    Pass ``maximize=metric.maximize`` to ``xgboost.train`` or use :func:`early_stopping`:
    XGBoost otherwise guesses the direction from the name (names starting with auc, pre,
    map, ndcg are maximised, so "map_error" would be).

    Parameters
    ----------
    func : callable
        ``func(y_true, y_pred, sample_weight=None) -> float``, such as
        :func:`gbobjectives.mape` or a scikit-learn metric.
    loss : Loss, optional
        The training's loss: the raw margins XGBoost hands a custom metric go through
        ``loss.predict`` first (probabilities, targets). Without it, ``func`` sees margins.
    maximize : bool, default False
        Whether higher is better (read by :func:`early_stopping`).
    name : str, optional
        The metric's name in the history; ``func.__name__`` by default.

    Examples
    --------
    >>> import numpy as np, xgboost as xgb
    >>> import gbobjectives as gb
    >>> from gbobjectives.adapters import xgboost as gbx
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 3)); y = 50 + 10 * X[:, 0] + rng.normal(size=300)
    >>> loss = gb.LogCosh()
    >>> dtrain, dvalid = xgb.DMatrix(X[:200], label=y[:200]), xgb.DMatrix(X[200:], label=y[200:])
    >>> metric = gbx.custom_metric(gb.mape, loss)
    >>> history = {}
    >>> booster = xgb.train(gbx.params(loss, y[:200]), dtrain, 50, obj=loss, evals=[(dvalid, "valid")],
    ...                     custom_metric=metric, callbacks=[gbx.early_stopping(5, metric)],
    ...                     evals_result=history, verbose_eval=False)
    >>> bool(min(history["valid"]["mape"]) < 0.1)  # MAPE of the predictions, not the margins
    True
    """

    def __call__(self, predt, dmatrix):
        w = weights_or_none(dmatrix.get_weight())
        return self.name, self.value(labels_of(dmatrix), predt, w)


class eval_metric(_MetricAdapter):  # noqa: N801 - named after the sklearn argument
    """``eval_metric=`` for ``XGBRegressor`` / ``XGBClassifier``.

    XGBoost's scikit-learn API calls it as ``f(y_true, y_pred, sample_weight=None)`` and names
    it by ``__name__``; the direction goes to :func:`early_stopping`.

    Parameters
    ----------
    func : callable
        ``func(y_true, y_pred, sample_weight=None) -> float``.
    loss : Loss, optional
        The training's loss: ``func`` then sees ``loss.predict(raw)`` (for a classifier,
        P(y = 1) or the class probabilities), not the raw margin.
    maximize : bool, default False
        Whether higher is better.
    name : str, optional
        The metric's name; ``func.__name__`` by default.

    Examples
    --------
    >>> import numpy as np, xgboost as xgb
    >>> from sklearn.metrics import log_loss
    >>> import gbobjectives as gb
    >>> from gbobjectives.adapters import xgboost as gbx
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 3)); y = (X[:, 0] + rng.normal(size=300) > 1).astype(int)
    >>> loss = gb.BinaryFocal(gamma=1.0)
    >>> metric = gbx.eval_metric(log_loss, loss)
    >>> clf = xgb.XGBClassifier(n_estimators=30, eval_metric=metric, **gbx.sklearn_params(loss, y))
    >>> clf = clf.fit(X, y, eval_set=[(X, y)], verbose=False)
    >>> logloss = clf.evals_result()["validation_0"]["log_loss"]
    >>> bool(logloss[-1] < logloss[0] < 0.7)  # the log-loss of probabilities
    True
    """

    def __call__(self, y_true, y_pred, sample_weight=None):
        return self.value(y_true, y_pred, sample_weight)


def early_stopping(rounds: int, metric: _MetricAdapter, *, data_name=None, save_best=True):
    """``xgboost.callback.EarlyStopping`` that goes the metric's way, whatever its name.

    Parameters
    ----------
    rounds : int
        Stop after this many rounds without improvement.
    metric : custom_metric or eval_metric
        The metric to follow; its ``name`` and ``maximize`` are used.
    data_name : str, optional
        The eval set to follow (XGBoost's default: the last one).
    save_best : bool, default True
        Keep the best iteration's model, not the last one's.

    Returns
    -------
    xgboost.callback.EarlyStopping

    Examples
    --------
    >>> import gbobjectives as gb
    >>> from gbobjectives.adapters import xgboost as gbx
    >>> metric = gbx.custom_metric(lambda y, p, sample_weight=None: 1.0, name="map_hit", maximize=False)
    >>> callback = gbx.early_stopping(10, metric)  # minimised, although the name starts with "map"
    >>> callback.maximize, callback.metric_name
    (False, 'map_hit')
    """
    return xgboost.callback.EarlyStopping(
        rounds=rounds,
        metric_name=metric.name,
        data_name=data_name,
        maximize=metric.maximize,
        save_best=save_best,
    )


# ------------------------------------------------------------------ used by the estimators
_OWNED = ("objective", "obj", "base_score", "num_class", "num_target")


def check_backend_params(params: dict) -> None:
    """Refuse what XGBoost would silently ignore, or what would replace the loss.

    XGBoost reports parameters it does not use only as a log line (and a Python warning at
    verbosity >= 1), after which it trains as if they were absent: one update on a two-row
    DMatrix with ``validate_parameters`` shows them before any real training.
    """
    import warnings

    owned = [k for k in params if k in _OWNED]
    if owned:
        raise ValueError(
            f"backend_params={params!r}: {owned} are set by gbobjectives from the loss; remove them"
        )
    d = xgboost.DMatrix(np.zeros((2, 1)), label=np.zeros(2))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            booster = xgboost.Booster({**params, "verbosity": 1, "validate_parameters": True}, [d])
            booster.update(d, 0)
        except xgboost.core.XGBoostError:
            return  # a value that needs the real data (constraints per feature): XGBoost checks it
    for w in caught:
        text = str(w.message)
        if "are not used" in text:
            unused = text[text.index("{") + 1 : text.index("}")].replace('"', "").split(",")
            names = [u.strip() for u in unused if u.strip()]
            raise ValueError(
                f"backend_params={params!r}: {names} are not XGBoost parameters (XGBoost would "
                "ignore them); see https://xgboost.readthedocs.io/en/stable/parameter.html"
            )


class Model:
    """A trained booster with the loss it was trained for: ``raw(X)`` is the full margin."""

    def __init__(self, booster, loss):
        self.booster = booster
        self.loss = loss

    @property
    def best_iteration(self):
        return getattr(self.booster, "best_iteration", self.booster.num_boosted_rounds() - 1)

    def raw(self, X):
        return self.booster.predict(xgboost.DMatrix(X, enable_categorical=True), output_margin=True)


def train(
    loss,
    X,
    y,
    sample_weight,
    *,
    params,
    num_boost_round,
    eval_sets=(),
    early_stopping_rounds=None,
    metric=None,
    evals_result=None,
    renew_leaves=False,
) -> Model:
    """``xgboost.train`` with the loss as objective, its start, and early stopping on ``metric``.

    ``eval_sets``: (X, y, sample_weight) triples; ``metric``: None, or a function of the loss
    that returns a ``custom_metric`` for it (the metric of a loss, or of its predictions).
    ``renew_leaves``: for ``Quantile`` losses, set every leaf to the residual quantile of its
    rows, as XGBoost's built-in ``reg:quantileerror`` does (see ``_train_renewing``).
    """
    if renew_leaves:
        reason = renewal_refused(loss, params)
        if reason:
            raise ValueError(f"renew_leaves=True is not valid: {reason}")
    check_eval_sets(loss, eval_sets)
    p = {"verbosity": 0, **params, **_loss_params(loss, y, sample_weight)}
    if metric is not None:
        p["disable_default_eval_metric"] = 1
        metric = metric(loss)
    threads = p.get("nthread", p.get("n_jobs"))
    dtrain, evals, callbacks = _data(X, y, sample_weight, eval_sets, early_stopping_rounds, metric, threads)
    if not has_varying_feature(X):
        # no tree can split: the start, as on LightGBM (see has_varying_feature)
        return Model(_boost(p, dtrain, 0, evals, None, [], None), loss)
    if renew_leaves:
        init = loss.init_score(y, sample_weight)
        booster = _train_renewing(
            loss, p, dtrain, evals, eval_sets, y, sample_weight, init, num_boost_round,
            early_stopping_rounds, metric, evals_result,
        )  # fmt: skip
        return Model(booster, loss)
    booster = _boost(p, dtrain, num_boost_round, evals, metric, callbacks, evals_result, obj=loss)
    return Model(booster, loss)


def _data(X, y, sample_weight, eval_sets, early_stopping_rounds, metric, nthread=None):
    """(dtrain, evals, callbacks): the DMatrices and the early stopping on the last eval set
    that ``train`` and ``train_builtin`` share. enable_categorical: pandas category columns
    are split on natively (no effect otherwise). ``nthread``: the training's, which the
    objective reads off the DMatrix for its own threads."""
    nthread = -1 if nthread is None else int(nthread)
    dtrain = xgboost.DMatrix(X, label=y, weight=sample_weight, enable_categorical=True, nthread=nthread)
    evals = [
        (xgboost.DMatrix(Xe, label=ye, weight=we, enable_categorical=True), f"valid_{i}")
        for i, (Xe, ye, we) in enumerate(eval_sets)
    ]
    callbacks = []
    if early_stopping_rounds and evals:
        callbacks.append(early_stopping(early_stopping_rounds, metric, data_name=evals[-1][1]))
    return dtrain, evals, callbacks


def _boost(p, dtrain, num_boost_round, evals, metric, callbacks, evals_result, obj=None):
    """``xgboost.train`` as ``train`` (``obj``: the loss) and ``train_builtin`` call it."""
    return xgboost.train(
        p,
        dtrain,
        num_boost_round,
        obj=obj,
        evals=evals,
        custom_metric=metric,
        callbacks=callbacks,
        evals_result=evals_result,
        verbose_eval=False,
    )


def train_builtin(
    params, link, X, y, sample_weight, *, num_boost_round, eval_sets, early_stopping_rounds,
    metric, eval_metric, maximize, evals_result,
) -> Model:  # fmt: skip
    """``xgboost.train`` with a built-in objective (``params["objective"]``), the same data
    handling, metric adapter and early stopping as ``train``: the baseline that differs from
    a gbobjectives loss in the objective only. XGBoost estimates the start itself. A custom
    metric sees the objective's predictions (probabilities, not margins) with a built-in
    objective; ``link`` (a gbobjectives loss) maps the model's margins to predictions."""
    check_eval_sets(link, eval_sets)
    metric = None if eval_metric is None else metric(eval_metric, None, maximize=maximize)
    dtrain, evals, callbacks = _data(X, y, sample_weight, eval_sets, early_stopping_rounds, metric)
    p = {"verbosity": 0, **params, **({} if metric is None else {"disable_default_eval_metric": 1})}
    booster = _boost(p, dtrain, num_boost_round, evals, metric, callbacks, evals_result)
    return Model(booster, link)


def renewal_refused(loss, params) -> str | None:
    """Why leaf renewal cannot run with this loss and these parameters, or None."""
    if not (loss.task == "regression" and hasattr(loss, "alphas")):
        return f"leaf renewal exists for Quantile losses, not {loss!r}"
    if params.get("booster", "gbtree") != "gbtree":
        # dart rescales earlier trees at every round, gblinear has no leaves: the loop's own
        # scores would no longer be the model's
        return f"booster={params['booster']!r} (leaf renewal needs booster='gbtree')"
    if params.get("multi_strategy", "one_output_per_tree") != "one_output_per_tree":
        return f"multi_strategy={params['multi_strategy']!r} (vector leaves cannot be renewed one by one)"
    if params.get("num_parallel_tree", 1) != 1:
        return f"num_parallel_tree={params['num_parallel_tree']!r} (a forest per round is one leaf per tree)"
    return None


def _train_renewing(
    loss,
    p,
    dtrain,
    evals,
    eval_sets,
    y,
    w,
    init,
    num_boost_round,
    early_stopping_rounds,
    metric,
    results,
    quantile_method="inverted_cdf",
):
    """``boost_renewing`` on an XGBoost booster.

    XGBoost has no call that sets a leaf. The loop grows each round with ``Booster.update``
    (as ``xgboost.train`` does), reads each row's leaf from a one-round slice of the model,
    keeps the renewed values, and writes them all into the model's JSON once at the end. Its
    cached training scores are never used: the gradients come from the loop's own scores.
    With XGBoost's own leaf quantile (``quantile_method="weibull"``) and the textbook gradients
    the model equals ``reg:quantileerror``'s (a test shows it). The default is the same
    quantile as on LightGBM, the inverted CDF, for which a weight of 3 renews a leaf as three
    copies of the row would (XGBoost's own definition switches to it only with weights).
    """
    booster = xgboost.Booster(p, [dtrain] + [d for d, _ in evals])
    data = [dtrain] + [d for d, _ in evals]
    renewed = {}

    def grow(t, g, h):
        booster.update(dtrain, t, fobj=lambda preds, d: (g, h))
        return False

    def leaves_of(t, i):
        return booster[t : t + 1].predict(data[0 if i is None else i + 1], pred_leaf=True)

    def set_leaves(t, k, values):
        renewed[(t, k)] = values

    kept = boost_renewing(
        loss, y, w, init, (grow, leaves_of, set_leaves),
        num_boost_round=num_boost_round, learning_rate=float(p.get("learning_rate", p.get("eta", 0.3))),
        eval_sets=eval_sets, early_stopping_rounds=early_stopping_rounds, metric=metric,
        evals_result=results, framework="xgboost", quantile_method=quantile_method,
        accumulate=np.float32,  # XGBoost sums a row's leaf values in float32
    )  # fmt: skip
    _write_leaves(booster, renewed, loss.n_outputs)
    return booster[:kept] if kept else booster


def _write_leaves(booster, renewed, n_outputs):
    """Set the leaves of round t, output k (tree t * n_outputs + k) to the renewed values."""
    import json

    model = json.loads(booster.save_raw("json"))
    trees = model["learner"]["gradient_booster"]["model"]["trees"]
    for (t, k), values in renewed.items():
        tree = trees[t * n_outputs + k]
        for leaf, value in values.items():
            if tree["left_children"][leaf] != -1:  # a row's leaf is a leaf: never a split
                raise RuntimeError(f"node {leaf} of tree {t * n_outputs + k} is not a leaf")
            tree["split_conditions"][leaf] = value
            tree["base_weights"][leaf] = value
    booster.load_model(bytearray(json.dumps(model).encode()))
