"""One objective call: from what a framework hands over to float32 (grad, hess).

The core's entry point for the frameworks (``Loss.__call__`` comes here): it recognises the
calling convention from the arguments' types without importing any framework, reads the
labels and weights as they are NOW (no cache: a relabelled dataset, two threads training
at once, two losses that print alike cannot see each other's labels or buffers), derives
the loss's data-dependent parameters for this call (over all workers when training is
distributed) and runs its formulas (``gbobjectives._engine``).

Imports numpy and the core only: not ``losses`` (it is handed a loss), not ``adapters``.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from ._validation import as_float_array, check_sample_weight, squeeze_column


def call(loss, arg0, arg1, sample_weight=None):
    """Dispatch one objective call.

    - ``(predt, xgboost.DMatrix)``: ``xgboost.train`` (and xgboost.dask);
    - ``(preds, lightgbm.Dataset)``: ``lightgbm.train``;
    - ``(y_true, y_pred[, sample_weight])``: the sklearn estimators of both.
    """
    framework = type(arg1).__module__.partition(".")[0]
    if framework in ("xgboost", "lightgbm"):
        return native_objective(loss, arg0, arg1, framework)
    return grad_hess(loss, arg0, arg1, weights_or_none(sample_weight), "sklearn")


def native_objective(loss, raw, data, framework):
    """``obj(predt, dtrain)`` / ``f(preds, train_data)``: labels and weights read from the
    DMatrix or Dataset at every call, so ``set_label``/``set_weight`` between or during
    trainings are followed (``get_label`` costs ~0.8 ms at 1e6 rows, about 1% of a round)."""
    threads = threads_of(data, framework)
    return grad_hess(loss, labels_of(data), raw, weights_or_none(data.get_weight()), framework, threads)


_THREAD_PARAMS = ("num_threads", "num_thread", "nthread", "nthreads", "n_jobs")


def threads_of(data, framework) -> int:
    """The training's thread count, as far as the data shows it: LightGBM's Dataset carries
    the training parameters (``num_threads`` and its aliases), XGBoost's DMatrix its own
    ``nthread``. 0 or less, or none given: ``default_threads()``, both frameworks' default
    (a Dataset constructed before ``lightgbm.train`` keeps the parameters it was built with)."""
    n = None
    if framework == "lightgbm":
        params = getattr(data, "params", None) or {}
        n = next((params[k] for k in _THREAD_PARAMS if params.get(k) is not None), None)
    elif framework == "xgboost":
        n = getattr(data, "nthread", None)
    try:
        n = int(n) if n is not None else 0
    except (TypeError, ValueError):
        n = 0
    return n if n > 0 else default_threads()


def default_threads() -> int:
    """The threads an OpenMP framework starts by default: OMP_NUM_THREADS where set, else
    the cores this process may run on (its affinity, which a container's cpuset limits),
    not every core of the machine."""
    try:
        env = int(os.environ.get("OMP_NUM_THREADS", "").split(",")[0])
    except ValueError:
        env = 0
    if env > 0:
        return env
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - no affinity on this OS (macOS, Windows)
        return os.cpu_count() or 1


def labels_of(data) -> np.ndarray:
    """The labels of a DMatrix or Dataset; XGBoost returns 2-D (multi-target) labels flat,
    row-major: reshaped to (n, K)."""
    y = data.get_label()
    n = data.num_row() if hasattr(data, "num_row") else y.shape[0]
    return y.reshape(n, -1) if y.size != n else y


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
    """Validated labels and weights for objective calls, as they are NOW.

    Built at every call from what the framework hands over (or once by a training loop that
    owns its labels): no cache keyed by a dataset or a loss, so a relabelled dataset
    (``set_label``/``set_weight``), two threads training at once, or two losses that print
    alike cannot see each other's labels or buffers.
    """

    __slots__ = ("loss", "y", "w", "y_true")

    def __init__(self, loss, y_true, sample_weight):
        self.loss = loss
        self.y_true = y_true  # as given: what a subclass's own gradient_hessian is handed
        self.y = loss.validate_y(y_true)
        self.w = check_sample_weight(sample_weight, self.y.shape[0])


def collective():
    """How this call sees the other workers of its training run.

    - inside an XGBoost collective (``xgboost.dask``, both APIs): sums and maxima over the
      workers by its allreduce;
    - inside a Dask worker with no collective (LightGBM on Dask: its network is not reachable
      from Python): an object that refuses, since this worker holds one shard of the data;
    - otherwise None: this process holds all the data.

    No framework is imported here: XGBoost's collective is used only if XGBoost is loaded.
    """
    xgb = sys.modules.get("xgboost")
    if xgb is not None and xgb.collective.is_distributed():
        return _XGBoostCollective(xgb.collective)
    if "lightgbm.dask" in sys.modules and _inside_lightgbm_dask_training():
        return _ShardOnly()
    return None


def _inside_lightgbm_dask_training() -> bool:
    """True when this call runs under ``lightgbm.dask``'s per-worker training function.

    LightGBM's Dask training calls the objective with the worker's shard and no handle on
    the other workers; any other code that happens to run in a Dask task (``client.submit``,
    joblib's Dask backend) holds its whole data and must not be refused. The frames are the
    only place that tells the two apart (~20 frames to walk, only for a loss that asks).
    """
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if code.co_name == "_train_part" and code.co_filename.replace("\\", "/").endswith("lightgbm/dask.py"):
            return True
        frame = frame.f_back
    return False


class _XGBoostCollective:
    def __init__(self, coll):
        self._coll = coll

    def sum(self, a, what):
        return self._coll.allreduce(np.ascontiguousarray(a, dtype=np.float64), self._coll.Op.SUM)

    def max(self, a, what):
        return self._coll.allreduce(np.ascontiguousarray(a, dtype=np.float64), self._coll.Op.MAX)


_SHARD_ONLY_FIX = {
    "class_counts": (
        "class_counts=None counts the classes of the training data",
        "pass the global counts, ClassBalanced(..., class_counts="
        "gbobjectives.adapters.dask.class_counts(loss, y))",
    ),
    "delta": (
        "delta=None sets delta from the residuals of all the rows at every round",
        "pass delta in target units (for example the residual quantile of a first fit)",
    ),
    "scale": (
        "scale=None sets the scale from the residuals of all the rows at every round",
        "pass scale in target units (for example the mean absolute residual of a first fit)",
    ),
}


class _ShardOnly:
    """A Dask worker's view when no collective reaches the others: it refuses, by name."""

    def sum(self, a, what):
        problem, fix = _SHARD_ONLY_FIX[what]
        _free_lightgbm_network()
        raise ValueError(
            f"{problem}, but this Dask worker holds only its shard and LightGBM offers no "
            f"collective to combine the workers' values: {fix} (or use xgboost.dask, where "
            "they are combined)"
        )

    max = sum


def _free_lightgbm_network():
    """Free the network of the LightGBM booster that is training us, before refusing.

    Measured: after an exception inside a callable objective, the aborted Booster frees the
    worker's network only when it is garbage-collected, which can happen during the NEXT
    training on that worker and kill its network ("Please initialize the network interface
    first"). Freeing it now, through the booster's own ``free_network``, leaves the worker
    usable. The booster is found on the call stack (we are inside its ``update``).
    """
    lgb = sys.modules.get("lightgbm")
    if lgb is None:
        return
    frame = sys._getframe(1)
    while frame is not None:
        booster = frame.f_locals.get("self")
        if isinstance(booster, lgb.Booster) and getattr(booster, "_network", False):
            booster.free_network()
            return
        frame = frame.f_back


def _new_outputs(shape):
    # Fresh arrays every call: a later call never overwrites what an earlier one returned
    # (both frameworks copy them at once, so reuse would be safe for them, but not for a user
    # holding the result of ``loss(raw, dtrain)``, nor for two threads sharing a dataset).
    return np.empty(shape, dtype=np.float32), np.empty(shape, dtype=np.float32)


def compute(loss, prep: Prepared, raw, framework: str, threads: int = 1):
    """(grad, hess) for one round as two NEW float32 arrays that belong to the caller."""
    raw = as_margin(loss, raw, framework)
    if raw.shape[0] != prep.y.shape[0]:
        raise ValueError(f"{framework} passed {raw.shape[0]} raw predictions for {prep.y.shape[0]} labels")
    if prep.loss._calls_public("gradient_hessian"):
        return _from_override(prep.loss, prep, raw)
    g, h = _new_outputs(raw.shape)
    # data-derived parameters (class counts, residual scale) from this call's data, over all
    # workers when the training is distributed
    at = prep.loss._at(prep.y, raw, prep.w, collective())
    at._grad_hess_into(prep.y, raw, prep.w, g, h, threads=threads)
    return g, h


def _from_override(loss, prep: Prepared, raw):
    """(grad, hess) from a subclass's own ``gradient_hessian``, times the loss's objective
    scale, checked as the compiled loop checks the formulas' output: the frameworks would
    train a NaN or constant model on a NaN gradient or a hessian <= 0, silently."""
    name = f"{type(loss).__name__}.gradient_hessian"
    # the labels as given (the public method validates them itself: a validate_y that
    # converts them would otherwise convert twice) and float64 margins, on every framework
    out = loss.gradient_hessian(prep.y_true, np.asarray(raw, dtype=np.float64), prep.w)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise ValueError(f"{name} must return a pair (grad, hess); it returned {type(out).__name__}")
    g, h = (np.asarray(a, dtype=np.float64) for a in out)
    if g.shape != raw.shape or h.shape != raw.shape:
        raise ValueError(
            f"{name} returned grad {g.shape} and hess {h.shape} for raw_prediction {raw.shape}; "
            "both must have raw_prediction's shape"
        )
    weighted = np.ones(raw.shape[0], dtype=bool) if prep.w is None else prep.w > 0
    if raw.ndim == 2:
        weighted = np.broadcast_to(weighted[:, None], raw.shape)
    bad = ~np.isfinite(g) | ~np.isfinite(h) | (h < 0) | ((h == 0) & weighted)
    if bad.any():
        rows = np.flatnonzero(bad.reshape(raw.shape[0], -1).any(axis=1))
        i = rows[0]
        gi, hi = g.reshape(raw.shape[0], -1)[i].tolist(), h.reshape(raw.shape[0], -1)[i].tolist()
        raise ValueError(
            f"{name} returned grad {gi} and hess {hi} at row {i} (of {rows.size} such rows): "
            "every gradient must be finite and every hessian finite and > 0 "
            "(0 only where the sample weight is 0)"
        )
    s = loss._objective_scale(prep.y, raw, prep.w, collective())
    gg, hh = _new_outputs(raw.shape)
    np.multiply(g, s, out=gg, casting="unsafe")
    np.multiply(h, s, out=hh, casting="unsafe")
    return gg, hh


def _checks_in_loop(loss) -> bool:
    """True where the labels may go to the loop unvalidated (it checks them as it reads them).

    Not for losses whose ``_at`` reads the labels as class indices (class counts), nor for
    multi-output labels (class indices, 2-D quantile labels), nor where the loop's check is
    not the whole of the loss's ``_check_y`` (``Loss._labels_checked_in_loop``: a subclass
    that narrows or transforms its labels): those are validated first.
    """
    return (
        not loss._at_reads_labels
        and loss.n_outputs == 1
        and loss._labels_checked_in_loop()
        and not loss._calls_public("validate_y")
        and not loss._calls_public("gradient_hessian")
    )


def grad_hess(loss, y_true, raw, sample_weight, framework: str, threads: int = 1):
    """One objective call: float32 (grad, hess), new arrays, 2-D when multi-output.

    2-D (n, K) is returned for multi-output losses because XGBoost reads a flat array
    row-major and LightGBM column-major: a 2-D array is read correctly by both.

    Labels and weights are checked at every call. For single-output losses the loop checks
    them in the same pass (no copy, no extra pass); if it counts an invalid one, the full
    validation runs to raise the error that names it.
    """
    if not _checks_in_loop(loss):
        return compute(loss, Prepared(loss, y_true, sample_weight), raw, framework, threads)
    raw = as_margin(loss, raw, framework)
    y = squeeze_column("y_true", as_float_array("y_true", y_true))
    w = None
    if sample_weight is not None:
        w = squeeze_column("sample_weight", as_float_array("sample_weight", sample_weight))
    if y.shape[0] != raw.shape[0] or (w is not None and w.shape[0] != raw.shape[0]):
        Prepared(loss, y_true, sample_weight)  # raises for y and w of different lengths
        raise ValueError(f"{framework} passed {raw.shape[0]} raw predictions for {y.shape[0]} labels")
    g, h = _new_outputs(raw.shape)
    if loss._at(y, raw, w, collective())._grad_hess_into(y, raw, w, g, h, threads=threads):
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
