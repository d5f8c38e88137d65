"""The main job and the bundled data, as a user runs them."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest

from gbobjectives import cli, datasets
from gbobjectives.compare import protocol, report, tables
from gbobjectives.compare.progress import Progress


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "gbobjectives", *args], capture_output=True, text=True, cwd=cwd, timeout=600
    )


def test_main_job_as_the_readme_runs_it(tmp_path):
    """`python -m gbobjectives` with no arguments: the comparison on the bundled wage data."""
    out = run(cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "bundled dataset 'wage'" in out.stdout
    for name in (
        "squared_error",
        "huber",
        "pseudo_huber",
        "logcosh",
        "quantile:alpha=0.5",
    ):
        assert name in out.stdout
    # the built-in rows, named as each backend names its objective, one line each
    firsts = [line.split()[0] for line in out.stdout.splitlines() if line.strip()]
    for builtin in ("reg:squarederror", "reg:quantileerror(0.5)", "l2", "quantile(0.5)"):
        assert builtin in firsts
    assert max(map(len, out.stdout.splitlines())) <= 80
    assert "Best by MAE (lower is better)" in out.stdout and "Verdict:" in out.stdout
    assert "42/42 fits" in out.stderr  # the progress bar


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.csv", "--target", "y"], "file not found: missing.csv"),
        (["{csv}", "--target", "z"], "target column 'z' is not in the file; columns: a, b, y"),
        (["{csv}"], "--target is required"),
        (
            ["{csv}", "--target", "y", "--losses", "hubr"],
            "unknown loss 'hubr'; valid losses: squared_error, huber",
        ),
        (["{csv}", "--target", "y", "--losses", "huber:sigma=1"], "loss 'huber' has no parameter 'sigma'"),
        (["{csv}", "--target", "y", "--losses", "huber:delta=-1"], "delta=-1 is not valid"),
        (["{csv}", "--target", "y", "--losses", "focal"], "loss 'focal' does not fit a regression task"),
        (["{csv}", "--target", "y", "--task", "binary"], "--task binary needs 2 classes; 'y' has"),
        (["{text}", "--target", "c", "--task", "regression"], "--task regression needs a numeric target"),
        (["wage", "--grid", "gamma=1,2"], "--grid 'gamma' is a parameter of none of the losses given"),
        (["wage", "--grid", "delta"], "--grid 'delta' is not valid"),
        (["wage", "--cv", "1"], "--cv 1 is not valid"),
        (["wage", "--repeats", "0"], "--repeats 0 is not valid: an integer from 1 to 100"),
        (["wage", "--early-stopping-rounds", "0"], "--early-stopping-rounds 0 is not valid"),
        (["wage", "--cv", "5000"], "--cv 5000 is not valid: more folds than the 3000 rows"),
        (["wage", "--learning-rate", "0"], "--learning-rate 0.0 is not valid: a number in (0, 1]"),
        (["wage", "--learning-rate", "-1"], "--learning-rate -1.0 is not valid"),
        (["wage", "--learning-rate", "1e9"], "--learning-rate 1000000000.0 is not valid"),
        (["wage", "--seed", "-1"], "--seed -1 is not valid: an integer from 0 to 2**31 - 1"),
        (["wage", "--seed", "99999999999"], "--seed 99999999999 is not valid"),
        (["wage", "--losses", "quantile", "--grid", "alpha=0.1,0.9"], "alpha is the level to predict"),
        (["wage", "--losses", "quantile:alpha=0.1:alpha=0.9"], "gives 'alpha' twice"),
        (["wage", "--losses", "huber,huber"], "loss 'huber' is given twice"),
        (["wage", "--losses", ""], "--losses '' names no loss; valid losses: squared_error"),
        (["wag"], "file not found: wag (bundled datasets: wage, engel"),
        (["{dir}", "--target", "y"], "is a directory; give a CSV file"),
        (["{csv}", "--target", "y", "--out", "{csv}"], "is a file, not a directory"),
        (["{csv}", "--target", "y", "--out", "{csv}/sub"], "is a file, not a directory"),
        (["{inf_y}", "--target", "y"], "target column 'y' holds 'inf' at row 3; values must be finite"),
        (["{inf_x}", "--target", "y"], "column 'a' holds '-inf' at row 2; values must be finite"),
        (["{header}", "--target", "y"], "the file has a header but no data rows"),
        (["{const}", "--target", "y"], "target column 'y' holds a single value ('0') in all 30 rows"),
    ],
)
def test_bad_input_gets_one_clear_line_and_exit_2(tmp_path, capsys, args, message):
    csv_path = tmp_path / "data.csv"
    rng = np.random.default_rng(0)
    csv_path.write_text(
        "a,b,y\n" + "".join(f"{rng.normal()},{rng.normal()},{rng.normal()}\n" for _ in range(30))
    )
    text = tmp_path / "text.csv"
    text.write_text("a,b,c\n" + "1,2,u\n2,3,x\n" + "".join(f"{i},{i},u\n" for i in range(30)))
    inf_y = tmp_path / "inf_y.csv"
    inf_y.write_text("a,y\n" + "".join(f"{3 * i},{'inf' if i == 1 else i}\n" for i in range(30)))
    inf_x = tmp_path / "inf_x.csv"
    inf_x.write_text("a,y\n" + "".join(f"{'-inf' if i == 0 else i},{i}\n" for i in range(30)))
    header = tmp_path / "header.csv"
    header.write_text("a,y\n")
    const = tmp_path / "const.csv"
    const.write_text("a,y\n" + "".join(f"{3 * i},0\n" for i in range(30)))
    (tmp_path / "adir").mkdir()
    args = [
        a.format(
            csv=csv_path,
            text=text,
            inf_y=inf_y,
            inf_x=inf_x,
            header=header,
            const=const,
            dir=tmp_path / "adir",
        )
        for a in args
    ]
    assert cli.main(["compare", *args, "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("gbobjectives: error: ")
    assert message in err[0]


def test_compare_with_grid_and_out_writes_tables_and_plots(tmp_path, capsys):
    out = tmp_path / "out"
    code = cli.main(
        [
            "compare",
            "engel",
            "--losses",
            "huber,quantile:alpha=0.9",
            "--grid",
            "delta=1,50",
            "--backend",
            "lightgbm",
            "--cv",
            "2",
            "--n-estimators",
            "20",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    stdout = capsys.readouterr().out
    assert "best delta=" in stdout and "for huber [lightgbm]" in stdout
    assert {p.name for p in out.iterdir()} == {
        "results.csv",
        "results.md",
        "metric_per_loss.png",
        "learning_curves.png",
    }
    md = (out / "results.md").read_text()
    assert "| huber:delta=1 | lightgbm |" in md and "coverage" in md


@pytest.mark.parametrize("name", ["default", "seattle_weather"])
def test_compare_classification(name, capsys):
    assert (
        cli.main(["compare", name, "--backend", "xgboost", "--cv", "2", "--n-estimators", "10", "--quiet"])
        == 0
    )
    stdout = capsys.readouterr().out
    assert "PR_AUC" in stdout and "cb_focal:beta=0.999:" in stdout and "Best by PR_AUC" in stdout
    assert max(map(len, stdout.splitlines())) <= 80


@pytest.mark.parametrize("name", sorted(datasets.DATASETS))
def test_bundled_datasets_load(name):
    X, y, features = datasets.load(name)
    assert X.shape == (len(y), len(features)) and len(y) >= 200
    if hasattr(X, "dtypes"):  # a table with text columns: those are categories
        text = [c for c in X.columns if X[c].dtype == "category"]
        assert text == ["firm"] and X[text[0]].nunique() == 11
        X = X.drop(columns=text).to_numpy()
    assert np.all(np.isfinite(X))
    task = datasets.DATASETS[name][2]
    if task == "binary":
        assert 0.01 < y.mean() < 0.1  # imbalanced
    if task == "multiclass":
        counts = np.unique(y, return_counts=True)[1]
        assert len(counts) >= 3 and counts.min() / counts.sum() < 0.05


def test_datasets_load_outside_the_checkout(tmp_path):
    """From another directory, so the installed package (not the checkout) is what loads."""
    code = "import gbobjectives.datasets as d; print(d.load('engel')[0].shape)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(235, 1)"


def test_logcosh_demo_reproduces_the_failures_and_the_fixes(tmp_path, capsys):
    from gbobjectives import demo

    rows, curves, const_mae = demo.run(rounds=60)
    mae = {(r["configuration"], r["framework"]): r for r in rows}
    for fw in ("xgboost", "lightgbm"):
        # the unit-scale exact hessian from start 0: nothing is learned, every prediction stays 0
        stuck = mae[("log-cosh(s=1) exact, start 0", fw)]
        assert stuck["max_abs_prediction"] == 0.0 and stuck["test_MAE"] > 3 * const_mae
        # the irls hessian learns even from start 0, and beats the constant
        assert mae[("log-cosh(s=1) irls, start 0", fw)]["test_MAE"] < 0.9 * const_mae
        assert mae[("log-cosh(s=1) irls", fw)]["test_MAE"] < 0.9 * const_mae
        assert mae[("log-cosh(s=1) exact + floor 1e-2", fw)]["test_MAE"] < 0.9 * const_mae
        # a scale that follows the residuals removes the problem: even the exact hessian from
        # start 0 learns, and the default beats the constant
        assert mae[("log-cosh(s=data) exact, start 0", fw)]["test_MAE"] < 0.9 * const_mae
        assert mae[("log-cosh(s=data) irls (default)", fw)]["test_MAE"] < 0.9 * const_mae
    # pseudo-Huber's exact Newton steps explode under LightGBM's lambda_l2 = 0; irls does not
    assert (
        mae[("pseudo-Huber(1) exact", "lightgbm")]["max_abs_prediction"] > 500
    )  # the target never exceeds 318
    assert mae[("pseudo-Huber(1) irls", "lightgbm")]["max_abs_prediction"] < 400
    assert [f for _, f in demo.newton_overshoot((5,))] == [pytest.approx(26.0)]
    assert cli.main(["logcosh-demo", "--rounds", "5", "--out", str(tmp_path)]) == 0
    assert "Newton step / residual" in capsys.readouterr().out
    assert (tmp_path / "training_curves.png").exists() and (tmp_path / "derivatives.png").exists()


def test_integer_coded_classes_are_classified_and_the_first_line_says_why(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 2))
    y = np.digitize(X[:, 0], [-0.5, 0.5])  # 0 / 1 / 2
    path = tmp_path / "codes.csv"
    path.write_text("\ufeffa,b,grade\n" + "".join(f"{a},{b},{c}\n" for (a, b), c in zip(X, y)))  # with a BOM
    code = cli.main(
        [
            "compare",
            str(path),
            "--target",
            "grade",
            "--cv",
            "2",
            "--n-estimators",
            "5",
            "--losses",
            "logistic",
            "--backend",
            "lightgbm",
            "--quiet",
        ]
    )
    assert code == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("gbobjectives compare: task multiclass (target 'grade' has 3 distinct integers")


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    import gbobjectives

    assert capsys.readouterr().out.strip() == f"gbobjectives {gbobjectives.__version__}"


def test_a_tiny_csv_with_out_writes_its_results(tmp_path, capsys):
    """30 rows: LightGBM trains a constant model, which records no learning curve."""
    rng = np.random.default_rng(0)
    path = tmp_path / "tiny.csv"
    path.write_text("a,b,y\n" + "".join(f"{rng.normal()},{rng.normal()},{rng.normal()}\n" for _ in range(30)))
    out = tmp_path / "res"
    args = ["compare", str(path), "--target", "y", "--losses", "huber", "--cv", "2", "--n-estimators", "5"]
    assert cli.main([*args, "--out", str(out), "--quiet"]) == 0
    assert (out / "results.csv").exists()


def test_a_table_with_text_dates_and_blanks_runs_and_the_text_column_helps(tmp_path, capsys):
    rng = np.random.default_rng(0)
    n = 400
    city = rng.choice(["paris", "oslo", "rome", "lima"], n)
    effect = {"paris": 40.0, "oslo": -30.0, "rome": 10.0, "lima": -20.0}
    x = rng.normal(size=n)
    day = [f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(n)]
    price = 100 + 10 * x + np.array([effect[c] for c in city]) + rng.normal(size=n)
    lines = ["x,city,day,shop,price"]
    for i in range(n):
        xs = "" if i % 17 == 0 else f"{x[i]:.4f}"  # blanks: missing values
        lines.append(f"{xs},{city[i]},{day[i]},shop{i},{price[i]:.3f}")
    path = tmp_path / "shop.csv"
    path.write_text("\n".join(lines) + "\n")
    args = [
        "compare",
        str(path),
        "--target",
        "price",
        "--losses",
        "squared_error",
        "--cv",
        "2",
        "--n-estimators",
        "60",
        "--quiet",
    ]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    words = " ".join(out.split())  # the first line wraps at 80 columns
    assert "column 'day': ISO dates, used as days since 1970" in words and "column 'shop' dropped" in words
    assert "column 'city': text, a categorical feature of 4 values" in words
    with_city = float(out.split("squared_error")[1].split()[1])  # the XGBoost row's MAE
    path.write_text(
        "\n".join(",".join(p for k, p in enumerate(line.split(",")) if k != 1) for line in lines) + "\n"
    )
    assert cli.main(args) == 0
    without_city = float(capsys.readouterr().out.split("squared_error")[1].split()[1])
    assert with_city < 0.5 * without_city


# ------------------------------------------------------------------ terminal output
def _rows_with_long_labels():
    rows = []
    for loss in (
        "huber",
        "quantile:alpha=0.1",
        "reg:quantileerror(0.1)",
        "cb_focal:beta=0.999:gamma=2:normalize=False",
    ):
        for backend in ("xgboost", "lightgbm"):
            row = {"loss": loss, "backend": backend, "MAE": 1234.5678, "RMSE": 2.5e-3, "MAPE": 0.1234}
            row.update({"SMAPE": 0.5, "coverage": 0.0893, "pinball": 17.123456, "fit_s": 0.0123456})
            row.update({"grid": "", "builtin": loss.startswith("reg:"), "alpha": 0.1, "rounds": 37})
            row.update({"MAE_sd": 0.4567})
            rows.append(row)
    return rows


@pytest.mark.parametrize("width", [80, 120])
def test_the_table_fits_the_terminal_and_never_cuts_a_number(width):
    from rich.console import Console

    buf = io.StringIO()
    report.print_table(_rows_with_long_labels(), "regression", Console(file=buf, width=width))
    lines = buf.getvalue().splitlines()
    assert max(map(len, lines)) <= width
    text = buf.getvalue()
    for number in ("1235", "0.0025", "0.123", "0.089", "17.12", "12.3", "0.46"):
        assert text.count(number) == 8, number  # every row shows every number whole
    # a long label wraps at its ":" separators, never inside a word; the built-in names fit
    firsts = {line.split()[0] for line in lines[2:] if line.strip() and not line.startswith("built-in")}
    assert "reg:quantileerror(0.1)" in firsts and {"xgboost", "lightgbm"} <= firsts
    pieces = {"huber", "quantile:", "alpha=0.1", "reg:quantileerror(0.1)", "cb_focal:", "beta=0.999:"}
    pieces |= {"gamma=2:", "normalize=False", "xgboost", "lightgbm", "built-in"}
    for first in firsts:  # each first word is made of whole pieces of a label
        while first:
            first = first.removeprefix(next(p for p in pieces if first.startswith(p)))
    assert ("cb_focal:beta=0.999:gamma=2:normalize=False" in firsts) == (width == 120)


def test_the_table_is_wider_than_a_narrow_terminal_rather_than_cut():
    from rich.console import Console

    buf = io.StringIO()
    report.print_table(_rows_with_long_labels(), "regression", Console(file=buf, width=40))
    assert buf.getvalue().count("0.0025") == 8 and buf.getvalue().count("0.089") == 8


def test_progress_is_plain_lines_when_not_a_terminal():
    from rich.console import Console

    buf = io.StringIO()
    bar = Progress(6, console=Console(file=buf, width=80))
    for label in ("huber [xgboost]", "builtin:lightgbm:quantile:alpha=0.1 [lightgbm]" * 2):
        for k in range(3):
            bar.step(label, finished_row=k == 2)
    bar.close()
    text = buf.getvalue()
    assert "\r" not in text and "\x1b" not in text
    lines = text.splitlines()
    assert len(lines) == 2 and lines[0].startswith("3/6 fits") and lines[1].startswith("6/6 fits")
    assert "s left" in lines[0] and max(map(len, lines)) <= 80


def test_progress_in_a_terminal_is_a_bar_with_a_time_estimate():
    from rich.console import Console

    buf = io.StringIO()
    bar = Progress(4, console=Console(file=buf, width=80, force_terminal=True))
    for k in range(4):
        bar.step("huber [xgboost]", finished_row=k == 3)
    import re

    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buf.getvalue())
    assert "4/4" in text and "fits, elapsed" in text and "left" in text  # the bar, not plain lines
    assert max(len(line) for line in text.replace("\r", "\n").splitlines()) <= 80


def test_learning_curves_cover_every_row_and_fold_and_quantiles_are_scored_by_pinball(tmp_path):
    table = tables.read_table(datasets.path("engel"), "foodexp", None)
    result = protocol.compare(
        table.X,
        table.y,
        table.task,
        loss_specs=[("huber", {}), ("quantile", {"alpha": 0.9})],
        backends=["lightgbm"],
        cv=3,
        n_estimators=60,
        early_stopping_rounds=5,
    )
    learning = result.learning
    assert learning["huber [lightgbm]"]["metric"] == "MAE"
    # every row, the built-in objectives too, records its curve on every fold
    assert set(learning) == {f"{r['loss']} [lightgbm]" for r in result.rows}
    q = learning["quantile:alpha=0.9 [lightgbm]"]
    assert q["metric"] == "pinball loss (alpha=0.9)" and len(q["folds"]) == 3
    # each fold's curve runs until early stopping: its best round, then the patience
    row = next(r for r in result.rows if r["loss"] == "quantile:alpha=0.9")
    best = [int(np.argmin(c)) + 1 for c in q["folds"]]
    assert all(len(c) in (60, b + 5) for c, b in zip(q["folds"], best))
    assert row["rounds"] == int(np.median(best))
    assert len(row["per_fold"]["pinball"]) == 3
    written = report.write_outputs(tmp_path, result, table.task, "engel", 3)
    assert "learning_curves.png" in written and "metric_per_loss.png" in written
    header = (tmp_path / "results.csv").read_text().splitlines()[0].split(",")
    assert {"MAE_sd", "MAE_folds", "pinball_folds", "rounds"} <= set(header)


def test_real_table_quirks_are_read_and_said(tmp_path):
    """A numeric column with a placeholder ('?'), an integer id column, a text binary target:
    each is read as stated on the first line."""
    rng = np.random.default_rng(0)
    n = 60
    lines = ["row_id,bmi,label"]
    for i in range(n):
        bmi = "?" if i == 7 else f"{rng.normal(25, 3):.1f}"
        lines.append(f"{1000 + i},{bmi},{'malignant' if i % 3 else 'benign'}")
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n")
    X, y, task, features, reason, notes, positive = tables.read_table(path, "label", None)[:7]
    assert task == "binary" and positive == "benign"
    assert "PR-AUC takes 'benign' (33% of rows, the minority class; --positive to choose)" in reason
    assert "column 'bmi': 1 placeholder(s) read as missing ('?' at row 9)" in notes
    assert any(
        n.startswith("column 'row_id': a distinct integer in every row, an identifier?") for n in notes
    )
    assert np.isnan(X[7, 1]) and np.isfinite(np.delete(X[:, 1], 7)).all()


def test_mape_note_when_targets_are_zero(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    y = np.where(x > 0.5, 0.0, np.exp(x))
    path = tmp_path / "z.csv"
    path.write_text("x,y\n" + "".join(f"{a:.4f},{b:.4f}\n" for a, b in zip(x, y)))
    args = ["compare", str(path), "--target", "y", "--losses", "huber", "--cv", "2", "--n-estimators", "5"]
    assert cli.main([*args, "--quiet", "--backend", "lightgbm"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"MAPE leaves out the {int(np.sum(y == 0))} rows" in out


def test_the_table_with_a_grid_fits_80_columns(capsys):
    args = ["compare", "engel", "--losses", "huber,logcosh", "--grid", "residual_quantile=0.5,0.9"]
    assert cli.main([*args, "--cv", "2", "--n-estimators", "5", "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(map(len, lines)) <= 80


def test_a_closed_pipe_is_not_a_traceback(tmp_path):
    code = (
        "import subprocess, sys\n"
        "p = subprocess.Popen([sys.executable, '-m', 'gbobjectives', 'engel', '--cv', '2', "
        "'--n-estimators', '5', '--quiet'], stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n"
        "p.stdout.readline(); p.stdout.close(); err = p.stderr.read().decode(); p.wait()\n"
        "print(p.returncode, 'Traceback' in err)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    # status 1 and no traceback: Python's convention for a closed pipe (rich's too)
    assert out.stdout.split() == ["1", "False"], out.stdout + out.stderr
