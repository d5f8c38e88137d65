"""LightGBM: the objective's calling conventions, the start, and metrics.

Native API::

    init = loss.init_score(y_train)
    train = lightgbm.Dataset(X, y, init_score=gbl.init_score_rows(init, len(y)))
    valid = lightgbm.Dataset(Xv, yv, init_score=gbl.init_score_rows(init, len(yv)), reference=train)
    booster = lightgbm.train({"objective": loss}, train, valid_sets=[valid],
                             feval=gbl.feval(gb.mape, loss),
                             callbacks=[lightgbm.early_stopping(10)])
    gbl.bake_init_score(booster, init)            # Booster.predict now includes the start
    y_pred = loss.predict(booster.predict(X, raw_score=True))

LightGBM starts a custom objective from 0 (``boost_from_average`` is ignored), and
``Dataset(init_score=...)`` is used in training but left out of ``Booster.predict``:
``bake_init_score`` adds it to the leaves of the first iteration's trees, so the booster
carries it (through save, load and pickle too). Multi-output regression is not possible
(no multi-output trees): one model per quantile.

Public: ``init_score_rows``, ``bake_init_score``, ``sklearn_params``, ``feval``,
``eval_metric``, ``early_stopping``. The rest (``train``, ``Model``, ...) serves the
estimators.
"""

from __future__ import annotations

import lightgbm
import numpy as np

from .. import _engine
from .._objective import weights_or_none
from ._common import SklearnObjective, _MetricAdapter, boost_renewing, check_eval_sets

__all__ = ["init_score_rows", "bake_init_score", "sklearn_params", "feval", "eval_metric", "early_stopping"]


def init_score_rows(init, n: int) -> np.ndarray:
    """The constant start repeated for n rows, as ``Dataset(init_score=...)`` wants it.

    Parameters
    ----------
    init : float or array-like of shape (K,)
        The start, ``loss.init_score(y_train)``: one margin, or one per class or quantile.
    n : int
        The number of rows of the Dataset.

    Returns
    -------
    ndarray of shape (n,) or (n, K)
        A new float64 array (LightGBM reads a 2-d init score as one column per class).

    Examples
    --------
    >>> from gbobjectives.adapters import lightgbm as gbl
    >>> gbl.init_score_rows(2.5, 3)
    array([2.5, 2.5, 2.5])
    >>> gbl.init_score_rows([0.1, -0.2], 2)
    array([[ 0.1, -0.2],
           [ 0.1, -0.2]])
    """
    init = np.asarray(init, dtype=np.float64)
    return np.full(n, float(init)) if init.ndim == 0 else np.tile(init, (n, 1))


def bake_init_score(booster, init) -> None:
    """Add the constant start to every leaf of the first iteration's trees (one per class).

    Afterwards ``booster.predict(X, raw_score=True)`` is the full margin without any
    ``init_score`` (through save, load and pickle too). Call it once, after training:

    - a second call on the same booster is refused (it would add the start twice);
    - ``linear_tree`` is refused: a linear leaf predicts its own constant plus a linear term,
      which ``set_leaf_output`` does not reach, so baking would silently do nothing;
    - ``predict(start_iteration=1)`` then leaves the start out (it lives in iteration 0);
    - with ``boosting="dart"``, bake only a finished model: further training may rescale
      the first trees, and the start with them.

    ``GBRegressor`` / ``GBClassifier`` do not bake: they add the start to the margin at predict
    time, which works for every kind of model.

    Parameters
    ----------
    booster : lightgbm.Booster
        The trained booster (``model.booster_`` for the scikit-learn API); changed in place.
    init : float or array-like of shape (K,)
        The start it was trained from (``loss.init_score(y_train)``).

    Returns
    -------
    None
        The booster is changed in place.

    Raises
    ------
    ValueError
        On a second call, a ``linear_tree`` model, or an ``init`` whose size is not the
        number of trees per iteration.

    Examples
    --------
    >>> import lightgbm as lgb, numpy as np
    >>> import gbobjectives as gb
    >>> from gbobjectives.adapters import lightgbm as gbl
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 3)); y = 50 + 10 * X[:, 0] + rng.normal(size=300)
    >>> loss = gb.Huber()
    >>> init = loss.init_score(y)
    >>> train = lgb.Dataset(X, y, init_score=gbl.init_score_rows(init, 300))
    >>> booster = lgb.train({"objective": loss, "verbose": -1}, train, 20)
    >>> before = booster.predict(X, raw_score=True)  # the start left out
    >>> gbl.bake_init_score(booster, init)
    >>> bool(np.allclose(booster.predict(X, raw_score=True), before + init))
    True
    """
    if getattr(booster, "_gbobjectives_baked_init", None) is not None:
        raise ValueError(
            "bake_init_score was already called on this booster (start "
            f"{booster._gbobjectives_baked_init!r}); baking again would add the start twice"
        )
    if any(
        str(booster.params.get(k, "false")).lower() in ("true", "1") for k in ("linear_tree", "linear_trees")
    ):
        raise ValueError(
            "bake_init_score cannot bake into a model trained with linear_tree=True: "
            "set_leaf_output does not reach linear leaves. Add the start at predict time "
            "instead: booster.predict(X, raw_score=True) + init"
        )
    init = np.atleast_1d(np.asarray(init, dtype=np.float64))
    k = booster.num_model_per_iteration()
    if init.size != k:
        raise ValueError(f"init has {init.size} value(s) but the booster has {k} tree(s) per iteration")
    info = booster.dump_model()["tree_info"]
    for tree in range(k):
        for leaf in range(info[tree]["num_leaves"]):
            booster.set_leaf_output(tree, leaf, booster.get_leaf_output(tree, leaf) + init[tree])
    booster._gbobjectives_baked_init = init.tolist()  # kept by pickle (LightGBM pickles __dict__)


def sklearn_params(loss) -> dict:
    """Keyword arguments for ``LGBMRegressor`` / ``LGBMClassifier(**kw)``.

    Parameters
    ----------
    loss : Loss
        The loss that will be the objective.

    Returns
    -------
    dict
        ``objective``: the loss wrapped in :class:`~gbobjectives.adapters.SklearnObjective`,
        so that its hyperparameters are not forwarded to LightGBM as unknown
        ``objective__*`` parameters. The start goes to ``fit``:
        ``init_score=init_score_rows(loss.init_score(y), len(y))``, then
        :func:`bake_init_score`. ``LGBMClassifier.predict_proba`` returns raw scores with a
        custom objective: use ``loss.predict`` on them, or ``GBClassifier``.

    Examples
    --------
    >>> import lightgbm as lgb, numpy as np
    >>> import gbobjectives as gb
    >>> from gbobjectives.adapters import lightgbm as gbl
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 3)); y = 50 + 10 * X[:, 0] + rng.normal(size=300)
    >>> loss = gb.PseudoHuber()
    >>> init = loss.init_score(y)
    >>> model = lgb.LGBMRegressor(n_estimators=30, verbose=-1, **gbl.sklearn_params(loss))
    >>> model = model.fit(X, y, init_score=gbl.init_score_rows(init, len(y)))
    >>> gbl.bake_init_score(model.booster_, init)
    >>> bool(np.mean(np.abs(model.predict(X) - y)) < np.mean(np.abs(y - np.median(y))))
    True
    """
    return {"objective": SklearnObjective(loss)}


class feval(_MetricAdapter):  # noqa: N801 - named after the lightgbm.train argument
    """``feval=`` for ``lightgbm.train``: ``f(preds, eval_data) -> (name, value, is_higher_better)``.

    Parameters
    ----------
    func : callable
        ``func(y_true, y_pred, sample_weight=None) -> float``, such as
        :func:`gbobjectives.mape`.
    loss : Loss, optional
        The training's loss: LightGBM hands a custom metric raw scores, which go through
        ``loss.predict`` first. Without it, ``func`` sees raw scores.
    maximize : bool, default False
        Whether higher is better (returned as ``is_higher_better``).
    name : str, optional
        The metric's name; ``func.__name__`` by default.

    Examples
    --------
    >>> import lightgbm as lgb, numpy as np
    >>> import gbobjectives as gb
    >>> from gbobjectives.adapters import lightgbm as gbl
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 3)); y = 50 + 10 * X[:, 0] + rng.normal(size=300)
    >>> loss = gb.LogCosh()
    >>> init = loss.init_score(y[:200])
    >>> train = lgb.Dataset(X[:200], y[:200], init_score=gbl.init_score_rows(init, 200))
    >>> valid = lgb.Dataset(X[200:], y[200:], init_score=gbl.init_score_rows(init, 100), reference=train)
    >>> history = {}
    >>> params = {"objective": loss, "metric": "None", "verbose": -1}
    >>> booster = lgb.train(params, train, 30, valid_sets=[valid], feval=gbl.feval(gb.mape, loss),
    ...                     callbacks=[lgb.record_evaluation(history)])
    >>> bool(history["valid_0"]["mape"][-1] < 0.1)
    True
    """

    def __call__(self, preds, dataset):
        w = weights_or_none(dataset.get_weight())
        return self.name, self.value(dataset.get_label(), preds, w), self.maximize


class eval_metric(_MetricAdapter):  # noqa: N801 - named after the sklearn argument
    """``eval_metric=`` for ``LGBMRegressor`` / ``LGBMClassifier``.

    Three positional parameters: LightGBM passes the weights third (it picks the convention
    by the parameter count).

    Parameters
    ----------
    func : callable
        ``func(y_true, y_pred, sample_weight=None) -> float``.
    loss : Loss, optional
        The training's loss: raw scores go through ``loss.predict`` first.
    maximize : bool, default False
        Whether higher is better.
    name : str, optional
        The metric's name; ``func.__name__`` by default.

    Examples
    --------
    >>> import lightgbm as lgb, numpy as np
    >>> import gbobjectives as gb
    >>> from gbobjectives.adapters import lightgbm as gbl
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 3)); y = 50 + 10 * X[:, 0] + rng.normal(size=300)
    >>> loss = gb.Huber()
    >>> init = loss.init_score(y[:200])
    >>> model = lgb.LGBMRegressor(n_estimators=30, metric="None", verbose=-1, **gbl.sklearn_params(loss))
    >>> model = model.fit(X[:200], y[:200], init_score=gbl.init_score_rows(init, 200), eval_X=(X[200:],),
    ...                   eval_y=(y[200:],), eval_init_score=[gbl.init_score_rows(init, 100)],
    ...                   eval_metric=gbl.eval_metric(gb.smape, loss))
    >>> smape = model.evals_result_["valid_0"]["smape"]
    >>> bool(smape[-1] < smape[0])
    True
    """

    def __call__(self, y_true, y_pred, weight):
        return self.name, self.value(y_true, y_pred, weight), self.maximize


# ------------------------------------------------------------------ used by the estimators
_OWNED = ("objective", "num_class", "init_score", "metric")


def check_backend_params(params: dict) -> None:
    """Refuse what LightGBM would only log as "Unknown parameter" and ignore, or what would
    replace the loss. The names and aliases are LightGBM's own list (its C API's dump)."""
    owned = [k for k in params if k in _OWNED]
    if owned:
        raise ValueError(
            f"backend_params={params!r}: {owned} are set by gbobjectives from the loss; remove them"
        )
    try:
        aliases = lightgbm.basic._ConfigAliases._get_all_param_aliases()
    except AttributeError:  # pragma: no cover - a LightGBM without the list: nothing to check
        return
    known = {name for main, names in aliases.items() for name in (main, *names)}
    unknown = [k for k in params if k not in known]
    if unknown:
        raise ValueError(
            f"backend_params={params!r}: {unknown} are not LightGBM parameters (LightGBM would "
            "ignore them); see https://lightgbm.readthedocs.io/en/stable/Parameters.html"
        )


def _param(params: dict, name: str, default):
    """``params[name]`` under any of LightGBM's aliases of ``name``."""
    try:
        names = lightgbm.basic._ConfigAliases.get(name)
    except AttributeError:  # pragma: no cover - a LightGBM without the list
        names = {name}
    return next((params[k] for k in params if k in names and params[k] is not None), default)


def renewal_refused(loss, params) -> str | None:
    """Why leaf renewal cannot run with this loss and these parameters, or None."""
    if not (loss.task == "regression" and hasattr(loss, "alphas")):
        return f"leaf renewal exists for Quantile losses, not {loss!r}"
    boosting = str(_param(params, "boosting", "gbdt")).lower()
    if boosting in ("dart", "rf", "random_forest"):
        # dart rescales earlier trees at every round and rf averages them: the loop's own scores
        # would no longer be the model's
        return f"boosting={boosting!r} (leaf renewal needs 'gbdt' or 'goss')"
    if str(_param(params, "linear_tree", False)).lower() in ("true", "1"):
        return "linear_tree=True (set_leaf_output does not reach a linear leaf's slope)"
    return None


class Model:
    """Trained booster(s) and their start: ``raw(X)`` is the full margin.

    The start is added to the booster's raw scores at predict time rather than baked into its
    leaves, so that it holds for every kind of model LightGBM trains (linear trees, whose
    leaves ``set_leaf_output`` does not reach, and dart, which rescales early trees).
    Multi-quantile losses hold one booster per alpha (LightGBM has no multi-output trees).
    """

    def __init__(self, boosters, loss, inits):
        self.boosters = boosters  # a None entry is a constant model (see train)
        self.loss = loss
        self.inits = inits

    def __setstate__(self, state):
        # a model pickled by gbobjectives 0.1.0 baked the start into its boosters and kept
        # ``constants`` only for constant models
        if "inits" not in state:
            consts = state.pop("constants", None) or [None] * len(state["boosters"])
            state["inits"] = [0.0 if b is not None else c for b, c in zip(state["boosters"], consts)]
        self.__dict__.update(state)

    @property
    def booster(self):
        return self.boosters[0] if len(self.boosters) == 1 else self.boosters

    @property
    def best_iteration(self):
        """The kept round's index (-1: a constant model), one for all alphas (grown in
        lockstep, stopped together)."""
        its = [-1 if b is None else (b.best_iteration or b.current_iteration()) - 1 for b in self.boosters]
        return max(its)

    def _raw_one(self, booster, init, X):
        start = init_score_rows(init, X.shape[0])
        if booster is None:
            return start
        return booster.predict(X, raw_score=True, num_iteration=booster.best_iteration or None) + start

    def raw(self, X):
        cols = [self._raw_one(b, c, X) for b, c in zip(self.boosters, self.inits)]
        return cols[0] if len(cols) == 1 else np.column_stack(cols)


class early_stopping:  # noqa: N801 - a callback, named as lightgbm.early_stopping
    """Early stopping on the LAST validation set's first metric, as XGBoost's does.

    ``lightgbm.early_stopping`` watches every validation set and stops when any of them
    stalls: with two eval sets it stopped at round 14 with best iteration 3, the argmin of
    the first set, while the last set's argmin was 5. This callback follows one set (the
    last, or ``data_name``), so one rule holds on both backends and every path. Make one per
    training run (it keeps that run's best round).

    Parameters
    ----------
    rounds : int
        Stop after this many rounds without improvement of the followed set's first metric.
    data_name : str, optional
        The validation set to follow, by its name; the last one by default.

    Examples
    --------
    >>> import lightgbm as lgb, numpy as np
    >>> import gbobjectives as gb
    >>> from gbobjectives.adapters import lightgbm as gbl
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 3)); y = 50 + 10 * X[:, 0] + rng.normal(size=300)
    >>> loss = gb.Huber()
    >>> init = loss.init_score(y[:200])
    >>> train = lgb.Dataset(X[:200], y[:200], init_score=gbl.init_score_rows(init, 200))
    >>> valid = lgb.Dataset(X[200:], y[200:], init_score=gbl.init_score_rows(init, 100), reference=train)
    >>> params = {"objective": loss, "metric": "None", "verbose": -1}
    >>> booster = lgb.train(params, train, 1000, valid_sets=[valid], feval=gbl.feval(gb.mape, loss),
    ...                     callbacks=[gbl.early_stopping(5)])
    >>> 0 < booster.best_iteration < 1000
    True
    """

    def __init__(self, rounds: int, *, data_name: str | None = None):
        # on the instance: lightgbm.train sets a missing instance ``order`` to its position
        # (-1), which would run this before record_evaluation (20) and lose the last round
        self.order = 30
        self.before_iteration = False
        self.rounds = int(rounds)
        self.data_name = data_name
        self._best = None  # (value, iteration, that iteration's results)

    def __call__(self, env):
        results = [r for r in env.evaluation_result_list if r[0] != "training"]
        if not results:
            return
        name = self.data_name or results[-1][0]
        _, _, value, higher = next(r for r in results if r[0] == name)[:4]
        if self._best is None or (value > self._best[0] if higher else value < self._best[0]):
            self._best = (value, env.iteration, [r[:4] for r in env.evaluation_result_list])
        elif env.iteration - self._best[1] >= self.rounds or env.iteration == env.end_iteration - 1:
            raise lightgbm.callback.EarlyStopException(self._best[1], self._best[2])
        if env.iteration == env.end_iteration - 1:  # the last round is the best: keep all
            raise lightgbm.callback.EarlyStopException(self._best[1], self._best[2])


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
    """``lightgbm.train`` with the loss as objective from its start, early stopping on ``metric``.

    ``eval_sets``: (X, y, sample_weight) triples; ``metric``: None, or a function of the loss
    that returns a ``feval`` for it (the metric of a loss, or of its predictions).
    ``renew_leaves``: for ``Quantile`` losses, renew every leaf with the residual quantile of
    its rows, as LightGBM's built-in ``quantile`` does (see ``_train_renewing``).
    """
    if renew_leaves and renewal_refused(loss, params):
        raise ValueError(f"renew_leaves=True is not valid: {renewal_refused(loss, params)}")
    check_eval_sets(loss, eval_sets)
    boosting = str(_param(params, "boosting", "gbdt")).lower()
    if boosting == "dart" and early_stopping_rounds and eval_sets:
        raise ValueError(
            f"early_stopping_rounds={early_stopping_rounds} is not valid with boosting='dart': dart "
            "rescales earlier trees at every round, so the model of a past round is not kept "
            "(LightGBM disables early stopping in dart mode); set early_stopping_rounds=None"
        )
    if loss.task == "regression" and loss.n_outputs > 1 and boosting == "dart" and not renew_leaves:
        # measured: reading a dart booster's training scores (eval_train, as the lockstep loop
        # does) drops the next round's trees at once and leaves them negated until the next
        # update (after the last round the model moved by 0.13). So each alpha trains alone,
        # as lightgbm.train would; the metric's history is then each booster's, not recorded
        from ..losses import Quantile

        models = [
            train(
                Quantile(float(a), scale=loss.scale, hessian=loss.hessian), X, y, sample_weight,
                params=params, num_boost_round=num_boost_round, eval_sets=eval_sets,
                early_stopping_rounds=None, metric=metric, evals_result=None,
            )
            for a in loss.alphas
        ]  # fmt: skip
        return Model([m.boosters[0] for m in models], loss, [m.inits[0] for m in models])
    if loss.task == "regression" and loss.n_outputs > 1:
        return _train_alphas(
            loss, X, y, sample_weight, params, num_boost_round, eval_sets, early_stopping_rounds,
            metric, evals_result, renew_leaves,
        )  # fmt: skip
    init = loss.init_score(y, sample_weight)
    if loss.n_outputs == 1:  # Quantile([a]) gives a (1,) start: one column is one model
        init = float(np.ravel(init)[0])
    p = {"verbosity": -1, **params, "objective": loss}
    if loss.task == "multiclass":
        p["num_class"] = loss.n_outputs
    if metric is not None:
        p["metric"] = "None"
        metric = metric(loss)
    train_set = lightgbm.Dataset(
        X,
        y,
        weight=sample_weight,
        init_score=init_score_rows(init, len(y)),
        params={**p, "objective": "none"},  # the binning training will use ("none": a custom objective)
    ).construct()
    if not any(train_set.feature_num_bin(i) > 1 for i in range(train_set.num_feature())):
        # No feature survives LightGBM's pre-filter (constant columns, or too few rows for
        # min_data_in_leaf). Its built-in objectives then train a constant model; a custom one
        # aborts ("[Fatal] Check failed: (train_data->num_features()) > (0)", printed on stderr
        # before the error is raised). So we train none: the best constant is the loss's start.
        return Model([None], loss, [init])
    valid = [
        lightgbm.Dataset(Xe, ye, weight=we, init_score=init_score_rows(init, len(ye)), reference=train_set)
        for Xe, ye, we in eval_sets
    ]
    callbacks = []
    if evals_result is not None:
        callbacks.append(lightgbm.record_evaluation(evals_result))
    if early_stopping_rounds and valid:
        callbacks.append(early_stopping(early_stopping_rounds))
    if renew_leaves:
        booster = _train_renewing(
            loss,
            p,
            train_set,
            X,
            y,
            sample_weight,
            init,
            num_boost_round,
            eval_sets,
            early_stopping_rounds,
            metric,
            evals_result,
        )
    else:
        booster = _boost(p, train_set, num_boost_round, valid, metric, callbacks)
    return Model([booster], loss, [init])


def _train_alphas(
    loss, X, y, w, params, num_boost_round, eval_sets, early_stopping_rounds, metric, evals_result, renew
) -> Model:
    """A multi-quantile loss on LightGBM, which has no multi-output trees: one booster per
    alpha, grown in lockstep by ``boost_renewing`` (renewing the leaves, or on each booster's
    own scores), so that one metric, the mean over the alphas of each alpha's metric, is
    recorded and picks one stopping round for all of them, as on XGBoost's single
    multi-output booster. (Trained one after the other, each booster stopped on its own
    alpha: a list of best iterations and no history.)

    Without renewal the gradients are taken at the boosters' own scores (``eval_train`` /
    ``eval_valid`` hand them to a metric function: dart's rescaled trees and linear leaves
    included) and at the labels as LightGBM stores them (float32), so that each column is
    the model ``lightgbm.train`` grows for that alpha alone."""
    init = np.asarray(loss.init_score(y, w), dtype=np.float64)
    k_out = loss.n_outputs
    p = {"verbosity": -1, **params, "objective": "none"}
    if metric is not None:
        p["metric"] = "None"
        metric = metric(loss)
    y_arr = np.asarray(y, dtype=np.float64)
    # the labels are the loop's (its own gradients); the Dataset's only bins the features
    label = y_arr if y_arr.ndim == 1 else y_arr[:, 0]
    train_set = lightgbm.Dataset(X, label, weight=w, params=p).construct()
    if not any(train_set.feature_num_bin(i) > 1 for i in range(train_set.num_feature())):
        return Model([None] * k_out, loss, [float(c) for c in init])  # see train
    boosters = [lightgbm.Booster(params=p, train_set=train_set) for _ in range(k_out)]
    growing = np.ones(k_out, dtype=bool)
    data = [X] + [Xe for Xe, _, _ in eval_sets]
    scores = {}
    if not renew:
        valid = [
            lightgbm.Dataset(Xe, ye, weight=we, reference=train_set, params=p) for Xe, ye, we in eval_sets
        ]
        for b in boosters:
            for i, v in enumerate(valid):
                b.add_valid(v, f"valid_{i}")

    def own_scores():
        """Every booster's current margins of the training rows and eval sets (+ the start)."""
        for k, b in enumerate(boosters):
            seen = []

            def keep(preds, data, seen=seen):
                seen.append(np.array(preds))
                return "scores", 0.0, False

            b.eval_train(feval=keep)
            b.eval_valid(feval=keep)
            for i, s in enumerate(seen):
                scores.setdefault(i, [None] * k_out)[k] = s + init[k]

    training_leaves = [_TrainingLeaves(b, X) for b in boosters]

    def grow(t, g, h):
        for k in np.flatnonzero(growing):
            gk, hk = np.ascontiguousarray(g[:, k]), np.ascontiguousarray(h[:, k])
            if training_leaves[k].update(gk, hk):
                growing[k] = False  # no split met the requirements: that alpha is done
        if not renew and growing.any():
            own_scores()
        return growing.copy()

    def leaves_of(t, i):
        rows = data[0 if i is None else i + 1]
        n_rows = rows.shape[0]

        def one(k):
            if not growing[k]:
                return np.zeros(n_rows, dtype=np.int64)
            if i is None:
                return np.asarray(training_leaves[k].of_round(t)).reshape(n_rows)
            leaves = boosters[k].predict(rows, pred_leaf=True, start_iteration=t, num_iteration=1)
            return leaves.reshape(n_rows)

        return np.column_stack([one(k) for k in range(k_out)])

    def scores_of(i):
        return np.column_stack(scores[0 if i is None else i + 1])

    def set_leaves(t, k, values):
        for leaf, value in values.items():
            boosters[k].set_leaf_output(t, leaf, value)

    # without renewal, the labels as LightGBM stores them (float32), as lightgbm.train's are
    labels = y_arr if renew else y_arr.astype(np.float32).astype(np.float64)
    kept = boost_renewing(
        loss, labels, w, init, (grow, leaves_of if renew else scores_of, set_leaves),
        num_boost_round=num_boost_round, learning_rate=float(_param(params, "learning_rate", 0.1)),
        eval_sets=eval_sets, early_stopping_rounds=early_stopping_rounds, metric=metric,
        evals_result=evals_result, framework="lightgbm", renew=renew,
    )  # fmt: skip
    for b in boosters:
        b.best_iteration = kept or 0
    return Model(boosters, loss, [float(c) for c in init])


def _boost(p, train_set, num_boost_round, valid, metric, callbacks):
    """``lightgbm.train`` as ``train`` and ``train_builtin`` call it (eval sets ``valid_<i>``)."""
    return lightgbm.train(
        p,
        train_set,
        num_boost_round,
        valid_sets=valid,
        valid_names=[f"valid_{i}" for i in range(len(valid))],
        feval=metric,
        callbacks=callbacks,
    )


def train_builtin(
    params, link, X, y, sample_weight, *, num_boost_round, eval_sets, early_stopping_rounds,
    metric, eval_metric, maximize, evals_result,
) -> Model:  # fmt: skip
    """``lightgbm.train`` with a built-in objective (``params["objective"]``), the same data
    handling, metric adapter and early stopping as ``train``: the baseline that differs from
    a gbobjectives loss in the objective only. LightGBM starts from its own average (in the
    booster, so the model's start is 0). A ``feval`` sees the objective's predictions
    (probabilities, not margins) with a built-in objective; ``link`` (a gbobjectives loss)
    maps the model's margins to predictions."""
    check_eval_sets(link, eval_sets)
    metric = None if eval_metric is None else metric(eval_metric, None, maximize=maximize)
    p = {"verbosity": -1, **params} if metric is None else {"verbosity": -1, **params, "metric": "None"}
    train_set = lightgbm.Dataset(X, y, weight=sample_weight, params=p)
    valid = [lightgbm.Dataset(Xe, ye, weight=we, reference=train_set) for Xe, ye, we in eval_sets]
    callbacks = [] if evals_result is None else [lightgbm.record_evaluation(evals_result)]
    if early_stopping_rounds and valid:
        callbacks.append(early_stopping(early_stopping_rounds))
    booster = _boost(p, train_set, num_boost_round, valid, metric, callbacks)
    start = np.zeros(link.n_outputs) if link.n_outputs > 1 else 0.0
    return Model([booster], link, [start])


class _TrainingLeaves:
    """The leaf of every training row in the round just grown, read off LightGBM's cached
    training scores instead of a prediction pass over the rows (``pred_leaf``: 1.2 ms a
    round at 36,000 rows, a third of a renewing round).

    The cache moves by the tree's own leaf value at each row (set_leaf_output, which renews
    the leaves, leaves the cache alone), so the change in a row's cached score names its
    leaf, once the leaf values are told apart from the rounding of that change: they are
    read exactly from the model's text (17 digits), and the match is used only when every
    row's change is within 8 ulp of the score of a leaf value and the leaf values are
    further apart than that; otherwise the prediction pass runs (tested both ways)."""

    def __init__(self, booster, X):
        self.booster, self.X = booster, X
        self.before = None

    def update(self, g, h):
        def objective(preds, dataset):
            self.before = np.array(preds, dtype=np.float64)  # LightGBM reuses this buffer
            return g, h

        return self.booster.update(fobj=objective)

    def of_round(self, t):
        found = self._from_scores(t)
        if found is not None:
            return found
        return self.booster.predict(self.X, pred_leaf=True, start_iteration=t, num_iteration=1)

    def _from_scores(self, t):
        import re

        if self.before is None:
            return None
        after = []
        self.booster.eval_train(feval=lambda preds, data: after.append(np.array(preds)) or ("s", 0.0, False))
        text = self.booster.model_to_string(start_iteration=t, num_iteration=1)
        match = re.search(r"^leaf_value=(.*)$", text, re.M)
        if not after or match is None:
            return None
        values = np.array(match.group(1).split(), dtype=np.float64)
        change = after[0] - self.before
        # |before| <= |after| + |leaf value|: one pass bounds the scores' size
        top = float(np.max(np.abs(after[0]), initial=0.0)) + 2.0 * float(np.max(np.abs(values), initial=0.0))
        tol = 8.0 * np.finfo(np.float64).eps * top
        order = np.argsort(values, kind="stable")
        v = values[order]
        if v.size > 1 and float(np.min(np.diff(v))) <= 2.0 * tol:
            return None  # two leaves too close to tell apart
        idx = _engine.nearest(change, v, tol)
        return None if idx is None else order[idx]


def _train_renewing(
    loss,
    params,
    train_set,
    X,
    y,
    w,
    init,
    num_boost_round,
    eval_sets,
    early_stopping_rounds,
    metric,
    evals_result,
):
    """``boost_renewing`` on a LightGBM booster: ``Booster.set_leaf_output`` renews a leaf
    (it changes the model, not LightGBM's cached training scores, which the loop does not use)."""
    booster = lightgbm.Booster(params={**params, "objective": "none"}, train_set=train_set)
    data = [X] + [Xe for Xe, _, _ in eval_sets]
    leaves = _TrainingLeaves(booster, X)

    def grow(t, g, h):
        return leaves.update(g, h)

    def leaves_of(t, i):
        if i is None:
            return leaves.of_round(t)
        return booster.predict(data[i + 1], pred_leaf=True, start_iteration=t, num_iteration=1)

    def set_leaves(t, k, values):
        for leaf, value in values.items():
            booster.set_leaf_output(t, leaf, value)

    kept = boost_renewing(
        loss, y, w, init, (grow, leaves_of, set_leaves),
        num_boost_round=num_boost_round, learning_rate=float(_param(params, "learning_rate", 0.1)),
        eval_sets=eval_sets, early_stopping_rounds=early_stopping_rounds, metric=metric,
        evals_result=evals_result, framework="lightgbm",
    )  # fmt: skip
    # LightGBM's convention: 0 when no early stopping chose a round (then all are used)
    booster.best_iteration = kept or 0
    return booster
