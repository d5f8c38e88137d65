"""What both framework adapters share: the sklearn objective wrapper, metric adapters and the
leaf-renewal loop. No framework is imported here; the objective call itself is the core's
(``gbobjectives._objective``)."""

from __future__ import annotations

import copy

import numpy as np

from .. import _engine
from .._objective import Prepared, as_margin, compute, sklearn_objective, weights_or_none


def check_eval_sets(loss, eval_sets) -> None:
    """Each eval set's labels and weights checked as a training set's are, naming the set.

    LightGBM stores a NaN label or weight as 0 in a validation set too, and then early-stops
    on it (20 NaN labels of 200: first eval loss 155.6 and best iteration 42, against 43.5 and
    32 without those rows); XGBoost refuses them. Both adapters check them here.
    """
    from .._validation import check_sample_weight

    for i, (_, ye, we) in enumerate(eval_sets):
        try:
            y = loss.validate_y(ye)
            check_sample_weight(we, y.shape[0])
        except ValueError as err:
            raise ValueError(f"eval set {i}: {err}") from None


def has_varying_feature(X) -> bool:
    """True where some feature of X can split: it takes two distinct values, or holds both
    missing and present values (both backends send missing values down a branch of their own).

    Where none can, the backends part: LightGBM's custom objective aborts (so its adapter
    trains no booster: the model is the start), while XGBoost adds a root leaf each round,
    -G / (H + lambda), which walks the constant away from the start toward the minimiser of
    the loss at each round's data-derived scale (Huber() on a constant table: 7.988 against
    the start, the median, 7.215). Both adapters then keep the start: the best constant is
    the loss's start, on both."""
    import sys

    sparse = sys.modules.get("scipy.sparse")
    if sparse is not None and sparse.issparse(X):
        X = sparse.csc_matrix(X)
        n = X.shape[0]
        for j in range(X.shape[1]):
            v = X.data[X.indptr[j] : X.indptr[j + 1]]
            if v.size < n:  # an implicit zero among the rows
                v = np.append(v, 0.0)
            if _column_varies(v):
                return True
        return False
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(X, pd.DataFrame):
        return bool((X.nunique(dropna=False) > 1).any())
    a = np.asarray(X)  # no float64 copy of the whole table: one column at a time
    if a.ndim != 2 or a.shape[0] == 0:
        return False
    return any(_column_varies(np.asarray(a[:, j], dtype=np.float64)) for j in range(a.shape[1]))


def _column_varies(v: np.ndarray) -> bool:
    missing = np.isnan(v)
    present = v[~missing]
    if missing.any():
        return present.size > 0
    return present.size > 0 and bool(present.max() > present.min())


class SklearnObjective:
    """A loss as ``objective=`` for XGBRegressor/XGBClassifier/LGBMRegressor/LGBMClassifier,
    without exposing the loss's hyperparameters to the estimator.

    A loss passed directly works, but both estimators expand the hyperparameters of any
    parameter value that has ``get_params`` into ``objective__delta``-style keys and forward
    them to the booster, which warns that they are unused (XGBoost: a UserWarning on every
    fit). This wrapper has no ``get_params``; it pickles and clones with the estimator.
    Signature: three parameters, the third named ``sample_weight`` (see ``Loss.__call__``),
    which both scikit-learn APIs accept (XGBoost passes the weight by keyword, LightGBM as
    the third positional argument).

    Parameters
    ----------
    loss : Loss
        The loss to train on.

    Examples
    --------
    >>> import numpy as np, xgboost as xgb
    >>> import gbobjectives as gb
    >>> from gbobjectives.adapters import SklearnObjective
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3)); y = 5 * X[:, 0] + rng.normal(size=200)
    >>> objective = SklearnObjective(gb.Huber(delta=1.0))
    >>> grad, hess = objective(y, np.zeros(200))  # float32 arrays, as the frameworks want
    >>> grad.dtype, bool((hess > 0).all())
    (dtype('float32'), True)
    >>> model = xgb.XGBRegressor(n_estimators=10, objective=objective, base_score=0.0).fit(X, y)
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
        """The metric of these margins.

        A multi-quantile loss's predictions have a column per alpha, made non-crossing as
        ``GBRegressor.predict`` makes them: the metric is evaluated on each column (against that
        column of 2-D labels) and their mean is the one value, on both backends, for the history
        and early stopping.

        Parameters
        ----------
        y_true : array-like of shape (n,), or (n, K)
        raw : array-like of shape (n,) or (n, K)
            Raw margins, as the frameworks hand them to a metric.
        sample_weight : array-like of shape (n,), optional

        Returns
        -------
        float
        """
        w = weights_or_none(sample_weight)
        if self.loss is None:
            return float(self.func(y_true, raw, sample_weight=w))
        pred = self.loss.predict(as_margin(self.loss, raw, "sklearn"))
        if self.loss.task == "regression" and pred.ndim == 2:
            pred = self.loss.rearrange(pred)  # what GBRegressor.predict returns: non-crossing
            y = np.asarray(y_true)
            cols = [y[:, k] if y.ndim == 2 else y for k in range(pred.shape[1])]
            values = [float(self.func(c, pred[:, k], sample_weight=w)) for k, c in enumerate(cols)]
            return float(np.mean(values))
        return float(self.func(y_true, pred, sample_weight=w))

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
    renew=True,
):
    """Boosting with leaf renewal for a Quantile loss, for either backend; with
    ``renew=False``, the same loop on the backend's own scores (LightGBM's several alphas:
    one booster per alpha, grown in lockstep so that one metric, the mean over the alphas,
    picks one round for all of them).

    After each round, every new leaf is set to ``learning_rate`` times the alpha-quantile of
    the residuals y - F of its rows (F: the model before the round): the line search that the
    pinball loss's constant hessian cannot do. The built-in quantile objectives of both
    backends do the same in C++. The loop keeps the model's scores itself (the backends'
    cached scores do not see renewed leaves), computes the gradients at them, and likewise the
    validation scores for the metric and early stopping.

    ``backend`` is three functions: ``grow(t, grad, hess)`` grows round t's tree(s) from
    these gradients and returns True when nothing more grows, or a boolean per output
    (which of them grew a tree); with renewal, ``leaves_of(t, i)`` is the leaf index of
    every row of the training data (i None) or of eval set i, in round t, (n,) or (n, K) for
    K outputs, and ``set_leaves(t, k, {leaf: value})`` sets output k's leaves of round t;
    without, ``scores_of(i)`` is the backend's own margins of those rows after the round,
    (n, K) (dart's rescaled trees and linear leaves included), and the third is unused.
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
    grow, leaves_of, set_leaves = backend  # leaves_of: scores_of without renewal
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
    if renew:
        unit = copy.copy(loss).set_params(scale=1.0)
        prep_unit = Prepared(unit, y, w)
    growing = np.ones(k_out, dtype=bool)
    for t in range(num_boost_round):
        g, h = compute(loss, prep, shaped(score), framework)
        if renew:
            g, _ = compute(unit, prep_unit, shaped(score), framework)
        grew = grow(t, g, h)
        if grew is True or (grew is not False and not np.any(grew)):
            break  # nothing left to split: the backend kept no tree for this round
        if grew is not False:
            growing &= np.asarray(grew, dtype=bool)
        if renew:
            _renew(t, growing, leaves_of, set_leaves, score, valid, prep.y, prep.w, alphas, learning_rate,
                   quantile_method, add)  # fmt: skip
        else:  # the backend's own scores: what its model predicts, whatever kind of model
            scores_of = leaves_of
            score = np.asarray(scores_of(None), dtype=np.float64).reshape(n, k_out)
            valid = [
                np.asarray(scores_of(i), dtype=np.float64).reshape(len(v), k_out) for i, v in enumerate(valid)
            ]
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


def _renew(t, growing, leaves_of, set_leaves, score, valid, y, w, alphas, learning_rate, method, add):
    """Round t's leaves renewed (each output k that grew a tree), and the scores moved by them
    (in place). ``y``: the validated labels (a subclass's validate_y may convert them)."""
    n, k_out = score.shape
    leaves = np.asarray(leaves_of(t, None)).astype(np.int64).reshape(n, k_out)
    eval_leaves = [
        np.asarray(leaves_of(t, i)).astype(np.int64).reshape(len(v), k_out) for i, v in enumerate(valid)
    ]
    for k in np.flatnonzero(growing):
        yk = y if y.ndim == 1 else y[:, k]
        ids, q = _engine.grouped_quantiles(yk - score[:, k], leaves[:, k], alphas[k], w, method)
        step = learning_rate * q
        set_leaves(t, k, dict(zip(ids.tolist(), step.tolist())))
        score[:, k] += _lookup(ids, step, leaves[:, k])
        for i, v in enumerate(valid):
            v[:, k] = add(v[:, k], _lookup(ids, step, eval_leaves[i][:, k]))


def _lookup(ids: np.ndarray, values: np.ndarray, leaves: np.ndarray) -> np.ndarray:
    """The renewed value of each row's leaf. Every leaf of a tree holds training rows (the
    backends never grow an empty one), so an eval row always lands on a renewed leaf."""
    table = np.zeros(int(max(ids.max(), leaves.max())) + 1)
    table[ids] = values
    return table[leaves]
