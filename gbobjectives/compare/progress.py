"""Progress over the fits, on stderr: a bar in a terminal, plain lines elsewhere."""

from __future__ import annotations

import time


class Progress:
    """Progress over the fits, on stderr.

    In a terminal: a rich progress bar with the elapsed and the estimated remaining time, at
    most 80 columns wide. Otherwise (a log file, a pipe, CI): one plain line per finished fold,
    with no carriage returns, so that a log reads top to bottom.
    """

    def __init__(self, total, console=None):
        from rich.console import Console

        self._total, self.done = total, 0
        self.console = console if console is not None else Console(stderr=True)
        self.start = time.perf_counter()
        self._bar = None
        if self.console.is_terminal:
            from rich import progress as rp

            self._bar = rp.Progress(
                rp.TextColumn("{task.description}", style="bold"),
                rp.BarColumn(bar_width=20),
                rp.MofNCompleteColumn(),
                rp.TextColumn("fits, elapsed"),
                rp.TimeElapsedColumn(),
                rp.TextColumn("left"),
                rp.TimeRemainingColumn(),
                console=self.console,
            )
            self._task = self._bar.add_task("", total=total)
            self._bar.start()

    @property
    def total(self):
        return self._total

    @total.setter
    def total(self, value):
        # known only once the rows and folds are (compare sets it after reading the table):
        # the bar's own total follows, else it showed "7/0 fits" and a full bar throughout
        self._total = value
        if self._bar is not None:
            self._bar.update(self._task, total=value)
            self._bar.reset(self._task, total=value)
            self.start = time.perf_counter()

    def step(self, label="", finished_row=False):
        """One fit done; ``finished_row``: a line is due (in plain output: the end of a fold)."""
        self.done += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1, description=_clip(label, 24))
            if self.done == self.total:
                self._bar.stop()
            return
        if finished_row or self.done == self.total:
            elapsed = time.perf_counter() - self.start
            left = elapsed / self.done * (self.total - self.done)
            line = f"{self.done}/{self.total} fits, {elapsed:.1f} s, ~{left:.0f} s left: "
            self.console.print(line + _clip(label, 79 - len(line)), markup=False, highlight=False)

    def close(self):
        if self._bar is not None and self.done < self.total:
            self._bar.stop()


def _clip(text, width):
    return text if len(text) <= width else text[: width - 3] + "..."
