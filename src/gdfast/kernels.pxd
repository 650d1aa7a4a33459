# Cython declarations of gdfast's plain C++ API (csrc/include/gdfast/c_api.hpp).
#
# In your .pyx:   from gdfast.kernels cimport objective_dense
# and compile with include_dirs=[gdfast.get_include()], language="c++",
# extra_compile_args=["-std=c++17", "-fopenmp"], extra_link_args=["-fopenmp"].
from libc.stdint cimport int64_t

cdef extern from "gdfast/c_api.hpp" namespace "gdfast::c_api" nogil:
    int objective_dense[T](const T* X, int64_t n, int64_t d, const T* y, const T* sw,
                           const T* w, T b, int loss, double epsilon, double l2, T* grad,
                           double* grad_b, double* value, int n_threads) noexcept
    int objective_csr[T, I](const T* data, const I* indices, const I* indptr, int64_t n,
                            int64_t d, const T* y, const T* sw, const T* w, T b, int loss,
                            double epsilon, double l2, T* grad, double* grad_b,
                            double* value, int n_threads) noexcept

# Loss codes (gdfast::LossKind)
cdef enum:
    LOSS_SQUARED = 0
    LOSS_HUBER = 1
    LOSS_EPSILON_INSENSITIVE = 2
    LOSS_SQUARED_EPSILON_INSENSITIVE = 3
    LOSS_HINGE = 4
    LOSS_SQUARED_HINGE = 5
    LOSS_LOG = 6
    LOSS_MODIFIED_HUBER = 7
    LOSS_PERCEPTRON = 8
