"""Adapters: the only code that knows XGBoost's and LightGBM's calling conventions.

- ``gbobjectives.adapters.xgboost``  (imports xgboost)
- ``gbobjectives.adapters.lightgbm`` (imports lightgbm)

``call_objective`` is what a loss does when a framework calls it; it recognises the
convention from the second argument's type without importing any framework.
"""

from __future__ import annotations

import importlib

from ._common import SklearnObjective, sklearn_objective

__all__ = ["call_objective", "SklearnObjective", "xgboost", "lightgbm"]


def _framework_of(obj) -> str:
    return type(obj).__module__.partition(".")[0]


def call_objective(loss, arg0, arg1, sample_weight=None):
    """Dispatch one objective call.

    - ``(predt, xgboost.DMatrix)``: ``xgboost.train`` (and xgboost.dask);
    - ``(preds, lightgbm.Dataset)``: ``lightgbm.train``;
    - ``(y_true, y_pred[, sample_weight])``: the sklearn estimators of both.
    """
    framework = _framework_of(arg1)
    if framework == "xgboost":
        from .xgboost import native_objective

        return native_objective(loss, arg0, arg1)
    if framework == "lightgbm":
        from .lightgbm import native_objective

        return native_objective(loss, arg0, arg1)
    return sklearn_objective(loss, arg0, arg1, sample_weight)


def __getattr__(name):
    if name in ("xgboost", "lightgbm"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(name)
