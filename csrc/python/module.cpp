// gdfast L1: the module gdfast._core. It only registers the topics.
#include "pybind11.hpp"

namespace gdfast::bindings {
void bind_config(py::module_& m);
void bind_kernels(py::module_& m);
}  // namespace gdfast::bindings

PYBIND11_MODULE(_core, m) {
    m.doc() = "gdfast compiled kernels (private: use the gdfast package)";
    gdfast::bindings::bind_config(m);
    gdfast::bindings::bind_kernels(m);
}
