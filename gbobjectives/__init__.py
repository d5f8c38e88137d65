"""gbobjectives: custom objectives for XGBoost and LightGBM.

Layout (what may import what):

The core (numpy only; no framework, and nothing below imports anything above it):

- ``gbobjectives._constants`` codes and constants; imports nothing.
- ``gbobjectives.pointwise``  the formulas: loss, gradient, hessian of one sample, each once.
- ``gbobjectives._engine``    the loops that run them over the rows: compiled by numba
                              (imported on the first call) or, without it, plain Python.
- ``gbobjectives._objective`` one objective call from a framework's arguments (no import of
                              any framework: it reads their types).
- ``gbobjectives.losses``     the losses: parameters, data-derived scales, starts, links.
- ``gbobjectives.links``, ``gbobjectives.metrics``: identity/logit/softmax; MAPE, SMAPE.

On top of the core:

- ``gbobjectives.adapters``   the only modules that import xgboost / lightgbm / dask, lazily.
- ``gbobjectives.estimators`` GBRegressor / GBClassifier (scikit-learn), on the adapters.
- ``gbobjectives.diagnosis``  ``diagnose``: checks anyone's custom objective (the framework
                              calls in ``adapters/conventions.py``).
- ``gbobjectives.cli``, ``gbobjectives.demo``: ``gbobjectives compare``, ``diagnose`` and
  ``logcosh-demo``.

Importing ``gbobjectives`` imports neither framework.
"""

from .diagnosis import diagnose
from .losses import (
    BinaryFocal,
    ClassBalanced,
    Huber,
    LogCosh,
    Logistic,
    Loss,
    PseudoHuber,
    Quantile,
    SoftmaxCrossEntropy,
    SoftmaxFocal,
    SquaredError,
)
from .metrics import mape, smape


def __getattr__(name):
    # The estimators import scikit-learn: loaded on first use, so that importing the losses
    # stays numpy-only.
    if name in ("GBRegressor", "GBClassifier", "expected_failed_checks"):
        from . import estimators

        return getattr(estimators, name)
    raise AttributeError(f"module 'gbobjectives' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = [
    "Loss",
    "SquaredError",
    "Huber",
    "PseudoHuber",
    "LogCosh",
    "Quantile",
    "Logistic",
    "BinaryFocal",
    "SoftmaxCrossEntropy",
    "SoftmaxFocal",
    "ClassBalanced",
    "mape",
    "smape",
    "GBRegressor",
    "GBClassifier",
    "expected_failed_checks",
    "diagnose",
]
