"""The benchmark suite runs (a smoke test at tiny sizes: speed is not asserted here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quick_benchmark_runs_and_reports(tmp_path):
    out = tmp_path / "bench.md"
    res = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr
    text = out.read_text()
    for section in (
        "## Kernels",
        "## End to end",
        "## Compile cost",
        "pseudo-Huber",
        "softmax focal K=10",
        "LightGBM replayed gradients",
    ):
        assert section in text
    # the custom models match the built-ins they are timed against
    assert "| XGBoost pseudo-Huber vs reg:pseudohubererror |" in text


def test_quick_floors_benchmark_runs_and_keeps_other_sections(tmp_path):
    out = tmp_path / "results.md"
    out.write_text("# report\n\n<!-- written by benchmarks/scale_defaults.py -->\n## Defaults\n")
    res = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "floors.py"), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr
    text = out.read_text()
    assert "## Defaults" in text and "## XGBoost's floor and peak memory" in text
    assert "| pseudo-Huber(1) |" in text and "| lightgbm |" in text
