"""The contract every loss keeps, and the machinery they share.

A loss is its pointwise formulas (``gbobjectives.pointwise``: loss, gradient and hessian of
one sample, each written once), a start (``init_score``) and a link. Vocabulary:
``y_true``, ``raw_prediction``, ``sample_weight``; ``y_pred = link.inverse(raw_prediction)``.

This module (and everything under ``gbobjectives.losses``) imports numpy and the package's
core only: no boosting framework, nothing of ``adapters`` or ``estimators``. A loss is also
callable, so that it can be handed to XGBoost or LightGBM as the objective; ``__call__``
goes to ``gbobjectives._objective``, the core's one objective call, which recognises the
framework's calling convention from its arguments without importing any framework.
"""

from __future__ import annotations

import copy
import inspect

import numpy as np

from .. import _engine, _objective
from .._validation import (
    as_float_array,
    check_finite,
    check_sample_weight,
    check_scalar,
    squeeze_column,
)

# The public methods of a loss that a subclass may override, and where each is honoured
# (every one of them on every path; ``gradient`` is refused: it is gradient_hessian's first):
#
# - ``gradient_hessian``: what the frameworks train on (xgboost.train, lightgbm.train, their
#   sklearn estimators, GBRegressor / GBClassifier, leaf renewal's trees, Dask workers),
#   checked there (finite, hessian > 0 where the weight is) and multiplied by the loss's
#   objective scale (``Quantile``'s s; 1 for the others). The start stays ``init_score``'s.
# - ``loss``: what the metrics of a loss report (the estimators' default early-stopping
#   metric, ``adapters.dask.custom_metric(None, loss)``).
# - ``init_score``: the start on every path (estimators, ``adapters.xgboost.params``, the
#   LightGBM adapters, ``fixed_for``; ``adapters.dask.init_score`` gathers the labels to call it).
# - ``validate_y``: every path that reads labels (objective calls, starts, eval sets).
# - ``predict``: margins to predictions (estimators' predict / predict_proba, the metric
#   adapters); not the conversion of a start into XGBoost's base_score, which is the
#   framework's own link.
# - ``class_weights`` (ClassBalanced): the class weights on every path.
EXTENSION_POINTS = ("loss", "gradient_hessian", "init_score", "class_weights", "validate_y", "predict")


def _defined_outside_package(cls, name: str) -> bool:
    owner = next((c for c in cls.__mro__ if name in c.__dict__), None)
    return owner is not None and not owner.__module__.startswith("gbobjectives.")


class Loss:
    """The base class of every loss: the methods below are those of every loss.

    A loss holds its hyperparameters and nothing else. ``gradient_hessian`` gives the pair a
    framework trains on, ``loss`` its value, ``init_score`` the best constant margin (the
    start), ``predict`` the inverse link, ``fixed_for`` the loss with its data-derived
    parameters fixed from a training run's labels. Every loss is also the objective itself:
    ``xgboost.train(..., obj=loss)``, ``lightgbm.train({"objective": loss}, ...)`` and both
    scikit-learn APIs call it (``__call__``).

    Class attributes (flags, after scikit-learn's ``_loss``):

    - ``task``: "regression", "binary" or "multiclass".
    - ``link``: the inverse of which turns raw margins into predictions.
    - ``hessian_exact``: True when the returned hessian is the true second derivative wherever
      it is above ``min_hessian`` (the floor that keeps it strictly positive). False when the
      loss returns a surrogate (constant, majoriser); the reason is written where it is made.

    A subclass of a package loss may override ``loss``, ``gradient_hessian``,
    ``init_score``, ``validate_y``, ``predict`` (and ``class_weights`` of ``ClassBalanced``);
    each override is honoured on every path (``gradient`` is refused: override
    ``gradient_hessian``). A new loss names its pointwise formulas instead: see the user
    guide, "Writing a loss of your own".

    Examples
    --------
    >>> import numpy as np
    >>> import gbobjectives as gb
    >>> loss = gb.LogCosh(scale=1.0)
    >>> isinstance(loss, gb.Loss), loss.task, loss.hessian_exact  # irls: a surrogate hessian
    (True, 'regression', False)
    >>> y, raw = np.array([0.0, 1.0]), np.array([0.5, 0.5])
    >>> grad, hess = loss.gradient_hessian(y, raw)
    >>> step = 1e-6  # the gradient is the derivative of the loss
    >>> numeric = (loss.loss(y, raw + step) - loss.loss(y, raw - step)) / (2 * step)
    >>> bool(np.allclose(grad, numeric, atol=1e-8))
    True
    """

    task = "regression"
    link = None
    hessian_exact = True
    min_hessian = 0.0
    # True where ``_at`` reads the labels as class indices (so they must be valid first)
    _at_reads_labels = False
    # The per-row check (``gbobjectives.pointwise``) equivalent to ``_check_y``, declared by the
    # class that defines ``_check_y``; None: no such check, labels are validated first.
    _label_check = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # the methods through which losses computed their math before version 0.2: a subclass
        # that overrides one would be silently ignored, so it is refused
        old = [m for m in ("_grad_hess", "_loss", "_kernel_spec") if m in cls.__dict__]
        if old:
            raise TypeError(
                f"{cls.__name__} defines {', '.join(old)}, which gbobjectives no longer calls: a "
                "loss names its pointwise formulas instead (formulas = Formulas(loss_fn, "
                "grad_hess_fn); see gbobjectives.pointwise)"
            )
        if _defined_outside_package(cls, "gradient"):
            # one source for the gradient: every path that needs one (the start, the Dask
            # start, the frameworks) reads it from gradient_hessian
            raise TypeError(
                f"{cls.__name__} defines gradient, which is gradient_hessian(...)[0] on every path: "
                "override gradient_hessian instead (or name pointwise formulas)"
            )
        cls._overrides = frozenset(m for m in EXTENSION_POINTS if _defined_outside_package(cls, m))

    # The public methods a subclass may override (see EXTENSION_POINTS), as overridden by a
    # class outside the package; every path that uses one calls the public method then.
    _overrides: frozenset = frozenset()

    def _calls_public(self, name: str) -> bool:
        """True where the paths must call the public method ``name`` (a subclass of the
        user's overrides it) rather than the compiled formulas or the private start."""
        return name in self._overrides

    # ------------------------------------------------------------------ parameters
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values() if p.name != "self"]

    def get_params(self, deep: bool = True) -> dict:
        """Hyperparameters by name, scikit-learn style (nested ones as ``outer__inner``).

        Parameters
        ----------
        deep : bool, default True
            Include the parameters of a nested loss (``ClassBalanced``'s ``base_loss__gamma``).

        Returns
        -------
        dict

        Examples
        --------
        >>> import gbobjectives as gb
        >>> gb.ClassBalanced(gb.BinaryFocal(gamma=2.0)).get_params()["base_loss__gamma"]
        2.0
        """
        out = {}
        for name in self._param_names():
            value = getattr(self, name)
            out[name] = value
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                for k, v in value.get_params(deep=True).items():
                    out[f"{name}__{k}"] = v
        return out

    def set_params(self, **params) -> Loss:
        """Set hyperparameters (nested with ``__``), all or none.

        The new values are checked together on a fresh instance first; only when every one is
        valid are they assigned (a refused ``set_params(delta=-2)`` leaves the loss as it was).
        Nested losses are updated in place (same object), as in scikit-learn.

        Parameters
        ----------
        **params
            Hyperparameters by name (``delta=2.0``, ``base_loss__gamma=1.0``).

        Returns
        -------
        Loss
            The loss itself.

        Raises
        ------
        ValueError
            A name the loss does not have, or a value it cannot take, naming both.

        Examples
        --------
        >>> import gbobjectives as gb
        >>> loss = gb.Huber(delta=1.0)
        >>> loss.set_params(delta=2.0).delta
        2.0
        >>> try:
        ...     loss.set_params(delta=-2.0)
        ... except ValueError:
        ...     print(loss.delta)  # unchanged
        2.0
        """
        names = self._param_names()
        current = self.get_params(deep=False)
        nested: dict[str, dict] = {}
        for key, value in params.items():
            head, sep, tail = key.partition("__")
            if head not in names:
                raise ValueError(f"Invalid parameter {head!r} for {type(self).__name__}; valid: {names}")
            if sep:
                nested.setdefault(head, {})[tail] = value
            else:
                current[head] = value
        new_nested = {}
        for head, sub in nested.items():
            inner = copy.deepcopy(current[head])  # the replacement, if one was given too
            inner.set_params(**sub)  # raises before anything of self is touched
            new_nested[head] = inner
        candidate = type(self)(**{**current, **new_nested})  # validates the whole set
        for head, inner in new_nested.items():
            target = getattr(self, head)
            if head not in params and type(target) is type(inner):
                # only nested parameters changed: update the nested object in place
                target.__dict__.update(inner.__dict__)
                candidate.__dict__[head] = target
        self.__dict__.update(candidate.__dict__)
        return self

    def _validate_params(self) -> None:  # overridden where there are parameters
        pass

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params(deep=False).items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        a, b = self.get_params(deep=False), other.get_params(deep=False)
        return all(
            np.array_equal(np.asarray(a[k]), np.asarray(b[k]))
            if not hasattr(a[k], "get_params")
            else a[k] == b[k]
            for k in a
        )

    # Equal losses would need equal hashes, and a loss's parameters can change (set_params):
    # like a mutable container, a loss is unhashable.
    __hash__ = None

    # ------------------------------------------------------------------ shape of the output
    @property
    def n_outputs(self) -> int:
        """Columns of raw_prediction: 1, or K for multi-class / multi-quantile."""
        return 1

    # ------------------------------------------------------------------ input checks
    def _check_raw(self, raw_prediction) -> np.ndarray:
        # The formulas compute in float64 whatever the input (float32 squares overflow at 1.8e19).
        raw = as_float_array("raw_prediction", raw_prediction).astype(np.float64, copy=False)
        k = self.n_outputs
        if k == 1:
            raw = squeeze_column("raw_prediction", raw)
        elif raw.ndim != 2 or raw.shape[1] != k:
            raise ValueError(f"raw_prediction must have shape (n, {k}) for {self!r}, got {raw.shape}")
        check_finite("raw_prediction", raw)
        return raw

    def _labels_checked_in_loop(self) -> bool:
        """True where the loop's per-row label check is the whole of ``_check_y``: the class
        whose ``_check_y`` is in effect declared ``_label_check`` beside it, the formulas use
        that check, and ``_check_y`` returns the labels unchanged (a subclass that narrows or
        transforms the labels in its own ``_check_y`` gets them validated first)."""
        owner = next(c for c in type(self).__mro__ if "_check_y" in c.__dict__)
        check = owner.__dict__.get("_label_check")
        return check is not None and self.formulas is not None and self.formulas.label_is_bad is check

    def _check_y(self, y: np.ndarray) -> np.ndarray:
        """Validate labels (a float array); return them in the form the formulas use."""
        raise NotImplementedError

    def validate_y(self, y_true) -> np.ndarray:
        """The labels checked and converted to the form the loss's code uses.

        Parameters
        ----------
        y_true : array-like of shape (n,), or (n, K) for a multi-quantile loss

        Returns
        -------
        ndarray of float64

        Raises
        ------
        ValueError
            A label the loss cannot take (NaN or inf; a class outside 0..K-1), naming it.

        Examples
        --------
        >>> import gbobjectives as gb
        >>> gb.Logistic().validate_y([0, 1, 1]).tolist()
        [0.0, 1.0, 1.0]
        >>> try:
        ...     gb.Logistic().validate_y([0, 2])
        ... except ValueError as e:
        ...     print("refused")
        refused
        """
        y = as_float_array("y_true", y_true)
        if not (self.task == "regression" and self.n_outputs > 1 and y.ndim == 2):
            y = squeeze_column("y_true", y)
        return self._check_y(y)

    def _prepare(self, y_true, raw_prediction, sample_weight):
        raw = self._check_raw(raw_prediction)
        y = self.validate_y(y_true)
        if y.shape[0] != raw.shape[0]:
            raise ValueError(
                f"y_true has {y.shape[0]} rows but raw_prediction has {raw.shape[0]}; they must match"
            )
        w = check_sample_weight(sample_weight, raw.shape[0])
        return y, raw, w

    # ------------------------------------------------------------------ public API
    def loss(self, y_true, raw_prediction, sample_weight=None) -> np.ndarray:
        """Per-sample loss, times ``sample_weight`` when given.

        Parameters
        ----------
        y_true : array-like of shape (n,)
        raw_prediction : array-like of shape (n,), or (n, K) for K outputs
            Raw margins (before the link).
        sample_weight : array-like of shape (n,), optional

        Returns
        -------
        ndarray of shape (n,), or (n, K) for a multi-quantile loss

        Examples
        --------
        >>> import gbobjectives as gb
        >>> gb.Huber(1.0).loss([0.0, 0.0], [0.5, 3.0]).tolist()
        [0.125, 2.5]
        """
        y, raw, w = self._prepare(y_true, raw_prediction, sample_weight)
        formulas, params, w_eff = self._at(y, raw, w)._plan(y, w)
        return _engine.loss(formulas, params, raw, y, w_eff)

    def gradient_hessian(self, y_true, raw_prediction, sample_weight=None):
        """(grad, hess) of ``loss`` w.r.t. the raw margin, each times ``sample_weight``.

        A parameter derived from the data (a robust loss's delta or scale left None, class
        counts left None) is derived from these labels, margins and weights, so a weighted
        call is the unweighted one times the weights only where that parameter is given: a
        weighted quantile of the residuals is another delta.

        Parameters
        ----------
        y_true : array-like of shape (n,)
        raw_prediction : array-like of shape (n,), or (n, K) for K outputs
        sample_weight : array-like of shape (n,), optional

        Returns
        -------
        grad, hess : ndarray of float64, the shape of ``raw_prediction``
            The hessian is finite and strictly positive for unit weights (a zero weight
            gives a zero row, as in the built-ins).

        Examples
        --------
        >>> import gbobjectives as gb
        >>> g, h = gb.Huber(1.0, hessian="exact").gradient_hessian([0.0, 0.0], [0.5, 3.0])
        >>> g.tolist(), h.tolist()
        ([0.5, 1.0], [1.0, 0.001])
        """
        y, raw, w = self._prepare(y_true, raw_prediction, sample_weight)
        # inside a distributed training (an override's super() call on a Dask worker) the
        # derived parameters are those of all the workers' data, as in the objective call
        return self._at(y, raw, w, _objective.collective())._weighted_grad_hess(y, raw, w)

    def gradient(self, y_true, raw_prediction, sample_weight=None) -> np.ndarray:
        """``gradient_hessian(...)[0]`` (a subclass overrides ``gradient_hessian``, not this).

        Parameters
        ----------
        y_true : array-like of shape (n,)
        raw_prediction : array-like of shape (n,) or (n, K)
        sample_weight : array-like of shape (n,), optional

        Returns
        -------
        ndarray of float64

        Examples
        --------
        >>> import gbobjectives as gb
        >>> gb.SquaredError().gradient([1.0], [3.0]).tolist()
        [2.0]
        """
        return self.gradient_hessian(y_true, raw_prediction, sample_weight)[0]

    def _objective_scale(self, y, raw, w, collective=None):
        """The factor between ``gradient_hessian`` and the objective the frameworks receive
        (both of its arrays are multiplied by it): 1, except ``Quantile``'s scale s."""
        return 1.0

    def _weighted_grad_hess(self, y, raw, w, dtype=np.float64, compiled=None):
        """(grad, hess) as new arrays of ``dtype``, on already-validated arrays."""
        g, h = np.empty(raw.shape, dtype=dtype), np.empty(raw.shape, dtype=dtype)
        self._grad_hess_into(y, raw, w, g, h, compiled)
        return g, h

    def _grad_hess_into(self, y, raw, w, g, h, compiled=None, threads=1) -> int:
        """The formulas over the rows, into g and h; the number of invalid labels or weights."""
        formulas, params, w_eff = self._plan(y, w)
        return _engine.grad_hess(formulas, params, raw, y, w_eff, g, h, compiled, threads)

    # ------------------------------------------------------------------ the formulas
    formulas: _engine.Formulas | None = None

    def _formula_params(self) -> tuple:
        """The parameters the pointwise functions take after (raw, y), in their order (for a
        loss with K element-wise outputs, a list of K such tuples, one per column)."""
        return ()

    # The same formulas with one parameter a constant, by that parameter's value (binary
    # focal's gamma at 2, the hessian mode of Huber and log-cosh): one-line calls of the
    # general formula in ``pointwise``, so the compiled loop skips the branches the value
    # rules out. Used only in place of ``_specialises`` (a subclass that names its own
    # ``formulas`` keeps them), and picked by the value in the parameters the formulas are
    # run with, never by an attribute: a subclass whose ``_formula_params`` passes another
    # gamma or mode gets the formula of the parameters it passes.
    _specialised: dict = {}
    _specialises: _engine.Formulas | None = None
    _specialised_by: int | None = None  # the index in the parameters of the value

    def _plan(self, y, w):
        """(formulas, their parameters, the sample weights they are run with)."""
        formulas, params = self.formulas, self._formula_params()
        i = self._specialised_by
        if i is not None and formulas is not None and formulas is self._specialises:
            if isinstance(params, tuple):
                formulas = self._specialised.get(params[i], formulas)
        return formulas, params, w

    def _init(self, y, w):
        """The start (``init_score``) from validated labels and weights: every loss defines it."""
        raise NotImplementedError(
            f"{type(self).__name__} has no start: define _init(self, y, w), returning the constant "
            "raw margin that minimises the mean loss (for a regression loss "
            "self._init_convex(y, w), the loss's own minimiser, or self._init_median(y, w))"
        )

    def _init_losses(self) -> list[Loss]:
        """Losses without data-derived parameters whose summed gradients have this loss's start
        as their roots, one per output column (a start found by bisection over distributed
        data, where a residual scale would differ from block to block). Default: itself."""
        return [self]

    def _derived_param(self) -> str | None:
        """The name of the parameter this loss derives from the data it is given (left None
        by the user: class counts, a residual scale), or None."""
        return None

    # False where ``loss`` does not depend on the derived parameter (Quantile's scale only
    # sizes its gradient: the pinball loss is the same whatever it is)
    _loss_reads_derived = True

    def _at(self, y, raw, w, collective=None) -> Loss:
        """The loss for one call: this loss with every parameter that is derived from the data
        (class counts, a residual scale) set from this call's validated labels ``y``, margins
        ``raw`` and weights ``w``. Returns a new object (or self when nothing is derived), so
        the loss itself never changes. ``collective`` (distributed training) has
        ``sum(array, what)`` and ``max(array, what)`` over the workers; None: this process
        holds all the data."""
        return self

    def init_score(self, y_true, sample_weight=None):
        """The constant raw margin minimising the mean (weighted) loss: the start of a model.

        Parameters
        ----------
        y_true : array-like of shape (n,)
        sample_weight : array-like of shape (n,), optional

        Returns
        -------
        float, or ndarray of shape (K,) for multi-output losses

        Raises
        ------
        ValueError
            Invalid labels, or weights that are zero everywhere.

        Examples
        --------
        >>> import gbobjectives as gb
        >>> gb.Quantile(0.5).init_score([1.0, 2.0, 10.0])
        2.0
        """
        y = self.validate_y(y_true)
        w = check_sample_weight(sample_weight, y.shape[0])
        if w is not None and not np.any(w > 0):
            raise ValueError("sample_weight is zero everywhere; at least one weight must be > 0")
        return self._start(y, w)

    def fixed_for(self, y_true, sample_weight=None) -> Loss:
        """This loss with every data-derived parameter fixed from a training run's labels.

        Fixed at the start: the class counts of ``y_true``, a residual scale from the residuals at
        ``init_score`` (for the robust losses, the ``residual_quantile`` quantile of
        |y - median(y)|). What a metric of that run should use: a loss with a derived parameter
        re-derives it from whatever labels it is given, so evaluated on an eval set it would
        count the eval set's classes and measure every round in a new scale. The estimators'
        default early-stopping metric uses this; a metric of your own for ``xgboost.train`` or
        ``lightgbm.train`` should evaluate ``fixed = loss.fixed_for(y_train)`` as
        ``fixed.loss(y_eval, raw)``.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            The training labels.
        sample_weight : array-like of shape (n_samples,), optional
            The training weights.

        Returns
        -------
        Loss
            A new object (the loss itself never changes); a loss without such parameters returns
            itself.

        Examples
        --------
        >>> import gbobjectives as gb
        >>> gb.ClassBalanced(gb.Logistic(), beta=0.9).fixed_for([0, 0, 0, 1]).class_counts.tolist()
        [3.0, 1.0]
        >>> gb.Huber(delta=2.0).fixed_for([1.0, 5.0]).delta  # nothing to derive
        2.0
        """
        y = self.validate_y(y_true)
        w = check_sample_weight(sample_weight, y.shape[0])
        if self._calls_public("init_score"):
            start = np.asarray(self.init_score(y_true, sample_weight), dtype=np.float64)
        else:
            start = np.asarray(self._start(y, w), dtype=np.float64)
        shape = (y.shape[0],) if start.ndim == 0 else (y.shape[0], start.shape[0])
        return self._at(y, np.broadcast_to(start, shape).copy(), w)

    def _start(self, y, w):
        """The start from validated labels and weights (``_init``, unless a data-derived
        parameter rules it out: RegressionLoss)."""
        return self._init(y, w)

    def predict(self, raw_prediction) -> np.ndarray:
        """The inverse link: targets (identity), P(y=1) (sigmoid) or class probabilities (softmax).

        Parameters
        ----------
        raw_prediction : array-like of shape (n,) or (n, K)
            Raw margins, as the frameworks return them with ``output_margin=True`` /
            ``raw_score=True`` (with the start added).

        Returns
        -------
        ndarray of float64, of the margins' shape

        Examples
        --------
        >>> import gbobjectives as gb
        >>> gb.Logistic().predict([0.0]).tolist()
        [0.5]
        """
        return self.link.inverse(self._check_raw(raw_prediction))

    # ------------------------------------------------------------------ frameworks
    def __call__(self, arg0, arg1, sample_weight=None):
        """Use the loss as an objective in xgboost.train, lightgbm.train or either sklearn API.

        ``(predt, DMatrix)`` from ``xgboost.train``, ``(preds, Dataset)`` from ``lightgbm.train``,
        ``(y_true, y_pred[, sample_weight])`` from the sklearn estimators of both. The signature
        has exactly three parameters, one named ``sample_weight``: LightGBM's sklearn API picks
        its calling convention by the parameter count (3: weights third), XGBoost's passes the
        weights by that keyword. See ``gbobjectives._objective``.

        Parameters
        ----------
        arg0 : ndarray
            The raw margins (``xgboost.train``, ``lightgbm.train``) or the labels (sklearn APIs).
        arg1 : xgboost.DMatrix, lightgbm.Dataset or ndarray
            The training data, whose labels and weights are read at every call, or the raw
            margins (sklearn APIs).
        sample_weight : ndarray, optional
            The weights (sklearn APIs only).

        Returns
        -------
        grad, hess : ndarray of float32, of the margins' shape
            New arrays, times the weights; every hessian > 0 and finite.

        Examples
        --------
        >>> import numpy as np, xgboost as xgb
        >>> import gbobjectives as gb
        >>> X = np.arange(20.0).reshape(10, 2); y = X[:, 0] * 3
        >>> loss = gb.Huber(delta=1.0)
        >>> grad, hess = loss(np.zeros(10, dtype=np.float32), xgb.DMatrix(X, label=y))
        >>> grad.dtype, grad.shape, bool((hess > 0).all())
        (dtype('float32'), (10,), True)
        """
        return _objective.call(self, arg0, arg1, sample_weight)


def check_min_hessian(value) -> float:
    return check_scalar("min_hessian", value, low=0.0, high=1.0, low_inclusive=False)


def minimise_1d(grad_sum, lo: float, hi: float, tol: float = 1e-12, max_iter: int = 200) -> float:
    """Root of a non-decreasing function on [lo, hi] by bisection (the minimiser of a 1-D convex sum).

    Returns an end of the bracket when the sign does not change (the minimiser lies beyond it).
    """
    if grad_sum(lo) >= 0:
        return lo
    if grad_sum(hi) <= 0:
        return hi
    for _ in range(max_iter):
        mid = 0.5 * (lo + hi)
        if grad_sum(mid) > 0:
            hi = mid
        else:
            lo = mid
        if hi - lo <= tol * (1.0 + abs(mid)):
            break
    return 0.5 * (lo + hi)
