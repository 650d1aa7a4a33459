"""gdfast.objective(): value vs the contract's formula, gradient vs finite differences,
every loss x penalty, dense and CSR (int32/int64 indices), float32 and float64;
sample weights, thread-count independence, no copies of X."""

from __future__ import annotations

import hashlib
import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

import gdfast

REGRESSION = ("squared", "huber", "epsilon_insensitive", "squared_epsilon_insensitive")
CLASSIFICATION = ("hinge", "squared_hinge", "log", "modified_huber", "perceptron")
LOSSES = REGRESSION + CLASSIFICATION
PENALTIES = ("none", "l2", "l1", "elasticnet")
FORMATS = ("dense", "csr_array-i32", "csr_array-i64", "csr_matrix-i32", "csr_matrix-i64")
ALPHA, L1_RATIO, EPS = 0.1, 0.3, 0.3

# central-difference step per dtype; rows whose margin lies within KINK_GAP * h * |x|
# of a kink of a non-smooth loss are dropped so that no difference straddles a kink
FD_STEP = {np.float64: 1e-6, np.float32: 1e-2}
KINK_GAP = 4.0


def _seam_distance(loss, y, p):
    """Distance of the prediction to the nearest point where the loss or its first or
    second derivative jumps (central differences lose accuracy across those)."""
    r, z = p - y, y * p
    if loss in ("huber", "epsilon_insensitive", "squared_epsilon_insensitive"):
        return np.abs(np.abs(r) - EPS)
    if loss in ("hinge", "squared_hinge"):
        return np.abs(z - 1.0)
    if loss == "modified_huber":
        return np.minimum(np.abs(z - 1.0), np.abs(z + 1.0))
    if loss == "perceptron":
        return np.abs(z)
    return np.full(p.shape, np.inf)


def _problem(ref, loss, dtype, *, n=40, d=6, seed=7):
    """A point (coef, intercept) and data with rows in every regime of the loss,
    none of them near a kink (for the finite differences)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * (rng.random((n, d)) < 0.6)
    w = rng.standard_normal(d)
    w += 0.3 * np.sign(w)  # |w_j| >= 0.3: l1 is differentiable there
    b = 0.3
    if loss in CLASSIFICATION:
        y = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    else:
        y = X @ w + b + rng.standard_normal(n)
    sw = rng.uniform(0.5, 2.0, size=n)
    X, y, w = X.astype(dtype), y.astype(dtype), w.astype(dtype)
    sw = sw.astype(dtype)
    p = X.astype(np.float64) @ w.astype(np.float64) + b
    h = FD_STEP[dtype]
    reach = KINK_GAP * h * np.maximum(1.0, np.abs(X).sum(axis=1))
    keep = _seam_distance(loss, y.astype(np.float64), p) > reach
    assert keep.sum() >= n // 2
    return X[keep], y[keep], w, b, sw[keep]


def _call(X, y, w, b, loss, penalty, sample_weight=None, n_jobs=None, **kw):
    value, grad, grad_b = gdfast.objective(
        X, y, w, b, loss=loss, penalty=penalty, alpha=ALPHA, l1_ratio=L1_RATIO,
        epsilon=EPS, sample_weight=sample_weight, n_jobs=n_jobs, **kw)
    return value, np.asarray(grad), grad_b


def _central_differences(f, w, b, dtype):
    """Central differences of f(w, b) in the parameters' own dtype; the step actually
    taken (after rounding w +- h to dtype) is used as the denominator."""
    h = FD_STEP[dtype]
    out = np.empty(w.size + 1)
    for j in range(w.size + 1):
        if j < w.size:
            wp, wm = w.copy(), w.copy()
            wp[j] = dtype(w[j] + h)
            wm[j] = dtype(w[j] - h)
            out[j] = (f(wp, b) - f(wm, b)) / (float(wp[j]) - float(wm[j]))
        else:
            out[j] = (f(w, b + h) - f(w, b - h)) / (2 * h)
    return out


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("penalty", PENALTIES)
@pytest.mark.parametrize("loss", LOSSES)
def test_gradient_vs_finite_differences(ref, dtype, loss, penalty, fmt):
    X, y, w, b, sw = _problem(ref, loss, dtype)
    Xf = ref.as_format(X, fmt)

    def f(w_, b_):
        return _call(Xf, y, w_, b_, loss, penalty, sample_weight=sw)[0]

    value, grad, grad_b = _call(Xf, y, w, b, loss, penalty, sample_weight=sw)
    assert grad.dtype == dtype and grad.shape == w.shape
    analytic = np.append(grad.astype(np.float64), grad_b)
    numeric = _central_differences(f, w, b, dtype)
    scale = max(1.0, float(np.abs(numeric).max()))
    if dtype == np.float64:
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-7 * scale)
    else:
        np.testing.assert_allclose(analytic, numeric, rtol=5e-3, atol=5e-3 * scale)


@pytest.mark.parametrize("fmt", ["dense", "csr_array-i32", "csr_matrix-i64"])
@pytest.mark.parametrize("penalty", PENALTIES)
@pytest.mark.parametrize("loss", LOSSES)
def test_value_and_gradient_vs_numpy(ref, dtype, loss, penalty, fmt):
    """Value and gradient against a pure-numpy evaluation of the contract's formula,
    with non-uniform sample weights (normalised by their sum)."""
    X, y, w, b, sw = _problem(ref, loss, dtype, seed=11)
    value, grad, grad_b = _call(ref.as_format(X, fmt), y, w, b, loss, penalty,
                                sample_weight=sw)
    want_v, want_g, want_b = ref.objective(
        X, y, w, b, loss=loss, penalty=penalty, alpha=ALPHA, l1_ratio=L1_RATIO,
        epsilon=EPS, sample_weight=sw)
    rtol = 1e-12 if dtype == np.float64 else 2e-5
    gscale = float(np.abs(want_g).max()) + abs(want_b)
    assert value == pytest.approx(want_v, rel=float(rtol))
    np.testing.assert_allclose(grad, want_g, rtol=rtol, atol=rtol * gscale)
    assert grad_b == pytest.approx(want_b, rel=float(rtol), abs=float(rtol * gscale))


@pytest.mark.parametrize("loss", LOSSES)
def test_unweighted_and_unit_weights_agree(ref, loss):
    X, y, w, b, _ = _problem(ref, loss, np.float64, seed=3)
    v0, g0, b0 = _call(X, y, w, b, loss, "elasticnet")
    v1, g1, b1 = _call(X, y, w, b, loss, "elasticnet", sample_weight=np.ones(len(y)))
    assert v0 == pytest.approx(v1, rel=1e-14)
    np.testing.assert_allclose(g0, g1, rtol=1e-14, atol=1e-16)
    assert b0 == pytest.approx(b1, rel=1e-14, abs=1e-16)


@pytest.mark.parametrize("fmt", ["dense", "csr_array-i32"])
@pytest.mark.parametrize("loss", LOSSES)
def test_weight_two_equals_duplicated_row(ref, dtype, loss, fmt):
    """sample_weight=2 on a row == the row repeated (normalisation by S = sum s)."""
    X, y, w, b, _ = _problem(ref, loss, dtype, seed=5)
    sw = np.ones(len(y), dtype=dtype)
    sw[[0, 3]] = 2.0
    Xd = np.vstack([X, X[[0, 3]]])
    yd = np.concatenate([y, y[[0, 3]]])
    for penalty in PENALTIES:
        v1, g1, b1 = _call(ref.as_format(X, fmt), y, w, b, loss, penalty, sample_weight=sw)
        v2, g2, b2 = _call(ref.as_format(Xd, fmt), yd, w, b, loss, penalty)
        rtol = 1e-13 if dtype == np.float64 else 1e-5
        scale = float(np.abs(g2).max()) + abs(b2)
        assert v1 == pytest.approx(v2, rel=float(rtol))
        np.testing.assert_allclose(g1, g2, rtol=rtol, atol=rtol * scale)
        assert b1 == pytest.approx(b2, rel=float(rtol), abs=float(rtol * scale))


def test_zero_weight_row_is_ignored(ref):
    X, y, w, b, _ = _problem(ref, "log", np.float64, seed=5)
    sw = np.ones(len(y))
    sw[2] = 0.0
    v1, g1, b1 = _call(X, y, w, b, "log", "l2", sample_weight=sw)
    keep = np.arange(len(y)) != 2
    v2, g2, b2 = _call(X[keep], y[keep], w, b, "log", "l2")
    assert v1 == pytest.approx(v2, rel=1e-13)
    np.testing.assert_allclose(g1, g2, rtol=1e-13, atol=1e-15)
    assert b1 == pytest.approx(b2, rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("loss", ["squared", "hinge", "log"])
def test_dense_and_csr_agree(ref, dtype, loss):
    X, y, w, b, sw = _problem(ref, loss, dtype, seed=9)
    v0, g0, b0 = _call(X, y, w, b, loss, "elasticnet", sample_weight=sw)
    rtol = 1e-13 if dtype == np.float64 else 1e-5
    for fmt in FORMATS[1:]:
        v1, g1, b1 = _call(ref.as_format(X, fmt), y, w, b, loss, "elasticnet",
                           sample_weight=sw)
        assert g1.dtype == dtype
        assert v1 == pytest.approx(v0, rel=float(rtol))
        np.testing.assert_allclose(g1, g0, rtol=rtol, atol=rtol * np.abs(g0).max())
        assert b1 == pytest.approx(b0, rel=float(rtol), abs=float(rtol * np.abs(g0).max()))


@pytest.mark.parametrize("loss", ["squared", "hinge", "log"])
def test_float32_and_float64_agree(ref, loss):
    X, y, w, b, sw = _problem(ref, loss, np.float32, seed=13)
    v32, g32, b32 = _call(X, y, w, b, loss, "l2", sample_weight=sw)
    f64 = [a.astype(np.float64) for a in (X, y, w, sw)]
    v64, g64, b64 = _call(f64[0], f64[1], f64[2], b, loss, "l2", sample_weight=f64[3])
    assert g32.dtype == np.float32 and g64.dtype == np.float64
    assert v32 == pytest.approx(v64, rel=2e-6)
    np.testing.assert_allclose(g32, g64, rtol=1e-5, atol=1e-5 * np.abs(g64).max())
    assert b32 == pytest.approx(b64, rel=1e-5, abs=1e-5 * np.abs(g64).max())


# ------------------------------------------------------------ threads: bitwise equal
@pytest.fixture(scope="module")
def large_problem():
    rng = np.random.default_rng(2024)
    n, d = 20000, 50
    X = rng.standard_normal((n, d))
    w = rng.standard_normal(d) * 0.3
    y_reg = X @ w + rng.standard_normal(n)
    y_cls = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    Xs = X * (rng.random((n, d)) < 0.2)
    return X, Xs, y_reg, y_cls, w, rng.uniform(0.5, 2.0, n)


@pytest.mark.parametrize("fmt", ["dense", "csr_array-i32", "csr_array-i64"])
@pytest.mark.parametrize("loss", ["squared", "log", "hinge"])
def test_objective_bitwise_independent_of_n_jobs(ref, large_problem, dtype, loss, fmt):
    X, Xs, y_reg, y_cls, w, sw = large_problem
    y = y_cls if loss in CLASSIFICATION else y_reg
    Xf = ref.as_format((X if fmt == "dense" else Xs).astype(dtype), fmt)
    yd, wd, swd = y.astype(dtype), w.astype(dtype), sw.astype(dtype)
    results = [_call(Xf, yd, wd, 0.25, loss, "elasticnet", sample_weight=swd, n_jobs=k)
               for k in (1, 2, 3)]
    v1, g1, b1 = results[0]
    for v, g, bb in results[1:]:
        assert v == v1
        assert bb == b1
        assert np.array_equal(g, g1)
        assert g.tobytes() == g1.tobytes()
    # and the common answer is right
    want_v, want_g, want_b = ref.objective(
        Xf, yd, wd, 0.25, loss=loss, penalty="elasticnet", alpha=ALPHA, l1_ratio=L1_RATIO,
        epsilon=EPS, sample_weight=swd)
    rtol = 1e-10 if dtype == np.float64 else 1e-4
    assert v1 == pytest.approx(want_v, rel=float(rtol))
    np.testing.assert_allclose(g1, want_g, rtol=rtol, atol=rtol * np.abs(want_g).max())


def test_objective_n_jobs_none_and_minus_one(large_problem):
    X, _, y, _, w, _ = large_problem
    v1, g1, b1 = _call(X, y, w, 0.0, "squared", "l2", n_jobs=1)
    for n_jobs in (None, -1):
        v, g, bb = _call(X, y, w, 0.0, "squared", "l2", n_jobs=n_jobs)
        assert v == v1 and bb == b1 and np.array_equal(g, g1)


def test_objective_n_jobs_zero_rejected(large_problem):
    X, _, y, _, w, _ = large_problem
    with pytest.raises(ValueError, match="n_jobs"):
        _call(X[:10], y[:10], w, 0.0, "squared", "l2", n_jobs=0)


# ------------------------------------------------------------------ validation
def test_objective_shape_errors_name_the_parameter():
    X = np.ones((5, 3))
    y = np.ones(5)
    w = np.zeros(3)
    with pytest.raises(ValueError, match="coef"):
        gdfast.objective(X, y, np.zeros(4), loss="squared")
    with pytest.raises(ValueError, match="y"):
        gdfast.objective(X, np.ones(4), w, loss="squared")
    with pytest.raises(ValueError, match="sample_weight"):
        gdfast.objective(X, y, w, loss="squared", sample_weight=np.ones(4))
    with pytest.raises(ValueError, match="penalty"):
        gdfast.objective(X, y, w, loss="squared", penalty="l3")
    Xn = X.copy()
    Xn[1, 1] = np.nan
    with pytest.raises(ValueError, match="X"):
        gdfast.objective(Xn, y, w, loss="squared")


# ---------------------------------------------------------------- memory: no copy
def _traced_peak(fn):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        out = fn()
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    return out, peak


def _digest(A) -> str:
    h = hashlib.sha1()
    if sp.issparse(A):
        for part in (A.data, A.indices, A.indptr):
            h.update(part.tobytes())
    else:
        h.update(memoryview(A).cast("B"))
    return h.hexdigest()


@pytest.mark.parametrize("shape", [(10000, 1000)], ids=["80MB"])
def test_objective_does_not_copy_dense_X(dtype, shape):
    n, d = shape
    if dtype == np.float32:
        n *= 2  # keep X at ~80 MB
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d), dtype=dtype)
    X.flags.writeable = False
    y = np.where(rng.random(n) < 0.5, 1.0, -1.0).astype(dtype)
    w = np.full(d, 0.01, dtype=dtype)
    digest = _digest(X)
    (value, grad, _), peak = _traced_peak(
        lambda: gdfast.objective(X, y, w, 0.0, loss="log", penalty="l2", n_jobs=2))
    assert np.isfinite(value) and grad.dtype == dtype
    assert peak < X.nbytes / 20, f"objective allocated {peak / 1e6:.1f} MB for a " \
        f"{X.nbytes / 1e6:.0f} MB X"
    assert _digest(X) == digest
    assert not X.flags.writeable


@pytest.mark.parametrize("fmt", ["csr_array-i32", "csr_matrix-i64"])
def test_objective_does_not_copy_csr_X(dtype, fmt):
    rng = np.random.default_rng(1)
    n, d = 20000, 2000
    A = sp.random(n, d, density=0.05, format="csr", dtype=dtype, random_state=rng)
    kind, idx = fmt.split("-")
    A = (sp.csr_array if kind == "csr_array" else sp.csr_matrix)(A)
    itype = np.int32 if idx == "i32" else np.int64
    A.indices = A.indices.astype(itype)
    A.indptr = A.indptr.astype(itype)
    assert A.has_canonical_format
    for part in (A.data, A.indices, A.indptr):
        part.flags.writeable = False
    nbytes = A.data.nbytes + A.indices.nbytes + A.indptr.nbytes
    y = np.where(rng.random(n) < 0.5, 1.0, -1.0).astype(dtype)
    w = np.full(d, 0.01, dtype=dtype)
    digest = _digest(A)
    (value, grad, _), peak = _traced_peak(
        lambda: gdfast.objective(A, y, w, 0.0, loss="hinge", penalty="l2", n_jobs=2))
    assert np.isfinite(value) and grad.dtype == dtype
    assert peak < nbytes / 10, f"objective allocated {peak / 1e6:.1f} MB for a " \
        f"{nbytes / 1e6:.0f} MB CSR matrix"
    assert _digest(A) == digest
    assert A.indices.dtype == itype
