"""Scoring one fold: the metrics of each task, the one that judges a row, and the per-round
metric that early stopping and the learning curves follow."""

from __future__ import annotations

import numpy as np

from ..metrics import mape, smape

# The metric that judges a point prediction (or a classifier), and whether higher is better.
# A quantile row is judged by its pinball loss at its level instead (lower is better).
PRIMARY = {"regression": ("MAE", False), "binary": ("PR_AUC", True), "multiclass": ("PR_AUC", True)}


def regression_metrics(y, pred, alpha=None) -> dict:
    err = pred - y
    out = {
        "MAE": float(np.mean(np.abs(err))),
        "RMSE": float(np.sqrt(np.mean(err**2))),
        "MAPE": mape(y, pred, zero_target="skip") if np.any(y != 0) else float("nan"),
        "SMAPE": smape(y, pred),
    }
    if alpha is not None:
        out["pinball"] = float(np.mean(np.maximum(alpha * (y - pred), (alpha - 1) * (y - pred))))
        out["coverage"] = float(np.mean(y <= pred))
    return out


def classification_metrics(y, proba, classes) -> dict:
    from sklearn.metrics import average_precision_score, balanced_accuracy_score, log_loss, roc_auc_score

    proba = np.clip(proba, 1e-15, 1 - 1e-15)
    proba = proba / proba.sum(axis=1, keepdims=True)
    pred = classes[np.argmax(proba, axis=1)]
    if len(classes) == 2:
        yb = (y == classes[1]).astype(int)
        auc, ap = roc_auc_score(yb, proba[:, 1]), average_precision_score(yb, proba[:, 1])
    else:
        onehot = (y[:, None] == classes[None, :]).astype(int)
        auc = roc_auc_score(onehot, proba, average="macro")
        ap = average_precision_score(onehot, proba, average="macro")
    return {
        "log_loss": float(log_loss(y, proba, labels=classes)),
        "ROC_AUC": float(auc),
        "PR_AUC": float(ap),
        "balanced_acc": float(balanced_accuracy_score(y, pred)),
    }


def curve_name(task, alpha):
    if task != "regression":
        return "PR_AUC"
    return "MAE" if alpha is None else f"pinball loss (alpha={alpha:g})"


def curve_maximize(task) -> bool:
    """Whether the per-round metric of ``task`` is maximised (PR-AUC) or minimised."""
    return task != "regression"


def average_precision(y01, score, sample_weight=None) -> float:
    """Average precision (scikit-learn's ``average_precision_score``: the step-wise sum of
    precision times the recall gained at each distinct threshold, no interpolation), in a few
    numpy passes: it runs every boosting round, where scikit-learn's input checks cost more
    than the sum. The tests check it against scikit-learn."""
    w = np.ones(len(y01)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    order = np.argsort(-np.asarray(score, dtype=np.float64), kind="mergesort")
    s, pos, w = np.asarray(score)[order], np.asarray(y01)[order].astype(np.float64), w[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # the last row of each distinct score
    tp = np.cumsum(pos * w)[last]
    seen = np.cumsum(w)[last]
    if tp[-1] <= 0:
        return 0.0
    recall = tp / tp[-1]
    precision = np.divide(tp, seen, out=np.zeros_like(tp), where=seen > 0)
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def curve_metric(task, alpha=None):
    """The per-round validation metric, which early stopping follows and the learning curves
    show: what judges the row (a quantile row its pinball loss, a point prediction MAE, a
    classifier PR-AUC, macro over classes for more than two)."""
    if task == "regression" and alpha is not None:

        def pinball(y_true, y_pred, sample_weight=None):
            r = y_true - y_pred
            return float(np.average(np.maximum(alpha * r, (alpha - 1) * r), weights=sample_weight))

        return pinball
    if task == "regression":

        def mae(y_true, y_pred, sample_weight=None):
            return float(np.average(np.abs(y_true - y_pred), weights=sample_weight))

        return mae

    def pr_auc(y_true, y_pred, sample_weight=None):
        if y_pred.ndim == 1:
            return average_precision(y_true == 1, y_pred, sample_weight)
        k = y_pred.shape[1]
        return float(np.mean([average_precision(y_true == c, y_pred[:, c], sample_weight) for c in range(k)]))

    return pr_auc
