"""Sphinx configuration of the gbobjectives documentation.

Build: ``python -m pip install ".[docs]" && python -m sphinx -W -b html docs docs/_build/html``.

Choices (issue 26): Sphinx, as scikit-learn, XGBoost, LightGBM and optax do; the furo theme
(one dependency, search and dark mode built in, no JavaScript framework to pin);
myst-nb for Markdown pages and the notebooks, rendered from their stored outputs (no
execution at build: the notebooks' own test executes them, and a build stays seconds long);
numpydoc for the docstrings. The user guide includes the README's sections rather than
copying them, so there is one text per topic.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import gbobjectives  # noqa: E402

project = "gbobjectives"
author = "the gbobjectives developers"
copyright = "2026, the gbobjectives developers"  # noqa: A001 - the name Sphinx reads
release = version = gbobjectives.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_nb",
]
# .rst first: autosummary writes its stubs with the first suffix
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3
nb_execution_mode = "off"  # the stored outputs
autosummary_generate = True
templates_path = ["_templates"]  # a class page: its own and the package's members, not scikit-learn's
numpydoc_show_class_members = False
numpydoc_validation_checks: set = set()
html_theme = "furo"
# the docstrings' formula blocks ("::") are math in plain text, not Python
highlight_language = "none"
add_module_names = False
html_title = f"gbobjectives {release}"
suppress_warnings = ["myst.header"]  # the README's sections start at level 2 when included


def _plain_bars(app, what, name, obj, options, lines):
    """The docstrings write absolute values as |r|, which reStructuredText reads as a
    substitution: escaped outside literal blocks (the formula blocks after "::")."""
    literal_indent = None
    doctest = False  # a doctest block: from a ">>>" line to the next blank line
    for i, line in enumerate(lines):
        indent = len(line) - len(line.lstrip())
        if literal_indent is not None and line.strip() and indent <= literal_indent:
            literal_indent = None
        doctest = line.lstrip().startswith(">>>") or (doctest and bool(line.strip()))
        if literal_indent is None and not doctest:
            lines[i] = line.replace("|", "\\|")
            if line.rstrip().endswith("::"):
                literal_indent = indent


def _skip_routing(app, what, name, obj, skip, options):
    """scikit-learn adds set_fit_request-style methods to every estimator class; their
    docstrings are scikit-learn's (and link into its own docs)."""
    routing = name == "get_metadata_routing" or (name.startswith("set_") and name.endswith("_request"))
    return True if routing else None


def setup(app):
    app.connect("autodoc-process-docstring", _plain_bars)
    app.connect("autodoc-skip-member", _skip_routing)


# The notebooks live in notebooks/ (their test executes them there); the gallery renders
# copies of them, with their stored outputs, made at each build.
_gallery = Path(__file__).resolve().parent / "gallery"
_gallery.mkdir(exist_ok=True)
for _nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
    (_gallery / _nb.name).write_bytes(_nb.read_bytes())
