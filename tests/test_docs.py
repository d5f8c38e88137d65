"""The documentation site builds without a warning (where the ``docs`` extra is installed)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# every ```python block of the site's own pages (the README's, included by some pages, run in
# tests/test_readme.py)
PAGE_BLOCKS = [
    (page.relative_to(ROOT / "docs").as_posix(), i, code)
    for page in sorted((ROOT / "docs").rglob("*.md"))
    if "_build" not in page.parts and "generated" not in page.parts
    for i, code in enumerate(re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S))
]


@pytest.mark.parametrize("page,i,code", PAGE_BLOCKS, ids=[f"{p}:{i}" for p, i, _ in PAGE_BLOCKS])
def test_docs_page_example_runs(page, i, code):
    exec(compile(code, f"docs/{page}", "exec"), {"__name__": "__docs__"})


def test_the_pages_have_examples():
    pages = {page for page, _, _ in PAGE_BLOCKS}
    for page in ("guide/losses.md", "guide/quantiles.md", "guide/classification.md", "guide/dask.md",
                 "guide/own-loss.md"):
        assert page in pages, page


def test_the_docs_build_without_warnings(tmp_path):
    # the test extra installs the docs extra: a missing Sphinx is an install error, not a skip
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
