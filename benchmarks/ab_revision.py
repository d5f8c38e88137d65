"""End-to-end training time of this tree's objectives against those of another git revision,
side by side in one process (interleaved repeats), with the built-in objective as yardstick.

    python benchmarks/ab_revision.py REV [--rows 1000000] [--rounds 50] [--repeats 3]

REV's ``gbobjectives/`` is extracted into a temporary folder under another package name
(its imports are relative), so both versions train on the same DMatrix / Dataset in turn.
On a shared machine the absolute times drift between runs; the ratios within one run are
what to read.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def load_revision(rev: str):
    """REV's gbobjectives as the package ``gbobjectives_rev``."""
    blob = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "gbobjectives"], capture_output=True, check=True
    ).stdout
    tmp = Path(tempfile.mkdtemp(prefix="gbobjectives_ab_"))
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        tar.extractall(tmp, filter="data")
    (tmp / "gbobjectives").rename(tmp / "gbobjectives_rev")
    sys.path.insert(0, str(tmp))
    return importlib.import_module("gbobjectives_rev")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    import lightgbm as lgb
    import xgboost as xgb

    import gbobjectives as new

    old = load_revision(args.rev)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(args.rows, args.features)).astype(np.float32)
    y = X[:, 0] + np.sin(X[:, 1]) + rng.standard_t(2, size=args.rows)
    yb = (X[:, 0] + rng.normal(size=args.rows) > 1.5).astype(np.float32)
    d_reg, d_bin = xgb.DMatrix(X, label=y), xgb.DMatrix(X, label=yb)
    xp = {"max_depth": 6, "tree_method": "hist", "nthread": os.cpu_count(), "verbosity": 0}
    ds = lgb.Dataset(X, y, free_raw_data=False, params={"verbosity": -1}).construct()
    lp = {"num_leaves": 63, "verbosity": -1, "force_col_wise": True, "num_threads": os.cpu_count()}
    n = args.rounds

    cases = {
        "XGBoost pseudo-Huber (exact)": (
            lambda pkg: xgb.train(
                {**xp, "objective": "reg:squarederror", "base_score": 0.0},
                d_reg,
                n,
                obj=pkg.PseudoHuber(1.0, hessian="exact"),
            ),
            lambda: xgb.train({**xp, "objective": "reg:pseudohubererror", "base_score": 0.0}, d_reg, n),
        ),
        "XGBoost Huber() (the default's delta)": (
            lambda pkg: xgb.train(
                {**xp, "objective": "reg:squarederror", "base_score": 0.0}, d_reg, n, obj=pkg.Huber()
            ),
            lambda: xgb.train({**xp, "objective": "reg:pseudohubererror", "base_score": 0.0}, d_reg, n),
        ),
        "XGBoost focal(gamma=0)": (
            lambda pkg: xgb.train({**xp, "objective": "binary:logistic"}, d_bin, n, obj=pkg.BinaryFocal(0.0)),
            lambda: xgb.train({**xp, "objective": "binary:logistic"}, d_bin, n),
        ),
        "XGBoost focal(gamma=2)": (
            lambda pkg: xgb.train({**xp, "objective": "binary:logistic"}, d_bin, n, obj=pkg.BinaryFocal(2.0)),
            lambda: xgb.train({**xp, "objective": "binary:logistic"}, d_bin, n),
        ),
        "LightGBM Huber (constant hessian)": (
            lambda pkg: lgb.train({**lp, "objective": pkg.Huber(1.0, hessian="constant")}, ds, n),
            lambda: lgb.train({**lp, "objective": "huber", "alpha": 1.0}, ds, n),
        ),
    }
    print(
        f"this tree vs {args.rev}: {args.rows} rows x {args.features}, {n} rounds, medians of {args.repeats}"
    )
    heads = ("new_s", "rev_s", "built", "new/rev", "new/blt", "rev/blt")
    print(f"{'case':36s} " + " ".join(f"{h:>8s}" for h in heads))
    for name, (custom, builtin) in cases.items():
        funcs = {"new": lambda c=custom: c(new), "rev": lambda c=custom: c(old), "builtin": builtin}
        for f in funcs.values():  # compile and warm up
            f()
        times = {k: [] for k in funcs}
        for _ in range(args.repeats):
            for k, f in funcs.items():
                t0 = time.perf_counter()
                f()
                times[k].append(time.perf_counter() - t0)
        t = {k: statistics.median(v) for k, v in times.items()}
        print(
            f"{name:36s} {t['new']:8.2f} {t['rev']:8.2f} {t['builtin']:8.2f} "
            f"{t['new'] / t['rev']:8.3f} {t['new'] / t['builtin']:8.3f} {t['rev'] / t['builtin']:8.3f}"
        )


if __name__ == "__main__":
    main()
