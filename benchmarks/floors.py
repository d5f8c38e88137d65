"""XGBoost's own floor for a custom objective, and peak memory against the built-ins.

- **Objective share over XGBoost's floor**: a training with the custom objective against the
  same training fed the gradients it recorded, replayed from memory (no Python math per
  round: what is left is XGBoost's own custom-objective path). The ratio minus one is the
  objective's share. Targets: <= 3% for pseudo-Huber and focal(gamma=2), 1e6 rows.
- **Peak memory**: the peak RSS of one training in a child process of its own (custom
  objective, built-in objective), 2e6 rows x 20 features, both frameworks. Target: the
  custom run within 10% of the built-in's.

Run: ``python benchmarks/floors.py`` (about 3 minutes on 2 cores); ``--quick`` for a smoke
test. Writes its section at the end of benchmarks/RESULTS.md, after the marker below.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from _report import emit  # beside this script
from run import _median_times

HERE = Path(__file__).resolve().parent
MARK = "<!-- written by benchmarks/floors.py -->"
# the reading of the run in RESULTS.md (its numbers are that run's)
NOTES = """Reading (the machine drifts by 10-20% between runs):

- pseudo-Huber: +0.6% over XGBoost's own custom path in this run (met; target 3%; -7.0%,
  +2.0% and +9.9% in the runs before, same kernel: the share is within this machine's
  noise). The objective call is ~1-3 ms per round at 1e6 rows, its loop ~1 ms
  (benchmarks/run.py), the rest reading the labels and weights afresh from the DMatrix every
  call (`get_label` ~0.8 ms; kept: it is what follows `set_label`) and two new output arrays.
- focal(gamma=2): +15.0% (NOT met; target 3%; +10.1% and +8.0% in earlier runs, +43% with
  libm's exp): 0.38 s over 50 rounds, ~7.6 ms per round at 1e6 rows, against the kernel's
  ~4.4 ns per row (benchmarks/run.py); this run's replayed rounds took ~51 ms, so the
  machine was slow and noisy. 3% of such a round is ~1.5 ns per row, less than one
  vectorised exp and one division cost in a bare loop (2.0 ns per element,
  benchmarks/bounds.py), and the focal terms need an exp, a log1p and two divisions. Not
  reachable in float64 on this machine; float32 arithmetic might halve the kernel, still
  above 1.5 ns.
- Peak memory (NOT met; target 1.10): custom over built-in 1.15 (XGBoost) and 1.22
  (LightGBM) at 2e6 rows (the same in the run before); over the frameworks' own custom path
  (replayed, which loads no numba) 1.09 and 1.13. The difference is a nearly fixed
  ~100 MiB, numba's runtime, measured in a fresh process: importing numba +51 MiB, the first
  call of a cached loop +50 MiB (its LLVM JIT engine); the per-call arrays are ~30 MiB at
  2e6 rows. The 10% budget at 2e6 x 20 is ~89 MiB (XGBoost) and ~52 MiB (LightGBM): it
  cannot be met with numba's runtime loaded; the plain path (no numba) is one to two orders
  of magnitude slower. The ratio falls with data size.
"""

# The child process of a memory measurement: data, one training, the peak RSS (KiB on Linux).
MEMORY_CHILD = """
import sys, numpy as np
framework, kind, n, p = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])


def peak_mib():
    # VmHWM: this process's own high-water mark (ru_maxrss survives exec, so a child would
    # report its parent's peak)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


rng = np.random.default_rng(0)
X = rng.standard_normal(size=(n, p), dtype=np.float32)  # no float64 copy: the peak is training's
y = X[:, 0] * 3 + X[:, 1] ** 2 + rng.standard_t(2, size=n).astype(np.float32)
import gbobjectives as gb
import xgboost, lightgbm  # both imported in every child: the same baseline
loss = gb.PseudoHuber(1.0)
if kind == "replay":  # the framework's own custom-objective path: one stored pair, every round
    # made with numpy, not the loss: the loss would load numba, whose runtime is what the
    # custom column measures on top of this one (pseudo-Huber irls at raw = 0, delta 1)
    s = np.sqrt(1.0 + y.astype(np.float64) ** 2)
    stored = ((-y / s).astype(np.float32), (1.0 / s).astype(np.float32))
    loss = lambda preds, data: stored  # noqa: E731
base = peak_mib()
if framework == "xgboost":
    import xgboost as xgb
    from gbobjectives.adapters import xgboost as gbx
    d = xgb.DMatrix(X, label=y)
    params = {"max_depth": 6, "tree_method": "hist", "base_score": 0.0}
    if kind == "custom":
        xgb.train({**params, **gbx.params(gb.PseudoHuber(1.0), y)}, d, 20, obj=loss)
    elif kind == "replay":
        xgb.train(params, d, 20, obj=loss)
    else:
        xgb.train({**params, "objective": "reg:pseudohubererror"}, d, 20)
else:
    import lightgbm as lgb
    ds = lgb.Dataset(X, y)
    params = {"verbose": -1, "max_depth": 6}
    if kind != "builtin":
        lgb.train({**params, "objective": loss}, ds, 20)
    else:
        lgb.train({**params, "objective": "huber"}, ds, 20)
print(base, peak_mib())
"""


def xgboost_floor(n: int, p: int, rounds: int, repeats: int):
    import xgboost as xgb

    import gbobjectives as gb
    from gbobjectives.adapters import xgboost as gbx

    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, p)).astype(np.float32)
    y = (X[:, 0] * 3 + X[:, 1] ** 2 + rng.standard_t(2, size=n)).astype(np.float32)
    yb = (X[:, 0] + rng.normal(size=n) > 1.0).astype(np.float32)
    common = {"max_depth": 6, "tree_method": "hist", "nthread": os.cpu_count()}
    rows = []
    for name, loss, label in (
        ("pseudo-Huber(1)", gb.PseudoHuber(1.0), y),
        ("focal(gamma=2)", gb.BinaryFocal(2.0), yb),
    ):
        t = _custom_and_replayed(xgb, X, label, loss, {**common, **gbx.params(loss, label)}, rounds, repeats)
        share = t["custom"] / t["replay"] - 1
        rows.append(
            f"| {name} | {t['custom']:.2f} | {t['replay']:.2f} | {t['custom'] / t['replay']:.3f} | "
            f"{share:+.1%} | {'yes' if share <= 0.03 else 'no'} |"
        )
    return rows


def _custom_and_replayed(xgb, X, label, loss, params, rounds, repeats):
    d = xgb.DMatrix(X, label=label)
    stored = []

    def record(preds, dmat):
        g, h = loss(preds, dmat)
        stored.append((g.copy(), h.copy()))
        return g, h

    xgb.train(params, d, rounds, obj=record)

    def run_replay():
        step = iter(stored)
        xgb.train(params, d, rounds, obj=lambda preds, dmat: next(step))

    return _median_times(
        {"custom": lambda: xgb.train(params, d, rounds, obj=loss), "replay": run_replay}, repeats
    )


def peak_memory(n: int, p: int):
    rows = []
    for framework in ("xgboost", "lightgbm"):
        peak = {}
        for kind in ("builtin", "replay", "custom"):
            out = subprocess.run(
                [sys.executable, "-c", MEMORY_CHILD, framework, kind, str(n), str(p)],
                capture_output=True,
                text=True,
                check=True,
            )
            base, top = (float(v) for v in out.stdout.split()[-2:])
            peak[kind] = (base, top)
        ratio = peak["custom"][1] / peak["builtin"][1]
        rows.append(
            f"| {framework} | {peak['builtin'][1]:.0f} | {peak['replay'][1]:.0f} | "
            f"{peak['custom'][1]:.0f} | {ratio:.3f} | {peak['custom'][1] / peak['replay'][1]:.3f} | "
            f"{peak['builtin'][0]:.0f} | {'yes' if ratio <= 1.10 else 'no'} |"
        )
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    n, rounds, repeats, n_mem = (20_000, 5, 2, 50_000) if args.quick else (1_000_000, 50, 3, 2_000_000)
    command = "python benchmarks/floors.py" + (" --quick" if args.quick else "")
    lines = [
        MARK,
        "## XGBoost's floor and peak memory",
        "",
        f"Command: `{command}`  ",
        f"Objective share: {n:,} rows x 20 features, {rounds} rounds, max_depth 6, hist, "
        f"{os.cpu_count()} threads; medians of {repeats} interleaved runs. Replayed: the same "
        "training fed the gradients the custom run recorded (no Python math per round).",
        "",
        "| objective | custom s | replayed s | custom / replayed | objective's share | <= 3% |",
        "|---|---|---|---|---|---|",
        *xgboost_floor(n, 20, rounds, repeats),
        "",
        f"Peak RSS (MiB) of one training (20 rounds, max_depth 6) in a child process of its own, "
        f"{n_mem:,} rows x 20 float32 features; custom `PseudoHuber(1.0)` against the "
        "built-in pseudo-Huber (XGBoost) / huber (LightGBM). Replayed: one stored gradient pair "
        "returned every round, the framework's own custom-objective path.",
        "",
        "| framework | built-in MiB | replayed MiB | custom MiB | custom / built-in | custom / replayed "
        "| before training MiB | <= 1.10 |",
        "|---|---|---|---|---|---|---|---|",
        *peak_memory(n_mem, 20),
        "",
        NOTES,
    ]
    emit(lines, MARK, args.out, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
