"""The layout is the architecture: the core knows no framework, and imports nothing above it.

- core (``_constants``, ``pointwise``, ``_engine``, ``_objective``, ``losses/``, ``links``,
  ``metrics``, ``_numerics``, ``_validation``): numpy (numba, lazily, in ``_engine``) and
  the package's own core modules only, each only from the layers below it;
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
        PKG / "pointwise.py",
        PKG / "_engine.py",
        PKG / "_objective.py",
        PKG / "_validation.py",
        PKG / "metrics.py",
    ]
)
# The core's layers, lowest first: a module may import only from its own layer or below.
LAYERS = [
    {"gbobjectives._constants"},
    {"gbobjectives.pointwise", "gbobjectives._validation", "gbobjectives._numerics"},
    {"gbobjectives._engine", "gbobjectives.links", "gbobjectives.metrics"},
    {"gbobjectives._objective"},
    {"gbobjectives.losses"},
]
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
            if node.module:
                out.add(".".join([*base, *node.module.split(".")]))
            else:  # from . import x: the module x
                out |= {".".join([*base, a.name]) for a in node.names}
    return out


def _layer(module: str) -> int:
    for i, layer in enumerate(LAYERS):
        if module in layer or any(module.startswith(m + ".") for m in layer):
            return i
    return len(LAYERS)  # above the core: adapters, estimators, cli, demo


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.name)
def test_the_core_imports_only_downward(path):
    """No cycle, no upward edge: formulas < loops < objective call < losses < adapters."""
    me = ".".join(path.relative_to(PKG.parent).with_suffix("").parts)
    me = me.removesuffix(".__init__")
    up = {m for m in _package_imports(path) if _layer(m) > _layer(me)}
    assert not up, f"{me} imports {up} from above its layer"


def test_the_formulas_import_only_math():
    # numpy only for the bit operations of pointwise.pow2i (an int64 viewed as a float64)
    assert _imports(PKG / "pointwise.py") <= {"math", "numpy", "__future__"}
    text = (PKG / "pointwise.py").read_text()
    assert text.count("np.") == text.count(".view(np.float64)") * 2, "numpy beyond pow2i's bit cast"
    assert _package_imports(PKG / "pointwise.py") == {"gbobjectives._constants"}
    assert _package_imports(PKG / "_constants.py") == set()


def test_no_loss_writes_a_formula_of_its_own():
    """The losses name their formulas; no numpy math on margins lives beside them."""
    for path in (PKG / "losses").glob("*.py"):
        text = path.read_text()
        for name in ("np.exp(", "np.tanh(", "np.hypot(", "np.log1p(", "def _grad_hess(", "def _loss("):
            assert name not in text, f"{path.name} computes {name!r} itself"


def test_compare_reaches_the_frameworks_only_through_the_adapters():
    """compare/ is a pipeline of steps; training with a built-in objective is adapting to a
    framework, so it lives in adapters/ (train_builtin) like every other framework call."""
    for path in sorted((PKG / "compare").glob("*.py")):
        assert not (_imports(path) & {"xgboost", "lightgbm", "dask"}), path.name


def test_diagnose_reaches_the_frameworks_only_through_the_adapters():
    """diagnosis/ measures (numpy only); calling a function as a framework would, and the
    short training, are adapting to a framework: adapters/conventions.py."""
    for path in sorted((PKG / "diagnosis").glob("*.py")):
        assert not (_imports(path) & {"xgboost", "lightgbm", "dask", "sklearn"}), path.name
    assert {"xgboost", "lightgbm"} <= {
        n for node in ast.walk(ast.parse((PKG / "adapters" / "conventions.py").read_text()))
        if isinstance(node, ast.Import) for n in (a.name for a in node.names)
    }  # fmt: skip
