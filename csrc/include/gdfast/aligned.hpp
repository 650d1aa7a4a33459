// gdfast L0: cache-line aligned buffers. Arrays whose column ranges are written by
// different threads (mini-batch SGD) must start on a cache line, or the line holding a
// range boundary ping-pongs between cores on every update (false sharing).
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace gdfast {

inline constexpr std::size_t kCacheLine = 64;

/// std::allocator with cache-line alignment (C++17 aligned operator new).
template <class T>
struct AlignedAllocator {
    using value_type = T;
    AlignedAllocator() noexcept = default;
    template <class U>
    AlignedAllocator(const AlignedAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)
    T* allocate(std::size_t n) {
        if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
        return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(kCacheLine)));
    }
    void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, std::align_val_t(kCacheLine)); }
    template <class U>
    bool operator==(const AlignedAllocator<U>&) const noexcept { return true; }
    template <class U>
    bool operator!=(const AlignedAllocator<U>&) const noexcept { return false; }
};

template <class T>
using AlignedVector = std::vector<T, AlignedAllocator<T>>;

}  // namespace gdfast
