// gdfast L1: objective / fit / fit_many. Checks buffers once (shape, dtype, contiguity,
// CSR invariants), picks the dtype instance and the ISA variant, releases the GIL around
// the kernel, polls Ctrl-C through a hook, and maps statuses to Python.
#include "pybind11.hpp"

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "gdfast/rows.hpp"
#include "gdfast/types.hpp"
#include "kernel_table.hpp"

namespace gdfast::bindings {

const KernelTable& active_table();

namespace {

constexpr int kNpyAligned = 0x0100;  // NPY_ARRAY_ALIGNED: the kernels assume natural alignment

[[noreturn]] void fail(const std::string& msg) { throw std::invalid_argument(msg); }
[[noreturn]] void fail_type(const std::string& msg) { throw py::type_error(msg); }

/// A C-contiguous array of dtype T with the given shape (-1: any), checked.
template <class T>
py::array_t<T> require(const py::object& obj, const char* name, std::vector<py::ssize_t> shape,
                       bool writeable = false) {
    if (!py::isinstance<py::array>(obj)) fail_type(std::string(name) + " must be a numpy array");
    auto a = py::reinterpret_borrow<py::array>(obj);
    if (!a.dtype().equal(py::dtype::of<T>()))
        fail_type(std::string(name) + " has dtype " + std::string(py::str(a.dtype())) +
                  "; expected " + std::string(py::str(py::dtype::of<T>())) +
                  " (the same dtype as X; no silent conversion)");
    if (a.ndim() != static_cast<py::ssize_t>(shape.size()))
        fail(std::string(name) + " must be " + std::to_string(shape.size()) + "-D, got " +
             std::to_string(a.ndim()) + "-D");
    for (std::size_t k = 0; k < shape.size(); ++k)
        if (shape[k] >= 0 && a.shape(static_cast<py::ssize_t>(k)) != shape[k])
            fail(std::string(name) + " has shape[" + std::to_string(k) + "] = " +
                 std::to_string(a.shape(static_cast<py::ssize_t>(k))) + "; expected " + std::to_string(shape[k]));
    if (!(a.flags() & py::array::c_style)) fail(std::string(name) + " must be C-contiguous");
    if (!(a.flags() & kNpyAligned)) fail(std::string(name) + " must be aligned (a misaligned view; copy it)");
    if (writeable && !a.writeable()) fail(std::string(name) + " must be writeable");
    return py::reinterpret_borrow<py::array_t<T>>(a);
}

template <class T>
const T* optional_ptr(const py::object& obj, const char* name, py::ssize_t n) {
    if (obj.is_none()) return nullptr;
    return require<T>(obj, name, {n}).data();
}

/// Builds a checked XView. Dense: X is 2-D (n, d). CSR: X is the 1-D data array,
/// indices / indptr int32 or int64 (same dtype), n_cols given.
/// \param check_indices  false: the caller's kernel checks each CSR row's column indices
///     before it reads the row (csr_check then checks indptr only)
[[noreturn]] void fail_bad_index(std::int64_t n_cols) {
    fail("malformed CSR matrix: a column index is negative or >= n_features (" + std::to_string(n_cols) + ")");
}

template <class T>
XView<T> make_view(const py::array& X, const py::object& indices, const py::object& indptr,
                   std::int64_t n_cols, int n_threads, std::vector<py::object>& keep,
                   bool check_indices = true) {
    XView<T> v;
    if (indices.is_none() != indptr.is_none()) fail("indices and indptr must both be given (CSR) or both be None");
    if (indices.is_none()) {
        auto a = require<T>(X, "X", {-1, -1});
        v.kind = XKind::dense;
        v.data = a.data();
        v.n_rows = a.shape(0);
        v.n_cols = a.shape(1);
        keep.push_back(a);
        return v;
    }
    auto data = require<T>(X, "X.data", {-1});
    if (!py::isinstance<py::array>(indices) || !py::isinstance<py::array>(indptr))
        fail_type("X.indices and X.indptr must be numpy arrays");
    auto ind = py::reinterpret_borrow<py::array>(indices);
    auto ptr = py::reinterpret_borrow<py::array>(indptr);
    if (ind.ndim() != 1 || ptr.ndim() != 1) fail("X.indices and X.indptr must be 1-D");
    if (!(ind.flags() & py::array::c_style) || !(ptr.flags() & py::array::c_style))
        fail("X.indices and X.indptr must be C-contiguous");
    if (!(ind.flags() & kNpyAligned) || !(ptr.flags() & kNpyAligned))
        fail("X.indices and X.indptr must be aligned");
    if (n_cols < 0) fail("n_cols must be >= 0");
    const std::int64_t n_rows = ptr.shape(0) - 1;
    if (n_rows < 0) fail("X.indptr must have n_rows + 1 >= 1 entries");
    if (ind.shape(0) != data.shape(0)) fail("X.indices and X.data must have the same length");
    int code = 0;
    if (ind.dtype().equal(py::dtype::of<std::int32_t>()) && ptr.dtype().equal(py::dtype::of<std::int32_t>())) {
        v.kind = XKind::csr32;
        code = gdfast::csr_check(static_cast<const std::int32_t*>(ptr.data()),
                                   static_cast<const std::int32_t*>(ind.data()), n_rows, n_cols,
                                   ind.shape(0), n_threads, check_indices);
    } else if (ind.dtype().equal(py::dtype::of<std::int64_t>()) && ptr.dtype().equal(py::dtype::of<std::int64_t>())) {
        v.kind = XKind::csr64;
        code = gdfast::csr_check(static_cast<const std::int64_t*>(ptr.data()),
                                   static_cast<const std::int64_t*>(ind.data()), n_rows, n_cols,
                                   ind.shape(0), n_threads, check_indices);
    } else {
        fail_type("X.indices and X.indptr must both be int32 or both be int64");
    }
    switch (code) {
        case 1: fail("malformed CSR matrix: indptr[0] must be 0");
        case 2: fail("malformed CSR matrix: indptr must be non-decreasing");
        case 3: fail("malformed CSR matrix: indptr[-1] exceeds the length of indices/data");
        case 4: fail_bad_index(n_cols);
        default: break;
    }
    v.data = data.data();
    v.indices = ind.data();
    v.indptr = ptr.data();
    v.n_rows = n_rows;
    v.n_cols = n_cols;
    keep.push_back(data);
    keep.push_back(ind);
    keep.push_back(ptr);
    return v;
}

int check_threads(int n_threads) {
    if (n_threads < 1) fail("n_threads must be >= 1");
    // OpenMP aborts the process when it cannot create threads: refuse absurd counts.
    if (n_threads > 4096) fail("n_threads must be <= 4096, got " + std::to_string(n_threads));
    return n_threads;
}

/// Interrupt hook: takes the GIL and runs Python's signal handlers (Ctrl-C).
int poll_signals(void*) {
    py::gil_scoped_acquire gil;
    return PyErr_CheckSignals() != 0 ? 1 : 0;
}

template <class T>
struct ObserverCtx {
    py::object fn;
    std::int64_t n_cols = 0;
};

template <class T>
double call_observer(void* ctx, const EpochInfo<T>& info, int* stop) {
    auto* c = static_cast<ObserverCtx<T>*>(ctx);
    py::gil_scoped_acquire gil;
    try {
        py::array_t<T> coef(c->n_cols);
        std::copy(info.coef, info.coef + c->n_cols, coef.mutable_data());
        py::object r = c->fn(info.epoch, info.t, info.train_loss, info.objective, info.eta, coef,
                             info.intercept);
        if (PyErr_CheckSignals() != 0) throw py::error_already_set();
        if (r.is_none()) return NAN;
        return r.cast<double>();
    } catch (py::error_already_set& e) {
        e.restore();  // re-raised after the kernel returns
        *stop = 1;
        return NAN;
    } catch (std::exception& e) {
        PyErr_SetString(PyExc_RuntimeError, e.what());
        *stop = 1;
        return NAN;
    }
}

[[noreturn]] void raise_interrupt() {
    if (PyErr_Occurred() == nullptr) PyErr_SetNone(PyExc_KeyboardInterrupt);
    throw py::error_already_set();
}

py::dict report_dict(const FitReport& r, Status st) {
    py::dict d;
    d["status"] = static_cast<int>(st);
    d["n_iter"] = r.n_iter;
    d["t"] = r.t;
    d["converged"] = r.converged;
    d["bad_epoch"] = r.bad_epoch;
    d["objective_history"] = r.objective_history;
    d["criterion_history"] = r.criterion_history;
    d["intercept"] = r.intercept;
    d["standard_intercept"] = r.standard_intercept;
    d["n_averaged"] = r.n_averaged;
    d["final_eta"] = r.final_eta;
    d["n_passes"] = r.n_passes;
    d["n_line_evals"] = r.n_line_evals;
    return d;
}

template <class T>
py::tuple objective_impl(const py::array& X, const py::object& indices, const py::object& indptr,
                         std::int64_t n_cols, const py::object& y, const py::object& sw,
                         const py::object& w, double b, const Loss& loss, const py::object& grad,
                         const py::object& margins, int n_threads) {
    std::vector<py::object> keep;
    // the pass checks the column indices row by row (one read of them instead of two)
    const XView<T> xv = make_view<T>(X, indices, indptr, n_cols, check_threads(n_threads), keep,
                                     /*check_indices=*/false);
    const T* yp = require<T>(y, "y", {xv.n_rows}).data();
    const T* swp = optional_ptr<T>(sw, "sample_weight", xv.n_rows);
    const T* wp = require<T>(w, "coef", {xv.n_cols}).data();
    T* gp = grad.is_none() ? nullptr : require<T>(grad, "grad", {xv.n_cols}, true).mutable_data();
    T* mp = margins.is_none() ? nullptr : require<T>(margins, "margins", {xv.n_rows}, true).mutable_data();
    const auto& k = active_table().get<T>();
    PassSums s;
    {
        py::gil_scoped_release release;  // only raw pointers are used; `keep` holds the arrays
        s = k.objective(xv, yp, swp, wp, b, loss, gp, mp, n_threads);
    }
    if (s.bad_index) fail_bad_index(xv.n_cols);
    return py::make_tuple(s.loss, s.loss_exact, s.grad_b, s.weight, s.finite);
}

template <class T>
void scores_impl(const py::array& X, const py::object& indices, const py::object& indptr,
                 std::int64_t n_cols, const py::object& coef, const py::object& out, int n_threads) {
    std::vector<py::object> keep;
    const XView<T> xv = make_view<T>(X, indices, indptr, n_cols, check_threads(n_threads), keep);
    if (!py::isinstance<py::array>(coef)) fail_type("coef must be a numpy array");
    const auto carr = py::cast<py::array>(coef);
    if (carr.ndim() != 2 || carr.shape(0) < 1) fail("coef must be a 2-D array (n_outputs >= 1, n_features)");
    const py::ssize_t K = carr.shape(0);
    const T* cp = require<T>(coef, "coef", {K, static_cast<py::ssize_t>(xv.n_cols)}).data();
    T* op = require<T>(out, "out", {static_cast<py::ssize_t>(xv.n_rows), K}, true).mutable_data();
    const auto& k = active_table().get<T>();
    py::gil_scoped_release release;  // only raw pointers are used; `keep` holds the arrays
    k.scores(xv, cp, K, op, n_threads);
}

template <class T>
py::dict fit_impl(const py::array& X, const py::object& indices, const py::object& indptr,
                  std::int64_t n_cols, const py::object& y, const py::object& sw,
                  const py::object& coef, double intercept, const py::object& avg_coef,
                  double avg_intercept, std::int64_t n_averaged, const FitParams& p,
                  const py::object& observer, int n_threads) {
    std::vector<py::object> keep;
    // CSR: indptr here, the column indices by the fit (per-sample SGD row by row in its
    // first epoch instead of a read of all of them first)
    const XView<T> xv = make_view<T>(X, indices, indptr, n_cols, check_threads(n_threads), keep,
                                     /*check_indices=*/false);
    if (xv.n_rows < 1) fail("X must have at least one row");
    const T* yp = require<T>(y, "y", {xv.n_rows}).data();
    const T* swp = optional_ptr<T>(sw, "sample_weight", xv.n_rows);
    T* cp = require<T>(coef, "coef", {xv.n_cols}, true).mutable_data();
    T* ap = require<T>(avg_coef, "avg_coef", {xv.n_cols}, true).mutable_data();
    if (cp == ap) fail("coef and avg_coef must be different buffers");
    if (p.max_iter < 1) fail("max_iter must be >= 1");
    if (n_averaged < 0) fail("n_averaged must be >= 0");
    ObserverCtx<T> octx{observer, xv.n_cols};
    EpochObserver<T> obs;
    if (!observer.is_none()) {
        obs.fn = &call_observer<T>;
        obs.ctx = &octx;
    }
    FitBuffers<T> buf{cp, &intercept, ap, &avg_intercept, &n_averaged};
    const auto& k = active_table().get<T>();
    FitReport rep;
    Status st;
    {
        py::gil_scoped_release release;
        st = k.fit(xv, yp, swp, buf, p, obs, Interrupt{&poll_signals, nullptr}, n_threads, rep,
                   xv.kind != XKind::dense);
    }
    if (st == Status::bad_index) fail_bad_index(xv.n_cols);
    if (st == Status::interrupted) raise_interrupt();
    py::dict d = report_dict(rep, st);
    d["avg_intercept"] = avg_intercept;
    d["n_averaged"] = n_averaged;
    return d;
}

template <class T>
py::list fit_many_impl(const py::array& X, const py::object& indices, const py::object& indptr,
                       std::int64_t n_cols, const py::object& Y, const py::object& sw,
                       const py::object& coefs, const py::object& intercepts,
                       const py::object& avg_coefs, const py::object& avg_intercepts,
                       const py::object& n_averaged, const FitParams& p,
                       const py::object& alphas, int n_threads) {
    std::vector<py::object> keep;
    const XView<T> xv = make_view<T>(X, indices, indptr, n_cols, check_threads(n_threads), keep);
    if (xv.n_rows < 1) fail("X must have at least one row");
    auto Ya = require<T>(Y, "Y", {-1, xv.n_rows});
    const std::int64_t K = Ya.shape(0);
    const T* swp = nullptr;
    std::int64_t stride = 0;
    if (!sw.is_none()) {
        auto s = py::reinterpret_borrow<py::array>(sw);
        if (s.ndim() == 1) {
            swp = require<T>(sw, "sample_weight", {xv.n_rows}).data();
        } else {
            swp = require<T>(sw, "sample_weight", {K, xv.n_rows}).data();
            stride = xv.n_rows;
        }
    }
    T* cp = require<T>(coefs, "coefs", {K, xv.n_cols}, true).mutable_data();
    T* ap = require<T>(avg_coefs, "avg_coefs", {K, xv.n_cols}, true).mutable_data();
    double* ip = require<double>(intercepts, "intercepts", {K}, true).mutable_data();
    double* aip = require<double>(avg_intercepts, "avg_intercepts", {K}, true).mutable_data();
    std::int64_t* nap = require<std::int64_t>(n_averaged, "n_averaged", {K}, true).mutable_data();
    if (p.max_iter < 1) fail("max_iter must be >= 1");
    if (cp == ap) fail("coefs and avg_coefs must be different buffers");
    for (std::int64_t k = 0; k < K; ++k)
        if (nap[k] < 0) fail("n_averaged must be >= 0");
    const double* alpha_p = nullptr;
    if (!alphas.is_none()) {
        alpha_p = require<double>(alphas, "alphas", {K}).data();
        for (std::int64_t k = 0; k < K; ++k)
            if (!(alpha_p[k] >= 0.0) || !std::isfinite(alpha_p[k])) fail("alphas must be finite and >= 0");
    }
    std::vector<FitBuffers<T>> bufs(static_cast<std::size_t>(K));
    for (std::int64_t k = 0; k < K; ++k)
        bufs[static_cast<std::size_t>(k)] = FitBuffers<T>{cp + k * xv.n_cols, ip + k, ap + k * xv.n_cols, aip + k, nap + k};
    std::vector<FitReport> reps(static_cast<std::size_t>(K));
    std::vector<Status> sts(static_cast<std::size_t>(K), Status::ok);
    const auto& kern = active_table().get<T>();
    Status st;
    {
        py::gil_scoped_release release;
        st = kern.fit_many(xv, Ya.data(), swp, stride, bufs.data(), K, p, alpha_p,
                           Interrupt{&poll_signals, nullptr}, n_threads, reps.data(), sts.data());
    }
    if (st == Status::interrupted) raise_interrupt();
    py::list out;
    for (std::int64_t k = 0; k < K; ++k) {
        py::dict d = report_dict(reps[static_cast<std::size_t>(k)], sts[static_cast<std::size_t>(k)]);
        d["avg_intercept"] = aip[k];
        d["n_averaged"] = nap[k];
        out.append(d);
    }
    return out;
}

/// Dispatch on X's dtype: one Python name for float32 and float64, nothing converted.
template <class F32, class F64>
auto by_dtype(const py::array& X, F32&& f32, F64&& f64) {
    if (X.dtype().equal(py::dtype::of<double>())) return f64();
    if (X.dtype().equal(py::dtype::of<float>())) return f32();
    fail_type("X must be float32 or float64, got " + std::string(py::str(X.dtype())));
}

}  // namespace

void bind_kernels(py::module_& m) {
    py::enum_<LossKind>(m, "LossKind")
        .value("squared", LossKind::squared)
        .value("huber", LossKind::huber)
        .value("epsilon_insensitive", LossKind::epsilon_insensitive)
        .value("squared_epsilon_insensitive", LossKind::squared_epsilon_insensitive)
        .value("hinge", LossKind::hinge)
        .value("squared_hinge", LossKind::squared_hinge)
        .value("log", LossKind::log)
        .value("modified_huber", LossKind::modified_huber)
        .value("perceptron", LossKind::perceptron);
    py::enum_<PenaltyKind>(m, "PenaltyKind")
        .value("none", PenaltyKind::none)
        .value("l2", PenaltyKind::l2)
        .value("l1", PenaltyKind::l1)
        .value("elasticnet", PenaltyKind::elasticnet);
    py::enum_<Schedule>(m, "Schedule")
        .value("constant", Schedule::constant)
        .value("optimal", Schedule::optimal)
        .value("invscaling", Schedule::invscaling)
        .value("adaptive", Schedule::adaptive)
        .value("pa1", Schedule::pa1)
        .value("pa2", Schedule::pa2)
        .value("auto", Schedule::automatic);
    py::enum_<FullSolver>(m, "FullSolver")
        .value("auto", FullSolver::automatic)
        .value("gd", FullSolver::gd)
        .value("lbfgs", FullSolver::lbfgs);
    py::enum_<Status>(m, "Status")
        .value("ok", Status::ok)
        .value("non_finite", Status::non_finite)
        .value("interrupted", Status::interrupted)
        .value("bad_index", Status::bad_index);

    py::class_<Loss>(m, "Loss")
        .def(py::init([](LossKind kind, double epsilon, double smoothing) {
                 if (!(epsilon >= 0.0) || !std::isfinite(epsilon)) fail("epsilon must be finite and >= 0");
                 if (!(smoothing >= 0.0) || !std::isfinite(smoothing)) fail("smoothing must be finite and >= 0");
                 return Loss{kind, epsilon, smoothing};
             }),
             py::arg("kind"), py::arg("epsilon") = 0.1, py::arg("smoothing") = 0.0)
        .def_readonly("kind", &Loss::kind)
        .def_readonly("epsilon", &Loss::epsilon)
        .def_readonly("smoothing", &Loss::smoothing)
        .def("eval", [](const Loss& l, double y, double p) {
            double d;
            const double v = l.eval(y, p, d);
            return py::make_tuple(v, d);
        }, py::arg("y"), py::arg("p"), "(L(y, p), dL/dp) -- scalar, for tests");

    py::class_<FitParams>(m, "FitParams")
        .def(py::init<>())
        .def_readwrite("loss", &FitParams::loss)
        .def_property("penalty", [](const FitParams& p) { return p.penalty.kind; },
                      [](FitParams& p, PenaltyKind k) { p.penalty.kind = k; })
        .def_property("alpha", [](const FitParams& p) { return p.penalty.alpha; },
                      [](FitParams& p, double a) { p.penalty.alpha = a; })
        .def_property("l1_ratio", [](const FitParams& p) { return p.penalty.l1_ratio; },
                      [](FitParams& p, double r) { p.penalty.l1_ratio = r; })
        .def_readwrite("fit_intercept", &FitParams::fit_intercept)
        .def_readwrite("batch_size", &FitParams::batch_size)
        .def_readwrite("schedule", &FitParams::schedule)
        .def_readwrite("eta0", &FitParams::eta0)
        .def_readwrite("power_t", &FitParams::power_t)
        .def_readwrite("momentum", &FitParams::momentum)
        .def_readwrite("nesterov", &FitParams::nesterov)
        .def_readwrite("max_iter", &FitParams::max_iter)
        .def_readwrite("tol", &FitParams::tol)
        .def_readwrite("n_iter_no_change", &FitParams::n_iter_no_change)
        .def_readwrite("shuffle", &FitParams::shuffle)
        .def_readwrite("shuffle_block", &FitParams::shuffle_block)
        .def_readwrite("intercept_decay", &FitParams::intercept_decay)
        .def_readwrite("seed", &FitParams::seed)
        .def_readwrite("average_start", &FitParams::average_start)
        .def_readwrite("t_start", &FitParams::t_start)
        .def_readwrite("track_objective", &FitParams::track_objective)
        .def_readwrite("full_solver", &FitParams::full_solver);

    m.def(
        "objective",
        [](const py::array& X, const py::object& indices, const py::object& indptr, std::int64_t n_cols,
           const py::object& y, const py::object& sw, const py::object& w, double b, const Loss& loss,
           const py::object& grad, const py::object& margins, int n_threads) {
            return by_dtype(
                X,
                [&] { return objective_impl<float>(X, indices, indptr, n_cols, y, sw, w, b, loss, grad, margins, n_threads); },
                [&] { return objective_impl<double>(X, indices, indptr, n_cols, y, sw, w, b, loss, grad, margins, n_threads); });
        },
        py::arg("X"), py::arg("indices"), py::arg("indptr"), py::arg("n_cols"), py::arg("y"),
        py::arg("sample_weight"), py::arg("coef"), py::arg("intercept"), py::arg("loss"),
        py::arg("grad"), py::arg("margins"), py::arg("n_threads"),
        "One fused pass: (sum s L, sum s L_exact, sum s dL/dp, sum s, finite); grad <- sum s dL/dp x.");
    m.def(
        "scores",
        [](const py::array& X, const py::object& indices, const py::object& indptr, std::int64_t n_cols,
           const py::object& coef, const py::object& out, int n_threads) {
            by_dtype(
                X, [&] { scores_impl<float>(X, indices, indptr, n_cols, coef, out, n_threads); },
                [&] { scores_impl<double>(X, indices, indptr, n_cols, coef, out, n_threads); });
        },
        py::arg("X"), py::arg("indices"), py::arg("indptr"), py::arg("n_cols"), py::arg("coef"),
        py::arg("out"), py::arg("n_threads"),
        "out (n_rows x K) <- X coef^T for coef (K x n_cols), without BLAS (see linear_scores).");
    m.def(
        "fit",
        [](const py::array& X, const py::object& indices, const py::object& indptr, std::int64_t n_cols,
           const py::object& y, const py::object& sw, const py::object& coef, double intercept,
           const py::object& avg_coef, double avg_intercept, std::int64_t n_averaged,
           const FitParams& p, const py::object& observer, int n_threads) {
            return by_dtype(
                X,
                [&] { return fit_impl<float>(X, indices, indptr, n_cols, y, sw, coef, intercept, avg_coef, avg_intercept, n_averaged, p, observer, n_threads); },
                [&] { return fit_impl<double>(X, indices, indptr, n_cols, y, sw, coef, intercept, avg_coef, avg_intercept, n_averaged, p, observer, n_threads); });
        },
        py::arg("X"), py::arg("indices"), py::arg("indptr"), py::arg("n_cols"), py::arg("y"),
        py::arg("sample_weight"), py::arg("coef"), py::arg("intercept"), py::arg("avg_coef"),
        py::arg("avg_intercept"), py::arg("n_averaged"), py::arg("params"), py::arg("observer"),
        py::arg("n_threads"));
    m.def(
        "fit_many",
        [](const py::array& X, const py::object& indices, const py::object& indptr, std::int64_t n_cols,
           const py::object& Y, const py::object& sw, const py::object& coefs, const py::object& intercepts,
           const py::object& avg_coefs, const py::object& avg_intercepts, const py::object& n_averaged,
           const FitParams& p, const py::object& alphas, int n_threads) {
            return by_dtype(
                X,
                [&] { return fit_many_impl<float>(X, indices, indptr, n_cols, Y, sw, coefs, intercepts, avg_coefs, avg_intercepts, n_averaged, p, alphas, n_threads); },
                [&] { return fit_many_impl<double>(X, indices, indptr, n_cols, Y, sw, coefs, intercepts, avg_coefs, avg_intercepts, n_averaged, p, alphas, n_threads); });
        },
        py::arg("X"), py::arg("indices"), py::arg("indptr"), py::arg("n_cols"), py::arg("Y"),
        py::arg("sample_weight"), py::arg("coefs"), py::arg("intercepts"), py::arg("avg_coefs"),
        py::arg("avg_intercepts"), py::arg("n_averaged"), py::arg("params"), py::arg("alphas"),
        py::arg("n_threads"));
}

}  // namespace gdfast::bindings
