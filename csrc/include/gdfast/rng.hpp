// gdfast L0: a small, portable, seedable random generator and row orders.
// The same seed gives the same order on every platform and compiler (no <random>
// distributions, whose outputs are implementation-defined).
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "config.hpp"

GDFAST_BEGIN_NAMESPACE

/// xoshiro256** seeded by splitmix64.
class Rng {
public:
    explicit Rng(std::uint64_t seed) noexcept {
        for (auto& s : s_) s = splitmix(seed);
    }
    std::uint64_t next() noexcept {
        const std::uint64_t result = rotl(s_[1] * 5u, 7) * 9u;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }
    /// Uniform integer in [0, bound), bound >= 1 (multiply-shift on 32-bit halves;
    /// the bias is below 2^-32 for bounds up to 2^32, irrelevant for shuffling).
    std::uint64_t below(std::uint64_t bound) noexcept {
        if (bound <= 0xFFFFFFFFull) {
            return ((next() >> 32) * bound) >> 32;
        }
        return next() % bound;
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) noexcept {
        return (x << k) | (x >> (64 - k));
    }
    static std::uint64_t splitmix(std::uint64_t& x) noexcept {
        std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    std::uint64_t s_[4];
};

/// Fills `order` (resized to n) with a visiting order of rows.
/// block <= 1: a uniform random permutation (Fisher-Yates).
/// block > 1: blocks of `block` consecutive rows in random order; each run of
/// kShuffleGroup consecutive blocks of that order is then visited in rounds: round r takes
/// row r of each of these blocks, the blocks in a fresh random order each round. So
/// neighbouring visits come from kShuffleGroup places spread over X, every row is still
/// visited once per epoch, and the rows in use stay within a few hundred KiB (few TLB and
/// DRAM page misses). Each block is read in ascending order, which the hardware
/// prefetchers follow (a random order within the group left them idle: single-thread
/// epochs on W1 were 15-20 % slower).
inline constexpr std::int64_t kShuffleGroup = 16;

/// (shuffle_order, continued) parts > 1, for mini-batches of whole groups: the blocks of
/// each group are visited in `parts` consecutive parts, each part in rounds of its own. A
/// batch holding whole groups holds the same rows either way (its summed gradient does
/// not depend on the order within it), but each part is read as fewer, longer streams,
/// and with 2 threads each thread's half of a batch is whole blocks (see minibatch.hpp).
template <class Index>
void shuffle_order(std::vector<Index>& order, std::int64_t n, std::int64_t block, Rng& rng,
                   std::vector<std::int64_t>& block_ids, std::int64_t parts = 1) {
    order.resize(static_cast<std::size_t>(n));
    auto fisher_yates = [&rng](auto* a, std::int64_t len) {
        for (std::int64_t i = len - 1; i > 0; --i) {
            const auto j =
                static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(i) + 1));
            std::swap(a[i], a[j]);
        }
    };
    if (block <= 1) {
        for (std::int64_t i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = static_cast<Index>(i);
        fisher_yates(order.data(), n);
        return;
    }
    // (written without n + block - 1, which overflows for block near INT64_MAX)
    const std::int64_t n_blocks = n / block + (n % block != 0 ? 1 : 0);
    block_ids.resize(static_cast<std::size_t>(n_blocks));
    for (std::int64_t k = 0; k < n_blocks; ++k) block_ids[static_cast<std::size_t>(k)] = k;
    fisher_yates(block_ids.data(), n_blocks);
    std::int64_t pos = 0;
    std::int64_t starts[kShuffleGroup];
    for (std::int64_t g0 = 0; g0 < n_blocks; g0 += kShuffleGroup) {
        const std::int64_t m = std::min(kShuffleGroup, n_blocks - g0);
        std::int64_t rounds = 0;
        for (std::int64_t k = 0; k < m; ++k) {
            starts[k] = block_ids[static_cast<std::size_t>(g0 + k)] * block;
            rounds = std::max(rounds, std::min(block, n - starts[k]));
        }
        const std::int64_t np = std::clamp<std::int64_t>(parts, 1, m);
        for (std::int64_t h = 0; h < np; ++h) {
            const std::int64_t ka = m * h / np, kb = m * (h + 1) / np;
            for (std::int64_t r = 0; r < rounds; ++r) {
                fisher_yates(starts + ka, kb - ka);
                for (std::int64_t k = ka; k < kb; ++k)
                    if (r < n - starts[k]) order[static_cast<std::size_t>(pos++)] = static_cast<Index>(starts[k] + r);
            }
        }
    }
}

GDFAST_END_NAMESPACE
