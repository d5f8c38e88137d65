"""Write the tutorial notebooks and execute them in place, so they are committed with outputs.

    python notebooks/build_notebooks.py          # all
    python notebooks/build_notebooks.py 02       # those whose file name contains "02"

The tests execute the committed notebooks again (tests/test_notebooks.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent


def md(text):
    return nbformat.v4.new_markdown_cell(text.strip())


def code(text):
    return nbformat.v4.new_code_cell(text.strip())


SETUP = """
import numpy as np
import matplotlib.pyplot as plt
import gbobjectives as gb
from gbobjectives import datasets
np.set_printoptions(precision=4, suppress=True)
"""

NOTEBOOKS = {
    "01_robust_regression.ipynb": [
        md("""
# Robust regression: Huber, pseudo-Huber and log-cosh against squared error

The bundled `wage` data (3000 workers, wage in thousands of USD) has a long right tail: a
few earners above 250 pull a squared-error model towards them. The robust losses bound the
influence of large residuals. Each model: 200 rounds, learning rate 0.1, depth 4, scored on a
held-out 30%.
"""),
        code(SETUP),
        code("""
X, y, features = datasets.load("wage")
rng = np.random.default_rng(0)
order = rng.permutation(len(y)); cut = int(0.7 * len(y))
tr, te = order[:cut], order[cut:]
print(f"wage: median {np.median(y):.1f}, 99th percentile {np.percentile(y, 99):.1f}, max {y.max():.1f}")
"""),
        code("""
losses = {
    "squared error": gb.SquaredError(),
    "Huber(delta=10)": gb.Huber(10.0),
    "pseudo-Huber(delta=10)": gb.PseudoHuber(10.0),
    "log-cosh": gb.LogCosh(),
}
results = {}
for name, loss in losses.items():
    for backend in ("xgboost", "lightgbm"):
        m = gb.GBRegressor(loss, backend=backend, n_estimators=200, max_depth=4, random_state=0)
        pred = m.fit(X[tr], y[tr]).predict(X[te])
        err = pred - y[te]
        results[(name, backend)] = (np.mean(np.abs(err)), np.sqrt(np.mean(err**2)), gb.mape(y[te], pred))
print(f"{'loss':24s} {'backend':9s} {'MAE':>7s} {'RMSE':>7s} {'MAPE':>7s}")
for (name, backend), (mae, rmse, mp) in results.items():
    print(f"{name:24s} {backend:9s} {mae:7.3f} {rmse:7.3f} {mp:7.4f}")
"""),
        code("""
fig, ax = plt.subplots(figsize=(8, 4))
names = list(losses)
for i, backend in enumerate(("xgboost", "lightgbm")):
    ax.bar(np.arange(len(names)) + 0.4 * i, [results[(n, backend)][0] for n in names], width=0.4, label=backend)
ax.set_xticks(np.arange(len(names)) + 0.2, names, rotation=20, ha="right")
ax.set_ylabel("test MAE"); ax.legend(); ax.set_ylim(20, None)
fig.tight_layout()
plt.show()
"""),
        md("""
**Findings.** All three robust losses reach a lower test MAE (23.1-23.8 against 24.1-24.3)
and MAPE (0.225-0.236 against 0.243-0.246) than squared error, in both backends, because the
tail of high earners no longer drags the fit; here even their RMSE is lower, backend for
backend (33.4-34.2 against 34.1-34.7): the tail is noise, not signal. Log-cosh runs at its
default scale, which follows the residuals; Huber and pseudo-Huber at delta = 10. The robust losses differ little among
themselves here: with the "irls" hessian (their default) each leaf is a robustly weighted mean residual,
so the choice between them matters less than the choice of delta (see notebook 05).
"""),
    ],
    "02_quantile_intervals.ipynb": [
        md("""
# Quantile intervals: coverage and crossing

Engel's 1857 food-expenditure data (235 households): expenditure spreads out as income grows,
the classic case for quantile regression. We fit the 5%, 50% and 95% quantiles at once with
`Quantile([0.05, 0.5, 0.95])` (XGBoost: one multi-output model; LightGBM: one model per alpha),
check the held-out coverage of the 90% interval, and count crossings.
"""),
        code(SETUP),
        code("""
X, y, _ = datasets.load("engel")
rng = np.random.default_rng(1)
order = rng.permutation(len(y)); cut = 160
tr, te = order[:cut], order[cut:]
alphas = [0.05, 0.5, 0.95]
models = {}
for backend in ("xgboost", "lightgbm"):
    m = gb.GBRegressor(gb.Quantile(alphas), backend=backend, n_estimators=100, max_depth=2,
                       learning_rate=0.1, random_state=0, backend_params={"min_data_in_leaf": 5} if backend == "lightgbm" else None)
    models[backend] = m.fit(X[tr], y[tr])
    q = m.predict(X[te])
    raw = m.model_.raw(X[te])  # before the rearrangement that predict applies
    coverage = np.mean((y[te] >= q[:, 0]) & (y[te] <= q[:, 2]))
    below = np.mean(y[te][:, None] <= q, axis=0)
    print(f"{backend:9s} P(y <= q_alpha) = {below.round(3)}, 90% interval covers {coverage:.3f}, "
          f"raw crossings {int(np.sum(np.diff(raw, axis=1) < 0))}, after predict {int(np.sum(np.diff(q, axis=1) < 0))}")
"""),
        code("""
import xgboost as xgb
b = xgb.XGBRegressor(objective="reg:quantileerror", quantile_alpha=alphas, n_estimators=100, max_depth=2)
qb = b.fit(X[tr], y[tr]).predict(X[te])
print("XGBoost reg:quantileerror: P(y <= q_alpha) =", np.mean(y[te][:, None] <= qb, axis=0).round(3),
      ", 90% interval covers", np.mean((y[te] >= qb[:, 0]) & (y[te] <= qb[:, 2])).round(3))
"""),
        code("""
grid = np.linspace(X.min(), X.max(), 200)[:, None]
fig, ax = plt.subplots(figsize=(7, 4))
ax.scatter(X[:, 0], y, s=8, color="0.5", label="households")
q = models["xgboost"].predict(grid)
ax.fill_between(grid[:, 0], q[:, 0], q[:, 2], alpha=0.3, label="5%-95% (XGBoost)")
ax.plot(grid[:, 0], q[:, 1], label="median (XGBoost)")
ax.set_xlabel("income"); ax.set_ylabel("food expenditure"); ax.legend()
plt.show()
"""),
        md("""
**Findings.** On 75 held-out households (each is 1.3 points of coverage) the 90% interval
covers 80.0% with both backends, where `GBRegressor` renews every leaf with the residual
quantile of its rows by default, as both built-in quantile objectives do (on XGBoost the
renewed values are written into the model after training); XGBoost's built-in
`reg:quantileerror` covers 74.7%. All fall short of 90% on 160 training rows: 100 rounds fit
the training tails at alpha 0.05 and 0.95, and a smaller learning rate or fewer rounds widens
the interval. `predict` rearranges each row, so quantiles never cross (the rearrangement
never increases the pinball loss); the raw model output may cross where the data are sparse.
"""),
    ],
    "03_focal_and_class_balanced.ipynb": [
        md("""
# Focal and class-balanced losses on imbalanced data

The bundled `default` data: 10000 credit-card customers, 3.3% of whom default. We compare
the logistic loss, focal loss (gamma = 2), class-balanced weighting (beta = 0.999) of both,
and XGBoost's built-in `scale_pos_weight`, by 3-fold cross-validation. Reported honestly,
whichever wins.
"""),
        code(SETUP),
        code("""
from sklearn.metrics import average_precision_score, balanced_accuracy_score, log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
import xgboost as xgb

X, y, _ = datasets.load("default")
y = y.astype(int)
print(f"{len(y)} rows, {y.mean():.2%} positive")
models = {
    "logistic": lambda: gb.GBClassifier(gb.Logistic(), n_estimators=100, max_depth=3),
    "focal gamma=2": lambda: gb.GBClassifier(gb.BinaryFocal(2.0), n_estimators=100, max_depth=3),
    "class-balanced logistic": lambda: gb.GBClassifier(gb.ClassBalanced(gb.Logistic(), beta=0.999), n_estimators=100, max_depth=3),
    "class-balanced focal": lambda: gb.GBClassifier(gb.ClassBalanced(gb.BinaryFocal(2.0), beta=0.999), n_estimators=100, max_depth=3),
    "XGBoost scale_pos_weight": lambda: xgb.XGBClassifier(n_estimators=100, max_depth=3, learning_rate=0.1,
                                                         scale_pos_weight=(1 - y.mean()) / y.mean()),
}
scores = {name: [] for name in models}
for tr, te in StratifiedKFold(3, shuffle=True, random_state=0).split(X, y):
    for name, make in models.items():
        p = make().fit(X[tr], y[tr]).predict_proba(X[te])[:, 1]
        scores[name].append((average_precision_score(y[te], p), roc_auc_score(y[te], p),
                             balanced_accuracy_score(y[te], p > 0.5), log_loss(y[te], p)))
print(f"{'':26s} {'PR-AUC':>7s} {'ROC-AUC':>7s} {'bal.acc':>7s} {'logloss':>7s}")
for name, s in scores.items():
    print(f"{name:26s} " + " ".join(f"{v:7.4f}" for v in np.mean(s, axis=0)))
"""),
        md("""
**Findings.** Ranking quality is essentially the same for all five (PR-AUC 0.484-0.494,
ROC-AUC 0.943-0.945; the spread is within fold-to-fold noise): on this data re-weighting
does not change the order of the scores much. What changes is where the probabilities sit:
class-balanced weighting (0.77) and `scale_pos_weight` (0.87) raise balanced accuracy at the
0.5 threshold from 0.67, while log-loss (calibration) gets worse (0.115 and 0.257 against
0.083); focal loss alone worsens log-loss too (0.153) without helping at 0.5. Use them when the decision threshold is fixed at 0.5 or recall on
the rare class matters; keep the logistic loss when you need calibrated probabilities.
"""),
    ],
    "04_logcosh_second_order.ipynb": [
        md("""
# Log-cosh's vanishing hessian, and the fixes

Newton boosting sets a leaf to -G/(H + lambda) and scores a split by G^2/(H + lambda). For
the textbook log-cosh, log(cosh(r)) = `LogCosh(scale=1.0)`, the gradient tanh(r) saturates at
+-1 while the hessian sech^2(r) vanishes (8e-9 at r = 10). This notebook reproduces the
failures on the bundled `wage` data, shows what each safeguard does, and what the default
`LogCosh()` changes: its scale s (in s^2 log cosh(r/s)) follows the residuals. The same runs
are `gbobjectives logcosh-demo`.
"""),
        code(SETUP + "from gbobjectives import demo"),
        code("""
derivs, r = demo.derivative_table()
for name, (g, h) in derivs.items():
    print(f"{name:16s} grad {np.array2string(g, precision=4)}  hess {np.array2string(h, precision=3)}")
print("pseudo-Huber(1) Newton step / residual:", [(r, round(f, 1)) for r, f in demo.newton_overshoot()])
"""),
        code("""
rows, curves, const_mae = demo.run(rounds=200)
print(f"constant (median) prediction: test MAE {const_mae:.2f}")
for row in rows:
    print(f"{row['configuration']:34s} {row['framework']:9s} test MAE {row['test_MAE']:9.4g}  max|pred| {row['max_abs_prediction']:9.4g}")
"""),
        code("""
from pathlib import Path
import tempfile
out = Path(tempfile.mkdtemp())
demo.plot(out, rows, curves)
from IPython.display import Image, display
display(Image(str(out / "derivatives.png")))
display(Image(str(out / "training_curves.png")))
"""),
        md("""
**Findings** (200 rounds, 70/30 split, default framework parameters unless stated):

- *Exact hessian, start 0* (a custom objective's default start in LightGBM; XGBoost's is
  0.5): residuals are ~100, sech^2(100) is 0 in float32, and **neither framework learns
  anything**: every prediction stays at 0 (test MAE 112 against 29 for a constant median).
- *Exact hessian, start at `init_score`*: residuals are now tens, and both frameworks learn
  (MAE ~24-25), but every leaf whose residuals are all large is frozen or, in LightGBM,
  divided by ~0.
- *Floor 1e-2* and *LightGBM regularisation* (lambda_l2 = 1, min_sum_hessian_in_leaf = 1) both
  repair it (MAE ~23.3-23.8).
- *irls hessian tanh(r)/r* (the default): the Newton step equals the residual and leaves are
  robustly weighted means; it learns **even from start 0** (MAE 23.8 / 23.5) and is the best
  from `init_score` (23.3 / 23.1).
- *Pseudo-Huber, exact hessian*: the Newton step overshoots by 1 + r^2 (26x at r = 5); under
  LightGBM's lambda_l2 = 0 its leaves **explode** (predictions in the thousands for a target that
  never exceeds 318); its irls hessian 1/s repairs it (23.4 / 23.1).
- *A scale from the residuals* (the default: the 0.9 quantile of |r| each round, floored at
  half that of |y - median(y)|): the vanishing hessian is a property of a scale fixed in
  target units, and with a scale that follows the residuals **even the exact hessian learns
  from start 0** (the "s=data exact, start 0" rows above, against 112 for s = 1). On this
  target (thousands of dollars, heavy right tail) s = 1 happens to be a very robust choice;
  the default treats 90% of the residuals quadratically and lands between squared error and
  it (the "s=data irls (default)" rows); a lower `residual_quantile` is more robust.
"""),
    ],
    "05_grid_search.ipynb": [
        md("""
# Grid search over residual_quantile, alpha, gamma and beta

Every loss hyperparameter is reachable from scikit-learn as `loss__<name>` (nested:
`loss__base_loss__gamma`), together with the booster's own parameters, inside a `Pipeline`.
"""),
        code(
            SETUP
            + """
from sklearn.metrics import make_scorer, mean_pinball_loss
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
"""
        ),
        code("""
X, y, _ = datasets.load("wage")
pipe = make_pipeline(StandardScaler(), gb.GBRegressor(gb.Huber(), n_estimators=100))
search = GridSearchCV(pipe, {"gbregressor__loss__residual_quantile": [0.3, 0.5, 0.7, 0.9],
                             "gbregressor__max_depth": [2, 4]},
                      scoring="neg_mean_absolute_error", cv=3).fit(X, y)
print("Huber residual_quantile / depth, by MAE:", search.best_params_)
for p, s in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"]):
    print(f"  {p}  MAE {-s:.3f}")
"""),
        code("""
X, y, _ = datasets.load("engel")
pinball90 = make_scorer(mean_pinball_loss, alpha=0.9, greater_is_better=False)
search = GridSearchCV(gb.GBRegressor(gb.Quantile(0.5), backend="lightgbm", n_estimators=100, max_depth=2,
                                     backend_params={"min_data_in_leaf": 5}),
                      {"loss__alpha": [0.5, 0.8, 0.9, 0.95]}, scoring=pinball90, cv=3).fit(X, y)
print("Quantile alpha scored by the 0.9-pinball loss:", search.best_params_)
"""),
        code("""
X, y, _ = datasets.load("seattle_weather")
search = GridSearchCV(gb.GBClassifier(gb.ClassBalanced(gb.BinaryFocal()), n_estimators=50, max_depth=3),
                      {"loss__beta": [0.0, 0.99, 0.999], "loss__base_loss__gamma": [0.0, 2.0]},
                      scoring="balanced_accuracy", cv=3).fit(X, y)
print("seattle_weather (5 classes), balanced accuracy:", search.best_params_, round(search.best_score_, 3))
for p, s in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"]):
    print(f"  {p}  {s:.3f}")
"""),
        md("""
**Findings.** Huber's default delta follows the residuals (their `residual_quantile`
quantile each round), so the knob to search is that share, the same grid for any target's
units. On `wage` the whole grid lies within 0.23 of MAE (22.57-22.79): the best is 0.3 at
depth 4, the default 0.9 at depth 2 is 0.02 behind; the share matters less here than it
would on a target with gross outliers. Scored by the 0.9-pinball loss, the search recovers alpha =
0.9 (or its neighbour), as it should. On the 5-class weather data, class-balanced weighting
(beta > 0) raises balanced accuracy, the metric that rewards the rare classes (snow, drizzle).
"""),
    ],
}


def build(selected=None):
    for name, cells in NOTEBOOKS.items():
        if selected and not any(s in name for s in selected):
            continue
        nb = nbformat.v4.new_notebook(cells=cells)
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        NotebookClient(
            nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
        ).execute()
        nbformat.write(nb, HERE / name)
        print("wrote", name)


if __name__ == "__main__":
    build(sys.argv[1:])
