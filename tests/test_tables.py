"""Tables as they come: each odd file is read correctly (proven by the features it gives) or
ends with one line on stderr and exit status 2; never a traceback, never a silent misread."""

from __future__ import annotations

import bz2
import gzip
import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from gbobjectives import GBClassifier, cli
from gbobjectives.compare import tables


def _frame(n=60, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({"x": x.round(4), "z": rng.normal(size=n).round(4), "y": (100 + 30 * x).round(2)})


def _read(tmp_path, text, name="t.csv", target="y", **kw):
    path = tmp_path / name
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    return tables.read_table(path, target, kw.pop("task", None), **kw)


def _refused(tmp_path, capsys, text, args, name="t.csv"):
    path = tmp_path / name
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    assert cli.main(["compare", str(path), *args, "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("gbobjectives: error: "), err
    return err[0]


# ------------------------------------------------------------------ names
def test_a_duplicated_column_name_is_refused(tmp_path, capsys):
    text = "carat,cut,price,price,x\n" + "".join(f"{i / 10},good,{i},{2 * i},{i % 7}\n" for i in range(40))
    err = _refused(tmp_path, capsys, text, ["--target", "price"])
    assert "column name 'price' is given 2 times (columns 3, 4)" in err


# ------------------------------------------------------------------ numbers as text
def test_thousands_commas_in_the_target_and_a_feature_are_numbers(tmp_path):
    f = _frame()
    f["y"] = (1000 + 900 * f.x.abs()).round(0)
    f["size"] = (1000 * (2 + f.z)).round(0)
    text = "x,size,y\n" + "".join(f'{a},"{s:,.0f}","{v:,.0f}"\n' for a, s, v in zip(f.x, f["size"], f.y))
    t = _read(tmp_path, text)
    assert t.task == "regression"  # not 20 classes of text
    np.testing.assert_array_equal(t.y, f.y.to_numpy())
    np.testing.assert_array_equal(t.X[:, 1], f["size"].to_numpy())
    assert "target 'y': numbers with thousands commas (1,500.5 = 1500.5)" in t.notes
    assert "column 'size': numbers with thousands commas (1,500.5 = 1500.5)" in t.notes


def test_a_semicolon_file_with_decimal_commas(tmp_path):
    f = _frame()
    text = "x;z;y\n" + "".join(f"{a};{b};{v}\n".replace(".", ",") for a, b, v in zip(f.x, f.z, f.y))
    t = _read(tmp_path, text)
    assert t.features == ["x", "z"] and t.task == "regression"
    np.testing.assert_allclose(t.y, f.y.to_numpy())
    np.testing.assert_allclose(t.X[:, 0], f.x.to_numpy())
    assert t.notes[0] == "the file: semicolon-separated"
    assert "target 'y': numbers with a decimal comma (1.500,5 = 1500.5)" in t.notes


def test_a_tab_separated_file(tmp_path):
    f = _frame()
    t = _read(tmp_path, f.to_csv(sep="\t", index=False))
    assert t.features == ["x", "z"] and t.notes == ["the file: tab-separated"]


def test_placeholders_in_the_target_drop_their_rows(tmp_path):
    f = _frame(200)
    y = f.y.astype(str).tolist()
    for i in (3, 50, 51, 120, 199):
        y[i] = "?"
    f["y"] = y
    t = _read(tmp_path, f.to_csv(index=False))
    assert t.task == "regression" and len(t.y) == 195 and t.X.shape == (195, 2)
    assert "dropped the 5 row(s) (2.5%) whose target 'y' is missing (first at row 5)" in t.notes


def test_a_feature_with_ten_percent_placeholders_stays_numeric(tmp_path):
    f = _frame(200)
    z = f.z.astype(str).tolist()
    for i in range(0, 200, 10):
        z[i] = "?"
    f["z"] = z
    t = _read(tmp_path, f.to_csv(index=False))
    assert t.features == ["x", "z"] and np.isnan(t.X[::10, 1]).all() and np.isfinite(t.X[1::10, 1]).all()
    assert "column 'z': 20 placeholder(s) read as missing ('?' at row 2)" in t.notes


def test_a_numeric_target_with_a_stray_word_names_it(tmp_path, capsys):
    f = _frame()
    f["y"] = f.y.astype(str)
    f.loc[7, "y"] = "twelve"
    err = _refused(tmp_path, capsys, f.to_csv(index=False), ["--target", "y"])
    assert "target column 'y' holds numbers except 'twelve' at row 9" in err


def test_an_all_missing_target_is_refused(tmp_path, capsys):
    f = _frame()
    f["y"] = "NA"
    err = _refused(tmp_path, capsys, f.to_csv(index=False), ["--target", "y"])
    assert "target column 'y' has no values (missing in all 60 rows)" in err


# ------------------------------------------------------------------ dates
@pytest.mark.parametrize(
    "values, form",
    [
        (["07/01/1967", "12/25/1967", "01/31/1968"], "MM/DD/YYYY"),
        (["01/07/1967", "25/12/1967", "31/01/1968"], "DD/MM/YYYY"),
    ],
)
def test_day_month_dates_when_one_order_reads_every_value(tmp_path, values, form):
    f = _frame(30)
    f["when"] = (values * 10)[:30]
    t = _read(tmp_path, f.to_csv(index=False))
    assert t.features == ["x", "z", "when", "when_month", "when_dayofweek"]
    assert any(f"column 'when': dates read as {form}" in n for n in t.notes)
    assert t.X[0, 2] == (pd.Timestamp("1967-07-01") - pd.Timestamp("1970-01-01")).days
    assert t.X[1, 3] == 12


def test_ambiguous_or_mostly_dates_are_dropped_with_the_fix(tmp_path):
    f = _frame(30)
    f["when"] = (["01/02/2020", "03/04/2020", "05/06/2020"] * 10)[:30]
    t = _read(tmp_path, f.to_csv(index=False))
    assert "when" not in t.features
    assert any("so MM/DD and DD/MM both read them; write them as YYYY-MM-DD" in n for n in t.notes)
    f["when"] = [f"2020-01-{1 + i % 28:02d}" for i in range(30)]
    f.loc[4, "when"] = "soon"
    t = _read(tmp_path, f.to_csv(index=False))
    assert "when" not in t.features
    assert any(
        "96% of its values are dates, but 'soon' at row 6 is not; write every value" in n for n in t.notes
    )


def test_zoned_and_mixed_offset_datetimes_are_read_in_utc(tmp_path):
    f = _frame(30)
    f["t"] = [f"2024-01-{1 + i:02d}T10:00:00Z" for i in range(30)]
    f["u"] = [f"2024-01-{1 + i:02d}T10:00:00+0{1 + i % 2}:00" for i in range(30)]
    t = _read(tmp_path, f.to_csv(index=False))
    assert "t" in t.features and "u" in t.features
    days = (pd.Timestamp("2024-01-01 10:00") - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
    assert t.X[0, t.features.index("t")] == pytest.approx(days)
    assert t.X[0, t.features.index("u")] == pytest.approx(days - 1 / 24)  # +01:00
    assert t.X[1, t.features.index("u")] == pytest.approx(days + 1 - 2 / 24)  # +02:00
    assert "column 'u': ISO dates, their zones converted to UTC, used as days since 1970" in " ".join(t.notes)


# ------------------------------------------------------------------ columns dropped
def test_all_missing_and_constant_columns_are_dropped(tmp_path):
    f = _frame()
    f["empty"] = ""
    f["same"] = "yes"
    f["one"] = 7
    t = _read(tmp_path, f.to_csv(index=False))
    assert t.features == ["x", "z"]
    assert "column 'empty' dropped: no values (missing in every row)" in t.notes
    assert "column 'same' dropped: the same value ('yes') in every row" in t.notes
    assert "column 'one' dropped: the same value (7) in every row" in t.notes


# ------------------------------------------------------------------ file formats
def test_compressed_files_are_read_whatever_their_extension(tmp_path):
    text = _frame().to_csv(index=False).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("inner.csv", text)
    for name, data in [
        ("a.csv.gz", gzip.compress(text)),
        ("b.csv.bz2", bz2.compress(text)),
        ("c.zip", buf.getvalue()),
        ("d.csv", gzip.compress(text)),  # a gzip file named .csv
    ]:
        t = _read(tmp_path, data, name=name)
        assert t.features == ["x", "z"] and len(t.y) == 60, name
        kind = "zip" if name.endswith(".zip") else "bz2" if name.endswith(".bz2") else "gzip"
        assert t.notes[0] == f"the file: {kind}-compressed", name


def test_a_parquet_file_is_read(tmp_path):
    pytest.importorskip("pyarrow")
    f = _frame()
    f["kind"] = ["a", "b", "c"] * 20
    f.to_parquet(tmp_path / "t.parquet")
    t = tables.read_table(tmp_path / "t.parquet", "y", None)
    assert t.features == ["x", "z", "kind"] and "the file: Parquet" in t.notes
    np.testing.assert_allclose(t.y, f.y.to_numpy())


def test_an_excel_workbook_is_refused_with_the_way_out(tmp_path, capsys):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    err = _refused(tmp_path, capsys, buf.getvalue(), ["--target", "y"], name="book.xlsx")
    assert "is an Excel (or OpenDocument) workbook, not a CSV: save the sheet as 'CSV UTF-8'" in err


def test_a_cp1252_file_is_decoded_and_said(tmp_path):
    f = _frame()
    f["city"] = ["Zürich", "Montréal", "Kraków"] * 20
    t = _read(tmp_path, f.to_csv(index=False).encode("cp1252"))
    assert t.notes[0] == "the file: cp1252 text (not UTF-8)"
    assert t.X["f2"].cat.categories.tolist() == sorted(["Zürich", "Montréal", "Kraków"])


# ------------------------------------------------------------------ the task
def test_a_count_target_that_cannot_be_classes_is_regression_and_says_why(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=100)
    y = np.clip(np.round(4 + 2 * x), 0, 8).astype(int)
    y[0] = 9  # one row of 9: too few for 3 folds as a class
    path = tmp_path / "counts.csv"
    path.write_text("x,n\n" + "".join(f"{a},{b}\n" for a, b in zip(x, y)))
    t = tables.read_table(path, "n", None, cv=3)
    assert t.task == "regression"
    assert "read as numbers: as classes its rarest (9) has 1 row(s), fewer than 3 folds" in t.reason


def test_the_positive_class_is_the_minority_or_the_one_given(tmp_path, capsys):
    f = _frame(100)
    f["y"] = np.where(np.arange(100) % 8 == 0, "denied", "ok")
    path = tmp_path / "credit.csv"
    f.to_csv(path, index=False)
    t = tables.read_table(path, "y", None)
    assert t.positive == "denied" and "PR-AUC takes 'denied' (13% of rows, the minority class" in t.reason
    t = tables.read_table(path, "y", None, positive="ok")
    assert t.positive == "ok" and "given with --positive" in t.reason
    assert cli.main(["compare", str(path), "--target", "y", "--positive", "yes", "--quiet"]) == 2
    assert "--positive 'yes' is not a label of 'y'; its labels: 'denied', 'ok'" in capsys.readouterr().err


def test_the_positive_class_is_what_pr_auc_scores(tmp_path):
    """The same table scored with each class as positive: PR-AUC of the minority is far
    below that of the 88% majority (~0.95 for any model)."""
    from gbobjectives.compare import protocol

    rng = np.random.default_rng(0)
    x = rng.normal(size=400)
    y = np.where(x + rng.normal(size=400) > 1.7, "denied", "ok")
    X = x[:, None]
    kw = dict(loss_specs=[("logistic", {})], backends=["lightgbm"], cv=2, n_estimators=30)
    minority = protocol.compare(X, y, "binary", positive="denied", **kw).rows[0]["PR_AUC"]
    majority = protocol.compare(X, y, "binary", positive="ok", **kw).rows[0]["PR_AUC"]
    assert minority < 0.8 < 0.9 < majority


# ------------------------------------------------------------------ the estimators
def test_the_estimators_refuse_a_missing_label_alike_on_frames_and_arrays():
    X = pd.DataFrame({"a": np.arange(10.0), "c": list("ababababab")})
    y = np.array(["x", "y"] * 4 + [np.nan, "x"], dtype=object)
    messages = []
    for data in (X[["a"]].to_numpy(), X):
        with pytest.raises(ValueError, match="Input y contains NaN: 1 missing label") as info:
            GBClassifier(n_estimators=2).fit(data, y)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


# ------------------------------------------------------------------ from a newcomer's trial
def _base(n=60):
    f = _frame(n)
    return "a,b,y\n" + "".join(f"{a},{i % 4},{v}\n" for i, (a, v) in enumerate(zip(f.x, f.y)))


@pytest.mark.parametrize(
    "name, data",
    [
        ("cr.csv", _base().replace("\n", "\r").encode()),  # Excel for Mac's "CSV (Macintosh)"
        ("crlf.csv", b"\xef\xbb\xbf" + _base().replace("\n", "\r\n").encode()),
        ("blank_first.csv", ("\n" + _base()).encode()),
        ("sep_line.csv", ("sep=;\n" + _base().replace(",", ";")).encode()),  # Excel's first line
        ("utf16.txt", _base().replace(",", "\t").encode("utf-16")),  # Excel's "Unicode text"
        (
            "trailing.csv",
            b"a,b,y\n" + "".join(line + ",\n" for line in _base().splitlines()[1:]).encode(),
        ),
        (
            "r_table.txt",
            (
                '"a"\t"b"\t"y"\n'
                + "".join(
                    f'"{i + 1}"\t' + line.replace(",", "\t") + "\n"
                    for i, line in enumerate(_base().splitlines()[1:])
                )
            ).encode(),
        ),  # R's write.table(sep="\t"): rows carry their names, the header does not
    ],
)
def test_odd_layouts_are_read_column_for_column(tmp_path, name, data):
    t = _read(tmp_path, data, name=name)
    f = _frame()
    assert t.features == ["a", "b"] and len(t.y) == 60
    np.testing.assert_allclose(t.X[:, 0], f.x.to_numpy())  # no column shifted
    np.testing.assert_allclose(t.y, f.y.to_numpy())


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("empty.csv.gz", gzip.compress(b""), "the file is empty"),
        ("bom.csv", b"\xef\xbb\xbf", "the file is empty"),
        (
            "cut.csv.gz",
            gzip.compress(_base(3000).encode())[:-200],
            "a damaged, cut short or encrypted gzip file",
        ),
        ("j.json", b'[{"a": 1, "y": 2}]', "is JSON, not CSV"),
        ("h.html", b"<html><table></table></html>", "is HTML or XML, not CSV"),
        ("book", b"PK\x03\x04", "a damaged"),
    ],
)
def test_files_that_cannot_be_read_end_in_one_line(tmp_path, capsys, name, data, message):
    assert message in _refused(tmp_path, capsys, data, ["--target", "y"], name=name)


def test_one_decimal_mark_per_file(tmp_path):
    """A German Excel export: "506,7" shows the decimal comma, so "198.712" is 198712 and
    "01.07.1967" a day-first date (each read alone, "198.712" would be 198.712, silently)."""
    rows = "".join(
        f"{1 + i % 28:02d}.{1 + i % 12:02d}.1967;{500 + i},{i % 10};"
        f"{198 + i}.{712:03d};{2 + i % 5}.{900 + i:03d}\n"
        for i in range(60)
    )
    t = _read(tmp_path, ("Datum;Konsum;Bev;Arbeitslose\n" + rows).encode("cp1252"), target="Arbeitslose")
    assert t.y[0] == 2900 and t.task == "regression"
    assert t.X[0, t.features.index("Bev")] == 198712 and t.X[1, t.features.index("Konsum")] == 501.1
    assert t.X[0, t.features.index("Datum")] == (pd.Timestamp("1967-01-01") - pd.Timestamp("1970-01-01")).days
    # a tab file whose values show a decimal comma reads "0,378" as 0.378 like "0,2"
    t = _read(
        tmp_path, "a\tb\ty\n" + "".join(f"0,{i % 9 + 1}\t0,{378 + i}\t{i}\n" for i in range(60)), name="t.tsv"
    )
    assert t.X[0].tolist() == [0.1, 0.378]


def test_the_rule_that_reads_every_value_wins(tmp_path):
    text = "inc,y\n" + "".join(f'"{"1,500" if i == 3 else 100 + i}",{i * 1.5}\n' for i in range(60))
    t = _read(tmp_path, text)
    assert t.X[3, 0] == 1500 and np.isfinite(t.X[:, 0]).all()


def test_currency_percent_and_words_in_numbers(tmp_path):
    f = _frame()
    text = "p,r,age,y\n" + "".join(
        f'"${1000 + 7 * i:,}",{i % 50}%,{"unknown" if i % 5 == 0 else 20 + i % 30},{v}\n'
        for i, v in enumerate(f.y)
    )
    t = _read(tmp_path, text)
    assert t.X[1].tolist()[:2] == [1007.0, 1.0] and np.isnan(t.X[0, 2]) and t.X[1, 2] == 21
    assert "column 'r': percent signs dropped (12% = 12)" in t.notes
    assert (
        "column 'age': numbers, with 12 non-numeric value(s) read as missing ('unknown' at row 2)" in t.notes
    )


def test_dates_that_would_be_misread_are_not(tmp_path):
    f = _frame()
    f["d"] = [f"10/{1 + i % 28:02d}/49" for i in range(60)]  # 1949 or 2049?
    t = _read(tmp_path, f.to_csv(index=False))
    assert "d" not in t.features and any("two-digit years (1949 or 2049?)" in n for n in t.notes)
    f["d"] = [f"{1 + i % 28:02d}/{1 + i % 12:02d}/2020" for i in range(60)]
    f.loc[3, "d"] = "31/12/9999"  # a database's "never"
    t = _read(tmp_path, f.to_csv(index=False))
    assert t.X[3, t.features.index("d")] == (pd.Timestamp("9999-12-31") - pd.Timestamp("1970-01-01")).days
    f.loc[3, "d"] = "31/02/2020"
    t = _read(tmp_path, f.to_csv(index=False))
    assert any("but '31/02/2020' at row 5 is not" in n for n in t.notes)


def test_a_none_class_is_a_class_and_a_date_target_is_refused(tmp_path, capsys):
    f = _frame()
    f["y"] = ["None", "Mild", "Severe"] * 20
    t = _read(tmp_path, f.to_csv(index=False))
    assert t.task == "multiclass" and len(t.y) == 60
    f["y"] = [f"2024-01-{1 + i % 28:02d}" for i in range(60)]
    assert "target column 'y' holds dates" in _refused(
        tmp_path, capsys, f.to_csv(index=False), ["--target", "y"]
    )


def test_a_saved_index_of_dates_is_a_date_feature(tmp_path):
    f = _frame()
    f.index = pd.date_range("2024-01-01", periods=60, freq="h")
    t = _read(tmp_path, f.to_csv())
    assert t.features[:3] == ["Unnamed: 0", "Unnamed: 0_month", "Unnamed: 0_dayofweek"]


def test_zips_from_finder_and_late_cp1252_bytes(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("__MACOSX/._d.csv", "x")
        z.writestr("d.csv", _base())
    assert _read(tmp_path, buf.getvalue(), name="mac.zip").features == ["a", "b"]
    late = ("a,b,y\n" + "".join(f"{i},{i % 4},{i}\n" for i in range(30000)) + "€uro,1,2\n").encode("cp1252")
    t = _read(tmp_path, gzip.compress(late), name="late.csv.gz")
    assert t.notes[0] == "the file: gzip-compressed, cp1252 text (not UTF-8)"


def test_parquet_with_a_saved_index_and_odd_names(tmp_path):
    pytest.importorskip("pyarrow")
    f = pd.DataFrame(np.c_[np.arange(60.0) % 7, np.arange(60.0)])  # integer column names
    f.index = [f"id{i}" for i in range(60)]
    f[0] = f[0].astype(str)
    f.loc["id3", 0] = "?"
    f.to_parquet(tmp_path / "p.parquet")
    t = tables.read_table(tmp_path / "p.parquet", "1", None)
    assert t.features == ["0"] and np.isnan(t.X[3, 0])
    assert "column 'index' dropped: named like an exported index and distinct in every row" in t.notes


# ------------------------------------------------------------------ from a review
def test_three_decimals_are_decimals_and_text_does_not_vote(tmp_path):
    f = _frame()
    semi = "x;y\n" + "".join(f"{a:.3f};{v:.3f}\n" for a, v in zip(f.x, f.y))  # 0.637, not 637
    t = _read(tmp_path, semi)
    np.testing.assert_allclose(t.X[:, 0], [float(f"{a:.3f}") for a in f.x])
    tab = "x\ty\n" + "".join(f"{a:.3f}\t{i}\n".replace(".", ",") for i, a in enumerate(f.x.abs()))
    np.testing.assert_allclose(
        _read(tmp_path, tab, name="t.tsv").X[:, 0], [float(f"{a:.3f}") for a in f.x.abs()]
    )
    tags = "x,tag,y\n" + "".join(f'{a:.3f},"{i % 5},45 cm",{v}\n' for i, (a, v) in enumerate(zip(f.x, f.y)))
    t = _read(tmp_path, tags)
    x = np.asarray(t.X.iloc[:, 0], dtype=float)  # a frame: the tags are a category
    np.testing.assert_allclose(x, [float(f"{a:.3f}") for a in f.x])  # not 3789 for 3.789


def test_scientific_notation_with_a_point(tmp_path):
    f = _frame()
    t = _read(tmp_path, "x,y\n" + "".join(f"{a * 1e-5:.3e},{v}\n" for a, v in zip(f.x, f.y)))
    np.testing.assert_allclose(t.X[:, 0], (f.x * 1e-5).to_numpy(), rtol=1e-3)


def test_a_saved_index_of_four_digit_numbers_is_not_a_date(tmp_path):
    f = _frame()
    f.index = np.arange(1000, 1060)[::-1]  # df.iloc[1000:...] sorted, saved with to_csv()
    assert _read(tmp_path, f.to_csv()).features == ["x", "z"]
