"""The compiled module gdfast._core on its own: dtypes, buffers, GIL, ISA variants."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import scipy.sparse as sp

import gdfast
from gdfast import _core

ISAS = list(_core.available_isas())


def _params(**kw: object) -> _core.FitParams:
    p = _core.FitParams()
    p.loss = _core.Loss(_core.LossKind.log, 0.1)
    p.alpha = 1e-3
    p.max_iter = 5
    p.tol = -1.0
    for k, v in kw.items():
        setattr(p, k, v)
    return p


def _problem(dtype: type, n: int = 2000, d: int = 37, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    y = np.where(rng.standard_normal(n) > 0, 1, -1).astype(dtype)
    w = (0.1 * rng.standard_normal(d)).astype(dtype)
    return X, y, w


def test_config_reports_isa_and_openmp() -> None:
    cfg = gdfast.config()
    for key in ("version", "compiler", "openmp", "openmp_max_threads", "simd", "numpy"):
        assert key in cfg
    assert cfg["simd"] in cfg["simd_available"]
    assert cfg["simd_available"][0] == "portable"


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("d", [1, 7, 37, 100, 129])
def test_isa_variants_agree(dtype: type, d: int) -> None:
    """Every compiled variant computes the same objective (to rounding), tails included."""
    X, y, w = _problem(dtype, n=700, d=d)
    loss = _core.Loss(_core.LossKind.log, 0.1)
    results = {}
    before = _core.isa()
    try:
        for isa in ISAS:
            _core.set_isa(isa)
            g = np.empty(d, dtype=dtype)
            out = _core.objective(X, None, None, d, y, None, w, 0.3, loss, g, None, 2)
            results[isa] = (out[0], g)
    finally:
        _core.set_isa(before)
    ref_val, ref_g = results["portable"]
    rtol = 1e-12 if dtype == np.float64 else 2e-5
    for isa, (val, g) in results.items():
        assert val == pytest.approx(ref_val, rel=float(rtol)), isa
        np.testing.assert_allclose(g, ref_g, rtol=rtol * 10, atol=rtol * np.abs(ref_g).max(), err_msg=isa)


@pytest.mark.parametrize("isa", ISAS)
def test_isa_variant_fits(isa: str) -> None:
    X, _, w = _problem(np.float64)
    y = np.where(X @ w + 0.05 * np.random.default_rng(1).standard_normal(len(X)) > 0, 1.0, -1.0)
    before = _core.set_isa(isa)
    try:
        res = {bs: gdfast.fit(X, y, loss="log", batch_size=bs, random_state=0, max_iter=20)
               for bs in (1, 64, "full")}
    finally:
        _core.set_isa(before)
    for r in res.values():
        assert np.all(np.isfinite(r.coef))
        assert r.objective_history[-1] < np.log(2)  # better than w = 0


def test_dtype_mismatch_is_type_error() -> None:
    X, y, w = _problem(np.float64)
    loss = _core.Loss(_core.LossKind.squared, 0.1)
    with pytest.raises(TypeError, match="dtype"):
        _core.objective(X, None, None, 37, y.astype(np.float32), None, w, 0.0, loss, None, None, 1)
    with pytest.raises(TypeError, match="float32 or float64"):
        _core.objective(X.astype(np.int64), None, None, 37, y, None, w, 0.0, loss, None, None, 1)
    with pytest.raises(ValueError, match="C-contiguous"):
        _core.objective(np.asfortranarray(X), None, None, 37, y, None, w, 0.0, loss, None, None, 1)
    with pytest.raises(ValueError, match="n_threads"):
        _core.objective(X, None, None, 37, y, None, w, 0.0, loss, None, None, 0)


def test_outputs_are_written_in_place() -> None:
    """The kernels write into the caller's buffers (no hidden copies of outputs)."""
    X, y, w = _problem(np.float64)
    loss = _core.Loss(_core.LossKind.squared, 0.1)
    margins = np.full(X.shape[0], np.nan)
    grad = np.full(X.shape[1], np.nan)
    _core.objective(X, None, None, X.shape[1], y, None, w, 0.5, loss, grad, margins, 1)
    np.testing.assert_allclose(margins, X @ w + 0.5, rtol=1e-12)
    np.testing.assert_allclose(grad, X.T @ (X @ w + 0.5 - y), rtol=1e-10)
    coef = np.zeros(X.shape[1])
    avg = np.zeros(X.shape[1])
    rep = _core.fit(X, None, None, X.shape[1], y, None, coef, 0.0, avg, 0.0, 0, _params(), None, 1)
    assert rep["status"] == 0 and np.any(coef != 0)
    with pytest.raises(ValueError, match="writeable"):
        ro = np.zeros(X.shape[1])
        ro.flags.writeable = False
        _core.fit(X, None, None, X.shape[1], y, None, ro, 0.0, avg, 0.0, 0, _params(), None, 1)


def test_read_only_X_is_accepted_and_untouched() -> None:
    X, y, w = _problem(np.float32)
    X.flags.writeable = False
    before = X.copy()
    gdfast.fit(X, y, loss="hinge", max_iter=3, random_state=0)
    np.testing.assert_array_equal(X, before)


def test_gil_is_released_during_kernels() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100_000, 50))
    y = np.where(rng.standard_normal(100_000) > 0, 1.0, -1.0)
    done = threading.Event()
    ticks = 0

    def work() -> None:
        # 20 epochs: ~125 ms here, well above the 50 ms the assertion below needs for the
        # ticks to mean something (8 epochs took 50-53 ms and once 49.4 ms in CI)
        gdfast.fit(X, y, loss="log", batch_size=1, max_iter=20, tol=None, random_state=0,
                   n_jobs=1, track_objective=False)
        done.set()

    th = threading.Thread(target=work)
    t0 = time.perf_counter()
    th.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    th.join()
    elapsed = time.perf_counter() - t0
    # With the GIL held by the kernel the main thread could not tick at all.
    assert elapsed > 0.05
    assert ticks >= 0.2 * elapsed / 0.001 * 0.5


def test_csr_index_dtypes_and_same_result_as_dense() -> None:
    X, y, w = _problem(np.float64, n=500, d=20)
    X[np.abs(X) < 0.8] = 0.0
    loss = _core.Loss(_core.LossKind.hinge, 0.1)
    g_dense = np.empty(20)
    ref = _core.objective(X, None, None, 20, y, None, w, 0.1, loss, g_dense, None, 1)
    for idx in (np.int32, np.int64):
        A = sp.csr_matrix(X)
        g = np.empty(20)
        out = _core.objective(A.data, A.indices.astype(idx), A.indptr.astype(idx), 20, y, None,
                              w, 0.1, loss, g, None, 2)
        assert out[0] == pytest.approx(ref[0], rel=1e-12)
        np.testing.assert_allclose(g, g_dense, rtol=1e-12, atol=1e-12)
    A = sp.csr_matrix(X)
    with pytest.raises(TypeError, match="int32 or both be int64"):
        _core.objective(A.data, A.indices.astype(np.int32), A.indptr.astype(np.int64), 20, y,
                        None, w, 0.1, loss, None, None, 1)


def _scramble_rows(A: sp.csr_matrix):
    """The CSR parts of A (the same matrix, not in canonical form): every third row's
    values stored in reverse order, its first value split into two equal duplicates
    stored at the end (unsorted); every other fourth row's first value split into two
    adjacent duplicates (sorted, duplicates)."""
    data, indices, indptr = [], [], [0]
    for i in range(A.shape[0]):
        lo, hi = A.indptr[i], A.indptr[i + 1]
        d, j = A.data[lo:hi], A.indices[lo:hi]
        if i % 3 == 0 and hi - lo >= 2:
            d = np.concatenate([d[::-1][:-1], [d[0] / 2, d[0] / 2]])
            j = np.concatenate([j[::-1][:-1], [j[0], j[0]]])
        elif i % 4 == 0 and hi - lo >= 1:
            d = np.concatenate([[d[0] / 2, d[0] / 2], d[1:]])
            j = np.concatenate([[j[0]], j])
        data.append(d)
        indices.append(j)
        indptr.append(indptr[-1] + len(d))
    return (np.concatenate(data), np.concatenate(indices).astype(A.indices.dtype),
            np.array(indptr, dtype=A.indptr.dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("mode", ["plain", "average", "momentum"])
def test_minibatch_csr_threads_split_rows_at_their_columns(dtype, mode) -> None:
    """The CSR mini-batch kernel: each thread adds the batch gradient into its own columns
    and reads only its part of each row, found where the row's sorted indices cross the
    thread's columns (CsrRows::cuts_at); a row with unsorted indices is scanned whole.
    The result has the same bits for 1 to 7 threads, with rows sorted or not, with
    duplicates or not (rows of 0-40 values: empty ones, ones inside one thread's columns,
    fewer values than threads), and the scrambled copy of the matrix fits the same model
    to rounding (a constant step: the automatic one would measure the rows' norms, which
    duplicates change). d = 301: with the threads' column ranges starting anywhere (not
    at multiples of 16), the averaged coefficients of 4 threads differed from 1 thread's
    by 1 ulp in a column that ends one range (AVX-512: a vector loop and its scalar
    remainder round differently)."""
    rng = np.random.default_rng(11)
    n, d = 1500, 301
    counts = rng.integers(0, 41, n)
    counts[::7] = 1
    counts[3::11] = 0
    rows = []
    for i, k in enumerate(counts):
        lo = 0 if i % 5 else d // 2 + 5  # every 5th row inside the last columns only
        rows.append(np.sort(rng.choice(np.arange(lo, d), size=k, replace=False)))
    indptr = np.concatenate([[0], np.cumsum(counts)])
    A = sp.csr_matrix((rng.exponential(1.0, indptr[-1]), np.concatenate(rows), indptr),
                      shape=(n, d), dtype=dtype)
    assert A.has_sorted_indices
    y = np.where(A @ rng.standard_normal(d) + 0.3 * rng.standard_normal(n) > 0, 1, -1).astype(dtype)
    unsorted = _scramble_rows(A)
    kw = dict(batch_size=64, max_iter=3, shuffle=True, seed=4, penalty=_core.PenaltyKind.elasticnet,
              l1_ratio=0.15, schedule=_core.Schedule.constant, eta0=0.05)
    if mode == "average":
        kw["average_start"] = 1
    if mode == "momentum":
        kw["momentum"] = 0.9

    def run(parts, n_threads):
        coef, avg = np.zeros(d, dtype), np.zeros(d, dtype)
        rep = _core.fit(parts[0], parts[1], parts[2], d, y, None, coef, 0.0, avg, 0.0, 0,
                        _params(**kw), None, n_threads)
        assert rep["status"] == 0
        return (avg if mode == "average" else coef), rep

    for parts in [(A.data, A.indices, A.indptr), unsorted]:
        ref, ref_rep = run(parts, 1)
        assert np.count_nonzero(ref) > d // 2
        for n_threads in (2, 3, 4, 5, 6, 7):
            got, rep = run(parts, n_threads)
            assert got.tobytes() == ref.tobytes(), n_threads
            assert rep["intercept"] == ref_rep["intercept"]
    sorted_coef, _ = run((A.data, A.indices, A.indptr), 2)
    unsorted_coef, _ = run(unsorted, 2)
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(unsorted_coef, sorted_coef, rtol=rtol, atol=rtol * np.abs(sorted_coef).max())
