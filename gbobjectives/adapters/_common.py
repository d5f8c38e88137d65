"""What every adapter shares: shape checks with framework-specific advice, and the call into
the loss's kernels. No framework is imported here."""

from __future__ import annotations

import numpy as np

# What to set in each framework so that raw margins get the loss's shape.
_ADVICE = {
    "xgboost": {
        "multiclass": "set num_class={k} in the params (and objective='multi:softprob')",
        "multiquantile": "set num_target={k} in the params (one output per alpha)",
        "single": "remove num_class / num_target from the params",
    },
    "lightgbm": {
        "multiclass": "set num_class={k} in the params",
        "multiquantile": (
            "LightGBM has no multi-output trees: train one model per alpha with "
            "Quantile(alpha=a), or use gbobjectives.GBRegressor"
        ),
        "single": "remove num_class from the params",
    },
    "sklearn": {
        "multiclass": "the estimator must produce {k} outputs (num_class={k})",
        "multiquantile": "the estimator must produce {k} outputs (num_target={k})",
        "single": "the estimator must produce 1 output",
    },
}


def as_margin(loss, raw, framework: str) -> np.ndarray:
    """The raw margins in the shape the loss expects, or one clear error saying what to set."""
    raw = np.asarray(raw)
    k = loss.n_outputs
    if k == 1 and raw.ndim == 2 and raw.shape[1] == 1:
        raw = raw[:, 0]
    got = 1 if raw.ndim == 1 else raw.shape[1]
    if got == k and raw.ndim <= 2:
        return raw
    if k == 1:
        kind = "single"
    elif loss.task == "multiclass":
        kind = "multiclass"
    else:
        kind = "multiquantile"
    advice = _ADVICE[framework][kind].format(k=k)
    what = f"{k} output(s)" if k > 1 else "1 output"
    raise ValueError(
        f"{loss!r} needs {what} per row but {framework} passed raw predictions of shape {raw.shape}: {advice}"
    )


def grad_hess(loss, y_true, raw, sample_weight, framework: str, dtype=np.float32):
    """Validate, compute and return (grad, hess) as 2-D arrays when multi-output.

    2-D (n, K) is returned for multi-output losses because XGBoost reads a flat array
    row-major and LightGBM column-major: a 2-D array is read correctly by both.
    """
    raw = as_margin(loss, raw, framework)
    y, raw, w = loss._prepare(y_true, raw, sample_weight)
    g, h = loss._weighted_grad_hess(y, raw, w)
    return g.astype(dtype, copy=False), h.astype(dtype, copy=False)


def weights_or_none(w) -> np.ndarray | None:
    if w is None:
        return None
    w = np.asarray(w)
    return None if w.size == 0 else w


def sklearn_objective(loss, y_true, y_pred, sample_weight):
    """The (y_true, y_pred[, sample_weight]) convention of both sklearn APIs."""
    return grad_hess(loss, y_true, y_pred, weights_or_none(sample_weight), "sklearn")


class SklearnObjective:
    """A loss as ``objective=`` for XGBRegressor/XGBClassifier/LGBMRegressor/LGBMClassifier,
    without exposing the loss's hyperparameters to the estimator.

    A loss passed directly works, but both estimators expand the hyperparameters of any
    parameter value that has ``get_params`` into ``objective__delta``-style keys and forward
    them to the booster, which warns that they are unused (XGBoost: a UserWarning on every
    fit). This wrapper has no ``get_params``; it pickles and clones with the estimator.
    Signature: three parameters, the third named ``sample_weight`` (see ``Loss.__call__``).
    """

    def __init__(self, loss):
        self.loss = loss

    def __call__(self, y_true, y_pred, sample_weight=None):
        return sklearn_objective(self.loss, y_true, y_pred, sample_weight)

    def __repr__(self):
        return f"SklearnObjective({self.loss!r})"


class _MetricAdapter:
    """A metric ``func(y_true, y_pred, sample_weight=None) -> float`` with its direction.

    With ``loss`` given, the frameworks' raw margins go through ``loss.predict`` first (a
    framework with a custom objective passes raw margins to metrics).
    """

    def __init__(self, func, loss=None, *, maximize=False, name=None):
        if not callable(func):
            raise ValueError(f"func={func!r} is not valid: expected a callable metric")
        self.func = func
        self.loss = loss
        self.maximize = bool(maximize)
        self.name = name or getattr(func, "__name__", type(func).__name__)
        self.__name__ = self.name  # XGBoost's sklearn API names the metric by __name__

    def value(self, y_true, raw, sample_weight=None) -> float:
        pred = raw
        if self.loss is not None:
            pred = self.loss.predict(as_margin(self.loss, raw, "sklearn"))
        return float(self.func(y_true, pred, sample_weight=weights_or_none(sample_weight)))

    def __repr__(self):
        return f"{type(self).__name__}({self.name!r}, maximize={self.maximize})"
