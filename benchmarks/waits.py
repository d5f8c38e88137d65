"""Where users wait: the data-derived scales, quantile with leaf renewal, and the objective's
share of a round against the number of threads, each against its baseline, side by side in
one process (interleaved repeats, best of each).

    python benchmarks/waits.py [--quick] [--out FILE] [--repeats 3] [--only scales,quantile,threads]

- **scales**: ``GBRegressor(Huber())`` (and pseudo-Huber, log-cosh) at their defaults, the
  scale derived from the residuals at every round, against the same loss with that scale
  fixed (``Huber(delta)``), both backends: what the derivation costs end to end;
- **quantile**: ``GBRegressor(Quantile(alpha))`` at its defaults (leaf renewal) against
  each backend's built-in quantile objective with the same parameters; several alphas
  against that many built-in fits;
- **threads**: the objective call of a loss alone (as ``xgboost.train`` makes it) with
  ``threads`` = 1, 2, ... up to the machine's cores, and its share of an XGBoost round at
  ``nthread`` = the same number: runnable unchanged on a larger machine.

Writes its section of benchmarks/RESULTS.md (``--quick``: tiny sizes, nothing written unless
``--out``).
"""

# ruff: noqa: B023 - every closure here is timed within the loop iteration that defines it

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
from _report import emit  # beside this script

MARK = "<!-- written by benchmarks/waits.py -->"


def data(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = 100.0 + 20.0 * X[:, 0] + 10.0 * np.sin(X[:, 1]) + 15.0 * rng.standard_t(3, size=n)
    return X, y


def best_of(fns: dict, repeats: int) -> dict:
    """Each function's best time over ``repeats`` interleaved rounds (one warm-up call each)."""
    for f in fns.values():
        f()
    best = {k: np.inf for k in fns}
    for _ in range(repeats):
        for k, f in fns.items():
            t0 = time.perf_counter()
            f()
            best[k] = min(best[k], time.perf_counter() - t0)
    return best


def scales(sizes, repeats):
    import gbobjectives as gb

    lines = [
        "### Data-derived scales: the default against the same loss with its scale fixed",
        "",
        "| rows x features, rounds | backend | loss | default (s) | fixed (s) | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for n, p, rounds in sizes:
        X, y = data(n, p)
        for backend in ("xgboost", "lightgbm"):
            for name, make in (("Huber", gb.Huber), ("PseudoHuber", gb.PseudoHuber), ("LogCosh", gb.LogCosh)):
                default = make()
                fixed_value = getattr(default.fixed_for(y), default._scale_param)
                fixed = make(fixed_value)
                kw = dict(backend=backend, n_estimators=rounds, random_state=0)
                t = best_of(
                    {
                        "default": lambda: gb.GBRegressor(default, **kw).fit(X, y),
                        "fixed": lambda: gb.GBRegressor(fixed, **kw).fit(X, y),
                    },
                    repeats,
                )
                lines.append(
                    f"| {n:,} x {p}, {rounds} | {backend} | {name} | {t['default']:.3f} | "
                    f"{t['fixed']:.3f} | {t['default'] / t['fixed']:.2f} |"
                )
    return lines


def quantile(sizes, repeats):
    import lightgbm as lgb
    import xgboost as xgb

    import gbobjectives as gb

    lines = [
        "### Quantile at its defaults (leaf renewal) against the built-in quantile objective",
        "",
        "| rows x features, rounds | backend | alphas | gbobjectives (s) | built-in (s) | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for n, p, rounds in sizes:
        X, y = data(n, p)
        for alphas in ([0.9], [0.1, 0.5, 0.9]):
            loss = gb.Quantile(alphas[0] if len(alphas) == 1 else alphas)
            for backend in ("xgboost", "lightgbm"):
                ours = gb.GBRegressor(loss, backend=backend, n_estimators=rounds, random_state=0)
                if backend == "lightgbm":

                    def builtin():
                        for a in alphas:
                            lgb.LGBMRegressor(
                                objective="quantile", alpha=a, n_estimators=rounds, learning_rate=0.1,
                                reg_lambda=1.0, random_state=0, deterministic=True, verbose=-1,
                            ).fit(X, y)  # fmt: skip
                else:

                    def builtin():
                        for a in alphas:
                            xgb.XGBRegressor(  # GBRegressor's learning rate and lambda, not XGBoost's 0.3
                                objective="reg:quantileerror", quantile_alpha=a, n_estimators=rounds,
                                learning_rate=0.1, reg_lambda=1.0, random_state=0,
                            ).fit(X, y)  # fmt: skip

                t = best_of({"ours": lambda: ours.fit(X, y), "builtin": builtin}, repeats)
                lines.append(
                    f"| {n:,} x {p}, {rounds} | {backend} | {alphas} | {t['ours']:.3f} | "
                    f"{t['builtin']:.3f} | {t['ours'] / t['builtin']:.2f} |"
                )
    return lines


def threads(n, rounds, repeats):
    import xgboost as xgb

    import gbobjectives as gb
    from gbobjectives import _objective

    X, y = data(n, 20)
    yb = (y > np.median(y)).astype(float)
    cores = os.cpu_count() or 1
    counts = sorted({1, 2, 4, 8, 16, 32, 64, cores} & set(range(1, cores + 1)))
    lines = [
        "### The objective against the number of threads (XGBoost, depth 6, nthread = threads)",
        "",
        "Per round: XGBoost on recorded gradients (replayed: no Python math), with the",
        "objective serial, and with it threaded (its own decision in each call: a first block",
        "is timed, the rest split only where that pays). Share: (round - replayed) / round.",
        "",
        "| loss | threads | objective call, serial / threaded (ms) | replayed round (ms) "
        "| round, serial objective (ms) | round, threaded (ms) | share serial / threaded |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, loss, labels in (("Huber", gb.Huber(5.0), y), ("BinaryFocal(2)", gb.BinaryFocal(), yb)):
        d = xgb.DMatrix(X, label=labels)
        raw = np.zeros(n, dtype=np.float32)
        g, h = loss(raw, d)
        for k in counts:

            def objective(predt, _d=None, k=k):
                return _objective.grad_hess(loss, labels, predt, None, "xgboost", threads=k)

            def serial(predt, _d=None):
                return _objective.grad_hess(loss, labels, predt, None, "xgboost", threads=1)

            params = {"nthread": k, "max_depth": 6, "verbosity": 0, "tree_method": "hist"}

            def rounds_with(obj):
                def run():
                    booster = xgb.Booster(params, [d])
                    for t in range(rounds):
                        booster.update(d, t, fobj=obj)

                return run

            t = best_of(
                {
                    "call1": lambda: serial(raw),
                    "callk": lambda: objective(raw),
                    "replay": rounds_with(lambda p_, d_: (g, h)),
                    "serial": rounds_with(serial),
                    "threaded": rounds_with(objective),
                },
                repeats,
            )
            per = {key: 1e3 * t[key] / rounds for key in ("replay", "serial", "threaded")}
            lines.append(
                f"| {name} | {k} | {1e3 * t['call1']:.2f} / {1e3 * t['callk']:.2f} | {per['replay']:.1f} "
                f"| {per['serial']:.1f} | {per['threaded']:.1f} | "
                f"{(per['serial'] - per['replay']) / per['serial']:+.1%} / "
                f"{(per['threaded'] - per['replay']) / per['threaded']:+.1%} |"
            )
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", default="scales,quantile,threads")
    args = parser.parse_args()
    parts = args.only.split(",")
    if args.quick:
        sizes, big, rounds, repeats = [(2000, 5, 5)], 20_000, 2, 1
    else:
        sizes, big, rounds, repeats = [(36_000, 9, 100), (1_000_000, 20, 20)], 1_000_000, 10, args.repeats
    lines = [
        MARK,
        "## Where users wait (`python benchmarks/waits.py`)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"best of {repeats} interleaved repeats; ratio = gbobjectives / baseline.",
        "",
    ]
    if "scales" in parts:
        lines += scales(sizes, repeats) + [""]
    if "quantile" in parts:
        lines += quantile(sizes, repeats) + [""]
    if "threads" in parts:
        lines += threads(big, rounds, repeats) + [""]
    emit(lines, MARK, args.out, args.quick)


if __name__ == "__main__":
    main()
