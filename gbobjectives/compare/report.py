"""The comparison as a table: on the terminal (rich, 80 columns), ``results.csv`` (every
fold's score too) and ``results.md`` (each metric as mean ± standard deviation over folds)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from .scoring import PRIMARY

_REGRESSION = ["MAE", "RMSE", "MAPE", "SMAPE"]
_CLASSIFICATION = ["log_loss", "ROC_AUC", "PR_AUC", "balanced_acc"]
_HEADERS = {"fit_s": "fit ms", "coverage": "cover", "balanced_acc": "bal_acc", "sd": "±sd"}


def metrics_of(rows, task) -> list[str]:
    """The metric columns, in order: the task's, then pinball and coverage where a row is a
    quantile."""
    if task != "regression":
        return list(_CLASSIFICATION)
    return _REGRESSION + (["pinball", "coverage"] if any("pinball" in r for r in rows) else [])


def _number(v, digits=4):
    return f"{v:.{digits}g}" if isinstance(v, float) else str(v)


def format_table(rows, task, markdown=False) -> str:
    """The table as text: markdown (results.md, each metric "mean ± sd") or plain columns."""
    metrics = metrics_of(rows, task)
    cols = ["loss", "backend", *metrics, "rounds", "fit_s"] + (
        ["grid"] if any(r["grid"] for r in rows) else []
    )

    def cell(r, c):
        if c in metrics and c in r:
            return f"{r[c]:.4g} ± {r[c + '_sd']:.2g}" if markdown else _number(r[c])
        return _number(r.get(c, ""), 3 if c == "fit_s" else 4)

    body = [[cell(r, c) for c in cols] for r in rows]
    if markdown:
        lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
        return "\n".join(lines + ["| " + " | ".join(b) + " |" for b in body])
    widths = [max(len(c), *(len(b[i]) for b in body)) for i, c in enumerate(cols)]
    fmt = "  ".join(f"{{:{'<' if i < 2 else '>'}{w}}}" for i, w in enumerate(widths))
    return "\n".join(
        [fmt.format(*cols), fmt.format(*("-" * w for w in widths))] + [fmt.format(*b) for b in body]
    )


def print_table(rows, task, console=None):
    """The table on the terminal through rich, at most the console's width (80 columns when
    the output is not a terminal): one section per backend, the judging metric followed by
    its standard deviation over folds (``±sd``), a loss label longer than its column wrapped
    at its ``:`` separators, built-in objectives named as their backend names them."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = console if console is not None else Console()
    metrics = metrics_of(rows, task)
    primary = PRIMARY[task][0]
    cols = ["loss"]
    for m in metrics:
        cols.append(m)
        if m == primary:
            cols.append("sd")
    cols += ["rounds", "fit_s"]
    headers = [_HEADERS.get(c, c) for c in cols]

    def cell(r, c):
        if c == "sd":
            return _number(r[primary + "_sd"], 2)
        if c == "fit_s":
            ms = 1e3 * r[c]
            return f"{ms:.0f}" if ms >= 100 else f"{ms:.3g}"
        if c == "coverage" and c in r:
            return f"{r[c]:.3f}"
        if c in ("MAPE", "SMAPE"):  # fractions, read to 3 digits (results.md keeps 4)
            return _number(r[c], 3)
        return _number(r.get(c, ""))

    backends = list(dict.fromkeys(r["backend"] for r in rows))
    body = {b: [[cell(r, c) for c in cols] for r in rows if r["backend"] == b] for b in backends}
    every = [cells for b in backends for cells in body[b]]
    natural = [max(len(h), *(len(c[i]) for c in every)) for i, h in enumerate(headers)]
    natural[0] = max(natural[0], *(len(b) for b in backends), len("built-in objectives"))
    # the loss column takes what the numbers leave, down to its longest ":"-separated part;
    # a built-in's name (the backend's own, "reg:quantileerror(0.5)") is never broken
    builtin = [r["builtin"] for b in backends for r in rows if r["backend"] == b]
    pieces = [[c[0]] if k else c[0].replace(":", ":\0").split("\0") for c, k in zip(every, builtin)]
    shortest = max(
        max(len(p) for ps in pieces for p in ps), *(len(b) for b in backends), len("built-in objectives")
    )
    # Columns two spaces apart (the box's blank separator and one space of padding), or one
    # when two do not fit: a table of columns w_i is sum(w_i + gap) - gap wide. Whole labels
    # at either gap first; then labels wrapped at their ":" in the room the numbers leave.
    for gap in (2, 1):
        others = sum(w + gap for w in natural[1:])
        room = natural[0]
        if others + room <= console.width:
            break
    else:
        room = max(console.width - others, shortest, len(headers[0]))
        if others + room > console.width:
            # last before a table wider than the terminal: built-in names broken at ":" too
            # ("reg:" / "quantileerror(0.5)"); measured: the default losses on a 6,259-row
            # table with 4-digit MAPE made the table 81 columns wide
            every_piece = [p for c in every for p in c[0].replace(":", ":\0").split("\0")]
            shortest = max(max(len(p) for p in every_piece), *(len(b) for b in backends), 19)
            room = max(console.width - others, shortest, len(headers[0]))
        if others + room > console.width:
            # a terminal too narrow for the numbers gets a table wider than itself (wrapped
            # by the terminal) rather than numbers cut short
            console = Console(file=console.file, width=others + room, color_system=None)
    table = Table(
        box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, gap - 1, 0, 0), header_style="bold"
    )
    for i, (c, h) in enumerate(zip(cols, headers)):
        table.add_column(h, justify="left" if c == "loss" else "right", no_wrap=i > 0, overflow="fold")
    for b in backends:
        table.add_row(b, *[""] * (len(cols) - 1), style="bold")
        mine = [r for r in rows if r["backend"] == b]
        for k, (cells, r) in enumerate(zip(body[b], mine)):
            if r["builtin"] and (k == 0 or not mine[k - 1]["builtin"]):
                table.add_row("built-in objectives", *[""] * (len(cols) - 1), style="italic")
            label = cells[0] if r["builtin"] and len(cells[0]) <= room else _wrap_label(cells[0], room)
            table.add_row(label, *cells[1:], end_section=k == len(body[b]) - 1)
    console.print(table, markup=False, highlight=False)


def _wrap_label(label, width):
    """``label`` in lines of at most ``width``, broken after its ``:`` separators."""
    lines, line = [], ""
    for part in label.replace(":", ":\0").split("\0"):
        if line and len(line) + len(part) > width:
            lines.append(line)
            line = ""
        line += part
    return "\n".join([*lines, line])


def settings_lines(settings, protocol) -> list[str]:
    """The parameters every row of a backend trained with, and the protocol, as lines."""
    out = [protocol]
    for backend, params in settings.items():
        text = ", ".join(f"{k} {v}" for k, v in params.items())
        out.append(f"{backend}, every row: {text}; the rest at {backend}'s defaults")
    return out


def write_outputs(out_dir: Path, comparison, task, title="", n_folds=None):
    """results.csv (means, spreads and every fold's score), results.md and, with matplotlib,
    metric_per_loss.png and learning_curves.png; ``title`` (the dataset) and ``n_folds`` go
    into the plot titles."""
    rows = comparison.rows
    out_dir.mkdir(parents=True, exist_ok=True)
    flat = []
    for r in rows:
        f = {k: v for k, v in r.items() if k != "per_fold"}
        f.update({f"{m}_folds": ";".join(f"{v:.6g}" for v in vs) for m, vs in r["per_fold"].items()})
        flat.append(f)
    cols = list(dict.fromkeys(k for r in flat for k in r))
    with open(out_dir / "results.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(flat)
    (out_dir / "results.md").write_text(format_table(rows, task, markdown=True) + "\n")
    written = ["results.csv", "results.md"]
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(
            "note: matplotlib is not installed, so no plots were written "
            "(pip install 'gbobjectives[notebooks]')",
            file=sys.stderr,
        )
        return written
    from .plots import plot_curves, plot_metrics

    folds = f"mean ± sd over {n_folds} folds" if n_folds else "mean ± sd over folds"
    fig = plot_metrics(plt, rows, task, f"{title}: each loss by the metric that judges it ({folds})")
    fig.savefig(out_dir / "metric_per_loss.png", dpi=100)
    plt.close(fig)
    written.append("metric_per_loss.png")
    if comparison.learning:
        fig = plot_curves(
            plt, comparison.learning, f"{title}: validation curves (inner early-stopping split)"
        )
        fig.savefig(out_dir / "learning_curves.png", dpi=100)
        plt.close(fig)
        written.append("learning_curves.png")
    return written
