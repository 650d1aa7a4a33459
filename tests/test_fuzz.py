"""Property-based fuzzing of the public API (hypothesis).

Over shapes, dtypes, sparsity, memory layouts (C / Fortran / strided / read-only /
memmap), parameter values and special values (NaN, inf, huge, tiny, subnormal):
every call either returns a finite model / objective or raises ValueError or
TypeError (DivergenceError is a ValueError), never crashes or hangs, and never
modifies its inputs.

Profiles (``GDFAST_FUZZ_PROFILE``): ``ci`` (default, bounded, well under a minute) and
``long`` (many more examples, for on-demand runs).
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
import scipy.sparse as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gdfast

settings.register_profile(
    "ci", max_examples=100, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long", max_examples=3000, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = os.environ.get("GDFAST_FUZZ_PROFILE", "ci")
settings.load_profile(PROFILE)

SPECIAL = [0.0, -0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, 1e300, -1e300, 1e-300, 5e-324,
           1e38, 3e38, 1e-45, 1e19, 1e155, 2.2250738585072014e-308]
LOSSES = ["squared", "huber", "epsilon_insensitive", "squared_epsilon_insensitive", "hinge",
          "squared_hinge", "log", "modified_huber", "perceptron", "squared_error", "log_loss"]
CLF = {"hinge", "squared_hinge", "log", "log_loss", "modified_huber", "perceptron"}
MAX_EPOCHS = 4  # keeps every example fast; convergence is not what is tested here


@st.composite
def matrices(draw, max_rows=30, max_cols=8):
    """(X as the user passes it, dense float64 copy of its values, description)."""
    n = draw(st.integers(1, max_rows))
    d = draw(st.integers(1, max_cols))
    dtype = draw(st.sampled_from([np.float64, np.float32, np.int32, np.int8, np.float16,
                                  np.uint8, bool]))
    kind = draw(st.sampled_from(["normal", "normal", "special", "scaled", "sparse"]))
    if kind == "special":
        elems = st.one_of(st.sampled_from(SPECIAL),
                          st.floats(allow_nan=True, allow_infinity=True, width=64))
    elif kind == "scaled":
        scale = draw(st.sampled_from([1e-300, 1e-30, 1e-8, 1e8, 1e30, 1e150, 1e300]))
        elems = st.floats(-2, 2, width=64).map(lambda v: v * scale)
    else:
        elems = st.floats(-10, 10, width=64)
    vals = draw(hnp.arrays(np.float64, (n, d), elements=elems))
    if kind == "sparse":
        mask = draw(hnp.arrays(bool, (n, d)))
        vals = np.where(mask, vals, 0.0)
    with np.errstate(all="ignore"):
        if np.dtype(dtype).kind in "iub":
            finite = np.nan_to_num(vals, nan=0.0, posinf=100.0, neginf=-100.0)
            info = np.iinfo(dtype) if dtype is not bool else None
            X = (finite != 0) if info is None else np.clip(finite, info.min, info.max).astype(
                dtype)
        else:
            X = vals.astype(dtype)
    layout = draw(st.sampled_from(["C", "F", "strided", "readonly", "memmap", "csr", "csr64",
                                   "csr-unsorted", "csc", "coo", "list"]))
    if layout == "F":
        X = np.asfortranarray(X)
    elif layout == "strided":
        big = np.zeros((n * 2, d * 2), dtype=X.dtype)
        big[::2, ::2] = X
        X = big[::2, ::2]
    elif layout == "readonly":
        X = X.copy()
        X.flags.writeable = False
    elif layout == "memmap":
        f = tempfile.NamedTemporaryFile(suffix=".npy", delete=False)
        f.close()
        np.save(f.name, X)
        X = np.load(f.name, mmap_mode="r")
        os.unlink(f.name)  # the mapping stays valid on POSIX
    elif layout in ("csr", "csr64", "csr-unsorted", "csc", "coo"):
        if X.dtype == np.float16 or X.dtype == bool:
            X = X.astype(np.float64)
        A = sp.csr_matrix(X)
        if layout == "csr64":
            A.indices = A.indices.astype(np.int64)
            A.indptr = A.indptr.astype(np.int64)
        elif layout == "csr-unsorted" and A.nnz > 1:
            # reverse each row's entries and duplicate the first one (split its value)
            rows = []
            for i in range(A.shape[0]):
                s, e = A.indptr[i], A.indptr[i + 1]
                rows.append((A.indices[s:e][::-1], A.data[s:e][::-1]))
            ind = np.concatenate([r[0] for r in rows]).astype(np.int32)
            dat = np.concatenate([r[1] for r in rows])
            A = sp.csr_matrix((dat, ind, A.indptr.copy()), shape=A.shape)
        elif layout == "csc":
            A = A.tocsc()
        elif layout == "coo":
            A = A.tocoo()
        X = A
    elif layout == "list":
        X = X.tolist()
    return X, n, d


@st.composite
def vectors(draw, n, *, labels=False):
    kind = draw(st.sampled_from(["normal", "normal", "special", "labels", "wrong-length"]))
    if labels and kind == "normal":
        kind = "labels"
    if kind == "wrong-length":
        n = n + draw(st.sampled_from([-1, 1]))
        n = max(n, 0)
    if kind == "labels":
        v = np.where(draw(hnp.arrays(bool, n)), 1.0, -1.0)
    elif kind == "special":
        v = draw(hnp.arrays(np.float64, n, elements=st.sampled_from(SPECIAL)))
    else:
        v = draw(hnp.arrays(np.float64, n, elements=st.floats(-100, 100)))
    dtype = draw(st.sampled_from([np.float64, np.float32, np.int64]))
    with np.errstate(all="ignore"):
        if dtype is np.int64:
            v = np.nan_to_num(v, nan=0, posinf=1, neginf=-1).clip(-1e6, 1e6).astype(np.int64)
        else:
            v = v.astype(dtype)
    if draw(st.booleans()):
        v = v.copy()
        v.flags.writeable = False
    return v


def params():
    return st.fixed_dictionaries({}, optional={
        "penalty": st.sampled_from(["l2", "l1", "elasticnet", "none", None]),
        "alpha": st.one_of(st.sampled_from([0.0, 1e-300, 1e-4, 1.0, 1e300, -1.0, np.nan]),
                           st.floats(0, 10)),
        "l1_ratio": st.sampled_from([0.0, 0.15, 1.0, -0.1, 1.5]),
        "epsilon": st.sampled_from([0.0, 0.1, 1e300, -1.0, np.inf]),
        "fit_intercept": st.booleans(),
        "batch_size": st.sampled_from([1, 1, 2, 5, 64, "full", 0, -1]),
        "learning_rate": st.sampled_from(["auto", "constant", "optimal", "invscaling",
                                          "adaptive", "pa1", "pa2", "bogus"]),
        "eta0": st.sampled_from([None, 1e-300, 1e-3, 0.1, 1.0, 1e3, 1e300, 0.0, -1.0]),
        "power_t": st.sampled_from([0.0, 0.25, 0.5, 1.0, -0.5, np.nan]),
        "momentum": st.sampled_from([0.0, 0.5, 0.9, 1.0]),
        "nesterov": st.booleans(),
        "tol": st.sampled_from([None, 0.0, 1e-3, 1e10, -1.0]),
        "n_iter_no_change": st.sampled_from([1, 5, 0]),
        "shuffle": st.booleans(),
        "average": st.sampled_from([False, True, 1, 10, -1]),
        "random_state": st.integers(0, 2**32 - 1),
        "n_jobs": st.sampled_from([None, 1, 2, -1, 0, 3]),
        "shuffle_block": st.sampled_from([1, 2, 16, 0]),
        "t_start": st.sampled_from([1.0, 10.0, 1e12, 0.5]),
    })


def _snapshot(obj):
    if sp.issparse(obj):
        return ("sparse", obj.format, *(np.array(getattr(obj, a), copy=True)
                                        for a in ("data", "indices", "indptr", "row", "col")
                                        if hasattr(obj, a)))
    if isinstance(obj, np.ndarray):
        return ("array", np.array(obj, copy=True), obj.flags.writeable)
    if isinstance(obj, list):
        return ("list", repr(obj))
    return ("other", repr(obj))


def _assert_unchanged(before, obj):
    after = _snapshot(obj)
    assert before[0] == after[0]
    if before[0] == "list" or before[0] == "other":
        assert before == after
        return
    for b, a in zip(before[1:], after[1:]):
        if isinstance(b, np.ndarray):
            assert b.dtype == a.dtype and b.shape == a.shape
            assert b.tobytes() == a.tobytes(), "input modified"
        else:
            assert b == a


def _call_checked(fn, *args, **kwargs):
    """Run fn; allowed outcomes: a result or ValueError/TypeError. Inputs unchanged."""
    snaps = [_snapshot(a) for a in args] + [_snapshot(v) for v in kwargs.values()]
    try:
        out = fn(*args, **kwargs)
        err = None
    except (ValueError, TypeError) as e:
        out, err = None, e
        assert str(e), "an exception without a message"
    for s, a in zip(snaps, list(args) + list(kwargs.values())):
        _assert_unchanged(s, a)
    return out, err


@given(data=st.data(), Xn=matrices(), p=params(), loss=st.sampled_from(LOSSES))
def test_fit_finite_or_clear_error(data, Xn, p, loss):
    X, n, d = Xn
    y = data.draw(vectors(n, labels=loss in CLF), label="y")
    kw = dict(p)
    kw["max_iter"] = MAX_EPOCHS
    if data.draw(st.booleans(), label="use sample_weight"):
        kw["sample_weight"] = data.draw(vectors(n), label="sample_weight")
    if data.draw(st.booleans(), label="use coef_init"):
        kw["coef_init"] = data.draw(vectors(d), label="coef_init")
        kw["intercept_init"] = data.draw(st.sampled_from([0.0, 1.0, -1e300, np.nan, 5e-324]))
    r, err = _call_checked(gdfast.fit, X, y, loss=loss, **kw)
    if err is None:
        assert np.all(np.isfinite(r.coef)), r.coef
        assert np.isfinite(r.intercept)
        assert r.coef.shape == (d,)
        assert r.coef.dtype in (np.float32, np.float64)
        assert np.all(np.isfinite(r.standard_coef))
        assert np.all(np.isfinite(r.objective_history[: r.n_iter]) | np.isnan(
            r.objective_history[: r.n_iter]))


@given(data=st.data(), Xn=matrices(), loss=st.sampled_from(LOSSES),
       penalty=st.sampled_from(["l2", "l1", "elasticnet", "none"]),
       alpha=st.sampled_from([0.0, 1e-4, 1.0, 1e300]))
def test_objective_finite_or_clear_error(data, Xn, loss, penalty, alpha):
    X, n, d = Xn
    y = data.draw(vectors(n, labels=loss in CLF), label="y")
    coef = data.draw(vectors(d), label="coef")
    b = data.draw(st.sampled_from([0.0, 1.0, 1e300, 5e-324, np.nan]), label="intercept")
    sw = data.draw(st.one_of(st.none(), vectors(n)), label="sample_weight")
    out, err = _call_checked(gdfast.objective, X, y, coef, b, loss=loss, penalty=penalty,
                             alpha=alpha, sample_weight=sw)
    if err is None:
        v, g, gb = out
        assert np.isfinite(v), v
        assert np.all(np.isfinite(g)), g
        assert np.isfinite(gb)
        assert g.shape == (d,)


@given(data=st.data(), Xn=matrices(max_rows=20, max_cols=5), p=params(),
       k=st.integers(1, 4), loss=st.sampled_from(["hinge", "log", "modified_huber", "squared"]))
def test_fit_ovr_finite_or_clear_error(data, Xn, p, k, loss):
    X, n, d = Xn
    labels = [1.0, -1.0] if data.draw(st.booleans()) else [1.0, -1.0, 0.0, np.nan, 2.0]
    Y = data.draw(hnp.arrays(np.float64, (k, n + data.draw(st.sampled_from([0, 0, 0, 1]))),
                             elements=st.sampled_from(labels)), label="Y")
    kw = dict(p)
    kw["max_iter"] = MAX_EPOCHS
    try:
        out, err = _call_checked(gdfast.fit_ovr, X, Y, loss=loss, **kw)
    except ValueError:
        raise
    if err is None:
        assert len(out) == k
        for r in out:
            assert np.all(np.isfinite(r.coef)) and np.isfinite(r.intercept)


@given(data=st.data(), Xn=matrices(max_rows=25, max_cols=6),
       est=st.sampled_from(["SGDClassifier", "SGDRegressor", "LinearSVC", "LinearSVR"]),
       batch_size=st.sampled_from([1, 4, "full"]))
def test_estimators_finite_or_clear_error(data, Xn, est, batch_size):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    X, n, d = Xn
    assume(not (sp.issparse(X) and X.format != "csr"))  # other formats: converted copies
    is_clf = est in ("SGDClassifier", "LinearSVC")
    y = data.draw(vectors(n, labels=is_clf), label="y")
    cls = getattr(gdfast, est)
    kw = dict(random_state=0, max_iter=MAX_EPOCHS)
    if est.startswith("SGD"):
        kw.update(batch_size=batch_size, tol=None)
    model = cls(**kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # scikit-learn's target validation (shared with its own SGD) emits numpy
        # RuntimeWarnings (inf - inf, float cast) before its ValueError: noise, not a
        # failure mode of gdfast; the functional API above runs with warnings as errors.
        warnings.simplefilter("ignore", RuntimeWarning)
        # scikit-learn's own advisory on classifier targets with many distinct labels
        # (check_classification_targets): expected for random labels.
        warnings.filterwarnings("ignore", message="The number of unique classes",
                                category=UserWarning)
        out, err = _call_checked(model.fit, X, y)
        if err is None:
            assert np.all(np.isfinite(model.coef_)), model.coef_
            assert np.all(np.isfinite(model.intercept_))
            pred, perr = _call_checked(model.predict, X)
            assert perr is None, perr
            if not is_clf:
                assert np.all(np.isfinite(pred)) or not np.all(np.isfinite(
                    np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)))
            if est.startswith("SGD"):
                extra = dict(classes=np.unique(y)) if is_clf else {}
                _call_checked(model.partial_fit, X, y, **extra)
                assert np.all(np.isfinite(model.coef_))


def test_profile_is_bounded():
    assert PROFILE in ("ci", "long")
    if PROFILE == "ci":
        assert settings.get_profile("ci").max_examples <= 100
