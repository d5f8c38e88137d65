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
    for page in (
        "guide/losses.md",
        "guide/quantiles.md",
        "guide/classification.md",
        "guide/dask.md",
        "guide/own-loss.md",
    ):
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
    assert "residual_quantile" in huber and ".. autoclass" not in huber  # rendered, not raw
    # the methods every loss shares are on the Loss page, not copied onto each loss's
    base = (tmp_path / "h" / "generated" / "gbobjectives.Loss.html").read_text()
    assert "fixed_for" in base and "set_params" in base and "set_params" not in huber


def _public():
    """(qualified name, object) of every public name: gbobjectives.__all__ and the adapters'."""
    import gbobjectives
    from gbobjectives import adapters
    from gbobjectives.adapters import dask, lightgbm, xgboost

    out = [(f"gbobjectives.{n}", getattr(gbobjectives, n)) for n in gbobjectives.__all__]
    out.append(("gbobjectives.adapters.SklearnObjective", adapters.SklearnObjective))
    for module in (xgboost, lightgbm, dask):
        out += [(f"{module.__name__}.{n}", getattr(module, n)) for n in module.__all__]
    return out


def _sections(obj):
    import inspect

    from numpydoc.docscrape import NumpyDocString

    return NumpyDocString(inspect.getdoc(obj) or "")


def _takes_parameters(func) -> bool:
    import inspect

    params = [p for p in inspect.signature(func).parameters if p not in ("self", "cls")]
    return bool(params)


@pytest.mark.parametrize("name,obj", _public(), ids=[n for n, _ in _public()])
def test_every_public_name_is_documented(name, obj):
    """numpydoc form: Parameters (where it takes any), Returns (functions), an Examples
    section; and an entry in the API page."""
    import inspect

    doc = _sections(obj)
    init = obj.__init__ if inspect.isclass(obj) else obj
    if inspect.isclass(obj) and init is object.__init__:
        init = None
    if init is not None and _takes_parameters(init):
        assert doc["Parameters"], f"{name}: no Parameters section"
    if inspect.isfunction(obj):
        assert doc["Returns"], f"{name}: no Returns section"
    assert doc["Examples"], f"{name}: no Examples section"
    assert name.rsplit(".", 1)[1] in (ROOT / "docs" / "api.md").read_text(), f"{name} not in docs/api.md"


def _public_methods():
    import inspect

    import gbobjectives

    out = {}
    for _name, obj in _public():
        if not inspect.isclass(obj) or not obj.__module__.startswith("gbobjectives"):
            continue
        for mname, member in inspect.getmembers(obj, inspect.isfunction):
            if (
                not member.__module__.startswith("gbobjectives")
                or mname.startswith("_")
                and not (
                    # an adapter's __call__ is the framework's calling convention, stated in its
                    # class docstring; a loss's is the objective itself
                    mname == "__call__" and issubclass(obj, gbobjectives.Loss)
                )
            ):
                continue
            out.setdefault(member.__qualname__, member)
    return sorted(out.items())


@pytest.mark.parametrize("qualname,method", _public_methods(), ids=[q for q, _ in _public_methods()])
def test_every_public_method_is_documented(qualname, method):
    doc = _sections(method)
    if _takes_parameters(method):
        assert doc["Parameters"], f"{qualname}: no Parameters section"
    assert doc["Returns"], f"{qualname}: no Returns section"


_DOCTESTED = [
    "gbobjectives.metrics",
    "gbobjectives.losses._base",
    "gbobjectives.losses._regression",
    "gbobjectives.losses._classification",
    "gbobjectives.estimators",
    "gbobjectives.adapters._common",
    "gbobjectives.adapters.xgboost",
    "gbobjectives.adapters.lightgbm",
    "gbobjectives.adapters.dask",
    "gbobjectives.diagnosis",
    "gbobjectives.diagnosis.findings",
]


@pytest.mark.parametrize("module_name", _DOCTESTED)
def test_the_docstring_examples_run(module_name):
    import doctest
    import importlib
    import warnings

    module = importlib.import_module(module_name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a framework's own deprecation notices are not ours
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 2 and result.failed == 0, module_name


def test_every_module_with_examples_is_doctested():
    import importlib
    import pkgutil

    import gbobjectives

    for info in pkgutil.walk_packages(gbobjectives.__path__, "gbobjectives."):
        if info.name.startswith("gbobjectives.compare") or info.name in ("gbobjectives.__main__",):
            continue
        module = importlib.import_module(info.name)
        source = Path(module.__file__).read_text()
        if ">>> " in source:
            assert info.name in _DOCTESTED, info.name
