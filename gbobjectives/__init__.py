"""gbobjectives: custom objectives for XGBoost and LightGBM.

Layout (what may import what):

- ``gbobjectives.losses``   the losses; numpy only.
- ``gbobjectives.links``    identity, logit, softmax; numpy only.
- ``gbobjectives.metrics``  MAPE, SMAPE; numpy only.
- ``gbobjectives.adapters`` the only modules that import xgboost / lightgbm / dask, lazily.
- ``gbobjectives._kernels`` the compiled kernels (numba), loaded on the first training call.
- ``gbobjectives.estimators`` GBRegressor / GBClassifier (scikit-learn), on the adapters.

Importing ``gbobjectives`` imports neither framework.
"""

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
]
