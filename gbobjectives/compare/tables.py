"""Reading a table: a file (or a bundled dataset) into features, target and task.

Every conversion and every dropped column is said in a note, one line each; what cannot be
used ends in one ``UsageError`` that names the column, the value and what is valid. The
rules, in the order they apply (the README states them):

- **The file.** CSV, plain or compressed (gzip, bz2, xz, zip: recognised by their first
  bytes, whatever the extension; a zip holds one file, macOS's ``__MACOSX`` copies aside),
  or Parquet (needs pyarrow, the ``tables`` extra; a saved index becomes a column). Excel
  and OpenDocument workbooks, JSON and HTML are refused by name. The whole file is
  decompressed and decoded: UTF-16 by its byte-order mark, else UTF-8 (its mark dropped),
  else cp1252, else latin-1. The separator is Excel's ``sep=`` line, or sniffed among comma,
  semicolon, tab and ``|`` (the one that splits the first lines into the same number of
  fields, most fields first); data rows one field longer than the header are R's row names
  (dropped) or a separator ending every row. Anything but a plain UTF-8 comma file is said.
- **Names.** Stripped; a name given twice is refused (pandas would rename the second one
  silently).
- **Missing values.** Blank, ``NA``, ``N/A``, ``NaN``, ``null``, ``?``, ``-``, ``--``, ``.`` and
  ``\\N`` (any case) are missing, in features and in the target: rows with a missing target
  are dropped, with a count. (``None`` is a value: some tables have a class "None".)
- **Numbers written as text.** One decimal mark for the whole file: a period in a
  comma-separated file; else the one the numeric columns' values show (a comma or period
  followed by other than three digits, or after a leading 0), by majority; where none shows
  one, a comma in a semicolon-separated file, else a period. The other mark groups thousands
  (``1,500.5``; ``1.500,5``); a leading currency sign and a trailing percent sign are
  dropped. A column is numeric when at least ``NUMERIC_SHARE`` of its non-missing values read
  so, or half of them with the rest a few words ("unknown"); the rest become missing, said.
- **Dates.** ISO 8601 with or without a time and a zone (zones, mixed offsets included, are
  converted to UTC); ``MM/DD/YYYY`` or ``DD/MM/YYYY`` (``/``, ``-`` or ``.`` between, a time
  may follow) when only one of the two reads every value, and day first with dots. Each
  becomes three numbers: days since 1970-01-01 (fractional with times), month and day of
  week. Both orders possible, two-digit years, or mostly but not wholly dates: dropped, with
  a line saying how to write them. A date target is refused.
- **Dropped columns.** A saved index or row number (see ``_row_numbers``; a saved index of
  dates is kept as a date), a column with no value, a column with one value in every row, a
  text column that looks like an identifier (more than ``MAX_CATEGORIES`` distinct values,
  or distinct in over half the rows). Any other text column is a categorical feature.

Not read as numbers or dates (they stay text): negative numbers in parentheses, thousands
grouped by spaces, month names ("Jan 5, 2024"), 12-hour clocks ("12:00 AM"), times alone.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import lzma
import re
import zipfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .. import datasets
from .errors import UsageError

# An integer-valued target with at most this many distinct values is read as class codes
# (0/1/2 ratings, labels); more distinct integers (counts) are a number to predict.
MAX_INTEGER_CLASSES = 10
# A text column with more distinct values than this, or distinct in more than half the rows,
# is an identifier (a name, an id): it is dropped, with a note, rather than made a category.
MAX_CATEGORIES = 1000
# A column is numeric when at least this share of its non-missing values are numbers.
NUMERIC_SHARE = 0.95
# A column of which at least this share reads as dates, but not all, gets the line on how
# to write it.
MOSTLY_DATES = 0.8
# ("None" is not one: a CSV written by pandas leaves a missing value blank, and "None" is a
# real class in some tables: a severity of None, Mild, Severe.) "\N" is MySQL's NULL.
PLACEHOLDERS = frozenset({"", "na", "n/a", "nan", "null", "?", "-", "--", ".", "<na>", "#n/a", "\\n"})
_SAID_PLACEHOLDERS = frozenset({"?", "-", "--", "."})
_SEPARATORS = [",", ";", "\t", "|"]
_SEPARATOR_NAME = {",": "comma", ";": "semicolon", "\t": "tab", "|": "'|'"}


class Table(NamedTuple):
    """A table read for ``compare``: X (a float array, or a DataFrame with categorical
    columns, positional names), y, the task, the feature names, why that task, one note per
    conversion or dropped column, and the positive class of a binary task (else None)."""

    X: object
    y: np.ndarray
    task: str
    features: list
    reason: str
    notes: list
    positive: object = None
    sample_weight: object = None  # the --weight column's values, when one is named


# ------------------------------------------------------------------ the file
_MAGIC = [
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"PK\x03\x04", "zip"),
    (b"PAR1", "parquet"),
    (b"\xd0\xcf\x11\xe0", "xls"),  # the OLE2 container of .xls workbooks
]
_EXCEL = (
    "is an Excel (or OpenDocument) workbook, not a CSV: save the sheet as 'CSV UTF-8' "
    "(File > Save As) and give that file"
)


def _kind(head: bytes) -> str:
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return "text"


def _decompress(raw: bytes, kind: str, path) -> bytes:
    """The bytes inside a compressed file (a zip must hold one file, macOS's __MACOSX
    copies and folders aside; a workbook, which is a zip too, is refused)."""
    import zlib

    try:
        if kind == "zip":
            with zipfile.ZipFile(io.BytesIO(raw)) as z:
                names = z.namelist()
                if "[Content_Types].xml" in names or "mimetype" in names:
                    raise UsageError(f"{path} {_EXCEL}")
                members = [m for m in names if not m.endswith("/") and not m.startswith("__MACOSX/")]
                if len(members) != 1:
                    raise UsageError(f"a zip file must hold one CSV file; {path} holds {len(members)}")
                return z.read(members[0])
        return {"gzip": gzip.decompress, "bz2": bz2.decompress, "xz": lzma.decompress}[kind](raw)
    except UsageError:
        raise
    except (
        OSError,
        EOFError,
        RuntimeError,
        NotImplementedError,
        zipfile.BadZipFile,
        lzma.LZMAError,
        zlib.error,
    ) as e:
        raise UsageError(f"cannot read {path}: a damaged, cut short or encrypted {kind} file ({e})") from None


def _decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-16 by its byte-order mark (Excel's "Unicode text"), else UTF-8
    (its mark dropped), else cp1252 (Excel's CSV on Windows), else latin-1 (decodes any
    byte). The whole file is decoded, so a byte late in the file decides as the first does."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _fields(lines, sep):
    return [len(r) for r in csv.reader(lines, delimiter=sep)]


def _separator(lines) -> str:
    """The separator that splits the first lines into the same number of fields (at least
    2), the most fields first, where data rows may hold one field more than the header (R's
    row names, or a separator at the end of every row); comma when none does."""
    best, most = ",", 1
    for sep in _SEPARATORS:
        counts = _fields(lines[:30], sep)
        if not counts or counts[0] < 2:
            continue
        rows = counts[1:] or counts
        same = max(sum(c == counts[0] for c in rows), sum(c == counts[0] + 1 for c in rows)) / len(rows)
        if same >= 0.9 and counts[0] > most:
            best, most = sep, counts[0]
    return best


def read_frame(path):
    """(the file as a DataFrame of text columns, or typed for Parquet; notes; separator)."""
    import pandas as pd

    if isinstance(path, Path) and path.is_dir():
        raise UsageError(f"{path} is a directory; give a CSV file or a bundled dataset name")
    try:
        with path.open("rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        raise UsageError(
            f"file not found: {path} (bundled datasets: {', '.join(datasets.DATASETS)})"
        ) from None
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror or err}") from None
    kind = _kind(raw[:8])
    if kind == "xls":
        raise UsageError(f"{path} {_EXCEL}")
    if kind == "parquet":
        return _read_parquet(raw, path), ["the file: Parquet"], None
    notes, how = [], []
    data = raw
    if kind != "text":
        data = _decompress(raw, kind, path)
        how.append(f"{kind}-compressed")
        if _kind(data[:8]) != "text":
            raise UsageError(f"cannot read {path} as CSV: the {kind} file holds a {_kind(data[:8])} file")
    text, encoding = _decode(data)
    if "\x00" in text[:4096]:
        raise UsageError(f"cannot read {path} as CSV: it is a binary file, not text")
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise UsageError(f"cannot read {path} as CSV: the file is empty")
    if stripped[0] in "{[":
        raise UsageError(f"{path} is JSON, not CSV: save it as CSV (pandas: pd.read_json(...).to_csv(...))")
    if stripped[0] == "<":
        raise UsageError(f"{path} is HTML or XML, not CSV: save the table as CSV")
    lines = [line for line in stripped.splitlines() if line.strip()]
    sep = None
    if re.fullmatch(r"sep=.", lines[0].strip()):  # Excel's separator line
        sep = lines[0].strip()[-1]
        lines = lines[1:]
        stripped = "".join(stripped.splitlines(keepends=True)[1:])
        if not lines:
            raise UsageError(f"cannot read {path} as CSV: the file is empty")
    sep = sep or _separator(lines)
    if sep != ",":
        how.append(f"{_SEPARATOR_NAME.get(sep, repr(sep))}-separated")
    if encoding not in ("utf-8-sig",):
        how.append(f"{encoding} text (not UTF-8)")
    if how:
        notes.append("the file: " + ", ".join(how))
    header = next(csv.reader(lines[:1], delimiter=sep))
    counts = _fields(lines[1:30], sep)
    index_col = False  # a separator at the end of every data row: no column of its own
    if counts and sum(c == len(header) + 1 for c in counts) >= 0.9 * len(counts):
        ends = [r[-1].strip() for r in csv.reader(lines[1:30], delimiter=sep) if r]
        if any(ends):  # R's write.table(): the rows carry their names, the header does not
            index_col = 0
            notes.append("the first field of each row has no name in the header (R's row names): dropped")
        else:
            notes.append("every row ends with a separator: the empty last field is not a column")
    import warnings

    try:
        with warnings.catch_warnings():  # the dropped empty last field of every row, said above
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(stripped),
                sep=sep,
                dtype=str,
                keep_default_na=False,
                skipinitialspace=True,
                index_col=index_col,
            )
    except pd.errors.EmptyDataError:
        raise UsageError(f"cannot read {path} as CSV: the file is empty") from None
    except (pd.errors.ParserError, ValueError, csv.Error) as err:
        raise UsageError(f"cannot read {path} as CSV: {str(err).splitlines()[0]}") from None
    frame = frame.reset_index(drop=True)
    names = [str(c).strip().lstrip("\ufeff").strip() for c in header]
    # a blank name (the index pandas' to_csv() and R's write.csv() write) as pandas names it
    names = [n or f"Unnamed: {i}" for i, n in enumerate(names)]
    if len(names) != frame.shape[1]:
        raise UsageError(
            f"cannot read {path} as CSV: its header has {len(names)} names for {frame.shape[1]} columns"
        )
    frame.columns = _unique(names)
    return frame, notes, sep


def _unique(names):
    seen = {}
    for i, n in enumerate(names):
        seen.setdefault(n, []).append(i + 1)
    twice = {n: cols for n, cols in seen.items() if len(cols) > 1}
    if twice:
        n, cols = next(iter(twice.items()))
        raise UsageError(
            f"column name {n!r} is given {len(cols)} times (columns {', '.join(map(str, cols))}): "
            "rename them so that every name is unique"
        )
    return names


def _read_parquet(raw, path):
    """A Parquet file as a frame with a plain row index: a saved index (pandas restores it)
    becomes a column, as in a CSV, where the index rules judge it; names are strings."""
    import pandas as pd

    try:
        frame = pd.read_parquet(io.BytesIO(raw))
    except ImportError:
        raise UsageError(
            f"{path} is a Parquet file: reading it needs pyarrow (pip install 'gbobjectives[tables]')"
        ) from None
    except Exception as err:  # pyarrow's own errors name no common base
        raise UsageError(f"cannot read {path} as Parquet: {str(err).splitlines()[0]}") from None
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0 or frame.index.step != 1:
        frame = frame.reset_index()
    frame = frame.reset_index(drop=True)
    names = ["_".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in frame.columns]
    frame.columns = _unique([n.strip() for n in names])
    return frame


# ------------------------------------------------------------------ columns
def _missing(text):
    """The placeholders of a text column, as a boolean Series."""
    return text.isna() | text.str.strip().str.lower().isin(PLACEHOLDERS)


# A decimal mark shown beyond doubt by one value: a comma (or period) followed by other than
# exactly three digits, or both marks in the thousands-then-decimal order.
# (A leading 0 shows it too: a group of thousands never starts with 0, so 0.125 is a decimal.)
_COMMA_DECIMAL = re.compile(r"^[+-]?(\d+,(\d{1,2}|\d{4,})|0,\d+|[1-9]\d{0,2}(\.\d{3})+,\d+)$")
_POINT_DECIMAL = re.compile(r"^[+-]?(\d*\.(\d{1,2}|\d{4,})|0?\.\d+|[1-9]\d{0,2}(,\d{3})+\.\d+)$")
_EXPONENT = r"([eE][+-]?\d+)?"
_GROUPED = {
    ".": re.compile(r"^[+-]?([1-9]\d{0,2}(,\d{3})+|\d+)?(\.\d*)?" + _EXPONENT + "$"),  # 1,500.25
    ",": re.compile(r"^[+-]?([1-9]\d{0,2}(\.\d{3})+|\d+)?(,\d*)?" + _EXPONENT + "$"),  # 1.500,25
}
_NUMBER_LIKE = re.compile(r"^[+-]?[$€£¥]?\s?[\d.,]+" + _EXPONENT + r"\s?%?$")
_CURRENCY = re.compile(r"^([+-]?)[$€£¥]\s?(?=\d)")
# A column of at least this share of numbers whose other values are a few words ("unknown",
# "missing") is numeric with those words missing, said.
_FEW_WORDS, _MOSTLY_NUMBERS = 5, 0.5


def decimal_mark(frame, sep) -> str:
    """The file's decimal mark, one for every column: a period in a comma-separated file;
    else the one the values of its numeric columns show (see _COMMA_DECIMAL, _POINT_DECIMAL),
    by majority; where no value shows one (integers, groups of three digits), a comma in a
    semicolon-separated file, else a period. One mark per file: in a German Excel export
    "198.712" is 198712 because "506,7" elsewhere is 506.7."""
    import pandas as pd

    if sep in (",", None):
        # a decimal comma in a comma-separated file would need quotes around every number:
        # Excel switches to semicolons instead; a quoted "3,45" is text here (said if a
        # column is mostly such values), never the file's rule
        return "."
    comma = point = 0
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            continue
        v = col.astype("string").str.strip()
        v = v[~_missing(v)].dropna().head(2000)
        if v.empty or v.str.match(_NUMBER_LIKE).mean() < NUMERIC_SHARE:
            continue  # only columns of numbers vote: a text column ("3,45 cm") does not
        comma += int(v.str.match(_COMMA_DECIMAL).sum())
        point += int(v.str.match(_POINT_DECIMAL).sum())
    if comma != point:
        return "," if comma > point else "."
    return "," if sep == ";" else "."


def _num(text):
    """Text to float64 (NaN where not a number), through object dtype: pandas' nullable
    types cannot hold the inf that "inf" reads as."""
    import pandas as pd

    return pd.to_numeric(text.astype(object), errors="coerce").astype(np.float64)


def _as_numbers(present, mark, relaxed=False):
    """(values as floats, NaN where not a number; the rule said, or None for plain numbers),
    when at least NUMERIC_SHARE of ``present`` read as numbers with the file's decimal
    ``mark`` (or, ``relaxed``, at least half of them and the rest a few words); else (None,
    None). A leading currency sign and a trailing percent sign are dropped, and said."""

    s = present.str.strip()
    said = []
    currency = s.str.match(r"[+-]?[$€£¥]\s?\d")
    if currency.any():
        s = s.str.replace(_CURRENCY, r"\1", regex=True)
        said.append("currency signs dropped")
    percent = s.str.endswith("%")
    if percent.mean() >= 0.5:
        s = s.str.removesuffix("%").str.rstrip()
        said.append("percent signs dropped (12% = 12)")
    grouped = s.str.match(_GROUPED[mark]) & s.str.contains(r"\d", regex=True)
    other = "," if mark == "." else "."
    cleaned = s.str.replace(other, "", regex=False)
    if mark == ",":
        cleaned = cleaned.str.replace(",", ".", regex=False)
    values = _num(cleaned.where(grouped))
    # numbers without a mark of either kind as Python reads them: 1e-3, inf, nan
    bare = ~s.str.contains(r"[.,]", regex=True)
    values = values.fillna(_num(s.where(bare)))
    share = float(values.notna().mean())
    words = s[values.isna()]
    if share < NUMERIC_SHARE and not (relaxed and share >= _MOSTLY_NUMBERS and words.nunique() <= _FEW_WORDS):
        return None, None
    if (s[grouped].str.contains(",", regex=False)).any():
        said.insert(
            0,
            "numbers with a decimal comma (1.500,5 = 1500.5)"
            if mark == ","
            else ("numbers with thousands commas (1,500.5 = 1500.5)"),
        )
    elif mark == "," and s[grouped].str.contains(".", regex=False).any():
        said.insert(0, "numbers with thousands dots (1.500 = 1500)")
    return values, ", ".join(said) or None


_ZONE = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$")
_DAY_MONTH = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})([ T]\d{1,2}:\d\d(:\d\d(\.\d+)?)?)?$")


def _as_dates(name, present):
    """(datetimes, naive UTC; the form said) when every value of ``present`` reads as a date
    in one form; (None, why not) when the column is dates that cannot be read as they are
    written (mostly dates, both day orders, two-digit years); (None, None) otherwise."""
    import pandas as pd

    s = present.str.strip()
    iso = pd.to_datetime(s, errors="coerce", format="ISO8601", utc=True)
    if iso.notna().all():
        zone = s.str.contains(_ZONE).any()
        return iso.dt.tz_localize(None), "ISO dates" + (", their zones converted to UTC" if zone else "")
    m = s.str.extract(_DAY_MONTH)
    matched = m[0].notna()
    when = None
    if matched.all():
        if (m[3].str.len() == 2).any():
            if set(m[1]) <= {"/", "-"}:  # "2.3.15" is more often a version than a date
                return None, (
                    f"column {name!r} dropped: dates with two-digit years (1949 or 2049?); write "
                    "them as YYYY-MM-DD"
                )
            return None, None
        first, second = m[0].astype(int), m[2].astype(int)
        month_first = bool((first <= 12).all() and (second <= 31).all())
        day_first = bool((second <= 12).all() and (first <= 31).all())
        if month_first and day_first and set(m[1]) == {"."}:
            month_first = False  # 01.02.2024: dates with dots are written day first
        if month_first and day_first:
            return None, (
                f"column {name!r} dropped: dates whose day and month are both 12 or less in every "
                "row, so MM/DD and DD/MM both read them; write them as YYYY-MM-DD"
            )
        if month_first or day_first:
            month, day = (m[0], m[2]) if month_first else (m[2], m[0])
            clock = m[4].fillna("").str.replace("T", " ", regex=False)
            text = m[3] + "-" + month.str.zfill(2) + "-" + day.str.zfill(2) + clock
            when = pd.to_datetime(text, errors="coerce", format="ISO8601")  # 31/02 and year 9999: NaT
            if when.notna().all():
                form = "MM/DD/YYYY" if month_first else "DD/MM/YYYY"
                why = "the only order that reads every value"
                if set(m[1]) == {"."} and (first <= 12).all() and (second <= 12).all():
                    form, why = "DD.MM.YYYY", "dates with dots are written day first"
                return when, f"dates read as {form} ({why})"
    best = iso.notna() if when is None or iso.notna().sum() >= when.notna().sum() else when.notna()
    share = float(max(best.mean(), matched.mean() if when is None else 0.0))
    if share >= MOSTLY_DATES:
        bad = s[~best] if (~best).any() else s[~matched]
        return None, (
            f"column {name!r} dropped: {_floor_pct(share)} of its values are dates, but "
            f"{bad.iloc[0]!r} at row {int(bad.index[0]) + 2} is not; write every value as YYYY-MM-DD "
            "(blank where unknown)"
        )
    return None, None


def _floor_pct(share):
    """A share as a percentage that never rounds up to 100% (or down to 0%)."""
    return f"{min(max(np.floor(share * 100), 1), 99):.0f}%"


# Names that R, pandas and readr give the row names / index they write with a table:
# pandas' to_csv() writes its index under an empty name, read back as "Unnamed: 0"; R's
# write.csv() does the same; Rdatasets' files call it "rownames"; readr names it "...1"
# (and R's read.csv() "X": see _row_numbers).
_INDEX_NAME = re.compile(r"^(unnamed: \d+|\.\.\.\d+|rownames|row\.names|row_names|index|level_0|)$", re.I)


def _row_numbers(name, col) -> str | None:
    """Why ``col`` is an exported row number or index, or None.

    Two rules: the column holds the row's position in the file, 0..n-1 or 1..n in file
    order, whatever its name (a sorted table's position is its target in disguise); or it is
    named like an exported index (``Unnamed: 0``, ``rownames``, ``index``, ...) and its value
    is distinct in every row (a saved index after a sort or a shuffle is a permutation, and
    still encodes the order the rows were in)."""
    import pandas as pd

    n = len(col)
    if n < 2 or col.isna().any():
        return None
    v = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)
    if not np.isnan(v).any() and (np.array_equal(v, np.arange(n)) or np.array_equal(v, np.arange(1, n + 1))):
        return f"column {name!r} dropped: it is the row number ({int(v[0])}..{int(v[-1])} in file order)"
    if _INDEX_NAME.match(str(name)) and col.is_unique:
        dates = not pd.api.types.is_numeric_dtype(col) and np.isnan(v).any()  # 2020 is not a date
        if dates and _as_dates(name, col.astype("string"))[0] is not None:
            return None  # a time series' saved index of dates: a date feature, not a position
        return f"column {name!r} dropped: named like an exported index and distinct in every row"
    # R's read.csv() names a blank header "X": a table read back from write.csv() and saved
    # again carries its row names as "X" (row numbers, or text names). "X" is a common name
    # for a real feature too, so only distinct integers or distinct text count.
    if str(name) == "X" and col.is_unique and (np.isnan(v).all() or np.all(v == np.round(v))):
        return f"column {name!r} dropped: R's name for saved row names, distinct in every row"
    return None


def _numeric_column(name, values, notes, out):
    import pandas as pd

    values = pd.Series(values, dtype=np.float64)
    if np.isinf(values).any():
        row = int(values.index[np.isinf(values.to_numpy())][0])
        raise UsageError(f"column {name!r} holds '{values[row]}' at row {row + 2}; values must be finite")
    whole = values.dropna()
    if whole.empty:
        notes.append(f"column {name!r} dropped: no values (missing in every row)")
        return
    if whole.nunique() == 1 and len(whole) == len(values):
        notes.append(f"column {name!r} dropped: the same value ({whole.iloc[0]:g}) in every row")
        return
    out[name] = values
    if len(whole) > 20 and whole.is_unique and np.all(whole == np.round(whole)):
        notes.append(
            f"column {name!r}: a distinct integer in every row, an identifier? "
            "(used as a feature; drop it if it is one)"
        )


def _features(frame, notes: list[str], mark="."):
    """The feature table: numbers, text as categories, dates as numbers (the module's rules).
    Returns (a numeric array, or a DataFrame when a column is categorical; the names)."""
    import pandas as pd

    out = {}
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_bool_dtype(col):
            col = col.astype("string")
        if pd.api.types.is_numeric_dtype(col):  # a typed column (Parquet)
            _numeric_column(name, col.astype(np.float64), notes, out)
            continue
        if pd.api.types.is_datetime64_any_dtype(col):
            col = col.astype("string")
        if pd.api.types.is_timedelta64_dtype(col):  # a typed duration (Parquet): in days
            notes.append(f"column {name!r}: durations, used as days")
            _numeric_column(name, col / pd.Timedelta(days=1), notes, out)
            continue
        text = col.astype("string").str.strip()
        missing = _missing(text)
        odd = text[missing & text.notna() & text.isin(_SAID_PLACEHOLDERS)]
        if len(odd):  # blanks and NA go unsaid: R writes NA in every column that misses a value
            notes.append(
                f"column {name!r}: {len(odd)} placeholder(s) read as missing ({odd.iloc[0]!r} at row "
                f"{int(odd.index[0]) + 2})"
            )
        text = text.mask(missing)
        present = text.dropna()
        if present.empty:
            notes.append(f"column {name!r} dropped: no values (missing in every row)")
            continue
        numbers, rule = _as_numbers(present, mark, relaxed=True)
        if numbers is not None:
            odd = present[numbers.isna()]
            said = f"column {name!r}: " + (rule or "numbers")
            if len(odd):
                said += (
                    f", with {len(odd)} non-numeric value(s) read as missing ({odd.iloc[0]!r} at row "
                    f"{int(odd.index[0]) + 2})"
                )
            if rule or len(odd):
                notes.append(said)
            _numeric_column(name, numbers.reindex(text.index), notes, out)
            continue
        when, form = _as_dates(name, present)
        if when is not None:
            when = when.reindex(text.index)
            out[name] = ((when - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)).astype(np.float64)
            out[f"{name}_month"] = when.dt.month.astype(np.float64)
            out[f"{name}_dayofweek"] = when.dt.day_of_week.astype(np.float64)
            notes.append(f"column {name!r}: {form}, used as days since 1970, month and day of week")
            continue
        if form is not None:  # mostly dates, or ambiguous ones: dropped with the fix
            notes.append(form)
            continue
        distinct = present.nunique()
        if distinct == 1 and len(present) == len(text):
            notes.append(f"column {name!r} dropped: the same value ({present.iloc[0]!r}) in every row")
            continue
        if distinct > MAX_CATEGORIES or (len(present) > 20 and distinct > 0.5 * len(present)):
            notes.append(f"column {name!r} dropped: {distinct} distinct text values in {len(present)} rows")
            continue
        out[name] = text.astype("category")
        notes.append(f"column {name!r}: text, a categorical feature of {distinct} values")
    if not out:
        raise UsageError("the file has no usable feature columns besides the target")
    table = pd.DataFrame(out)
    names = list(table.columns)
    # positional names for the models: XGBoost refuses "[", "]", "<" in a feature name,
    # LightGBM JSON's special characters
    table.columns = [f"f{i}" for i in range(table.shape[1])]
    if any(isinstance(table[c].dtype, pd.CategoricalDtype) for c in table.columns):
        return table, names
    return table.to_numpy(dtype=np.float64), names


# ------------------------------------------------------------------ the target and the task
def _target(frame, target, mark, notes):
    """(numeric target or None, text target) over the rows whose target is present; the
    frame's other rows are dropped, with a note."""
    import pandas as pd

    col = frame[target]
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        text = col.astype("string")
    else:
        text = col.astype("string").str.strip()
    missing = _missing(text)
    if missing.all():
        raise UsageError(f"target column {target!r} has no values (missing in all {len(frame)} rows)")
    if missing.any():
        k = int(missing.sum())
        notes.append(
            f"dropped the {k} row(s) ({k / len(frame):.1%}) whose target {target!r} is missing "
            f"(first at row {int(np.flatnonzero(missing)[0]) + 2})"
        )
    present = text[~missing]
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        numbers, rule = col[~missing].astype(np.float64), None
    else:
        numbers, rule = _as_numbers(present, mark)
    if numbers is None and _as_dates(target, present)[0] is not None:
        raise UsageError(
            f"target column {target!r} holds dates: give a number to predict (a duration, days since "
            "a date) or a class"
        )
    y_num = None
    if numbers is not None:
        odd = present[numbers.isna()]
        if len(odd):
            raise UsageError(
                f"target column {target!r} holds numbers except {odd.iloc[0]!r} at row "
                f"{int(odd.index[0]) + 2} ({len(odd)} such value(s)): correct them, or blank them "
                "to drop those rows"
            )
        y_num = numbers.to_numpy(dtype=np.float64)
        if rule:
            notes.append(f"target {target!r}: {rule}")
        if not np.all(np.isfinite(y_num)):
            bad = int(np.flatnonzero(~np.isfinite(y_num))[0])
            raise UsageError(
                f"target column {target!r} holds {present.iloc[bad]!r} at row {int(present.index[bad]) + 2}; "
                "values must be finite"
            )
    y_text = [str(v) for v in present.tolist()]
    if y_num is not None:  # one spelling per class: "1", "1.0" and " 1" are the same class
        y_text = [_spelling(v) for v in y_num]
    return y_num, np.array(y_text, dtype=object), ~missing.to_numpy()


def _weights(frame, weight, present, mark) -> np.ndarray:
    """The weight column's values on the rows kept: numbers, finite, >= 0, none missing."""
    import pandas as pd

    col = frame[weight]
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        values = col.astype(np.float64)
    else:
        text = col.astype("string").str.strip()
        values, _ = _as_numbers(text.fillna(""), mark)
        if values is None:
            raise UsageError(f"weight column {weight!r} does not hold numbers")
    values = values.to_numpy(dtype=np.float64)
    bad = np.flatnonzero(present & ~(np.isfinite(values) & (values >= 0)))
    if bad.size:
        raise UsageError(
            f"weight column {weight!r} holds {frame[weight].iloc[bad[0]]!r} at row {int(bad[0]) + 2}: "
            "weights must be numbers >= 0"
        )
    values = values[present]
    if not values.sum() > 0:
        raise UsageError(f"weight column {weight!r} sums to 0: no row would count")
    return values


def _spelling(v: float) -> str:
    return str(int(v)) if float(v).is_integer() and abs(v) < 2**53 else repr(float(v))


def read_table(
    path_or_resource, target: str | None, task: str | None, *, cv=3, positive=None, weight=None
) -> Table:
    """The ``Table`` of a file (X, y, task, feature names, the reason for the task, the notes,
    the positive class), with one clear error for what cannot be used. ``cv``: the folds the
    table will be cross-validated with (a class of fewer rows cannot be); ``positive``: the
    positive class of a binary target (default: the minority class)."""
    frame, notes, sep = read_frame(path_or_resource)
    if target is None:
        raise UsageError("--target is required with a CSV file (the column to predict)")
    if target not in frame.columns:
        hint = ""
        if len(frame.columns) == 1 and any(c in frame.columns[0] for c in _SEPARATORS[1:]):
            hint = " (the file's lines hold no other separator the reader could find)"
        raise UsageError(
            f"target column {target!r} is not in the file; columns: {', '.join(frame.columns)}{hint}"
        )
    if weight is not None and (weight not in frame.columns or weight == target):
        raise UsageError(
            f"weight column {weight!r} is not valid: "
            + ("it is the target" if weight == target else f"columns: {', '.join(frame.columns)}")
        )
    features = [c for c in frame.columns if c not in (target, weight)]
    if not features:
        raise UsageError("the file has no feature columns besides the target")
    if len(frame) == 0:
        raise UsageError("the file has a header but no data rows")
    kept = []
    for c in features:  # a saved index is judged in file order, before any row is dropped
        leak = _row_numbers(c, frame[c])
        if leak:
            notes.append(leak)
        else:
            kept.append(c)
    mark = decimal_mark(frame, sep)
    y_num, y_text, present = _target(frame, target, mark, notes)
    sample_weight = None if weight is None else _weights(frame, weight, present, mark)
    frame = frame[present]
    if not kept:
        raise UsageError("the file has no usable feature columns besides the target")
    X, features = _features(frame[kept], notes, mark)
    task, reason, positive = _task(target, task, y_num, y_text, cv, positive)
    if len(y_text) < 20:
        raise UsageError(f"the file has {len(y_text)} rows; at least 20 are needed to cross-validate")
    y = y_num if task == "regression" else y_text
    return Table(X, y, task, features, reason, notes, positive, sample_weight)


def _task(target, task, y_num, y_text, cv, positive):
    """(task, the reason for it, the positive class of a binary task)."""
    labels, counts = np.unique(y_text, return_counts=True)
    n_classes = len(labels)
    if task is None and n_classes < 2:
        raise UsageError(
            f"target column {target!r} holds a single value ({y_text[0]!r}) in all {len(y_text)} rows: "
            "nothing to predict"
        )
    few_integers = (
        y_num is not None and 2 < n_classes <= MAX_INTEGER_CLASSES and np.all(y_num == np.round(y_num))
    )
    rare = counts.min() < cv
    if y_num is not None and n_classes > 2 and not few_integers:
        inferred, why = "regression", f"target {target!r} is numeric with {n_classes} distinct values"
    elif few_integers and rare:
        inferred = "regression"
        why = (
            f"target {target!r} holds {n_classes} distinct integers, read as numbers: as classes its "
            f"rarest ({labels[np.argmin(counts)]}) has {counts.min()} row(s), fewer than {cv} folds "
            "(--task multiclass to insist)"
        )
    elif n_classes == 2:
        inferred, why = "binary", f"target {target!r} has 2 distinct values"
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
    if positive is not None and task != "binary":
        raise UsageError(f"--positive {positive!r} is for a binary target; this task is {task}")
    if task == "binary":
        if positive is None:
            # the minority class (on a tie, the second in sorted order): what PR-AUC is about
            positive = labels[::-1][int(np.argmin(counts[::-1]))]
            how = "the minority class; --positive to choose"
        else:
            positive = str(positive).strip()
            if y_num is not None:
                try:
                    positive = _spelling(float(positive))
                except ValueError:
                    pass
            if positive not in labels:
                raise UsageError(
                    f"--positive {positive!r} is not a label of {target!r}; its labels: "
                    f"{', '.join(map(repr, labels.tolist()))}"
                )
            how = "given with --positive"
        share = counts[list(labels).index(positive)] / counts.sum()
        reason += f"; PR-AUC takes {positive!r} ({share:.0%} of rows, {how}) as positive"
    if task != "regression" and counts.min() < cv:
        hint = "; --task regression reads them as numbers" if y_num is not None else ""
        raise UsageError(
            f"the rarest class of {target!r} ({labels[np.argmin(counts)]!r}) has {counts.min()} row(s), "
            f"fewer than --cv {cv} folds: lower --cv, or merge the rare classes{hint}"
        )
    return task, reason, positive
