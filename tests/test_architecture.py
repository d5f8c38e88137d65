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
