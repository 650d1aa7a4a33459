"""Thread-count policy (scikit-learn's meaning of ``n_jobs``)."""

from __future__ import annotations

import numbers
import os

from . import _core


# GNU libgomp's thread pool does not survive fork(): a child forked after the parent
# ran a parallel region hangs in its first one. In a forked child gdfast therefore runs
# its kernels on one thread (use the 'spawn' or 'forkserver' start methods, or joblib's
# default loky backend, for parallel children).
_forked_child = False


def _after_fork_in_child() -> None:
    global _forked_child
    _forked_child = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)

# Below this many stored values per thread, a parallel region costs more than it saves
# (fork/join and barriers, worse on a loaded machine): fewer threads are used.
WORK_PER_THREAD = 32_768


def n_threads(n_jobs: int | None, work: int | None = None) -> int:
    """Number of OpenMP threads for ``n_jobs``.

    ``None`` follows OpenMP's default (``OMP_NUM_THREADS`` and threadpoolctl limits
    apply), a positive int is that many threads, ``-1`` all of OpenMP's default,
    ``-2`` all but one, and so on. ``0`` is an error. With ``work`` (the number of
    stored values of X), small problems use fewer threads; results do not depend on the
    thread count, so this changes speed only.
    """
    if _forked_child:
        if n_jobs == 0:
            msg = "n_jobs=0 is not valid; use None, a positive int, or a negative int (-1 = all threads)"
            raise ValueError(msg)
        return 1
    top = max(1, int(_core.openmp_max_threads()))
    cap = top if work is None else max(1, int(work) // WORK_PER_THREAD)
    if n_jobs is None:
        return min(top, cap)
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral):
        msg = f"n_jobs must be None or an int, got {n_jobs!r}"
        raise TypeError(msg)
    n_jobs = int(n_jobs)
    if n_jobs == 0:
        msg = "n_jobs=0 is not valid; use None, a positive int, or a negative int (-1 = all threads)"
        raise ValueError(msg)
    wanted = n_jobs if n_jobs > 0 else max(1, top + 1 + n_jobs)
    # More threads than processors only oversubscribe the machine.
    wanted = min(wanted, max(top, os.cpu_count() or 1))
    return max(1, min(wanted, cap))
