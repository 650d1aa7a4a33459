// gdfast L1: build / machine configuration and the run-time choice of the ISA variant.
#include "pybind11.hpp"

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "gdfast/parallel.hpp"
#include "kernel_table.hpp"

namespace gdfast::bindings {
namespace {

bool cpu_has_avx2() {
#if defined(GDFAST_HAVE_X86_DISPATCH)
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return false;
#endif
}
bool cpu_has_avx512() {
#if defined(GDFAST_HAVE_X86_DISPATCH)
    return cpu_has_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#else
    return false;
#endif
}

std::vector<const KernelTable*> available_tables() {
    std::vector<const KernelTable*> out{&table_generic()};
#if defined(GDFAST_HAVE_X86_DISPATCH)
    if (cpu_has_avx2()) out.push_back(&table_avx2());
    if (cpu_has_avx512()) out.push_back(&table_avx512());
#endif
    return out;
}

const KernelTable* g_active = nullptr;

const KernelTable* find_table(const std::string& name) {
    for (const KernelTable* t : available_tables())
        if (name == t->isa || (name == "generic" && t == &table_generic())) return t;
    return nullptr;
}

}  // namespace

const KernelTable& active_table() {
    if (g_active == nullptr) {
        // The best variant this CPU runs, unless GDFAST_ISA asks for a lower one.
        g_active = available_tables().back();
        if (const char* env = std::getenv("GDFAST_ISA")) {
            if (const KernelTable* t = find_table(env)) g_active = t;
        }
    }
    return *g_active;
}

void bind_config(py::module_& m) {
    m.def("openmp_max_threads", &gdfast::max_threads,
          "OpenMP's default number of threads (honours OMP_NUM_THREADS / threadpoolctl).");
    m.def("have_openmp", [] { return gdfast::have_openmp(); });
    m.def("isa", [] { return std::string(active_table().isa); },
          "The instruction set of the kernel variant in use.");
    m.def("available_isas", [] {
        std::vector<std::string> names;
        for (const KernelTable* t : available_tables()) names.emplace_back(t->isa);
        return names;
    });
    m.def(
        "set_isa",
        [](const std::string& name) {
            const std::string previous = active_table().isa;
            const KernelTable* t = find_table(name);
            if (t == nullptr)
                throw std::invalid_argument("ISA '" + name + "' is not available on this CPU/build");
            g_active = t;
            return previous;
        },
        py::arg("name"), "Select a kernel variant (for tests and benchmarks); returns the previous one.");
    m.def("build_info", [] {
        py::dict d;
#if defined(__clang__)
        d["compiler"] = std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
        d["compiler"] = std::string("gcc ") + __VERSION__;
#elif defined(_MSC_VER)
        d["compiler"] = std::string("msvc ") + std::to_string(_MSC_VER);
#else
        d["compiler"] = std::string("unknown");
#endif
        d["version"] = std::string(GDFAST_VERSION);
        d["openmp"] = gdfast::have_openmp();
#if defined(_OPENMP)
        d["openmp_version"] = static_cast<int>(_OPENMP);
#else
        d["openmp_version"] = py::none();
#endif
#if defined(GDFAST_HAVE_X86_DISPATCH)
        d["dispatch"] = true;
#else
        d["dispatch"] = false;
#endif
#if defined(NDEBUG)
        d["assertions"] = false;
#else
        d["assertions"] = true;
#endif
#if defined(__SANITIZE_ADDRESS__)
        d["sanitizers"] = true;
#else
        d["sanitizers"] = false;
#endif
        return d;
    });
}

}  // namespace gdfast::bindings
