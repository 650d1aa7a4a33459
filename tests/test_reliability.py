"""Reliability: every bad input gets a clear exception naming the problem.

Never a crash, a hang, a NaN result or a modified input. Covered here:

* ``gdfast.fit`` / ``fit_ovr`` / ``objective`` / ``scipy_objective``: NaN/inf in every
  array argument, bad weights, mismatched lengths, bad shapes, dtypes (numeric ones
  converted, the rest refused), layouts that must work without being written to,
  malformed CSR matrices (mutated after construction, so scipy's constructor checks
  do not help), parameters out of range, unknown option names, overflow.
* ``gdfast._core`` called directly with malformed buffers ("the C++ layer must not
  trust the Python layer"): wrong dtypes -> TypeError, wrong shapes / malformed CSR ->
  ValueError, never a crash. Cases that could kill the interpreter run in a subprocess.
* The estimators' ``fit`` / ``partial_fit`` / ``predict``, and that a failed ``fit``
  leaves a fitted estimator exactly as it was.

Known bugs are marked ``xfail(strict=True)`` with ``BUG-n`` in the reason (see the
report in the project notes): they turn into failures as soon as they are fixed, so
the marker has to be removed then.
"""

from __future__ import annotations

import copy
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.sparse as sp

import gdfast
from gdfast import _core

LOSSES_REG = ("squared", "huber", "epsilon_insensitive", "squared_epsilon_insensitive")
LOSSES_CLF = ("hinge", "squared_hinge", "log", "modified_huber", "perceptron")
MODES = (1, 7, "full")  # per-sample, mini-batch, full batch
FAST = dict(max_iter=5, tol=None, random_state=0)


def _data(n=40, d=4, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    y = np.where(X[:, 0] + 0.3 * rng.standard_normal(n) > 0, 1.0, -1.0).astype(dtype)
    return X, y


X0, Y0 = _data()
N0, D0 = X0.shape
W0 = np.zeros(D0)


def _ro(a):
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def _nan_at(a, idx, value=np.nan):
    a = np.array(a, dtype=np.float64, copy=True)
    a[idx] = value
    return a


def _assert_finite_result(r):
    assert np.all(np.isfinite(r.coef)), r.coef
    assert np.isfinite(r.intercept)


# =============================================================== functional API table
# (id, function, args, kwargs, exception, regex the message must match)
def _fit(**kw):
    base = dict(loss="hinge", **FAST)
    base.update(kw)
    X = base.pop("X", X0)
    y = base.pop("y", Y0)
    return gdfast.fit, (X, y), base


def _obj(**kw):
    base = dict(loss="hinge")
    base.update(kw)
    X = base.pop("X", X0)
    y = base.pop("y", Y0)
    w = base.pop("coef", W0)
    return gdfast.objective, (X, y, w), base


def _sobj(**kw):
    base = dict(loss="squared")
    base.update(kw)
    X = base.pop("X", X0)
    y = base.pop("y", Y0)
    return gdfast.scipy_objective, (X, y), base


def _ovr(**kw):
    base = dict(loss="hinge", **FAST)
    base.update(kw)
    X = base.pop("X", X0)
    Y = base.pop("Y", np.stack([Y0, -Y0]))
    return gdfast.fit_ovr, (X, Y), base


BAD = []


def bad(id_, maker, exc, match):
    BAD.append(pytest.param(maker, exc, match, id=id_))


_sparse_X = sp.csr_matrix(X0)
for name, fn in (("fit", _fit), ("objective", _obj), ("scipy_objective", _sobj)):
    # --- non-finite values
    bad(f"{name}-X-nan", lambda fn=fn: fn(X=_nan_at(X0, (3, 1))), ValueError, "NaN")
    bad(f"{name}-X-inf", lambda fn=fn: fn(X=_nan_at(X0, (0, 0), np.inf)), ValueError, "infinity")
    bad(f"{name}-X-neginf", lambda fn=fn: fn(X=_nan_at(X0, (0, 0), -np.inf)), ValueError,
        "infinity")
    bad(f"{name}-X-f32-nan", lambda fn=fn: fn(X=_nan_at(X0, (1, 1)).astype(np.float32),
                                              y=Y0.astype(np.float32)), ValueError, "NaN")
    bad(f"{name}-Xsparse-nan", lambda fn=fn: fn(X=sp.csr_matrix(_nan_at(X0, (2, 2)))),
        ValueError, "NaN")
    bad(f"{name}-Xsparse-inf", lambda fn=fn: fn(X=sp.csr_matrix(_nan_at(X0, (2, 2), np.inf))),
        ValueError, "infinity")
    bad(f"{name}-y-nan", lambda fn=fn: fn(y=_nan_at(Y0, 5)), ValueError, r"y .*NaN")
    bad(f"{name}-y-inf", lambda fn=fn: fn(y=_nan_at(Y0, 5, np.inf), loss="squared"), ValueError,
        r"y .*infinity")
    bad(f"{name}-sw-nan", lambda fn=fn: fn(sample_weight=_nan_at(np.ones(N0), 0)), ValueError,
        "sample_weight")
    bad(f"{name}-sw-inf", lambda fn=fn: fn(sample_weight=_nan_at(np.ones(N0), 0, np.inf)),
        ValueError, "sample_weight")
    bad(f"{name}-sw-negative", lambda fn=fn: fn(sample_weight=_nan_at(np.ones(N0), 3, -1.0)),
        ValueError, "sample_weight.*non-negative")
    bad(f"{name}-sw-allzero", lambda fn=fn: fn(sample_weight=np.zeros(N0)), ValueError,
        "sample_weight.*positive sum")
    bad(f"{name}-sw-scalar-zero", lambda fn=fn: fn(sample_weight=0.0), ValueError,
        "sample_weight")
    # --- lengths and shapes
    bad(f"{name}-y-short", lambda fn=fn: fn(y=Y0[:-1]), ValueError, r"y has length 39")
    bad(f"{name}-y-long", lambda fn=fn: fn(y=np.r_[Y0, 1.0]), ValueError, r"y has length 41")
    bad(f"{name}-y-2d", lambda fn=fn: fn(y=np.c_[Y0, Y0]), ValueError, "y must be 1-D")
    bad(f"{name}-y-scalar", lambda fn=fn: fn(y=1.0), ValueError, "y must be 1-D")
    bad(f"{name}-sw-short", lambda fn=fn: fn(sample_weight=np.ones(N0 - 1)), ValueError,
        "sample_weight has length")
    bad(f"{name}-sw-2d", lambda fn=fn: fn(sample_weight=np.ones((N0, 2))), ValueError,
        "sample_weight must be 1-D")
    bad(f"{name}-X-1d", lambda fn=fn: fn(X=X0[:, 0]), ValueError, "2D array")
    bad(f"{name}-X-3d", lambda fn=fn: fn(X=X0[None]), ValueError, "dim 3")
    bad(f"{name}-X-0rows", lambda fn=fn: fn(X=X0[:0], y=Y0[:0]), ValueError, "0 sample")
    bad(f"{name}-X-0cols", lambda fn=fn: fn(X=X0[:, :0]), ValueError, "0 feature")
    bad(f"{name}-Xsparse-0rows", lambda fn=fn: fn(X=_sparse_X[:0], y=Y0[:0]), ValueError,
        "0 sample")
    bad(f"{name}-X-scalar", lambda fn=fn: fn(X=3.0), ValueError, "2D array")
    bad(f"{name}-X-ragged", lambda fn=fn: fn(X=[[1.0, 2.0], [3.0]], y=[1.0, -1.0]),
        ValueError, "")
    bad(f"{name}-X-None", lambda fn=fn: fn(X=None), (TypeError, ValueError), "")
    # --- dtypes that are refused
    bad(f"{name}-X-complex", lambda fn=fn: fn(X=X0.astype(complex)), ValueError, "[Cc]omplex")
    bad(f"{name}-X-str", lambda fn=fn: fn(X=X0.astype(str)), ValueError, "numeric")
    bad(f"{name}-X-bytes", lambda fn=fn: fn(X=X0.astype("S8")), ValueError, "numeric")
    bad(f"{name}-X-object-str", lambda fn=fn: fn(X=X0.astype(str).astype(object)), ValueError,
        "numeric")
    bad(f"{name}-X-object-None", lambda fn=fn: fn(X=np.full(X0.shape, None, dtype=object)),
        (ValueError, TypeError), "")
    bad(f"{name}-X-datetime", lambda fn=fn: fn(X=np.zeros(X0.shape, "datetime64[s]")),
        ValueError, "numeric")
    bad(f"{name}-X-list-of-str", lambda fn=fn: fn(X=[["1", "2"], ["3", "4"]], y=[1.0, -1.0]),
        ValueError, "numeric")
    bad(f"{name}-Xsparse-complex", lambda fn=fn: fn(X=sp.csr_matrix(X0.astype(complex))),
        ValueError, "[Cc]omplex")
    bad(f"{name}-y-str", lambda fn=fn: fn(y=Y0.astype(str)), ValueError, "y must be numeric")
    bad(f"{name}-y-object", lambda fn=fn: fn(y=Y0.astype(object)), ValueError,
        "y must be numeric")
    bad(f"{name}-y-complex", lambda fn=fn: fn(y=Y0.astype(complex)), ValueError,
        "y must be numeric")
    bad(f"{name}-sw-str", lambda fn=fn: fn(sample_weight=np.ones(N0).astype(str)), ValueError,
        "sample_weight must be numeric")
    # --- parameters
    bad(f"{name}-alpha-negative", lambda fn=fn: fn(alpha=-1e-4), ValueError, "alpha must be >=")
    bad(f"{name}-alpha-nan", lambda fn=fn: fn(alpha=np.nan), ValueError, "alpha must be finite")
    bad(f"{name}-alpha-inf", lambda fn=fn: fn(alpha=np.inf), ValueError, "alpha must be finite")
    bad(f"{name}-alpha-str", lambda fn=fn: fn(alpha="0.1"), TypeError, "alpha must be a real")
    bad(f"{name}-l1_ratio-neg", lambda fn=fn: fn(penalty="elasticnet", l1_ratio=-0.1),
        ValueError, "l1_ratio must be >=")
    bad(f"{name}-l1_ratio-gt1", lambda fn=fn: fn(penalty="elasticnet", l1_ratio=1.5),
        ValueError, "l1_ratio must be <=")
    bad(f"{name}-epsilon-neg", lambda fn=fn: fn(loss="huber", y=Y0, epsilon=-0.1), ValueError,
        "epsilon must be >=")
    bad(f"{name}-epsilon-nan", lambda fn=fn: fn(loss="huber", epsilon=np.nan), ValueError,
        "epsilon must be finite")
    bad(f"{name}-loss-unknown", lambda fn=fn: fn(loss="hinges"), ValueError,
        r"loss='hinges' is not valid; choose one of .*'squared'.*'hinge'.*'log'")
    bad(f"{name}-loss-None", lambda fn=fn: fn(loss=None), ValueError, "loss=None is not valid")
    bad(f"{name}-penalty-unknown", lambda fn=fn: fn(penalty="l3"), ValueError,
        r"penalty='l3' is not valid; choose one of 'none', 'l2', 'l1', 'elasticnet'")
    bad(f"{name}-n_jobs-0", lambda fn=fn: fn(n_jobs=0), ValueError, "n_jobs=0")
    bad(f"{name}-n_jobs-float", lambda fn=fn: fn(n_jobs=2.0), TypeError, "n_jobs")
    # --- labels
    bad(f"{name}-labels-01", lambda fn=fn: fn(loss="hinge", y=(Y0 > 0).astype(float)),
        ValueError, r"-1 and \+1")
    bad(f"{name}-labels-2", lambda fn=fn: fn(loss="log", y=2 * Y0), ValueError, r"-1 and \+1")

# objective-only: the coefficients
bad("objective-coef-nan", lambda: _obj(coef=_nan_at(W0, 0)), ValueError, "coef .*NaN")
bad("objective-coef-short", lambda: _obj(coef=W0[:-1]), ValueError, "coef has length")
bad("objective-coef-2d", lambda: _obj(coef=np.zeros((D0, 2))), ValueError, "coef must be 1-D")
bad("objective-coef-str", lambda: _obj(coef=W0.astype(str)), ValueError, "coef must be numeric")
bad("objective-intercept-nan",
    lambda: (gdfast.objective, (X0, Y0, W0, np.nan), dict(loss="hinge")), ValueError,
    "intercept must be finite")
bad("objective-intercept-str",
    lambda: (gdfast.objective, (X0, Y0, W0, "0"), dict(loss="hinge")), TypeError, "intercept")

# fit-only parameters
for id_, kw, exc, match in [
    ("coef_init-nan", dict(coef_init=_nan_at(W0, 1)), ValueError, "coef_init .*NaN"),
    ("coef_init-inf", dict(coef_init=_nan_at(W0, 1, np.inf)), ValueError, "coef_init"),
    ("coef_init-short", dict(coef_init=np.zeros(D0 - 1)), ValueError,
     "coef_init has length 3 but n_features is 4"),
    ("coef_init-long", dict(coef_init=np.zeros(D0 + 1)), ValueError, "coef_init has length"),
    ("coef_init-str", dict(coef_init=W0.astype(str)), ValueError, "coef_init must be numeric"),
    ("intercept_init-nan", dict(intercept_init=np.nan), ValueError, "intercept_init"),
    ("intercept_init-inf", dict(intercept_init=-np.inf), ValueError, "intercept_init"),
    ("batch_size-0", dict(batch_size=0), ValueError, "batch_size must be >= 1"),
    ("batch_size-neg", dict(batch_size=-5), ValueError, "batch_size must be >= 1"),
    ("batch_size-float", dict(batch_size=2.5), TypeError, "batch_size must be an int"),
    ("batch_size-str", dict(batch_size="half"), ValueError, "batch_size='half'"),
    ("batch_size-huge", dict(batch_size=2**64), ValueError, "batch_size must be <="),
    ("eta0-0-constant", dict(learning_rate="constant", eta0=0.0), ValueError, "eta0 must be >"),
    ("eta0-neg-invscaling", dict(learning_rate="invscaling", eta0=-1.0), ValueError, "eta0"),
    ("eta0-nan", dict(learning_rate="constant", eta0=np.nan), ValueError, "eta0"),
    ("eta0-0-pa1", dict(learning_rate="pa1", eta0=0.0), ValueError, "eta0"),
    ("learning_rate-unknown", dict(learning_rate="fast"), ValueError,
     r"learning_rate='fast' is not valid; choose one of 'auto', 'constant', 'optimal'"),
    ("optimal-alpha-0", dict(learning_rate="optimal", alpha=0.0), ValueError, "alpha must be > 0"),
    ("pa-wrong-loss", dict(learning_rate="pa1", loss="log"), ValueError, "pa1"),
    ("power_t-nan", dict(learning_rate="invscaling", power_t=np.nan), ValueError, "power_t"),
    ("momentum-neg", dict(momentum=-0.1, batch_size=4), ValueError, "momentum"),
    ("momentum-1", dict(momentum=1.0, batch_size=4), ValueError, "momentum"),
    ("max_iter-0", dict(max_iter=0), ValueError, "max_iter must be >= 1"),
    ("max_iter-float", dict(max_iter=10.0), TypeError, "max_iter"),
    ("max_iter-huge", dict(max_iter=2**63), ValueError, "max_iter must be <="),
    ("tol-neg", dict(tol=-1.0), ValueError, "tol must be >="),
    ("tol-nan", dict(tol=np.nan), ValueError, "tol must be finite"),
    ("n_iter_no_change-0", dict(n_iter_no_change=0), ValueError, "n_iter_no_change"),
    ("shuffle_block-0", dict(shuffle_block=0), ValueError, "shuffle_block"),
    ("shuffle_block-huge", dict(shuffle_block=2**63), ValueError, "shuffle_block must be <="),
    ("shuffle_block-int64-max", dict(shuffle_block=2**63 - 1), ValueError,
     "shuffle_block must be <="),
    ("average-neg", dict(average=-1), ValueError, "average must be >= 0"),
    ("t_start-0", dict(t_start=0.0), ValueError, "t_start"),
    ("random_state-bad", dict(random_state="seed"), ValueError, ""),
    ("average_init-nan", dict(average_init=(_nan_at(W0, 0), 0.0, 1), average=True), ValueError,
     "average_init"),
    ("average_init-short", dict(average_init=(W0[:-1], 0.0, 1), average=True), ValueError,
     "average_init"),
    ("average_init-neg-count", dict(average_init=(W0, 0.0, -1), average=True), ValueError,
     "average_init"),
    ("validation-feature-mismatch", dict(validation=(X0[:, :2], Y0, None)), ValueError,
     "X_val has 2 features"),
    ("validation-y-nan", dict(validation=(X0, _nan_at(Y0, 0), None)), ValueError, "y_val"),
]:
    bad(f"fit-{id_}", lambda kw=kw: _fit(**kw), exc, match)

# fit_ovr
for id_, kw, exc, match in [
    ("Y-1d", dict(Y=Y0), ValueError, r"Y must have shape \(n_classes, 40\)"),
    ("Y-wrong-n", dict(Y=np.stack([Y0[:-1], Y0[:-1]])), ValueError, "Y must have shape"),
    ("Y-nan", dict(Y=np.stack([_nan_at(Y0, 0), Y0])), ValueError, ""),
    ("Y-labels", dict(Y=np.stack([Y0, (Y0 > 0).astype(float)])), ValueError, r"-1 and \+1"),
    ("sw-shape", dict(sample_weight=np.ones((3, N0))), ValueError, "sample_weight must have shape"),
    ("sw-neg", dict(sample_weight=-np.ones(N0)), ValueError, "non-negative"),
    ("sw-2d-zero-row", dict(sample_weight=np.r_[[np.ones(N0)], [np.zeros(N0)]]), ValueError,
     "positive sum"),
    ("coef_init-shape", dict(coef_init=np.zeros((2, D0 + 1))), ValueError, "coef_init"),
    ("coef_init-nan", dict(coef_init=np.full((2, D0), np.nan)), ValueError, "coef_init"),
    ("intercept_init-nan", dict(intercept_init=[np.nan, 0.0]), ValueError, "intercept_init"),
    ("intercept_init-shape", dict(intercept_init=[0.0, 0.0, 0.0]), ValueError, "intercept_init"),
    ("unknown-param", dict(alhpa=1.0), TypeError, "alhpa"),
    ("verbose", dict(verbose=1), ValueError, "verbose"),
    ("n_jobs-0", dict(n_jobs=0), ValueError, "n_jobs=0"),
    ("alpha-neg", dict(alpha=-1.0), ValueError, "alpha"),
]:
    bad(f"fit_ovr-{id_}", lambda kw=kw: _ovr(**kw), exc, match)


@pytest.mark.parametrize(("maker", "exc", "match"), BAD)
def test_bad_input_raises_clear_error(maker, exc, match):
    fn, args, kwargs = maker()
    snapshot = [copy.deepcopy(a) for a in args]
    with pytest.raises(exc, match=match or None):
        out = fn(*args, **kwargs)
        if fn is gdfast.scipy_objective:  # validation may be deferred to the first call
            out(np.zeros(np.shape(args[0])[1] + 1) if np.ndim(args[0]) == 2 else np.zeros(2))
    for before, after in zip(snapshot, args):
        _assert_same(before, after)


def _assert_same(before, after):
    if sp.issparse(before):
        for part in ("data", "indices", "indptr"):
            np.testing.assert_array_equal(getattr(before, part), getattr(after, part))
    elif isinstance(before, np.ndarray) and before.dtype.kind in "fc":
        np.testing.assert_array_equal(before, after)  # NaN == NaN here
    elif isinstance(before, np.ndarray):
        assert before.tobytes() == after.tobytes()


def test_fit_ovr_average_init_nan_refused():
    Y = np.stack([Y0, -Y0])
    with pytest.raises(ValueError, match="average_init"):
        gdfast.fit_ovr(X0, Y, loss="hinge", average=True,
                       average_init=(np.full((2, D0), np.nan), [0.0, 0.0], [1, 1]), **FAST)


def test_bad_input_case_count():
    """The table above is what the README's count refers to (keep it large)."""
    assert len(BAD) >= 200


# ======================================================================== conversions
NUMERIC = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
           np.float16, np.float32, np.float64, np.longdouble, bool]


@pytest.mark.parametrize("dtype", NUMERIC, ids=lambda t: np.dtype(t).name)
def test_numeric_dtypes_are_converted(dtype):
    rng = np.random.default_rng(1)
    X = rng.integers(0, 3, size=(30, 3)).astype(dtype)
    signed = np.dtype(dtype).kind in "if"
    y = np.where(rng.random(30) > 0.5, 1, -1).astype(dtype if signed else np.int8)
    before = X.copy()
    r = gdfast.fit(X, y, loss="hinge", **FAST)
    _assert_finite_result(r)
    assert r.coef.dtype == (np.float32 if dtype == np.float32 else np.float64)
    np.testing.assert_array_equal(X, before)
    v, g, gb = gdfast.objective(X, y, np.zeros(3), loss="hinge")
    assert np.isfinite(v) and np.all(np.isfinite(g)) and np.isfinite(gb)


def test_object_array_of_numbers_is_converted():
    r1 = gdfast.fit(X0.astype(object), Y0, loss="hinge", **FAST)
    r2 = gdfast.fit(X0, Y0, loss="hinge", **FAST)
    np.testing.assert_array_equal(r1.coef, r2.coef)


# ===================================================================== memory layouts
def _layouts(X):
    """Same values, different memory: each must give the C-contiguous result."""
    F = np.asfortranarray(X)
    big = np.zeros((X.shape[0] * 2, X.shape[1] * 3), dtype=X.dtype)
    big[::2, ::3] = X
    strided = big[::2, ::3]
    neg = X[::-1][::-1]  # negative strides (a view of a view)
    ro = _ro(X)
    unaligned_buf = np.zeros(X.size * X.itemsize + 1, dtype=np.uint8)
    unaligned = np.frombuffer(unaligned_buf.data, dtype=X.dtype, count=X.size,
                              offset=1).reshape(X.shape)
    unaligned.flags.writeable = True
    unaligned[...] = X
    unaligned.flags.writeable = False
    return {"F": F, "strided": strided, "negstride": neg, "readonly": ro,
            "unaligned": unaligned}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("mode", MODES, ids=["sgd", "minibatch", "full"])
def test_layouts_work_and_are_not_written(dtype, mode, tmp_path):
    X, y = _data(dtype=dtype)
    ref = gdfast.fit(X, y, loss="log", batch_size=mode, **FAST)
    cases = _layouts(X)
    mm = np.lib.format.open_memmap(tmp_path / "X.npy", mode="w+", dtype=dtype, shape=X.shape)
    mm[...] = X
    mm.flush()
    del mm
    cases["memmap-r"] = np.load(tmp_path / "X.npy", mmap_mode="r")
    cases["memmap-c"] = np.load(tmp_path / "X.npy", mmap_mode="c")
    cases["ro-y"] = X
    for name, Xl in cases.items():
        yl = _ro(y) if name == "ro-y" else y
        before = np.array(Xl, copy=True)
        r = gdfast.fit(Xl, yl, loss="log", batch_size=mode, **FAST)
        np.testing.assert_array_equal(r.coef, ref.coef, err_msg=name)
        assert r.intercept == ref.intercept, name
        np.testing.assert_array_equal(np.asarray(Xl), before, err_msg=name)
        v, g, gb = gdfast.objective(Xl, yl, ref.coef, ref.intercept, loss="log")
        assert np.isfinite(v) and np.all(np.isfinite(g))
    assert np.array_equal(np.load(tmp_path / "X.npy"), X)  # the file was never written


def test_readonly_sparse_and_weights_not_written():
    X = sp.csr_matrix(X0)
    for part in (X.data, X.indices, X.indptr):
        part.flags.writeable = False
    sw = _ro(np.linspace(0.5, 2.0, N0))
    ci = _ro(np.ones(D0) * 0.1)
    y = _ro(Y0)
    r = gdfast.fit(X, y, loss="hinge", sample_weight=sw, coef_init=ci, **FAST)
    _assert_finite_result(r)
    np.testing.assert_array_equal(ci, np.ones(D0) * 0.1)
    rs = gdfast.fit_ovr(X, _ro(np.stack([Y0, -Y0])), loss="hinge", sample_weight=sw,
                        coef_init=_ro(np.zeros((2, D0))), **FAST)
    assert len(rs) == 2


@pytest.mark.parametrize("mode", MODES, ids=["sgd", "minibatch", "full"])
def test_inputs_never_modified(mode):
    X, y = _data(n=60, d=5, seed=3)
    sw = np.linspace(0.1, 3.0, 60)
    ci = np.full(5, 0.2)
    Xs = sp.csr_matrix(np.where(np.abs(X) > 0.8, X, 0.0))
    copies = [a.copy() for a in (X, y, sw, ci)] + [Xs.copy()]
    for Xa in (X, Xs):
        for avg in (False, True):
            gdfast.fit(Xa, y, loss="modified_huber", batch_size=mode, sample_weight=sw,
                       coef_init=ci, intercept_init=0.3, average=avg, penalty="elasticnet",
                       **FAST)
        gdfast.objective(Xa, y, ci, 0.3, loss="log", sample_weight=sw)
        f = gdfast.scipy_objective(Xa, y, loss="squared", sample_weight=sw)
        x0 = np.r_[ci, 0.3]
        f(x0)
        np.testing.assert_array_equal(x0, np.r_[copies[3], 0.3])
    for before, after in zip(copies, (X, y, sw, ci, Xs)):
        _assert_same(before, after)


# ======================================================================== sparse input
def _csr(idx=np.int32, cls=sp.csr_matrix):
    A = cls(np.where(np.abs(X0) > 0.5, X0, 0.0))
    A.indices = A.indices.astype(idx)
    A.indptr = A.indptr.astype(idx)
    return A


def _mutate(how):
    """A CSR matrix made malformed *after* construction (scipy checks only then)."""
    A = _csr()
    if how == "indptr-decreasing":
        A.indptr[2], A.indptr[3] = A.indptr[3], A.indptr[2]
    elif how == "indptr-first-nonzero":
        A.indptr[0] = 1
    elif how == "indptr-last-too-big":
        A.indptr[-1] = A.indices.shape[0] + 10
    elif how == "indptr-too-short":
        A.indptr = A.indptr[:-2].copy()
    elif how == "indptr-too-long":
        A.indptr = np.r_[A.indptr, A.indptr[-1]].astype(np.int32)
    elif how == "index-too-big":
        A.indices[3] = D0
    elif how == "index-huge":
        A.indices[3] = np.iinfo(np.int32).max
    elif how == "index-negative":
        A.indices[3] = -1
    elif how == "data-shorter":
        A.data = A.data[:-1].copy()
    elif how == "indices-2d":
        A.indices = A.indices[:, None].copy()
    elif how == "indptr-float":
        A.indptr = A.indptr.astype(np.float64)
    else:
        raise KeyError(how)
    return A


MALFORMED = ["indptr-decreasing", "indptr-first-nonzero", "indptr-last-too-big",
             "indptr-too-short", "indptr-too-long", "index-too-big", "index-huge",
             "index-negative", "data-shorter", "indices-2d", "indptr-float"]


@pytest.mark.parametrize("how", MALFORMED)
@pytest.mark.parametrize("api", ["fit", "objective", "fit_ovr", "csc"])
def test_malformed_sparse_refused(how, api):
    A = _mutate(how)
    before = (A.data.copy(), A.indices.copy(), A.indptr.copy())
    with pytest.raises(ValueError, match="malformed|index|indptr|indices|shape|dimension"):
        if api == "fit":
            gdfast.fit(A, Y0, loss="hinge", **FAST)
        elif api == "objective":
            gdfast.objective(A, Y0, W0, loss="hinge")
        elif api == "fit_ovr":
            gdfast.fit_ovr(A, np.stack([Y0, -Y0]), loss="hinge", **FAST)
        else:  # the same arrays read as a CSC matrix: scipy would convert it blindly
            if A.indptr.ndim != 1 or A.indices.ndim != 1 or A.indptr.dtype.kind != "i":
                pytest.skip("not representable as a CSC matrix")
            C = sp.csc_matrix((D0, N0))
            C.data, C.indices, C.indptr = A.data, A.indices, A.indptr
            gdfast.fit(C, np.ones(D0), loss="squared", **FAST)
    for b, a in zip(before, (A.data, A.indices, A.indptr)):
        np.testing.assert_array_equal(b, a)


@pytest.mark.parametrize("idx", [np.int32, np.int64], ids=["i32", "i64"])
@pytest.mark.parametrize("row", ["first", "middle", "last"])
@pytest.mark.parametrize("bad", [-1, "n_cols", "huge"])
def test_bad_column_index_found_by_the_pass(idx, row, bad):
    """gdfast.objective (and _core.objective) on a large canonical CSR matrix do not scan
    the column indices up front: the fused pass checks each row just before it reads it
    (and gdfast.fit's per-sample SGD in its first epoch).
    A bad index in any row, with the rows split over several blocks and threads, is still
    refused with a clear error -- and nothing was read out of bounds (a crash or an ASan
    report in the sanitizer run otherwise)."""
    rng = np.random.default_rng(5)
    n, d = 9000, 40
    A = sp.random(n, d, density=0.2, format="csr", random_state=rng, dtype=np.float64)
    A.indices = A.indices.astype(idx)
    A.indptr = A.indptr.astype(idx)
    assert A.has_canonical_format
    y = np.where(rng.standard_normal(n) > 0, 1.0, -1.0)
    w = rng.standard_normal(d)
    good = gdfast.objective(A, y, w, 0.1, loss="log", n_jobs=2)
    i = {"first": 0, "middle": n // 2 + 17, "last": n - 1}[row]
    while A.indptr[i + 1] == A.indptr[i]:  # a row with a stored value
        i += 1 if row != "last" else -1
    k = int(A.indptr[i + 1]) - 1
    orig = A.indices[k]
    A.indices[k] = {-1: -1, "n_cols": d, "huge": np.iinfo(idx).max}[bad]
    before = (A.data.copy(), A.indices.copy(), A.indptr.copy())
    for n_jobs in (1, 2):
        with pytest.raises(ValueError, match="column index"):
            gdfast.objective(A, y, w, 0.1, loss="log", n_jobs=n_jobs)
        with pytest.raises(ValueError, match="column index"):
            _core.objective(A.data, A.indices, A.indptr, d, y, None, w, 0.1,
                            _core.Loss(_core.LossKind.log, 0.1), np.zeros(d), None, n_jobs)
    # gdfast.fit: per-sample SGD checks the rows in its first epoch, the other solvers
    # (and fit_ovr) in a scan first
    for batch_size in (1, 64, "full"):
        for shuffle in (True, False):
            with pytest.raises(ValueError, match="column index"):
                gdfast.fit(A, y, loss="log", batch_size=batch_size, shuffle=shuffle,
                           max_iter=3, tol=None, n_jobs=2, random_state=0)
    with pytest.raises(ValueError, match="column index"):
        gdfast.SGDClassifier(max_iter=2, tol=None).partial_fit(A, y, classes=[-1.0, 1.0])
    for b, a in zip(before, (A.data, A.indices, A.indptr)):
        np.testing.assert_array_equal(b, a)
    A.indices[k] = orig  # valid again: the same value and gradient, bit for bit
    again = gdfast.objective(A, y, w, 0.1, loss="log", n_jobs=1)
    assert again[0] == good[0] and again[2] == good[2]
    np.testing.assert_array_equal(again[1], good[1])


@pytest.mark.parametrize("loss", ["hinge", "log", "squared_hinge", "perceptron",
                                  "modified_huber", "squared", "huber", "epsilon_insensitive",
                                  "squared_epsilon_insensitive"])
def test_fit_refuses_non_finite_X_without_a_finiteness_scan(loss):
    """gdfast.fit does not scan X for NaN/inf up front: the kernels notice. A row with
    +inf can have a finite loss (hinge or log at a margin of +inf is 0, and its update is
    0), so the kernels check the margins themselves -- this fit used to succeed silently
    with X[0, 0] = inf. Every solver, dense and CSR, any position, any seed."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 5))
    y = np.where(X[:, 0] > 0, 1.0, -1.0)
    for pos in ((0, 0), (17, 3), (199, 4)):
        for bad in (np.nan, np.inf, -np.inf):
            Xb = X.copy()
            Xb[pos] = bad
            for batch_size in (1, 16, "full"):
                for fmt in (np.asarray, sp.csr_matrix):
                    for seed in (0, 1):
                        with pytest.raises(ValueError, match="NaN or infinity"):
                            gdfast.fit(fmt(Xb), y, loss=loss, batch_size=batch_size,
                                       max_iter=2, tol=None, track_objective=False,
                                       random_state=seed)


def test_malformed_coo_refused():
    A = sp.coo_matrix(X0)
    A.col[0] = D0 + 3
    with pytest.raises(ValueError, match="malformed"):
        gdfast.fit(A, Y0, loss="hinge", **FAST)


@pytest.mark.parametrize("idx", [np.int32, np.int64], ids=["i32", "i64"])
@pytest.mark.parametrize("cls", [sp.csr_matrix, sp.csr_array])
def test_unsorted_and_duplicate_indices_are_summed(idx, cls):
    """Documented: duplicates are summed (as scipy does), unsorted indices are fine."""
    dense = np.array([[1.0, 0.0, 2.0], [0.0, 3.0, 0.0], [4.0, 0.0, 0.0], [0.0, 0.0, 5.0]])
    data = np.array([2.0, 0.5, 0.5, 3.0, 4.0, 5.0])
    indices = np.array([2, 0, 0, 1, 0, 2], dtype=idx)  # row 0: unsorted + duplicate 0
    indptr = np.array([0, 3, 4, 5, 6], dtype=idx)
    A = cls((data, indices, indptr), shape=(4, 3))
    before = (A.data.copy(), A.indices.copy(), A.indptr.copy())
    y = np.array([1.0, -1.0, 1.0, -1.0])
    w = np.array([0.3, -0.2, 0.1])
    v1, g1, b1 = gdfast.objective(A, y, w, 0.1, loss="squared")
    v2, g2, b2 = gdfast.objective(dense, y, w, 0.1, loss="squared")
    assert v1 == pytest.approx(v2, rel=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-12)
    r1 = gdfast.fit(A, y, loss="squared", **FAST)
    r2 = gdfast.fit(dense, y, loss="squared", **FAST)
    np.testing.assert_allclose(r1.coef, r2.coef, rtol=1e-10)
    for b, a in zip(before, (A.data, A.indices, A.indptr)):
        np.testing.assert_array_equal(b, a)


@pytest.mark.parametrize("fmt", ["csc", "coo", "lil", "dok", "bsr"])
def test_other_sparse_formats_converted(fmt):
    A = sp.csr_matrix(np.where(np.abs(X0) > 0.5, X0, 0.0)).asformat(fmt)
    r = gdfast.fit(A, Y0, loss="hinge", **FAST)
    ref = gdfast.fit(A.toarray(), Y0, loss="hinge", **FAST)
    np.testing.assert_allclose(r.coef, ref.coef, rtol=1e-10)


def test_sparse_explicit_zeros_and_empty_rows():
    A = sp.csr_matrix((5, 3))
    y = np.array([1.0, -1.0, 1.0, 1.0, -1.0])
    for mode in MODES:
        r = gdfast.fit(A, y, loss="log", batch_size=mode, **FAST)
        _assert_finite_result(r)
        np.testing.assert_array_equal(r.coef, 0.0)
    A = sp.csr_matrix((np.zeros(3), np.array([0, 1, 2]), np.array([0, 3, 3, 3, 3, 3])),
                      shape=(5, 3))
    r = gdfast.fit(A, y, loss="squared", **FAST)
    _assert_finite_result(r)


# ======================================================================== overflow
@pytest.mark.parametrize("mode", MODES, ids=["sgd", "minibatch", "full"])
@pytest.mark.parametrize("fmt", ["dense", "csr"])
def test_overflow_is_reported_with_advice(mode, fmt):
    X, _ = _data()
    y = X @ np.arange(1.0, D0 + 1.0)
    Xb, yb = X * 1e200, y * 1e200
    if fmt == "csr":
        Xb = sp.csr_matrix(Xb)
    with pytest.raises(gdfast.DivergenceError, match=r"overflow.*scale X") as info:
        gdfast.fit(Xb, yb, loss="squared", batch_size=mode, learning_rate="constant",
                   eta0=1.0, **FAST)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, FloatingPointError)


def test_divergence_names_epoch_and_eta0():
    X, _ = _data()
    y = X @ np.arange(1.0, D0 + 1.0)
    with pytest.raises(gdfast.DivergenceError, match=r"epoch \d+.*eta0=1000.0"):
        gdfast.fit(X * 1e150, y * 1e150, loss="squared", learning_rate="constant", eta0=1e3,
                   max_iter=50, tol=None, random_state=0)


@pytest.mark.parametrize("mode", MODES, ids=["sgd", "minibatch", "full"])
@pytest.mark.parametrize(("dtype", "scale"), [(np.float64, 1e160), (np.float32, 1e20)],
                         ids=["f64", "f32"])
def test_overflowing_row_norm_is_not_a_silent_zero_model(mode, dtype, scale):
    X, _ = _data()
    y = X @ np.arange(1.0, D0 + 1.0)
    Xb = (X * scale).astype(dtype)
    try:
        r = gdfast.fit(Xb, y.astype(dtype), loss="squared", batch_size=mode, **FAST)
    except gdfast.DivergenceError:
        return  # reported: fine
    # else it must have learnt something: the least-squares solution is w ~ [1..4]/scale
    pred = r.coef.astype(np.float64) @ Xb.T.astype(np.float64)
    assert np.corrcoef(pred, y)[0, 1] > 0.9


def test_objective_float32_gradient_overflow_reported():
    X, y = _data(dtype=np.float32)
    y = (X.astype(np.float64) @ np.arange(1.0, D0 + 1.0)).astype(np.float32)
    try:
        v, g, gb = gdfast.objective(X * np.float32(1e20), y * np.float32(1e20),
                                    np.zeros(D0, np.float32), loss="squared")
    except ValueError:
        return
    assert np.isfinite(v) and np.all(np.isfinite(g)) and np.isfinite(gb)


def test_objective_overflow_is_a_value_error():
    with pytest.raises(ValueError, match="overflow"):
        gdfast.objective(X0 * 1e200, Y0, np.ones(D0), loss="squared")


def test_objective_overflow_is_reported():
    with pytest.raises(FloatingPointError, match="overflow.*scale X"):
        gdfast.objective(X0 * 1e200, Y0, np.ones(D0), loss="squared")


# ===================================================================== threads policy
def test_n_jobs_negative_and_large_small_values_work():
    for n_jobs in (1, 2, 3, -1, -2, -1000):
        r = gdfast.fit(X0, Y0, loss="hinge", n_jobs=n_jobs, batch_size=7, **FAST)
        _assert_finite_result(r)


def _subprocess_env():
    """The environment for children that may crash: sanitizer reports (when the suite
    runs under .ci/sanitize.sh) go to the child's stderr, which the test inspects,
    instead of the run's report directory."""
    env = dict(os.environ)
    for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        if var in env:
            env[var] = ":".join(o for o in env[var].split(":") if not o.startswith("log_path"))
    return env


def _alive(code, timeout=120):
    p = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                       text=True, timeout=timeout, env=_subprocess_env())
    assert p.returncode == 0 and "alive" in p.stdout, (p.returncode, p.stderr[-800:])
    return p.stdout


def test_huge_n_jobs_does_not_kill_the_process():
    _alive("""
        import numpy as np, gdfast
        X = np.random.default_rng(0).standard_normal((40, 3)); y = np.sign(X[:, 0] + 0.1)
        for n_jobs in (10**5, 2**31 - 1, 2**40):
            try:
                gdfast.fit(X, y, loss="hinge", n_jobs=n_jobs, max_iter=2, tol=None)
                gdfast.objective(X, y, np.zeros(3), loss="hinge", n_jobs=n_jobs)
            except ValueError as e:
                print("ValueError", e)
        print("alive")
    """)


def test_core_huge_n_threads_does_not_kill_the_process():
    _alive("""
        import numpy as np
        from gdfast import _core
        X = np.random.default_rng(0).standard_normal((40, 3)); y = np.sign(X[:, 0] + 0.1)
        L = _core.Loss(_core.LossKind.hinge, 0.1)
        try:
            _core.objective(X, None, None, 3, y, None, np.zeros(3), 0.0, L, None, None, 10**5)
        except ValueError as e:
            print("ValueError", e)
        print("alive")
    """)


# ================================================================= the C++ boundary
# gdfast._core is called directly with malformed buffers: TypeError for a wrong dtype,
# ValueError for a wrong shape/layout/malformed CSR; never a crash.
_L = _core.Loss(_core.LossKind.squared, 0.1)
_Xc = np.arange(12, dtype=np.float64).reshape(4, 3) / 10
_yc = np.array([1.0, -1.0, 1.0, -1.0])
_d = np.ones(4)


def _P(**kw):
    p = _core.FitParams()
    p.loss = _L
    p.max_iter = 3
    p.tol = -1.0
    for k, v in kw.items():
        setattr(p, k, v)
    return p


def _core_obj(X=_Xc, ind=None, ptr=None, nc=3, y=_yc, sw=None, w=None, g=None, m=None, nt=1):
    w = np.zeros(nc) if w is None else w
    return _core.objective(X, ind, ptr, nc, y, sw, w, 0.0, _L, g, m, nt)


def _core_fit(X=_Xc, ind=None, ptr=None, nc=3, y=_yc, sw=None, c=None, a=None, p=None, nt=1,
              n_avg=0):
    c = np.zeros(nc) if c is None else c
    a = np.zeros(nc) if a is None else a
    return _core.fit(X, ind, ptr, nc, y, sw, c, 0.0, a, 0.0, n_avg, p or _P(), None, nt)


def _core_many(Y=None, sw=None, K=1, nt=1, c=None, a=None, n_avg=None):
    Y = np.stack([_yc] * K) if Y is None else Y
    c = np.zeros((K, 3)) if c is None else c
    a = np.zeros((K, 3)) if a is None else a
    n_avg = np.zeros(K, np.int64) if n_avg is None else n_avg
    extra = {"alphas": None} if "alphas" in (_core.fit_many.__doc__ or "") else {}
    return _core.fit_many(_Xc, None, None, 3, Y, sw, c, np.zeros(K), a, np.zeros(K), n_avg,
                          params=_P(), n_threads=nt, **extra)


def _core_scores(X=_Xc, ind=None, ptr=None, nc=3, c=None, out=None, nt=1):
    c = np.ones((2, nc)) if c is None else c
    out = np.empty((X.shape[0] if ind is None else len(ptr) - 1, 2)) if out is None else out
    _core.scores(X, ind, ptr, nc, c, out, nt)
    return out


def _i32(*v):
    return np.array(v, dtype=np.int32)


def _i64(*v):
    return np.array(v, dtype=np.int64)


CORE = [
    # dtype: TypeError, no silent conversion
    ("X-float16", lambda: _core_obj(X=_Xc.astype(np.float16)), TypeError),
    ("X-int64", lambda: _core_obj(X=_Xc.astype(np.int64)), TypeError),
    ("X-complex", lambda: _core_obj(X=_Xc.astype(complex)), TypeError),
    ("X-object", lambda: _core_obj(X=_Xc.astype(object)), TypeError),
    ("X-list", lambda: _core_obj(X=[[1.0, 2.0, 3.0]]), TypeError),
    ("X-None", lambda: _core_obj(X=None), TypeError),
    ("y-float32", lambda: _core_obj(y=_yc.astype(np.float32)), TypeError),
    ("y-list", lambda: _core_obj(y=[1.0, 2.0, 3.0, 4.0]), TypeError),
    ("y-int", lambda: _core_obj(y=_yc.astype(int)), TypeError),
    ("sw-float32", lambda: _core_obj(sw=np.ones(4, np.float32)), TypeError),
    ("sw-list", lambda: _core_obj(sw=[1.0] * 4), TypeError),
    ("coef-int", lambda: _core_obj(w=np.zeros(3, int)), TypeError),
    ("coef-f32-for-f64", lambda: _core_fit(c=np.zeros(3, np.float32)), TypeError),
    ("avg-f32-for-f64", lambda: _core_fit(a=np.zeros(3, np.float32)), TypeError),
    ("f32-X-f64-y", lambda: _core_obj(X=_Xc.astype(np.float32)), TypeError),
    ("byteswapped-X", lambda: _core_obj(X=_Xc.astype(">f8")), TypeError),
    ("csr-mixed-index-dtypes", lambda: _core_obj(X=_d, ind=_i32(0, 1, 2, 0),
                                                 ptr=_i64(0, 1, 2, 3, 4)), TypeError),
    ("csr-float-indices", lambda: _core_obj(X=_d, ind=np.zeros(4),
                                            ptr=np.array([0.0, 1, 2, 3, 4])), TypeError),
    ("csr-uint32-indices", lambda: _core_obj(X=_d, ind=np.zeros(4, np.uint32),
                                             ptr=np.arange(5, dtype=np.uint32)), TypeError),
    ("csr-list-indices", lambda: _core_obj(X=_d, ind=[0, 1, 2, 0], ptr=[0, 1, 2, 3, 4]),
     TypeError),
    ("params-None", lambda: _core.fit(_Xc, None, None, 3, _yc, None, np.zeros(3), 0.0,
                                      np.zeros(3), 0.0, 0, None, None, 1), TypeError),
    ("params-bad-field", lambda: setattr(_core.FitParams(), "max_iter", "x"), TypeError),
    ("fit_many-sw-list", lambda: _core_many(sw=[1.0] * 4), TypeError),
    ("fit_many-sw-int", lambda: _core_many(sw=5), TypeError),
    ("fit_many-n_avg-float", lambda: _core_many(n_avg=np.zeros(1)), TypeError),
    # shapes / layout: ValueError
    ("X-1d", lambda: _core_obj(X=np.ones(3)), ValueError),
    ("X-3d", lambda: _core_obj(X=np.ones((2, 2, 3))), ValueError),
    ("X-fortran", lambda: _core_obj(X=np.asfortranarray(_Xc)), ValueError),
    ("X-strided", lambda: _core_obj(X=np.ones((4, 6))[:, ::2]), ValueError),
    ("y-short", lambda: _core_obj(y=_yc[:3]), ValueError),
    ("y-long", lambda: _core_obj(y=np.r_[_yc, 1.0]), ValueError),
    ("y-strided", lambda: _core_obj(y=np.ones(8)[::2]), ValueError),
    ("y-2d", lambda: _core_obj(y=_yc[:, None]), ValueError),
    ("sw-short", lambda: _core_obj(sw=np.ones(3)), ValueError),
    ("coef-short", lambda: _core_obj(w=np.zeros(2)), ValueError),
    ("coef-long", lambda: _core_obj(w=np.zeros(5)), ValueError),
    ("grad-short", lambda: _core_obj(g=np.zeros(2)), ValueError),
    ("grad-readonly", lambda: _core_obj(g=_ro(np.zeros(3))), ValueError),
    ("margins-short", lambda: _core_obj(m=np.zeros(3)), ValueError),
    ("margins-readonly", lambda: _core_obj(m=_ro(np.zeros(4))), ValueError),
    ("n_threads-0", lambda: _core_obj(nt=0), ValueError),
    ("n_threads-neg", lambda: _core_obj(nt=-3), ValueError),
    ("fit-0-rows", lambda: _core_fit(X=np.zeros((0, 3)), y=np.zeros(0)), ValueError),
    ("fit-coef-readonly", lambda: _core_fit(c=_ro(np.zeros(3))), ValueError),
    ("fit-avg-readonly", lambda: _core_fit(a=_ro(np.zeros(3))), ValueError),
    ("fit-coef-is-avg", lambda: (lambda z: _core_fit(c=z, a=z))(np.zeros(3)), ValueError),
    ("fit-max_iter-0", lambda: _core_fit(p=_P(max_iter=0)), ValueError),
    ("fit-max_iter-neg", lambda: _core_fit(p=_P(max_iter=-1)), ValueError),
    ("fit-n_averaged-neg", lambda: _core_fit(n_avg=-1), ValueError),
    ("fit-n_threads-0", lambda: _core_fit(nt=0), ValueError),
    ("fit_many-Y-wrong-n", lambda: _core_many(Y=np.ones((1, 3))), ValueError),
    ("fit_many-sw-3d", lambda: _core_many(sw=np.ones((1, 1, 4))), ValueError),
    ("fit_many-sw-wrong-K", lambda: _core_many(sw=np.ones((2, 4))), ValueError),
    ("fit_many-coefs-shape", lambda: _core_many(c=np.zeros((2, 3))), ValueError),
    ("fit_many-n_threads-0", lambda: _core_many(nt=0), ValueError),
    ("loss-epsilon-neg", lambda: _core.Loss(_core.LossKind.huber, -1.0), ValueError),
    ("loss-epsilon-nan", lambda: _core.Loss(_core.LossKind.huber, float("nan")), ValueError),
    ("loss-epsilon-inf", lambda: _core.Loss(_core.LossKind.huber, float("inf")), ValueError),
    ("set_isa-unknown", lambda: _core.set_isa("sse9"), ValueError),
    # CSR invariants
    ("csr-indices-only", lambda: _core_obj(X=_d, ind=_i32(0, 1, 2, 0)), ValueError),
    ("csr-indptr-only", lambda: _core_obj(X=_d, ptr=_i32(0, 1, 2, 3, 4)), ValueError),
    ("csr-index-eq-ncols", lambda: _core_obj(X=_d, ind=_i32(0, 1, 3, 0),
                                             ptr=_i32(0, 1, 2, 3, 4)), ValueError),
    ("csr-index-huge-i64", lambda: _core_obj(X=_d, ind=_i64(0, 1, 2**40, 0),
                                             ptr=_i64(0, 1, 2, 3, 4)), ValueError),
    ("csr-index-negative", lambda: _core_obj(X=_d, ind=_i32(0, -1, 2, 0),
                                             ptr=_i32(0, 1, 2, 3, 4)), ValueError),
    ("csr-index-int32-min", lambda: _core_obj(X=_d, ind=_i32(0, -2**31, 2, 0),
                                              ptr=_i32(0, 1, 2, 3, 4)), ValueError),
    ("csr-indptr-decreasing", lambda: _core_obj(X=_d, ind=_i32(0, 1, 2, 0),
                                                ptr=_i32(0, 2, 1, 3, 4)), ValueError),
    ("csr-indptr-first-nonzero", lambda: _core_obj(X=_d, ind=_i32(0, 1, 2, 0),
                                                   ptr=_i32(1, 1, 2, 3, 4)), ValueError),
    ("csr-indptr-first-negative", lambda: _core_obj(X=_d, ind=_i32(0, 1, 2, 0),
                                                    ptr=_i32(-1, 1, 2, 3, 4)), ValueError),
    ("csr-indptr-last-too-big", lambda: _core_obj(X=_d, ind=_i32(0, 1, 2, 0),
                                                  ptr=_i32(0, 1, 2, 3, 9)), ValueError),
    ("csr-indptr-last-int64-max", lambda: _core_obj(X=_d, ind=_i64(0, 1, 2, 0),
                                                    ptr=_i64(0, 1, 2, 3, 2**62)), ValueError),
    ("csr-indptr-wrong-length", lambda: _core_obj(X=_d, ind=_i32(0, 1, 2, 0),
                                                  ptr=_i32(0, 1, 2, 4)), ValueError),
    ("csr-indptr-empty", lambda: _core_obj(X=_d, ind=_i32(0, 1, 2, 0), ptr=_i32()), ValueError),
    ("csr-data-short", lambda: _core_obj(X=_d[:3], ind=_i32(0, 1, 2, 0),
                                         ptr=_i32(0, 1, 2, 3, 3)), ValueError),
    ("csr-indices-strided", lambda: _core_obj(X=_d, ind=_i32(0, 0, 1, 1, 2, 2, 0, 0)[::2],
                                              ptr=_i32(0, 1, 2, 3, 4)), ValueError),
    ("csr-indices-2d", lambda: _core_obj(X=_d, ind=_i32(0, 1, 2, 0)[None],
                                         ptr=_i32(0, 1, 2, 3, 4)), ValueError),
    ("csr-data-2d", lambda: _core_obj(X=_d[None], ind=_i32(0, 1, 2, 0),
                                      ptr=_i32(0, 1, 2, 3, 4)), ValueError),
    ("csr-n_cols-negative", lambda: _core_obj(X=_d, ind=_i32(0, 1, 2, 0),
                                              ptr=_i32(0, 1, 2, 3, 4), nc=-1, w=np.zeros(3)),
     ValueError),
    ("csr-fit-index-too-big", lambda: _core_fit(X=_d, ind=_i32(0, 1, 9, 0),
                                                ptr=_i32(0, 1, 2, 3, 4)), ValueError),
    ("csr-fit-indptr-decreasing", lambda: _core_fit(X=_d, ind=_i32(0, 1, 2, 0),
                                                    ptr=_i32(0, 3, 1, 3, 4)), ValueError),
    # scores (predictions)
    ("scores-coef-1d", lambda: _core_scores(c=np.ones(3)), ValueError),
    ("scores-coef-0-rows", lambda: _core_scores(c=np.ones((0, 3))), ValueError),
    ("scores-coef-wrong-width", lambda: _core_scores(c=np.ones((2, 4))), ValueError),
    ("scores-coef-float32", lambda: _core_scores(c=np.ones((2, 3), np.float32)), TypeError),
    ("scores-coef-list", lambda: _core_scores(c=[[1.0, 1.0, 1.0]]), TypeError),
    ("scores-out-wrong-shape", lambda: _core_scores(out=np.empty((4, 3))), ValueError),
    ("scores-out-read-only", lambda: _core_scores(out=_ro(np.empty((4, 2)))), ValueError),
    ("scores-out-strided", lambda: _core_scores(out=np.empty((4, 4))[:, ::2]), ValueError),
    ("scores-X-int64", lambda: _core_scores(X=_Xc.astype(np.int64)), TypeError),
    ("scores-n_threads-0", lambda: _core_scores(nt=0), ValueError),
    ("scores-csr-index-too-big", lambda: _core_scores(X=_d, ind=_i32(0, 1, 9, 0),
                                                      ptr=_i32(0, 1, 2, 3, 4)), ValueError),
    ("scores-csr-indptr-decreasing", lambda: _core_scores(X=_d, ind=_i32(0, 1, 2, 0),
                                                          ptr=_i32(0, 3, 1, 3, 4)), ValueError),
]


def _ro(a):
    a.setflags(write=False)
    return a


@pytest.mark.parametrize(("maker", "exc"), [pytest.param(m, e, id=i) for i, m, e in CORE])
def test_core_refuses_malformed_buffers(maker, exc):
    with pytest.raises(exc):
        maker()


def test_core_fit_many_negative_n_averaged():
    with pytest.raises(ValueError):
        _core_many(n_avg=-np.ones(1, np.int64))


def test_core_fit_many_aliased_buffers():
    z = np.zeros((1, 3))
    with pytest.raises(ValueError):
        _core_many(c=z, a=z)


def test_core_fit_many_helper_is_valid():
    """The malformed-buffer cases above must fail for their own reason, not ours."""
    assert _core_many()[0]["status"] == int(_core.Status.ok)
    assert _core_fit()["status"] == int(_core.Status.ok)
    assert _core_obj()[4] is True
    np.testing.assert_allclose(_core_scores(), np.repeat(_Xc.sum(axis=1)[:, None], 2, axis=1))


def test_core_accepts_valid_edge_cases():
    """Valid but unusual buffers work (zero columns, empty rows, unsorted/duplicate CSR)."""
    out = _core_obj(X=_d, ind=_i32(0, 0, 2, 0), ptr=_i32(0, 2, 2, 3, 4))  # dup + empty row
    assert out[4] is True
    out = _core_obj(X=_d, ind=_i64(2, 0, 1, 0), ptr=_i64(0, 2, 2, 3, 4))
    assert out[4] is True
    rep = _core_fit(X=np.zeros((4, 0)), nc=0)
    assert rep["status"] == int(_core.Status.ok)
    assert _core_many(K=0, Y=np.zeros((0, 4))) == []


def test_core_params_out_of_range_do_not_crash():
    """FitParams values the Python layer would refuse: the kernels must stay memory-safe
    (any result is fine, a non-finite status included, but no crash or hang)."""
    S = _core.Schedule
    for kw in [dict(shuffle_block=0), dict(shuffle_block=-3), dict(shuffle_block=2**62),
               dict(batch_size=-3), dict(batch_size=2**62),
               dict(n_iter_no_change=0, tol=1e-3), dict(n_iter_no_change=-1, tol=1e-3),
               dict(eta0=0.0, schedule=S.constant), dict(eta0=-1.0, schedule=S.constant),
               dict(eta0=float("nan"), schedule=S.constant), dict(eta0=0.0, schedule=S.pa1),
               dict(alpha=0.0, schedule=S.optimal), dict(alpha=-1.0, schedule=S.optimal),
               dict(alpha=float("nan")), dict(l1_ratio=5.0), dict(momentum=2.0, batch_size=2),
               dict(momentum=float("nan"), batch_size=0), dict(t_start=0.0),
               dict(t_start=-5.0, schedule=S.optimal), dict(average_start=-1),
               dict(power_t=float("nan"), schedule=S.invscaling), dict(tol=float("nan")),
               dict(average_start=2**62)]:
        for extra in ({}, dict(batch_size=2), dict(batch_size=0)):
            p = _P(**{**extra, **kw})
            rep = _core_fit(p=p)
            assert rep["status"] in (int(_core.Status.ok), int(_core.Status.non_finite)), kw
    for sw in (-np.ones(4), np.zeros(4), np.full(4, np.nan)):  # weights L2 would refuse
        for bs in (1, 2, 0):
            rep = _core_fit(sw=sw, p=_P(batch_size=bs))
            assert rep["status"] in (int(_core.Status.ok), int(_core.Status.non_finite))


def test_core_observer_errors_become_python_errors():
    def fit_with(obs):
        return _core.fit(_Xc, None, None, 3, _yc, None, np.zeros(3), 0.0, np.zeros(3), 0.0, 0,
                         _P(), obs, 1)

    with pytest.raises(ZeroDivisionError):
        fit_with(lambda *a: 1 / 0)
    with pytest.raises(TypeError):
        fit_with(42)
    with pytest.raises((RuntimeError, TypeError)):
        fit_with(lambda *a: "not a float")
    assert fit_with(lambda *a: None)["status"] == int(_core.Status.ok)  # still healthy


@pytest.mark.parametrize(("mode", "kw"), [(1, {}), (7, {}), ("full", {}),
                                          (1, dict(learning_rate="optimal"))])
def test_unpickled_arrays_work(mode, kw):
    """Arrays that went through pickle (joblib workers) carry non-canonical dtype objects."""
    X, y = pickle.loads(pickle.dumps((X0, Y0)))
    r = gdfast.fit(X, y, loss="hinge", batch_size=mode, **FAST, **kw)
    ref = gdfast.fit(X0, Y0, loss="hinge", batch_size=mode, **FAST, **kw)
    np.testing.assert_array_equal(r.coef, ref.coef)
    Xs = pickle.loads(pickle.dumps(sp.csr_matrix(X0)))
    _assert_finite_result(gdfast.fit(Xs, y, loss="hinge", batch_size=mode, **FAST, **kw))


# =========================================================================== estimators
def _estimators():
    return {
        "SGDClassifier": (gdfast.SGDClassifier, dict(max_iter=5, tol=None, random_state=0),
                          True),
        "SGDRegressor": (gdfast.SGDRegressor, dict(max_iter=5, tol=None, random_state=0),
                         False),
        "LinearSVC": (gdfast.LinearSVC, dict(max_iter=20, random_state=0), True),
        "LinearSVR": (gdfast.LinearSVR, dict(max_iter=20, random_state=0), False),
    }


EST_NAMES = ["SGDClassifier", "SGDRegressor", "LinearSVC", "LinearSVR"]


def _est(name, **kw):
    cls, base, is_clf = _estimators()[name]
    return cls(**{**base, **kw}), is_clf


def _targets(is_clf):
    return Y0 if is_clf else X0 @ np.arange(1.0, D0 + 1.0)


def _quiet_fit(est, X, y, **kw):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **kw)


EST_BAD = [
    ("X-nan", lambda y: (_nan_at(X0, (0, 0)), y, {}), "NaN"),
    ("X-inf", lambda y: (_nan_at(X0, (0, 0), np.inf), y, {}), "infinity|inf"),
    ("X-1d", lambda y: (X0[:, 0], y, {}), "2D"),
    ("X-3d", lambda y: (X0[None], y, {}), "dim"),
    ("X-0rows", lambda y: (X0[:0], y[:0], {}), "0 sample"),
    ("X-0cols", lambda y: (X0[:, :0], y, {}), "0 feature"),
    ("X-complex", lambda y: (X0.astype(complex), y, {}), "[Cc]omplex"),
    ("X-str", lambda y: (X0.astype(str), y, {}), ""),
    ("X-sparse-nan", lambda y: (sp.csr_matrix(_nan_at(X0, (0, 0))), y, {}), "NaN"),
    ("X-sparse-malformed", lambda y: (_mutate("index-too-big"), y, {}), "malformed|indices"),
    ("y-short", lambda y: (X0, y[:-1], {}), "inconsistent|length"),
    ("y-nan", lambda y: (X0, _nan_at(y, 0), {}), "NaN|nan"),
    ("y-inf", lambda y: (X0, _nan_at(y, 0, np.inf), {}), "inf"),
    ("y-2d", lambda y: (X0, np.c_[y, y, y], {}), ""),
    ("sw-nan", lambda y: (X0, y, dict(sample_weight=_nan_at(np.ones(N0), 0))), "NaN|nan"),
    ("sw-neg", lambda y: (X0, y, dict(sample_weight=-np.ones(N0))), "negative|positive"),
    ("sw-zero", lambda y: (X0, y, dict(sample_weight=np.zeros(N0))), ""),
    ("sw-short", lambda y: (X0, y, dict(sample_weight=np.ones(N0 - 1))), "shape|length"),
]


def _est_bad_params():
    out = []
    for name in EST_NAMES:
        for case in EST_BAD:
            marks = []
            out.append(pytest.param(name, case, id=f"{name}-{case[0]}", marks=marks))
    return out


@pytest.mark.parametrize(("name", "case"), _est_bad_params())
def test_estimator_fit_bad_input(name, case):
    est, is_clf = _est(name)
    _, make, match = case
    X, y, kw = make(_targets(is_clf))
    with pytest.raises(ValueError, match=match or None):
        _quiet_fit(est, X, y, **kw)
    assert not hasattr(est, "coef_")


@pytest.mark.parametrize(("param", "value"), [
    ("alpha", -1.0), ("l1_ratio", 1.5), ("eta0", 0.0), ("eta0", -1.0), ("batch_size", 0),
    ("n_jobs", 1.5), ("learning_rate", "fast"), ("penalty", "l3"), ("loss", "nope"),
    ("max_iter", 0), ("momentum", 1.5), ("n_iter_no_change", 0), ("epsilon", -1.0),
    ("tol", -1.0), ("validation_fraction", 1.0), ("average", -1), ("power_t", np.nan),
])
@pytest.mark.parametrize("name", ["SGDClassifier", "SGDRegressor"])
def test_sgd_estimator_parameters_out_of_range(name, param, value):
    est, is_clf = _est(name, **{param: value})
    with pytest.raises(ValueError, match=param):
        _quiet_fit(est, X0, _targets(is_clf))


@pytest.mark.parametrize(("param", "value"), [("C", 0.0), ("C", -1.0), ("tol", 0.0),
                                              ("loss", "nope"), ("penalty", "l3"),
                                              ("intercept_scaling", 0.0), ("max_iter", -1)])
@pytest.mark.parametrize("name", ["LinearSVC", "LinearSVR"])
def test_svm_estimator_parameters_out_of_range(name, param, value):
    if name == "LinearSVR" and param == "penalty":
        pytest.skip("LinearSVR has no penalty parameter")
    est, is_clf = _est(name, **{param: value})
    with pytest.raises(ValueError, match=param):
        _quiet_fit(est, X0, _targets(is_clf))


@pytest.mark.parametrize("name", ["SGDClassifier", "LinearSVC"])
def test_single_class_is_refused(name):
    est, _ = _est(name)
    with pytest.raises(ValueError, match="class"):
        _quiet_fit(est, X0, np.ones(N0))


def test_partial_fit_bad_input():
    clf = gdfast.SGDClassifier(random_state=0)
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X0, Y0)  # first call needs classes
    clf.partial_fit(X0, Y0, classes=[-1.0, 1.0])
    saved = copy.deepcopy(clf.__dict__)
    for X, y, kw, match in [
        (X0[:, :3], Y0, {}, "features"),
        (_nan_at(X0, (0, 0)), Y0, {}, "NaN"),
        (X0, np.where(Y0 > 0, 2.0, -1.0), {}, ""),  # unseen label
        (X0, Y0, dict(classes=[0, 1]), "classes"),
        (X0, Y0, dict(sample_weight=-np.ones(N0)), ""),
    ]:
        with pytest.raises(ValueError, match=match or None):
            clf.partial_fit(X, y, **kw)
        _assert_state_equal(saved, clf.__dict__)
    reg = gdfast.SGDRegressor(random_state=0)
    reg.partial_fit(X0, _targets(False))
    with pytest.raises(ValueError, match="features"):
        reg.partial_fit(X0[:, :2], _targets(False))
    with pytest.raises(ValueError):
        reg.partial_fit(X0, _nan_at(_targets(False), 1))


@pytest.mark.parametrize("name", EST_NAMES)
def test_predict_bad_input(name):
    est, is_clf = _est(name)
    _quiet_fit(est, X0, _targets(is_clf))
    with pytest.raises(ValueError, match="features"):
        est.predict(X0[:, :3])
    with pytest.raises(ValueError, match="features"):
        est.predict(sp.csr_matrix(np.c_[X0, X0]))
    with pytest.raises(ValueError, match="NaN"):
        est.predict(_nan_at(X0, (1, 1)))
    with pytest.raises(ValueError):
        est.predict(X0[0])  # 1-D
    with pytest.raises(ValueError):
        est.predict(X0.astype(complex))
    # layouts work and give the same predictions, inputs untouched
    ref = est.predict(X0)
    for name_, Xl in list(_layouts(X0).items()) + [("csr", sp.csr_matrix(X0))]:
        before = np.array(Xl.toarray() if sp.issparse(Xl) else Xl, copy=True)
        out = est.predict(Xl)
        if is_clf:
            np.testing.assert_array_equal(out, ref, err_msg=name_)
        else:  # BLAS may sum in another order for another layout
            np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12, err_msg=name_)
        np.testing.assert_array_equal(Xl.toarray() if sp.issparse(Xl) else Xl, before)


@pytest.mark.parametrize("name", EST_NAMES)
def test_predict_malformed_sparse_refused(name):
    # in a subprocess: today this segfaults inside scipy
    code = textwrap.dedent(f"""
        import numpy as np, scipy.sparse as sp, gdfast, warnings
        warnings.simplefilter("ignore")
        rng = np.random.default_rng(0)
        X = rng.standard_normal((40, 4)); y = np.sign(X[:, 0] + 0.1)
        est = gdfast.{name}(max_iter=5).fit(X, y if "SV" in "{name}" or "Classifier" in "{name}" else X[:, 0])
        A = sp.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))
        A.indices[3] = np.iinfo(np.int32).max
        try:
            est.predict(A)
            print("no error")
        except ValueError as e:
            print("ValueError", e)
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       env=_subprocess_env())
    assert p.returncode == 0, (p.returncode, p.stderr[-800:])
    assert "ValueError" in p.stdout, p.stdout


def _assert_state_equal(a, b):
    assert a.keys() == b.keys()
    for k in a:
        va, vb = a[k], b[k]
        if isinstance(va, np.ndarray):
            np.testing.assert_array_equal(va, vb, err_msg=k)
        elif sp.issparse(va):
            np.testing.assert_array_equal(va.toarray(), vb.toarray(), err_msg=k)
        elif isinstance(va, list) and va and isinstance(va[0], np.ndarray):
            for x, y in zip(va, vb):
                np.testing.assert_array_equal(x, y, err_msg=k)
        else:
            assert va == vb or (va != va and vb != vb), k


@pytest.mark.parametrize("batch_size", [1, 8, "full"])
@pytest.mark.parametrize("name", ["SGDClassifier", "SGDRegressor"])
def test_failed_fit_leaves_estimator_unchanged(name, batch_size):
    est, is_clf = _est(name, learning_rate="constant", eta0=1.0, batch_size=batch_size,
                       average=False)
    y = _targets(is_clf)
    _quiet_fit(est, X0, y)
    saved = copy.deepcopy(est.__dict__)
    Xb = X0 * 1e200
    yb = y if is_clf else y * 1e200
    # (full batch ignores eta0: its line search cannot blow up on a bounded-slope loss)
    if not (is_clf and batch_size == "full"):
        with pytest.raises(gdfast.DivergenceError, match=r"overflow.*scale X"):
            _quiet_fit(est, Xb, yb)
        _assert_state_equal(saved, est.__dict__)
    if batch_size != "full":
        with pytest.raises(gdfast.DivergenceError):
            est.partial_fit(Xb, yb, **(dict(classes=np.unique(y)) if is_clf else {}))
        _assert_state_equal(saved, est.__dict__)
    with pytest.raises(ValueError):
        _quiet_fit(est, X0[:, :2], y[:-1])
    _assert_state_equal(saved, est.__dict__)
    # and it still works afterwards
    _quiet_fit(est, X0, y)
    assert np.all(np.isfinite(est.coef_))


@pytest.mark.parametrize("name", EST_NAMES)
def test_estimator_inputs_not_modified(name):
    est, is_clf = _est(name)
    y = _ro(_targets(is_clf))
    X = _ro(X0)
    sw = _ro(np.linspace(0.5, 2.0, N0))
    _quiet_fit(est, X, y, sample_weight=sw)
    est.predict(X)
    Xs = sp.csr_matrix(X0)
    before = Xs.copy()
    _quiet_fit(est, Xs, y)
    est.predict(Xs)
    _assert_same(before, Xs)


@pytest.mark.parametrize("name", ["LinearSVC", "LinearSVR"])
def test_svm_malformed_sparse_does_not_crash(name):
    _alive(f"""
        import numpy as np, scipy.sparse as sp, gdfast, warnings
        warnings.simplefilter("ignore")
        rng = np.random.default_rng(0)
        X = rng.standard_normal((40, 4)); y = np.sign(X[:, 0] + 0.1)
        A = sp.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))
        A.indptr[2], A.indptr[3] = A.indptr[3], A.indptr[2]
        try:
            gdfast.{name}(max_iter=5).fit(A, y)
        except ValueError as e:
            print("ValueError", e)
        print("alive")
    """, timeout=60)


_SANITIZED = bool(gdfast.config().get("sanitizers", False))


def test_core_shuffle_block_int64_max_no_ub():
    _alive("""
        import numpy as np
        from gdfast import _core
        X = np.arange(12, dtype=np.float64).reshape(4, 3) / 10; y = np.array([1., -1, 1, -1])
        for bs in (1, 2):
            p = _core.FitParams(); p.loss = _core.Loss(_core.LossKind.squared, 0.1)
            p.max_iter = 2; p.tol = -1.0; p.batch_size = bs; p.shuffle_block = 2**63 - 1
            _core.fit(X, None, None, 3, y, None, np.zeros(3), 0.0, np.zeros(3), 0.0, 0, p,
                      None, 1)
        print("alive")
    """)
