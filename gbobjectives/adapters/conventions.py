"""Calling anyone's objective the way XGBoost or LightGBM would, for ``gbobjectives.diagnose``.

A custom objective is written for one calling convention (the facts below were measured
with XGBoost 3.2 and LightGBM 4.7):

- ``xgboost.train(obj=f)``: ``f(predt, dtrain)``, ``predt`` the raw margins in float32, shape
  (n,), or (n, K) with ``num_class`` / ``num_target``; labels and weights are read from the
  ``DMatrix``. A flat (n * K,) result is read row-major (with a FutureWarning).
- ``lightgbm.train({"objective": f})``: ``f(preds, train_data)``, ``preds`` float64, (n,) or
  (n, K) with ``num_class``. A flat result is read class-major (``order="F"``), silently.
- the scikit-learn APIs of both: ``f(y_true, y_pred)``, with the weights as the keyword
  ``sample_weight`` (XGBoost: only when weights exist; a function without that parameter
  raises then) or as the third positional argument (LightGBM, by the parameter count: a
  third parameter with a default, ``f(y, p, delta=1.0)``, silently receives the weights).

``Convention`` hands a margin array to the objective in the framework's types and reads
the result back as that framework would, into (n, K) float64 arrays; ``short_training``
trains a few rounds on it. This is the only module of ``diagnose`` that imports a framework.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np

FRAMEWORKS = ("xgboost", "lightgbm", "sklearn")


class ObjectiveCallError(Exception):
    """The objective raised, or returned something the framework cannot read."""


def _positional_count(func) -> int | None:
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(p.kind in kinds for p in sig.parameters.values())


def _takes_var_keyword(func) -> bool:
    try:
        return any(
            p.kind == inspect.Parameter.VAR_KEYWORD for p in inspect.signature(func).parameters.values()
        )
    except (TypeError, ValueError):
        return False


def _parameter_names(func) -> list[str]:
    try:
        return list(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return []


class Convention:
    """One framework's way of calling ``objective`` on the rows ``X``, ``y``.

    ``call(margin, weighted)`` passes (n, K) float64 margins (as the framework's dtype and
    shape, or float64 with ``exact=True``, for finite differences) and returns
    ``(grad, hess, note)``: (n, K) float64 arrays read as the framework reads the result, and
    a note on its layout (None, "flat", or a description of what the framework would
    refuse).
    """

    def __init__(self, objective, X, y, sample_weight, framework, n_outputs):
        if framework not in FRAMEWORKS:
            raise ValueError(f"framework={framework!r} is not valid: one of {', '.join(FRAMEWORKS)}")
        self.objective = objective
        self.framework = framework
        self.y = np.asarray(y, dtype=np.float64)
        self.n = len(self.y)
        self.k = int(n_outputs)
        self.sample_weight = sample_weight
        self.X = X
        self._data = {}
        names = _parameter_names(objective)
        self.positional = _positional_count(objective)
        # a parameter named sample_weight, or **kwargs, takes XGBoost's keyword
        self.takes_sample_weight = "sample_weight" in names or _takes_var_keyword(objective)
        self.third_parameter = names[2] if len(names) >= 3 else None

    # ----------------------------------------------------------------- the data objects
    def _dataset(self, weights):
        key = None if weights is None else id(weights)
        if key not in self._data:
            try:
                self._data[key] = (weights, self._make_dataset(weights))
            except Exception as err:  # the data, not the objective: bad input
                name = {"xgboost": "DMatrix", "lightgbm": "Dataset"}[self.framework]
                raise ValueError(f"X and y cannot be made into a {self.framework} {name}: {err}") from None
        return self._data[key][1]

    def _make_dataset(self, weights):
        if True:
            if self.framework == "xgboost":
                import xgboost

                return xgboost.DMatrix(self.X, label=self.y, weight=weights, enable_categorical=True)
            if self.framework == "lightgbm":
                import lightgbm

                d = lightgbm.Dataset(self.X, label=self.y, weight=weights, params={"verbose": -1})
                return d.construct()
            return None

    def can_pass_weights(self) -> bool:
        """Whether the framework would hand this function any weights."""
        if self.framework != "sklearn":
            return True
        return self.takes_sample_weight or (self.positional or 0) >= 3

    # ----------------------------------------------------------------- one call
    def call(self, margin, weights=None, *, exact=False):
        margin = np.asarray(margin, dtype=np.float64).reshape(self.n, self.k)
        dtype = np.float32 if (self.framework == "xgboost" and not exact) else np.float64
        m = margin[:, 0] if self.k == 1 else margin
        m = np.array(m, dtype=dtype, order="C", copy=True)  # a function may write into predt
        data = None if self.framework == "sklearn" else self._dataset(weights)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if self.framework == "sklearn":
                    out = self._call_sklearn(m, weights)
                else:
                    out = self.objective(m, data)
        except Exception as err:  # the user's function: any error is a finding
            raise ObjectiveCallError(f"it raised {type(err).__name__}: {err}") from err
        return self._read(out)

    def _call_sklearn(self, m, weights):
        y = self.y.copy()
        if self.takes_sample_weight:  # both: XGBoost by keyword (only with weights), LightGBM third
            return self.objective(y, m) if weights is None else self.objective(y, m, sample_weight=weights)
        if (self.positional or 0) >= 3:
            return self.objective(y, m, weights)  # LightGBM, by the count: None without weights
        return self.objective(y, m)  # two parameters: LightGBM passes no weights

    def _read(self, out):
        if not isinstance(out, tuple | list) or len(out) != 2:
            raise ObjectiveCallError(f"it returned {type(out).__name__}, not a (grad, hess) pair")
        arrays = []
        notes = []
        for name, a in zip(("grad", "hess"), out):
            try:
                a = np.asarray(a, dtype=np.float64)
            except (TypeError, ValueError) as err:
                raise ObjectiveCallError(f"its {name} is not numeric: {err}") from err
            arr, note = self._layout(name, a)
            arrays.append(arr)
            if note:
                notes.append(note)
        return arrays[0], arrays[1], "; ".join(dict.fromkeys(notes)) or None

    def _layout(self, name, a):
        n, k = self.n, self.k
        if a.shape == (n, k) or (k == 1 and a.shape == (n,)):
            return a.reshape(n, k), None
        if k > 1 and a.shape == (k, n):
            raise ObjectiveCallError(
                f"its {name} has shape {a.shape}, classes first; both frameworks want (n, K) = ({n}, {k})"
            )
        if a.size != n * k:
            raise ObjectiveCallError(
                f"its {name} has shape {a.shape}; the framework wants {(n,) if k == 1 else (n, k)}"
            )
        flat = a.reshape(-1)
        if self.framework == "lightgbm":
            return flat.reshape(k, n).T.copy(), "flat"  # class-major: ravel(order="F")
        return flat.reshape(n, k), "flat"  # XGBoost (and, ambiguous, sklearn): row-major


# The space XGBoost reads base_score in, by the objective param (measured on 3.2: a
# base_score b gives a starting margin of logit(b) for these, log(b) for those, b else).
_LOGIT_SPACE = ("binary:logistic", "reg:logistic")  # binary:hinge and :logitraw read a margin
_LOG_SPACE = ("count:poisson", "reg:gamma", "reg:tweedie")


def base_score_space(params: dict) -> str:
    objective = params.get("objective")
    objective = objective if isinstance(objective, str) else ""
    if objective in _LOGIT_SPACE:
        return "logit"
    if objective in _LOG_SPACE:
        return "log"
    return "margin"


def margin_of_base_score(b, params: dict) -> np.ndarray:
    b = np.atleast_1d(np.asarray(b, dtype=np.float64))
    space = base_score_space(params)
    if space == "logit":
        return np.log(b / (1.0 - b))
    if space == "log":
        return np.log(b)
    return b


def base_score_of_margin(m, params: dict):
    m = np.asarray(m, dtype=np.float64)
    space = base_score_space(params)
    out = 1.0 / (1.0 + np.exp(-m)) if space == "logit" else np.exp(m) if space == "log" else m
    return float(out) if out.ndim == 0 else out.tolist()


def default_start(framework: str, params: dict, k: int) -> tuple[np.ndarray, str]:
    """The margin a framework starts a custom objective from, and where that comes from."""
    params = params or {}
    if framework == "xgboost":
        if "base_score" in params:
            return np.resize(margin_of_base_score(params["base_score"], params), k), "base_score from params"
        how = {"logit": ", a probability: margin 0", "log": ", a mean: margin log 0.5"}
        return (
            np.resize(margin_of_base_score(0.5, params), k),
            f"XGBoost's start for a custom objective (base_score 0.5{how.get(base_score_space(params), '')})",
        )
    if framework == "lightgbm":
        return np.zeros(k), "LightGBM's start for a custom objective (boost_from_average is ignored)"
    return np.zeros(k), "LGBMRegressor's start for a custom objective (XGBRegressor's is 0.5)"


def leaf_thresholds(framework: str, params: dict) -> dict:
    """What decides whether a node splits and how far a leaf moves, as the framework reads
    ``params`` (LightGBM's names under any of its aliases, from its own list): ``min_hessian``
    (value, the name to say), ``reg_lambda``, and LightGBM's ``min_data``."""
    if framework == "xgboost":
        lam = params.get("lambda", params.get("reg_lambda", 1.0))
        return {
            "min_hessian": (float(params.get("min_child_weight", 1.0)), "min_child_weight"),
            "reg_lambda": float(lam),
            "min_data": 0,
        }
    from .lightgbm import _param

    return {
        "min_hessian": (float(_param(params, "min_sum_hessian_in_leaf", 1e-3)), "min_sum_hessian_in_leaf"),
        "reg_lambda": float(_param(params, "lambda_l2", 0.0)),
        "min_data": int(_param(params, "min_data_in_leaf", 20)),
    }


def scaled_thresholds(framework: str, params: dict, frac: float) -> dict:
    """``params`` for a training on a fraction of the rows, the leaf thresholds scaled so that
    a leaf of the sample stands for a leaf of the whole data (LightGBM's aliases of them
    replaced by the main name, so that no two disagree)."""
    now = leaf_thresholds(framework, params)
    if framework == "xgboost":
        return {**params, "min_child_weight": now["min_hessian"][0] * frac}
    import lightgbm

    out = dict(params)
    for name in ("min_sum_hessian_in_leaf", "min_data_in_leaf"):
        for alias in lightgbm.basic._ConfigAliases.get(name):
            out.pop(alias, None)
    out["min_sum_hessian_in_leaf"] = now["min_hessian"][0] * frac
    out["min_data_in_leaf"] = max(1, int(round(now["min_data"] * frac)))
    return out


def short_training(conv: Convention, params: dict, rounds: int, start: np.ndarray, start_given: bool,
                   objective=None):  # fmt: skip
    """Train ``rounds`` rounds on the framework with the objective (or another one, such as
    a built-in name, to tell the data's problems from the objective's); return the training
    margins, (n, K) float64, the start included."""
    objective = conv.objective if objective is None else objective
    # a short run has no validation set, and sets its own rounds and objective
    drop = ("early_stopping_rounds", "early_stopping_round", "n_estimators", "num_boost_round",
            "num_iterations", "objective" if conv.framework != "xgboost" else "")  # fmt: skip
    params = {key: v for key, v in (params or {}).items() if key not in drop}
    n, k = conv.n, conv.k
    init = np.tile(start, (n, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if conv.framework == "xgboost":
            import xgboost

            p = {"verbosity": 0, **params}
            if k > 1 and "num_class" not in p and "num_target" not in p:
                p["num_target"] = k
            d = xgboost.DMatrix(conv.X, label=conv.y, weight=conv.sample_weight, enable_categorical=True)
            if isinstance(objective, str):
                p["objective"] = objective
            booster = xgboost.train(p, d, rounds, obj=None if isinstance(objective, str) else objective)
            raw = booster.predict(d, output_margin=True)
            return np.asarray(raw, dtype=np.float64).reshape(n, k)
        import lightgbm

        p = {"verbose": -1, **params}
        if conv.framework == "lightgbm":
            p["objective"] = objective
            if k > 1:
                p.setdefault("num_class", k)
            d = lightgbm.Dataset(
                conv.X,
                label=conv.y,
                weight=conv.sample_weight,
                init_score=(init[:, 0] if k == 1 else init) if start_given else None,
            )
            booster = lightgbm.train(p, d, rounds)
            raw = booster.predict(conv.X, raw_score=True)
        else:
            cls = lightgbm.LGBMClassifier if k > 1 else lightgbm.LGBMRegressor
            model = cls(objective=objective, n_estimators=rounds, **p)
            model.fit(
                conv.X,
                conv.y if k == 1 else conv.y.astype(int),
                sample_weight=conv.sample_weight,
                init_score=(init[:, 0] if k == 1 else init) if start_given else None,
            )
            raw = model.predict(conv.X, raw_score=True)
        raw = np.asarray(raw, dtype=np.float64).reshape(n, k)
        return raw + init if start_given else raw
