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

from _report import write_section  # beside this script

HERE = Path(__file__).resolve().parent
MARK = "<!-- written by benchmarks/scale_defaults.py -->"
NOTES = """Reading (targets: robust losses within 2% of squared error's MAE at their defaults and
better where the noise is heavy-tailed; custom Quantile on XGBoost within 5% of
`reg:quantileerror`; LightGBM with leaf renewal level with its built-in `quantile`):

- robust losses at their defaults (`residual_quantile=0.9` of each round's |residuals|,
  floored at half that quantile of |y - median(y)|): met on every table and backend, at
  most 1.4% worse than squared error (Huber, `grunfeld`, XGBoost) and better where the
  tails are heavy: `wage` 0.962-0.968, `engel` 0.973-0.997. Without the floor (the rule
  before this revision, scikit-learn's), `grunfeld` on XGBoost was 1.109 / 1.104 / 1.099
  (Huber / pseudo-Huber / log-cosh): there the large residuals are signal, not noise (the
  big firms' investment: `firm` is a feature), and a scale that shrinks with the fit kept
  treating them as outliers. The floor's share was chosen by measuring 0.25 / 0.4 / 0.5 /
  0.6 / 0.75 on these tables (worst cell 1.062 / 1.031 / 1.014 / 1.010 / 1.022) and on the
  gross-outlier target of tests/test_frameworks.py (XGBoost MAE over the constant's, < 0.2
  required: 0.14 / 0.17 / 0.19 / 0.21-0.23 / 0.23-0.24): 0.5 is the one value that meets
  both, a narrow window. On tables not used for the choice (5-fold, the same script's
  settings; floor 0.5 against none): scikit-learn's diabetes 0.998-1.014 (none:
  1.000-1.018), statsmodels' `fair`, `randhie`, `strikes` unchanged (the floor does not
  bind), `ccard` (72 rows) on XGBoost 1.030-1.041 (none: 0.993-1.005). A scale from the
  start's residuals alone, unfloored by the round's (measured too): `grunfeld` XGBoost
  Huber 1.027, but the gross-outlier target's MAE 0.26-0.30 of the constant's. Lower
  shares (`q=0.5`, `q=0.7` columns) are more robust and win on `wage`, but cost up to 7% on
  `bikeshare` and `grunfeld`; `residual_quantile` is the knob to search.
- XGBoost quantile: met, 0.69-1.03 of `reg:quantileerror` (worst: `engel` median 1.025).
  Since this revision every leaf is renewed with its rows' residual quantile, as the
  built-in does (`leaf_renewal="auto"`); before, without renewal: up to 1.29.
- LightGBM quantile (leaf renewal): 0.81-1.05 of the built-in; worst `grunfeld` alpha 0.1,
  1.047 (176 training rows per fold).
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", type=int, default=5)
    parser.add_argument("--residual-quantiles", default="0.9")
    parser.add_argument("--datasets", default="wage,engel,bikeshare,grunfeld")
    parser.add_argument("--out", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args(argv)

    from gbobjectives import datasets
    from gbobjectives.compare import protocol

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
        rows = protocol.compare(
            X,
            y,
            task,
            loss_specs=specs,
            backends=["xgboost", "lightgbm"],
            cv=args.cv,
            n_estimators=100,
            early_stopping_rounds=None,  # fixed rounds on each training fold, as measured
        ).rows
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
                built = next(r for r in mine if r["builtin"] and r["alpha"] == a)
                quantile_lines.append(
                    f"| {name} | {backend} | {a} | {ours['pinball']:.4g} | {built['pinball']:.4g} | "
                    f"{ours['pinball'] / built['pinball']:.3f} | {ours['coverage']:.3f} | "
                    f"{built['coverage']:.3f} |"
                )
        print(f"done {name}", flush=True)
    text = "\n".join(lines + [""] + quantile_lines + ["", NOTES]) + "\n"
    print(text)
    write_section(Path(args.out), MARK, text)


if __name__ == "__main__":
    main()
