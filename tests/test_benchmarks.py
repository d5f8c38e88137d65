"""The benchmark suite runs (a smoke test at tiny sizes: speed is not asserted here)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run_quick(script, out):
    """benchmarks/<script> --quick, writing its report to ``out``; fails with its stderr."""
    res = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr


def test_quick_benchmark_runs_and_reports(tmp_path):
    out = tmp_path / "bench.md"
    _run_quick("run.py", out)
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
    _run_quick("floors.py", out)
    text = out.read_text()
    assert "## Defaults" in text and "## XGBoost's floor and peak memory" in text
    assert "| pseudo-Huber(1) |" in text and "| lightgbm |" in text


def test_quick_bounds_benchmark_runs_and_keeps_other_sections(tmp_path):
    out = tmp_path / "results.md"
    out.write_text("# report\n\n<!-- written by benchmarks/floors.py -->\n## Floors\n")
    _run_quick("bounds.py", out)
    text = out.read_text()
    assert "## Floors" in text and "## What the arithmetic costs by itself" in text
    assert "| package: softmax focal K=10 |" in text


def test_quick_waits_benchmark_runs_and_keeps_other_sections(tmp_path):
    out = tmp_path / "results.md"
    out.write_text("# report\n\n<!-- written by benchmarks/floors.py -->\n## Floors\n")
    _run_quick("waits.py", out)
    text = out.read_text()
    assert "## Floors" in text and "## Where users wait" in text
    for line in ("| xgboost | Huber |", "| lightgbm | [0.1, 0.5, 0.9] |", "| BinaryFocal(2) | 1 |"):
        assert line in text


def test_a_benchmark_section_is_replaced_in_place_and_the_others_kept(tmp_path):
    spec = importlib.util.spec_from_file_location("_report", ROOT / "benchmarks" / "_report.py")
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    out = tmp_path / "results.md"
    a, b = "<!-- written by a -->", "<!-- written by b -->"
    out.write_text("# head\n")
    report.write_section(out, a, a + "\nA1")
    report.write_section(out, b, b + "\nB1")
    report.write_section(out, a, a + "\nA2")  # replaced where it stands, b kept after it
    assert out.read_text() == f"# head\n\n{a}\nA2\n\n{b}\nB1\n"
