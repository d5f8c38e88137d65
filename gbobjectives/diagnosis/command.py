"""``gbobjectives diagnose module:function data.csv --target y``: the command's steps.

Imports the user's function by its dotted name (``package.module:function``, or a file
``path/to/file.py:function``; the working directory is importable, as with ``python -m``),
reads the table with ``compare``'s reader (the same rules for CSV from Excel or R), runs
``diagnose`` and prints one line per finding. Exit status: 1 when a finding is an error,
0 otherwise, 2 on bad input.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np

from ..compare import UsageError


def load_function(spec: str, what: str = "objective"):
    """The callable named by ``module:function`` (or ``module.function``, or ``file.py:function``)."""
    if ":" in spec:
        module_name, _, attr = spec.rpartition(":")
    elif "." in spec:
        module_name, _, attr = spec.rpartition(".")
    else:
        raise UsageError(f"{what} {spec!r} is not valid: give module:function (e.g. my_losses:huber_obj)")
    if not module_name or not attr:
        raise UsageError(f"{what} {spec!r} is not valid: give module:function (e.g. my_losses:huber_obj)")
    try:
        if module_name.endswith(".py"):
            path = Path(module_name)
            if not path.is_file():
                raise UsageError(f"{what} {spec!r}: no file {module_name}")
            loader_spec = importlib.util.spec_from_file_location(path.stem, path)
            module = importlib.util.module_from_spec(loader_spec)
            loader_spec.loader.exec_module(module)
        else:
            if "" not in sys.path and str(Path.cwd()) not in sys.path:
                sys.path.insert(0, str(Path.cwd()))
            module = importlib.import_module(module_name)
    except UsageError:
        raise
    except ImportError as err:
        raise UsageError(f"{what} {spec!r}: cannot import {module_name!r} ({err})") from None
    except Exception as err:  # the user's module failed while importing
        raise UsageError(
            f"{what} {spec!r}: importing {module_name!r} raised {type(err).__name__}: {err}"
        ) from None
    func = getattr(module, attr, None)
    if func is None:
        raise UsageError(f"{what} {spec!r}: {module_name!r} has no {attr!r}")
    if not callable(func):
        raise UsageError(f"{what} {spec!r}: {attr!r} is a {type(func).__name__}, not a function")
    return func


def parse_params(items) -> dict:
    """``--param name=value`` pairs; values read as JSON where they are (numbers, lists, true)."""
    out = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param {item!r} is not valid: give name=value (e.g. num_class=3)")
        try:
            out[name.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[name.strip()] = value
    return out


def read_labels(path, target, weight=None):
    """(X, y, sample_weight, notes): a numeric target as it is, a text one encoded as 0..K-1
    (said); the ``weight`` column's values, or None."""
    from ..compare.tables import read_table

    path = Path(path)
    try:
        table = read_table(path, target, "regression", weight=weight)
        return table.X, np.asarray(table.y, dtype=np.float64), table.sample_weight, table.notes
    except UsageError as err:
        if "needs a numeric target" not in str(err):
            raise
    table = read_table(path, target, None, weight=weight)
    labels, y = np.unique(np.asarray(table.y, dtype=str), return_inverse=True)
    shown = ", ".join(f"{str(v)!r}={i}" for i, v in enumerate(labels[:6])) + (
        ", ..." if len(labels) > 6 else ""
    )
    notes = [*table.notes, f"target {target!r} holds text: encoded as {shown} (classes as 0..K-1)"]
    return table.X, y.astype(np.float64), table.sample_weight, notes


def run_diagnose(args) -> int:
    from . import diagnose

    if args.rounds < 0:
        raise UsageError(f"--rounds {args.rounds} is not valid: an integer >= 0")
    objective = load_function(args.objective)
    loss = load_function(args.loss, "--loss") if args.loss else None
    params = parse_params(args.param)
    X, y, sample_weight, notes = read_labels(args.data, args.target, args.weight)
    init = None
    if args.init_score is not None:
        try:
            init = [float(v) for v in args.init_score.split(",")]
        except ValueError:
            raise UsageError(
                f"--init-score {args.init_score!r} is not valid: a number, or K numbers with commas"
            ) from None
        init = init[0] if len(init) == 1 else init
    try:
        report = diagnose(
            objective, X, y, sample_weight=sample_weight, framework=args.framework, params=params,
            rounds=args.rounds, link=args.link, loss=loss, init_score=init, n_outputs=args.outputs,
        )  # fmt: skip
    except ValueError as err:
        raise UsageError(str(err)) from None
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    print(report)
    return 1 if report.errors else 0
