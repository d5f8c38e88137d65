"""Classification losses in the logit (binary: sigmoid link; multi-class: softmax link).

Their formulas are in ``gbobjectives.pointwise`` (``focal_terms`` and the functions that use
it: one sample, or one row of logits, each, with their derivations); here are their
parameters, label domains and starts.

Focal loss (Lin et al. 2017, arXiv:1708.02002) is written in the margin u of the true class
(u = t z with t = 2y - 1 for binary; u = z_y - logsumexp_{j != y} z_j for softmax), with
p = sigmoid(u) the probability of the true class: f(u) = -(1 - p)^gamma log p. Its exact
hessian is negative for confidently wrong samples (u < about -(1 + 2 gamma)/gamma; minimum
about -0.047 at gamma = 2), so the returned hessian is floored at ``min_hessian``.
"""

from __future__ import annotations

import copy

import numpy as np

from .. import pointwise as pw
from .._engine import Formulas
from .._numerics import logit
from .._validation import check_integer_labels, check_sample_weight, check_scalar
from ..links import LogitLink, SoftmaxLink
from ._base import Loss, check_min_hessian

# Probabilities used for a constant start are kept in [_P_EPS, 1 - _P_EPS] so the margin
# stays finite when a class is absent (|logit| <= 27.6).
_P_EPS = 1e-12
# The focusing parameter's upper bound: the focal hessian has gamma^2 log p terms, and at
# gamma = 1e300 (or inf) they overflow to NaN; published uses take gamma in [0, 5]
GAMMA_MAX = 100.0


def _focal_phi_prime(pi: np.ndarray, gamma: float) -> np.ndarray:
    """d/dpi of -(1 - pi)^gamma log(pi): gamma (1-pi)^(gamma-1) log(pi) - (1-pi)^gamma / pi."""
    if gamma == 0:
        return -1.0 / pi
    q = 1.0 - pi
    # at pi = 1 (q = 0) the first term is 0 * inf for gamma < 1; its limit is
    # gamma q^(gamma-1) log(1 - q) ~ -gamma q^gamma -> 0, so it is set to 0 there
    inside = q > 0
    first = gamma * np.where(inside, q, 1.0) ** (gamma - 1.0) * np.log(pi)
    return np.where(inside, first, 0.0) - q**gamma / pi


def _constant_probabilities(class_weight: np.ndarray, gamma: float) -> np.ndarray:
    """The class probabilities pi minimising sum_k W_k * focal(pi_k) on the simplex.

    Stationarity: W_k phi'(pi_k) = -lam for every class with W_k > 0, where phi'(pi) is
    increasing (phi is convex); pi_k(lam) is found by bisection per class, and lam by
    bisection so that sum(pi) = 1. gamma = 0 gives pi = W / sum(W).
    """
    W = np.asarray(class_weight, dtype=np.float64)
    # pi depends on W only up to scale (lam scales with W): normalised, the bracket for lam
    # below holds whatever the total weight (1e13 and more)
    W = W / W.sum()
    if gamma == 0:
        pi = W / W.sum()
    else:
        present = W > 0

        def pi_of(lam):
            lo = np.full(W.shape, 1e-300)
            hi = np.ones(W.shape)
            target = -lam / np.where(present, W, 1.0)
            for _ in range(100):  # phi'(pi) increasing: bisection on pi
                mid = 0.5 * (lo + hi)
                below = _focal_phi_prime(mid, gamma) < target
                lo = np.where(below, mid, lo)
                hi = np.where(below, hi, mid)
            return np.where(present, 0.5 * (lo + hi), 0.0)

        lo, hi = 1e-12, 1e12  # sum(pi) decreases in lam
        for _ in range(200):
            mid = np.sqrt(lo * hi)
            if pi_of(mid).sum() > 1.0:
                lo = mid
            else:
                hi = mid
            if hi / lo < 1 + 1e-13:
                break
        pi = pi_of(np.sqrt(lo * hi))
        pi = pi / pi.sum()
    pi = np.clip(pi, _P_EPS, 1.0 - _P_EPS)
    return pi / pi.sum()


def _check_alpha_binary(alpha):
    if alpha is not None:
        check_scalar("alpha", alpha, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)


def _check_alpha_classes(alpha, n_classes):
    if alpha is None:
        return None
    a = np.asarray(alpha, dtype=np.float64) if np.ndim(alpha) == 1 else None
    if a is None or a.shape != (n_classes,):
        raise ValueError(
            f"alpha={alpha!r} is not valid: expected None or a sequence of {n_classes} "
            "positive per-class weights"
        )
    for i, v in enumerate(alpha):
        check_scalar(f"alpha[{i}]", v, low=0.0, high=np.inf, low_inclusive=False)
    return a


# ---------------------------------------------------------------------------------- binary
class _BinaryLoss(Loss):
    task = "binary"
    link = LogitLink()
    n_classes = 2
    formulas = Formulas(pw.binary_focal_loss, pw.binary_focal_grad_hess, label_is_bad=pw.binary_label_is_bad)
    _label_check = pw.binary_label_is_bad  # the loop's per-row version of _check_y below

    # at gamma = 2, params[0] (Loss._plan); at gamma = 0 the general formula is as fast
    _specialises, _specialised_by = formulas, 0
    _specialised = {
        2.0: Formulas(
            pw.binary_focal_loss, pw.binary_focal_grad_hess_gamma2, label_is_bad=pw.binary_label_is_bad
        )
    }

    def _formula_params(self):
        a0, a1 = self._class_weights()
        return (float(getattr(self, "gamma", 0.0)), float(a0), float(a1), float(self.min_hessian))

    def _check_y(self, y):
        check_integer_labels(y, 2)
        return y.astype(np.float64, copy=False)

    def _class_weights(self):
        """(weight of class 0, weight of class 1)."""
        return 1.0, 1.0

    def _init(self, y, w):
        ww = np.ones_like(y) if w is None else w
        a0, a1 = self._class_weights()
        W = np.array([a0 * np.sum(ww[y == 0]), a1 * np.sum(ww[y == 1])])
        pi = _constant_probabilities(W, getattr(self, "gamma", 0.0))
        return float(logit(pi[1]))


class Logistic(_BinaryLoss):
    """Logistic loss (binary cross-entropy), the reference for XGBoost's ``binary:logistic``.

    Domain: y_true in {0, 1}. Link: logit. With p = sigmoid(raw)::

        L    = log(1 + exp(-t raw)), t = 2y - 1
        grad = p - y
        hess = p (1 - p)       (exact), floored at min_hessian

    Parameters
    ----------
    min_hessian : float in (0, 1], default 1e-16 (XGBoost's own floor for binary:logistic)

    Examples
    --------
    >>> import gbobjectives as gb
    >>> loss = gb.Logistic()
    >>> grad, hess = loss.gradient_hessian([0, 1], [0.0, 0.0])
    >>> grad.tolist(), hess.tolist()  # p - y and p (1 - p) at p = 0.5
    ([0.5, -0.5], [0.25, 0.25])
    >>> round(float(loss.init_score([0, 0, 0, 1])), 6)  # the log-odds of the positive share
    -1.098612
    """

    def __init__(self, *, min_hessian=1e-16):
        self.min_hessian = min_hessian
        self._validate_params()

    def _validate_params(self):
        check_min_hessian(self.min_hessian)


class BinaryFocal(_BinaryLoss):
    """Binary focal loss (Lin et al. 2017), FL = -alpha_t (1 - p_t)^gamma log(p_t).

    Domain: y_true in {0, 1}. Link: logit. Formulas in the module docstring; grad and hess are
    exact, the hessian floored at ``min_hessian`` where it is negative or tiny (confidently
    wrong samples). gamma = 0 with alpha None is ``Logistic``.

    Parameters
    ----------
    gamma : float >= 0, default 2.0
        Focusing parameter.
    alpha : float in (0, 1) or None, default None
        Weight of the positive class (alpha_t = alpha for y = 1, 1 - alpha for y = 0).
    min_hessian : float in (0, 1], default 1e-6

    Examples
    --------
    >>> import numpy as np
    >>> import gbobjectives as gb
    >>> focal = gb.BinaryFocal(gamma=2.0, alpha=0.25)
    >>> g, h = focal.gradient_hessian([0, 1, 1], [-30.0, 0.0, 40.0])  # finite, h > 0, any margin
    >>> bool(np.isfinite(g).all() and (h > 0).all())
    True
    >>> ce, f0 = gb.Logistic(), gb.BinaryFocal(gamma=0.0)  # gamma 0, no alpha: the cross-entropy
    >>> bool(np.allclose(f0.loss([1], [0.3]), ce.loss([1], [0.3])))
    True
    """

    def __init__(self, gamma=2.0, alpha=None, *, min_hessian=1e-6):
        self.gamma = gamma
        self.alpha = alpha
        self.min_hessian = min_hessian
        self._validate_params()

    def _validate_params(self):
        check_scalar("gamma", self.gamma, low=0.0, high=GAMMA_MAX)
        _check_alpha_binary(self.alpha)
        check_min_hessian(self.min_hessian)

    def _class_weights(self):
        if self.alpha is None:
            return 1.0, 1.0
        return 1.0 - float(self.alpha), float(self.alpha)


# ------------------------------------------------------------------------------ multi-class
class _MulticlassLoss(Loss):
    task = "multiclass"
    link = SoftmaxLink()
    formulas = Formulas(pw.softmax_focal_row_loss, pw.softmax_focal_row_grad_hess, shape="row")

    # no formulas with gamma a constant: the row loop is not vectorised across rows, so the
    # branches on gamma are predicted, not evaluated both ways (at K=10, gamma = 2: 14.0 ns
    # per element specialised, 14.3 general), and each variant cost ~5 s of compile time

    def _formula_params(self):
        weights = np.ascontiguousarray(self._class_weights(), dtype=np.float64)
        return (float(getattr(self, "gamma", 0.0)), weights, float(self.min_hessian))

    @property
    def n_outputs(self):
        return int(self.n_classes)

    def _check_n_classes(self):
        n = self.n_classes
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
            raise ValueError(f"n_classes={n!r} is not valid: expected an integer >= 2")

    def _check_y(self, y):
        return check_integer_labels(y, int(self.n_classes))

    def _class_weights(self):
        return np.ones(int(self.n_classes))

    def _init(self, y, w):
        K = int(self.n_classes)
        W = np.bincount(y, weights=w, minlength=K)[:K] * self._class_weights()
        pi = _constant_probabilities(W, float(getattr(self, "gamma", 0.0)))
        logp = np.log(pi)
        return logp - logp.mean()


class SoftmaxCrossEntropy(_MulticlassLoss):
    """Softmax cross-entropy, the reference for ``multi:softprob`` / LightGBM ``multiclass``.

    Domain: y_true in 0..K-1. Link: softmax. With p = softmax(raw)::

        L      = logsumexp(raw) - raw_y
        grad_k = p_k - [k = y]
        hess_k = p_k (1 - p_k)     (exact diagonal), floored at min_hessian

    XGBoost's multi:softprob returns 2 p (1 - p) and LightGBM's multiclass K/(K-1) p (1 - p):
    the exact diagonal differs from both by a constant factor.

    Parameters
    ----------
    n_classes : int >= 2
        K, the number of classes (and of margin columns).
    min_hessian : float in (0, 1], default 1e-16
        The floor that keeps every hessian strictly positive.

    Examples
    --------
    >>> import numpy as np
    >>> import gbobjectives as gb
    >>> loss = gb.SoftmaxCrossEntropy(n_classes=3)
    >>> grad, hess = loss.gradient_hessian([0, 2], np.zeros((2, 3)))  # (n, K) arrays
    >>> grad.round(4).tolist()
    [[-0.6667, 0.3333, 0.3333], [0.3333, 0.3333, -0.6667]]
    >>> loss.predict(np.array([[0.0, 0.0, np.log(2.0)]])).round(2).tolist()  # softmax
    [[0.25, 0.25, 0.5]]
    """

    def __init__(self, n_classes, *, min_hessian=1e-16):
        self.n_classes = n_classes
        self.min_hessian = min_hessian
        self._validate_params()

    def _validate_params(self):
        self._check_n_classes()
        check_min_hessian(self.min_hessian)


class SoftmaxFocal(_MulticlassLoss):
    """Multi-class focal loss, FL = -alpha_y (1 - p_y)^gamma log(p_y), p = softmax(raw).

    Domain: y_true in 0..K-1. Link: softmax. Exact gradient w.r.t. every logit and exact
    diagonal hessian d2L/dz_k^2 (formulas: ``pointwise.softmax_focal_row_grad_hess``).
    gamma = 0 is ``SoftmaxCrossEntropy`` (hess_k = p_k (1 - p_k)). Hessians are floored at
    ``min_hessian`` where they go negative or vanish.

    Parameters
    ----------
    n_classes : int >= 2
    gamma : float >= 0, default 2.0
    alpha : sequence of n_classes positive weights, or None
    min_hessian : float in (0, 1], default 1e-6

    Examples
    --------
    >>> import numpy as np
    >>> import gbobjectives as gb
    >>> loss = gb.SoftmaxFocal(n_classes=3, gamma=2.0)
    >>> grad, hess = loss.gradient_hessian([0, 1], np.array([[5.0, 0.0, 0.0], [5.0, 0.0, 0.0]]))
    >>> grad.shape, bool((hess > 0).all())  # the well-classified row 0 gets a small gradient
    ((2, 3), True)
    >>> bool(np.abs(grad[0]).sum() < 0.01 * np.abs(grad[1]).sum())
    True
    """

    def __init__(self, n_classes, gamma=2.0, alpha=None, *, min_hessian=1e-6):
        self.n_classes = n_classes
        self.gamma = gamma
        self.alpha = alpha
        self.min_hessian = min_hessian
        self._validate_params()

    def _validate_params(self):
        self._check_n_classes()
        check_scalar("gamma", self.gamma, low=0.0, high=GAMMA_MAX)
        self._alpha = _check_alpha_classes(self.alpha, int(self.n_classes))
        check_min_hessian(self.min_hessian)

    def _class_weights(self):
        return np.ones(int(self.n_classes)) if self._alpha is None else self._alpha


# --------------------------------------------------------------------------- class-balanced
class ClassBalanced(Loss):
    """Class-balanced weighting by the effective number of samples (Cui et al. 2019,
    arXiv:1901.05555) around a classification loss.

    Each class c with n_c samples gets w_c = (1 - beta) / (1 - beta^n_c) (computed as
    (1 - beta) / -expm1(n_c log beta)), multiplied into the sample weights given to
    ``base_loss``. beta = 0 is no re-weighting; beta -> 1 is inverse class frequency.

    Normalisation (``normalize``):

    - ``"samples"`` (default): scaled so that sum_i w_{y_i} = n, i.e. the mean sample weight
      is 1. Hessian sums then keep the scale of the unweighted loss, so XGBoost's
      ``min_child_weight=1`` and LightGBM's ``min_sum_hessian_in_leaf`` keep working. (With
      the paper's normalisation the mean weight on a 1%-positive set is about 0.02, the
      hessian of most leaves falls under ``min_child_weight`` and trees stop splitting.)
    - ``"classes"``: sum_c w_c = C, as in the paper.

    Parameters
    ----------
    base_loss : Logistic, BinaryFocal, SoftmaxCrossEntropy or SoftmaxFocal
    beta : float in [0, 1), default 0.999
    class_counts : sequence of per-class counts, or None
        None counts the labels of each call (inside a framework, the whole training set),
        as the sum of the sample weights per class (the number of samples when unweighted),
        so that an integer weight acts as that many repeated rows.
    normalize : {"samples", "classes"}, default "samples"

    Examples
    --------
    >>> import numpy as np
    >>> import gbobjectives as gb
    >>> y = np.array([0] * 98 + [1] * 2)
    >>> cb = gb.ClassBalanced(gb.BinaryFocal(gamma=2.0), beta=0.999)
    >>> w = cb.class_weights(y)  # per-class weights, normalised so that the mean sample weight is 1
    >>> bool(w[1] > 10 * w[0]), round(float(np.mean(w[y])), 9)
    (True, 1.0)
    """

    def __init__(self, base_loss, beta=0.999, *, class_counts=None, normalize="samples"):
        self.base_loss = base_loss
        self.beta = beta
        self.class_counts = class_counts
        self.normalize = normalize
        self._validate_params()

    def _validate_params(self):
        if not isinstance(self.base_loss, (_BinaryLoss, _MulticlassLoss)):
            raise ValueError(
                f"base_loss={self.base_loss!r} is not valid: expected a classification loss "
                "(Logistic, BinaryFocal, SoftmaxCrossEntropy, SoftmaxFocal)"
            )
        own = [m for m in ("gradient_hessian", "loss") if self.base_loss._calls_public(m)]
        if own:
            raise ValueError(
                f"base_loss={self.base_loss!r} is not valid here: {type(self.base_loss).__name__} "
                f"overrides {' and '.join(own)}, and ClassBalanced runs the base loss's formulas "
                "with class weights, so it would not be used: subclass ClassBalanced and override "
                "its gradient_hessian / loss instead, or give the base loss formulas"
            )
        check_scalar("beta", self.beta, low=0.0, high=1.0, high_inclusive=False)
        if self.normalize not in ("samples", "classes"):
            raise ValueError(f"normalize={self.normalize!r} is not valid: expected 'samples' or 'classes'")
        if self.class_counts is not None:
            c = np.asarray(self.class_counts, dtype=np.float64)
            if c.shape != (self._n_classes,) or not np.all(np.isfinite(c)) or np.any(c < 0):
                raise ValueError(
                    f"class_counts={self.class_counts!r} is not valid: expected "
                    f"{self._n_classes} non-negative counts"
                )

    _at_reads_labels = True  # class counts

    # The wrapped loss decides task, link, outputs and hessian flags.
    task = property(lambda self: self.base_loss.task)
    link = property(lambda self: self.base_loss.link)
    n_outputs = property(lambda self: self.base_loss.n_outputs)
    hessian_exact = property(lambda self: self.base_loss.hessian_exact)
    min_hessian = property(lambda self: self.base_loss.min_hessian)

    @property
    def _n_classes(self):
        return int(self.base_loss.n_classes)

    def class_weights(self, y_true=None, sample_weight=None) -> np.ndarray:
        """The per-class weights, from ``class_counts`` or counted from ``y_true`` (and weights).

        Parameters
        ----------
        y_true : array-like of shape (n,), optional
            The labels to count (with ``class_counts=None``).
        sample_weight : array-like of shape (n,), optional
            Counts are sums of weights.

        Returns
        -------
        ndarray of shape (K,)
            (1 - beta) / (1 - beta^n_c) per class, normalised as ``normalize`` says.

        Examples
        --------
        >>> import gbobjectives as gb
        >>> cb = gb.ClassBalanced(gb.Logistic(), beta=0.5, class_counts=[3, 1], normalize="classes")
        >>> cb.class_weights().round(4).tolist()  # (1 - beta)/(1 - beta^n_c), summing to 2
        [0.7273, 1.2727]
        """
        if self.class_counts is not None:
            return self._weights_from_counts(np.asarray(self.class_counts, dtype=np.float64))
        if y_true is None:
            raise ValueError("y_true is required when class_counts is None")
        y = self.base_loss.validate_y(y_true)
        return self._weights_for(y, check_sample_weight(sample_weight, y.shape[0]))

    def _weights_for(self, y, sample_weight=None):
        """Class weights for already-validated labels (and sample weights)."""
        if self.class_counts is not None:
            counts = np.asarray(self.class_counts, dtype=np.float64)
        else:
            counts = self._count(y, sample_weight)
        return self._weights_from_counts(counts.astype(np.float64))

    def _count(self, y, sample_weight):
        """Per-class sums of the sample weights (the number of rows when unweighted)."""
        return np.bincount(y.astype(np.int64), weights=sample_weight, minlength=self._n_classes).astype(
            np.float64
        )

    def _weights_from_counts(self, counts):
        beta = float(self.beta)
        if beta == 0.0:
            w = np.where(counts > 0, 1.0, 0.0)
        else:
            # 1 - beta^n = -expm1(n log beta): exact for beta near 1 and large n.
            denom = -np.expm1(counts * np.log(beta))
            w = np.divide(1.0 - beta, denom, out=np.zeros_like(counts), where=counts > 0)
        if self.normalize == "samples":
            total = np.sum(w * counts)  # 0 only when every weight is 0: nothing to scale
            return w * counts.sum() / total if total > 0 else w
        return w * self._n_classes / w.sum()

    def _effective_weight(self, y, w):
        if self._calls_public("class_weights"):
            cw = np.asarray(self.class_weights(y, w), dtype=np.float64)
            if cw.shape != (self._n_classes,) or not np.all(np.isfinite(cw)) or np.any(cw < 0):
                raise ValueError(
                    f"{type(self).__name__}.class_weights returned {cw!r}: expected "
                    f"{self._n_classes} finite weights >= 0"
                )
        else:
            cw = self._weights_for(y, w)
        cw = cw[y.astype(np.int64)]
        return cw if w is None else cw * w

    def _check_y(self, y):
        if self.base_loss._calls_public("validate_y"):
            return self.base_loss.validate_y(y)
        return self.base_loss._check_y(y)

    def _init(self, y, w):
        if self.base_loss._calls_public("init_score"):
            return self.base_loss.init_score(y, self._effective_weight(y, w))
        return self.base_loss._init(y, self._effective_weight(y, w))

    def predict(self, raw_prediction) -> np.ndarray:
        """The base loss's ``predict`` (the link's inverse, or a subclass's own).

        Parameters
        ----------
        raw_prediction : array-like of shape (n,) or (n, K)

        Returns
        -------
        ndarray of float64

        Examples
        --------
        >>> import gbobjectives as gb
        >>> gb.ClassBalanced(gb.Logistic()).predict([0.0]).tolist()
        [0.5]
        """
        return self.base_loss.predict(raw_prediction)

    def _plan(self, y, w):
        # the base loss's formulas, run with the class-balanced weights
        formulas, params, _ = self.base_loss._plan(y, None)
        return formulas, params, self._effective_weight(y, w)

    def _derived_param(self):
        return "class_counts" if self.class_counts is None else None

    def _at(self, y, raw, w, collective=None):
        """With ``class_counts=None``: a copy with the counts of these labels, summed over the
        workers when training is distributed (each worker holds one shard; its own counts are
        not the class frequencies)."""
        if self.class_counts is not None:
            return self
        counts = self._count(y, w)
        if collective is not None:
            counts = np.asarray(collective.sum(counts, "class_counts"), dtype=np.float64)
        out = copy.copy(self)  # a subclass keeps its own parameters and methods
        out.class_counts = counts
        return out
