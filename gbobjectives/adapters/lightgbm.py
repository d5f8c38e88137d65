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
"""

from __future__ import annotations

import numpy as np

from ._common import SklearnObjective, _MetricAdapter, grad_hess, weights_or_none


def native_objective(loss, preds, dataset):
    """``params["objective"]`` for ``lightgbm.train``: ``f(preds, train_data)``."""
    return grad_hess(loss, dataset.get_label(), preds, weights_or_none(dataset.get_weight()), "lightgbm")


def init_score_rows(init, n: int) -> np.ndarray:
    """The constant start repeated for n rows, as ``Dataset(init_score=...)`` wants it."""
    init = np.asarray(init, dtype=np.float64)
    return np.full(n, float(init)) if init.ndim == 0 else np.tile(init, (n, 1))


def bake_init_score(booster, init) -> None:
    """Add the constant start to every leaf of the first iteration's trees (one per class).

    Afterwards ``booster.predict(X, raw_score=True)`` is the full margin without any
    ``init_score``. Call it once, after training.
    """
    init = np.atleast_1d(np.asarray(init, dtype=np.float64))
    k = booster.num_model_per_iteration()
    if init.size != k:
        raise ValueError(f"init has {init.size} value(s) but the booster has {k} tree(s) per iteration")
    info = booster.dump_model()["tree_info"]
    for tree in range(k):
        for leaf in range(info[tree]["num_leaves"]):
            booster.set_leaf_output(tree, leaf, booster.get_leaf_output(tree, leaf) + init[tree])


def sklearn_params(loss) -> dict:
    """Keyword arguments for ``LGBMRegressor`` / ``LGBMClassifier(**kw)``.

    The loss wrapped in ``SklearnObjective``, so that its hyperparameters are not forwarded
    to LightGBM as unknown ``objective__*`` parameters. The start goes to ``fit``:
    ``init_score=init_score_rows(loss.init_score(y), len(y))``, then ``bake_init_score``.
    """
    return {"objective": SklearnObjective(loss)}


class feval(_MetricAdapter):  # noqa: N801 - named after the lightgbm.train argument
    """``feval=`` for ``lightgbm.train``: ``f(preds, eval_data) -> (name, value, is_higher_better)``."""

    def __call__(self, preds, dataset):
        w = weights_or_none(dataset.get_weight())
        return self.name, self.value(dataset.get_label(), preds, w), self.maximize


class eval_metric(_MetricAdapter):  # noqa: N801 - named after the sklearn argument
    """``eval_metric=`` for ``LGBMRegressor`` / ``LGBMClassifier``.

    Three positional parameters: LightGBM passes the weights third (it picks the convention
    by the parameter count).
    """

    def __call__(self, y_true, y_pred, weight):
        return self.name, self.value(y_true, y_pred, weight), self.maximize
