"""Links between the raw margin a booster builds and the prediction a user wants.

``y_pred = link.inverse(raw_prediction)`` and ``raw_prediction = link.link(y_pred)``.
numpy only: no framework is imported here.
"""

from __future__ import annotations

import numpy as np

from ._numerics import logit, sigmoid, softmax


class IdentityLink:
    """raw_prediction = y_pred (regression)."""

    def link(self, y_pred):
        return np.asarray(y_pred, dtype=np.float64)

    def inverse(self, raw_prediction):
        return np.asarray(raw_prediction, dtype=np.float64)


class LogitLink:
    """raw_prediction = log(p / (1 - p)); the inverse is the sigmoid (binary classification)."""

    def link(self, y_pred):
        return logit(y_pred)

    def inverse(self, raw_prediction):
        return sigmoid(np.asarray(raw_prediction, dtype=np.float64))


class SoftmaxLink:
    """p_k = exp(raw_k) / sum_j exp(raw_j) over the last axis (multi-class).

    The link is defined up to an additive constant per row; ``link`` returns log(p) centred
    to a zero row mean.
    """

    def link(self, y_pred):
        logp = np.log(np.asarray(y_pred, dtype=np.float64))
        return logp - logp.mean(axis=-1, keepdims=True)

    def inverse(self, raw_prediction):
        return softmax(np.asarray(raw_prediction, dtype=np.float64), axis=-1)
