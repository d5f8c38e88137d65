"""The command line: ``gbobjectives compare`` (the main job) and ``gbobjectives logcosh-demo``.

``gbobjectives`` with no arguments compares the regression losses on the bundled ``wage``
data. Bad input ends with one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import csv
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

from . import datasets
from .losses import (
    BinaryFocal,
    ClassBalanced,
    Huber,
    LogCosh,
    Logistic,
    PseudoHuber,
    Quantile,
    SquaredError,
)
from .metrics import mape, smape


class UsageError(Exception):
    """Bad input: reported as one line and exit status 2."""


# ------------------------------------------------------------------------ loss specs
# name -> (constructor, tasks, parameter names)
LOSSES = {
    "squared_error": (lambda p: SquaredError(**p), ("regression",), ()),
    "huber": (
        lambda p: Huber(**p),
        ("regression",),
        ("delta", "residual_quantile", "hessian", "min_hessian"),
    ),
    "pseudo_huber": (
        lambda p: PseudoHuber(**p),
        ("regression",),
        ("delta", "residual_quantile", "hessian", "min_hessian"),
    ),
    "logcosh": (
        lambda p: LogCosh(**p),
        ("regression",),
        ("scale", "residual_quantile", "hessian", "min_hessian"),
    ),
    "quantile": (lambda p: Quantile(**p), ("regression",), ("alpha", "scale", "hessian")),
    "logistic": (lambda p: Logistic(**p), ("binary", "multiclass"), ("min_hessian",)),
    "focal": (lambda p: BinaryFocal(**p), ("binary", "multiclass"), ("gamma", "alpha", "min_hessian")),
    "cb_logistic": (
        lambda p: ClassBalanced(Logistic(), **p),
        ("binary", "multiclass"),
        ("beta", "normalize"),
    ),
    "cb_focal": (
        lambda p: ClassBalanced(
            BinaryFocal(**{k: v for k, v in p.items() if k == "gamma"}),
            **{k: v for k, v in p.items() if k != "gamma"},
        ),
        ("binary", "multiclass"),
        ("beta", "gamma", "normalize"),
    ),
}

DEFAULT_LOSSES = {
    "regression": "squared_error,huber,pseudo_huber,logcosh,quantile:alpha=0.5",
    "binary": "logistic,focal:gamma=2,cb_logistic:beta=0.999,cb_focal:beta=0.999:gamma=2",
    "multiclass": "logistic,focal:gamma=2,cb_logistic:beta=0.999,cb_focal:beta=0.999:gamma=2",
}


def _value(text: str):
    try:
        return int(text) if text.lstrip("-").isdigit() else float(text)
    except ValueError:
        return text


def parse_losses(texts: list[str], task: str) -> list[tuple[str, dict]]:
    """``["huber:delta=1,logcosh", ...]`` -> [("huber", {"delta": 1}), ("logcosh", {})]."""
    specs = []
    for text in texts:
        for item in filter(None, (s.strip() for s in text.split(","))):
            name, *params = item.split(":")
            if name not in LOSSES:
                raise UsageError(f"unknown loss {name!r}; valid losses: {', '.join(LOSSES)}")
            make, tasks, names = LOSSES[name]
            if task not in tasks:
                valid = [n for n, v in LOSSES.items() if task in v[1]]
                raise UsageError(f"loss {name!r} does not fit a {task} task; valid: {', '.join(valid)}")
            kw = {}
            for p in params:
                key, eq, val = p.partition("=")
                if not eq or key not in names:
                    raise UsageError(
                        f"loss {name!r} has no parameter {key!r}; valid: {', '.join(names) or 'none'}"
                        " (write name:param=value)"
                    )
                if key in kw:
                    raise UsageError(f"loss {item!r} gives {key!r} twice; give each parameter once")
                kw[key] = _value(val)
            build_loss(name, kw)  # checks the values now, with the loss's own message
            if (name, kw) in specs:
                raise UsageError(f"loss {item!r} is given twice; give each loss once")
            specs.append((name, kw))
    return specs


def build_loss(name, params):
    try:
        return LOSSES[name][0](params)
    except (ValueError, TypeError) as err:
        raise UsageError(f"loss {name!r}: {err}") from None


def parse_grid(text: str | None) -> tuple[str, list] | None:
    if not text:
        return None
    key, eq, values = text.partition("=")
    vals = [_value(v) for v in values.split(",") if v.strip()]
    if not eq or not vals:
        raise UsageError(f"--grid {text!r} is not valid: write param=v1,v2,... (e.g. delta=0.5,1,2)")
    if key == "alpha":
        raise UsageError(
            f"--grid {text!r}: alpha is the level to predict, not a setting to tune (a lower "
            "quantile is not a worse one); compare levels with --losses quantile:alpha=0.1,"
            "quantile:alpha=0.9"
        )
    return key, vals


# ------------------------------------------------------------------------ data
# A text column with more distinct values than this, or distinct in more than half the rows,
# is an identifier (a name, an id): it is dropped, with a note, rather than made a category.
MAX_CATEGORIES = 1000


def _features(frame, notes: list[str]):
    """The feature table: numbers as they are, text as categories, dates as numbers.

    Rules (stated in the README): blanks are missing values; a column whose every non-blank
    value reads as an ISO date or datetime becomes three numbers, ``<name>`` (days since
    1970-01-01, fractional for times), ``<name>_month`` and ``<name>_dayofweek``; any other text
    column becomes a categorical feature that both backends split on natively, unless it looks
    like an identifier (see MAX_CATEGORIES). Returns a numeric array when no column is
    categorical, else a DataFrame.
    """
    import pandas as pd

    out = {}
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            values = col.astype(np.float64)
            if np.isinf(values).any():
                row = int(np.flatnonzero(np.isinf(values.to_numpy()))[0])
                raise UsageError(
                    f"column {name!r} holds '{col.iloc[row]}' at row {row + 2}; values must be finite"
                )
            out[name] = values
            whole = values.dropna()
            if len(whole) > 20 and whole.is_unique and np.all(whole == np.round(whole)):
                notes.append(
                    f"column {name!r}: a distinct integer in every row, an identifier? "
                    "(used as a feature; drop it if it is one)"
                )
            continue
        text = col.astype("string").str.strip()
        present = text.dropna()
        numbers = pd.to_numeric(present, errors="coerce")
        if len(present) and numbers.notna().mean() >= 0.95:
            # a numeric column with a few placeholders ("?", "n/a", "-"): those are missing
            odd = present[numbers.isna()]
            first = int(odd.index[0]) + 2
            notes.append(
                f"column {name!r}: numbers, with {len(odd)} non-numeric value(s) read as missing "
                f"({odd.iloc[0]!r} at row {first})"
            )
            out[name] = pd.to_numeric(text, errors="coerce").astype(np.float64)
            continue
        dates = pd.to_datetime(present, errors="coerce", format="ISO8601") if len(present) else present
        if len(present) and dates.notna().all():
            when = pd.to_datetime(text, errors="coerce", format="ISO8601")
            days = (when - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
            out[name] = days.astype(np.float64)
            out[f"{name}_month"] = when.dt.month.astype(np.float64)
            out[f"{name}_dayofweek"] = when.dt.day_of_week.astype(np.float64)
            notes.append(f"column {name!r}: dates, used as days since 1970, month and day of week")
            continue
        distinct = present.nunique()
        if distinct > MAX_CATEGORIES or (len(present) > 20 and distinct > 0.5 * len(present)):
            notes.append(f"column {name!r} dropped: {distinct} distinct text values in {len(present)} rows")
            continue
        out[name] = text.astype("category")
        notes.append(f"column {name!r}: text, a categorical feature of {distinct} values")
    if not out:
        raise UsageError("the file has no usable feature columns besides the target")
    table = pd.DataFrame(out)
    names = list(table.columns)
    # positional names for the models: the built-in baselines get the frame as it is, and
    # XGBoost refuses "[", "]", "<" in a feature name, LightGBM JSON's special characters
    table.columns = [f"f{i}" for i in range(table.shape[1])]
    if any(isinstance(table[c].dtype, pd.CategoricalDtype) for c in table.columns):
        return table, names
    return table.to_numpy(dtype=np.float64), names


def read_table(path_or_resource, target: str | None, task: str | None):
    """X, y, task, feature names and the reason for the task, from a CSV, with one clear error
    for what cannot be used. Read by pandas (blanks and NA are missing values; a byte-order
    mark is dropped from the first name)."""
    import pandas as pd

    if isinstance(path_or_resource, Path) and path_or_resource.is_dir():
        raise UsageError(f"{path_or_resource} is a directory; give a CSV file or a bundled dataset name")
    try:
        with path_or_resource.open("rb") as handle:
            frame = pd.read_csv(handle, encoding="utf-8-sig", skipinitialspace=True)
    except FileNotFoundError:
        raise UsageError(
            f"file not found: {path_or_resource} (bundled datasets: {', '.join(datasets.DATASETS)})"
        ) from None
    except pd.errors.EmptyDataError:
        raise UsageError(f"cannot read {path_or_resource} as CSV: the file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        raise UsageError(f"cannot read {path_or_resource} as CSV: {str(err).splitlines()[0]}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if target is None:
        raise UsageError("--target is required with a CSV file (the column to predict)")
    if target not in frame.columns:
        raise UsageError(f"target column {target!r} is not in the file; columns: {', '.join(frame.columns)}")
    features = [c for c in frame.columns if c != target]
    if not features:
        raise UsageError("the file has no feature columns besides the target")
    if len(frame) == 0:
        raise UsageError("the file has a header but no data rows")
    notes: list[str] = []
    X, features = _features(frame[features], notes)
    if frame[target].isna().any():
        raise UsageError(f"target column {target!r} has missing values; drop those rows")
    y_text = [str(v).strip() for v in frame[target].tolist()]
    try:
        y_num = np.array(y_text, dtype=np.float64)
    except ValueError:
        y_num = None
    if y_num is not None and not np.all(np.isfinite(y_num)):
        bad = int(np.flatnonzero(~np.isfinite(y_num))[0])
        raise UsageError(
            f"target column {target!r} holds {y_text[bad]!r} at row {bad + 2}; values must be finite"
        )
    n_classes = len(set(y_text))
    if task is None and n_classes < 2:
        raise UsageError(
            f"target column {target!r} holds a single value ({y_text[0]!r}) in all {len(frame)} rows: "
            "nothing to predict"
        )
    few_integers = (
        y_num is not None and 2 < n_classes <= MAX_INTEGER_CLASSES and np.all(y_num == np.round(y_num))
    )
    if y_num is not None and n_classes > 2 and not few_integers:
        inferred, why = "regression", f"target {target!r} is numeric with {n_classes} distinct values"
    elif n_classes == 2:
        positive = sorted(set(y_text))[1]  # np.unique's order: the second class is positive
        inferred = "binary"
        why = f"target {target!r} has 2 distinct values; PR-AUC takes {positive!r} as positive"
    else:
        inferred = "multiclass"
        why = f"target {target!r} has {n_classes} distinct " + (
            "integers, read as class codes; --task regression treats them as numbers"
            if few_integers
            else "text values"
        )
    given = task is not None
    task = task or inferred
    reason = "given with --task" if given else why
    if task == "regression" and y_num is None:
        raise UsageError(f"--task regression needs a numeric target; {target!r} holds text")
    if task == "binary" and n_classes != 2:
        raise UsageError(f"--task binary needs 2 classes; {target!r} has {n_classes}")
    if task == "multiclass" and not 2 < n_classes <= 100:
        if given:
            raise UsageError(f"--task multiclass needs 3 to 100 classes; {target!r} has {n_classes}")
        raise UsageError(
            f"target column {target!r} holds {n_classes} distinct text values: too many classes "
            "(at most 100); give a numeric target or fewer classes"
        )
    if len(frame) < 20:
        raise UsageError(f"the file has {len(frame)} rows; at least 20 are needed to cross-validate")
    y = y_num if task == "regression" else np.array(y_text)
    for note in notes:
        reason += f"; {note}"
    return X, y, task, features, reason


# ------------------------------------------------------------------------ evaluation
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


# An integer-valued target with at most this many distinct values is read as class codes
# (0/1/2 ratings, labels); more distinct integers (counts) are a number to predict.
MAX_INTEGER_CLASSES = 10

PRIMARY = {"regression": ("MAE", False), "binary": ("PR_AUC", True), "multiclass": ("PR_AUC", True)}


def _take(X, rows):
    """Rows of a numeric array or a DataFrame (tables with categorical columns)."""
    return X.iloc[rows] if hasattr(X, "iloc") else X[rows]


def _builtin(task, backend, alpha, n_estimators, learning_rate, seed):
    """The backend's own objective as the baseline (its quantile objective for quantile rows)."""
    if backend == "xgboost":
        import xgboost as xgb

        kw = dict(
            n_estimators=n_estimators,
            learning_rate=learning_rate,
            random_state=seed,
            verbosity=0,
            enable_categorical=True,  # category columns of a table, split on natively
        )
        if task == "regression":
            if alpha is not None:
                return xgb.XGBRegressor(objective="reg:quantileerror", quantile_alpha=alpha, **kw)
            return xgb.XGBRegressor(objective="reg:squarederror", **kw)
        return xgb.XGBClassifier(**kw)
    import lightgbm as lgb

    # n_jobs=0: LightGBM's own default threads, as the gbobjectives estimators get (n_jobs=None
    # in LightGBM's sklearn API means the physical cores, whatever OMP_NUM_THREADS says)
    kw = dict(
        n_estimators=n_estimators, learning_rate=learning_rate, random_state=seed, verbosity=-1, n_jobs=0
    )
    if task == "regression":
        if alpha is not None:
            return lgb.LGBMRegressor(objective="quantile", alpha=alpha, **kw)
        return lgb.LGBMRegressor(objective="l2", **kw)
    return lgb.LGBMClassifier(**kw)


class Progress:
    """Progress over the fits, on stderr.

    In a terminal: a rich progress bar with the elapsed and the estimated remaining time, at
    most 80 columns wide. Otherwise (a log file, a pipe, CI): one plain line per finished loss,
    with no carriage returns, so that a log reads top to bottom.
    """

    def __init__(self, total, console=None):
        from rich.console import Console

        self.total, self.done = total, 0
        self.console = console if console is not None else Console(stderr=True)
        self.start = time.perf_counter()
        self._bar = None
        if self.console.is_terminal:
            from rich import progress as rp

            self._bar = rp.Progress(
                rp.TextColumn("{task.description}", style="bold"),
                rp.BarColumn(bar_width=20),
                rp.MofNCompleteColumn(),
                rp.TextColumn("fits, elapsed"),
                rp.TimeElapsedColumn(),
                rp.TextColumn("left"),
                rp.TimeRemainingColumn(),
                console=self.console,
            )
            self._task = self._bar.add_task("", total=total)
            self._bar.start()

    def step(self, label="", finished_row=False):
        """One fit done; ``finished_row``: the last fold of ``label``."""
        self.done += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1, description=_clip(label, 24))
            if self.done == self.total:
                self._bar.stop()
            return
        if finished_row or self.done == self.total:
            elapsed = time.perf_counter() - self.start
            left = elapsed / self.done * (self.total - self.done)
            line = f"{self.done}/{self.total} fits, {elapsed:.1f} s, ~{left:.0f} s left: "
            self.console.print(line + _clip(label, 79 - len(line)), markup=False, highlight=False)

    def close(self):
        if self._bar is not None and self.done < self.total:
            self._bar.stop()


def _clip(text, width):
    return text if len(text) <= width else text[: width - 3] + "..."


def compare(
    X,
    y,
    task,
    *,
    loss_specs,
    backends,
    cv,
    grid,
    n_estimators,
    learning_rate,
    seed,
    progress=True,
    curves=False,
):
    """Cross-validate every (loss, grid value, backend) and each backend's built-in objective.

    Returns the rows of the table (dicts) and, with ``curves``, per-round validation metrics of
    every fold (``{"label [backend]": {"metric": name, "folds": [per-round values, ...]}}``).
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    splitter = (KFold if task == "regression" else StratifiedKFold)(cv, shuffle=True, random_state=seed)
    folds = list(splitter.split(X, y))
    candidates = []
    for name, params in loss_specs:
        values = [None]
        if grid is not None and grid[0] in LOSSES[name][2]:
            values = grid[1]
        for v in values:
            p = dict(params) if v is None else {**params, grid[0]: v}
            for backend in backends:
                candidates.append((name, p, backend, None if v is None else f"{grid[0]}={v}"))
    alphas = sorted({p.get("alpha", 0.5) for n, p, _, _ in candidates if n == "quantile"})
    baselines = [
        (f"builtin:{b}", a, b)
        for b in backends
        for a in ([None] + alphas if task == "regression" else [None])
    ]
    bar = Progress(len(folds) * (len(candidates) + len(baselines))) if progress else None
    try:
        fit = dict(n_estimators=n_estimators, learning_rate=learning_rate, seed=seed)
        return _compare(X, y, task, folds, candidates, baselines, bar, curves, **fit)
    finally:
        if bar:
            bar.close()


def _compare(X, y, task, folds, candidates, baselines, bar, curves, *, n_estimators, learning_rate, seed):
    from .estimators import GBClassifier, GBRegressor

    classes = None
    if task != "regression":  # every model sees the class indices (XGBClassifier insists on them)
        names, y = np.unique(y, return_inverse=True)
        classes = np.arange(len(names))
    rows, learning = [], {}

    def evaluate(make, label, backend, alpha, ours=True):
        scores, seconds, fold_curves = [], [], []
        for k, (tr, te) in enumerate(folds):
            est = make()
            t0 = time.perf_counter()
            fit_kw = {}
            if curves and ours:  # learning curves: gbobjectives' estimators only
                fit_kw["eval_set"] = [(_take(X, te), y[te])]
            try:
                est.fit(_take(X, tr), y[tr], **fit_kw)
            except ValueError as err:  # e.g. margins that overflow: one line, not a traceback
                first = str(err).strip().splitlines()[0]
                raise UsageError(f"{label} [{backend}] could not be fitted (fold {k + 1}): {first}") from None
            seconds.append(time.perf_counter() - t0)
            if fit_kw and est.evals_result_.get("valid_0"):  # a constant model records none
                fold_curves.append(next(iter(est.evals_result_["valid_0"].values())))
            if task == "regression":
                pred = np.asarray(est.predict(_take(X, te)), dtype=float)
                scores.append(regression_metrics(y[te], pred, alpha))
            else:
                scores.append(classification_metrics(y[te], est.predict_proba(_take(X, te)), classes))
            if bar:
                bar.step(f"{label} [{backend}]", finished_row=k == len(folds) - 1)
        if fold_curves:
            learning[f"{label} [{backend}]"] = {
                "metric": _curve_name(task, alpha),
                "alpha": alpha,
                "folds": fold_curves,
            }
        row = {"loss": label, "backend": backend}
        row.update({m: float(np.mean([s[m] for s in scores])) for m in scores[0]})
        row["fit_s"] = float(np.mean(seconds))
        rows.append(row)

    _warm_up_loops([build_loss(n, p) for n, p, _, _ in candidates], task, classes)
    common = dict(n_estimators=n_estimators, learning_rate=learning_rate, random_state=seed)
    for name, p, backend, tag in candidates:
        label = name + "".join(f":{k}={v}" for k, v in p.items())
        alpha = p.get("alpha", 0.5) if name == "quantile" else None
        cls = GBRegressor if task == "regression" else GBClassifier
        curve_metric = _curve_metric(task, alpha) if curves else None

        def make(name=name, p=p, backend=backend, cls=cls, curve_metric=curve_metric):
            return cls(build_loss(name, p), backend=backend, eval_metric=curve_metric, **common)

        evaluate(make, label, backend, alpha)
        rows[-1]["grid"] = tag or ""
    for label, alpha, backend in baselines:
        lab = label if alpha is None else f"{label}:quantile:alpha={alpha}"
        evaluate(
            lambda b=backend, a=alpha: _builtin(task, b, a, n_estimators, learning_rate, seed),
            lab,
            backend,
            alpha,
            ours=False,
        )
        rows[-1]["grid"] = ""
    return rows, learning


def _warm_up_loops(losses, task, classes):
    """Load (or compile) each loss's loop once before timing, so that no fit time in the table
    includes that one-off cost (about 0.5 s for all loops from numba's cache)."""
    from ._objective import grad_hess

    for loss in losses:
        if task == "multiclass":
            y, raw = np.arange(len(classes)), np.zeros((len(classes), len(classes)))
            if loss.task == "binary":  # GBClassifier turns it into its softmax counterpart
                continue
        else:
            y, raw = np.array([0.0, 1.0]), np.zeros(2)
        for dtype in (np.float32, np.float64):  # XGBoost passes float32 margins, LightGBM float64
            grad_hess(loss, y, raw.astype(dtype), None, "sklearn")


def _curve_name(task, alpha):
    if task != "regression":
        return "log-loss"
    return "MAE" if alpha is None else f"pinball loss (alpha={alpha:g})"


def _curve_metric(task, alpha=None):
    """The per-round validation metric of a learning curve: what the row is judged by (a
    quantile row by its pinball loss, a point prediction by MAE, a classifier by log-loss)."""
    if task == "regression" and alpha is not None:

        def pinball(y_true, y_pred, sample_weight=None):
            r = y_true - y_pred
            return float(np.average(np.maximum(alpha * r, (alpha - 1) * r), weights=sample_weight))

        return pinball
    if task == "regression":

        def mae(y_true, y_pred, sample_weight=None):
            return float(np.average(np.abs(y_true - y_pred), weights=sample_weight))

        return mae

    def log_loss(y_true, y_pred, sample_weight=None):
        p = y_pred if y_pred.ndim == 2 else np.column_stack([1 - y_pred, y_pred])
        p = np.clip(p[np.arange(len(y_true)), y_true.astype(int)], 1e-15, 1)
        return float(np.average(-np.log(p), weights=sample_weight))

    return log_loss


def best_rows(rows, task):
    """Per loss name, the grid value with the best primary metric (the one the verdict uses)."""
    metric, higher = PRIMARY[task]
    best = {}
    for r in rows:
        key = (r["loss"].split(":")[0] if r["grid"] else r["loss"], r["backend"])
        if key not in best or (r[metric] > best[key][metric]) == higher and r[metric] != best[key][metric]:
            best[key] = r
    return best


def _columns(rows):
    metric_names = [k for k in rows[0] if k not in ("loss", "backend", "grid", "fit_s")]
    extra = sorted({k for r in rows for k in r} - set(rows[0]))
    return (
        ["loss", "backend"]
        + metric_names
        + extra
        + ["fit_s"]
        + (["grid"] if any(r.get("grid") for r in rows) else [])
    )


def _cell(r, c):
    v = r.get(c, "")
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def format_table(rows, task, markdown=False) -> str:
    """The table as text: markdown (results.md) or aligned plain columns."""
    cols = _columns(rows)
    body = [[_cell(r, c) for c in cols] for r in rows]
    if markdown:
        lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
        return "\n".join(lines + ["| " + " | ".join(b) + " |" for b in body])
    widths = [max(len(c), *(len(b[i]) for b in body)) for i, c in enumerate(cols)]
    fmt = "  ".join(f"{{:{'<' if i < 2 else '>'}{w}}}" for i, w in enumerate(widths))
    return "\n".join(
        [fmt.format(*cols), fmt.format(*("-" * w for w in widths))] + [fmt.format(*b) for b in body]
    )


def print_table(rows, task, console=None):
    """The table on the terminal through rich, at most the console's width (80 columns when the
    output is not a terminal). A built-in row shows as ``builtin`` (the backend has a column of
    its own), and a loss label longer than its column wraps at its ``:`` separators."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = console if console is not None else Console()
    cols = [c for c in _columns(rows) if c != "grid"]  # the loss label already names the value
    headers = [{"fit_s": "fit s", "coverage": "cover", "balanced_acc": "bal_acc"}.get(c, c) for c in cols]
    body = []
    for r in rows:
        cells = [f"{r[c]:.3g}" if c == "fit_s" else _cell(r, c) for c in cols]
        for b in ("xgboost", "lightgbm"):
            cells[0] = cells[0].replace(f"builtin:{b}", "builtin")
        body.append(cells)
    natural = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(headers)]
    # the loss column takes what the numbers leave, down to its longest ":"-separated part
    shortest = max(len(part) for b in body for part in b[0].replace(":", ":\0").split("\0"))
    # Columns two spaces apart (the box's blank separator and one space of padding), or one
    # when two do not fit: a table of columns w_i is sum(w_i + gap) - gap wide.
    for gap in (2, 1):
        others = sum(w + gap for w in natural[1:])
        room = max(console.width - others, shortest, len(headers[0]))
        if others + min(room, natural[0]) <= console.width:
            break
    else:
        # a terminal too narrow for the numbers gets a table wider than itself (wrapped by the
        # terminal) rather than numbers cut short
        console = Console(file=console.file, width=others + min(room, natural[0]), color_system=None)
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, gap - 1, 0, 0),
        header_style="bold",
    )
    for i, (c, h) in enumerate(zip(cols, headers)):
        left = c in ("loss", "backend", "grid")
        table.add_column(h, justify="left" if left else "right", no_wrap=i > 0, overflow="fold")
    for cells in body:
        table.add_row(_wrap_label(cells[0], room), *cells[1:])
    console.print(table, markup=False, highlight=False)


def _wrap_label(label, width):
    """``label`` in lines of at most ``width``, broken after its ``:`` separators."""
    lines, line = [], ""
    for part in label.replace(":", ":\0").split("\0"):
        if line and len(line) + len(part) > width:
            lines.append(line)
            line = ""
        line += part
    return "\n".join([*lines, line])


def _quantile_alpha(row):
    """The alpha of a quantile row (ours or built-in), or None for a point prediction."""
    if not isinstance(row.get("pinball"), float):  # only quantile rows are scored by pinball
        return None
    for part in row["loss"].split(":"):
        if part.startswith("alpha="):
            return float(part[len("alpha=") :])
    return 0.5


def verdict(rows, task) -> str:
    """The best row over everything compared, built-ins included, each judged by the metric
    that fits it: point predictions by the task's primary metric, each quantile level by its
    pinball loss (with its coverage). A built-in winner is named as such."""
    metric, higher = PRIMARY[task]
    pick = max if higher else min
    direction = "higher" if higher else "lower"
    lines = []
    # the median is a point prediction too (the one MAE rewards): alpha=0.5 rows compete in both
    groups = [(None, [r for r in rows if _quantile_alpha(r) in (None, 0.5)])]
    alphas = sorted({a for a in map(_quantile_alpha, rows) if a is not None})
    groups += [(a, [r for r in rows if _quantile_alpha(r) == a]) for a in alphas]
    for alpha, group in groups:
        if not group:
            continue
        m = metric if alpha is None else "pinball"
        best = pick(group, key=lambda r: r[m]) if alpha is None else min(group, key=lambda r: r[m])
        what = f"{m} ({direction} is better)" if alpha is None else f"pinball loss at alpha={alpha:g}"
        head = "Best" if alpha is None else "Best quantile"
        msg = f"{head} by {what}: {best['loss']} [{best['backend']}] {best[m]:.4g}"
        if alpha is not None:
            msg += f", coverage {best['coverage']:.3f}"
        ours = [r for r in group if not r["loss"].startswith("builtin")]
        if best["loss"].startswith("builtin"):
            if ours:
                runner = pick(ours, key=lambda r: r[m]) if alpha is None else min(ours, key=lambda r: r[m])
                if f"{runner[m]:.4g}" == f"{best[m]:.4g}":  # equal as printed: no winner
                    msg += (
                        f", level with the best gbobjectives loss, {runner['loss']} "
                        f"[{runner['backend']}]: no gain from a custom loss here"
                    )
                else:
                    msg += (
                        f". The backend's built-in objective wins: use it (best gbobjectives "
                        f"loss: {runner['loss']} [{runner['backend']}] {runner[m]:.4g})"
                    )
        else:
            base = [
                r
                for r in group
                if r["loss"].startswith("builtin")
                and r["backend"] == best["backend"]
                and _quantile_alpha(r) == _quantile_alpha(best)
            ]
            if base and f"{base[0][m]:.4g}" == f"{best[m]:.4g}":
                msg += "; level with the backend's built-in objective: no gain from a custom loss here"
            elif base:
                msg += f"; the backend's built-in objective: {base[0][m]:.4g}"
        lines.append(textwrap.fill(msg, 80, subsequent_indent="  ", break_on_hyphens=False))
    return "\n".join(lines)


def write_outputs(out_dir: Path, rows, learning, task, title="", cv=None):
    """results.csv, results.md and, with matplotlib, metric_per_loss.png and
    learning_curves.png; ``title`` (the dataset) and ``cv`` (folds) go into the plot titles."""
    out_dir.mkdir(parents=True, exist_ok=True)
    cols = list(dict.fromkeys(k for r in rows for k in r))
    with open(out_dir / "results.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    (out_dir / "results.md").write_text(format_table(rows, task, markdown=True) + "\n")
    written = ["results.csv", "results.md"]
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(
            "note: matplotlib is not installed, so no plots were written "
            "(pip install 'gbobjectives[notebooks]')",
            file=sys.stderr,
        )
        return written
    folds = f"mean over {cv} folds" if cv else "mean over folds"
    fig = _plot_metrics(plt, rows, task, f"{title}: each loss by the metric that judges it ({folds})")
    fig.savefig(out_dir / "metric_per_loss.png", dpi=100)
    plt.close(fig)
    written.append("metric_per_loss.png")
    if learning:
        fig = _plot_curves(plt, learning, f"{title}: validation curves of the gbobjectives losses")
        fig.savefig(out_dir / "learning_curves.png", dpi=100)
        plt.close(fig)
        written.append("learning_curves.png")
    return written


def _panels(rows, task):
    """(metric, direction, rows) per panel: point predictions (and the median) by the task's
    primary metric, then each other quantile level by its pinball loss."""
    metric, higher = PRIMARY[task]
    panels = [(metric, higher, [r for r in rows if _quantile_alpha(r) in (None, 0.5)])]
    for a in sorted({a for a in map(_quantile_alpha, rows) if a not in (None, 0.5)}):
        panels.append((f"pinball loss, alpha={a:g}", False, [r for r in rows if _quantile_alpha(r) == a]))
    return [p for p in panels if p[2]]


def _plot_metrics(plt, rows, task, title):
    """A dot per row (not bars: the differences that matter are a few percent of the value, and
    a bar must start at zero), the best of each panel marked by a dotted line."""
    from matplotlib.lines import Line2D

    panels = _panels(rows, task)
    heights = [len(p[2]) + 1.5 for p in panels]
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(9, 0.3 * sum(heights) + 1.2),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
    )
    colour = {"xgboost": "C0", "lightgbm": "C1"}
    for ax, (metric, higher, group) in zip(axes[:, 0], panels):
        key = "pinball" if metric.startswith("pinball") else metric
        values = np.array([r[key] for r in group])
        for i, (r, v) in enumerate(zip(group, values)):
            builtin = r["loss"].startswith("builtin")
            c = colour.get(r["backend"], "C2")
            ax.plot([v], [i], "D" if builtin else "o", ms=7, color=c, mfc="white" if builtin else c, mew=1.5)
            ax.annotate(f"  {v:.4g}", (v, i), va="center", fontsize=8)
        ax.set_yticks(range(len(group)), [f"{r['loss']} [{r['backend']}]" for r in group], fontsize=8)
        ax.grid(True, axis="y", color="0.92")
        best = values.max() if higher else values.min()
        ax.axvline(best, color="0.3", lw=0.8, ls=":")
        # at least 2% of the best value across: a 0.1% difference should not fill the width
        span = max(values.max() - values.min(), 0.02 * abs(best), 1e-12)
        mid = (values.max() + values.min()) / 2
        ax.set_xlim(mid - 0.58 * span, mid + 0.75 * span)
        ax.set_ylim(len(group) - 0.5, -0.5)
        ax.set_title(f"{metric} ({'higher' if higher else 'lower'} is better)", fontsize=10, loc="left")
    present = {r["backend"] for r in rows}
    handles = [
        Line2D([], [], marker="o", ls="", color=c, label=f"gbobjectives [{b}]")
        for b, c in colour.items()
        if b in present
    ]
    handles.append(Line2D([], [], marker="D", ls="", color="0.4", mfc="white", label="built-in objective"))
    handles.append(Line2D([], [], ls=":", color="0.3", label="best"))
    fig.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=11)
    fig.set_layout_engine("constrained")
    return fig


def _plot_curves(plt, learning, title):
    """One panel per metric; per loss the mean over folds, with a band from the best to the
    worst fold; XGBoost solid, LightGBM dashed; the legend outside the panels."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    metrics = list(dict.fromkeys(v["metric"] for v in learning.values()))
    fig, axes = plt.subplots(len(metrics), 1, figsize=(10, 3.6 * len(metrics) + 0.6), squeeze=False)
    # one colour per loss, the same on both backends; the line style tells the backend
    names = list(dict.fromkeys(label.rsplit(" [", 1)[0] for label in learning))
    cmap = plt.get_cmap("tab10" if len(names) <= 10 else "tab20")
    for ax, metric in zip(axes[:, 0], metrics):
        lo_all, hi_all = np.inf, -np.inf
        # bands for a few curves only: many overlapping bands hide the lines
        banded = sum(v["metric"] == metric for v in learning.values()) <= 6
        for label, v in learning.items():
            if v["metric"] != metric:
                continue
            n = min(map(len, v["folds"]))
            curves = np.array([c[:n] for c in v["folds"]])
            rounds = np.arange(1, n + 1)
            style = "--" if label.endswith("[lightgbm]") else "-"
            colour = cmap(names.index(label.rsplit(" [", 1)[0]) % cmap.N)
            ax.plot(rounds, curves.mean(axis=0), style, color=colour, lw=1.4, label=label)
            if len(curves) > 1 and banded:
                band = curves.min(axis=0), curves.max(axis=0)
                ax.fill_between(rounds, *band, color=colour, alpha=0.12, lw=0)
            lo_all, hi_all = min(lo_all, curves.min()), max(hi_all, curves.max())
        if lo_all > 0 and hi_all / lo_all > 10:  # a log axis only where it spreads the curves out
            ax.set_yscale("log")
            ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:.3g}"))
            ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_ylabel(f"validation {metric}", fontsize=9)
        ax.set_xlabel("boosting round", fontsize=9)
        ax.grid(True, which="major", color="0.9")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7, frameon=False)
    n_folds = len(next(iter(learning.values()))["folds"])
    banded_any = n_folds > 1 and any(sum(v["metric"] == m for v in learning.values()) <= 6 for m in metrics)
    band = ", band: best to worst fold (in panels of up to 6 curves)" if banded_any else ""
    fig.suptitle(f"{title}\nmean over {n_folds} folds{band}", fontsize=10)
    fig.set_layout_engine("constrained")
    return fig


# ------------------------------------------------------------------------ entry point
def _parser():
    parser = argparse.ArgumentParser(prog="gbobjectives", description=__doc__.splitlines()[0])
    from . import __version__

    parser.add_argument("--version", action="version", version=f"gbobjectives {__version__}")
    sub = parser.add_subparsers(dest="command")
    c = sub.add_parser("compare", help="cross-validate losses on a CSV (or a bundled dataset)")
    c.add_argument(
        "data",
        nargs="?",
        help=f"a CSV file, or a bundled dataset name ({', '.join(datasets.DATASETS)}); default: wage",
    )
    c.add_argument("--target", help="the column to predict (bundled datasets know theirs)")
    c.add_argument("--task", choices=["regression", "binary", "multiclass"])
    c.add_argument(
        "--losses", nargs="+", help=f"comma-separated specs name[:param=value...]; names: {', '.join(LOSSES)}"
    )
    c.add_argument("--backend", choices=["xgboost", "lightgbm", "both"], default="both")
    c.add_argument("--cv", type=int, default=3, help="folds (default 3)")
    c.add_argument("--grid", help="one parameter to search, e.g. delta=0.5,1,2")
    c.add_argument("--n-estimators", type=int, default=100)
    c.add_argument("--learning-rate", type=float, default=0.1)
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--out", help="directory for results.csv, results.md and PNG plots")
    c.add_argument("--quiet", action="store_true", help="no progress bar")
    d = sub.add_parser("logcosh-demo", help="the second-order problems of log-cosh, and their fixes")
    d.add_argument("--out", help="directory for the figures and results")
    d.add_argument("--rounds", type=int, default=200)
    return parser


def _check_out_dir(out: str) -> Path:
    """The --out folder, created and known to be writable before any fitting (a bad --out found
    after the fits would lose the run)."""
    path = Path(out)
    for parent in (path, *path.parents):
        if parent.exists() and not parent.is_dir():
            raise UsageError(f"--out {out}: {parent} is a file, not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".gbobjectives-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as err:
        raise UsageError(f"--out {out} cannot be written: {err.strerror or err}") from None
    return path


def run_compare(args) -> int:
    if args.cv < 2:
        raise UsageError(f"--cv {args.cv} is not valid: at least 2 folds")
    if args.n_estimators < 1:
        raise UsageError(f"--n-estimators {args.n_estimators} is not valid: at least 1")
    if not (np.isfinite(args.learning_rate) and 0 < args.learning_rate <= 1):
        raise UsageError(f"--learning-rate {args.learning_rate} is not valid: a number in (0, 1]")
    if not 0 <= args.seed < 2**31:
        raise UsageError(f"--seed {args.seed} is not valid: an integer from 0 to 2**31 - 1")
    if args.losses is not None and not any(t.strip(" ,") for t in args.losses):
        raise UsageError(
            f"--losses {' '.join(args.losses)!r} names no loss; valid losses: {', '.join(LOSSES)}"
        )
    out_dir = _check_out_dir(args.out) if args.out else None
    name = args.data or "wage"
    if name in datasets.DATASETS and not Path(name).exists():
        source, target, _ = datasets.DATASETS[name]
        X, y, task, features, reason = read_table(datasets.path(name), args.target or target, args.task)
        title = f"bundled dataset {name!r}"
    else:
        X, y, task, features, reason = read_table(Path(name), args.target, args.task)
        title = name
    if args.cv > X.shape[0]:
        raise UsageError(f"--cv {args.cv} is not valid: more folds than the {X.shape[0]} rows")
    specs = parse_losses(args.losses or [DEFAULT_LOSSES[task]], task)
    grid = parse_grid(args.grid)
    if grid is not None and not any(grid[0] in LOSSES[n][2] for n, _ in specs):
        raise UsageError(f"--grid {grid[0]!r} is a parameter of none of the losses given")
    if task != "regression":
        counts = np.unique(y, return_counts=True)[1]
        if counts.min() < args.cv:
            raise UsageError(f"the rarest class has {counts.min()} rows, fewer than --cv {args.cv} folds")
    backends = ["xgboost", "lightgbm"] if args.backend == "both" else [args.backend]
    print(textwrap.fill(f"gbobjectives compare: task {task} ({reason})", 80, subsequent_indent="  "))
    setup = (
        f"{title}, {X.shape[0]} rows x {X.shape[1]} feature{'s' * (X.shape[1] != 1)}, {args.cv}-fold CV, "
        f"{args.n_estimators} rounds, learning rate {args.learning_rate}"
    )
    print(textwrap.fill(setup, 80, initial_indent="  ", subsequent_indent="  "))
    rows, learning = compare(
        X,
        y,
        task,
        loss_specs=specs,
        backends=backends,
        cv=args.cv,
        grid=grid,
        n_estimators=args.n_estimators,
        learning_rate=args.learning_rate,
        seed=args.seed,
        progress=not args.quiet,
        curves=bool(args.out),
    )
    print_table(rows, task)
    if task == "regression" and np.any(y == 0):
        zeros = int(np.sum(y == 0))
        print(
            textwrap.fill(
                f"note: MAPE leaves out the {zeros} rows ({zeros / len(y):.0%}) whose target is 0, "
                "where it is undefined; SMAPE counts them",
                80,
                subsequent_indent="  ",
            )
        )
    if grid is not None:
        for (loss, backend), r in best_rows([r for r in rows if r["grid"]], task).items():
            m = PRIMARY[task][0]
            print(textwrap.fill(f"best {r['grid']} for {loss} [{backend}] by {m}: {r[m]:.4g}", 80))
    print(verdict(rows, task))
    if args.out:
        written = write_outputs(out_dir, rows, learning, task, title, args.cv)
        print(textwrap.fill(f"wrote {', '.join(written)} to {args.out}", 80, subsequent_indent="  "))
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] not in ("compare", "logcosh-demo", "-h", "--help", "--version"):
        argv = ["compare", *argv]
    args = _parser().parse_args(argv)
    try:
        if args.command == "logcosh-demo":
            from .demo import run_logcosh_demo

            return run_logcosh_demo(args)
        return run_compare(args)
    except UsageError as err:
        print(f"gbobjectives: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `gbobjectives ... | head`: the reader left. Status 1, no
        # traceback: Python's documented convention for EPIPE, and what rich does on its own
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
