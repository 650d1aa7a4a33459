"""Scores of fitted linear models, ``X @ coef.T``, by gdfast's own kernel.

numpy would compute the product in BLAS (OpenBLAS), whose worker threads keep spinning
for a while after each call. On a machine with few cores they then take a core from
the next multi-threaded gdfast kernel, which waits for it at every barrier: a grid
search alternates ``fit`` and ``score``, and LinearSVC on 20,000 x 100 fitted in
97-102 ms on 2 threads after each ``score`` against 12.6 ms on 1 thread.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from . import _core
from ._threads import n_threads as _n_threads
from ._validation import Matrix, check_X


def linear_scores(X: Any, coef: np.ndarray, n_jobs: Any = None) -> np.ndarray:
    """``X @ coef.T``: shape (n_samples, K) for ``coef`` of shape (K, n_features), or
    (n_samples,) for a 1-D ``coef``.

    ``X`` is a validated 2-D array, CSR matrix or :class:`Matrix`; ``coef`` may be a
    scipy.sparse matrix (``sparsify()``). The product is
    computed in float32 when X and coef are both float32 (numpy's result type), else in
    float64; each score is one dot product, whatever the thread count.
    """
    # (a sparsified coef_ is a scipy matrix: densified, O(K n_features))
    coef = coef.toarray() if sp.issparse(coef) else np.asarray(coef)
    flat = coef.ndim == 1
    if isinstance(X, Matrix):
        dtype = X.dtype
    else:
        both32 = X.dtype == np.float32 and coef.dtype == np.float32
        dtype = np.dtype(np.float32 if both32 else np.float64)
        X = check_X(X, dtype=dtype, finite=False)
    c = np.ascontiguousarray(coef.reshape(1, -1) if flat else coef, dtype=dtype)
    out = np.empty((X.shape[0], c.shape[0]), dtype=dtype)
    _core.scores(*X.parts(), c, out, _n_threads(n_jobs, work=X.data.size * c.shape[0]))
    return out[:, 0] if flat else out
