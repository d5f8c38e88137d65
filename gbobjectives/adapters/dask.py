"""Dask: the start from the distributed labels, and metrics that are global.

The objective itself needs nothing Dask-specific: ``xgboost.dask.train(client, params, dtrain,
obj=loss)`` calls the loss on each worker with that worker's ``DMatrix`` shard (the loss is
pickled to the workers), and ``DaskLGBMRegressor(objective=SklearnObjective(loss))`` likewise.
What does need care:

- **The start.** ``init_score`` over the whole distributed ``y``, never one shard:
  classification losses need only the per-class weight sums (one reduction); regression losses
  find the root of the summed gradient of the mean loss by bisection, one reduction per step
  (about 50), which is exact for every convex loss here and for the pinball loss.
- **Metrics.** XGBoost evaluates a custom metric on each worker's shard and reports one of
  them (measured: MAPE 5.95 reported against 4.21 over all the data). ``custom_metric`` here, for
  gbobjectives' ``mape``, ``smape`` and the mean loss, sums numerator and denominator over the
  workers with ``xgboost.collective.allreduce`` first, so the value is the global one. Any
  other metric function stays local. LightGBM's Dask metrics, built-in ones included, are all
  computed per worker: there is no collective to reduce them with from Python.

Requires ``pip install gbobjectives[dask]`` (dask, distributed, pyarrow).
"""

from __future__ import annotations

import numpy as np

from .. import metrics as _metrics
from .._objective import labels_of
from . import xgboost as _xgb


def _blocks_sum(func, y, w=None):
    """sum over the Dask blocks of func(y_block, w_block) -> ndarray, computed."""
    import dask
    import dask.array as da

    y = da.asarray(y)
    if w is None:
        parts = [dask.delayed(func)(b, None) for b in y.to_delayed().ravel()]
    else:
        w = da.asarray(w).rechunk(y.chunks[0])
        parts = [dask.delayed(func)(b, c) for b, c in zip(y.to_delayed().ravel(), w.to_delayed().ravel())]
    return np.sum(dask.compute(*parts), axis=0)


def init_score(loss, y, sample_weight=None, *, tol=1e-10, max_iter=200):
    """``loss.init_score`` of a distributed (Dask array or series) ``y``, from reductions only."""
    if loss.task != "regression":
        k = 2 if loss.task == "binary" else loss.n_outputs
        W = class_counts(loss, y, sample_weight)
        present = W > 0
        # the constant start depends on the labels only through these sums: replay them
        return loss.init_score(np.arange(k)[present], W[present])

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
                yb = np.asarray(yb, dtype=np.float64)
                g = single.gradient(yb, np.full(yb.shape[0], c), None if wb is None else np.asarray(wb))
                return np.array([np.sum(g)])

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
    """
    base = getattr(loss, "base_loss", loss)
    k = 2 if base.task == "binary" else base.n_outputs

    def counts(yb, wb):
        yb = base.validate_y(np.asarray(yb)).astype(np.int64)
        return np.bincount(yb, weights=None if wb is None else np.asarray(wb, dtype=float), minlength=k)

    return np.asarray(_blocks_sum(counts, y, sample_weight), dtype=np.float64)


def _blocks_min_max(y):
    import dask
    import dask.array as da

    y = da.asarray(y)
    lo, hi = (float(v) for v in dask.compute(y.min(), y.max()))
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError("y_true contains non-finite values; all values must be finite")
    return lo, hi


def xgboost_params(loss, y, sample_weight=None, **extra) -> dict:
    """``gbobjectives.adapters.xgboost.params`` with the start from the distributed labels."""
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
    mean loss (``func=None``), by an allreduce of sums over the workers."""

    def __init__(self, func=None, loss=None, *, maximize=False, name=None):
        self._sums = _DECOMPOSABLE.get(func)
        self._mean_loss = func is None
        if func is None:
            if loss is None:
                raise ValueError("custom_metric(func=None) is the mean loss: give the loss")
            func, name = (lambda y, p, sample_weight=None: 0.0), name or "loss"
        super().__init__(func, loss, maximize=maximize, name=name)

    def __call__(self, predt, dmatrix):
        from xgboost import collective

        y = labels_of(dmatrix)
        w = dmatrix.get_weight()
        w = np.ones(dmatrix.num_row()) if w.size == 0 else np.asarray(w, dtype=np.float64)
        if self._mean_loss:
            value = self.loss.loss(y, predt)
            sums = np.array([np.sum(value * (w if value.ndim == 1 else w[:, None])), np.sum(w), 0.0])
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
