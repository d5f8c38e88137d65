"""The small real datasets bundled with gbobjectives (see datasets/README.md).

``load(name)`` returns ``(X, y, feature_names)``. The CSVs live in the
repository's ``datasets/`` folder and are installed as the package data
``gbobjectives._bundled_data``, so loading works after a plain ``pip install .``.
"""

from __future__ import annotations

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
    "grunfeld": ("grunfeld.csv", "invest", "regression"),
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


def load(name: str):
    """``(X, y, feature_names)`` of a bundled dataset.

    X is a float array, or, for a table with text columns (``grunfeld``'s ``firm``), a pandas
    DataFrame with those columns as ``category`` dtype, which the estimators and both backends
    split on natively. y is float, or strings for ``seattle_weather``.
    """
    import pandas as pd

    _, target, task = DATASETS[name] if name in DATASETS else (None, None, None)
    with path(name).open("r", encoding="utf-8-sig") as f:
        frame = pd.read_csv(f)
    features = [c for c in frame.columns if c != target]
    X = frame[features]
    text = [c for c in features if not pd.api.types.is_numeric_dtype(X[c])]
    X = X.astype({c: "category" for c in text}) if text else X.to_numpy(np.float64)
    y = frame[target].to_numpy(str if task == "multiclass" else np.float64)
    return X, y, features
