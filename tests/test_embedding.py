"""gdfast's kernels used from C++ and from Cython (header-only L0, kernels.pxd)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import gdfast

CXX = shutil.which(os.environ.get("CXX", "g++")) or shutil.which("c++")

# The C++ test programs read their float64 inputs from files the test wrote.
_CPP_LOAD = textwrap.dedent("""
    #include <cstdio>
    #include <cstdlib>
    #include <vector>
    static std::vector<double> load(const char* f, std::size_t n) {
        std::vector<double> v(n);
        std::FILE* fp = std::fopen(f, "rb");
        if (!fp || std::fread(v.data(), sizeof(double), n, fp) != n) std::abort();
        std::fclose(fp);
        return v;
    }
    // CSR arrays of the row-major n x d matrix X, keeping the entries keep(i, j) selects.
    struct CsrArrays {
        std::vector<double> data;
        std::vector<int> idx, ptr{0};
    };
    template <class Keep>
    static CsrArrays to_csr(const std::vector<double>& X, long n, long d, Keep keep) {
        CsrArrays c;
        for (long i = 0; i < n; ++i) {
            for (long j = 0; j < d; ++j)
                if (keep(i, j)) { c.data.push_back(X[i * d + j]); c.idx.push_back(int(j)); }
            c.ptr.push_back(int(c.idx.size()));
        }
        return c;
    }
""")


def _save_bins(tmp_path: Path, **arrays: np.ndarray) -> None:
    """Each array as raw float64 in tmp_path/<name>.bin (read back by _CPP_LOAD's load)."""
    for name, a in arrays.items():
        np.asarray(a, dtype=np.float64).tofile(tmp_path / f"{name}.bin")

def _compile_and_run(tmp_path: Path, name: str, code: str) -> str:
    """Write ``code`` to tmp_path/<name>.cpp, compile it against gdfast's headers (-O2,
    OpenMP) and run it in tmp_path; returns its stdout."""
    src = tmp_path / f"{name}.cpp"
    src.write_text(code)
    exe = tmp_path / name
    cmd = [CXX, "-std=c++17", "-O2", "-fopenmp", f"-I{gdfast.get_include()}", str(src), "-o", str(exe)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    return subprocess.run([str(exe)], check=True, capture_output=True, text=True, cwd=tmp_path,
                          timeout=60).stdout



def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    rng = np.random.default_rng(3)
    X = rng.standard_normal((300, 7))
    y = np.where(rng.standard_normal(300) > 0, 1.0, -1.0)
    w = rng.standard_normal(7)
    return X, y, w, 0.25


def test_get_include_has_headers() -> None:
    inc = Path(gdfast.get_include())
    for name in ("gdfast.hpp", "c_api.hpp", "objective.hpp", "fit.hpp"):
        assert (inc / "gdfast" / name).is_file(), name


@pytest.mark.skipif(CXX is None, reason="no C++ compiler on PATH")
def test_header_only_cpp_program(tmp_path: Path) -> None:
    X, y, w, b = _data()
    _save_bins(tmp_path, X=X, y=y, w=w)
    out = _compile_and_run(tmp_path, "main", _CPP_LOAD + textwrap.dedent("""
        #include <gdfast/c_api.hpp>
        int main() {
            const std::int64_t n = 300, d = 7;
            auto X = load("X.bin", n * d), y = load("y.bin", n), w = load("w.bin", d);
            std::vector<double> g(d);
            double value = 0, gb = 0;
            int st = gdfast::c_api::objective_dense<double>(X.data(), n, d, y.data(), nullptr,
                w.data(), 0.25, /*log*/ 6, 0.1, /*l2*/ 1e-2, g.data(), &gb, &value, 2);
            std::printf("%d %.17g %.17g", st, value, gb);
            for (double v : g) std::printf(" %.17g", v);
            std::printf("\\n");
            return st;
        }
    """)).split()
    assert out[0] == "0"
    value, grad, gb = gdfast.objective(X, y, w, b, loss="log", penalty="l2", alpha=1e-2)
    assert float(out[1]) == pytest.approx(value, rel=1e-12)
    assert float(out[2]) == pytest.approx(gb, rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(np.array(out[3:], dtype=float), grad, rtol=1e-11, atol=1e-15)


@pytest.mark.skipif(CXX is None, reason="no C++ compiler on PATH")
def test_cython_pxd(tmp_path: Path) -> None:
    pytest.importorskip("Cython")
    pytest.importorskip("setuptools")
    pyx = tmp_path / "use_gdfast.pyx"
    pyx.write_text(textwrap.dedent("""
        # distutils: language = c++
        import numpy as np
        from gdfast.kernels cimport objective_dense, LOSS_SQUARED

        def squared_objective(double[:, ::1] X, double[::1] y, double[::1] w, double b):
            cdef double value = 0.0, gb = 0.0
            g = np.empty(X.shape[1])
            cdef double[::1] gv = g
            cdef int st
            with nogil:
                st = objective_dense[double](&X[0, 0], X.shape[0], X.shape[1], &y[0], NULL,
                                             &w[0], b, LOSS_SQUARED, 0.1, 0.0, &gv[0], &gb,
                                             &value, 1)
            if st != 0:
                raise RuntimeError(st)
            return value, g, gb
    """))
    setup = tmp_path / "setup.py"
    setup.write_text(textwrap.dedent(f"""
        from setuptools import setup, Extension
        from Cython.Build import cythonize
        ext = Extension("use_gdfast", ["use_gdfast.pyx"], language="c++",
                        include_dirs=[{gdfast.get_include()!r}],
                        extra_compile_args=["-std=c++17", "-fopenmp"],
                        extra_link_args=["-fopenmp"])
        setup(name="use_gdfast", ext_modules=cythonize([ext], quiet=True))
    """))
    res = subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    X, _, w, b = _data()
    y = X @ np.arange(7.0) + 1.0
    code = textwrap.dedent("""
        import sys, numpy as np
        sys.path.insert(0, '.')
        import use_gdfast, gdfast
        X = np.fromfile('X.bin').reshape(300, 7); y = np.fromfile('y.bin'); w = np.fromfile('w.bin')
        v, g, gb = use_gdfast.squared_objective(X, y, w, 0.25)
        v2, g2, gb2 = gdfast.objective(X, y, w, 0.25, loss='squared', penalty='none')
        assert abs(v - v2) <= 1e-12 * abs(v2), (v, v2)
        assert np.allclose(g, g2, rtol=1e-12, atol=0), (g, g2)
        assert abs(gb - gb2) <= 1e-12 * max(1.0, abs(gb2))
        print('ok')
    """)
    X.tofile(tmp_path / "X.bin")
    y.tofile(tmp_path / "y.bin")
    w.tofile(tmp_path / "w.bin")
    res = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.strip() == "ok"


@pytest.mark.skipif(CXX is None, reason="no C++ compiler on PATH")
def test_kernel_benchmark_builds_and_runs(tmp_path: Path) -> None:
    """benchmarks/kernel_bench.cpp (the C++-only microbenchmark quoted in the issue notes)
    compiles against the installed headers (portable kernels) and runs at a tiny size."""
    src = Path(__file__).resolve().parent.parent / "benchmarks" / "kernel_bench.cpp"
    if not src.exists():
        pytest.skip("benchmarks/ not in this checkout")
    exe = tmp_path / "kernel_bench"
    cmd = [CXX, "-std=c++17", "-O1", "-fopenmp", f"-I{gdfast.get_include()}", str(src), "-o", str(exe)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    out = subprocess.run([str(exe), "2", "0.001"], check=True, capture_output=True, text=True,
                         timeout=120).stdout
    assert "gdfast kernels (portable), 2 thread(s)" in out
    assert out.count("fused pass") == 6 and out.count("SGD epoch") == 6
    assert out.count("CSR pass") == 5 and out.count("CSR read") == 2


@pytest.mark.skipif(CXX is None, reason="no C++ compiler on PATH")
def test_fused_pass_measures_row_norms(tmp_path: Path) -> None:
    """fused_pass(..., row_norms=true) -- how full-batch L-BFGS gets its first step bound
    without a pass of its own -- returns max ||x_i||^2 over the rows of positive weight,
    for dense (4-row and tail paths, odd n) and CSR rows, and the same pass sums as
    without it. The row of largest norm has weight 0 and must be ignored."""
    rng = np.random.default_rng(3)
    n, d = 203, 13
    X = rng.standard_normal((n, d))
    X[57] *= 10.0  # the largest row, weight 0
    sw = rng.uniform(0.5, 2.0, n)
    sw[57] = 0.0
    y = rng.standard_normal(n)
    w = rng.standard_normal(d)
    _save_bins(tmp_path, X=X, y=y, sw=sw, w=w)
    out = _compile_and_run(tmp_path, "norms", _CPP_LOAD + textwrap.dedent("""
        #include <gdfast/gdfast.hpp>
        using namespace gdfast;
        int main() {
            const std::int64_t n = 203, d = 13;
            auto X = load("X.bin", n * d), y = load("y.bin", n), sw = load("sw.bin", n),
                 w = load("w.bin", d);
            const CsrArrays c = to_csr(X, n, d, [](long i, long j) { return (i + j) % 3 != 0; });
            Loss loss;
            loss.kind = LossKind::log;
            std::vector<double> g1(d), g2(d);
            PassWorkspace<double> ws;
            const DenseRows<double> dense{X.data(), n, d};
            const CsrRows<double, int> csr{c.data.data(), c.idx.data(), c.ptr.data(), n, d};
            for (int threads : {1, 3}) {
                PassSums a = fused_pass(dense, y.data(), sw.data(), w.data(), 1.0, 0.1, loss, g1.data(),
                                        static_cast<double*>(nullptr), ws, threads, true);
                PassSums b = fused_pass(dense, y.data(), sw.data(), w.data(), 1.0, 0.1, loss, g2.data(),
                                        static_cast<double*>(nullptr), ws, threads);
                const bool same = a.loss == b.loss && a.grad_b == b.grad_b && g1 == g2 &&
                                  b.max_sq_norm == 0.0;
                PassSums c = fused_pass(csr, y.data(), sw.data(), w.data(), 1.0, 0.1, loss, g2.data(),
                                        static_cast<double*>(nullptr), ws, threads, true);
                std::printf("%.17g %.17g %d\\n", a.max_sq_norm, c.max_sq_norm, same ? 1 : 0);
            }
            return 0;
        }
    """)).split("\n")
    keep = sw > 0
    want_dense = float((X[keep] ** 2).sum(axis=1).max())
    mask = (np.add.outer(np.arange(n), np.arange(d)) % 3) != 0
    want_csr = float(((X * mask)[keep] ** 2).sum(axis=1).max())
    assert want_dense < float((X[57] ** 2).sum())  # the weight-0 row would have won
    for line in out[:2]:
        dense_max, csr_max, same = line.split()
        assert float(dense_max) == pytest.approx(want_dense, rel=1e-12)
        assert float(csr_max) == pytest.approx(want_csr, rel=1e-12)
        assert same == "1"


@pytest.mark.skipif(CXX is None, reason="no C++ compiler on PATH")
def test_fused_pass_with_known_margins_only_scatters(tmp_path: Path) -> None:
    """fused_pass(..., known_margins) -- how full-batch L-BFGS evaluates the point its
    line search accepted on sparse X -- takes the margins as given and never reads the
    coefficients (null here): loss, exact loss, intercept gradient, gradient and the
    margins it writes have the bits of the full pass that computed those margins. CSR
    with 4-row groups and a tail (n = 203), weights, 1 and 3 threads, a smooth loss, a
    smoothed hinge (continuation) and the exact hinge."""
    rng = np.random.default_rng(5)
    n, d = 203, 17
    X = rng.standard_normal((n, d)) * (rng.random((n, d)) < 0.3)
    y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    sw = rng.uniform(0.5, 2.0, n)
    w = rng.standard_normal(d)
    _save_bins(tmp_path, X=X, y=y, sw=sw, w=w)
    out = _compile_and_run(tmp_path, "known", _CPP_LOAD + textwrap.dedent("""
        #include <cstring>
        #include <gdfast/gdfast.hpp>
        using namespace gdfast;
        int main() {
            const std::int64_t n = 203, d = 17;
            auto X = load("X.bin", n * d), y = load("y.bin", n), sw = load("sw.bin", n),
                 w = load("w.bin", d);
            const CsrArrays c = to_csr(X, n, d, [&](long i, long j) { return X[i * d + j] != 0.0; });
            const CsrRows<double, int> csr{c.data.data(), c.idx.data(), c.ptr.data(), n, d};
            int checked = 0, bad = 0;
            for (LossKind kind : {LossKind::log, LossKind::hinge}) {
                for (double mu : {0.0, 0.3}) {
                    Loss loss{kind, 0.1, mu};
                    for (int threads : {1, 3}) {
                        std::vector<double> g1(d), g2(d), m1(n), m2(n);
                        PassWorkspace<double> ws;
                        PassSums a = fused_pass(csr, y.data(), sw.data(), w.data(), 1.0, 0.25, loss,
                                                g1.data(), m1.data(), ws, threads);
                        PassSums b = fused_pass(csr, y.data(), sw.data(), static_cast<const double*>(nullptr),
                                                1.0, 0.0, loss, g2.data(), m2.data(), ws, threads,
                                                false, false, m1.data());
                        const bool same = std::memcmp(&a.loss, &b.loss, 8) == 0 &&
                                          std::memcmp(&a.loss_exact, &b.loss_exact, 8) == 0 &&
                                          std::memcmp(&a.grad_b, &b.grad_b, 8) == 0 &&
                                          std::memcmp(g1.data(), g2.data(), 8 * d) == 0 &&
                                          std::memcmp(m1.data(), m2.data(), 8 * n) == 0 &&
                                          a.weight == b.weight && a.finite && b.finite;
                        ++checked;
                        if (!same) ++bad;
                    }
                }
            }
            std::printf("%d %d\\n", checked, bad);
            return 0;
        }
    """)).split()
    assert out == ["8", "0"]


@pytest.mark.skipif(CXX is None, reason="no C++ compiler on PATH")
def test_c_api_objective_csr_refuses_a_bad_index(tmp_path: Path) -> None:
    """c_api::objective_csr checks indptr up front and each row's column indices in the
    pass, just before the row is read: a bad index in the first, a middle or the last
    row returns -1 (1 and 3 threads); the valid matrix matches the dense pass."""
    out = _compile_and_run(tmp_path, "badidx", textwrap.dedent("""
        #include <cstdio>
        #include <vector>
        #include <gdfast/c_api.hpp>
        int main() {
            const std::int64_t n = 3001, d = 11;
            std::vector<double> X(n * d, 0.0), data, y(n), w(d), g(d), g2(d);
            std::vector<long long> idx, ptr{0};
            for (std::int64_t i = 0; i < n; ++i) {
                y[i] = (i % 3 == 0) ? 1.0 : -1.0;
                for (std::int64_t j = 0; j < d; ++j)
                    if ((i * 7 + j * 3) % 4 != 0) {
                        X[i * d + j] = 0.01 * double((i + 2 * j) % 17) - 0.05;
                        data.push_back(X[i * d + j]);
                        idx.push_back(j);
                    }
                ptr.push_back(static_cast<long long>(idx.size()));
            }
            for (std::int64_t j = 0; j < d; ++j) w[j] = 0.1 * double(j) - 0.4;
            double v1 = 0, v2 = 0, b1 = 0, b2 = 0;
            int ok = gdfast::c_api::objective_csr<double, long long>(data.data(), idx.data(),
                ptr.data(), n, d, y.data(), nullptr, w.data(), 0.2, 6, 0.1, 1e-3, g.data(), &b1, &v1, 3);
            int ok2 = gdfast::c_api::objective_dense<double>(X.data(), n, d, y.data(), nullptr,
                w.data(), 0.2, 6, 0.1, 1e-3, g2.data(), &b2, &v2, 3);
            double err = std::abs(v1 - v2);
            for (std::int64_t j = 0; j < d; ++j) err = std::max(err, std::abs(g[j] - g2[j]));
            std::printf("%d %d %.3g", ok, ok2, err);
            for (std::int64_t row : {std::int64_t(0), n / 2, n - 1}) {
                for (long long bad : {-1LL, static_cast<long long>(d), 1LL << 40}) {
                    const std::int64_t k = ptr[row + 1] - 1;
                    const long long keep = idx[k];
                    idx[k] = bad;
                    for (int threads : {1, 3})
                        std::printf(" %d", gdfast::c_api::objective_csr<double, long long>(
                            data.data(), idx.data(), ptr.data(), n, d, y.data(), nullptr, w.data(),
                            0.2, 6, 0.1, 1e-3, g.data(), &b1, &v1, threads));
                    idx[k] = keep;
                }
            }
            std::printf("\\n");
            return 0;
        }
    """)).split()
    assert out[:2] == ["0", "0"]
    assert float(out[2]) < 1e-12
    assert out[3:] == ["-1"] * 18


_ISA_FLAGS = {
    "portable": [],
    "avx2": ["-mavx2", "-mfma", "-DGDFAST_TARGET_AVX2"],
    "avx512": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx2", "-mfma",
               "-DGDFAST_TARGET_AVX512"],
}


def _run_for_isa(tmp_path: Path, isa: str, name: str, opt: str, code: str) -> str:
    """Compile ``code`` against gdfast's headers for one instruction set (the whole program
    built for it) and run it; returns its stdout. Skips an ISA this machine lacks."""
    if isa != "portable" and isa not in gdfast.config()["simd_available"]:
        pytest.skip(f"{isa} not available on this machine")
    src = tmp_path / f"{name}.cpp"
    src.write_text(textwrap.dedent(code))
    exe = tmp_path / name
    cmd = [CXX, "-std=c++17", opt, *_ISA_FLAGS[isa], f"-I{gdfast.get_include()}", str(src),
           "-o", str(exe)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    return subprocess.run([str(exe)], check=True, capture_output=True, text=True,
                          timeout=60).stdout


@pytest.mark.skipif(CXX is None, reason="no C++ compiler on PATH")
@pytest.mark.parametrize("isa", ["portable", "avx2", "avx512"])
def test_four_row_kernels_are_the_one_row_kernels(tmp_path: Path, isa: str) -> None:
    """simd::dot4 gives each row the bits of simd::dot (rows read one after the other),
    and axpy4 adds the four scaled rows to within rounding of a long double reference,
    for every row length (vector tails included) and rows at any offset in memory (the
    AVX-512 dot reads the row in 256-bit halves). dot4_sq (the dots and the rows'
    squared norms in one read, for the first epoch that measures its rows) gives the
    bits of dot4 and of simd::dot(x, x), as does DenseRows::dot_sq."""
    out = _run_for_isa(tmp_path, isa, "four", "-O2", """
        #include <cmath>
        #include <cstdio>
        #include <limits>
        #include <cstring>
        #include <random>
        #include <vector>
        #include <gdfast/gdfast.hpp>
        using namespace gdfast;
        template <class T> int check(std::mt19937& rng) {
            std::normal_distribution<double> nd;
            int bad = 0;
            for (std::int64_t n = 1; n <= 70; ++n) {
                for (std::int64_t off = 0; off < 3; ++off) {
                    std::vector<T> x(4 * n + off), w(n), y(n);
                    for (auto& v : x) v = T(nd(rng));
                    for (auto& v : w) v = T(nd(rng));
                    for (auto& v : y) v = T(nd(rng));
                    const T *x0 = x.data() + off, *x1 = x0 + n, *x2 = x1 + n, *x3 = x2 + n;
                    const T* xs[4] = {x0, x1, x2, x3};
                    T a[4];
                    simd::dot4(x0, x1, x2, x3, w.data(), n, a);
                    T b[4], sq[4];
                    simd::dot4_sq(x0, x1, x2, x3, w.data(), n, b, sq);
                    const DenseRows<T> rows{x0, 4, n};
                    for (int k = 0; k < 4; ++k) {
                        const T one = simd::dot(xs[k], w.data(), n);
                        if (std::memcmp(&one, &a[k], sizeof(T)) != 0) ++bad;
                        if (std::memcmp(&one, &b[k], sizeof(T)) != 0) ++bad;
                        const T norm = simd::dot(xs[k], xs[k], n);
                        if (std::memcmp(&norm, &sq[k], sizeof(T)) != 0) ++bad;
                        T rsq;
                        const T rdot = rows.dot_sq(k, w.data(), rsq);
                        if (std::memcmp(&one, &rdot, sizeof(T)) != 0) ++bad;
                        if (std::memcmp(&norm, &rsq, sizeof(T)) != 0) ++bad;
                        long double ref = 0, mag = 0;
                        for (std::int64_t j = 0; j < n; ++j) {
                            ref += (long double)xs[k][j] * w[j];
                            mag += std::fabs((long double)xs[k][j] * w[j]);
                        }
                        if (std::fabs((long double)a[k] - ref) > 4 * n * std::numeric_limits<T>::epsilon() * mag) ++bad;
                    }
                    std::vector<long double> ref(n);
                    for (std::int64_t j = 0; j < n; ++j)
                        ref[j] = (long double)y[j] + (long double)a[0] * x0[j] + (long double)a[1] * x1[j] +
                                 (long double)a[2] * x2[j] + (long double)a[3] * x3[j];
                    simd::axpy4(a, x0, x1, x2, x3, y.data(), n);
                    for (std::int64_t j = 0; j < n; ++j) {
                        const long double mag = std::fabs(ref[j]) + std::fabs((long double)a[0] * x0[j]) +
                                                std::fabs((long double)a[1] * x1[j]) +
                                                std::fabs((long double)a[2] * x2[j]) +
                                                std::fabs((long double)a[3] * x3[j]);
                        if (std::fabs((long double)y[j] - ref[j]) > 8 * std::numeric_limits<T>::epsilon() * mag) ++bad;
                    }
                }
            }
            return bad;
        }
        int main() {
            std::mt19937 rng(7);
            const int bad = check<double>(rng) + check<float>(rng);
            std::printf("%s %d\\n", simd::isa_name, bad);
            return 0;
        }
    """)
    name, bad = out.split()
    assert name == isa
    assert bad == "0"


@pytest.mark.skipif(CXX is None, reason="no C++ compiler on PATH")
@pytest.mark.parametrize("isa", ["portable", "avx2", "avx512"])
def test_log_loss_halves_and_batched_values_keep_the_bits(tmp_path: Path, isa: str) -> None:
    """Per-sample SGD takes the log loss's slope at each row and evaluates the loss values
    16 rows at a time in a vector loop (sgd.hpp, PendingLogLoss); the fused passes
    evaluate four or eight rows at a time (Loss::eval4 / eval_rows<8>). All of these must
    give the bits of the scalar Loss::eval, row by row and in the epoch's running sum, in
    every ISA build compiled as this one is (one instruction set for the whole program, so
    every copy of the loss code is contracted into FMAs alike). The value is checked from
    z and e read back from memory, as the kernels use it: composed in registers right
    after the slope, GCC contracted it differently, up to 2 ulp apart (measured). In the
    Python module an out-of-line `eval` is baseline code (see loss.hpp) and may differ
    from the vector paths by such rounding."""
    out = _run_for_isa(tmp_path, isa, "ll", "-O3", """
        #include <cmath>
        #include <cstdio>
        #include <cstring>
        #include <random>
        #include <vector>
        #include <gdfast/gdfast.hpp>
        using namespace gdfast;
        static bool same(double a, double b) {
            return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
        }
        int main() {
            std::mt19937 rng(11);
            std::normal_distribution<double> nd;
            std::uniform_real_distribution<double> ud(0.0, 1.0);
            const double special[] = {0.0, -0.0, 1e-300, -1e-300, 1.0, -1.0, 36.0, -36.0, 700.0,
                                      -700.0, 708.5, -708.5, 745.2, -745.2, 1e308, -1e308,
                                      INFINITY, -INFINITY, NAN};
            std::vector<double> p, y, w;
            for (double s : special) for (double yy : {-1.0, 1.0}) {
                p.push_back(s); y.push_back(yy); w.push_back(1.0);
            }
            for (int i = 0; i < 4000; ++i) {
                p.push_back(nd(rng) * std::pow(10.0, 3.0 * ud(rng) - 1.0));
                y.push_back(ud(rng) < 0.5 ? -1.0 : 1.0);
                w.push_back(ud(rng) < 0.01 ? NAN : 0.5 + ud(rng));  // NaN: a non-finite row
            }
            Loss loss;
            loss.kind = LossKind::log;
            int bad = 0;
            double sum = 0.0, batched = 0.0;
            PendingLogLoss pending;
            const std::size_t n = p.size() - p.size() % 4;
            std::vector<double> v0s(n), zs(n), es(n);
            for (std::size_t i = 0; i < n; ++i) {
                double d0, z, e;
                const double v0 = loss.eval(y[i], p[i], d0);
                const double d1 = Loss::log_loss_slope(y[i], p[i], z, e);
                if (!same(d0, d1)) ++bad;
                v0s[i] = v0;
                zs[i] = z;
                es[i] = e;
                if (i % 4 == 0) {
                    double v4[4], d4[4];
                    loss.eval4(&y[i], &p[i], v4, d4);
                    for (int q = 0; q < 4; ++q) {
                        double dq;
                        const double vq = loss.eval(y[i + q], p[i + q], dq);
                        if (!same(vq, v4[q]) || !same(dq, d4[q])) ++bad;
                    }
                }
                if (i % 8 == 0 && i + 8 <= n) {
                    double v8[8], d8[8];
                    loss.eval_rows<8>(&y[i], &p[i], v8, d8);
                    for (int q = 0; q < 8; ++q) {
                        double dq;
                        const double vq = loss.eval(y[i + q], p[i + q], dq);
                        if (!same(vq, v8[q]) || !same(dq, d8[q])) ++bad;
                    }
                }
                sum += w[i] * v0;
                if (pending.add(z, e, w[i])) batched = pending.flush(batched);
                // running sums compared where they are finite (a NaN row makes both NaN)
                if (pending.count == 0 && !same(sum, batched)) ++bad;
            }
            batched = pending.flush(batched);
            if (!same(sum, batched)) ++bad;
            // the value from (z, e) read back from memory, as the kernels evaluate it
            for (std::size_t i = 0; i < n; ++i)
                if (!same(v0s[i], Loss::log_loss_value(zs[i], es[i]))) ++bad;
            std::printf("%s %d %d\\n", simd::isa_name, bad, int(std::isnan(sum)));
            return 0;
        }
    """)
    name, bad, nan_sum = out.split()
    assert name == isa
    assert bad == "0"
    assert nan_sum == "1"  # the NaN rows reached the sum
