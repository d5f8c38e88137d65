"""Adapters: the only code that knows XGBoost's and LightGBM's calling conventions.

- ``gbobjectives.adapters.xgboost``  (imports xgboost)
- ``gbobjectives.adapters.lightgbm`` (imports lightgbm)

- ``gbobjectives.adapters.dask``     (imports dask and xgboost.dask / lightgbm.dask)

What they adapt is the core's: a loss called by a framework goes to
``gbobjectives._objective`` (no framework imported there).
"""

from __future__ import annotations

import importlib

from ._common import SklearnObjective

__all__ = ["SklearnObjective", "xgboost", "lightgbm"]


def __getattr__(name):
    if name in ("xgboost", "lightgbm"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(name)
