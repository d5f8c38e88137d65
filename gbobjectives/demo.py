"""The second-order demonstration: why log-cosh (and, milder, pseudo-Huber) misbehave in
Newton boosting, and what fixes them. Run ``gbobjectives logcosh-demo [--out DIR]``.

Newton boosting sets each leaf to -G / (H + lambda) (G, H: sums of grad and hess over the
leaf) and scores splits by G^2 / (H + lambda). Log-cosh's gradient tanh(r) saturates at +-1
while its hessian sech^2(r) ~ 4 exp(-2|r|) vanishes: once residuals are a few units, H is 0
to machine precision. XGBoost (lambda = 1, min_child_weight = 1) then refuses every split
and sets leaves to -G/lambda; LightGBM (lambda_l2 = 0) divides by ~0 and its leaves explode.
Pseudo-Huber's Newton step g/h = r (1 + r^2/delta^2) overshoots the residual by 1 + r^2/delta^2.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from . import datasets
from .losses import Huber, LogCosh, PseudoHuber, SquaredError


def _mae(y_true, y_pred, sample_weight=None):
    return float(np.average(np.abs(y_true - y_pred), weights=sample_weight))


def configurations():
    """(label, loss, start, xgboost extra params, lightgbm extra params).

    The second-order problem belongs to the unit-scale log-cosh, log(cosh(r)), whose
    curvature is fixed in target units: ``LogCosh(scale=1.0)``. The last rows show the
    default, whose scale follows the residuals (a quantile of |r| each round, floored at
    half that quantile of |y - median(y)|).
    """
    exact = LogCosh(scale=1.0, hessian="exact", min_hessian=1e-30)  # in effect unfloored
    return [
        ("squared error (reference)", SquaredError(), "init", {}, {}),
        ("log-cosh(s=1) exact, start 0", exact, "zero", {}, {}),
        ("log-cosh(s=1) exact, start init_score", exact, "init", {}, {}),
        ("log-cosh(s=1) exact + floor 1e-2", LogCosh(1.0, hessian="exact", min_hessian=1e-2), "init", {}, {}),
        (
            "log-cosh(s=1) exact + regularisation",
            exact,
            "init",
            {},
            {"lambda_l2": 1.0, "min_sum_hessian_in_leaf": 1.0},
        ),
        ("log-cosh(s=1) irls, start 0", LogCosh(1.0), "zero", {}, {}),
        ("log-cosh(s=1) irls", LogCosh(1.0), "init", {}, {}),
        ("log-cosh(s=data) exact, start 0", LogCosh(hessian="exact", min_hessian=1e-30), "zero", {}, {}),
        ("log-cosh(s=data) exact", LogCosh(hessian="exact", min_hessian=1e-30), "init", {}, {}),
        ("log-cosh(s=data) irls (default)", LogCosh(), "init", {}, {}),
        ("pseudo-Huber(1) exact", PseudoHuber(1.0, hessian="exact"), "init", {}, {}),
        ("pseudo-Huber(1) irls", PseudoHuber(1.0), "init", {}, {}),
        ("pseudo-Huber(data) irls (default)", PseudoHuber(), "init", {}, {}),
        ("Huber(data) irls (default)", Huber(), "init", {}, {}),
    ]


def train_xgboost(loss, start, X, y, Xt, yt, rounds, extra):
    import xgboost as xgb

    from .adapters import xgboost as gbx

    params = gbx.params(loss, y, **extra)
    if start == "zero":
        params["base_score"] = 0.0
    hist = {}
    metric = gbx.custom_metric(_mae, loss, name="mae")
    booster = xgb.train(
        params,
        xgb.DMatrix(X, label=y),
        rounds,
        obj=loss,
        evals=[(xgb.DMatrix(Xt, label=yt), "test")],
        custom_metric=metric,
        evals_result=hist,
        verbose_eval=False,
    )
    pred = booster.predict(xgb.DMatrix(Xt), output_margin=True)
    return pred, hist["test"]["mae"]


def train_lightgbm(loss, start, X, y, Xt, yt, rounds, extra):
    import lightgbm as lgb

    from .adapters import lightgbm as gbl

    init = loss.init_score(y) if start == "init" else 0.0
    hist = {}
    booster = lgb.train(
        {"objective": loss, "verbose": -1, "metric": "None", **extra},
        lgb.Dataset(X, y, init_score=gbl.init_score_rows(init, len(y))),
        rounds,
        valid_sets=[lgb.Dataset(Xt, yt, init_score=gbl.init_score_rows(init, len(yt)))],
        feval=gbl.feval(_mae, loss, name="mae"),
        callbacks=[lgb.record_evaluation(hist)],
    )
    gbl.bake_init_score(booster, init)
    pred = booster.predict(Xt, raw_score=True)
    return pred, hist["valid_0"]["mae"]


def run(rounds=200, seed=0, dataset="wage"):
    """Train every configuration in both frameworks; rows of results and test-MAE curves."""
    X, y, _ = datasets.load(dataset)
    order = np.random.default_rng(seed).permutation(len(y))
    cut = int(0.7 * len(y))
    tr, te = order[:cut], order[cut:]
    rows, curves = [], {}
    for label, loss, start, xgb_extra, lgb_extra in configurations():
        for framework, trainer, extra in (
            ("xgboost", train_xgboost, xgb_extra),
            ("lightgbm", train_lightgbm, lgb_extra),
        ):
            t0 = time.perf_counter()
            pred, curve = trainer(loss, start, X[tr], y[tr], X[te], y[te], rounds, extra)
            seconds = time.perf_counter() - t0
            finite = np.all(np.isfinite(pred))
            rows.append(
                {
                    "configuration": label,
                    "framework": framework,
                    "test_MAE": _mae(y[te], pred) if finite else float("inf"),
                    "max_abs_prediction": float(np.max(np.abs(pred))),
                    "trees": len(curve),
                    "seconds": seconds,
                }
            )
            curves[(label, framework)] = curve
    return rows, curves, float(np.mean(np.abs(y[te] - np.median(y[tr]))))


def newton_overshoot(residuals=(0.5, 1, 2, 5, 10), delta=1.0):
    """Pseudo-Huber's Newton step g/h divided by the residual r: 1 + r^2/delta^2."""
    out = []
    for r in residuals:
        loss = PseudoHuber(delta, hessian="exact")
        g, h = loss.gradient_hessian(np.zeros(1), np.array([float(r)]))
        out.append((r, float(g[0] / h[0] / r)))
    return out


def derivative_table(residuals=(0.0, 1.0, 3.0, 10.0, 30.0)):
    """grad and hess of log-cosh, Huber(1) and pseudo-Huber(1) at a few residuals."""
    losses = {
        "log-cosh": LogCosh(1.0, hessian="exact", min_hessian=1e-300),
        "Huber(1)": Huber(1.0, hessian="exact", min_hessian=1e-300),
        "pseudo-Huber(1)": PseudoHuber(1.0, hessian="exact", min_hessian=1e-300),
    }
    r = np.asarray(residuals, dtype=float)
    return {name: loss.gradient_hessian(np.zeros_like(r), r) for name, loss in losses.items()}, r


def plot(out_dir: Path, rows, curves):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = np.linspace(-6, 6, 601)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for name, loss in (
        ("log-cosh", LogCosh(1.0, hessian="exact", min_hessian=1e-300)),
        ("Huber(1)", Huber(1.0, hessian="exact", min_hessian=1e-300)),
        ("pseudo-Huber(1)", PseudoHuber(1.0, hessian="exact", min_hessian=1e-300)),
    ):
        g, h = loss.gradient_hessian(np.zeros_like(r), r)
        axes[0].plot(r, g, label=name)
        axes[1].plot(r, h, label=name)
    irls_g, irls_h = LogCosh(1.0).gradient_hessian(np.zeros_like(r), r)
    axes[1].plot(r, irls_h, "--", label="log-cosh irls: tanh(r)/r")
    axes[0].set_title("gradient")
    axes[1].set_title("hessian (exact; dashed: the irls surrogate)")
    for ax in axes:
        ax.set_xlabel("residual r = raw - y")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out_dir / "derivatives.png", dpi=100)
    plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(14, 5), sharey=True)
    labels = list(dict.fromkeys(label for label, _ in curves))
    colours = plt.cm.tab20(np.linspace(0, 1, 20))  # one colour per configuration (up to 20)
    for ax, framework in zip(axes, ("xgboost", "lightgbm")):
        for (label, fw), curve in curves.items():
            if fw == framework:
                c = np.minimum(np.asarray(curve, dtype=float), 1e4)
                i = labels.index(label)
                style = "--" if "s=1" in label or "(1)" in label else "-"
                ax.plot(np.arange(1, len(c) + 1), c, style, color=colours[i % 20], label=label)
        ax.set_yscale("log")
        ax.set_title(f"{framework}: test MAE per round, bundled wage data")
        ax.set_xlabel("boosting round")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("test MAE, log scale (capped at 1e4)")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="center right", fontsize=8, title="dashed: unit scale")
    fig.tight_layout(rect=(0, 0, 0.8, 1))
    fig.savefig(out_dir / "training_curves.png", dpi=100)
    plt.close(fig)
    return ["derivatives.png", "training_curves.png"]


def run_logcosh_demo(args) -> int:
    rounds = getattr(args, "rounds", 200)
    out = getattr(args, "out", None)
    print(__doc__.split("\n\n", 1)[1].strip())
    derivs, r = derivative_table()
    print("\nGradient and exact hessian at residual r:")
    print(f"{'loss':18s}" + "".join(f"  r={v:<10g}" for v in r))
    for name, (g, h) in derivs.items():
        print(f"{name + ' grad':18s}" + "".join(f"  {v:<12.4g}" for v in g))
        print(f"{name + ' hess':18s}" + "".join(f"  {v:<12.4g}" for v in h))
    print("\nPseudo-Huber(delta=1): Newton step / residual = 1 + r^2/delta^2")
    print("  " + ", ".join(f"r={r:g}: {f:.1f}x" for r, f in newton_overshoot()))
    rows, curves, const_mae = run(rounds=rounds)
    print(
        f"\nBundled 'wage' data (target 20-318), 70/30 split, {rounds} rounds, default framework "
        f"parameters unless stated; constant (median) prediction: test MAE {const_mae:.2f}"
    )
    width = max(len(r["configuration"]) for r in rows)
    head = f"{'test MAE':>10s}  {'max |pred|':>11s}  {'rounds':>6s}"
    print(f"{'configuration':{width}s}  {'framework':9s}  {head}")
    for row in rows:
        print(
            f"{row['configuration']:{width}s}  {row['framework']:9s}  {row['test_MAE']:10.4g}  "
            f"{row['max_abs_prediction']:11.4g}  {row['trees']:6d}"
        )
    if out:
        out_dir = Path(out)
        out_dir.mkdir(parents=True, exist_ok=True)
        try:
            written = plot(out_dir, rows, curves)
            print(f"wrote {', '.join(written)} to {out_dir}")
        except ImportError:
            print(
                "note: matplotlib is not installed, so no plots were written "
                "(pip install 'gbobjectives[notebooks]')",
                file=sys.stderr,
            )
    return 0
