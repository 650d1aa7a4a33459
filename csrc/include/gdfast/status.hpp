// gdfast L0: outcomes of a kernel and the interrupt hook (no exceptions cross OpenMP).
#pragma once

#include <atomic>
#include <chrono>

#include "config.hpp"

namespace gdfast {

/// What a kernel reports instead of throwing.
enum class Status : int {
    ok = 0,          ///< finished (converged or max_iter reached)
    non_finite = 1,  ///< weights, intercept or objective became NaN/inf (divergence)
    interrupted = 2, ///< the interrupt hook asked to stop (e.g. Ctrl-C)
    bad_index = 3,   ///< a CSR column index outside [0, n_cols), found by a kernel asked
                     ///< to check the indices itself (fit(..., check_csr_indices=true))
};

/// A hook the caller provides to learn about interrupts; `fn(ctx) != 0` means "stop".
/// It is only ever called from the thread that called the kernel, outside the
/// innermost loops, at most every `period` seconds.
struct Interrupt {
    int (*fn)(void*) = nullptr;
    void* ctx = nullptr;
};

/// Rate-limited polling of an `Interrupt`; shares a stop flag between threads.
class Poller {
public:
    explicit Poller(Interrupt hook, bool master = true, std::atomic<int>* shared = nullptr,
                    double period = 0.1) noexcept
        : hook_(hook), shared_(shared), master_(master), period_(period),
          last_(std::chrono::steady_clock::now()) {}

    /// True when the computation must stop. Cheap: reads the clock every 64 calls.
    bool should_stop() noexcept {
        if (stopped_) return true;
        if (shared_ != nullptr && shared_->load(std::memory_order_relaxed) != 0) {
            stopped_ = true;
            return true;
        }
        if (hook_.fn == nullptr || !master_) return false;
        if ((++calls_ & 63u) != 0u) return false;
        return poll_now();
    }
    /// Poll immediately (if the period elapsed), e.g. at the end of an epoch.
    bool poll_now() noexcept {
        if (stopped_) return true;
        if (hook_.fn == nullptr || !master_) return false;
        const auto now = std::chrono::steady_clock::now();
        if (std::chrono::duration<double>(now - last_).count() < period_) return false;
        last_ = now;
        if (hook_.fn(hook_.ctx) != 0) {
            stopped_ = true;
            if (shared_ != nullptr) shared_->store(1, std::memory_order_relaxed);
        }
        return stopped_;
    }
    bool stopped() const noexcept { return stopped_; }

private:
    Interrupt hook_;
    std::atomic<int>* shared_;
    bool master_;
    double period_;
    std::chrono::steady_clock::time_point last_;
    unsigned calls_ = 0;
    bool stopped_ = false;
};

}  // namespace gdfast
