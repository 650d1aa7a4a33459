#!/usr/bin/env bash
# Build gdfast with AddressSanitizer + UndefinedBehaviorSanitizer (-DGDFAST_SANITIZE=ON)
# into a fresh virtual environment, run a substantial part of the test suite against
# that build, and fail on any sanitizer report (in pytest or in any subprocess a test
# starts). Budget: < 20 minutes on 2 cores.
#
#   .ci/sanitize.sh                       # default test selection
#   GDFAST_SANITIZE_TESTS="tests/test_reliability.py" .ci/sanitize.sh
#
# Environment:
#   PYTHON                 interpreter for the venv (default: python3)
#   GDFAST_SANITIZE_VENV   venv directory (default: .venv-sanitize; recreated every run)
#   GDFAST_SANITIZE_TESTS  pytest arguments replacing the default selection
#   GDFAST_SANITIZE_REUSE  1: keep an existing sanitizer venv (skip the ~10 min build;
#                          for iterating on tests, not for CI)
#   GDFAST_SANITIZE_DISPATCH  OFF: build only the generic kernels (faster build; the
#                          AVX2/AVX-512 variants are then not checked)
#   GDFAST_FUZZ_PROFILE    hypothesis profile for tests/test_fuzz.py (default: ci)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-python3}
VENV=${GDFAST_SANITIZE_VENV:-$ROOT/.venv-sanitize}
LOGDIR=$(mktemp -d "${TMPDIR:-/tmp}/gdfast-sanitize.XXXXXX")
start=$(date +%s)

if [[ "${GDFAST_SANITIZE_REUSE:-0}" == 1 && -x "$VENV/bin/python" ]]; then
    echo "== reusing the sanitizer venv $VENV"
    # shellcheck disable=SC1091
    . "$VENV/bin/activate"
else
echo "== sanitizer build: fresh venv in $VENV"
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
# shellcheck disable=SC1091
. "$VENV/bin/activate"
python -m pip install --quiet --upgrade pip

# A separate build directory: never reconfigure the developer's (or CI's) normal build.
# Debug info and frame pointers for readable reports; no warnings-as-errors here (the
# normal CI build checks warnings).
echo "== pip install .[test] with GDFAST_SANITIZE=ON"
GDFAST_SANITIZE=ON python -m pip install --quiet ".[test]" \
    -Cbuild-dir=build/sanitize \
    -Ccmake.build-type=RelWithDebInfo \
    -Ccmake.define.GDFAST_SANITIZE=ON \
    -Ccmake.define.GDFAST_WERROR=OFF \
    -Ccmake.define.GDFAST_DISPATCH="${GDFAST_SANITIZE_DISPATCH:-ON}"
echo "== build took $(( $(date +%s) - start )) s"
fi

# The runtime must come first in the process (python itself is not instrumented).
CXX_FOR_RUNTIME=${CXX:-g++}
LIBASAN=$("$CXX_FOR_RUNTIME" -print-file-name=libasan.so)
LIBUBSAN=$("$CXX_FOR_RUNTIME" -print-file-name=libubsan.so)
if [[ ! -e "$LIBASAN" ]]; then
    echo "libasan.so not found via $CXX_FOR_RUNTIME -print-file-name" >&2
    exit 2
fi
preload="$LIBASAN"
[[ -e "$LIBUBSAN" ]] && preload="$preload:$LIBUBSAN"

# Check that the installed module really is the instrumented one.
# (found on disk: importing gdfast without the preloaded runtime would abort)
platlib=$(cd / && python -c "import sysconfig; print(sysconfig.get_paths()['platlib'])")
core_so=$(ls "$platlib"/gdfast/_core*.so 2>/dev/null | head -n 1 || true)
if [[ -z "$core_so" ]]; then
    echo "gdfast/_core*.so not found in $platlib" >&2
    exit 2
fi
if ! ldd "$core_so" | grep libasan >/dev/null; then  # (grep -q + pipefail: SIGPIPE)
    echo "gdfast._core ($core_so) is not linked against libasan: sanitizer build failed" >&2
    exit 2
fi
(cd / && LD_PRELOAD="$preload" ASAN_OPTIONS=detect_leaks=0 python -c \
    "import gdfast; c = gdfast.config(); print('config sanitizers:', c.get('sanitizers'))")

# Python leaks by design (detect_leaks=0). Every report goes to a file in $LOGDIR as
# well, so reports from subprocesses (Ctrl-C, fork, crash tests) are caught too.
export LD_PRELOAD="$preload"
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=0:allocator_may_return_null=1:log_path=$LOGDIR/asan:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$LOGDIR/ubsan"
export GDFAST_FUZZ_PROFILE=${GDFAST_FUZZ_PROFILE:-ci}
export PYTHONFAULTHANDLER=1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}

if [[ -n "${GDFAST_SANITIZE_TESTS:-}" ]]; then
    # shellcheck disable=SC2206
    selection=($GDFAST_SANITIZE_TESTS)
else
    # The core of the suite: the kernels through every public entry point, the
    # malformed-buffer tests against the C++ boundary, fuzzing, Ctrl-C/threads/fork.
    # Skipped: the 400 MB memory test (ASan's shadow memory and quarantine make RSS
    # meaningless) and the timing-sensitive Ctrl-C latency bound is kept but the
    # slower sanitized kernels still poll every ~0.1 s. test_fuzz runs its "ci" profile.
    selection=(
        tests/test_reliability.py
        tests/test_fuzz.py
        tests/test_faults.py
        tests/test_objective.py
        tests/test_losses.py
        tests/test_solvers.py
    )
    [[ -e tests/test_core.py ]] && selection+=(tests/test_core.py)
    [[ -e tests/test_threads.py ]] && selection+=(tests/test_threads.py)
    # Also skipped: the real-SIGINT subprocess tests (test_ctrl_c_interrupts_fit): under
    # the preloaded ASan runtime the interrupted child does not report within their 10 s
    # bound, while the same interrupt in-process works; the normal CI run covers them.
    selection+=(-k "not test_fit_adds_no_copy_of_X and not test_ctrl_c_interrupts_fit")
fi

echo "== pytest under ASan+UBSan: ${selection[*]}"
status=0
# --import-mode=importlib (from pyproject) imports the *installed* gdfast, not src/
# --capture=sys: a sanitizer report written to fd 2 just before the abort stays visible
python -m pytest -p no:cacheprovider -q --capture=sys "${selection[@]}" || status=$?

reports=$(find "$LOGDIR" -type f \( -name 'asan*' -o -name 'ubsan*' \) -size +0 2>/dev/null || true)
if [[ -n "$reports" ]]; then
    echo "== sanitizer reports:" >&2
    for f in $reports; do
        echo "---- $f" >&2
        head -n 60 "$f" >&2
    done
    status=1
fi
echo "== sanitizer run took $(( $(date +%s) - start )) s (pytest status $status)"
if [[ $status -eq 0 ]]; then
    rm -rf "$LOGDIR"
    echo "== sanitizers: clean"
fi
exit "$status"
