"""What ``diagnose`` reports: findings of a documented kind, and the report that holds them."""

from __future__ import annotations

from dataclasses import dataclass, field

# kind -> what it means (the documented, stable list: code may rely on these names)
KINDS = {
    "call": "the objective raised, or returned something the framework cannot read",
    "sign": "the gradient points away from the labels",
    "hessian_nonpositive": "NaN or inf gradients, or NaN, inf, zero or negative hessians",
    "hessian_mismatch": "the hessian is below the derivative of the gradient (Newton steps too long)",
    "no_split": "hessians too small for the framework to split, or Newton steps that vanish or overshoot",
    "start": "the framework's default start is far from the best constant of the loss",
    "layout": "a multi-output shape or order that the framework would misread",
    "weights": "sample weights ignored, or not reaching the function",
    "params": "a framework parameter that changes what is trained or predicted",
    "training": "a short real training shows the symptom (no movement, divergence, NaN)",
}
SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Finding:
    """One problem found by ``diagnose``.

    Parameters
    ----------
    kind : str
        One of ``KINDS`` (stable names: code may rely on them).
    severity : {"error", "warning"}
        An error makes ``Report.ok`` False and the CLI exit with status 1.
    measured : str
        What was measured, with its numbers.
    why : str
        Why it matters for training.
    fix : str
        What to change.
    data : dict
        The measured numbers, by name.

    Examples
    --------
    >>> from gbobjectives.diagnosis import Finding
    >>> f = Finding("sign", "error", "the gradient points away", "trees learn the opposite", "use raw - y")
    >>> f.line()
    'error sign: the gradient points away. Why: trees learn the opposite. Fix: use raw - y.'
    """

    kind: str
    severity: str
    measured: str
    why: str
    fix: str
    data: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind={self.kind!r} is not a documented finding kind: {', '.join(KINDS)}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity={self.severity!r} is not valid: 'error' or 'warning'")

    def line(self) -> str:
        """The finding on one line: severity and kind, what was measured, why, the fix."""
        return f"{self.severity} {self.kind}: {self.measured}. Why: {self.why}. Fix: {self.fix}."


@dataclass
class Report:
    """The findings of one ``diagnose`` run, with what was run.

    Parameters
    ----------
    findings : list of Finding
    framework : str
        The calling convention used.
    rows : int
        The rows given (a sample of at most ``max_rows`` is probed).
    outputs : int
        K, the margin columns.
    link : str
        How margins became predictions for the checks.
    rounds : int
        Rounds of the short training.
    notes : list of str
        What was not run, and why.

    Examples
    --------
    >>> from gbobjectives.diagnosis import Report
    >>> report = Report([], "xgboost", 500, 1, "identity", 10)
    >>> report.ok, report.kinds()
    (True, set())
    """

    findings: list
    framework: str
    rows: int
    outputs: int
    link: str
    rounds: int
    notes: list = field(default_factory=list)

    @property
    def errors(self) -> list:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def ok(self) -> bool:
        """True when no finding is an error."""
        return not self.errors

    def kinds(self) -> set:
        return {f.kind for f in self.findings}

    def lines(self) -> list:
        return [f.line() for f in self.findings]

    def __str__(self) -> str:
        head = (
            f"diagnose: {self.framework} calling convention, {self.rows} rows, {self.outputs} "
            f"output(s), link {self.link}, {self.rounds} training rounds"
        )
        notes = [f"note: {n}" for n in self.notes]
        if not self.findings:
            return "\n".join([head, *notes, "no finding: the objective passed every check"])
        return "\n".join([head, *notes, *self.lines()])
