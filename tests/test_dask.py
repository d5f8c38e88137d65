"""Dask: every interface on a LocalCluster of 2 worker processes (so the losses are pickled),
the start from the distributed labels, and a global metric."""

from __future__ import annotations

import numpy as np
import pytest

dask = pytest.importorskip("dask", reason="the dask extra is not installed")
distributed = pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

import dask.array as da  # noqa: E402
import lightgbm as lgb  # noqa: E402
import xgboost as xgb  # noqa: E402
import xgboost.dask  # noqa: E402,F401

import gbobjectives as gb  # noqa: E402
from gbobjectives.adapters import SklearnObjective  # noqa: E402
from gbobjectives.adapters import dask as gbd  # noqa: E402
from gbobjectives.adapters import lightgbm as gbl  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.filterwarnings("ignore:.*(Port|port).*:UserWarning"),
    pytest.mark.filterwarnings("ignore:.*Creating scratch directories.*:UserWarning"),
    pytest.mark.filterwarnings("ignore:Parameter n_jobs will be ignored:UserWarning"),
]


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def data(n=4000, seed=0, positive=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y = 3 * X[:, 0] + np.sin(2 * X[:, 1]) + rng.standard_t(3, size=n)
    if positive:
        y = y + 60.0
    # two very different halves: a shard's statistics are not the whole data's
    y[: n // 2] += 5.0
    return X, y


def to_dask(*arrays, chunks=2000):
    return [da.from_array(a, chunks=(chunks,) + a.shape[1:]) for a in arrays]


def spread(client, *collections):
    """Persist and rebalance, so that each worker holds a shard (else 'local' is global)."""
    out = client.persist(list(collections))
    distributed.wait(out)
    client.rebalance(out)
    return out


@pytest.mark.parametrize(
    "loss",
    [
        gb.Huber(2.0),
        gb.PseudoHuber(),
        gb.LogCosh(),
        gb.Quantile(0.3),
        gb.Quantile([0.1, 0.9]),
        gb.SquaredError(),
    ],
    ids=repr,
)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_init_score_from_distributed_labels_equals_the_whole_data(client, loss, weighted):
    _, y = data()
    w = np.random.default_rng(1).uniform(0.5, 2.0, size=len(y)) if weighted else None
    (yd,) = to_dask(y)
    wd = None if w is None else to_dask(w)[0]
    got = gbd.init_score(loss, yd, wd)
    want = loss.init_score(y, w)
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-7)
    # ... and it is not what one shard would give
    assert np.max(np.abs(np.asarray(loss.init_score(y[:2000])) - np.asarray(want))) > 0.5


@pytest.mark.parametrize(
    "loss",
    [
        gb.BinaryFocal(2.0, alpha=0.25),
        gb.ClassBalanced(gb.Logistic(), beta=0.99),
        gb.SoftmaxFocal(3),
        gb.ClassBalanced(gb.SoftmaxFocal(3, gamma=1.0)),
    ],
    ids=repr,
)
def test_classification_init_score_from_distributed_labels(client, loss):
    rng = np.random.default_rng(2)
    k = 2 if loss.task == "binary" else 3
    y = np.concatenate([rng.integers(0, k, 1000), np.zeros(3000, dtype=int)]).astype(float)
    w = rng.uniform(0.5, 2.0, size=len(y))
    yd, wd = to_dask(y, w)
    np.testing.assert_allclose(gbd.init_score(loss, yd, wd), loss.init_score(y, w), rtol=1e-9)


def test_xgboost_dask_train_with_a_global_metric(client):
    X, y = data(positive=True)
    # unequal shards: the mean of per-worker values is then not the global value either
    Xd, yd = spread(
        client, da.from_array(X, chunks=((1000, 3000), (5,))), da.from_array(y, chunks=((1000, 3000),))
    )
    loss = gb.PseudoHuber(2.0)
    dtrain = xgb.dask.DaskDMatrix(client, Xd, yd)
    assert len(client.who_has(Xd)) == 2 and len({w for ws in client.who_has(Xd).values() for w in ws}) == 2
    params = gbd.xgboost_params(loss, yd, max_depth=4, eta=0.3)
    assert params["base_score"] == pytest.approx(loss.init_score(y), rel=1e-7)
    out = xgb.dask.train(
        client,
        params,
        dtrain,
        20,
        obj=loss,
        evals=[(dtrain, "train")],
        custom_metric=gbd.custom_metric(gb.mape, loss),
    )
    pred = xgb.dask.predict(client, out["booster"], dtrain).compute()
    reported = out["history"]["train"]["mape"][-1]
    assert reported == pytest.approx(gb.mape(y, pred), rel=1e-4)  # the global value (6 digits kept)
    # XGBoost's own handling of a custom metric does not give the global value
    from gbobjectives.adapters import xgboost as gbx

    local = xgb.dask.train(
        client,
        params,
        dtrain,
        20,
        obj=loss,
        evals=[(dtrain, "train")],
        custom_metric=gbx.custom_metric(gb.mape, loss),
    )
    assert abs(local["history"]["train"]["mape"][-1] / gb.mape(y, pred) - 1) > 0.01
    assert np.mean(np.abs(pred - y)) < 0.8 * np.mean(np.abs(np.median(y) - y))


def _derived(loss, name):
    return np.asarray(getattr(loss, name), dtype=np.float64)


@pytest.mark.parametrize(
    "loss",
    [gb.Huber(), gb.LogCosh(residual_quantile=0.7), gb.Quantile(0.3), gb.Quantile([0.1, 0.9])],
    ids=repr,
)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_fixed_for_from_distributed_labels_equals_the_whole_data(client, loss, weighted):
    _, y = data()
    w = np.random.default_rng(1).uniform(0.5, 2.0, size=len(y)) if weighted else None
    yd = da.from_array(y, chunks=(1000, 3000))  # unequal shards
    wd = None if w is None else da.from_array(w, chunks=(1000, 3000))
    name = loss._derived_param()
    got, want = gbd.fixed_for(loss, yd, wd), loss.fixed_for(y, w)
    assert got._derived_param() is None and type(got) is type(loss)
    np.testing.assert_allclose(_derived(got, name), _derived(want, name), rtol=1e-7)
    # ... and not what one shard gives
    one = _derived(loss.fixed_for(y[:1000]), name)
    assert np.max(np.abs(one - _derived(want, name))) > 0.05 * np.max(_derived(want, name))


def test_fixed_for_class_counts_from_distributed_labels(client):
    rng = np.random.default_rng(3)
    y = np.concatenate([rng.integers(0, 2, 1000), np.zeros(3000, dtype=int)]).astype(float)
    w = rng.uniform(0.5, 2.0, size=len(y))
    yd, wd = (da.from_array(a, chunks=(1000, 3000)) for a in (y, w))
    loss = gb.ClassBalanced(gb.Logistic(), beta=0.99)
    got, want = gbd.fixed_for(loss, yd, wd), loss.fixed_for(y, w)
    np.testing.assert_allclose(got.class_counts, want.class_counts, rtol=1e-12)
    np.testing.assert_allclose(got.class_weights(), want.class_weights(), rtol=1e-12)


def test_dask_mean_loss_metric_over_unequal_shards_is_the_loss_over_all_the_data(client):
    # shards of 1000 and 3000 rows: a delta derived on each shard reported 396.40 where the
    # loss over all the data was 306.03
    X, y = data()
    Xd, yd = (da.from_array(a, chunks=((1000, 3000),) + tuple((s,) for s in a.shape[1:])) for a in (X, y))
    Xd, yd = spread(client, Xd, yd)
    loss = gb.Huber()
    with pytest.raises(ValueError, match=r"delta=None is derived .* gbd\.fixed_for\(loss, y_train\)"):
        gbd.custom_metric(None, loss)
    fixed = gbd.fixed_for(loss, yd)
    dtrain = xgb.dask.DaskDMatrix(client, Xd, yd)
    out = xgb.dask.train(
        client,
        gbd.xgboost_params(loss, yd),
        dtrain,
        5,
        obj=loss,
        evals=[(dtrain, "train")],
        custom_metric=gbd.custom_metric(None, fixed),
    )
    margin = xgb.dask.predict(client, out["booster"], dtrain, output_margin=True).compute()
    want = np.mean(loss.fixed_for(y).loss(y, margin))
    assert out["history"]["train"]["loss"][-1] == pytest.approx(want, rel=1e-5)


class _Shifted(gb.Huber):
    def init_score(self, y_true, sample_weight=None):
        return super().init_score(y_true, sample_weight) + 1.0


def test_an_overridden_init_score_is_the_dask_start(client):
    _, y = data()
    (yd,) = to_dask(y)
    loss = _Shifted(2.0)
    assert gbd.init_score(loss, yd) == pytest.approx(loss.init_score(y))
    assert gbd.init_score(loss, yd) == pytest.approx(gb.Huber(2.0).init_score(y) + 1.0, rel=1e-7)


class _Kilo(gb.Huber):
    def validate_y(self, y_true):
        return super().validate_y(y_true) / 1000.0


def test_a_converting_validate_y_reaches_the_dask_start_and_fixed_for(client):
    _, y = data()
    y = 1000.0 * y
    (yd,) = to_dask(y)
    for loss in (_Kilo(2.0), _Kilo()):
        assert gbd.init_score(loss, yd) == pytest.approx(loss.init_score(y), rel=1e-7)
    assert gbd.fixed_for(_Kilo(), yd).delta == pytest.approx(_Kilo().fixed_for(y).delta, rel=1e-7)


def test_fixed_for_takes_a_dask_series(client):
    dd = pytest.importorskip("dask.dataframe")
    import pandas as pd

    _, y = data()
    ys = dd.from_pandas(pd.Series(y), npartitions=3)
    assert gbd.fixed_for(gb.Huber(), ys).delta == pytest.approx(gb.Huber().fixed_for(y).delta, rel=1e-9)


def test_a_mean_loss_metric_of_quantile_needs_no_fixed_scale():
    # the pinball loss does not depend on the scale, which only sizes the gradient
    assert gbd.custom_metric(None, gb.Quantile(0.9)).name == "loss"


def test_xgboost_dask_global_mean_loss_metric(client):
    X, y = data()
    Xd, yd = to_dask(X, y)
    loss = gb.Huber(1.0)
    dtrain = xgb.dask.DaskDMatrix(client, Xd, yd)
    out = xgb.dask.train(
        client,
        gbd.xgboost_params(loss, yd),
        dtrain,
        5,
        obj=loss,
        evals=[(dtrain, "train")],
        custom_metric=gbd.custom_metric(None, loss),
    )
    margin = xgb.dask.predict(client, out["booster"], dtrain, output_margin=True).compute()
    assert out["history"]["train"]["loss"][-1] == pytest.approx(np.mean(loss.loss(y, margin)), rel=1e-4)


def test_dask_sklearn_estimators_of_both_frameworks(client):
    X, y = data()
    Xd, yd = to_dask(X, y)
    loss = gb.LogCosh(scale=2.0)  # LightGBM's Dask workers cannot share a data-derived scale
    init = gbd.init_score(loss, yd)
    reg = xgb.dask.DaskXGBRegressor(n_estimators=30, objective=SklearnObjective(loss), base_score=init)
    reg.client = client
    pred = reg.fit(Xd, yd).predict(Xd).compute()
    assert np.mean(np.abs(pred - y)) < 0.8 * np.mean(np.abs(init - y))

    lreg = lgb.DaskLGBMRegressor(n_estimators=30, verbose=-1, client=client, **gbl.sklearn_params(loss))
    (init_rows,) = to_dask(gbl.init_score_rows(init, len(y)))
    lreg.fit(Xd, yd, init_score=init_rows)
    gbl.bake_init_score(lreg.booster_, init)
    lpred = lreg.predict(Xd).compute()
    assert np.mean(np.abs(lpred - y)) < 0.8 * np.mean(np.abs(init - y))

    yb = (y > np.median(y)).astype(int)
    (ybd,) = to_dask(yb.astype(float))
    focal = gb.BinaryFocal(2.0)
    clf = xgb.dask.DaskXGBClassifier(
        n_estimators=20,
        objective=SklearnObjective(focal),
        base_score=float(focal.predict(np.array([gbd.init_score(focal, ybd)]))[0]),
    )
    clf.client = client
    proba = clf.fit(Xd, da.from_array(yb, chunks=2000)).predict_proba(Xd).compute()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert np.mean((proba[:, 1] > 0.5) == yb) > 0.75

    lclf = lgb.DaskLGBMClassifier(n_estimators=20, verbose=-1, client=client, **gbl.sklearn_params(focal))
    binit = gbd.init_score(focal, ybd)
    (rows,) = to_dask(gbl.init_score_rows(binit, len(yb)))
    lclf.fit(Xd, da.from_array(yb, chunks=2000), init_score=rows)
    gbl.bake_init_score(lclf.booster_, binit)
    p = focal.predict(lclf.booster_.predict(X, raw_score=True))
    assert np.mean((p > 0.5) == yb) > 0.75


def _imbalanced_shards(client):
    """Two unequal shards with different class mixes: 1000 rows at 50% positives, 3000 at 2%."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(4000, 5))
    y = np.concatenate([rng.random(1000) < 0.5, rng.random(3000) < 0.02]).astype(float)
    X[:, 0] += 1.5 * y
    Xd, yd = spread(
        client, da.from_array(X, chunks=((1000, 3000), (5,))), da.from_array(y, chunks=((1000, 3000),))
    )
    assert len({w for ws in client.who_has(Xd).values() for w in ws}) == 2
    return X, y, Xd, yd


def test_class_balanced_counts_are_global_on_xgboost_dask(client):
    X, y, Xd, yd = _imbalanced_shards(client)
    counts = gbd.class_counts(gb.Logistic(), yd)
    np.testing.assert_array_equal(counts, np.bincount(y.astype(int), minlength=2))
    dtrain = xgb.dask.DaskDMatrix(client, Xd, yd)

    def fit(loss):
        params = gbd.xgboost_params(loss, yd, max_depth=3, eta=0.3, nthread=1)
        booster = xgb.dask.train(client, params, dtrain, 10, obj=loss)["booster"]
        return xgb.dask.predict(client, booster, dtrain, output_margin=True).compute()

    automatic = fit(gb.ClassBalanced(gb.Logistic(), beta=0.999))
    stated = fit(gb.ClassBalanced(gb.Logistic(), beta=0.999, class_counts=counts))
    np.testing.assert_allclose(automatic, stated, rtol=1e-6, atol=1e-6)
    # the counts of one shard alone give other weights, so another model
    shard = np.bincount(y[1000:].astype(int), minlength=2)
    local = fit(gb.ClassBalanced(gb.Logistic(), beta=0.999, class_counts=shard))
    assert np.max(np.abs(local - stated)) > 0.05


def test_class_balanced_without_counts_is_refused_on_lightgbm_dask(client):
    X, y, Xd, yd = _imbalanced_shards(client)
    loss = gb.ClassBalanced(gb.Logistic(), beta=0.999)
    clf = lgb.DaskLGBMClassifier(n_estimators=5, verbose=-1, client=client, **gbl.sklearn_params(loss))
    with pytest.raises(ValueError, match="class_counts"):
        clf.fit(Xd, yd)
    counts = gbd.class_counts(loss, yd)
    fixed = gb.ClassBalanced(gb.Logistic(), beta=0.999, class_counts=counts)
    clf = lgb.DaskLGBMClassifier(n_estimators=5, verbose=-1, client=client, **gbl.sklearn_params(fixed))
    clf.fit(Xd, yd)
    assert clf.booster_.num_trees() == 5


def test_class_balanced_in_an_ordinary_dask_task_is_not_refused(client):
    """Only LightGBM's Dask training is refused: a whole fit run in one task has all its data."""

    def fit(backend):
        rng = np.random.default_rng(0)
        X = rng.normal(size=(300, 3))
        y = (X[:, 0] + rng.normal(size=300) > 1.2).astype(int)
        clf = gb.GBClassifier(gb.ClassBalanced(gb.Logistic(), 0.99), backend=backend, n_estimators=5)
        return clf.fit(X, y).predict_proba(X[:3]).sum(axis=1)

    for backend in ("xgboost", "lightgbm"):
        np.testing.assert_allclose(client.submit(fit, backend, pure=False).result(), 1.0)


class _TwoShards:
    """A stand-in for a collective over two workers: each call sees both shards' arrays."""

    def __init__(self, other):
        self.other = other

    def sum(self, a, what):
        return a + self.other(a, "sum")

    def max(self, a, what):
        return np.maximum(a, self.other(a, "max"))


def test_residual_scale_over_workers_is_the_global_quantile():
    from gbobjectives.losses._regression import _distributed_quantile, residual_scale

    rng = np.random.default_rng(0)
    r1, r2 = rng.standard_t(2, size=1000), 50.0 * rng.standard_t(2, size=3000)  # unequal shards
    for q in (0.5, 0.9):
        want = residual_scale(np.concatenate([r1, r2]), None, q)

        def shard2(a, op, q=q):
            # what worker 2 contributes: its maximum, then its histogram
            if op == "max":
                return np.array([np.max(np.abs(r2))])
            edges_top = a.size  # the histogram has _HIST_BINS entries
            top = max(np.max(np.abs(r1)), np.max(np.abs(r2)))
            edges = top * np.logspace(-20, 0, edges_top)
            idx = np.minimum(np.searchsorted(edges, np.abs(r2), side="left"), edges_top - 1)
            return np.bincount(idx, minlength=edges_top).astype(float)

        got = _distributed_quantile(np.abs(r1), 1.0, q, _TwoShards(shard2))
        assert got == pytest.approx(want, rel=0.012)  # log-spaced bins 1.1% apart
        local = residual_scale(r1, None, q)
        assert abs(local / want - 1) > 0.5  # one shard alone is far off


def test_data_derived_delta_trains_on_xgboost_dask_and_is_refused_on_lightgbm_dask(client):
    X, y = data()
    Xd, yd = spread(
        client, da.from_array(X, chunks=((1000, 3000), (5,))), da.from_array(y, chunks=((1000, 3000),))
    )
    loss = gb.Huber()
    init = gbd.init_score(loss, yd)
    assert init == pytest.approx(loss.init_score(y), rel=1e-9)  # the median, from reductions
    dtrain = xgb.dask.DaskDMatrix(client, Xd, yd)
    booster = xgb.dask.train(client, gbd.xgboost_params(loss, yd, nthread=1), dtrain, 20, obj=loss)["booster"]
    pred = xgb.dask.predict(client, booster, dtrain).compute()
    assert np.mean(np.abs(pred - y)) < 0.8 * np.mean(np.abs(np.median(y) - y))
    lreg = lgb.DaskLGBMRegressor(n_estimators=5, verbose=-1, client=client, **gbl.sklearn_params(loss))
    with pytest.raises(ValueError, match="delta=None"):
        lreg.fit(Xd, yd)


class _ThreadCollective:
    """Workers as threads: every sum or max waits for all of them (a barrier), as an
    allreduce does."""

    def __init__(self, n):
        import threading

        self.n, self.barrier, self.lock, self.parts = n, threading.Barrier(n), threading.Lock(), []

    def _reduce(self, a, op):
        with self.lock:
            self.parts.append(np.asarray(a, dtype=np.float64))
        self.barrier.wait()
        out = op(np.stack(self.parts), axis=0)
        self.barrier.wait()
        with self.lock:
            self.parts.clear()
        self.barrier.wait()
        return out

    def sum(self, a, what):
        return self._reduce(a, np.sum)

    def max(self, a, what):
        return self._reduce(a, np.max)


def test_start_scale_over_workers_is_the_global_one():
    """The data-derived delta of the robust losses on xgboost.dask: the median of all
    workers' labels and the quantile of |y - median| over all of them, not a shard's own."""
    from gbobjectives.losses._regression import start_scale

    rng = np.random.default_rng(1)
    shards = [100.0 + rng.standard_t(2, size=1000), 50.0 * rng.standard_t(2, size=3000)]
    y = np.concatenate(shards)
    for q in (0.5, 0.9):
        want = start_scale(y, None, q)
        got = _over_threads(lambda s, c, q=q: start_scale(s, None, q, c), shards)
        assert got[0] == got[1] == pytest.approx(want, rel=0.012)  # log-spaced bins 1.1% apart
        assert abs(start_scale(shards[0], None, q) / want - 1) > 0.5  # one shard alone is far off


def _over_threads(func, shards):
    """func(shard, collective) run on each shard by its own thread, the threads reducing
    through one _ThreadCollective: what each worker gets."""
    import threading

    coll, got = _ThreadCollective(len(shards)), [None] * len(shards)

    def worker(k):
        got[k] = func(shards[k], coll)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(len(shards))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return got


@pytest.mark.parametrize(
    "case",
    ["outlier 1e12", "sentinel", "huge", "ties", "empty shard", "all equal", "weights"],
)
def test_distributed_median_is_the_exact_median(case):
    """The floor's median over workers is numpy's inverted_cdf median exactly, however far a
    single outlier stretches the range (a histogram over [min, max] alone would be off by
    (max - min) / 4096^2) and when most labels are tied."""
    from gbobjectives._numerics import weighted_quantile
    from gbobjectives.losses._regression import _distributed_median

    rng = np.random.default_rng(3)
    a, b = rng.normal(size=1001), rng.normal(size=2000)
    wa, wb = np.ones(a.size), np.ones(b.size)
    if case == "outlier 1e12":
        b[0] = 1e12
    elif case == "sentinel":
        a[::500] = -9.99e9
    elif case == "huge":
        a[0], b[0] = -1e308, 1e308
    elif case == "ties":
        a[:900], b[:1900] = 0.0, 0.0
    elif case == "empty shard":
        a, wa = a[:0], wa[:0]
    elif case == "all equal":
        a[:], b[:] = 7.0, 7.0
    else:
        wa, wb = rng.random(a.size), rng.random(b.size)
        wa[:300] = 0.0
    want = weighted_quantile(np.r_[a, b], 0.5, np.r_[wa, wb])
    got = _over_threads(lambda s, c: _distributed_median(s[0], s[1], c, "delta"), [(a, wa), (b, wb)])
    assert got == [want, want]


def test_the_floor_is_none_where_most_labels_sit_on_the_median():
    """A zero-inflated target (93% zeros, 1% at 1e5): the 0.9 quantile of |y - median| is 0,
    so there is no floor, locally and over workers, and not half the largest outlier (which
    would make Huber squared error: MAE 567 against 18 on the signal)."""
    from gbobjectives.losses._regression import start_scale

    rng = np.random.default_rng(0)
    y = np.where(rng.random(20000) < 0.93, 0.0, rng.gamma(2.0, 10.0, 20000))
    y[rng.random(20000) < 0.01] = 1e5
    assert start_scale(y, None, 0.9) == 0.0
    # over workers: 0 to the log histogram's resolution (its lowest bin is 1e-20 of the largest)
    got = _over_threads(lambda s, c: start_scale(s, None, 0.9, c), [y[:5000], y[5000:]])
    assert got[0] == got[1] and 0.0 <= got[0] <= 1e-20 * 1e5 * 1.01
    h = gb.Huber()._at(y, y + 0.01, None)
    assert h.delta == pytest.approx(0.01, rel=1e-6)  # the round's own residual quantile


def test_the_scale_sample_skips_a_weight_mask_in_step_with_its_stride():
    from gbobjectives.losses._regression import sample_rows, start_scale

    rng = np.random.default_rng(0)
    y = rng.normal(size=200_000)
    w = np.ones(y.size)
    w[sample_rows(y.size)] = 0.0  # every sampled row would weigh 0
    want = np.quantile(np.abs(y[w > 0] - np.median(y[w > 0])), 0.9)
    assert start_scale(y, w, 0.9) == pytest.approx(want, rel=0.02)
