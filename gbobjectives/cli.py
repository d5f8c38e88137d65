"""The command line: ``gbobjectives compare`` (the main job), ``diagnose`` and ``logcosh-demo``.

``gbobjectives`` with no arguments compares the regression losses on the bundled ``wage``
data. Bad input ends with one line on stderr and exit status 2. This module only parses the
arguments: each step of ``compare`` lives in ``gbobjectives.compare`` (tables, specs,
protocol, scoring, verdict, report, plots, progress), of ``diagnose`` in
``gbobjectives.diagnosis``.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

import numpy as np

from . import datasets
from .compare import UsageError
from .compare.protocol import INNER_FRACTION, PATIENCE, compare
from .compare.report import print_table, settings_lines, write_outputs
from .compare.scoring import PRIMARY
from .compare.specs import DEFAULT_LOSSES, LOSSES, parse_grid, parse_losses
from .compare.tables import read_table
from .compare.verdict import verdict

# Repeats of the K-fold split when --repeats is not given: small tables are noisy, and a
# verdict needs enough paired folds to tell a real difference from fold noise.
SMALL_TABLE = 2000


def default_repeats(n_rows: int) -> int:
    """3 repeats below SMALL_TABLE rows, else 1 (the rule the README states)."""
    return 3 if n_rows < SMALL_TABLE else 1


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
    c.add_argument("--positive", help="the positive class of a binary target (default: the minority class)")
    c.add_argument(
        "--losses", nargs="+", help=f"comma-separated specs name[:param=value...]; names: {', '.join(LOSSES)}"
    )
    c.add_argument("--backend", choices=["xgboost", "lightgbm", "both"], default="both")
    c.add_argument("--cv", type=int, default=3, help="folds (default 3)")
    c.add_argument(
        "--repeats",
        type=int,
        help=f"repeats of the K-fold split (default: 3 below {SMALL_TABLE} rows, else 1)",
    )
    c.add_argument("--grid", help="one parameter to search, e.g. delta=0.5,1,2")
    c.add_argument(
        "--n-estimators", type=int, default=500, help="the most boosting rounds of a row (default 500)"
    )
    c.add_argument(
        "--early-stopping-rounds",
        type=int,
        default=PATIENCE,
        help=f"patience of the early stopping that picks each row's rounds (default {PATIENCE})",
    )
    c.add_argument("--learning-rate", type=float, default=0.1)
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--out", help="directory for results.csv, results.md and PNG plots")
    c.add_argument("--quiet", action="store_true", help="no progress bar")
    g = sub.add_parser(
        "diagnose", help="check a custom objective of your own for the mistakes the frameworks accept"
    )
    g.add_argument("objective", help="your objective: module:function, or file.py:function")
    g.add_argument("data", help="a CSV file (or Parquet) of the rows to check it on")
    g.add_argument("--target", required=True, help="the label column (text classes are encoded 0..K-1)")
    g.add_argument(
        "--framework",
        choices=["xgboost", "lightgbm", "sklearn"],
        default="xgboost",
        help="whose calling convention the function is written for (default xgboost)",
    )
    g.add_argument(
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help="a framework parameter you train with (num_class=3, base_score=0.5); repeatable",
    )
    g.add_argument("--weight", help="a column of sample weights (not a feature): the weights you train with")
    g.add_argument("--init-score", help="the start you give the framework (K numbers with commas)")
    g.add_argument("--outputs", type=int, help="K, the margin columns (default: num_class / num_target)")
    g.add_argument("--link", choices=["identity", "log", "logit", "softmax"], help="default: from the labels")
    g.add_argument("--loss", help="your loss function, loss(y_true, raw) -> per-row values (module:function)")
    g.add_argument("--rounds", type=int, default=10, help="rounds of the short real training (0: none)")
    d = sub.add_parser("logcosh-demo", help="the second-order problems of log-cosh, and their fixes")
    d.add_argument("--out", help="directory for the figures and results")
    d.add_argument("--rounds", type=int, default=200)
    return parser


def _fill(text, indent=""):
    return textwrap.fill(text, 80, initial_indent=indent, subsequent_indent=indent + "  ")


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


def _check_args(args):
    if args.cv < 2:
        raise UsageError(f"--cv {args.cv} is not valid: at least 2 folds")
    if args.repeats is not None and not 1 <= args.repeats <= 100:
        raise UsageError(f"--repeats {args.repeats} is not valid: an integer from 1 to 100")
    if args.n_estimators < 1:
        raise UsageError(f"--n-estimators {args.n_estimators} is not valid: at least 1")
    if args.early_stopping_rounds < 1:
        raise UsageError(f"--early-stopping-rounds {args.early_stopping_rounds} is not valid: at least 1")
    if not (np.isfinite(args.learning_rate) and 0 < args.learning_rate <= 1):
        raise UsageError(f"--learning-rate {args.learning_rate} is not valid: a number in (0, 1]")
    if not 0 <= args.seed < 2**31:
        raise UsageError(f"--seed {args.seed} is not valid: an integer from 0 to 2**31 - 1")
    if args.losses is not None and not any(t.strip(" ,") for t in args.losses):
        raise UsageError(
            f"--losses {' '.join(args.losses)!r} names no loss; valid losses: {', '.join(LOSSES)}"
        )


def run_compare(args) -> int:
    _check_args(args)
    out_dir = _check_out_dir(args.out) if args.out else None
    name = args.data or "wage"
    if name in datasets.DATASETS and not Path(name).exists():
        source, target, _ = datasets.DATASETS[name]
        table = read_table(
            datasets.path(name), args.target or target, args.task, cv=args.cv, positive=args.positive
        )
        title = f"bundled dataset {name!r}"
    else:
        table = read_table(Path(name), args.target, args.task, cv=args.cv, positive=args.positive)
        title = name
    X, y, task = table.X, table.y, table.task
    if args.cv > X.shape[0]:
        raise UsageError(f"--cv {args.cv} is not valid: more folds than the {X.shape[0]} rows")
    specs = parse_losses(args.losses or [DEFAULT_LOSSES[task]], task)
    grid = parse_grid(args.grid)
    if grid is not None and not any(grid[0] in LOSSES[n][2] for n, _ in specs):
        raise UsageError(f"--grid {grid[0]!r} is a parameter of none of the losses given")
    backends = ["xgboost", "lightgbm"] if args.backend == "both" else [args.backend]
    repeats = args.repeats if args.repeats is not None else default_repeats(X.shape[0])
    n_folds = args.cv * repeats
    print(_fill(f"gbobjectives compare: task {task} ({table.reason})"))
    folds = f"{args.cv}-fold CV" + (f" x {repeats} repeats" if repeats > 1 else "")
    setup = f"{title}, {X.shape[0]} rows x {X.shape[1]} feature{'s' * (X.shape[1] != 1)}, {folds}"
    print(_fill(setup, "  "))
    for note in table.notes:
        print(_fill(note, "  "))
    sys.stdout.flush()
    from rich.console import Console

    from .compare.progress import Progress

    err = Console(stderr=True)
    bar = None if args.quiet else Progress(0, console=err)
    say = None if args.quiet else (lambda text: err.print(text, markup=False, highlight=False))
    try:
        result = compare(
            X,
            y,
            task,
            loss_specs=specs,
            backends=backends,
            cv=args.cv,
            repeats=repeats,
            grid=grid,
            n_estimators=args.n_estimators,
            early_stopping_rounds=args.early_stopping_rounds,
            learning_rate=args.learning_rate,
            seed=args.seed,
            positive=table.positive,
            progress=bar,
            say=say,
        )
    finally:
        if bar is not None:
            bar.close()
    rows = result.rows
    print_table(rows, task)
    judge = "MAE" if task == "regression" else "PR-AUC"
    protocol = (
        f"Every row: the same {n_folds} folds; its rounds (at most {args.n_estimators}) chosen by "
        f"early stopping ({args.early_stopping_rounds} rounds' patience) on {INNER_FRACTION:.0%} of "
        f"each training fold by {judge}"
        + (" (quantile rows: their pinball loss)" if any(n == "quantile" for n, _ in specs) else "")
        + f"; learning rate {args.learning_rate}."
    )
    for line in settings_lines(result.settings, protocol):
        print(_fill(line))
    if task == "regression" and np.any(y == 0):
        zeros = int(np.sum(y == 0))
        print(
            _fill(
                f"note: MAPE leaves out the {zeros} rows ({zeros / len(y):.0%}) whose target is 0, "
                "where it is undefined; SMAPE counts them"
            )
        )
    if grid is not None:
        for (loss, backend), r in best_rows([r for r in rows if r["grid"]], task).items():
            m = PRIMARY[task][0]
            print(_fill(f"best {r['grid']} for {loss} [{backend}] by {m}: {r[m]:.4g}"))
    print(verdict(rows, task, result.test_over_train, n_folds))
    if args.out:
        written = write_outputs(out_dir, result, task, title, n_folds)
        print(_fill(f"wrote {', '.join(written)} to {args.out}"))
    return 0


def best_rows(rows, task):
    """Per loss name, the grid value with the best primary metric."""
    metric, higher = PRIMARY[task]
    best = {}
    for r in rows:
        key = (r["loss"].split(":")[0] if r["grid"] else r["loss"], r["backend"])
        if key not in best or (r[metric] > best[key][metric]) == higher and r[metric] != best[key][metric]:
            best[key] = r
    return best


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] not in ("compare", "diagnose", "logcosh-demo", "-h", "--help", "--version"):
        argv = ["compare", *argv]
    args = _parser().parse_args(argv)
    try:
        if args.command == "diagnose":
            from .diagnosis.command import run_diagnose

            return run_diagnose(args)
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
