"""gbobjectives: custom objectives for XGBoost and LightGBM.

Layout (what may import what):

- ``gbobjectives.losses``   the losses; numpy only.
- ``gbobjectives.links``    identity, logit, softmax; numpy only.
- ``gbobjectives.metrics``  MAPE, SMAPE; numpy only.
- ``gbobjectives.adapters`` the only modules that import xgboost / lightgbm, lazily.

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
]
