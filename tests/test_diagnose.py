"""gbobjectives.diagnose: each finding kind raised by an objective broken as in a public
thread and not by its fixed version; every loss of the package clean in the three calling
conventions; the CLI's lines and exit status."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gbobjectives as gb
from gbobjectives.adapters import SklearnObjective
from gbobjectives.adapters import xgboost as gbx
from gbobjectives.diagnosis import KINDS, Finding

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _broken_objectives as bo  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RNG = np.random.default_rng(0)
X = RNG.normal(size=(600, 4))
Y_REG = 50 + 10 * X[:, 0] + RNG.standard_t(2, size=600)
Y_BIG = 3e4 + 1e3 * X[:, 0] + 30 * RNG.normal(size=600)
Y_BIN = (X[:, 0] + RNG.normal(size=600) > 1.0).astype(float)
Y_K = np.digitize(X[:, 0] + 0.5 * RNG.normal(size=600), [-0.5, 0.5]).astype(float)
W = RNG.uniform(0.5, 2.0, size=600)


def _kinds(objective, y, **kw):
    kw.setdefault("rounds", 5)
    return gb.diagnose(objective, X, y, **kw)


def _start(y):
    return {"base_score": float(np.median(y))}


# (kind, broken objective, its fix, y, keyword arguments): one case per finding kind
REG, BIG = {"params": _start(Y_REG)}, {"params": _start(Y_BIG)}
MULTI = {"params": {"num_class": 3, "objective": "multi:softprob"}}
SKL = {"framework": "sklearn", "init_score": float(np.median(Y_REG))}
LOGODDS = float(np.log(Y_BIN.mean() / (1 - Y_BIN.mean())))
CASES = [
    ("sign", bo.fair_flipped, bo.fair, Y_REG, REG),
    ("hessian_nonpositive", bo.huber_negative_hessian, bo.huber_irls, Y_REG, REG),
    ("no_split", bo.pseudo_huber_exact, bo.pseudo_huber_target_units, Y_BIG, BIG),
    ("hessian_mismatch", bo.squared_error_hessian_too_small, bo.squared_error, Y_REG, REG),
    ("start", bo.squared_error, bo.squared_error, Y_BIG, {"params": {}, "fixed": BIG}),
    ("weights", bo.squared_error_unweighted, bo.squared_error, Y_REG, {**REG, "sample_weight": W}),
    ("weights", bo.squared_error_unweighted_hessian, bo.squared_error, Y_REG, {**REG, "sample_weight": W}),
    (
        "hessian_nonpositive",
        bo.lgb_logistic_on_margins,
        bo.lgb_logistic,
        Y_BIN,
        {"framework": "lightgbm", "init_score": LOGODDS},
    ),  # fmt: skip
    ("layout", bo.softmax_flat_class_major, bo.softmax, Y_K, MULTI),
    ("layout", bo.softmax_reads_class_major, bo.softmax, Y_K, MULTI),
    ("call", bo.softmax_transposed, bo.softmax, Y_K, MULTI),
    ("call", bo.raises, bo.squared_error, Y_REG, REG),
    (
        "params",
        bo.squared_error,
        bo.squared_error,
        Y_REG,
        {"params": {**_start(Y_REG), "objective": "reg:absoluteerror"}, "fixed": REG},
    ),  # fmt: skip
    ("weights", bo.skl_two_parameters, bo.skl_huber, Y_REG, {**SKL, "sample_weight": W}),
    ("weights", bo.skl_delta_third, bo.skl_huber, Y_REG, SKL),
    ("training", bo.pseudo_huber_exact, bo.pseudo_huber_target_units, Y_BIG, BIG),
    ("training", bo.fair_flipped, bo.fair, Y_REG, REG),
]


@pytest.mark.parametrize("kind,broken,fixed,y,kw", CASES, ids=[f"{c[0]}-{c[1].__name__}" for c in CASES])
def test_a_broken_objective_is_found_and_its_fix_is_not(kind, broken, fixed, y, kw):
    kw = dict(kw)
    fixed_kw = {**kw, **kw.pop("fixed", {})}
    fixed_kw.pop("fixed", None)
    report = _kinds(broken, y, **kw)
    assert kind in report.kinds(), str(report)
    found = [f for f in report.findings if f.kind == kind]
    assert all(f.measured and f.why and f.fix for f in found)
    clean = _kinds(fixed, y, **fixed_kw)
    assert kind not in clean.kinds(), str(clean)


def test_the_fixed_versions_are_clean_of_errors():
    for kind, _, fixed, y, kw in CASES:
        kw = {**kw, **kw.get("fixed", {})}
        kw.pop("fixed", None)
        report = _kinds(fixed, y, **kw)
        assert report.ok, (kind, fixed.__name__, str(report))


def test_the_pseudo_huber_thread_in_numbers():
    """#279: a target around 3e4, delta 1: the hessians 1/s^3 of 600 rows sum to far under
    min_child_weight = 1, and XGBoost's predictions do not move."""
    report = _kinds(bo.pseudo_huber_exact, Y_BIG, params=_start(Y_BIG))
    no_split = next(f for f in report.findings if f.kind == "no_split")
    assert no_split.severity == "error" and no_split.data["hessian_sum"] < 1.0
    training = next(f for f in report.findings if f.kind == "training")
    assert "moved" in training.measured


def test_a_hessian_above_the_derivative_is_not_a_mismatch():
    """Surrogates (irls, constant, XGBoost's 2 p (1 - p)) only shorten the steps."""
    assert "hessian_mismatch" not in _kinds(bo.softmax, Y_K, params={"num_class": 3}).kinds()
    assert "hessian_mismatch" not in _kinds(bo.huber_irls, Y_REG, params=_start(Y_REG)).kinds()


def _package_losses():
    return [
        (gb.SquaredError(), Y_REG),
        (gb.Huber(), Y_REG),
        (gb.PseudoHuber(), Y_REG),
        (gb.LogCosh(), Y_REG),
        (gb.Quantile(0.9), Y_REG),
        (gb.Quantile([0.1, 0.5, 0.9]), Y_REG),
        (gb.Huber(), Y_BIG),
        (gb.Logistic(), Y_BIN),
        (gb.BinaryFocal(gamma=2.0), Y_BIN),
        (gb.BinaryFocal(gamma=2.0, alpha=0.25), Y_BIN),
        (gb.ClassBalanced(gb.Logistic()), Y_BIN),
        (gb.SoftmaxCrossEntropy(3), Y_K),
        (gb.SoftmaxFocal(3, gamma=2.0), Y_K),
        (gb.ClassBalanced(gb.SoftmaxFocal(3, gamma=1.0)), Y_K),
    ]


@pytest.mark.parametrize("framework", ["xgboost", "lightgbm", "sklearn"])
def test_every_package_loss_is_clean(framework):
    """The control: this package's losses, started as its adapters start them (the
    scikit-learn APIs get the loss in SklearnObjective, as the README says), weighted."""
    for loss, y in _package_losses():
        params = {}
        if loss.n_outputs > 1:
            params = {"num_class" if loss.task == "multiclass" else "num_target": loss.n_outputs}
        kw = {"init_score": loss.init_score(y, W)}
        if framework == "xgboost":
            params.update(gbx.params(loss, y, W))
            kw = {}
        objective = SklearnObjective(loss) if framework == "sklearn" else loss
        report = gb.diagnose(
            objective, X, y, sample_weight=W, framework=framework, params=params, rounds=5, **kw
        )
        assert not report.findings, f"{loss!r} on {framework}:\n{report}"


def test_every_kind_is_documented_and_findings_are_checked():
    assert set(KINDS) >= {"sign", "hessian_mismatch", "hessian_nonpositive", "no_split", "start", "layout",
                          "weights", "training"}  # fmt: skip
    with pytest.raises(ValueError, match="not a documented finding kind"):
        Finding("signs", "error", "m", "w", "f")
    docs = (ROOT / "docs" / "guide" / "diagnose.md").read_text()
    for kind in KINDS:
        assert f"`{kind}`" in docs, kind


@pytest.mark.parametrize(
    "kw,match",
    [
        ({"framework": "catboost"}, "framework='catboost' is not valid"),
        ({"rounds": -1}, "rounds=-1 is not valid"),
        ({"sample_weight": -W}, "sample_weight must be finite and >= 0"),
        ({"link": "probit"}, "link='probit' is not valid"),
        ({"n_outputs": 0}, "n_outputs=0 is not valid"),
    ],
)
def test_bad_input_is_one_clear_error(kw, match):
    with pytest.raises(ValueError, match=match):
        gb.diagnose(bo.squared_error, X, Y_REG, **kw)
    with pytest.raises(ValueError, match="expected a callable"):
        gb.diagnose("squared_error", X, Y_REG)
    bad = Y_REG.copy()
    bad[3] = np.nan
    with pytest.raises(ValueError, match=r"y\[3\] = nan is not finite"):
        gb.diagnose(bo.squared_error, X, bad)


# ------------------------------------------------------------------------------ the CLI
def _cli(tmp_path, objective, y, *extra, weights=None):
    import pandas as pd

    csv = tmp_path / "data.csv"
    columns = {**{f"x{i}": X[:, i] for i in range(4)}, "y": y}
    if weights is not None:
        columns["w"] = weights
    pd.DataFrame(columns).to_csv(csv, index=False)
    return subprocess.run(
        [sys.executable, "-m", "gbobjectives", "diagnose", objective, str(csv), "--target", "y",
         "--rounds", "3", *extra],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip


def test_cli_one_line_per_finding_and_exit_1_on_an_error(tmp_path):
    path = ROOT / "tests" / "_broken_objectives.py"
    res = _cli(tmp_path, f"{path}:pseudo_huber_exact", Y_BIG, "--param", f"base_score={np.median(Y_BIG)}")
    assert res.returncode == 1, res.stderr
    lines = res.stdout.strip().splitlines()
    assert lines[0].startswith("diagnose: xgboost calling convention, 600 rows")
    findings = [ln for ln in lines[1:] if not ln.startswith("note:")]
    kinds = [ln.split(":")[0] for ln in findings]
    assert kinds == ["error no_split", "error training"], res.stdout
    assert any(ln.startswith("note: with weights the gradient and hessian are unchanged") for ln in lines)
    assert all("Why:" in ln and "Fix:" in ln for ln in findings)


def test_cli_exit_0_when_clean(tmp_path):
    path = ROOT / "tests" / "_broken_objectives.py"
    res = _cli(tmp_path, f"{path}:squared_error", Y_REG, "--param", f"base_score={np.median(Y_REG)}")
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.strip().endswith("no finding: the objective passed every check")


def test_cli_imports_a_module_from_the_working_directory(tmp_path):
    (tmp_path / "my_objectives.py").write_text(
        "def flipped(predt, dtrain):\n    r = dtrain.get_label() - predt\n    return r, r * 0 + 1\n"
    )
    res = _cli(tmp_path, "my_objectives:flipped", Y_REG, "--param", f"base_score={np.median(Y_REG)}")
    assert res.returncode == 1 and "error sign:" in res.stdout, res.stdout + res.stderr


@pytest.mark.parametrize(
    "objective,extra,message",
    [
        ("no_such_module:f", (), "cannot import 'no_such_module'"),
        ("justaname", (), "give module:function"),
        ("os:sep", (), "not a function"),
        ("os:path_that_is_not", (), "has no 'path_that_is_not'"),
        ("os:getcwd", ("--framework", "catboost"), "invalid choice"),
    ],
)
def test_cli_bad_input_exit_2(tmp_path, objective, extra, message):
    res = _cli(tmp_path, objective, Y_REG, *extra)
    assert res.returncode == 2, res.stdout + res.stderr
    assert message in res.stderr and "Traceback" not in res.stderr, res.stderr


def test_the_demo_logistic_objective_is_not_an_error():
    """Its hessian is exactly 0 at a margin of 40: the frameworks' own floor is 1e-16."""
    for framework, kw in (("xgboost", {"params": {"objective": "binary:logistic"}}), ("lightgbm", {})):
        report = _kinds(bo.logreg_demo if framework == "xgboost" else bo.lgb_logistic, Y_BIN,
                        framework=framework, **kw)  # fmt: skip
        assert report.ok, str(report)


def test_a_log_link_is_found_and_base_score_is_read_as_a_mean():
    y = RNG.poisson(np.exp(0.5 + 0.6 * X[:, 0])).astype(float)
    report = _kinds(bo.poisson, y, params={"objective": "count:poisson"})
    assert report.link == "log" and report.ok, str(report)
    start = next(f for f in report.findings if f.kind == "start")
    assert abs(start.data["start"][0] - np.log(0.5)) < 1e-12  # base_score 0.5 is a mean there
    # the start given as a margin reaches XGBoost as a mean: the training is sound
    given = _kinds(bo.poisson, y, params={"objective": "count:poisson"}, init_score=float(np.log(y.mean())))
    assert not given.findings, str(given)


def test_an_asymmetric_loss_may_move_away_from_the_median():
    report = _kinds(bo.quantile90, Y_REG, params={**_start(Y_REG), "max_depth": 2, "eta": 0.3}, rounds=10)
    assert "training" not in report.kinds(), str(report)


def test_the_best_constant_counts_the_weights_once():
    y = Y_BIN
    w = np.where(y == 1, 1.0, 5.0)
    report = gb.diagnose(bo.lgb_logistic, X, y, sample_weight=w, framework="lightgbm", rounds=0)
    best = next(f for f in report.findings if f.kind == "start").data["best"][0]
    p = y.sum() / (y.sum() + 5 * (1 - y).sum())  # the weighted share: weights counted once
    assert abs(best - np.log(p / (1 - p))) < 1e-6


def test_zero_weights_on_a_sorted_table_and_data_errors():
    order = np.argsort(Y_REG)
    w = np.ones(600)
    w[:80] = 0.0
    report = gb.diagnose(
        bo.squared_error, X[order], Y_REG[order], sample_weight=w, params=_start(Y_REG), rounds=3
    )
    assert report.ok, str(report)
    import pandas as pd

    frame = pd.DataFrame({"a": X[:, 0], "s": np.where(X[:, 1] > 0, "u", "v")})
    with pytest.raises(ValueError, match="cannot be made into a xgboost DMatrix"):
        gb.diagnose(bo.squared_error, frame, Y_REG)


def test_a_crash_with_weights_is_a_weights_finding():
    report = _kinds(bo.softmax_weights_1d, Y_K, params={"num_class": 3, "objective": "multi:softprob"})
    assert "call" not in report.kinds() and any("with weights, it raised" in n for n in report.notes), str(
        report
    )
    weighted = _kinds(bo.softmax_weights_1d, Y_K, sample_weight=W, params={"num_class": 3})
    assert "weights" in {f.kind for f in weighted.errors}, str(weighted)


def test_second_review_cases():
    # a zero-inflated target, median 0 (crashed: a leaf with mean residual 0 was divided by)
    yz = np.where(RNG.random(600) < 0.67, 0.0, RNG.gamma(2.0, 2.0, size=600))
    assert gb.diagnose(bo.lgb_squared_error, X, yz, framework="lightgbm", rounds=3).ok
    # normalised weights are proportional weights
    assert gb.diagnose(
        bo.squared_error_normalised_weights, X, Y_REG, sample_weight=W, params=_start(Y_REG)
    ).ok
    # num_target with integer labels: several regression outputs, not classes
    counts = RNG.poisson(1.0, size=600).clip(0, 2).astype(float)
    mq = gb.diagnose(bo.multi_quantile, X, counts, params={"num_target": 3, "base_score": 1.0}, rounds=3)
    assert mq.link == "identity" and "sign" not in mq.kinds(), str(mq)
    # a formula for 0/1 labels given -1/+1: no constant minimises it, the margins run away
    pm1 = np.where(Y_BIN > 0, 1.0, -1.0)
    report = gb.diagnose(bo.logistic_01_formula, X, pm1, params={"objective": "binary:logitraw"}, rounds=0)
    assert any(f.kind == "start" and f.severity == "error" for f in report.findings), str(report)
    # one-vs-rest: not shift-invariant, so its start is not centred
    yk = np.where(RNG.random(600) < 0.8, 0.0, RNG.integers(1, 3, size=600).astype(float))
    ovr = gb.diagnose(bo.one_vs_rest, X, yk, framework="lightgbm", params={"num_class": 3}, rounds=0)
    best = np.array(next(f for f in ovr.findings if f.kind == "start").data["best"])
    share = np.bincount(yk.astype(int), minlength=3) / 600
    assert np.allclose(best, np.log(share / (1 - share)), atol=1e-6)
    assert "np.tile(" in next(f for f in ovr.findings if f.kind == "start").fix
    # a loss= in the wrong space (probabilities) is set aside, not trusted
    report = _kinds(bo.fair_flipped, Y_REG, params=_start(Y_REG), loss=lambda y, raw: np.log(raw - 1e9))
    assert "sign" in report.kinds() and any(n.startswith("loss= not used") for n in report.notes)
    # LightGBM cannot split 30 rows at min_data_in_leaf=20: a note, not the objective's fault
    small = gb.diagnose(bo.lgb_squared_error, X[:30], Y_REG[:30], framework="lightgbm", init_score=50.0)
    assert small.ok and any("cannot split 30 rows" in n for n in small.notes), str(small)


def test_the_exact_huber_hessian_is_found_out():
    """The guide page's claim: the package's non-default exact Huber hessian (0 beyond delta,
    floored) makes leaves overshoot on LightGBM, and the short training confirms it."""
    loss = gb.Huber(delta=2.0, hessian="exact")
    report = gb.diagnose(loss, X, Y_REG, framework="lightgbm", init_score=loss.init_score(Y_REG), rounds=10)
    assert {"no_split", "training"} <= {f.kind for f in report.errors}, str(report)


def test_cli_weight_column(tmp_path):
    path = ROOT / "tests" / "_broken_objectives.py"
    start = ("--param", f"base_score={np.median(Y_REG)}")
    res = _cli(tmp_path, f"{path}:squared_error_unweighted", Y_REG, *start, "--weight", "w", weights=W)
    assert res.returncode == 1 and "error weights: with weights the gradient" in res.stdout, res.stdout
    res = _cli(tmp_path, f"{path}:squared_error", Y_REG, *start, "--weight", "w", weights=W)
    assert res.returncode == 0 and "note: with weights" not in res.stdout, res.stdout + res.stderr
    bad = W.copy()
    bad[5] = -1.0
    res = _cli(tmp_path, f"{path}:squared_error", Y_REG, "--weight", "w", weights=bad)
    assert res.returncode == 2 and "weight column 'w' holds" in res.stderr and "row 7" in res.stderr, (
        res.stderr
    )
    res = _cli(tmp_path, f"{path}:squared_error", Y_REG, "--weight", "nope")
    assert res.returncode == 2 and "weight column 'nope' is not valid" in res.stderr, res.stderr


def test_a_bare_nested_loss_in_the_sklearn_apis_is_named():
    """The framework-traps page: LGBMClassifier forwards a ClassBalanced loss's get_params as
    objective__base_loss and fails; diagnose names the wrapper, which trains clean."""
    loss = gb.ClassBalanced(gb.BinaryFocal(gamma=2.0))
    init = loss.init_score(Y_BIN)
    bare = gb.diagnose(loss, X, Y_BIN, framework="sklearn", init_score=init, rounds=3)
    refusal = next(f for f in bare.errors if f.kind == "training")
    assert "SklearnObjective" in refusal.fix, str(bare)
    assert gb.diagnose(SklearnObjective(loss), X, Y_BIN, framework="sklearn", init_score=init, rounds=3).ok
