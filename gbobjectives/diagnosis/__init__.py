"""``gbobjectives.diagnose`` (this package): check anyone's custom objective before training on it.

XGBoost and LightGBM accept almost any function as an objective, silently. ``diagnose``
calls yours the way the named framework would (its calling convention, dtypes and shapes,
on your rows or a sample of them), measures what the recurring mistakes change, and
trains a few real rounds to confirm the symptom. Each finding says what was measured, why
it matters and the fix; its ``kind`` is one of ``KINDS``. The checks are in
``diagnosis/checks.py``, the framework calls in ``adapters/conventions.py``.
"""

from __future__ import annotations

import numpy as np

from .findings import KINDS, Finding, Report

__all__ = ["diagnose", "Report", "Finding", "KINDS"]

_MAX_ROWS = 20_000


def _rows(X, idx):
    if hasattr(X, "iloc"):
        return X.iloc[idx]
    return X[idx]


def _check_inputs(objective, X, y, sample_weight, framework, rounds, max_rows):
    from ..adapters.conventions import FRAMEWORKS

    if not callable(objective):
        raise ValueError(f"objective={objective!r} is not valid: expected a callable objective function")
    if framework not in FRAMEWORKS:
        raise ValueError(f"framework={framework!r} is not valid: one of {', '.join(map(repr, FRAMEWORKS))}")
    if isinstance(rounds, bool) or not isinstance(rounds, int | np.integer) or rounds < 0:
        raise ValueError(f"rounds={rounds!r} is not valid: an integer >= 0 (0 skips the training)")
    if not isinstance(max_rows, int | np.integer) or max_rows < 20:
        raise ValueError(f"max_rows={max_rows!r} is not valid: an integer >= 20")
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y has shape {y.shape}; diagnose takes a 1-d label array")
    try:
        y = y.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError("y is not numeric: encode class labels as 0..K-1") from None
    if not np.isfinite(y).all():
        row = int(np.flatnonzero(~np.isfinite(y))[0])
        raise ValueError(f"y[{row}] = {y[row]} is not finite; the frameworks need finite labels")
    if len(y) < 20:
        raise ValueError(f"y has {len(y)} rows; diagnose needs at least 20")
    if getattr(X, "shape", (len(y),))[0] != len(y):
        raise ValueError(f"X has {X.shape[0]} rows but y has {len(y)}")
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if sample_weight.shape != y.shape:
            raise ValueError(f"sample_weight has shape {sample_weight.shape}; expected {y.shape}")
        if not (np.isfinite(sample_weight).all() and (sample_weight >= 0).all() and sample_weight.sum() > 0):
            raise ValueError("sample_weight must be finite and >= 0, with a positive sum")
    return y, sample_weight


def _outputs(params: dict, n_outputs) -> int:
    if n_outputs is not None:
        if isinstance(n_outputs, bool) or not isinstance(n_outputs, int | np.integer) or n_outputs < 1:
            raise ValueError(f"n_outputs={n_outputs!r} is not valid: an integer >= 1")
        return int(n_outputs)
    for name in ("num_class", "num_target"):
        if name in params:
            return max(1, int(params[name]))
    return 1


def _params_findings(framework, params, link) -> list:
    out = []
    objective = params.get("objective")
    if framework == "xgboost" and objective in ("reg:quantileerror", "reg:absoluteerror"):
        out.append(
            Finding(
                "params",
                "error",
                f"params objective={objective!r}",
                "XGBoost then rewrites every leaf with residual quantiles, whatever gradients obj= returns",
                "set objective='reg:squarederror' (it only fixes the link and base_score's space)",
                {"objective": objective},
            )
        )
    if framework == "xgboost" and objective is None and link in ("logit", "softmax"):
        what = "binary:logistic" if link == "logit" else "multi:softprob"
        out.append(
            Finding(
                "params",
                "warning",
                "no objective in params for a classification objective",
                "XGBoost's predict() then returns raw margins"
                + (" (with num_class: class labels, multi:softmax)" if link == "softmax" else "")
                + ", and its default metric and early stopping see margins, not probabilities",
                f"set params objective={what!r} beside obj= (it sets the link, not the gradients)",
                {},
            )
        )
    if "early_stopping_rounds" in params and not any(k in params for k in ("metric", "eval_metric")):
        out.append(
            Finding(
                "params",
                "warning",
                "early_stopping_rounds without a metric in params",
                "early stopping then follows the framework's default metric, computed on raw margins, "
                "not your loss",
                "give your metric (custom_metric= / feval=) and disable the default one "
                "(XGBoost: disable_default_eval_metric=1; LightGBM: metric='None')",
                {},
            )
        )
    return out


def diagnose(
    objective,
    X,
    y,
    *,
    sample_weight=None,
    framework="xgboost",
    params=None,
    rounds=10,
    n_outputs=None,
    link=None,
    loss=None,
    init_score=None,
    max_rows=_MAX_ROWS,
    seed=0,
) -> Report:
    """Check a custom objective for the mistakes that XGBoost and LightGBM accept silently.

    Parameters
    ----------
    objective : callable
        Your objective, written for ``framework``'s calling convention:
        ``f(predt, dtrain)`` (xgboost), ``f(preds, train_data)`` (lightgbm) or
        ``f(y_true, y_pred[, sample_weight])`` (sklearn, both frameworks' estimators).
    X : array-like, sparse matrix or DataFrame of shape (n_samples, n_features)
        The features (used by the short training; the objective sees the labels).
    y : array-like of shape (n_samples,)
        The labels as the framework gets them (classes as 0..K-1).
    sample_weight : array-like of shape (n_samples,), optional
        The weights you will train with. Without them the weights check runs on synthetic
        weights, and reports a warning rather than an error.
    framework : {"xgboost", "lightgbm", "sklearn"}, default "xgboost"
        Whose calling convention, dtypes and layout to use.
    params : dict, optional
        The framework parameters you will train with (``num_class``, ``base_score``,
        ``min_child_weight``, ``objective``, ...); used as given in the short training.
    rounds : int, default 10
        Boosting rounds of the short training (0 skips it).
    n_outputs : int, optional
        K, the number of margin columns; by default ``num_class`` or ``num_target`` from
        ``params``, else 1.
    link : {"identity", "log", "logit", "softmax"}, optional
        How margins become predictions, for "closer to the label"; by default from
        ``params["objective"]`` or the labels (0/1: logit; 0..K-1 with K outputs: softmax).
    loss : callable, optional
        ``loss(y_true, raw) -> per-row values``: your loss, for the sign check and the start's
        loss gap (otherwise integrated from your gradient).
    init_score : float or array-like of shape (K,), optional
        The start you will give (``base_score`` / ``init_score``); by default the
        framework's own start for a custom objective (XGBoost 0.5, LightGBM 0).
    max_rows : int, default 20000
        Probe at most this many rows (a seeded sample of them).
    seed : int, default 0

    Returns
    -------
    Report
        ``report.findings``: a list of :class:`Finding` (``kind``, ``severity``,
        ``measured``, ``why``, ``fix``, ``data``); ``report.ok`` is False when any is an error;
        ``str(report)`` gives one line per finding.

    Raises
    ------
    ValueError
        For bad input (not for a bad objective: that is a finding).

    Examples
    --------
    >>> import numpy as np
    >>> from gbobjectives import diagnose
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 3)); y = 3e4 + 1e3 * X[:, 0] + rng.normal(size=500)
    >>> def pseudo_huber(predt, dtrain):  # exact hessian in target units: vanishes at 3e4
    ...     r = predt - dtrain.get_label()
    ...     s = np.sqrt(1 + r * r)
    ...     return r / s, 1 / s**3
    >>> report = diagnose(pseudo_huber, X, y, framework="xgboost", params={"base_score": np.median(y)})
    >>> [f.kind for f in report.errors]
    ['no_split', 'training']
    >>> print(report.errors[0].measured)
    at the start the hessians of all 500 rows sum to 0.14, under twice min_child_weight = 1
    """
    from ..adapters._common import has_varying_feature
    from ..adapters.conventions import (
        Convention,
        ObjectiveCallError,
        base_score_of_margin,
        scaled_thresholds,
        short_training,
    )
    from . import checks
    from .probe import _LINKS, Probe, infer_link

    params = dict(params or {})
    y, sample_weight = _check_inputs(objective, X, y, sample_weight, framework, rounds, max_rows)
    k = _outputs(params, n_outputs)
    if link is not None and link not in _LINKS:
        raise ValueError(f"link={link!r} is not valid: one of {', '.join(map(repr, _LINKS))}")
    if init_score is not None and np.ndim(init_score) >= 1 and len(init_score) == len(y) and len(y) > k:
        rows = np.asarray(init_score, dtype=np.float64).reshape(len(y), -1)
        if np.all(rows == rows[0]):  # np.full(n, c) or np.tile(c, (n, 1)): one start
            init_score = rows[0] if rows.shape[1] > 1 else float(rows[0, 0])
    if init_score is not None and np.size(init_score) not in (1, k):
        raise ValueError(
            f"init_score has {np.size(init_score)} values; give the start as one number or {k} (one "
            "per output): a per-row offset is not checked"
        )
    if init_score is not None and framework == "xgboost":
        # the start (a margin) goes in as base_score, in the space the objective param reads
        # it in (a probability for binary:logistic, a mean for count:poisson, ...)
        params["base_score"] = base_score_of_margin(init_score, params)
        init_score = None
    n_total = len(y)
    if n_total > max_rows:
        idx = np.sort(np.random.default_rng(seed).choice(n_total, max_rows, replace=False))
        X, y = _rows(X, idx), y[idx]
        sample_weight = None if sample_weight is None else sample_weight[idx]
    link_given = link is not None
    conv = Convention(objective, X, y, sample_weight, framework, k)  # one per run: its datasets too
    if link is None:
        link = infer_link(y, k, params, conv)
    if link == "softmax" and not (np.all(y == np.round(y)) and y.min() >= 0 and y.max() < k):
        raise ValueError(f"link 'softmax' with {k} outputs needs labels 0..{k - 1}")
    probe = Probe(
        conv,
        params,
        link=link,
        loss=loss,
        init_score=init_score,
        rounds=rounds,
        n_total=n_total,
        seed=seed,
    )
    report = Report([], framework, n_total, k, link, rounds)
    if loss is not None:
        try:
            finite = all(np.isfinite(probe.user_loss(m)).all() for m in (probe.start_margin, probe.typical))
        except Exception as err:  # the user's loss function
            finite, why = False, f"it raised {type(err).__name__}: {err}"
        else:
            why = "it returned NaN or inf"
        if not finite:
            report.notes.append(
                f"loss= not used: at the start or typical margins {why} (it takes y_true and the raw "
                "margins, not probabilities); the checks use the gradient instead"
            )
            probe.loss_func = None
    if not link_given:
        report.notes.append(
            f"link {link!r} inferred from the labels and where the gradient vanishes; give link= "
            "(--link) if your objective's predictions are another function of the margin"
        )
    report.findings.extend(_params_findings(framework, params, link))
    try:
        _, _, note = probe.call(probe.typical)
    except ObjectiveCallError as err:
        if sample_weight is not None:
            try:  # does it fail only with the weights?
                probe.call(probe.typical, None)
            except ObjectiveCallError:
                pass
            else:
                report.findings.append(
                    Finding(
                        "weights",
                        "error",
                        f"with your weights, {err} (without them it runs)",
                        "the framework hands it the weights whenever you train with them",
                        "multiply by the weights with the right shape (w[:, None] for (n, K) gradients)",
                        {},
                    )
                )
                return report
        report.findings.append(
            Finding(
                "call",
                "error",
                f"called as {framework} calls it, {err}",
                "the framework would raise, or (for a wrong shape) misread it",
                _call_fix(framework, k, probe.conv),
                {},
            )
        )
        return report
    try:
        report.findings += checks.check_layout(probe, note)
        if any(f.kind == "layout" and f.severity == "error" for f in report.findings):
            return report  # every other measurement would read the wrong rows
        report.findings += checks.check_nonpositive(probe)
        report.findings += checks.check_sign(probe)
        report.findings += checks.check_hessian(probe)
        report.findings += checks.check_no_split(probe)
        report.findings += checks.check_start(probe)
        for finding in checks.check_weights(probe):
            if sample_weight is None and finding.data.get("with_weights_only"):
                # "when weights are present": without them this is advice, not a finding
                report.notes.append(
                    f"{finding.measured}: harmless without weights; if you add them, {finding.fix}"
                )
            else:
                report.findings.append(finding)
    except ObjectiveCallError as err:
        report.findings.append(
            Finding(
                "call",
                "error",
                f"at other margins, {err}",
                "the framework would raise there",
                _call_fix(framework, k, probe.conv),
                {},
            )  # fmt: skip
        )
        return report
    if rounds > 0 and framework == "sklearn" and k > 1 and link == "identity":
        report.notes.append(
            "no short training: LightGBM's scikit-learn estimators have no multi-output regression "
            "(one model per output), and XGBRegressor needs 2-d labels for it"
        )
    elif rounds > 0 and not has_varying_feature(probe.conv.X):
        report.notes.append("no short training: no feature of X varies, so no tree can split")
    elif rounds > 0 and framework != "xgboost" and probe.n < 2 * probe.min_data:
        report.notes.append(
            f"no short training: LightGBM cannot split {probe.n} rows with min_data_in_leaf="
            f"{probe.min_data} (every leaf needs that many), whatever the objective"
        )
    elif rounds > 0:
        train_params = params
        if probe.n < n_total:  # on the sample, with the thresholds scaled as the hessian sums are
            train_params = scaled_thresholds(framework, params, probe.n / n_total)
            report.notes.append(
                f"the short training ran on a sample of {probe.n} of {n_total} rows, its leaf thresholds "
                "(min_child_weight, min_sum_hessian_in_leaf, min_data_in_leaf) scaled to match"
            )
        try:
            trained = short_training(probe.conv, train_params, rounds, probe.start, probe.start_given)
        except Exception as err:  # the framework's refusal: of the objective, or of the data?
            text = str(err).splitlines()[0][:200] if str(err) else ""
            reason = f"{type(err).__name__}: {text}" if text else type(err).__name__
            builtin = {
                "softmax": {"xgboost": "multi:softprob", "lightgbm": "multiclass", "sklearn": "multiclass"},
                "logit": {"xgboost": "binary:logistic", "lightgbm": "binary", "sklearn": "binary"},
            }.get(link, {"xgboost": "reg:squarederror", "lightgbm": "l2", "sklearn": "l2"})[framework]
            try:
                short_training(
                    probe.conv, train_params, rounds, probe.start, probe.start_given, objective=builtin
                )
            except Exception:  # a built-in objective is refused too: the data or the params
                report.notes.append(
                    f"no short training: {framework} refused it ({reason}), and refuses the built-in "
                    f"{builtin!r} on these rows and params too, so that is not the objective's doing"
                )
                return report
            report.findings.append(
                Finding(
                    "training",
                    "error",
                    f"{framework} refused to train with it: {reason}",
                    f"the objective cannot be used as it is (the built-in {builtin!r} trains on these rows)",
                    "pass it wrapped, gbobjectives.adapters.SklearnObjective(loss): the scikit-learn "
                    "estimators forward an objective's get_params() as objective__* parameters"
                    if framework == "sklearn" and hasattr(objective, "get_params")
                    else _call_fix(framework, k, probe.conv),
                    {},
                )
            )
            return report
        report.findings += checks.check_training(probe, trained, report.kinds())
    return report


def _call_fix(framework, k, conv=None):
    shape = "(n,)" if k == 1 else "(n, K)"
    third = None if conv is None else conv.third_parameter
    if framework == "sklearn" and third is not None and not conv.takes_sample_weight:
        return (
            f"LightGBM passes the weights (None without them) as the third positional argument, "
            f"{third!r} here: name it sample_weight, or take two parameters"
        )
    sig = {
        "xgboost": "f(predt, dtrain) with predt the raw margins and labels from dtrain.get_label()",
        "lightgbm": "f(preds, train_data) with preds the raw scores and labels from train_data.get_label()",
        "sklearn": "f(y_true, y_pred, sample_weight=None)",
    }[framework]
    return f"write {sig}, returning two float arrays of shape {shape}"
