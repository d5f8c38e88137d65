"""What every adapter shares: shape checks with framework-specific advice, and the call into
the loss's kernels. No framework is imported here."""

from __future__ import annotations

import sys

import numpy as np

from .._validation import as_float_array, check_sample_weight, squeeze_column
from ..losses import Loss

_BASE_FITTED_TO = Loss._fitted_to

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


class Prepared:
    """What one objective call needs, built from the labels and weights as they are NOW.

    Nothing here outlives the call that built it (or, for a training loop that owns its own
    labels, that loop): no cache keyed by a dataset or a loss, so a relabelled dataset
    (``set_label``/``set_weight``), two threads training at once, or two losses that print
    alike cannot see each other's labels or buffers.
    """

    __slots__ = ("loss", "y", "w", "w_loss", "kernel")

    def __init__(self, loss, y_true, sample_weight):
        from .. import _kernels  # numba is imported on first use, not with the package

        y = loss.validate_y(y_true)
        w = check_sample_weight(sample_weight, y.shape[0])
        # data-derived parameters (class counts) from these labels, over all workers when
        # the training is distributed
        loss = loss._fitted_to(y, w, distributed_sum())
        spec, w_eff = loss._kernel_plan(y, w)
        self.kernel = spec if (spec is not None and _kernels.AVAILABLE) else None
        self.loss, self.y, self.w, self.w_loss = loss, y, w_eff, w


def distributed_sum():
    """How to sum an array over the workers of the training run this call is part of.

    - inside an XGBoost collective (``xgboost.dask``, both APIs): its allreduce;
    - inside a Dask worker with no collective (LightGBM on Dask: its network is not reachable
      from Python): a function that refuses, since this worker holds one shard of the data;
    - otherwise None: this process holds all the data.

    No framework is imported here: XGBoost's collective is used only if XGBoost is loaded.
    """
    xgb = sys.modules.get("xgboost")
    if xgb is not None and xgb.collective.is_distributed():
        op = xgb.collective.Op.SUM
        return lambda a: xgb.collective.allreduce(np.ascontiguousarray(a, dtype=np.float64), op)
    dist = sys.modules.get("distributed")
    if dist is not None:
        try:
            dist.get_worker()
        except ValueError:
            return None
        return _refuse_shard_sum
    return None


def _refuse_shard_sum(a):
    raise ValueError(
        "class_counts=None counts the classes of the training data, but this Dask worker holds "
        "only its shard and LightGBM offers no collective to sum the counts over the workers: "
        "pass the global counts, ClassBalanced(..., class_counts="
        "gbobjectives.adapters.dask.class_counts(loss, y)) (or use xgboost.dask, where they are summed)"
    )


def _new_outputs(shape):
    # Fresh arrays every call: a later call never overwrites what an earlier one returned
    # (both frameworks copy them at once, so reuse would be safe for them, but not for a user
    # holding the result of ``loss(raw, dtrain)``, nor for two threads sharing a dataset).
    return np.empty(shape, dtype=np.float32), np.empty(shape, dtype=np.float32)


def compute(loss, prep: Prepared, raw, framework: str):
    """(grad, hess) for one round as two NEW float32 arrays that belong to the caller."""
    raw = as_margin(loss, raw, framework)
    if raw.shape[0] != prep.y.shape[0]:
        raise ValueError(f"{framework} passed {raw.shape[0]} raw predictions for {prep.y.shape[0]} labels")
    g, h = _new_outputs(raw.shape)
    if prep.kernel is not None:
        from .. import _kernels

        _kernels.run(prep.kernel, raw, prep.y, prep.w, g, h)  # any memory layout: no copy
    else:
        g64, h64 = prep.loss._weighted_grad_hess(prep.y, raw.astype(np.float64, copy=False), prep.w_loss)
        np.copyto(g, g64, casting="same_kind")
        np.copyto(h, h64, casting="same_kind")
    return g, h


def _direct_kernel(loss):
    """The kernel spec when the labels can go to the kernel unvalidated (it checks them), or None.

    Not for losses with data-derived parameters (``_fitted_to``: class counts), whose labels
    must be valid before they are counted, nor for multi-output labels.
    """
    from .. import _kernels  # numba is imported on first use, not with the package

    if not _kernels.AVAILABLE or type(loss)._fitted_to is not _BASE_FITTED_TO:
        return None
    return loss._kernel_plan(None, None)[0]


def grad_hess(loss, y_true, raw, sample_weight, framework: str):
    """One objective call: float32 (grad, hess), new arrays, 2-D when multi-output.

    2-D (n, K) is returned for multi-output losses because XGBoost reads a flat array
    row-major and LightGBM column-major: a 2-D array is read correctly by both.

    Labels and weights are checked at every call. Where a compiled kernel runs, it checks
    them in the same pass (no copy, no extra pass); if it counts an invalid one, the full
    validation runs to raise the error that names it.
    """
    spec = _direct_kernel(loss)
    if spec is None:
        return compute(loss, Prepared(loss, y_true, sample_weight), raw, framework)
    from .. import _kernels

    raw = as_margin(loss, raw, framework)
    y = squeeze_column("y_true", as_float_array("y_true", y_true))
    w = None
    if sample_weight is not None:
        w = squeeze_column("sample_weight", as_float_array("sample_weight", sample_weight))
    if y.shape[0] != raw.shape[0] or (w is not None and w.shape[0] != raw.shape[0]):
        Prepared(loss, y_true, sample_weight)  # raises for y and w of different lengths
        raise ValueError(f"{framework} passed {raw.shape[0]} raw predictions for {y.shape[0]} labels")
    g, h = _new_outputs(raw.shape)
    if _kernels.run(spec, raw, y, w, g, h):
        Prepared(loss, y_true, sample_weight)  # raises the error naming the invalid value
        raise ValueError(f"y_true or sample_weight holds values that are not valid for {loss!r}")
    return g, h


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
