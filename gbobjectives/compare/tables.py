"""Reading a table: a CSV (or a bundled dataset) into features, target and task.

Every conversion and every dropped column is said in a note, one line each; what cannot be
used ends in one ``UsageError`` that names the column, the value and what is valid.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .. import datasets
from .errors import UsageError

# An integer-valued target with at most this many distinct values is read as class codes
# (0/1/2 ratings, labels); more distinct integers (counts) are a number to predict.
MAX_INTEGER_CLASSES = 10


class Table(NamedTuple):
    """A table read for ``compare``: X (a float array, or a DataFrame with categorical
    columns, positional names), y, the task, the feature names, why that task, and one note
    per conversion or dropped column."""

    X: object
    y: np.ndarray
    task: str
    features: list
    reason: str
    notes: list


# Names that R, pandas and readr give the row names / index they write with a table:
# pandas' to_csv() writes its index under an empty name, read back as "Unnamed: 0"; R's
# write.csv() does the same; Rdatasets' files call it "rownames"; readr names it "...1".
_INDEX_NAME = re.compile(r"^(unnamed: \d+|\.\.\.\d+|rownames|row\.names|row_names|index|level_0|)$", re.I)


def _row_numbers(name, col) -> str | None:
    """Why ``col`` is an exported row number or index, or None.

    Two rules (the README states them): the column holds the row's position in the file,
    0..n-1 or 1..n in file order, whatever its name (a sorted table's position is its target
    in disguise); or it is named like an exported index (``Unnamed: 0``, ``rownames``,
    ``index``, ...) and its value is distinct in every row (a saved index after a sort or a
    shuffle is a permutation, and still encodes the order the rows were in)."""
    import pandas as pd

    n = len(col)
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col) and col.notna().all():
        v = col.to_numpy(dtype=np.float64)
        if n > 1 and (np.array_equal(v, np.arange(n)) or np.array_equal(v, np.arange(1, n + 1))):
            return f"column {name!r} dropped: it is the row number ({int(v[0])}..{int(v[-1])} in file order)"
    if _INDEX_NAME.match(str(name)) and col.notna().all() and col.is_unique and n > 1:
        return f"column {name!r} dropped: named like an exported index and distinct in every row"
    return None


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
        leak = _row_numbers(name, col)
        if leak:
            notes.append(leak)
            continue
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


def read_table(path_or_resource, target: str | None, task: str | None) -> Table:
    """The ``Table`` of a CSV (X, y, task, feature names, the reason for the task, the notes),
    with one clear error for what cannot be used. Read by pandas (blanks and NA are missing
    values; a byte-order mark is dropped from the first name)."""
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
    return Table(X, y, task, features, reason, notes)
