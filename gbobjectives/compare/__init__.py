"""``gbobjectives compare``: which loss suits a table, step by step, a module per step.

- ``tables``: a CSV (or a bundled dataset) into features, target and task, every conversion
  and every dropped column said in a line;
- ``specs``: the ``--losses`` / ``--grid`` language (``huber:delta=2,quantile:alpha=0.9``);
- ``protocol``: one protocol for every row, built-in objectives included: the same folds,
  the same estimator and hyperparameters per backend, the number of rounds chosen by early
  stopping on an inner split of each training fold; per-fold scores out;
- ``scoring``: the metrics of one fold, and which one judges a row;
- ``verdict``: the paired comparison over folds (the corrected resampled t-test) and the
  verdict's words;
- ``report``: the table on the terminal, ``results.csv`` and ``results.md``;
- ``plots``: ``metric_per_loss.png`` and ``learning_curves.png``;
- ``progress``: the progress bar (or plain lines) on stderr.

``gbobjectives.cli`` only parses the arguments and calls these in turn.
"""

from .errors import UsageError
from .protocol import compare

__all__ = ["UsageError", "compare"]
