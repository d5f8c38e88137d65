"""The checks of ``gbobjectives.diagnose``, one function per finding kind.

Each takes a ``Probe`` (the objective as one framework calls it, the labels, the link and
the framework's thresholds) and returns a list of ``Finding``. Nothing here imports a
framework: the calls go through ``adapters.conventions``.

The measurements, and why each is the one that matters:

- ``sign``: a step of the margins against the gradient, small enough to be linear, must
  bring each row's prediction closer to its label (for a loss given, lower the loss). A
  flipped sign moves every row away: the trees then learn the opposite of the data.
- ``hessian_nonpositive``: NaN, inf, zero or negative values at ordinary and extreme margins.
  XGBoost trains silently on them (NaN predictions, or nothing learned), LightGBM gives a
  constant model.
- ``hessian_mismatch``: the hessian against central finite differences of the function's own
  gradient (per row, per column), at two step sizes so that rows at a kink are left out.
  A hessian *above* the derivative is a surrogate (a majoriser, as the "irls" and constant
  hessians are): Newton steps are shorter, never longer, and it is not reported. A hessian
  *below* it makes every Newton step longer than the loss asks for, by their ratio.
- ``no_split``: at the start the trees are grown from, the sum of hessians against the
  framework's ``min_child_weight`` / ``min_sum_hessian_in_leaf`` (under it a node cannot
  split and XGBoost sets its leaf to 0), and, for regression, the Newton step of leaves of
  similar rows (deciles of the residual) against their residual: a vanishing step learns
  nothing in any practical number of rounds, an overshooting one explodes.
- ``start``: the best constant margin of the function's loss, the root of its mean gradient,
  against the framework's start, and the loss between them (the integral of the mean
  gradient, so no loss function is needed).
- ``layout``: for K outputs, the shape returned, and row locality: moving one row's margin
  must change that row's gradient most; if it changes another row's, the function reads or
  writes the (n, K) layout in the other order.
- ``weights``: with weights present, the gradient and hessian must be scaled by them (the
  frameworks do not multiply a custom objective's output by the weights).
"""

from __future__ import annotations

import numpy as np

from ..adapters.conventions import ObjectiveCallError
from .findings import Finding

# ---------------------------------------------------------------- links and distances


def predict(link: str, margin: np.ndarray) -> np.ndarray:
    if link == "identity":
        return margin
    if link == "log":
        return np.exp(np.minimum(margin, 700.0))
    if link == "logit":
        return 1.0 / (1.0 + np.exp(-np.clip(margin, -700.0, 700.0)))
    z = margin - margin.max(axis=1, keepdims=True)  # softmax
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def distance(link: str, y: np.ndarray, margin: np.ndarray) -> np.ndarray:
    """Per row: how far the prediction of ``margin`` is from the label (0 = on it)."""
    p = predict(link, margin)
    if link == "softmax":
        return 1.0 - p[np.arange(len(y)), y.astype(np.int64)]
    return np.abs(y[:, None] - p).mean(axis=1)


# ---------------------------------------------------------------- the checks


def check_sign(probe) -> list[Finding]:
    worst = None
    for label, margin in probe.margins(("start", "typical")):
        g, _, _ = probe.call(margin, exact=True)
        moving = np.abs(g).max(axis=1) > 0
        if not moving.any():
            continue
        eps = 1e-3 * probe.margin_scale / np.abs(g).max()
        stepped = margin - eps * g
        if probe.loss_func is not None:
            before = float(np.sum(probe.user_loss(margin)))
            after = float(np.sum(probe.user_loss(stepped)))
            if after > before:
                what = f"a step against the gradient raised your loss from {before:.6g} to {after:.6g}"
                worst = (1.0, label, what)
            continue
        d0, d1 = probe.distance(margin), probe.distance(stepped)
        # rows on their label (ties: r = 0 exactly) can only move away: left out
        changed = moving & (d0 > 0) & (np.abs(d1 - d0) > 1e-12 * np.maximum(np.abs(d0), 1e-300))
        if not changed.any():
            continue
        away = float(np.mean(d1[changed] > d0[changed]))
        if worst is None or away > worst[0]:
            what = f"a small step against the gradient moved {away:.0%} of the rows away from their labels"
            worst = (away, label, what)
    if worst is None or worst[0] <= 0.1:
        return []
    away, label, what = worst
    severity = "error" if away > 0.5 else "warning"
    return [
        Finding(
            "sign",
            severity,
            f"{what} (at the {label} margins)",
            "boosting steps against the gradient, so the trees learn the opposite of the data"
            + (" for those rows" if severity == "warning" else ""),
            "return the derivative of the loss with respect to the prediction, d loss / d raw "
            "(for squared error raw - y, not y - raw)",
            {"fraction_away": away, "at": label},
        )
    ]


def check_nonpositive(probe) -> list[Finding]:
    """NaN or inf gradients; NaN, inf, negative or zero hessians. An error where training goes
    (the start and typical margins); a warning where it only rarely does (the extreme margins,
    1000 spreads off, +-40 for a logit), and for zero hessians on a minority of the rows. A
    hessian that underflows to exactly 0 at the extreme margins is not reported at all:
    sigmoid(40) is 1.0 in float64, and XGBoost's own binary:logistic floors at 1e-16, the
    same thing."""
    out = []
    worst = {}  # problem -> (rows, label, example row, example value)
    w = probe.weight_mask
    for label, margin in probe.margins(("start", "typical", "extreme")):
        g, h, _ = probe.call(margin)
        problems = {
            "grad": ~np.isfinite(g).all(axis=1),
            "hess": (~np.isfinite(h) | (h < 0)).any(axis=1) & w,
            "zero": ((h == 0).any(axis=1) & w) if label != "extreme" else np.zeros(probe.n, dtype=bool),
        }
        for name, rows in problems.items():
            count = int(rows.sum())
            rank = (label != "extreme", count)  # where training goes first, then the most rows
            if count and (name not in worst or rank > (worst[name][1] != "extreme", worst[name][0])):
                row = int(np.flatnonzero(rows)[0])
                bad = (~np.isfinite(g[row])) if name == "grad" else (~np.isfinite(h[row]) | (h[row] <= 0))
                value = float((g if name == "grad" else h)[row][bad][0])
                worst[name] = (count, label, row, value)
    where = {"start": "at the start", "typical": "at typical margins",
             "extreme": "only at extreme margins (1000 spreads off, or +-40)"}  # fmt: skip
    if "grad" in worst:
        count, label, row, value = worst["grad"]
        out.append(
            Finding(
                "hessian_nonpositive",
                "warning" if label == "extreme" else "error",
                f"the gradient is NaN or inf on {count} of {probe.n} rows {where[label]} "
                f"(row {row}: {value})",
                "XGBoost trains on it silently (predictions NaN or -inf), LightGBM gives a constant model",
                "compute the gradient in a stable form (log1p, expm1, clipped exponents)",
                {"rows": count, "at": label},
            )
        )
    if "hess" in worst:
        count, label, row, value = worst["hess"]
        out.append(
            Finding(
                "hessian_nonpositive",
                "warning" if label == "extreme" else "error",
                f"the hessian is NaN, inf or negative on {count} of {probe.n} rows {where[label]} "
                f"(row {row}: {value:.3g})",
                "both frameworks train silently on it: a negative hessian turns a leaf's Newton step "
                "around, a NaN makes the model NaN (XGBoost) or constant (LightGBM)",
                "floor the hessian at a small positive value (max(h, 1e-6)), or use a surrogate "
                "that is positive (e.g. g / r, the 'irls' hessian)",
                {"rows": count, "at": label, "example_row": row, "example_value": value},
            )
        )
    if "zero" in worst:
        count, label, row, value = worst["zero"]
        out.append(
            Finding(
                "hessian_nonpositive",
                "error" if count > probe.n // 2 else "warning",
                f"the hessian is 0 on {count} of {probe.n} rows {where[label]} (row {row})",
                "those rows add no curvature: where a leaf holds mostly such rows, its hessian sum "
                "falls under min_child_weight and it cannot split, or its Newton step explodes",
                "floor the hessian at a small positive value (max(h, 1e-6)), or use a surrogate "
                "that stays positive (the 'irls' hessian g / r)",
                {"rows": count, "at": label},
            )
        )
    return out


def check_hessian(probe) -> list[Finding]:
    margin = probe.typical
    _, h, _ = probe.call(margin, exact=True)
    worst = None
    # Only every 16th row is moved: a loss whose scale follows the residuals (a quantile of
    # |r|) would otherwise see its scale move with the margins, and the finite difference
    # would measure that too. A 16th of the rows moves such a scale a 16th as much.
    moved = np.zeros(probe.n, dtype=bool)
    moved[::16] = True
    for k in range(probe.k):
        step = probe.fd_step
        e = np.zeros_like(margin)
        e[moved, k] = 1.0
        fd = []
        for s in (step, 2 * step):
            gp, _, _ = probe.call(margin + s * e, exact=True)
            gm, _, _ = probe.call(margin - s * e, exact=True)
            fd.append((gp[:, k] - gm[:, k]) / (2 * s))
        fd1, fd2 = fd
        size = np.maximum(np.abs(fd1), np.abs(fd2))
        smooth = (np.abs(fd1 - fd2) <= 0.05 * size) & (size > 1e-12) & probe.weight_mask & moved
        if smooth.sum() < max(5, 0.02 * probe.n):
            continue
        ratio = h[smooth, k] / fd1[smooth]
        short = (fd1[smooth] > 0) & (ratio < 0.9)
        share = float(short.mean())
        if share > 0.05:
            med = float(np.median(ratio[short]))
            if worst is None or med < worst[1]:
                worst = (k, med, share)
    if worst is None:
        return []
    k, med, share = worst
    column = f" (column {k})" if probe.k > 1 else ""
    return [
        Finding(
            "hessian_mismatch",
            "error" if med < 0.5 else "warning",
            f"the hessian{column} is {med:.3g} times the derivative of your gradient (median, on "
            f"{share:.0%} of the rows; finite differences)",
            f"a leaf's Newton step -G/H is then {1 / max(med, 1e-300):.3g} times the step the loss asks "
            "for: the fit overshoots and oscillates",
            "return the derivative of your gradient (check it by finite differences), or a larger "
            "surrogate; a hessian above the derivative only shortens the steps",
            {"ratio": med, "share": share, "column": k},
        )
    ]


def check_no_split(probe) -> list[Finding]:
    out = []
    g, h, _ = probe.call(probe.start_margin)
    w = probe.weights_or_ones
    if not (np.isfinite(h).all() and np.isfinite(g).all()):
        return out
    scale_up = probe.n_total / probe.n  # the rows the trees will see, when only a sample is probed
    threshold, name = probe.min_hessian
    total = h.sum(axis=0) * scale_up
    k = int(np.argmin(total))
    if total[k] < 2 * threshold:
        out.append(
            Finding(
                "no_split",
                "error",
                f"at the start the hessians of all {probe.n_total} rows sum to {total[k]:.3g}"
                + (f" (column {k})" if probe.k > 1 else "")
                + f", under twice {name} = {threshold:g}",
                "no node can split, so every tree is one leaf"
                + (
                    " and XGBoost sets it to 0: the predictions never move"
                    if probe.framework == "xgboost" and total[k] < threshold
                    else ": one step -G/(H + lambda) for every row, far too long where H is this small"
                ),  # fmt: skip
                "give the loss's scale in the target's units (a delta near the residuals' size, not "
                "1 for a target of 3e4), use a hessian that decays slower (the 'irls' g / r), start "
                "from the best constant, or lower " + name,
                {"hessian_sum": float(total[k]), "threshold": threshold},
            )
        )
        return out
    if probe.link != "identity":
        return out
    # leaves of similar rows: deciles of the residual at the start
    lam = probe.reg_lambda
    ratios = []
    for j in range(probe.k):
        r = probe.y_cols[:, j] - probe.start_margin[:, j]
        if not np.any(r):
            continue
        order = np.argsort(r, kind="stable")
        for part in np.array_split(order, 10):
            rb = r[part]
            if not w[part].sum() > 0:
                continue  # rows of weight 0 grow no leaf
            mean_r = float(np.average(rb, weights=w[part]))
            # leaves around the start (a zero-inflated target puts most rows there) say
            # nothing about step sizes
            if mean_r == 0 or abs(mean_r) < 0.05 * float(np.median(np.abs(r))) or part.size < 2:
                continue
            hb = float(h[part, j].sum()) * scale_up
            gb = float(g[part, j].sum()) * scale_up
            step = 0.0 if hb < threshold else -gb / (hb + lam)
            ratios.append((step / mean_r, mean_r, part.size))
    if not ratios:
        return out
    values = np.array([r[0] for r in ratios])
    med = float(np.median(values))
    top = ratios[int(np.argmax(values))]
    second = float(np.sort(values)[-2]) if len(values) > 1 else 0.0
    frozen = int(np.sum(values == 0.0))
    if frozen > len(values) // 2:
        out.append(
            Finding(
                "no_split",
                "warning",
                f"at the start, {frozen} of {len(values)} leaves of similar residuals have hessians "
                f"summing under {name} = {threshold:g}",
                "trees can hold few leaves, and the rows far from the start move last or not at all",
                "use a hessian that stays positive where the residual is large (the 'irls' hessian "
                "g / r), or lower " + name,
                {"frozen_leaves": frozen, "leaves": len(values)},
            )
        )
    elif 0 <= med < 0.02:  # a negative step is the sign finding's
        out.append(
            Finding(
                "no_split",
                "error" if med < 1e-3 else "warning",
                f"a leaf's Newton step is {med:.2g} times its rows' mean residual (median over "
                "leaves of similar residuals, at the start)",
                f"at learning rate 0.1 the model needs about {min(1e9, 10 / max(med, 1e-12)):.3g} rounds to "
                "close the residuals: it looks like nothing is learned",
                "scale the gradient to the target's units (gbobjectives' Quantile multiplies it by the "
                "mean |residual|), or use a hessian that follows the residual (g / r)",
                {"step_ratio": med},
            )
        )
    elif top[0] > 3.0 and second > 3.0:
        out.append(
            Finding(
                "no_split",
                "error" if top[0] > 10 else "warning",
                f"a leaf's Newton step is {top[0]:.3g} times its rows' mean residual "
                f"({top[1]:.3g}; leaves of similar residuals, at the start)",
                "the leaves overshoot the labels, so the fit oscillates"
                + (
                    " or explodes (the exact pseudo-Huber and log-cosh hessians do this far from the target)"
                    if top[0] > 10
                    else ""
                ),  # fmt: skip
                "use a hessian that makes the Newton step the residual (the 'irls' g / r), raise "
                "lambda, or floor the hessian higher",
                {"step_ratio": float(top[0])},
            )
        )
    return out


def check_start(probe) -> list[Finding]:
    best, bracket = probe.best_constant()
    if best is None and bracket is not None and all(np.isfinite(bracket[2:])):
        lo, hi, glo, ghi = bracket
        if (glo > 0 and ghi > 0) or (glo < 0 and ghi < 0):
            way = "-inf" if glo > 0 else "+inf"
            return [
                Finding(
                    "start",
                    "error",
                    f"no constant margin minimises your loss: the mean gradient is {glo:.3g} at a margin "
                    f"of {lo:.4g} and {ghi:.3g} at {hi:.4g}",
                    f"the gradient never vanishes, so the margins run off towards {way} as rounds go by "
                    "(a formula for labels 0/1 given labels -1/+1 does this)",
                    "check the labels the formula expects (0/1 or -1/+1), and that the gradient is 0 "
                    "where the prediction equals the label",
                    {"low": lo, "high": hi, "grad_low": glo, "grad_high": ghi},
                )
            ]
    if probe.start_given or best is None:
        return []
    c0 = probe.start_margin[0]
    gap = probe.loss_gap(c0, best)
    shift = (c0 - c0.mean()) - (best - best.mean()) if probe.shift_invariant() else c0 - best
    off = float(np.max(np.abs(shift)))  # softmax margins: only differences between classes count
    # far enough to matter: a quarter of the target's spread (identity), or half a unit of
    # log-odds or log-mean (the first trees close less in a few rounds)
    if (
        off <= (0.25 if probe.link == "identity" else 0.5) * probe.margin_scale
        or gap is not None
        and gap <= 0
    ):
        return []
    fmt = lambda v: ", ".join(f"{x:.4g}" for x in np.atleast_1d(v))  # noqa: E731
    gap_text = "" if gap is None else f"; your loss is {gap:.4g} higher there (mean per row)"
    value = fmt(best) if np.size(best) == 1 else f"[{fmt(best)}]"
    if probe.framework == "xgboost":
        from ..adapters.conventions import base_score_of_margin

        b = base_score_of_margin(best if np.size(best) > 1 else best[0], probe.params)
        fix = f"params['base_score'] = {fmt(b) if np.size(b) == 1 else '[' + fmt(b) + ']'}" + (
            ""
            if np.allclose(b, best)
            else " (the margin in the space the objective param reads base_score in)"
        )
    elif probe.framework == "lightgbm":
        rows = f"np.full(n, {value})" if np.size(best) == 1 else f"np.tile({value}, (n, 1))"
        fix = (
            f"lightgbm.Dataset(..., init_score={rows}), and add {value} to "
            "Booster.predict(X, raw_score=True), which leaves init_score out"
        )
    else:
        rows = f"np.full(n, {value})" if np.size(best) == 1 else f"np.tile({value}, (n, 1))"
        fix = f"fit(..., init_score={rows}) (LGBM), base_score={value} (XGBRegressor)"
    return [
        Finding(
            "start",
            "warning",
            f"{probe.start_source} is {fmt(c0)}; the best constant for your loss is {fmt(best)}{gap_text}",
            "the first trees are spent walking from the start to the data, and where the hessian "
            "vanishes far from the target, nothing is learned at all",
            fix,
            {"start": np.atleast_1d(c0).tolist(), "best": np.atleast_1d(best).tolist(), "gap": gap},
        )
    ]


def check_layout(probe, first_note) -> list[Finding]:
    out = []
    if probe.k == 1:
        return out
    if first_note == "flat":
        if probe.framework == "sklearn":
            out.append(
                Finding(
                    "layout",
                    "error",
                    f"a flat ({probe.n * probe.k},) array is returned for {probe.k} outputs",
                    "XGBRegressor reads a flat array row-major and LGBMRegressor class-major: one of "
                    "them trains silently wrong",
                    f"return arrays of shape (n, K) = ({probe.n}, {probe.k})",
                    {},
                )
            )
        else:
            out.append(
                Finding(
                    "layout",
                    "warning",
                    f"a flat ({probe.n * probe.k},) array is returned for {probe.k} outputs",
                    f"{probe.framework} reads it "
                    + ("row-major (deprecated)" if probe.framework == "xgboost" else "class-major")
                    + ", the other framework the other way: the same function trains silently wrong there",
                    f"return arrays of shape (n, K) = ({probe.n}, {probe.k})",
                    {},
                )
            )
    # one entry is moved across its label (identity) or across 0 (logit, softmax), so that
    # even a piecewise-constant gradient (the pinball loss's) changes there
    for k in range(probe.k):
        for i in (0, probe.n // 2):
            low, high = probe.typical.copy(), probe.typical.copy()
            centre = probe.y[i] if probe.link == "identity" else 0.0
            low[i, k] = centre - probe.margin_scale
            high[i, k] = centre + probe.margin_scale
            g0, _, _ = probe.call(low, exact=True)
            g1, _, _ = probe.call(high, exact=True)
            change = np.abs(g1 - g0).max(axis=1)
            own = change[i]
            others = np.delete(change, i)
            if others.size and others.max() > max(0.5 * own, 1e-12):
                j = int(np.argmax(np.where(np.arange(probe.n) == i, -1.0, change)))
                out.append(
                    Finding(
                        "layout",
                        "error",
                        f"moving the margin of row {i}, column {k} changed the gradient of row {j} "
                        f"({change[j]:.3g}) more than row {i}'s ({own:.3g})",
                        "the function reads the (n, K) margins, or writes its gradients, in the other "
                        "order (class-major against row-major): every class is trained on other rows' "
                        "gradients, silently",
                        "take predt as shape (n, K) (XGBoost >= 2.1, LightGBM >= 4.0 pass it so) and "
                        "return (n, K) arrays; never reshape a flat array without stating its order",
                        {"row": i, "column": k, "moved_row": j},
                    )
                )
                return out
    return out


def check_weights(probe) -> list[Finding]:
    user = probe.sample_weight is not None
    severity = "error" if user else "warning"
    if not probe.conv.can_pass_weights():
        return [
            Finding(
                "weights",
                severity,
                "the function takes no weights: it has two parameters and none named sample_weight",
                "XGBRegressor raises when weights are used; LGBMRegressor silently drops them",
                "write f(y_true, y_pred, sample_weight=None) and multiply grad and hess by the weights",
                {"with_weights_only": True},
            )
        ]
    w = probe.test_weights
    margin = probe.typical
    g1, h1, _ = probe.call(margin, None, exact=True)
    try:
        gw, hw, _ = probe.call(margin, w, exact=True)
    except ObjectiveCallError as err:
        return [
            Finding(
                "weights",
                severity,
                f"with weights, {err}",
                "the framework hands the weights to the function when you train with them",
                "multiply by the weights with the right shape (w[:, None] for (n, K) gradients)",
                {"with_weights_only": True},
            )
        ]
    rows = (np.abs(g1).max(axis=1) > 1e-12) & (np.abs(w - 1.0) > 0.1) & (w > 0)
    if rows.sum() < 5:
        return []
    wcol = w[rows, None]

    def ratio_like(a1, aw, power):
        """Whether aw / a1 is a constant times w**power on the rows (a constant: a function may
        normalise its weights, w / mean(w))."""
        with np.errstate(divide="ignore", invalid="ignore"):
            r = aw[rows] / np.where(a1[rows] == 0, np.nan, a1[rows]) / wcol**power
        r = r[np.isfinite(r)]
        if r.size < 5:
            return False
        med = float(np.median(r))
        # most rows, not all: a loss whose scale follows the (weighted) residuals moves the
        # rows beyond its scale a little when the weights change
        return med > 0 and float(np.mean(np.abs(r / med - 1.0) < 0.02)) >= 0.8

    def follows(a1, aw):
        return ratio_like(a1, aw, 1)

    def squared(a1, aw):
        return ratio_like(a1, aw, 2)

    out = []
    third = probe.conv.third_parameter
    named_otherwise = third not in (None, "weight", "weights", "w")
    if probe.framework == "sklearn" and not probe.conv.takes_sample_weight and named_otherwise:
        out.append(
            Finding(
                "weights",
                "warning",
                f"the third parameter is named {third!r}",
                f"LGBMRegressor passes the weights as the third positional argument: {third!r} "
                "receives them, or None without weights, so its default is never used",
                "name the third parameter sample_weight",
                {"parameter": third},
            )
        )
    # Only what cannot be a loss's own doing: a loss may derive a parameter from the weighted
    # labels (class counts, a residual scale), so its output need not be exactly w times.
    g_same, h_same = ratio_like(g1, gw, 0), ratio_like(h1, hw, 0)
    if (squared(g1, gw) and not follows(g1, gw)) or (squared(h1, hw) and not follows(h1, hw)):
        out.append(
            Finding(
                "weights",
                severity,
                "the gradient or hessian is multiplied by the square of the weights",
                "the weights are applied twice: each row counts as w^2 rows",
                "multiply by the weights once",
                {"with_weights_only": True},
            )
        )
    elif g_same and h_same:
        out.append(
            Finding(
                "weights",
                severity,
                "with weights the gradient and hessian are unchanged",
                "neither framework multiplies a custom objective's output by the weights: they are ignored",
                "multiply grad and hess by the weights (dtrain.get_weight(), or sample_weight)",
                {"with_weights_only": True},
            )
        )
    elif g_same != h_same:
        which, other = ("hessian", "gradient") if g_same else ("gradient", "hessian")
        out.append(
            Finding(
                "weights",
                severity,
                f"the {which} follows the weights but the {other} does not",
                "each leaf's Newton step -G/H is then weighted wrongly",
                "multiply both grad and hess by the weights",
                {"with_weights_only": True},
            )
        )
    return out


def _see(found, kinds, otherwise):
    named = [k for k in kinds if k in found]
    return f"see the {', '.join(named)} finding{'s' if len(named) > 1 else ''} above" if named else otherwise


def check_training(probe, trained: np.ndarray, found=frozenset()) -> list[Finding]:
    start = probe.start_margin
    sign_found = "sign" in found
    if not np.isfinite(trained).all():
        bad = int((~np.isfinite(trained)).any(axis=1).sum())
        return [
            Finding(
                "training",
                "error",
                f"after {probe.rounds} rounds {bad} of {probe.n} training predictions are NaN or inf",
                "the model is unusable, and the framework said nothing",
                _see(
                    found,
                    ("hessian_nonpositive",),
                    "look for a NaN or inf gradient or hessian at large margins",
                ),
                {"rounds": probe.rounds},
            )
        ]
    moved = float(np.abs(trained - start).max())
    # float32 margins (XGBoost) round a start of 3e4 by ~1e-3: "not moved" allows for that
    if moved <= 1e-4 * probe.margin_scale + 1e-6 * float(np.abs(start).max()):
        return [
            Finding(
                "training",
                "error",
                f"after {probe.rounds} rounds no training prediction moved more than {moved:.2g} "
                f"from the start ({moved / probe.margin_scale:.2g} of the target's spread)",
                "nothing was learned",
                _see(
                    found,
                    ("sign", "hessian_nonpositive", "no_split"),
                    "check that the hessians are not tiny at "
                    "the target's scale, and lower min_child_weight / min_sum_hessian_in_leaf",
                ),  # fmt: skip
                {"rounds": probe.rounds},
            )
        ]
    # Did the model's loss go down? The loss of the function itself, or, without one, the
    # change of the loss its gradient implies: sum over rows of the integral of g along the
    # straight path from the start to the trained margins (Simpson, 9 points). Distance to
    # the labels would be wrong for an asymmetric loss: a 0.9 quantile moves away from the
    # median, rightly.
    if probe.loss_func is not None:
        before, after = float(np.sum(probe.user_loss(start))), float(np.sum(probe.user_loss(trained)))
        up, scale = after - before, abs(before) + abs(after)
    else:
        delta = trained - start
        ts = np.linspace(0.0, 1.0, 9)
        try:
            vals = [probe.call(start + s * delta, exact=True)[0] * delta for s in ts]
        except ObjectiveCallError:
            return []
        coef = np.array([1, 4, 2, 4, 2, 4, 2, 4, 1]) / 24.0
        up = float(sum(c * v.sum() for c, v in zip(coef, vals)))
        scale = float(sum(c * np.abs(v).sum() for c, v in zip(coef, vals)))
        before = after = None
    if np.isfinite(up) and up > 0.01 * scale:
        what = (
            f"your loss went from {before:.4g} to {after:.4g}"
            if before is not None
            else "the loss your gradient implies went up (its integral along the way is positive)"
        )
        return [
            Finding(
                "training",
                "error",
                f"after {probe.rounds} rounds {what}",
                "the Newton steps overshoot: the model gets worse on its own training data",
                _see(
                    found,
                    ("hessian_mismatch", "no_split", "start"),
                    "a larger hessian (or lambda) shortens the "
                    "Newton steps; a start nearer the labels keeps them small",
                ),  # fmt: skip
                {"rounds": probe.rounds},
            )
        ]
    if sign_found:
        d0, d1 = probe.distance(start).mean(), probe.distance(trained).mean()
        if d1 > d0 * 1.001:
            return [
                Finding(
                    "training",
                    "error",
                    f"after {probe.rounds} rounds the training predictions are further from the labels "
                    f"({d1:.4g} against {d0:.4g} at the start)",
                    "the model learns the wrong way, as the sign finding says",
                    "return d loss / d raw (raw - y for squared error)",
                    {"rounds": probe.rounds, "before": float(d0), "after": float(d1)},
                )
            ]
    return []


__all__ = [
    "check_sign",
    "check_nonpositive",
    "check_hessian",
    "check_no_split",
    "check_start",
    "check_layout",
    "check_weights",
    "check_training",
    "ObjectiveCallError",
]
