"""The verdict: the best row, the best built-in row, and whether their difference is more
than the fold noise.

Every row was scored on the same folds, so two rows are compared by their paired per-fold
differences d_j, j = 1..J (J = folds x repeats). Their training sets overlap, which makes the
plain paired t-test far too confident; the corrected resampled t-test of Nadeau and Bengio
(2003, "Inference for the Generalization Error", Machine Learning 52:239-281; for repeated
K-fold, Bouckaert and Frank 2004) inflates the variance of the mean difference by the test
share over the training share:

    t = mean(d) / sqrt((1/J + n_test/n_train) * var(d)),   J - 1 degrees of freedom

(n_test/n_train = 1/(K-1) for K-fold). A difference is *clear* when the two-sided p < 0.05;
otherwise the verdict says there is no clear difference.
"""

from __future__ import annotations

import textwrap

import numpy as np

from .scoring import PRIMARY

CLEAR = 0.05  # the p-value under which a difference is called clear


def corrected_ttest(a, b, test_over_train) -> float:
    """The two-sided p-value of the corrected resampled t-test of paired scores a, b."""
    from scipy import stats

    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    if not np.all(np.isfinite(d)):
        return float("nan")  # a fold that scored NaN or inf: no test
    j = len(d)
    mean, var = float(np.mean(d)), float(np.var(d, ddof=1)) if j > 1 else 0.0
    if var == 0.0:  # identical rows (a loss against itself): no difference
        return 1.0 if mean == 0.0 else 0.0
    t = mean / np.sqrt((1.0 / j + test_over_train) * var)
    return float(2.0 * stats.t.sf(abs(t), j - 1))


def quantile_alpha(row):
    """The level of a quantile row (ours or built-in), or None for a point prediction."""
    return row.get("alpha") if isinstance(row.get("pinball"), float) else None


def groups(rows, task):
    """(alpha, metric, higher_is_better, rows) per verdict: point predictions (and the median,
    the point prediction MAE rewards) by the task's primary metric, then each quantile level
    by its pinball loss."""
    metric, higher = PRIMARY[task]
    out = [(None, metric, higher, [r for r in rows if quantile_alpha(r) in (None, 0.5)])]
    for a in sorted({a for a in map(quantile_alpha, rows) if a is not None}):
        out.append((a, "pinball", False, [r for r in rows if quantile_alpha(r) == a]))
    return [g for g in out if g[3]]


def _best(rows, metric, higher):
    """The best row by ``metric``; a row that scored NaN never; on a tie the built-in (a
    custom loss has to beat it to be named)."""
    rows = [r for r in rows if np.isfinite(r[metric])]
    if not rows:
        return None
    if higher:
        return max(rows, key=lambda r: (r[metric], r["builtin"]))
    return min(rows, key=lambda r: (r[metric], not r["builtin"]))


def _name(r):
    return f"{r['loss']} [{r['backend']}]"


def _score(r, m):
    return f"{r[m]:.4g} ± {r[m + '_sd']:.2g}"


# Per-fold differences within this relative size are rounding: the same model trained
# through two paths (XGBoost keeps gradients in float32) differs by ~1e-8 relative, never a
# difference between losses.
ROUNDING = 1e-6
# A mean difference below this relative size is negligible, however consistent over folds:
# no user picks a loss for 0.01%.
NEGLIGIBLE = 1e-3


def _difference(a, b, m, higher, test_over_train) -> tuple[str, bool]:
    """``a`` against ``b`` in words (the relative difference, the p-value, clear or not), and
    whether it is clear: p < CLEAR and at least NEGLIGIBLE in size."""
    fa, fb = np.asarray(a["per_fold"][m]), np.asarray(b["per_fold"][m])
    if not (np.all(np.isfinite(fa)) and np.all(np.isfinite(fb))):
        return "not comparable (a fold scored NaN or inf)", False
    if np.all(np.abs(fa - fb) <= ROUNDING * np.maximum(np.abs(fb), 1e-300)):
        return "equal in every fold: no difference", False
    rel = (a[m] - b[m]) / abs(b[m]) if b[m] else 0.0
    if abs(rel) < NEGLIGIBLE:
        return f"within {NEGLIGIBLE:.1%}: a negligible difference", False
    p = corrected_ttest(fa, fb, test_over_train)
    size = f"{abs(rel):.1%} {'better' if (a[m] > b[m]) == higher else 'worse'}"
    if p < CLEAR:
        return f"{size}, p = {p:.2g}: a clear difference", True
    return f"{size}, p = {p:.2g}: no clear difference, inside the fold noise", False


def verdict(rows, task, test_over_train, n_folds) -> str:
    """The verdict's lines, at most 80 columns. Per group (point predictions; each quantile
    level): the best row and the best built-in row of the whole table with their spreads over
    folds; then, on each backend, its best gbobjectives row against its best built-in row (the
    two differ only in the objective) with the paired test; then the conclusion, which
    rests on those same-backend tests only (a row on another backend differs in more than
    the loss)."""
    lines = []
    backends = list(dict.fromkeys(r["backend"] for r in rows))
    for alpha, m, higher, group in groups(rows, task):
        if alpha == 0.5:  # the median's pinball loss is half its MAE: judged with the points
            continue
        what = (
            f"{m} ({'higher' if higher else 'lower'} is better)"
            if alpha is None
            else (f"pinball loss at alpha={alpha:g}")
        )
        best = _best(group, m, higher)
        if best is None:
            lines.append(_wrap(f"No row scored a finite {what} in every fold: nothing to compare."))
            continue
        builtin = _best([r for r in group if r["builtin"]], m, higher)
        head = "Best" if alpha is None else "Best quantile"
        msg = f"{head} by {what}: {_name(best)} {_score(best, m)}"
        if alpha is not None:
            msg += f", coverage {best['coverage']:.3f}"
        if builtin is not None and builtin is not best:
            msg += f"; best built-in: {_name(builtin)} {_score(builtin, m)}"
            if alpha is not None:
                msg += f", coverage {builtin['coverage']:.3f}"
        lines.append(_wrap(msg + "."))
        gains, losses, pairs = [], [], 0
        for b in backends:
            o = _best([r for r in group if not r["builtin"] and r["backend"] == b], m, higher)
            i = _best([r for r in group if r["builtin"] and r["backend"] == b], m, higher)
            if o is None or i is None:
                continue
            pairs += 1
            words, clear = _difference(o, i, m, higher, test_over_train)
            lines.append(_wrap(f"  {b}: {o['loss']} against {i['loss']}, {words}.", "    "))
            better = (o[m] > i[m]) == higher
            if clear:
                (gains if better else losses).append(f"{o['loss']} on {b}")
        parts = []
        if gains:
            parts.append(f"a custom loss helps: {', '.join(gains)}, clearly better than the built-in")
        if losses:
            where = ", ".join(x.split(" on ")[1] for x in losses)
            parts.append(f"the built-in objective is clearly better on {where}: use it there")
        if not pairs:
            conclusion = (
                "nothing to conclude: no backend has both a gbobjectives loss and a built-in objective here."
            )
        elif parts:
            conclusion = "; ".join(parts) + "."
        else:
            conclusion = "no clear difference on any backend: no gain from a custom loss here."
        lines.append(_wrap(f"  Verdict: {conclusion}", "    "))
    n_ours = len({r["loss"] for r in rows if not r["builtin"]})
    if any(r.get("grid") for r in rows) or n_ours > 1:
        lines.append(
            _wrap(
                f"Note: the best of {n_ours} gbobjectives rows is picked on the folds it is scored on, "
                "so its score is optimistic: with many rows compared, one clear gain in twenty "
                "is chance."
            )
        )
    lines.append(
        _wrap(
            f"Clear: p < {CLEAR} in the corrected resampled t-test (Nadeau and Bengio 2003) of "
            f"the paired scores of {n_folds} folds; ± is the standard deviation over folds."
        )
    )
    return "\n".join(lines)


def _wrap(text, indent="  "):
    return textwrap.fill(text, 80, subsequent_indent=indent, break_on_hyphens=False)
