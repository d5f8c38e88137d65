"""The layout is the architecture: the core knows no framework.

- core (``losses/``, ``links.py``, ``metrics.py``, ``_numerics.py``, ``_validation.py``):
  numpy and the package's own core modules only;
- ``adapters/``: the only place xgboost and lightgbm are imported;
- ``import gbobjectives`` loads neither framework.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "gbobjectives"
CORE = sorted(
    [
        *(PKG / "losses").glob("*.py"),
        PKG / "links.py",
        PKG / "_numerics.py",
        PKG / "_constants.py",
        PKG / "_validation.py",
        PKG / "metrics.py",
    ]
)
FRAMEWORKS = {"xgboost", "lightgbm", "dask", "distributed", "sklearn", "scipy", "pandas"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", [p for p in CORE if p.exists()], ids=lambda p: p.name)
def test_core_modules_import_numpy_only(path):
    assert not (_imports(path) & FRAMEWORKS), f"{path.name} imports {_imports(path) & FRAMEWORKS}"


def test_importing_the_package_loads_no_framework():
    code = (
        "import sys, gbobjectives; "
        "print(sorted(m for m in ('xgboost', 'lightgbm', 'sklearn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _package_imports(path: Path) -> set[str]:
    """The gbobjectives modules that ``path`` imports (relative imports, resolved)."""
    tree = ast.parse(path.read_text())
    here = path.relative_to(PKG.parent).with_suffix("").parts[:-1]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            base = here[: len(here) - node.level + 1]
            out.add(".".join([*base, *(node.module.split(".") if node.module else [])]))
    return out


def test_kernels_and_losses_do_not_import_each_other():
    """Mode codes and constants live in a leaf module that both use."""
    kernels = _package_imports(PKG / "_kernels.py")
    assert not any(m.startswith("gbobjectives.losses") for m in kernels), kernels
    for path in (PKG / "losses").glob("*.py"):
        assert not any("_kernels" in m for m in _package_imports(path)), path.name
    assert _package_imports(PKG / "_constants.py") == set()
