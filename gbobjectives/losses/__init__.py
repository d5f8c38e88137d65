"""The losses: their formulas (``gbobjectives.pointwise``), parameters, starts and links.
numpy only, no framework. ``Formulas`` names a loss's pointwise functions (a new loss)."""

from .._engine import Formulas
from ._base import Loss
from ._classification import (
    BinaryFocal,
    ClassBalanced,
    Logistic,
    SoftmaxCrossEntropy,
    SoftmaxFocal,
)
from ._regression import Huber, LogCosh, PseudoHuber, Quantile, RegressionLoss, SquaredError

__all__ = [
    "Formulas",
    "Loss",
    "RegressionLoss",
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
]
