#pragma once
// Building blocks shared by the agreement, evaluation and divergence statistics: a coefficient
// that may be undefined, percentile intervals, and a seeded, multi-threaded bootstrap runner.

#include "aggregation.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace chorus::agg {

/// How a coefficient was obtained.
enum class CoefficientStatus {
    Ok,           ///< computed by the formula
    NoVariation,  ///< formula is 0/0 because only one category occurs; reported as 1 (see note)
    Undefined,    ///< no value (e.g. no shared items); `value` is NaN, serialise as null
};

/// A statistic that can be undefined. `note` says why it is undefined or which convention
/// produced the value; it is empty when status == Ok.
struct Coefficient
{
    double value = std::numeric_limits<double>::quiet_NaN();
    CoefficientStatus status = CoefficientStatus::Undefined;
    std::string note;

    bool isNull() const { return status == CoefficientStatus::Undefined; }

    static Coefficient ok(double v) { return {v, CoefficientStatus::Ok, {}}; }
    static Coefficient undefined(std::string why)
    {
        return {std::numeric_limits<double>::quiet_NaN(), CoefficientStatus::Undefined,
                std::move(why)};
    }
    static Coefficient noVariation(std::string why)
    {
        return {1.0, CoefficientStatus::NoVariation, std::move(why)};
    }
};

/// Chance-corrected coefficient 1 - observed/expected (both disagreements, >= 0) with the
/// library-wide convention for expected == 0: only one category occurs, so observed == 0 too and
/// the formula is 0/0; the result is 1 with status NoVariation (as nltk's alpha returns 1 when
/// one value occurs). A NaN input gives Undefined.
Coefficient chanceCorrected(double observedDisagreement, double expectedDisagreement);

/// A two-sided percentile interval. Undefined (NaN bounds) when no replicate had a value.
struct Interval
{
    double lo = std::numeric_limits<double>::quiet_NaN();
    double hi = std::numeric_limits<double>::quiet_NaN();
    bool defined() const { return lo == lo && hi == hi; }
};

/// Options of every bootstrap in this library.
struct BootstrapOptions
{
    int replicates = 1000;  ///< B, number of resamples (>= 1)
    double level = 0.95;    ///< confidence level of the percentile interval, in (0, 1)
    uint64_t seed = 0;      ///< same seed -> same result, on any platform and thread count
    int threads = 0;        ///< worker threads including the caller; 0 = hardware concurrency
};

/// Linear-interpolation quantile (Hyndman & Fan type 7, numpy's default) of `values`, q in
/// [0, 1]. NaNs are ignored; NaN when nothing is left. Sorts a copy.
double quantile(std::vector<double> values, double q);

/// Percentile interval [quantile((1-level)/2), quantile((1+level)/2)] of bootstrap replicates.
Interval percentileInterval(const std::vector<double>& replicates, double level);

/// Seed of replicate b's generator: splitmix64 of seed + (b + 1) * 0x9E3779B97F4A7C15. Every
/// replicate has its own std::mt19937_64, so results do not depend on scheduling.
uint64_t replicateSeed(uint64_t seed, uint64_t replicate);

/// Uniform integer in [0, n), n in [1, 2^32), without modulo bias (Lemire 2019, 32-bit variant
/// on the top half of a 64-bit draw). std::uniform_int_distribution is avoided on purpose: its
/// algorithm differs between standard libraries, which would make seeded results unportable.
/// Inline: bootstraps call it hundreds of millions of times.
inline uint32_t uniformIndex(std::mt19937_64& rng, uint32_t n)
{
    uint64_t m = (rng() >> 32) * static_cast<uint64_t>(n);
    uint32_t low = static_cast<uint32_t>(m);
    if (low < n) {
        const uint32_t threshold = static_cast<uint32_t>(-n) % n;
        while (low < threshold) {
            m = (rng() >> 32) * static_cast<uint64_t>(n);
            low = static_cast<uint32_t>(m);
        }
    }
    return static_cast<uint32_t>(m >> 32);
}

/// Uniform indices in [0, n), n in [1, 2^32), two per generator output: the 32-bit halves of
/// each 64-bit draw, high half first, each mapped as in uniformIndex() (Lemire 2019, with its
/// rejection step, so without modulo bias). Half the generator calls of uniformIndex() for
/// bootstraps that draw hundreds of millions of indices.
class IndexSampler
{
public:
    IndexSampler(std::mt19937_64& rng, uint32_t n) : m_rng(rng), m_n(n), m_threshold(static_cast<uint32_t>(-n) % n) {}

    uint32_t operator()()
    {
        uint64_t m = static_cast<uint64_t>(next32()) * m_n;
        uint32_t low = static_cast<uint32_t>(m);
        if (low < m_n) {
            while (low < m_threshold) {
                m = static_cast<uint64_t>(next32()) * m_n;
                low = static_cast<uint32_t>(m);
            }
        }
        return static_cast<uint32_t>(m >> 32);
    }

private:
    uint32_t next32()
    {
        if (m_haveLow) {
            m_haveLow = false;
            return static_cast<uint32_t>(m_bits);
        }
        m_bits = m_rng();
        m_haveLow = true;
        return static_cast<uint32_t>(m_bits >> 32);
    }

    std::mt19937_64& m_rng;
    uint32_t m_n;
    uint32_t m_threshold;
    uint64_t m_bits = 0;
    bool m_haveLow = false;
};

/// Resamples units with replacement: draws unitType.size() units uniformly and adds 1 to
/// counts[unitType[u]] for each draw u. counts must be pre-sized (it is zeroed first).
/// Grouping identical units into types makes a replicate cost O(units + types).
void resampleTypeCounts(const std::vector<int32_t>& unitType, std::mt19937_64& rng,
                        std::vector<int64_t>& counts);

/// Number of threads runReplicates() will use for `requested` (0 = hardware concurrency),
/// clamped to [1, replicates].
int bootstrapThreads(int requested, int replicates);

/// Work for one replicate: fill slot `replicate` of the caller's output arrays from `rng`.
/// `worker` in [0, bootstrapThreads()) indexes per-thread scratch space. Called concurrently
/// from several threads, each with a distinct replicate.
using ReplicateFn = std::function<void(int replicate, std::mt19937_64& rng, int worker)>;

/// Runs fn for replicates 0..B-1 on bootstrapThreads(threads, B) threads (the calling thread is
/// one of them). Only the calling thread touches hooks: it polls isCanceled() between its own
/// replicates and while waiting (every 10 ms), and reports progress(done, B). On cancel the
/// workers stop after their current replicate and Canceled is thrown. isCanceled() is also
/// polled once before any replicate starts and once after the last one finished: a cancel
/// requested at any moment before runReplicates returns throws Canceled, even when the other
/// threads happened to finish every replicate first (a caller that asked to cancel never gets
/// a result). An exception from fn is rethrown on the calling thread after all workers stopped.
void runReplicates(int replicates, int threads, uint64_t seed, const RunHooks& hooks,
                   const ReplicateFn& fn);

/// runReplicates() without the per-replicate std::mt19937_64 (whose seeding and first block of
/// 312 outputs cost about 2 us: more than a replicate that needs a few dozen random numbers):
/// fn(replicate, worker) makes its own generator. Same threads, hooks, cancel and errors.
void runReplicateTasks(int replicates, int threads, const RunHooks& hooks,
                       const std::function<void(int replicate, int worker)>& fn);

} // namespace chorus::agg
