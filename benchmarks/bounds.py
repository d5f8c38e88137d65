"""What the arithmetic of a loss costs by itself: bare loops beside the kernels' floor.

The kernel targets of benchmarks/run.py are ratios to a read-2-write-2 pass (the floor).
Where a kernel misses its target, this script measures the reason: loops that do only the
part of its arithmetic that no rewrite of the formula removes (a float64 square root and a
division for pseudo-Huber; one exp and one division for log-cosh; the stages of a softmax
row), timed side by side with the same floor, best of interleaved repeats. The bare loops
are written here, for the measurement only; the package's formulas are in
gbobjectives/pointwise.py.

Run: ``python benchmarks/bounds.py`` (under a minute); ``--quick`` for a smoke test.
Writes its section of benchmarks/RESULTS.md (after the marker below).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numba
import numpy as np
from _report import emit  # beside this script
from run import _interleaved_times

import gbobjectives as gb
from gbobjectives import _engine
from gbobjectives import pointwise as pw

HERE = Path(__file__).resolve().parent
MARK = "<!-- written by benchmarks/bounds.py -->"
NOTES = """Reading: a bare loop's ratio is a lower bound for any kernel that has to do that
arithmetic in float64 in one pass. The floor itself moves between runs, 0.22-0.65 ns per
element at 1e6 rows in one session: its 16 MB of arrays fit the 32 MB L3 that the machine
shares with its neighbours (the same loop: 0.19 ns at 1e5 rows, 0.57 at 1e7, from memory),
and every ratio moves with it; the compute-bound loops do not.
pseudo-Huber (target 1.5x) costs its float64 square root and division (the bare loop: 0.86
-0.90 ns, 1.3x a 0.65-0.68 ns floor, 2.4x a 0.36 ns one), so it meets its target only when
the floor runs from memory; the same arithmetic in float32 costs a third of it, but the formulas are
float64 (one source for the float64 public API, the plain path and the frameworks).
log-cosh (4x) sits within ~10% of one vectorised exp and one division. A softmax row pays
its stages one after the other: the other classes' max and K exponentials, then the true
class's focal terms (an exp and a log1p per row, which a row-at-a-time loop cannot
vectorise across rows), then the K gradients and hessians; the first stage alone is at or
above the 8x target."""


def _jit(f):
    return numba.njit(error_model="numpy", nogil=True)(f)


def _bare_loops():
    """The bare loops, compiled; pointwise's exp_nonpos made callable from them first."""
    _engine._make_jitable(pw.exp_nonpos)
    exp_nonpos = pw.exp_nonpos
    f64, f32 = np.float64, np.float32

    def subtraction(raw, y, g, h):
        for i in range(raw.shape[0]):
            g[i] = f64(raw[i]) - f64(y[i])
            h[i] = 1.0

    def sqrt_division_f64(raw, y, g, h):
        for i in range(raw.shape[0]):
            r = f64(raw[i]) - f64(y[i])
            inv = 1.0 / math.sqrt(1.0 + r * r)
            g[i] = r * inv
            h[i] = inv * inv * inv

    def sqrt_division_f32(raw, y, g, h):
        one = f32(1.0)
        for i in range(raw.shape[0]):
            r = raw[i] - y[i]
            inv = one / f32(math.sqrt(one + r * r))
            g[i] = r * inv
            h[i] = inv * inv * inv

    def exp_division(raw, y, g, h):
        for i in range(raw.shape[0]):
            a = abs(f64(raw[i]) - f64(y[i]))
            e = exp_nonpos(-2.0 * min(a, 400.0))
            t = (1.0 - e) / ((1.0 + e) * a)
            g[i] = t * a
            h[i] = t

    return {
        "one subtraction (bare)": _jit(subtraction),
        "sqrt and a division, float64": _jit(sqrt_division_f64),
        "sqrt and a division, float32": _jit(sqrt_division_f32),
        "one exp_nonpos and a division": _jit(exp_division),
    }


def _softmax_stages():
    """The package's softmax focal row (gamma = 2) cut after each stage: the same pointwise
    functions, each loop writing what its last stage computed."""
    for f in (pw._other_classes, pw.focal_terms_e):
        _engine._make_jitable(f)
    other_classes, focal_terms_e, u_max = pw._other_classes, pw.focal_terms_e, pw.U_MAX

    def make(stage):
        def loop(raw, y, g, h):
            n, k = raw.shape
            sc, gr, hr = np.empty(k), np.empty(k), np.empty(k)
            gamma, a = 2.0, 1.0
            for i in range(n):
                z, c = raw[i], int(y[i])
                lse_o, s, rest, inv_s, jmax = other_classes(z, c, sc)
                if stage == 0:
                    g[i, 0] = lse_o
                    continue
                u = min(max(float(z[c]) - lse_o, -u_max), u_max)
                log_p, p, q, qg, fp, fpp = focal_terms_e(u, math.exp(-abs(u)), gamma)
                if stage == 1:
                    g[i, 0], h[i, 0] = fp, fpp
                    continue
                for j in range(k):
                    rho = sc[j] * inv_s
                    omr = rest * inv_s if j == jmax else 1.0 - rho
                    gr[j] = -a * fp * rho
                    br = 2.0 * rho * q * (1.0 + log_p) - log_p - (gamma - 1.0) * rho * p * log_p
                    hr[j] = a * qg * (rho * q * (p + q * omr) + gamma * rho * p * br)
                g[i, 0], h[i, 0] = gr[0], hr[0]

        return _jit(loop)

    return {
        "softmax K=10: max, K exps, their sum and log": make(0),
        "softmax K=10: + the true class's focal terms": make(1),
        "softmax K=10: + the K gradients and hessians": make(2),
    }


def measure(n: int, repeats: int):
    rng = np.random.default_rng(0)
    y = rng.normal(size=n).astype(np.float32)
    raw = (y + 3 * rng.standard_t(2, size=n)).astype(np.float32)
    g, h = np.empty(n, np.float32), np.empty(n, np.float32)
    k = 10
    y_soft = rng.integers(0, k, size=n // k).astype(np.float64)
    raw_soft = (2 * rng.normal(size=(n // k, k))).astype(np.float32)
    gs, hs = np.empty(raw_soft.shape, np.float32), np.empty(raw_soft.shape, np.float32)

    def package(loss, yy, rr, gg, hh):
        formulas, params, _ = loss._plan(None, None)
        return lambda: _engine.grad_hess(formulas, params, rr, yy, None, gg, hh)

    floor = gb.SquaredError()
    funcs = {"floor (SquaredError's loop)": package(floor, y, raw, g, h)}
    for name, loop in _bare_loops().items():
        funcs[name] = lambda loop=loop: loop(raw, y, g, h)
    funcs["package: pseudo-Huber, exact"] = package(gb.PseudoHuber(1.0, hessian="exact"), y, raw, g, h)
    funcs["package: log-cosh, irls"] = package(gb.LogCosh(scale=1.0), y, raw, g, h)
    for name, loop in _softmax_stages().items():
        funcs[name] = lambda loop=loop: loop(raw_soft, y_soft, gs, hs)
    funcs["package: softmax focal K=10"] = package(gb.SoftmaxFocal(k, gamma=2.0), y_soft, raw_soft, gs, hs)
    for f in funcs.values():  # compile and warm
        f()
    times = _interleaved_times(funcs, repeats)
    best = {name: min(v) / n * 1e9 for name, v in times.items()}  # ns per element
    fl = best["floor (SquaredError's loop)"]
    return [f"| {name} | {ns:.3g} | {ns / fl:.2f} |" for name, ns in best.items()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    n, repeats = (20_000, 3) if args.quick else (1_000_000, 41)
    command = "python benchmarks/bounds.py" + (" --quick" if args.quick else "")
    lines = [
        MARK,
        "## What the arithmetic costs by itself",
        "",
        f"Command: `{command}`  ",
        f"{n:,} elements (float32 in and out, float64 arithmetic unless named), one thread, best "
        f"of {repeats} interleaved repeats; ratio to the floor measured beside them.",
        "",
        "| loop | ns per element | / floor |",
        "|---|---|---|",
        *measure(n, repeats),
        "",
        NOTES,
    ]
    emit(lines, MARK, args.out, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
