"""The ``--losses`` and ``--grid`` language: ``name[:param=value...]`` specs, checked with each
loss's own message before anything is fitted."""

from __future__ import annotations

from ..losses import (
    BinaryFocal,
    ClassBalanced,
    Huber,
    LogCosh,
    Logistic,
    PseudoHuber,
    Quantile,
    SquaredError,
)
from .errors import UsageError

# name -> (constructor, tasks, parameter names)
LOSSES = {
    "squared_error": (lambda p: SquaredError(**p), ("regression",), ()),
    "huber": (
        lambda p: Huber(**p),
        ("regression",),
        ("delta", "residual_quantile", "hessian", "min_hessian"),
    ),
    "pseudo_huber": (
        lambda p: PseudoHuber(**p),
        ("regression",),
        ("delta", "residual_quantile", "hessian", "min_hessian"),
    ),
    "logcosh": (
        lambda p: LogCosh(**p),
        ("regression",),
        ("scale", "residual_quantile", "hessian", "min_hessian"),
    ),
    "quantile": (lambda p: Quantile(**p), ("regression",), ("alpha", "scale", "hessian")),
    "logistic": (lambda p: Logistic(**p), ("binary", "multiclass"), ("min_hessian",)),
    "focal": (lambda p: BinaryFocal(**p), ("binary", "multiclass"), ("gamma", "alpha", "min_hessian")),
    "cb_logistic": (
        lambda p: ClassBalanced(Logistic(), **p),
        ("binary", "multiclass"),
        ("beta", "normalize"),
    ),
    "cb_focal": (
        lambda p: ClassBalanced(
            BinaryFocal(**{k: v for k, v in p.items() if k == "gamma"}),
            **{k: v for k, v in p.items() if k != "gamma"},
        ),
        ("binary", "multiclass"),
        ("beta", "gamma", "normalize"),
    ),
}

DEFAULT_LOSSES = {
    "regression": "squared_error,huber,pseudo_huber,logcosh,quantile:alpha=0.5",
    "binary": "logistic,focal:gamma=2,cb_logistic:beta=0.999,cb_focal:beta=0.999:gamma=2",
    "multiclass": "logistic,focal:gamma=2,cb_logistic:beta=0.999,cb_focal:beta=0.999:gamma=2",
}


def _value(text: str):
    try:
        return int(text) if text.lstrip("-").isdigit() else float(text)
    except ValueError:
        return text


def parse_losses(texts: list[str], task: str) -> list[tuple[str, dict]]:
    """``["huber:delta=1,logcosh", ...]`` -> [("huber", {"delta": 1}), ("logcosh", {})]."""
    specs = []
    for text in texts:
        for item in filter(None, (s.strip() for s in text.split(","))):
            name, *params = item.split(":")
            if name not in LOSSES:
                raise UsageError(f"unknown loss {name!r}; valid losses: {', '.join(LOSSES)}")
            make, tasks, names = LOSSES[name]
            if task not in tasks:
                valid = [n for n, v in LOSSES.items() if task in v[1]]
                raise UsageError(f"loss {name!r} does not fit a {task} task; valid: {', '.join(valid)}")
            kw = {}
            for p in params:
                key, eq, val = p.partition("=")
                if not eq or key not in names:
                    raise UsageError(
                        f"loss {name!r} has no parameter {key!r}; valid: {', '.join(names) or 'none'}"
                        " (write name:param=value)"
                    )
                if key in kw:
                    raise UsageError(f"loss {item!r} gives {key!r} twice; give each parameter once")
                kw[key] = _value(val)
            build_loss(name, kw)  # checks the values now, with the loss's own message
            if (name, kw) in specs:
                raise UsageError(f"loss {item!r} is given twice; give each loss once")
            specs.append((name, kw))
    return specs


def build_loss(name, params):
    try:
        return LOSSES[name][0](params)
    except (ValueError, TypeError) as err:
        raise UsageError(f"loss {name!r}: {err}") from None


def parse_grid(text: str | None) -> tuple[str, list] | None:
    if not text:
        return None
    key, eq, values = text.partition("=")
    vals = [_value(v) for v in values.split(",") if v.strip()]
    if not eq or not vals:
        raise UsageError(f"--grid {text!r} is not valid: write param=v1,v2,... (e.g. delta=0.5,1,2)")
    if key == "alpha":
        raise UsageError(
            f"--grid {text!r}: alpha is the level to predict, not a setting to tune (a lower "
            "quantile is not a worse one); compare levels with --losses quantile:alpha=0.1,"
            "quantile:alpha=0.9"
        )
    return key, vals
