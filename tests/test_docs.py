"""The documentation site builds without a warning (where the ``docs`` extra is installed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_docs_build_without_warnings(tmp_path):
    for module in ("sphinx", "furo", "myst_nb", "numpydoc"):
        pytest.importorskip(module, reason='the docs extra is not installed: pip install ".[docs]"')
    res = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(ROOT / "docs"), str(tmp_path / "h")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    for page in ("index", "api", "gallery/04_logcosh_second_order", "guide/estimators", "benchmarks"):
        assert (tmp_path / "h" / f"{page}.html").exists(), page
    huber = (tmp_path / "h" / "generated" / "gbobjectives.Huber.html").read_text()
    assert "gradient_hessian" in huber and ".. autoclass" not in huber  # rendered, not raw


def test_the_docstring_examples_run():
    import doctest

    import gbobjectives.losses._base
    import gbobjectives.metrics

    for module, examples in ((gbobjectives.metrics, 2), (gbobjectives.losses._base, 5)):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.attempted >= examples and result.failed == 0, module.__name__
