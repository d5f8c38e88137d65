"""`compare` compares like with like: one protocol for every row, the fold noise in the
verdict, no leaked row numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gbobjectives import cli, datasets
from gbobjectives.compare import protocol, tables, verdict

BACKENDS = ["xgboost", "lightgbm"]


@pytest.mark.parametrize(
    "name, task, loss, rows",
    [("wage", "regression", "squared_error", 1500), ("default", "binary", "logistic", 3000)],
)
def test_a_loss_that_is_the_builtin_gives_the_builtins_numbers(name, task, loss, rows):
    """Squared error and the binary logistic loss are XGBoost's and LightGBM's own
    objectives: under one protocol (same estimator, same hyperparameters, same early
    stopping) their rows equal the built-in rows fold by fold, on both backends. Before the
    protocol, LightGBM's built-in row trained at lambda_l2=0 against the estimators' 1."""
    X, y, _ = datasets.load(name)
    result = protocol.compare(X[:rows], y[:rows], task, loss_specs=[(loss, {})], backends=BACKENDS, cv=2)
    for backend in BACKENDS:
        ours, builtin = (r for r in result.rows if r["backend"] == backend)
        assert not ours["builtin"] and builtin["builtin"]
        assert ours["rounds"] == builtin["rounds"]
        for metric, folds in ours["per_fold"].items():
            np.testing.assert_allclose(folds, builtin["per_fold"][metric], rtol=1e-6, err_msg=metric)
    text = " ".join(verdict.verdict(result.rows, task, result.test_over_train, 2).split())
    assert text.count("equal in every fold: no difference") == 2
    assert "Verdict: no clear difference on any backend" in text


def test_every_backend_row_trains_with_one_parameter_set():
    settings = protocol.settings_of("lightgbm", dict(n_estimators=10, learning_rate=0.1, random_state=0))
    assert settings["lambda_l2"] == 1.0 and settings["learning_rate"] == 0.1
    est = protocol.BuiltinRegressor(backend="lightgbm", n_estimators=10, random_state=0)
    est.builtin_params = {"objective": "l2"}
    assert {k: v for k, v in est._backend_params().items() if k != "seed"} == settings


def _row(loss, backend, folds, builtin=False, metric="MAE", alpha=None):
    folds = np.asarray(folds, dtype=float)
    r = {"loss": loss, "backend": backend, "builtin": builtin, "alpha": alpha, "grid": ""}
    r.update({metric: float(folds.mean()), f"{metric}_sd": float(folds.std(ddof=1))})
    r["per_fold"] = {metric: folds}
    return r


def test_the_corrected_resampled_t_test():
    """Nadeau and Bengio's statistic by hand: t = mean(d) / sqrt((1/J + n_test/n_train) var(d))."""
    from scipy import stats

    a = np.array([10.0, 11.0, 12.5, 9.0, 10.5, 11.5])
    b = np.array([10.4, 11.1, 13.5, 9.2, 11.4, 11.6])
    d = a - b
    t = d.mean() / np.sqrt((1 / 6 + 1 / 2) * d.var(ddof=1))
    assert verdict.corrected_ttest(a, b, 0.5) == pytest.approx(2 * stats.t.sf(abs(t), 5))
    # the correction makes it less confident than the plain paired t-test
    assert verdict.corrected_ttest(a, b, 0.5) > stats.ttest_rel(a, b).pvalue
    assert verdict.corrected_ttest(a, a, 0.5) == 1.0


def test_a_gain_inside_the_fold_noise_is_no_clear_difference():
    """3-fold CV on a few hundred rows: a 2% gain against a fold spread of 10% is noise."""
    rows = [
        _row("huber", "lightgbm", [1.00, 1.25, 0.88]),
        _row("l2", "lightgbm", [1.05, 1.20, 0.95], builtin=True),
    ]
    text = " ".join(verdict.verdict(rows, "regression", 0.5, 3).split())
    assert "Best by MAE (lower is better): huber [lightgbm] 1.043 ± 0.19" in text
    assert "no clear difference, inside the fold noise" in text
    assert "Verdict: no clear difference on any backend: no gain from a custom loss here." in text
    # the same mean gain, in every fold alike: clear
    rows[0] = _row("huber", "lightgbm", [1.03, 1.18, 0.93])
    text = " ".join(verdict.verdict(rows, "regression", 0.5, 3).split())
    assert "a clear difference" in text and "Verdict: a custom loss helps: huber on lightgbm" in text


def test_the_verdict_quotes_the_best_builtin_and_tests_within_each_backend():
    """The best built-in of the whole table (here the built-in median, by MAE), not the
    built-in of the same kind; and the conclusion rests on same-backend pairs only."""
    rows = [
        _row("pseudo_huber", "lightgbm", [22.0, 23.0, 24.0]),
        _row("squared_error", "xgboost", [25.0, 26.0, 27.0]),
        _row("l2", "lightgbm", [24.0, 25.0, 26.0], builtin=True),
        _row("reg:squarederror", "xgboost", [25.0, 26.0, 27.0], builtin=True),
    ]
    median = _row("quantile(0.5)", "lightgbm", [22.1, 23.1, 24.1], builtin=True, alpha=0.5)
    median.update({"pinball": 11.5, "pinball_sd": 0.1, "coverage": 0.5})
    median["per_fold"]["pinball"] = np.array([11.4, 11.5, 11.6])
    rows.append(median)
    lines = verdict.verdict(rows, "regression", 0.5, 3).splitlines()
    assert all(len(line) <= 80 for line in lines)
    text = " ".join(" ".join(lines).split())
    assert "best built-in: quantile(0.5) [lightgbm] 23.1 ± 1" in text
    assert "lightgbm: pseudo_huber against quantile(0.5), 0.4% better" in text
    assert "xgboost: squared_error against reg:squarederror, equal in every fold" in text
    # a built-in that wins clearly is named as the one to use
    rows[0] = _row("pseudo_huber", "lightgbm", [22.5, 23.6, 24.4])
    text = " ".join(verdict.verdict(rows, "regression", 0.5, 3).split())
    assert "Best by MAE (lower is better): quantile(0.5) [lightgbm]" in text
    assert "the built-in objective is clearly better on lightgbm: use it there" in text


def _sorted_table(tmp_path):
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    frame["price"] = 50 + 10 * frame.x1 + rng.normal(size=n)
    frame = frame.sort_values("price")  # sorted by the target, as exported tables often are
    with_index = tmp_path / "with_index.csv"
    frame.to_csv(with_index)  # pandas writes its index as an unnamed first column
    positions = tmp_path / "positions.csv"
    frame.reset_index(drop=True).rename_axis("id").reset_index().to_csv(positions, index=False)
    plain = tmp_path / "plain.csv"
    frame.to_csv(plain, index=False)
    return with_index, positions, plain


def test_a_saved_index_or_row_number_is_dropped_and_scores_as_without(tmp_path):
    """Sorted by the target and saved with to_csv(): the index is the target's rank in
    disguise (MAE 27 with it, 275 without on a real table). Dropped, with a line, by its name
    or by being the row's position."""
    with_index, positions, plain = _sorted_table(tmp_path)
    a = tables.read_table(with_index, "price", None)
    b = tables.read_table(positions, "price", None)
    c = tables.read_table(plain, "price", None)
    assert a.features == b.features == c.features == ["x1", "x2"]
    assert "column 'Unnamed: 0' dropped: named like an exported index and distinct in every row" in a.notes
    assert "column 'id' dropped: it is the row number (0..299 in file order)" in b.notes
    np.testing.assert_array_equal(a.X, c.X)
    kw = dict(loss_specs=[("squared_error", {})], backends=["lightgbm"], cv=2, n_estimators=50)
    ra = protocol.compare(a.X, a.y, "regression", **kw).rows
    rc = protocol.compare(c.X, c.y, "regression", **kw).rows
    assert [r["MAE"] for r in ra] == [r["MAE"] for r in rc]


def test_an_id_that_is_not_the_row_position_is_kept_with_a_note(tmp_path):
    path = tmp_path / "t.csv"
    rng = np.random.default_rng(1)
    path.write_text(
        "customer,x,y\n" + "".join(f"{7 * i + 3},{rng.normal()},{rng.normal()}\n" for i in range(40))
    )
    table = tables.read_table(path, "y", None)
    assert table.features == ["customer", "x"]
    assert any("'customer': a distinct integer in every row, an identifier?" in n for n in table.notes)


def test_the_dropped_columns_are_said_on_lines_of_their_own(tmp_path, capsys):
    with_index, _, _ = _sorted_table(tmp_path)
    args = ["compare", str(with_index), "--target", "price", "--losses", "squared_error"]
    assert cli.main([*args, "--backend", "lightgbm", "--cv", "2", "--n-estimators", "20", "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(
        line.startswith("  column 'Unnamed: 0' dropped: named like an exported index") for line in lines
    )
    assert "x 2 features" in lines[2] or "x 2 features" in " ".join(lines[:4])


def test_builtin_and_custom_rows_of_one_loss_take_alike_to_fit(tmp_path):
    """The same loss through the custom path and the built-in one, both recording curves:
    fit times within 2x (before, only gbobjectives rows recorded curves under --out: 0.646 s
    against 0.083 s on one table). A ratio of two times from one run, not a time."""
    out = tmp_path / "out"
    args = ["compare", "wage", "--losses", "squared_error", "--cv", "2", "--repeats", "2"]
    assert cli.main([*args, "--out", str(out), "--quiet"]) == 0
    frame = pd.read_csv(out / "results.csv")
    for backend in BACKENDS:
        mine = frame[frame.backend == backend].set_index("builtin")
        assert mine.loc[False, "fit_s"] <= 2.0 * mine.loc[True, "fit_s"], backend
        assert mine.loc[True, "fit_s"] <= 2.0 * mine.loc[False, "fit_s"], backend


def test_multiclass_warms_up_the_softmax_loops_it_will_run():
    from gbobjectives.losses import BinaryFocal, Logistic

    names = protocol.loop_names([Logistic(), BinaryFocal(gamma=2.0)], "multiclass", 3)
    assert names == "SoftmaxCrossEntropy, SoftmaxFocal"


def test_the_first_lines_say_compiling_and_the_protocol(capsys):
    args = ["compare", "engel", "--losses", "huber", "--backend", "xgboost", "--cv", "2", "--repeats", "1"]
    assert cli.main([*args, "--n-estimators", "30"]) == 0
    captured = capsys.readouterr()
    assert "loading the compiled loops for Huber (compiled on the first run only)" in captured.err
    out = " ".join(captured.out.split())
    assert "chosen by early stopping (20 rounds' patience) on 20% of each training fold by MAE" in out
    assert "xgboost, every row: eta 0.1, lambda 1.0" in out


def test_r_row_names_read_back_as_x_are_dropped(tmp_path):
    """write.csv() -> read.csv() -> write.csv(row.names=FALSE): the row names come back as a
    column "X". On AER's CASchools, shuffled, with "X" kept: MAE 5.0 against 8.6 without."""
    rng = np.random.default_rng(0)
    order = rng.permutation(100) + 1
    x = rng.normal(size=100)
    path = tmp_path / "r.csv"
    path.write_text('"X","x","y"\n' + "".join(f"{o},{a},{a + o / 50}\n" for o, a in zip(order, x)))
    table = tables.read_table(path, "y", None)
    assert table.features == ["x"]
    assert "column 'X' dropped: R's name for saved row names, distinct in every row" in table.notes
    coords = tmp_path / "coords.csv"  # an X coordinate is a feature
    coords.write_text("X,y\n" + "".join(f"{a:.6f},{2 * a}\n" for a in x))
    assert tables.read_table(coords, "y", None).features == ["X"]


def test_the_verdict_claims_nothing_it_did_not_test():
    """From a review: a tie named the custom loss best, a NaN fold was "a clear gain", a
    rounding-level difference was "clear", and a group with no same-backend pair still said
    "no clear difference on any backend"."""
    tie = [_row("logistic", "lightgbm", [0.7, 0.6, 0.8], metric="PR_AUC")]
    tie.append(_row("binary", "lightgbm", [0.7, 0.6, 0.8], builtin=True, metric="PR_AUC"))
    text = " ".join(verdict.verdict(tie, "binary", 0.5, 3).split())
    assert text.startswith("Best by PR_AUC (higher is better): binary [lightgbm]")
    nan = [
        _row("huber", "lightgbm", [3.0, np.nan, 3.1]),
        _row("l2", "lightgbm", [3.5, 3.6, 3.7], builtin=True),
    ]
    text = " ".join(verdict.verdict(nan, "regression", 0.5, 3).split())
    assert "Best by MAE (lower is better): l2 [lightgbm]" in text and "a clear difference" not in text
    tiny = [
        _row("huber", "lightgbm", [3.0, 3.1, 3.2]),
        _row("l2", "lightgbm", [3.0001, 3.1001, 3.2001], builtin=True),
    ]
    text = " ".join(verdict.verdict(tiny, "regression", 0.5, 3).split())
    assert "within 0.1%: a negligible difference" in text and "custom loss helps" not in text
    alone = [_row("l2", "lightgbm", [3.0, 3.1, 3.2], builtin=True)]
    q = _row("quantile:alpha=0.9", "lightgbm", [1.0, 1.1, 1.2], metric="pinball", alpha=0.9)
    q.update({"MAE": 4.0, "MAE_sd": 0.1, "coverage": 0.9})
    q["per_fold"]["MAE"] = np.array([3.9, 4.0, 4.1])
    text = " ".join(verdict.verdict([q, *alone], "regression", 0.5, 3).split())
    assert "Verdict: nothing to conclude: no backend has both a gbobjectives loss and a built-in" in text


def test_every_class_of_two_rows_reaches_the_stopping_split():
    y = np.array([0] * 40 + [1] * 3)
    fit, stop = protocol.inner_split(y, "binary", 0)
    assert set(y[stop]) == {0, 1} and set(y[fit]) == {0, 1}


def test_a_group_where_no_row_scored_is_said_not_a_crash():
    rows = [
        _row("huber", "lightgbm", [np.nan, np.nan, np.nan]),
        _row("l2", "lightgbm", [np.nan] * 3, builtin=True),
    ]
    assert "nothing to compare" in verdict.verdict(rows, "regression", 0.5, 3)


def test_the_warm_up_sample_holds_every_class_of_a_sorted_table():
    y = np.repeat([0, 1, 2], [900, 90, 10])  # sorted by class, one class rare
    rows = protocol._warm_up_rows(y, "multiclass", 0)
    assert set(np.unique(y[rows])) == {0, 1, 2} and len(rows) <= 220


def test_the_table_fits_80_columns_by_breaking_a_builtin_name_last():
    import io

    from rich.console import Console

    from gbobjectives.compare import report

    metrics = {"MAE": 109.2, "RMSE": 151.2, "MAPE": 0.0515, "SMAPE": 0.0512}
    metrics.update(pinball=56.35, coverage=0.505)

    def row(loss, builtin=False):
        r = {"loss": loss, "label": loss, "backend": "xgboost", "builtin": builtin, "alpha": 0.5, "grid": ""}
        r.update(metrics, MAE_sd=0.93, rounds="268", fit_s=1.158)
        return r

    rows = [row("squared_error"), row("quantile:alpha=0.5"), row("reg:quantileerror(0.5)", True)]
    buf = io.StringIO()
    report.print_table(rows, "regression", Console(file=buf, width=80, color_system=None))
    lines = buf.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 80, "\n".join(lines)
    assert any(line.startswith("reg:") for line in lines)


def test_the_progress_bar_follows_a_total_set_later():
    import io

    from rich.console import Console

    from gbobjectives.compare.progress import Progress

    p = Progress(0, console=Console(file=io.StringIO(), force_terminal=True, width=80))
    p.total = 4  # compare knows it once the table is read
    for i in range(4):
        p.step(f"fold {i}")
    task = p._bar.tasks[0]
    assert task.total == 4 and task.completed == 4 and task.finished
