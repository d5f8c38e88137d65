"""The README's set-up commands and examples, as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_ci_runs_the_readme_test_command_exactly():
    bash_blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    test_command = bash_blocks[1].strip()
    assert "pytest" in test_command
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1] == test_command
    assert bash_blocks[0].strip() == "python -m pip install . && python -m gbobjectives"


@pytest.mark.parametrize("code", PYTHON_BLOCKS, ids=[f"block{i}" for i in range(len(PYTHON_BLOCKS))])
def test_readme_example_runs(code):
    exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})


def test_there_is_one_example_per_interface():
    text = "\n".join(PYTHON_BLOCKS)
    for call in ("xgb.train(", "xgb.XGBClassifier(", "lgb.train(", "lgb.LGBMRegressor(", "GridSearchCV("):
        assert call in text
