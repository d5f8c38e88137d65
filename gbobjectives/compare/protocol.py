"""One protocol for every row of the comparison, built-in objectives included.

A comparison is honest only when its two sides differ in the one thing compared, here the
objective. So every row, a gbobjectives loss or a backend's built-in objective:

- trains through the same estimator (``GBRegressor`` / ``GBClassifier``) with the same
  hyperparameters per backend: a built-in row differs only in ``_train``, which hands the
  backend its own objective string instead of the loss (same ``_backend_params``, same
  feature handling, same early-stopping callback, same prediction link);
- sees the same outer folds (repeated K-fold, stratified for classes);
- has its number of rounds chosen by one rule inside each training fold: early stopping on an
  inner split (``INNER_FRACTION`` of the training fold, stratified for classes) by the metric
  that judges the row's kind of prediction (MAE, the pinball loss at the row's level, or
  PR-AUC, macro over classes), with the same patience and the same cap. A loss whose hessian
  takes smaller Newton steps (XGBoost's ``multi:softprob`` uses 2p(1-p) where the softmax
  losses here use p(1-p)) may then take more rounds rather than be cut off at a fixed count;
- is scored on the held-out fold with the early-stopped model; the per-fold scores are kept
  for the verdict's paired test. Rows run fold by fold (every row within a fold), so a
  change in the machine's load falls on every row alike.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np

from ..estimators import GBClassifier, GBRegressor, _resolve_classification_loss
from .errors import UsageError
from .scoring import classification_metrics, curve_maximize, curve_metric, curve_name, regression_metrics
from .specs import LOSSES, build_loss

# Share of each training fold held out for early stopping, and the default patience.
INNER_FRACTION = 0.2
PATIENCE = 20


class Comparison(NamedTuple):
    """What ``compare`` returns: the rows (dicts of fold means, spreads and per-fold scores),
    per-round validation curves of every row (``{"label [backend]": {"metric", "alpha",
    "folds"}}``), the backend parameters every row of a backend trained with, and the test
    share of the data over the training share (the corrected t-test's n_test / n_train)."""

    rows: list
    learning: dict
    settings: dict
    test_over_train: float


# ------------------------------------------------------------------ the built-in objectives
def builtin_objective(backend, task, alpha=None, n_classes=None) -> tuple[str, dict]:
    """(label, parameters) of the backend's own objective for a task, named as the backend
    names it (``reg:quantileerror(0.5)``: XGBoost's objective at ``quantile_alpha=0.5``)."""
    if backend == "xgboost":
        if task == "regression" and alpha is not None:
            return f"reg:quantileerror({alpha:g})", {
                "objective": "reg:quantileerror",
                "quantile_alpha": alpha,
            }
        if task == "regression":
            return "reg:squarederror", {"objective": "reg:squarederror"}
        if task == "binary":
            return "binary:logistic", {"objective": "binary:logistic"}
        return "multi:softprob", {"objective": "multi:softprob", "num_class": n_classes}
    if task == "regression" and alpha is not None:
        return f"quantile({alpha:g})", {"objective": "quantile", "alpha": alpha}
    if task == "regression":
        return "l2", {"objective": "l2"}
    if task == "binary":
        return "binary", {"objective": "binary"}
    return "multiclass", {"objective": "multiclass", "num_class": n_classes}


class _BuiltinObjective:
    """The estimator with the backend's own objective (``builtin_params``) in place of the
    loss. Everything but the objective is the estimator's: its backend parameters, its data
    checks, its eval sets and early stopping on ``eval_metric``, and its link at predict time
    (the loss given to ``_train``: ``SquaredError``/``Quantile`` identity, ``Logistic``'s
    sigmoid, the softmax), applied to the raw margins the built-in model returns. The
    backend estimates the start itself, as it does for its built-in objectives."""

    builtin_params: dict = {}

    def _train(self, loss, X, y, sample_weight, eval_sets):
        import importlib

        adapter = importlib.import_module(f"gbobjectives.adapters.{self.backend}")
        self.evals_result_ = {}
        self.model_ = adapter.train_builtin(
            {**self._backend_params(), **self.builtin_params},
            loss,
            X,
            y,
            sample_weight,
            num_boost_round=self.n_estimators,
            eval_sets=eval_sets,
            early_stopping_rounds=self.early_stopping_rounds,
            metric=adapter.custom_metric if self.backend == "xgboost" else adapter.feval,
            eval_metric=self.eval_metric,
            maximize=self.eval_metric_maximize,
            evals_result=self.evals_result_,
        )
        self.booster_ = self.model_.booster
        self.best_iteration_ = self.model_.best_iteration
        return self


class BuiltinRegressor(_BuiltinObjective, GBRegressor):
    """``GBRegressor`` training the backend's own regression objective (see _BuiltinObjective)."""


class BuiltinClassifier(_BuiltinObjective, GBClassifier):
    """``GBClassifier`` training the backend's own classification objective."""


# ------------------------------------------------------------------ folds
def outer_folds(y, task, cv, repeats, seed):
    """(train, test) index pairs: ``repeats`` times K-fold, stratified for classes."""
    from sklearn.model_selection import KFold, RepeatedKFold, RepeatedStratifiedKFold, StratifiedKFold

    if repeats == 1:
        splitter = (KFold if task == "regression" else StratifiedKFold)(cv, shuffle=True, random_state=seed)
    else:
        cls = RepeatedKFold if task == "regression" else RepeatedStratifiedKFold
        splitter = cls(n_splits=cv, n_repeats=repeats, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), y))


def inner_split(y, task, seed):
    """Positions (fit, stop) within a training fold: ``INNER_FRACTION`` of the rows, drawn at
    random (per class for classes: at least one row of each class in both parts where it
    has two), for early stopping; the rest to fit on."""
    rng = np.random.default_rng(seed)
    n = len(y)
    if task == "regression":
        order = rng.permutation(n)
        k = min(max(1, round(INNER_FRACTION * n)), n - 1)
        return np.sort(order[k:]), np.sort(order[:k])
    stop = []
    for c in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == c))
        # at least one row of every class of 2 or more: a stopping set without positives
        # scores PR-AUC 0 every round and stops every row after one round
        k = max(int(INNER_FRACTION * len(rows)), 1 if len(rows) >= 2 else 0)
        stop.extend(rows[:k])
    if not stop:  # a tiny training fold: one row of the largest class
        values, counts = np.unique(y, return_counts=True)
        stop = [rng.choice(np.flatnonzero(y == values[np.argmax(counts)]))]
    mask = np.zeros(n, dtype=bool)
    mask[stop] = True
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def _take(X, rows):
    """Rows of a numeric array or a DataFrame (tables with categorical columns)."""
    return X.iloc[rows] if hasattr(X, "iloc") else X[rows]


# ------------------------------------------------------------------ the runner
class _Row(NamedTuple):
    label: str
    backend: str
    builtin: bool
    alpha: float | None
    grid: str
    loss: object  # the gbobjectives loss it trains (None for a built-in objective)
    make: object  # () -> an unfitted estimator


def settings_of(backend, common) -> dict:
    """The backend parameters every row of ``backend`` trains with (the seed left out)."""
    params = GBRegressor(backend=backend, **common)._backend_params()
    params.pop("seed", None)
    return params


def compare(
    X,
    y,
    task,
    *,
    loss_specs,
    backends,
    cv,
    grid=None,
    n_estimators=500,
    learning_rate=0.1,
    seed=0,
    repeats=1,
    early_stopping_rounds=PATIENCE,
    positive=None,
    progress=None,
    say=None,
) -> Comparison:
    """Cross-validate every (loss, grid value, backend) and each backend's built-in objective
    under one protocol (see the module docstring). ``n_estimators`` is the most rounds a row
    may take; ``early_stopping_rounds=None`` trains every row ``n_estimators`` rounds on the
    whole training fold instead (fixed rounds: a step-size difference then shows as a score
    difference); ``progress``: a ``Progress`` or None; ``say``: a function for one-line notes
    on what happens (the first run's compiling), or None. ``positive``: the positive class
    of a binary task (class 1 for the models and PR-AUC); None: the second in sorted order."""
    classes = None
    if task == "binary" and positive is not None:
        if not np.any(y == positive) or np.all(y == positive):
            raise UsageError(f"positive={positive!r} is not one of the two labels of y")
        y, classes = (y == positive).astype(np.int64), np.arange(2)
    elif task != "regression":  # every model sees the class indices (XGBClassifier insists on them)
        names, y = np.unique(y, return_inverse=True)
        classes = np.arange(len(names))
    n_classes = None if classes is None else len(classes)
    common = dict(
        n_estimators=n_estimators,
        learning_rate=learning_rate,
        random_state=seed,
        early_stopping_rounds=early_stopping_rounds,
    )
    rows = _candidates(task, loss_specs, backends, grid, common, n_classes)
    folds = outer_folds(y, task, cv, repeats, seed)
    if progress is not None:
        progress.total = len(folds) * len(rows)
    # every row once, untimed: its loops compiled (or loaded) as it will run them
    _warm_up(rows, X, y, task, seed, n_classes, say)
    fixed = None if early_stopping_rounds else n_estimators
    # Fold by fold, every row inside each fold: a change in the machine's load falls on all
    # rows alike rather than on the rows that happened to run then.
    done = [[] for _ in rows]
    sizes = []
    for k, (tr, te) in enumerate(folds):
        fit, stop = (np.arange(len(tr)), None) if fixed else inner_split(y[tr], task, seed + k)
        fit, stop = tr[fit], None if stop is None else tr[stop]
        sizes.append((len(te), len(fit)))
        for i, row in enumerate(rows):
            done[i].append(_fit_fold(row, k, X, y, task, classes, fit, stop, te, fixed))
            if progress is not None:
                label = f"fold {k + 1}/{len(folds)}: {row.label} [{row.backend}]"
                progress.step(label, finished_row=i == len(rows) - 1)
    learning = {}
    out = [_summarise(row, fits, task, learning) for row, fits in zip(rows, done)]
    settings = {b: settings_of(b, common) for b in backends}
    # the corrected t-test's n_test / n_train: the rows a model is scored on over those it
    # was fitted on (the inner split's stopping rows are not fitted on)
    test_over_train = float(np.mean([t / f for t, f in sizes]))
    return Comparison(out, learning, settings, test_over_train)


def _candidates(task, loss_specs, backends, grid, common, n_classes):
    est = GBRegressor if task == "regression" else GBClassifier
    builtin_est = BuiltinRegressor if task == "regression" else BuiltinClassifier
    rows = []
    for name, params in loss_specs:
        values = [None]
        if grid is not None and grid[0] in LOSSES[name][2]:
            values = grid[1]
        for v in values:
            p = dict(params) if v is None else {**params, grid[0]: v}
            label = name + "".join(f":{k}={val}" for k, val in p.items())
            alpha = p.get("alpha", 0.5) if name == "quantile" else None
            for backend in backends:

                def make(name=name, p=p, backend=backend, alpha=alpha):
                    return est(build_loss(name, p), backend=backend, **common, **_metric(task, alpha))

                tag = "" if v is None else f"{grid[0]}={v}"
                rows.append(_Row(label, backend, False, alpha, tag, build_loss(name, p), make))
    alphas = sorted({p.get("alpha", 0.5) for n, p in loss_specs if n == "quantile"})
    for backend in backends:
        for alpha in [None] + (alphas if task == "regression" else []):
            label, objective = builtin_objective(backend, task, alpha, n_classes)

            def make(backend=backend, alpha=alpha, objective=objective):
                loss = None if alpha is None else build_loss("quantile", {"alpha": alpha})
                model = builtin_est(loss, backend=backend, **common, **_metric(task, alpha))
                model.builtin_params = objective
                return model

            rows.append(_Row(label, backend, True, alpha, "", None, make))
    return rows


def _metric(task, alpha):
    """The early-stopping metric of a row, as estimator parameters (the same for every row)."""
    return {"eval_metric": curve_metric(task, alpha), "eval_metric_maximize": curve_maximize(task)}


def _fit_fold(row, k, X, y, task, classes, fit, stop, te, fixed):
    """One fit of a row on fold k: (scores on the test rows, seconds, rounds, curve).
    ``fixed``: a number of rounds to train on all of ``fit`` (``stop`` is None) instead of
    early stopping on ``stop``."""
    est = row.make()
    t0 = time.perf_counter()
    try:
        if fixed:
            est.fit(_take(X, fit), y[fit])
        else:
            est.fit(_take(X, fit), y[fit], eval_set=[(_take(X, stop), y[stop])])
    except ValueError as err:  # e.g. margins that overflow: one line, not a traceback
        first = str(err).strip().splitlines()[0]
        raise UsageError(f"{row.label} [{row.backend}] could not be fitted (fold {k + 1}): {first}") from None
    seconds = time.perf_counter() - t0
    curve = list(next(iter(est.evals_result_.get("valid_0", {}).values()), []))  # a constant model: none
    # early stopping's choice: the first best round (a later tie is no improvement)
    pick = np.argmax if curve_maximize(task) else np.argmin
    rounds = fixed or (int(pick(curve)) + 1 if curve else 0)
    if task == "regression":
        scores = regression_metrics(y[te], np.asarray(est.predict(_take(X, te)), dtype=float), row.alpha)
    else:
        scores = classification_metrics(y[te], est.predict_proba(_take(X, te)), classes)
    return scores, seconds, rounds, curve


def _summarise(row, fits, task, learning):
    """The row of the table: fold means, spreads, per-fold scores, median rounds, mean fit
    time; its curves go into ``learning``."""
    scores, seconds, rounds, curves = zip(*fits)
    if any(curves):
        learning[f"{row.label} [{row.backend}]"] = {
            "metric": curve_name(task, row.alpha),
            "alpha": row.alpha,
            "folds": [c for c in curves if c],
        }
    out = {
        "loss": row.label,
        "backend": row.backend,
        "builtin": row.builtin,
        "alpha": row.alpha,
        "grid": row.grid,
    }
    per_fold = {m: np.array([s[m] for s in scores]) for m in scores[0]}
    for m, v in per_fold.items():
        out[m] = float(np.mean(v))
        out[f"{m}_sd"] = float(np.std(v, ddof=1))
    out["rounds"] = int(np.median(rounds))
    out["rounds_range"] = f"{min(rounds)}-{max(rounds)}"
    out["fit_s"] = float(np.mean(seconds))
    out["per_fold"] = per_fold
    return out


def loop_names(losses, task, n_classes) -> str:
    """The losses whose loops will run, as they will train (a binary loss given K classes
    runs as its softmax counterpart)."""
    if task == "multiclass":
        losses = [_resolve_classification_loss(loss, n_classes) for loss in losses]
    return ", ".join(dict.fromkeys(type(loss).__name__ for loss in losses))


def _warm_up_rows(y, task, seed, size=200):
    """About ``size`` rows for the warm-up fits, with every class in them (a table sorted by
    class has one class in its first rows, and a fit on it would run another loop)."""
    rng = np.random.default_rng(seed)
    if task == "regression":
        return np.sort(rng.permutation(len(y))[:size])
    classes = np.unique(y)
    per = max(4, size // len(classes))
    picks = [rng.permutation(np.flatnonzero(y == c))[:per] for c in classes]
    return np.sort(np.concatenate(picks))


def _warm_up(rows, X, y, task, seed, n_classes, say):
    """One small fit of every row, untimed, before any fit is timed: the loops each row
    runs (its loss's at the dtypes its backend passes, the metric's, leaf renewal's) are
    compiled on a first run, or loaded from numba's cache, here and not inside a timed fit
    (a warm-up of each loss at guessed dtypes missed XGBoost's float32 labels: on a first
    run a Huber fit then took 146 ms against 41). Also the backends' own first calls.
    ``say`` hears which loops load, and, where the first row compiled, about how long the
    rest will take."""
    rows_ = _warm_up_rows(y, task, seed)
    fit, stop = (rows_[i] for i in inner_split(y[rows_], task, seed))
    names = loop_names([r.loss for r in rows if r.loss is not None], task, n_classes)
    if say is not None and names:
        say(f"loading the compiled loops for {names} (compiled on the first run only)")
    t_all, told = time.perf_counter(), False
    for i, row in enumerate(rows):
        est = row.make().set_params(n_estimators=2)
        t0 = time.perf_counter()
        try:
            est.fit(_take(X, fit), y[fit], eval_set=[(_take(X, stop), y[stop])])
        except Exception:  # noqa: BLE001 - untimed and unscored: the real fits report it
            pass
        seconds = time.perf_counter() - t0
        if say is not None and not told and row.loss is not None and seconds > 0.5:
            left = sum(1 for r in rows[i:] if r.loss is not None)
            say(f"first run: compiling them, about {seconds * left:.0f} s")
            told = True
    if say is not None and told:
        say(f"compiled in {time.perf_counter() - t_all:.1f} s; later runs load them from numba's cache")
