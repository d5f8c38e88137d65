"""What every adapter shares: shape checks with framework-specific advice, and the call into
the loss's kernels. No framework is imported here."""

from __future__ import annotations

import copy
import sys

import numpy as np

from .._numerics import grouped_quantiles
from .._validation import as_float_array, check_sample_weight, squeeze_column

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

    __slots__ = ("loss", "y", "w")

    def __init__(self, loss, y_true, sample_weight):
        self.loss = loss
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


def _run(loss, y, raw, w, g, h) -> int:
    """The loss's kernel (or its numpy code) into g, h; returns the kernel's invalid-row count."""
    from .. import _kernels  # numba is imported on first use, not with the package

    spec, w_eff = loss._kernel_plan(y, w)
    if spec is not None and _kernels.AVAILABLE:
        return _kernels.run(spec, raw, y, w_eff, g, h)  # any memory layout: no copy
    g64, h64 = loss._weighted_grad_hess(y, raw.astype(np.float64, copy=False), w)
    np.copyto(g, g64, casting="same_kind")
    np.copyto(h, h64, casting="same_kind")
    return 0


def compute(loss, prep: Prepared, raw, framework: str):
    """(grad, hess) for one round as two NEW float32 arrays that belong to the caller."""
    raw = as_margin(loss, raw, framework)
    if raw.shape[0] != prep.y.shape[0]:
        raise ValueError(f"{framework} passed {raw.shape[0]} raw predictions for {prep.y.shape[0]} labels")
    g, h = _new_outputs(raw.shape)
    # data-derived parameters (class counts, residual scale) from this call's data, over all
    # workers when the training is distributed
    _run(prep.loss._at(prep.y, raw, prep.w, collective()), prep.y, raw, prep.w, g, h)
    return g, h


def _checks_in_kernel(loss) -> bool:
    """True where the labels may go to the compiled kernel unvalidated (it checks them).

    Not for losses whose ``_at`` reads the labels as class indices (class counts), nor for
    multi-output labels, nor without a kernel.
    """
    from .. import _kernels

    return _kernels.AVAILABLE and not loss._at_reads_labels and loss.n_outputs == 1 and loss._has_kernel()


def grad_hess(loss, y_true, raw, sample_weight, framework: str):
    """One objective call: float32 (grad, hess), new arrays, 2-D when multi-output.

    2-D (n, K) is returned for multi-output losses because XGBoost reads a flat array
    row-major and LightGBM column-major: a 2-D array is read correctly by both.

    Labels and weights are checked at every call. Where a compiled kernel runs, it checks
    them in the same pass (no copy, no extra pass); if it counts an invalid one, the full
    validation runs to raise the error that names it.
    """
    if not _checks_in_kernel(loss):
        return compute(loss, Prepared(loss, y_true, sample_weight), raw, framework)
    raw = as_margin(loss, raw, framework)
    y = squeeze_column("y_true", as_float_array("y_true", y_true))
    w = None
    if sample_weight is not None:
        w = squeeze_column("sample_weight", as_float_array("sample_weight", sample_weight))
    if y.shape[0] != raw.shape[0] or (w is not None and w.shape[0] != raw.shape[0]):
        Prepared(loss, y_true, sample_weight)  # raises for y and w of different lengths
        raise ValueError(f"{framework} passed {raw.shape[0]} raw predictions for {y.shape[0]} labels")
    g, h = _new_outputs(raw.shape)
    if _run(loss._at(y, raw, w, collective()), y, raw, w, g, h):
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


# ------------------------------------------------------------------ leaf renewal
def boost_renewing(
    loss,
    y,
    w,
    init,
    backend,
    *,
    num_boost_round,
    learning_rate,
    eval_sets,
    early_stopping_rounds,
    metric,
    evals_result,
    framework,
    quantile_method="inverted_cdf",
    accumulate=np.float64,
):
    """Boosting with leaf renewal for a Quantile loss, for either backend.

    After each round, every new leaf is set to ``learning_rate`` times the alpha-quantile of
    the residuals y - F of its rows (F: the model before the round): the line search that the
    pinball loss's constant hessian cannot do. The built-in quantile objectives of both
    backends do the same in C++. The loop keeps the model's scores itself (the backends'
    cached scores do not see renewed leaves), computes the gradients at them, and likewise the
    validation scores for the metric and early stopping.

    ``backend`` is three functions: ``grow(t, grad, hess)`` grows round t's tree(s) from
    these gradients (True: nothing more to grow); ``leaves_of(t, i)`` is the leaf index of
    every row of the training data (i None) or of eval set i, in round t, (n,) or (n, K) for
    K outputs; ``set_leaves(t, k, {leaf: value})`` sets output k's leaves of round t.
    ``eval_sets``: (X, y, sample_weight) triples; the metric's history per eval set goes into
    ``evals_result`` (as ``valid_<i>``). Returns the number of rounds to keep (None: all).

    - The trees grow on the loss's gradient at unit scale (its hessian is unit-free already):
      with renewed leaves the gradient only shapes the trees, and at unit size their split
      gains do not shrink with the target's scale (XGBoost drops any split
      whose gain is under an absolute 1e-6; measured: at a target scaled by 1e-5 every tree
      was a single leaf, a constant model).
    - ``accumulate``: the precision in which the backend sums a row's leaf values (XGBoost
      float32, LightGBM float64). The eval sets' scores are summed so, so that the recorded
      metric and early stopping are the saved model's own (at y ~ 1e7 float32 steps are 1).
      The training scores stay float64: rounded, a residual of 0 at the start (the start is
      a quantile of the labels, a label itself) would turn positive or negative depending on
      the target's scale, and with it that row's gradient.
    - Every row of the training data renews the leaves, also with row subsampling (XGBoost's
      built-in renews from the sampled rows only).
    """
    grow, leaves_of, set_leaves = backend
    eval_labels = [(ye, we) for _, ye, we in eval_sets]
    n_eval_sets = len(eval_labels)
    alphas = np.atleast_1d(np.asarray(loss.alphas, dtype=np.float64))
    k_out, n = alphas.size, len(y)
    start = np.asarray(init, dtype=np.float64)
    score = np.tile(start.reshape(1, -1), (n, 1)).reshape(n, k_out)
    start = start.astype(accumulate).astype(np.float64)
    valid = [np.tile(start.reshape(1, -1), (len(ye), 1)).reshape(len(ye), k_out) for ye, _ in eval_labels]
    prep = Prepared(loss, y, w)  # this loop's own copy of the labels: nobody relabels it
    history = [[] for _ in range(n_eval_sets)]
    best, best_value, since_best = -1, None, 0

    def shaped(s):
        return s[:, 0] if k_out == 1 else s

    def add(current, step):
        return (current.astype(accumulate) + step.astype(accumulate)).astype(np.float64)

    # the same loss at unit scale: its gradient is exactly (1 - alpha, -alpha or 0) times the
    # weight, the same float32 numbers at every target scale (a scaled gradient divided by its
    # scale is not: its rounding differs with the scale, and flips near-tied splits)
    unit = copy.copy(loss).set_params(scale=1.0)
    prep_unit = Prepared(unit, y, w)
    for t in range(num_boost_round):
        _, h = compute(loss, prep, shaped(score), framework)
        g, _ = compute(unit, prep_unit, shaped(score), framework)
        if grow(t, g, h):
            break  # nothing left to split: the backend kept no tree for this round
        leaves = np.asarray(leaves_of(t, None)).astype(np.int64).reshape(n, k_out)
        eval_leaves = [
            np.asarray(leaves_of(t, i)).astype(np.int64).reshape(len(valid[i]), k_out)
            for i in range(n_eval_sets)
        ]
        for k in range(k_out):
            ids, q = grouped_quantiles(y - score[:, k], leaves[:, k], alphas[k], w, quantile_method)
            values = dict(zip(ids.tolist(), (learning_rate * q).tolist()))
            set_leaves(t, k, values)
            score[:, k] += _lookup(ids, learning_rate * q, leaves[:, k])
            for i in range(n_eval_sets):
                valid[i][:, k] = add(valid[i][:, k], _lookup(ids, learning_rate * q, eval_leaves[i][:, k]))
        if metric is not None:
            for i, (ye, we) in enumerate(eval_labels):
                history[i].append(metric.value(ye, shaped(valid[i]), we))
        if metric is not None and n_eval_sets:
            value = history[-1][-1]
            better = best_value is None or (value > best_value if metric.maximize else value < best_value)
            if better:
                best, best_value, since_best = t, value, 0
            else:
                since_best += 1
            if early_stopping_rounds and since_best >= early_stopping_rounds:
                break
    if evals_result is not None and metric is not None:
        for i, h in enumerate(history):
            evals_result[f"valid_{i}"] = {metric.name: h}
    return best + 1 if early_stopping_rounds and best >= 0 else None


def _lookup(ids: np.ndarray, values: np.ndarray, leaves: np.ndarray) -> np.ndarray:
    """The renewed value of each row's leaf. Every leaf of a tree holds training rows (the
    backends never grow an empty one), so an eval row always lands on a renewed leaf."""
    table = np.zeros(int(max(ids.max(), leaves.max())) + 1)
    table[ids] = values
    return table[leaves]
