"""The small real datasets bundled with gbobjectives (see datasets/README.md).

``load(name)`` returns ``(X, y, feature_names)``; numpy only. The CSVs live in the
repository's ``datasets/`` folder and are installed as the package data
``gbobjectives._bundled_data``, so loading works after a plain ``pip install .``.
"""

from __future__ import annotations

import csv
import importlib.resources
from pathlib import Path

import numpy as np

# name -> (file, target column, task)
DATASETS = {
    "wage": ("wage.csv", "wage", "regression"),
    "engel": ("engel.csv", "foodexp", "regression"),
    "bikeshare": ("bikeshare.csv", "bikers", "regression"),
    "default": ("default.csv", "default", "binary"),
    "seattle_weather": ("seattle_weather.csv", "weather", "multiclass"),
}


def path(name: str):
    """The file of dataset ``name`` (installed package data, or the checkout's datasets/)."""
    if name not in DATASETS:
        raise ValueError(f"dataset {name!r} is not bundled: choose one of {sorted(DATASETS)}")
    file = DATASETS[name][0]
    try:
        resource = importlib.resources.files("gbobjectives._bundled_data") / file
        if resource.is_file():
            return resource
    except ModuleNotFoundError:  # running from a checkout: the package data is datasets/
        pass
    return Path(__file__).resolve().parents[1] / "datasets" / file


def read_csv(source) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV file (a path or an importlib resource)."""
    # utf-8-sig: a byte-order mark (spreadsheet programs write one) is not part of the first name
    with source.open("r", newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader)
        return header, [row for row in reader if row]


def load(name: str):
    """``(X, y, feature_names)`` of a bundled dataset; y is float, or strings for ``seattle_weather``."""
    _, target, task = DATASETS[name] if name in DATASETS else (None, None, None)
    header, rows = read_csv(path(name))
    j = header.index(target)
    features = [h for i, h in enumerate(header) if i != j]
    X = np.array([[float(v) for i, v in enumerate(r) if i != j] for r in rows])
    y_raw = [r[j] for r in rows]
    y = np.array(y_raw) if task == "multiclass" else np.array(y_raw, dtype=np.float64)
    return X, y, features
