#include "statistics.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace chorus::agg {

Coefficient chanceCorrected(double observedDisagreement, double expectedDisagreement)
{
    if (std::isnan(observedDisagreement) || std::isnan(expectedDisagreement))
        return Coefficient::undefined("no pairable data");
    if (expectedDisagreement <= 0)
        return Coefficient::noVariation(
            "only one category occurs: agreement is perfect but chance agreement is 1 too, so "
            "the formula is 0/0; reported as 1");
    return Coefficient::ok(1.0 - observedDisagreement / expectedDisagreement);
}

double quantile(std::vector<double> values, double q)
{
    const auto isNaN = [](double v) { return std::isnan(v); };
    values.erase(std::remove_if(values.begin(), values.end(), isNaN), values.end());
    if (values.empty())
        return std::numeric_limits<double>::quiet_NaN();
    std::sort(values.begin(), values.end());
    const double h = (static_cast<double>(values.size()) - 1) * std::clamp(q, 0.0, 1.0);
    const size_t lo = static_cast<size_t>(std::floor(h));
    const size_t hi = std::min(lo + 1, values.size() - 1);
    return values[lo] + (h - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

Interval percentileInterval(const std::vector<double>& replicates, double level)
{
    if (!(level > 0 && level < 1))
        throw std::invalid_argument("bootstrap: level must be in (0, 1)");
    Interval iv;
    iv.lo = quantile(replicates, (1 - level) / 2);
    iv.hi = quantile(replicates, (1 + level) / 2);
    return iv;
}

uint64_t replicateSeed(uint64_t seed, uint64_t replicate)
{
    // splitmix64 (Steele, Lea & Flood 2014) decorrelates neighbouring replicate numbers.
    uint64_t z = seed + (replicate + 1) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void resampleTypeCounts(const std::vector<int32_t>& unitType, std::mt19937_64& rng,
                        std::vector<int64_t>& counts)
{
    std::fill(counts.begin(), counts.end(), 0);
    const uint32_t n = static_cast<uint32_t>(unitType.size());
    for (uint32_t k = 0; k < n; ++k)
        ++counts[unitType[uniformIndex(rng, n)]];
}

int bootstrapThreads(int requested, int replicates)
{
    int t = requested > 0 ? requested : static_cast<int>(std::thread::hardware_concurrency());
    return std::clamp(t, 1, std::max(1, replicates));
}

void runReplicates(int replicates, int threads, uint64_t seed, const RunHooks& hooks,
                   const ReplicateFn& fn)
{
    runReplicateTasks(replicates, threads, hooks, [&](int b, int worker) {
        std::mt19937_64 rng(replicateSeed(seed, static_cast<uint64_t>(b)));
        fn(b, rng, worker);
    });
}

void runReplicateTasks(int replicates, int threads, const RunHooks& hooks,
                       const std::function<void(int replicate, int worker)>& fn)
{
    if (replicates < 1)
        throw std::invalid_argument("bootstrap: replicates must be >= 1");
    const int nThreads = bootstrapThreads(threads, replicates);
    // A cancel requested before (or while) the work runs must win even when the other threads
    // finish every replicate before the caller's thread polls: check first and last too.
    if (hooks.canceled())
        throw Canceled{};

    std::atomic<int> next{0};
    std::atomic<int> done{0};
    std::atomic<bool> stop{false};
    std::mutex mutex;
    std::condition_variable finished;
    int workersFinished = 0;
    std::exception_ptr error;

    // Runs one replicate; false when there is nothing left or the run was stopped.
    auto step = [&](int worker) {
        if (stop.load(std::memory_order_relaxed))
            return false;
        const int b = next.fetch_add(1);
        if (b >= replicates)
            return false;
        try {
            fn(b, worker);
        } catch (...) {
            std::lock_guard lock(mutex);
            if (!error)
                error = std::current_exception();
            stop = true;
            return false;
        }
        done.fetch_add(1);
        return true;
    };

    std::vector<std::thread> pool;
    pool.reserve(static_cast<size_t>(nThreads - 1));
    for (int w = 1; w < nThreads; ++w) {
        pool.emplace_back([&, w] {
            while (step(w)) {
            }
            std::lock_guard lock(mutex);
            ++workersFinished;
            finished.notify_all();
        });
    }

    bool canceled = false;
    int reported = -1;
    auto poll = [&] {
        if (hooks.canceled()) {
            canceled = true;
            stop = true;
            return;
        }
        const int d = done.load();
        if (d != reported) {
            hooks.report(d, replicates);
            reported = d;
        }
    };
    while (!canceled && step(0))
        poll();
    // Wait for the other workers, still answering cancel requests.
    {
        std::unique_lock lock(mutex);
        while (workersFinished < nThreads - 1) {
            finished.wait_for(lock, std::chrono::milliseconds(10));
            if (!canceled) {
                lock.unlock();
                poll();
                lock.lock();
            }
        }
    }
    for (auto& t : pool)
        t.join();
    if (error)
        std::rethrow_exception(error);
    if (canceled || hooks.canceled())
        throw Canceled{};
    if (reported != replicates)
        hooks.report(replicates, replicates);
}

} // namespace chorus::agg
