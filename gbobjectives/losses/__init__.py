"""The losses: pointwise grad/hess kernels in the raw margin. numpy only, no framework."""

from ._base import Loss
from ._classification import (
    BinaryFocal,
    ClassBalanced,
    Logistic,
    SoftmaxCrossEntropy,
    SoftmaxFocal,
)
from ._regression import Huber, LogCosh, PseudoHuber, Quantile, SquaredError

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
]
