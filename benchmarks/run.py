"""Benchmarks of gbobjectives: kernel throughput against the memory-bandwidth floor, and
end-to-end training time of custom objectives against the frameworks' built-ins.

    python benchmarks/run.py            # full size (1e6 rows x 20, 50 rounds): a few minutes
    python benchmarks/run.py --quick    # a smoke test (CI runs it): seconds

Every figure is a median of interleaved repeats (A B A B ...), reported as a ratio to its
baseline measured in the same run. Results go to stdout and to benchmarks/RESULTS.md (full
mode) or --out. The peer comparison needs imbalance-xgboost, installed only for this
(``pip install --no-deps imbalance-xgboost``); without it that row says so.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
NOTES = """
## Targets not met, and why

- **Kernels against the floor** (targets: Huber, pseudo-Huber, quantile <= 1.5x; log-cosh
  <= 4x; binary focal, softmax focal K=10 <= 8x). Every formula is written once
  (`gbobjectives/pointwise.py`), in float64, run by numba and by Python alike; the
  exponentials are the package's `exp_nonpos`, which the loops vectorise. The ratio is the
  best of 41 interleaved repeats (the medians' ratio is the last column: noise slows the
  memory-bound floor most, so medians flatter the kernels). The floor itself moves between
  runs, 0.22-0.65 ns per element at 1e6 rows in one session: its 16 MB of arrays fit the
  32 MB L3 that this machine shares with its neighbours (the same loop: 0.19 ns at 1e5 rows,
  0.57 at 1e7, from memory), and every ratio moves with it (`python benchmarks/bounds.py`
  measures each kernel's irreducible arithmetic beside the same floor). This run: Huber and
  binary focal met; quantile 1.54 (1.24 by medians; one division per row, its "irls"
  hessian); pseudo-Huber 2.46 (its float64 square root and division cost 0.90 ns per
  element in a bare loop, 1.3x bounds.py's floor of 0.68 ns, 2.4x this run's 0.38; float32
  arithmetic would cost a third, but the formulas are float64, one source for the float64
  public API, the plain path and the frameworks); log-cosh 5.48 (3.78 by medians; one
  exp_nonpos and one division cost 3.0x the floor in a bare loop, the kernel 3.3x, in
  bounds.py's run; 4.21 in this session's run before); softmax focal K=10 25.7x (NOT met,
  and not reachable by a row-at-a-time loop: in bounds.py the other classes' max, K
  exponentials, their sum and log alone cost 8.0x, the true class's focal terms (an exp and
  a log1p per row, not vectorisable across rows) bring it to 14.5x, the K gradients and
  hessians to 19.0x; the cross-entropy through the same loop, the gamma = 0 row, is 24.6x).
  What would go further: rows in blocks, the per-row terms vectorised across a block (a
  prototype on a simplified row, 10.9 -> 10.4 ns per element, did not pay for the loop shape
  it needs), or float32 arithmetic where the output is float32.
  Changes this session, each measured in one process: the loops are built with or without
  weights (an unweighted loop had a 1-element weights array in LLVM's run-time overlap
  check, which failed for outputs placed in the 8 MB after it, and then ran scalar: log-cosh
  13.4 against 2.1 ns per element, one output buffer in three in a row); the softmax max by a
  select, not a mispredicted branch (3.8 -> 1.3 ns per element in a bare max loop); Huber,
  like log-cosh, with the hessian mode a constant (1e6 rows: exact 0.54 -> 0.40 ns per row,
  irls 0.54 -> 0.45); focal at gamma 2 with gamma a constant (a bare loop, binary: 6.5x ->
  3.9x of its floor). The
  constant-parameter formulas cost compile time: the first call of the six default kernels
  with no cache took 14.0 and 15.5 s before them (commit 63daf9b^), 25.0 and 25.9 s with
  variants for focal at gamma 0 and 2 (binary and softmax) and for pseudo-Huber, and 20.6
  and 23.1 s once the variants that measured no faster were dropped (softmax at gamma 0
  and 2: 14.0 against 14.3 ns per element, 9.0 against 3.5 s to compile; binary focal at
  gamma 0 and pseudo-Huber: the same speed). What was left, binary focal at gamma 2 (7.3 ->
  12.7 s to compile for 8.2 -> 4.2 ns per row), came from numba inlining the primitives at
  every call site of every formula: with the small primitives (log1p_unit, softplus,
  hypot1, log_cosh) left to LLVM, as exp_nonpos already was, it compiles in 5.0 s and runs
  as fast, and all six default kernels in 10.3 and 11.0 s (warm: 0.6 s, numba's disk
  cache). (The compile-cost line above, 15.2 s, is this run's, whose machine was
  slower throughout: its replayed XGBoost rounds took ~51 ms against ~43 ms before.)
- **XGBoost end to end** (pseudo-Huber target 1.08, focal(gamma=0) 1.12, focal(gamma=2)
  1.25): both focal rows met (1.04 and 1.04; 1.13 and 1.17 in this session's run before).
  pseudo-Huber 1.22 is not: its kernel is ~1 ms of a ~30 ms round at 1e6 rows, and
  benchmarks/floors.py finds the objective's share over XGBoost's own custom-objective path
  within the noise (+0.6% in this session's last run, -7% in the one before); the rest of
  the gap is that path (a margin prediction each round, the gradient copy), which replaying
  stored gradients cannot avoid either, plus run-to-run noise (pseudo-Huber measured 1.07,
  1.11, 1.13, 1.26, 1.17, 1.08, 1.14 and 1.22 in eight runs).
- **LightGBM objective share** (target 1.05 over replayed gradients): 1.15 in this run,
  1.02 in this session's run before, with the same code for this row (`Huber(1.0,
  hessian="constant")`). Its objective call costs ~0.5 ms per round at 1e6 rows (the "call"
  column of the Huber row), against the ~10 ms per round between custom and replayed here:
  the rest is the machine (the same replayed training took 3.01 and 3.30 s in the two runs).
  Not met in this run; met in the one before and in the earlier sessions' runs.
- **Kernel columns**: "kernel" is the loss's loop into buffers it reuses, as the floor's
  (SquaredError's loop: one subtraction) is, both reading the labels as a framework call
  hands them over; "call" is one whole objective call (the default losses' residual scale,
  two new output arrays).
- **XGBoost pseudo-Huber's prediction difference**: the per-row gradients agree with
  XGBoost's float32 formula within one float32 ulp (tests/test_frameworks.py), and after one
  round the models differ by 5e-7. But on this heavy-tailed target the exact hessian's
  Newton steps overshoot (r s^2), the built-in's own predictions swing to +-680 around a
  signal of +-10, and the last-bit differences grow about tenfold every two rounds
  (measured at 2e5 rows: 7.6e-6 after 2 rounds, 0.06 after 10, 1.1e3 after 20). That
  column is the second-order problem the log-cosh demo shows, not a parity defect; the
  default `hessian="irls"` does not overshoot.
- **Machine noise**: the same built-in XGBoost training took 1.44 s in the 0.1.0 run,
  2.4-3.5 s in a later session, 1.1-1.2 s in another and 1.8-2.6 s in this one, on the same
  kind of machine; ratios within one run are what to compare, and they moved by up to 10%
  between runs.
"""


KEEP_MARK = "<!-- written by benchmarks/scale_defaults.py -->"


def _kept_sections(path: Path) -> str:
    """The section other benchmark scripts wrote into the report, kept across re-runs."""
    if not path.exists():
        return ""
    text = path.read_text()
    i = text.find(KEEP_MARK)
    return "" if i < 0 else "\n" + text[i:]


def _interleaved_times(funcs: dict, repeats: int) -> dict:
    """Interleaved timing: each repeat runs every function once, in turn; all the times."""
    times = {k: [] for k in funcs}
    for _ in range(repeats):
        for name, f in funcs.items():
            t0 = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - t0)
    return times


def _median_times(funcs: dict, repeats: int) -> dict:
    return {k: statistics.median(v) for k, v in _interleaved_times(funcs, repeats).items()}


# ---------------------------------------------------------------------------- kernels
def kernel_benchmark(n: int, repeats: int):
    import gbobjectives as gb
    from gbobjectives import _engine
    from gbobjectives._objective import Prepared, grad_hess

    rng = np.random.default_rng(0)
    y_reg = rng.normal(size=n).astype(np.float32)
    raw_reg = (y_reg + 3 * rng.standard_t(2, size=n)).astype(np.float32)  # float32, as XGBoost passes
    y_bin = (rng.random(n) < 0.1).astype(np.float32)
    raw_bin = (3 * rng.normal(size=n)).astype(np.float32)
    k = 10
    n_soft = n // k  # the same number of elements, n_soft * K
    y_soft = rng.integers(0, k, size=n_soft).astype(np.float32)
    raw_soft = (2 * rng.normal(size=(n_soft, k))).astype(np.float32)

    cases = [
        # fixed scales: the kernels themselves against the floor
        ("Huber", gb.Huber(1.0), y_reg, raw_reg, 1.5),
        ("pseudo-Huber", gb.PseudoHuber(1.0, hessian="exact"), y_reg, raw_reg, 1.5),
        ("quantile", gb.Quantile(0.9, scale=1.0), y_reg, raw_reg, 1.5),
        ("log-cosh", gb.LogCosh(scale=1.0), y_reg, raw_reg, 4.0),
        # the defaults: the scale read off the residuals at every call, then the kernel
        ("Huber (default scale)", gb.Huber(), y_reg, raw_reg, None),
        ("quantile (default scale)", gb.Quantile(0.9), y_reg, raw_reg, None),
        ("binary focal", gb.BinaryFocal(gamma=2.0), y_bin, raw_bin, 8.0),
        ("softmax focal K=10", gb.SoftmaxFocal(k, gamma=2.0), y_soft, raw_soft, 8.0),
        # the cross-entropy through the same row loop: what the row structure costs by itself
        ("softmax K=10, gamma=0", gb.SoftmaxFocal(k, gamma=0.0), y_soft, raw_soft, None),
    ]
    g = np.empty(n, dtype=np.float32)
    h = np.empty(n, dtype=np.float32)
    floor_loss = gb.SquaredError()  # its formulas: one subtraction, read 2, write 2

    def floor():
        _engine.grad_hess(floor_loss.formulas, (), raw_reg, y_reg, None, g, h)

    rows = []
    peer = _peer_focal()
    for name, loss, y, raw, target in cases:
        # kernel: the loss's loop into buffers it reuses, as the floor does (labels checked in
        # the pass); call: one objective call as a framework makes it (the residual scale of
        # the defaults, new output arrays)
        grad_hess(loss, y, raw, None, "bench")  # compile (and warm) before timing
        # the labels as the framework call hands them to the loop (float32 here; class labels
        # are validated to integers first)
        yk = y if loss.n_outputs == 1 else Prepared(loss, y, None).y
        fixed = loss._at(yk.astype(np.float64), raw, None)
        gk, hk = np.empty(raw.shape, np.float32), np.empty(raw.shape, np.float32)
        floor()
        funcs = {
            "floor": floor,
            "kernel": lambda f=fixed, y=yk, r=raw, gk=gk, hk=hk: f._grad_hess_into(y, r, None, gk, hk),
            "call": lambda loss=loss, y=y, raw=raw: grad_hess(loss, y, raw, None, "bench"),
        }
        if name == "binary focal" and peer is not None:
            funcs["peer"] = lambda raw=raw, y=y: peer(raw, y)
        times = _interleaved_times(funcs, repeats)
        # the best of the repeats: a loop of ~1 ms on a shared machine is only ever slowed by
        # the noise (other tenants take memory bandwidth and cores), and the floor, itself
        # memory-bound, is slowed the most, so the median's ratio flatters the kernels (in
        # one session: log-cosh 3.4-5.5x by medians of 41 from one run to the next, 5.6-6.1x
        # by the best); the medians' ratio is the last column
        per = {key: min(v) / n * 1e9 for key, v in times.items()}  # ns per element
        ratio = per["kernel"] / per["floor"]
        row = {
            "kernel": name,
            "floor_ns": per["floor"],
            "kernel_ns": per["kernel"],
            "kernel/floor": ratio,
            "target": "" if target is None else f"<= {target:g}x",
            "met": "" if target is None else ratio <= target,
            "call_ns": per["call"],
            "median ratio": statistics.median(times["kernel"]) / statistics.median(times["floor"]),
        }
        if "peer" in per:
            row["peer_ns"] = per["peer"]
            row["peer/kernel"] = per["peer"] / per["kernel"]
        rows.append(row)
    return rows, peer is not None


def _peer_focal():
    """imbalance-xgboost's focal loss (gamma=2), called as XGBoost calls it, or None."""
    try:
        from imxgboost.focal_loss import Focal_Binary_Loss
    except ImportError:
        return None
    focal = Focal_Binary_Loss(gamma_indct=2.0)

    class _DTrain:  # get_label without XGBoost's own copy, so only the peer's math is timed
        def __init__(self, y):
            self.y = y

        def get_label(self):
            return self.y

    return lambda raw, y: focal.focal_binary_object(raw, _DTrain(y))


# ------------------------------------------------------------------------- end to end
def end_to_end_benchmark(n: int, n_features: int, rounds: int, repeats: int):
    import lightgbm as lgb
    import xgboost as xgb

    import gbobjectives as gb
    from gbobjectives.adapters import lightgbm as gbl
    from gbobjectives.adapters import xgboost as gbx

    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, n_features)).astype(np.float32)
    y = (X[:, 0] * 3 + X[:, 1] ** 2 + rng.standard_t(2, size=n)).astype(np.float32)
    yb = (X[:, 0] + rng.normal(size=n) > 1.0).astype(np.float32)
    d_reg = xgb.DMatrix(X, label=y)
    d_bin = xgb.DMatrix(X, label=yb)
    common = {"max_depth": 6, "tree_method": "hist", "nthread": os.cpu_count()}
    rows = []

    def pair(name, custom, builtin, target, check):
        results = {}

        def run_custom():
            results["custom"] = custom()

        def run_builtin():
            results["builtin"] = builtin()

        run_custom(), run_builtin()  # warm-up (numba compile, caches)
        t = _median_times({"custom": run_custom, "builtin": run_builtin}, repeats)
        diff = check(results["custom"], results["builtin"])
        rows.append(
            {
                "comparison": name,
                "custom_s": t["custom"],
                "builtin_s": t["builtin"],
                "ratio": t["custom"] / t["builtin"],
                "target": f"<= {target:g}",
                "met": t["custom"] / t["builtin"] <= target,
                "max abs prediction diff": diff,
            }
        )

    def xgb_check(dmat):
        return lambda a, b: float(
            np.max(np.abs(a.predict(dmat, output_margin=True) - b.predict(dmat, output_margin=True)))
        )

    ph = gb.PseudoHuber(1.0, hessian="exact")
    p_ph = {**common, **gbx.params(ph, y)}
    pair(
        "XGBoost pseudo-Huber vs reg:pseudohubererror",
        lambda: xgb.train(p_ph, d_reg, rounds, obj=ph),
        lambda: xgb.train({**p_ph, "objective": "reg:pseudohubererror", "huber_slope": 1.0}, d_reg, rounds),
        1.08,
        xgb_check(d_reg),
    )
    for gamma, target in ((0.0, 1.12), (2.0, 1.25)):
        focal = gb.BinaryFocal(gamma, min_hessian=1e-16)
        p_f = {**common, **gbx.params(focal, yb)}
        p_b = {**common, **gbx.params(gb.Logistic(), yb)}
        pair(
            f"XGBoost focal(gamma={gamma:g}) vs binary:logistic",
            lambda p_f=p_f, focal=focal: xgb.train(p_f, d_bin, rounds, obj=focal),
            lambda p_b=p_b: xgb.train(p_b, d_bin, rounds),
            target,
            xgb_check(d_bin) if gamma == 0 else (lambda a, b: float("nan")),
        )

    # LightGBM: the custom path's own floor (replaying stored gradients, no Python math),
    # the Huber objective, and the built-in huber.
    hub = gb.Huber(1.0, hessian="constant")
    mean = float(np.mean(y))
    lgb_params = {"verbose": -1, "num_threads": os.cpu_count(), "force_col_wise": True}
    ds = lgb.Dataset(X, y, init_score=gbl.init_score_rows(mean, n), free_raw_data=False).construct()
    ds_builtin = lgb.Dataset(X, y, free_raw_data=False).construct()
    stored = {}

    def record(preds, data):
        g, h = hub(preds, data)
        stored.setdefault("g", g.copy()), stored.setdefault("h", h.copy())
        return stored["g"], stored["h"]

    lgb.train({**lgb_params, "objective": record}, ds, 1)

    def replay(preds, data):
        return stored["g"], stored["h"]

    t = _median_times(
        {
            "builtin": lambda: lgb.train(
                {**lgb_params, "objective": "huber", "alpha": 1.0}, ds_builtin, rounds
            ),
            "replay": lambda: lgb.train({**lgb_params, "objective": replay}, ds, rounds),
            "custom": lambda: lgb.train({**lgb_params, "objective": hub}, ds, rounds),
        },
        repeats,
    )
    b_custom = lgb.train({**lgb_params, "objective": hub}, ds, rounds)
    gbl.bake_init_score(b_custom, mean)
    b_builtin = lgb.train({**lgb_params, "objective": "huber", "alpha": 1.0}, ds_builtin, rounds)
    diff = float(np.max(np.abs(b_custom.predict(X[:10000]) - b_builtin.predict(X[:10000]))))
    rows.append(
        {
            "comparison": "LightGBM replayed gradients (floor of the custom path) vs built-in huber",
            "custom_s": t["replay"],
            "builtin_s": t["builtin"],
            "ratio": t["replay"] / t["builtin"],
            "target": "(floor)",
            "met": True,
            "max abs prediction diff": float("nan"),
        }
    )
    rows.append(
        {
            "comparison": "LightGBM Huber vs built-in huber",
            "custom_s": t["custom"],
            "builtin_s": t["builtin"],
            "ratio": t["custom"] / t["builtin"],
            "target": "<= 1.25",
            "met": t["custom"] / t["builtin"] <= 1.25,
            "max abs prediction diff": diff,
        }
    )
    rows.append(
        {
            "comparison": "LightGBM Huber vs replayed gradients (the objective's own share)",
            "custom_s": t["custom"],
            "builtin_s": t["replay"],
            "ratio": t["custom"] / t["replay"],
            "target": "<= 1.05",
            "met": t["custom"] / t["replay"] <= 1.05,
            "max abs prediction diff": float("nan"),
        }
    )
    return rows


def renewal_benchmark(rounds: int, repeats: int):
    """Leaf renewal for Quantile on LightGBM, on the bundled wage data (70/30 split)."""
    import lightgbm as lgb

    import gbobjectives as gb
    from gbobjectives import datasets
    from gbobjectives.adapters import lightgbm as gbl

    X, y, _ = datasets.load("wage")
    order = np.random.default_rng(0).permutation(len(y))
    cut = int(0.7 * len(y))
    X, Xt, y, yt = X[order[:cut]], X[order[cut:]], y[order[:cut]], y[order[cut:]]
    params = {"learning_rate": 0.1, "num_threads": os.cpu_count()}
    rows = []
    for alpha in (0.1, 0.5, 0.9):
        loss = gb.Quantile(alpha)
        out = {}
        fits = {
            "plain": lambda loss=loss: gbl.train(loss, X, y, None, params=params, num_boost_round=rounds).raw(
                Xt
            ),
            "renewed": lambda loss=loss: gbl.train(
                loss, X, y, None, params=params, num_boost_round=rounds, renew_leaves=True
            ).raw(Xt),
            "builtin": lambda alpha=alpha: lgb.train(
                {**params, "objective": "quantile", "alpha": alpha, "verbose": -1}, lgb.Dataset(X, y), rounds
            ).predict(Xt),
        }
        funcs = {k: (lambda k=k, f=f, out=out: out.__setitem__(k, f())) for k, f in fits.items()}
        t = _median_times(funcs, repeats)
        row = {"alpha": alpha}
        for k in fits:
            p = out[k]
            row[f"pinball {k}"] = float(np.mean(np.maximum(alpha * (yt - p), (alpha - 1) * (yt - p))))
        for k in fits:
            row[f"coverage {k}"] = float(np.mean(yt <= out[k]))
        row["time renewed/builtin"] = t["renewed"] / t["builtin"]
        row["time renewed/plain"] = t["renewed"] / t["plain"]
        rows.append(row)
    return rows


def compile_cost():
    """First-call cost of the kernels in a fresh process: cold (cache cleared) and warm."""
    import shutil
    import subprocess

    code = (
        "import time, numpy as np; t=time.perf_counter(); import gbobjectives as gb; "
        "from gbobjectives._objective import Prepared, compute; t1=time.perf_counter(); "
        "y=np.zeros(100, np.float32); r=np.ones(100, np.float32)\n"
        "for L in (gb.Huber(), gb.PseudoHuber(), gb.LogCosh(), gb.Quantile(0.5), gb.BinaryFocal()):\n"
        "    compute(L, Prepared(L, y, None), r, 'x')\n"
        "L = gb.SoftmaxFocal(3); y3 = y[:30].astype(int) % 3\n"
        "compute(L, Prepared(L, y3, None), np.ones((30, 3), np.float32), 'x')\n"
        "print(t1 - t, time.perf_counter() - t1)"
    )
    import gbobjectives

    cache = Path(gbobjectives.__file__).parent / "__pycache__"
    for f in cache.glob("_engine*.nbi"):
        f.unlink()
    for f in cache.glob("_engine*.nbc"):
        f.unlink()
    out = {}
    for label in ("cold (no cache)", "warm (cached)"):
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        imp, first = map(float, res.stdout.split())
        out[label] = (imp, first)
    del shutil
    return out


# ------------------------------------------------------------------------------ report
def _fmt(v):
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, float):
        return "n/a" if np.isnan(v) else f"{v:.3g}"
    return str(v)


def table(rows, cols=None):
    cols = cols or list(dict.fromkeys(k for r in rows for k in r))
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    lines += ["| " + " | ".join(_fmt(r.get(c, "")) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test")
    parser.add_argument(
        "--out",
        help="where to write the Markdown report (default: benchmarks/RESULTS.md "
        "in full mode, none in quick mode)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        n_kernel, n_rows, n_features, rounds, repeats = 20_000, 5_000, 10, 5, 3
    else:
        n_kernel, n_rows, n_features, rounds, repeats = 1_000_000, 1_000_000, 20, 50, 5
    import lightgbm
    import numba
    import xgboost

    command = "python benchmarks/run.py" + (" --quick" if args.quick else "")
    header = [
        "# gbobjectives benchmarks",
        "",
        f"Command: `{command}`  ",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.processor() or 'cpu'}; "
        f"Python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}, "
        f"xgboost {xgboost.__version__}, lightgbm {lightgbm.__version__}  ",
        f"Sizes: kernels {n_kernel:,} elements; end to end {n_rows:,} rows x {n_features} features, "
        f"{rounds} rounds; medians of {repeats} interleaved repeats.",
        "",
    ]
    print("\n".join(header))
    k_rows, has_peer = kernel_benchmark(n_kernel, 41 if not args.quick else repeats)
    k_text = table(k_rows)
    print("## Kernels (ns per element; floor = a fused read-2-write-2 pass)\n" + k_text + "\n")
    e_rows = end_to_end_benchmark(n_rows, n_features, rounds, repeats)
    e_text = table(e_rows)
    print("## End to end (seconds per training run)\n" + e_text + "\n")
    r_rows = renewal_benchmark(20 if args.quick else 200, repeats)
    r_text = table(r_rows)
    print("## Leaf renewal, Quantile on LightGBM (bundled wage data, held-out 30%)\n" + r_text + "\n")
    c = compile_cost()
    c_text = "\n".join(
        f"- {k}: import {v[0]:.2f} s, first call of all six kernels {v[1]:.2f} s" for k, v in c.items()
    )
    print("## Compile cost (fresh process)\n" + c_text)
    report = "\n".join(header) + (
        "\n## Kernels (ns per element, best of 41 interleaved repeats; floor = a fused "
        "read-2-write-2 pass over float32)\n\n"
        + k_text
        + ("" if has_peer else "\n\n(imbalance-xgboost not installed: no peer row)")
        + "\n\n## End to end (seconds per training run)\n\n"
        + e_text
        + "\n\n## Leaf renewal, Quantile on LightGBM (bundled wage data, held-out 30%)\n\n"
        + r_text
        + "\n\n## Compile cost of the kernels (a fresh process)\n\n"
        + c_text
        + "\n"
        + NOTES
    )
    out = args.out or (None if args.quick else str(HERE / "RESULTS.md"))
    if out:
        Path(out).write_text(report + _kept_sections(Path(out)))
        print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
