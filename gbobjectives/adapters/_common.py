"""What every adapter shares: shape checks with framework-specific advice, and the call into
the loss's kernels. No framework is imported here."""

from __future__ import annotations

import weakref

import numpy as np

from .._validation import check_sample_weight

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


class _State:
    """What one (loss, training set) pair keeps across rounds: the labels and weights checked
    once, the kernel to run, and the two float32 buffers handed to the framework each round
    (both frameworks copy them before the next call, so reusing them is safe)."""

    def __init__(self, loss, y_true, sample_weight):
        from .. import _kernels  # numba is imported on first use, not with the package

        y = loss.validate_y(y_true)
        w = check_sample_weight(sample_weight, y.shape[0])
        spec, w_eff = loss._kernel_plan(y, w)
        self.kernel = spec if (spec is not None and _kernels.AVAILABLE) else None
        self.y, self.w, self.w_loss = y, w_eff, w
        self.g = self.h = None

    def buffers(self, shape):
        if self.g is None or self.g.shape != shape:
            self.g = np.empty(shape, dtype=np.float32)
            self.h = np.empty(shape, dtype=np.float32)
        return self.g, self.h


# Per training set (an xgboost.DMatrix or lightgbm.Dataset, held weakly), per loss (by its
# repr, which spells out its parameters): the state above.
_STATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def state_for(loss, dataset, labels, weights) -> _State:
    """The cached state of (loss, dataset); ``labels``/``weights`` are callables read once."""
    per_set = _STATES.setdefault(dataset, {})
    key = (type(loss), repr(loss))
    st = per_set.get(key)
    if st is None:
        st = per_set[key] = _State(loss, labels(), weights())
    return st


def grad_hess_cached(loss, st: _State, raw, framework: str):
    """(grad, hess) for one round, in the state's reused float32 buffers."""
    raw = as_margin(loss, raw, framework)
    if raw.shape[0] != st.y.shape[0]:
        raise ValueError(f"{framework} passed {raw.shape[0]} raw predictions for {st.y.shape[0]} labels")
    g, h = st.buffers(raw.shape)
    if st.kernel is not None:
        from .. import _kernels

        _kernels.run(st.kernel, raw, st.y, st.w, g, h)  # any memory layout: no copy
    else:
        g64, h64 = loss._weighted_grad_hess(st.y, raw.astype(np.float64, copy=False), st.w_loss)
        np.copyto(g, g64, casting="same_kind")
        np.copyto(h, h64, casting="same_kind")
    return g, h


def grad_hess(loss, y_true, raw, sample_weight, framework: str):
    """Validate everything, compute, and return float32 (grad, hess), 2-D when multi-output.

    2-D (n, K) is returned for multi-output losses because XGBoost reads a flat array
    row-major and LightGBM column-major: a 2-D array is read correctly by both.
    """
    # a fresh state, hence fresh buffers: nothing else holds them, no copy needed
    return grad_hess_cached(loss, _State(loss, y_true, sample_weight), raw, framework)


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
