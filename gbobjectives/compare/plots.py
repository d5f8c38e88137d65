"""The comparison's pictures: ``metric_per_loss.png`` (each row by the metric that judges it,
with its spread over folds) and ``learning_curves.png`` (per-round validation curves on the
inner early-stopping split, every row)."""

from __future__ import annotations

import numpy as np

from .verdict import groups


def _panels_of(rows, task):
    """(title, metric, higher, rows) per panel: the verdict's groups, point predictions and
    the median by the task's primary metric, then each other quantile level by its pinball
    loss (the median's pinball loss is half its MAE: no panel of its own)."""
    return [
        (m if alpha is None else f"pinball loss, alpha={alpha:g}", m, higher, group)
        for alpha, m, higher, group in groups(rows, task)
        if alpha != 0.5
    ]


def plot_metrics(plt, rows, task, title):
    """A dot per row (not bars: the differences that matter are a few percent of the value, and
    a bar must start at zero), the best of each panel marked by a dotted line."""
    from matplotlib.lines import Line2D

    panels = _panels_of(rows, task)
    heights = [len(p[3]) + 1.5 for p in panels]
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(9, 0.3 * sum(heights) + 1.2),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
    )
    colour = {"xgboost": "C0", "lightgbm": "C1"}
    for ax, (metric, key, higher, group) in zip(axes[:, 0], panels):
        values = np.array([r[key] for r in group])
        spread = np.array([r[key + "_sd"] for r in group])
        for i, (r, v, sd) in enumerate(zip(group, values, spread)):
            builtin = r["builtin"]
            c = colour.get(r["backend"], "C2")
            ax.errorbar([v], [i], xerr=[sd], color=c, lw=1, capsize=3)
            ax.plot([v], [i], "D" if builtin else "o", ms=7, color=c, mfc="white" if builtin else c, mew=1.5)
            ax.annotate(
                f"  {v:.4g} ± {sd:.2g}",
                (v, i),
                xytext=(0, 6),
                textcoords="offset points",
                va="bottom",
                fontsize=7,
            )
        ax.set_yticks(range(len(group)), [f"{r['loss']} [{r['backend']}]" for r in group], fontsize=8)
        ax.grid(True, axis="y", color="0.92")
        best = values.max() if higher else values.min()
        ax.axvline(best, color="0.3", lw=0.8, ls=":")
        # the bars' whole extent, and at least 2% of the best value across
        lo, hi = np.nanmin(values - spread), np.nanmax(values + spread)
        span = max(hi - lo, 0.02 * abs(best), 1e-12)
        mid = (hi + lo) / 2
        ax.set_xlim(mid - 0.58 * span, mid + 0.75 * span)
        ax.set_ylim(len(group) - 0.5, -0.5)
        ax.set_title(
            f"{metric} ({'higher' if higher else 'lower'} is better; bars: ± sd over folds)",
            fontsize=10,
            loc="left",
        )
    present = {r["backend"] for r in rows}
    handles = [
        Line2D([], [], marker="o", ls="", color=c, label=f"gbobjectives [{b}]")
        for b, c in colour.items()
        if b in present
    ]
    handles.append(Line2D([], [], marker="D", ls="", color="0.4", mfc="white", label="built-in objective"))
    handles.append(Line2D([], [], ls=":", color="0.3", label="best"))
    fig.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=11)
    fig.set_layout_engine("constrained")
    return fig


def plot_curves(plt, learning, title):
    """One panel per metric; per loss the mean over folds, with a band from the best to the
    worst fold; XGBoost solid, LightGBM dashed; the legend outside the panels."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    metrics = list(dict.fromkeys(v["metric"] for v in learning.values()))
    fig, axes = plt.subplots(len(metrics), 1, figsize=(10, 3.6 * len(metrics) + 0.6), squeeze=False)
    # one colour per loss, the same on both backends; the line style tells the backend
    names = list(dict.fromkeys(label.rsplit(" [", 1)[0] for label in learning))
    cmap = plt.get_cmap("tab10" if len(names) <= 10 else "tab20")
    for ax, metric in zip(axes[:, 0], metrics):
        lo_all, hi_all = np.inf, -np.inf
        # bands for a few curves only: many overlapping bands hide the lines
        banded = sum(v["metric"] == metric for v in learning.values()) <= 6
        for label, v in learning.items():
            if v["metric"] != metric:
                continue
            # Folds stop early at different rounds. A mean over the folds still running would
            # jump as folds drop out, so the curves end where half the folds have stopped
            # (the median fold's length).
            n = int(np.median([len(c) for c in v["folds"]]))
            curves = np.array([(list(c) + [np.nan] * n)[:n] for c in v["folds"]])
            rounds = np.arange(1, n + 1)
            style = "--" if label.endswith("[lightgbm]") else "-"
            colour = cmap(names.index(label.rsplit(" [", 1)[0]) % cmap.N)
            ax.plot(rounds, np.nanmean(curves, axis=0), style, color=colour, lw=1.4, label=label)
            if len(curves) > 1 and banded:
                band = np.nanmin(curves, axis=0), np.nanmax(curves, axis=0)
                ax.fill_between(rounds, *band, color=colour, alpha=0.12, lw=0)
            lo_all, hi_all = min(lo_all, np.nanmin(curves)), max(hi_all, np.nanmax(curves))
        if lo_all > 0 and hi_all / lo_all > 10:  # a log axis only where it spreads the curves out
            ax.set_yscale("log")
            ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:.3g}"))
            ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_ylabel(f"validation {metric}", fontsize=9)
        ax.set_xlabel("boosting round", fontsize=9)
        ax.grid(True, which="major", color="0.9")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7, frameon=False)
    n_folds = len(next(iter(learning.values()))["folds"])
    banded_any = n_folds > 1 and any(sum(v["metric"] == m for v in learning.values()) <= 6 for m in metrics)
    band = ", band: best to worst fold (in panels of up to 6 curves)" if banded_any else ""
    fig.suptitle(
        f"{title}\nmean over the {n_folds} folds, up to the median fold's last round{band}", fontsize=10
    )
    fig.set_layout_engine("constrained")
    return fig
