"""Dask: the start from the distributed labels, and metrics that are global.

The objective itself needs nothing Dask-specific: ``xgboost.dask.train(client, params, dtrain,
obj=loss)`` calls the loss on each worker with that worker's ``DMatrix`` shard (the loss is
pickled to the workers), and ``DaskLGBMRegressor(objective=SklearnObjective(loss))`` likewise.
What does need care:

- **The start.** ``init_score`` over the whole distributed ``y``, never one shard:
  classification losses need only the per-class weight sums (one reduction); regression losses
  find the root of the summed gradient of the mean loss by bisection, one reduction per step
  (about 50), which is exact for every convex loss here and for the pinball loss.
- **Metrics.** A metric's data-derived parameters are the training run's:
  ``fixed_for(loss, y_train)`` fixes them from all the workers' training labels;
  ``custom_metric(None, loss)`` refuses a loss that would derive them on each shard.
  XGBoost evaluates a custom metric on each worker's shard and reports one of
  them (measured: MAPE 5.95 reported against 4.21 over all the data). ``custom_metric`` here, for
  gbobjectives' ``mape``, ``smape`` and the mean loss, sums numerator and denominator over the
  workers with ``xgboost.collective.allreduce`` first, so the value is the global one. Any
  other metric function stays local. LightGBM's Dask metrics, built-in ones included, are all
  computed per worker: there is no collective to reduce them with from Python.

Requires ``pip install gbobjectives[dask]`` (dask, distributed, pyarrow).

Public: ``init_score``, ``class_counts``, ``fixed_for``, ``xgboost_params``,
``custom_metric``. They take Dask arrays or series and compute with the scheduler in use
(a ``distributed.Client`` or Dask's local one).
"""

from __future__ import annotations

import numpy as np

from .. import metrics as _metrics
from .._objective import labels_of
from .._validation import check_sample_weight
from . import xgboost as _xgb

__all__ = ["init_score", "class_counts", "fixed_for", "xgboost_params", "custom_metric"]


def _blocks_sum(func, y, w=None):
    """sum over the Dask blocks of func(y_block, w_block) -> ndarray, computed."""
    import dask
    import dask.array as da

    y = da.asarray(y)
    if w is None:
        parts = [dask.delayed(func)(b, None) for b in y.to_delayed().ravel()]
    else:
        w = da.asarray(w).rechunk(y.chunks)
        parts = [dask.delayed(func)(b, c) for b, c in zip(y.to_delayed().ravel(), w.to_delayed().ravel())]
    return np.sum(dask.compute(*parts), axis=0)


def init_score(loss, y, sample_weight=None, *, tol=1e-10, max_iter=200):
    """``loss.init_score`` of a distributed (Dask array or series) ``y``, from reductions only.

    A loss whose class overrides ``init_score`` is given the labels themselves: they are
    gathered to this process (8 bytes a row) and its own ``init_score`` is called.

    Parameters
    ----------
    loss : Loss
        The loss.
    y : dask.array.Array or dask.dataframe.Series
        The distributed training labels.
    sample_weight : dask.array.Array or dask.dataframe.Series, optional
        The distributed weights, chunked like ``y`` or not.
    tol : float, default 1e-10
        The bisection's relative tolerance (regression losses).
    max_iter : int, default 200
        The bisection's largest number of steps.

    Returns
    -------
    float or ndarray of shape (K,)
        What ``loss.init_score`` returns on all the labels at once.

    Examples
    --------
    >>> import dask.array as da, numpy as np
    >>> import gbobjectives as gb
    >>> from gbobjectives.adapters import dask as gbd
    >>> y = np.array([1.0, 2.0, 3.0, 100.0] * 250)
    >>> yd = da.from_array(y, chunks=300)  # four shards of unequal size
    >>> loss = gb.Huber(delta=1.0)
    >>> bool(abs(gbd.init_score(loss, yd) - loss.init_score(y)) < 1e-8)
    True
    """
    if loss._calls_public("init_score"):
        import dask

        yy, ww = dask.compute(y, sample_weight)
        return loss.init_score(np.asarray(yy), None if ww is None else np.asarray(ww))
    if loss.task != "regression":
        k = 2 if loss.task == "binary" else loss.n_outputs
        W = class_counts(loss, y, sample_weight)
        present = W > 0
        # the constant start depends on the labels only through these sums: replay them
        return loss.init_score(np.arange(k)[present], W[present])

    y = _validated(loss, y)
    lo, hi = _blocks_min_max(y)
    total = float(
        _blocks_sum(lambda yb, wb: np.array([len(yb) if wb is None else np.sum(wb)]), y, sample_weight)[0]
    )
    multi = loss.n_outputs > 1  # multi-quantile: one root per alpha
    results = []
    # losses without data-derived scales (which would differ from block to block) whose
    # summed gradients have the start as their roots, one per output column
    for single in loss._init_losses():

        def grad_sum(c, single=single):
            def part(yb, wb):
                # the labels validated already (_validated); the loss's own formulas, as the
                # in-memory start's bisection uses them (a subclass's gradient_hessian
                # trains; the start stays init_score's)
                yv = np.asarray(yb, dtype=np.float64)
                wv = check_sample_weight(wb, yv.shape[0])
                raw = np.full(yv.shape[0], c)
                return np.array([np.sum(single._weighted_grad_hess(yv, raw, wv)[0])])

            return float(_blocks_sum(part, y, sample_weight)[0])

        a, b = lo, hi
        if a == b:
            results.append(a)
            continue
        for _ in range(max_iter):
            mid = 0.5 * (a + b)
            # ">= 0" (up to rounding) finds the smallest root: for the pinball loss, whose
            # minimisers can form an interval, the same end as the in-memory init_score
            if grad_sum(mid) >= -1e-12 * total:
                b = mid
            else:
                a = mid
            if b - a <= tol * (1.0 + abs(mid)):
                break
        results.append(0.5 * (a + b))
    return np.array(results) if multi else float(results[0])


def class_counts(loss, y, sample_weight=None) -> np.ndarray:
    """The per-class (weighted) counts of a distributed ``y``, for ``ClassBalanced(class_counts=...)``.

    ``xgboost.dask`` needs none of this: there a ``ClassBalanced(class_counts=None)`` sums its
    counts over the workers itself. LightGBM on Dask has no collective reachable from Python,
    so each worker would see only its shard's counts; the objective refuses that, and these
    counts, computed from the whole data by one reduction, are the fix.

    Parameters
    ----------
    loss : Loss
        A classification loss, or a ``ClassBalanced`` one (its base loss's classes count).
    y : dask.array.Array or dask.dataframe.Series
        The distributed labels (0..K-1).
    sample_weight : dask.array.Array or dask.dataframe.Series, optional
        The distributed weights: counts are sums of weights.

    Returns
    -------
    ndarray of shape (K,)

    Examples
    --------
    >>> import dask.array as da, numpy as np
    >>> import gbobjectives as gb
    >>> from gbobjectives.adapters import dask as gbd
    >>> yd = da.from_array(np.array([0, 1, 1, 2, 2, 2] * 100), chunks=250)
    >>> gbd.class_counts(gb.SoftmaxCrossEntropy(n_classes=3), yd)
    array([100., 200., 300.])
    """
    base = getattr(loss, "base_loss", loss)
    k = 2 if base.task == "binary" else base.n_outputs

    def counts(yb, wb):
        yb = base.validate_y(np.asarray(yb)).astype(np.int64)
        return np.bincount(yb, weights=None if wb is None else np.asarray(wb, dtype=float), minlength=k)

    return np.asarray(_blocks_sum(counts, y, sample_weight), dtype=np.float64)


def fixed_for(loss, y, sample_weight=None):
    """``loss.fixed_for`` of a distributed ``y``: the loss with its data-derived parameter
    fixed from the training labels of all the workers, for the run's metrics
    (``custom_metric(None, gbd.fixed_for(loss, y))``).

    The loss's own ``_at`` sets the parameter, from what it reads of the labels in memory:
    class counts from all the rows (one reduction, replayed as one row per class with its
    count as weight); a residual scale from the same rows (``sample_rows``) that the in-memory
    ``fixed_for`` reads (at most 8,192, gathered to this process) around the start from all
    the rows (``init_score``). So the result equals ``loss.fixed_for`` on the concatenated
    labels, up to the tolerance of the start's bisection (``init_score``'s ``tol``).

    Parameters
    ----------
    loss : Loss
        The training's loss.
    y : dask.array.Array or dask.dataframe.Series
        The distributed training labels.
    sample_weight : dask.array.Array or dask.dataframe.Series, optional
        The distributed training weights.

    Returns
    -------
    Loss
        A new loss of the same class with the parameter fixed (the loss itself, copied, when
        it derives nothing).

    Examples
    --------
    >>> import dask.array as da, numpy as np
    >>> import gbobjectives as gb
    >>> from gbobjectives.adapters import dask as gbd
    >>> y = np.array([1.0, 2.0, 3.0, 100.0] * 250)
    >>> yd = da.from_array(y, chunks=300)  # four shards of unequal size
    >>> loss = gb.Huber()
    >>> round(gbd.fixed_for(loss, yd).delta, 6), loss.fixed_for(y).delta  # start by bisection
    (98.0, 98.0)
    """
    from ..losses._regression import sample_rows

    if loss._derived_param() is None:
        return loss
    if loss.task != "regression":
        k = 2 if loss.task == "binary" else loss.n_outputs
        W = class_counts(loss, y, sample_weight)
        present = W > 0
        return loss.fixed_for(np.arange(k)[present], W[present])
    import dask

    start = np.asarray(init_score(loss, y, sample_weight), dtype=np.float64)
    y = _as_array(y)
    rows = sample_rows(int(y.shape[0]))
    if sample_weight is None:
        ys, ws = dask.compute(y[rows])[0], None
    else:
        w = _as_array(sample_weight).rechunk(y.chunks)
        ys, ws = dask.compute(y[rows], w[rows])
        if not np.any(ws > 0):  # those rows all weigh 0: sample the others
            keep = w > 0
            yk, wk = y[keep], w[keep]
            yk.compute_chunk_sizes()
            wk.compute_chunk_sizes()
            rk = sample_rows(int(yk.shape[0]))
            ys, ws = dask.compute(yk[rk], wk[rk])
    yv = loss.validate_y(np.asarray(ys))
    ws = None if ws is None else np.asarray(ws, dtype=np.float64)
    shape = (yv.shape[0],) if start.ndim == 0 else (yv.shape[0], start.shape[0])
    return loss._at(yv, np.broadcast_to(start, shape).copy(), ws)


def _as_array(y):
    """A Dask array of known chunk sizes (a Dask Series has none until they are computed)."""
    import dask.array as da

    if hasattr(y, "to_dask_array"):
        return y.to_dask_array(lengths=True)
    y = da.asarray(y)
    if any(np.isnan(c) for c in y.chunks[0]):
        y.compute_chunk_sizes()
    return y


def _validated(loss, y):
    """The labels as the loss's own code reads them, block by block: checked, and converted
    where a subclass's validate_y converts them."""
    import dask.array as da

    return da.asarray(y).map_blocks(lambda b: loss.validate_y(np.asarray(b)), dtype=np.float64)


def _blocks_min_max(y):
    import dask
    import dask.array as da

    y = da.asarray(y)
    lo, hi = (float(v) for v in dask.compute(y.min(), y.max()))
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError("y_true contains non-finite values; all values must be finite")
    return lo, hi


def xgboost_params(loss, y, sample_weight=None, **extra) -> dict:
    """``gbobjectives.adapters.xgboost.params`` with the start from the distributed labels.

    Parameters
    ----------
    loss : Loss
        The loss that will be the objective of ``xgboost.dask.train``.
    y : dask.array.Array or dask.dataframe.Series
        The distributed training labels.
    sample_weight : dask.array.Array or dask.dataframe.Series, optional
        The distributed training weights.
    **extra
        Other XGBoost parameters, merged last.

    Returns
    -------
    dict
        ``objective``, ``base_score`` (from :func:`init_score`), ``num_class`` or
        ``num_target``, and ``extra``.

    Examples
    --------
    >>> import dask.array as da, numpy as np
    >>> import gbobjectives as gb
    >>> from gbobjectives.adapters import dask as gbd
    >>> y = np.array([1.0, 2.0, 3.0, 100.0] * 250)
    >>> yd = da.from_array(y, chunks=300)  # four shards of unequal size
    >>> p = gbd.xgboost_params(gb.Huber(delta=1.0), yd, max_depth=3)
    >>> p["objective"], round(p["base_score"], 6), p["max_depth"]
    ('reg:squarederror', 2.5, 3)
    """
    init = init_score(loss, y, sample_weight)
    return {**_xgb._objective_params(loss), "base_score": _xgb._base_score_of(loss, init), **extra}


# ------------------------------------------------------------------------- global metrics
def _mape_sums(y, p, w):
    zero = y == 0
    ratio = np.abs(y - p) / np.where(zero, 1.0, np.abs(y))
    return np.array([np.sum(w * ratio * ~zero), np.sum(w), np.sum(zero)])


def _smape_sums(y, p, w):
    denom = np.abs(y) + np.abs(p)
    ratio = np.divide(2.0 * np.abs(y - p), denom, out=np.zeros_like(denom), where=denom > 0)
    return np.array([np.sum(w * ratio), np.sum(w), 0.0])


_DECOMPOSABLE = {_metrics.mape: _mape_sums, _metrics.smape: _smape_sums}


class custom_metric(_xgb.custom_metric):  # noqa: N801 - named after the xgboost argument
    """``custom_metric=`` for ``xgboost.dask.train``: global for ``mape``, ``smape`` and the
    mean loss (``func=None``), by an allreduce of sums over the workers.

    Any other function is evaluated on each worker's shard, as XGBoost does.

    Parameters
    ----------
    func : callable, optional
        :func:`gbobjectives.mape`, :func:`gbobjectives.smape` (global), another metric
        ``func(y_true, y_pred, sample_weight=None)`` (per worker), or None for the mean loss.
    loss : Loss, optional
        The training's loss (required with ``func=None``). For the mean loss, its
        data-derived parameters must be fixed: pass ``gbd.fixed_for(loss, y_train)``.
    maximize : bool, default False
        Whether higher is better.
    name : str, optional
        The metric's name; ``func.__name__``, or "loss" for the mean loss.

    Raises
    ------
    ValueError
        ``func=None`` without a loss, or with a loss whose loss value depends on a parameter
        that it would derive from each worker's shard (``Huber()``, ``ClassBalanced(None)``).

    Examples
    --------
    >>> import dask.array as da, numpy as np
    >>> import gbobjectives as gb
    >>> from gbobjectives.adapters import dask as gbd
    >>> y = np.array([1.0, 2.0, 3.0, 100.0] * 250)
    >>> yd = da.from_array(y, chunks=300)  # four shards of unequal size
    >>> metric = gbd.custom_metric(gb.mape, gb.Huber())  # global: sums allreduced
    >>> metric.name
    'mape'
    >>> mean_loss = gbd.custom_metric(None, gbd.fixed_for(gb.Huber(), yd))
    """

    def __init__(self, func=None, loss=None, *, maximize=False, name=None):
        self._sums = _DECOMPOSABLE.get(func)
        self._mean_loss = func is None
        if func is None:
            if loss is None:
                raise ValueError("custom_metric(func=None) is the mean loss: give the loss")
            derived = loss._derived_param()
            if derived is not None and loss._loss_reads_derived:
                # each worker would derive it from its own shard of each eval set, anew each
                # round: neither the training run's value nor one value for the run
                raise ValueError(
                    f"custom_metric(None, {loss!r}): {derived}=None is derived from the labels the "
                    "loss is given, so every worker would take it from its shard of the eval "
                    "set; fix it from the training labels: custom_metric(None, "
                    "gbd.fixed_for(loss, y_train))"
                )
            func, name = (lambda y, p, sample_weight=None: 0.0), name or "loss"
        super().__init__(func, loss, maximize=maximize, name=name)

    def __call__(self, predt, dmatrix):
        from xgboost import collective

        y = labels_of(dmatrix)
        w = dmatrix.get_weight()
        w = np.ones(dmatrix.num_row()) if w.size == 0 else np.asarray(w, dtype=np.float64)
        if self._mean_loss:
            if np.ndim(predt) == 2 and hasattr(self.loss, "rearrange"):
                predt = self.loss.rearrange(np.asarray(predt))  # as the estimators' metric
            value = self.loss.loss(y, predt)
            # several outputs (alphas): the mean over them of each one's mean loss
            k = 1 if value.ndim == 1 else value.shape[1]
            sums = np.array([np.sum(value * (w if k == 1 else w[:, None])) / k, np.sum(w), 0.0])
        elif self._sums is not None:
            pred = predt if self.loss is None else self.loss.predict(predt)
            sums = self._sums(np.asarray(y, dtype=np.float64), np.asarray(pred, dtype=np.float64), w)
        else:
            return super().__call__(predt, dmatrix)
        if collective.is_distributed():
            sums = collective.allreduce(sums, collective.Op.SUM)
        if sums[2] > 0:  # as gbobjectives.mape: a zero target is an error, not a silent inf
            raise ValueError(f"mape: y_true has {int(sums[2])} target(s) equal to 0 over all workers")
        return self.name, float(sums[0] / sums[1])
