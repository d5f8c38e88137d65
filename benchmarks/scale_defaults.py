"""The losses at their defaults on every bundled regression dataset: cross-validated MAE of
the robust losses against squared error, and pinball loss of Quantile against each backend's
built-in quantile objective, both backends.

    python benchmarks/scale_defaults.py [--cv 5] [--residual-quantiles 0.5,0.7,0.9]

Prints Markdown tables (ratios to squared error / to the built-in, side by side in one run)
and writes them as the last section of benchmarks/RESULTS.md (replacing the previous one;
``benchmarks/run.py`` keeps it when it rewrites the rest).
"""

from __future__ import annotations

import argparse
from pathlib import Path

HERE = Path(__file__).resolve().parent
MARK = "<!-- written by benchmarks/scale_defaults.py -->"
NOTES = """Reading (targets: robust losses within 2% of squared error's MAE at their defaults and
better where the noise is heavy-tailed; custom Quantile on XGBoost within 5% of
`reg:quantileerror`; LightGBM with leaf renewal level with its built-in `quantile`):

- robust losses at `residual_quantile=0.9`: met on `wage`, `engel` and `bikeshare`, both
  backends (at most 1.4% worse, on the light-tailed counts of `bikeshare`; 3-4% better on
  `wage`). NOT met on `grunfeld` with XGBoost: 9.9-10.9% worse. There the large residuals
  are signal, not noise (the big firms' investment: `firm` is a feature), and XGBoost's
  `reg_lambda=1`, in hessian units, shrinks the leaves of those rows, whose IRLS hessians
  are small: with `reg_lambda=0` Huber is 0.958 of squared error (`min_child_weight=0`
  alone: 1.114; hessians normalised to mean 1 each round: 1.108; exact hessian: 1.059;
  `residual_quantile=0.99`: 1.053). The median (`Quantile(0.5)`) is 0.931 of squared error
  there. Lower shares are more robust and win on `wage` and `engel`, but cost 4-15% on
  `bikeshare`, so 0.9 stays the default and `residual_quantile` is the knob to search.
- XGBoost quantile: met, 0.72-1.03 of `reg:quantileerror` (worst: `engel` median 1.025).
  Since this revision every leaf is renewed with its rows' residual quantile, as the
  built-in does (`leaf_renewal="auto"`); before, without renewal: up to 1.29.
- LightGBM quantile (leaf renewal): 0.81-1.05 of the built-in; worst `grunfeld` alpha 0.1,
  1.047 (176 training rows per fold).
- Since the formulas are written once (`gbobjectives/pointwise.py`, float64 throughout),
  the XGBoost robust-loss column is the same to the third decimal: Huber 0.963 / 1.014 /
  1.013 / 1.109 on wage / engel / bikeshare / grunfeld, re-measured with a throwaway script
  (`KFold(5, shuffle=True, random_state=0)`, `GBRegressor` defaults: the folds of this
  table). Measured with it too, on XGBoost: `reg_lambda=0` for the robust losses does not
  close the grunfeld gap (Huber 1.045, pseudo-Huber 1.113, log-cosh 1.098 of squared error
  at its default lambda) and costs 2-7% on wage and engel.
- Measured and NOT adopted (a later session, same folds): the delta/scale as the 0.9
  quantile of |y - median(y)|, the residuals from the start, instead of each round's. Ratios
  (huber / pseudo-Huber / log-cosh), XGBoost: wage 0.978/0.974/0.974, engel
  0.975/0.957/0.953, bikeshare 0.988/0.989/0.993, grunfeld 1.027/0.982/0.968; LightGBM: wage
  0.977/0.973/0.975, engel 0.990/0.984/0.989, bikeshare 0.994/0.997/0.991, grunfeld
  1.017/0.984/0.999: the grunfeld gap nearly closed. But on a strong signal (spread ~110)
  with 2% gross outliers (sd 2000) a delta sized by the signal clips the outliers far less
  than one sized by the noise: XGBoost's MAE there rose to 22.5-26.2 against < 17.3 required
  (tests/test_frameworks.py::test_regression_losses_learn_under_default_parameters). Each
  rule wins where the other loses; a start-scale floor under the per-round scale, or a
  parameter choosing the rule, are what to measure next.
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", type=int, default=5)
    parser.add_argument("--residual-quantiles", default="0.9")
    parser.add_argument("--datasets", default="wage,engel,bikeshare,grunfeld")
    parser.add_argument("--out", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args(argv)

    from gbobjectives import cli, datasets

    qs = [float(q) for q in args.residual_quantiles.split(",")]
    robust = ["huber", "pseudo_huber", "logcosh"]
    specs = [("squared_error", {})]
    for name in robust:
        for q in qs:
            specs.append((name, {} if q == 0.9 else {"residual_quantile": q}))
    specs += [("quantile", {"alpha": a}) for a in (0.1, 0.5, 0.9)]
    lines = [
        MARK,
        "## Defaults at any scale",
        "",
        f"Command: `python benchmarks/scale_defaults.py --cv {args.cv} "
        f"--residual-quantiles {args.residual_quantiles}`  ",
        f"{args.cv}-fold CV, 100 rounds, learning rate 0.1, estimator defaults otherwise.",
        "",
        "### Robust losses: MAE / MAE of squared error (same backend)",
        "",
    ]
    quantile_lines = [
        "### Quantile: pinball loss / the built-in quantile objective's (same backend, same alpha)",
        "",
        "| dataset | backend | alpha | ours | built-in | ratio | coverage ours | coverage built-in |",
        "|---|---|---|---|---|---|---|---|",
    ]
    head = "| dataset | backend | squared error MAE | " + " | ".join(
        f"{n}{'' if q == 0.9 else f' q={q}'}" for n in robust for q in qs
    )
    lines += [head + " |", "|" + "---|" * (3 + len(robust) * len(qs))]
    for name in args.datasets.split(","):
        X, y, _ = datasets.load(name)
        task = "regression"
        rows, _ = cli.compare(
            X,
            y,
            task,
            loss_specs=specs,
            backends=["xgboost", "lightgbm"],
            cv=args.cv,
            grid=None,
            n_estimators=100,
            learning_rate=0.1,
            seed=0,
            progress=False,
        )
        for backend in ("xgboost", "lightgbm"):
            mine = [r for r in rows if r["backend"] == backend]
            se = next(r["MAE"] for r in mine if r["loss"] == "squared_error")
            cells = []
            for n in robust:
                for q in qs:
                    label = n if q == 0.9 else f"{n}:residual_quantile={q}"
                    mae = next(r["MAE"] for r in mine if r["loss"] == label)
                    cells.append(f"{mae / se:.3f}")
            lines.append(f"| {name} | {backend} | {se:.4g} | " + " | ".join(cells) + " |")
            for a in (0.1, 0.5, 0.9):
                ours = next(r for r in mine if r["loss"] == f"quantile:alpha={a}")
                built = next(r for r in mine if r["loss"] == f"builtin:{backend}:quantile:alpha={a}")
                quantile_lines.append(
                    f"| {name} | {backend} | {a} | {ours['pinball']:.4g} | {built['pinball']:.4g} | "
                    f"{ours['pinball'] / built['pinball']:.3f} | {ours['coverage']:.3f} | "
                    f"{built['coverage']:.3f} |"
                )
        print(f"done {name}", flush=True)
    text = "\n".join(lines + [""] + quantile_lines + ["", NOTES]) + "\n"
    print(text)
    out = Path(args.out)
    before = out.read_text() if out.exists() else ""
    i = before.find(MARK)
    # sections other scripts wrote after this one are kept
    j = before.find("<!-- written by", i + 1) if i >= 0 else -1
    later = "" if j < 0 else "\n" + before[j:]
    before = (before if i < 0 else before[:i]).rstrip("\n")
    out.write_text((before + "\n\n" if before else "") + text + later)


if __name__ == "__main__":
    main()
