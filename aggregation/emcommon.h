#pragma once
// Machinery shared by the iterative aggregators: parameter validation, cancellation that works
// across worker threads, a small parallel-for, and numeric helpers. Internal to
// chorus_aggregation (not part of the public API in methods.h).

#include "aggregation.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace chorus::agg::detail {

/// The numeric parameters of one run of one method, checked against the method's table in
/// the registry (methodParams()). Construction throws std::invalid_argument naming the method
/// and the key when a key is unknown.
class Params
{
public:
    Params(const std::string& method, const std::map<std::string, double>& given);

    /// Value of key (given or default). Throws std::invalid_argument if the value is not finite
    /// or outside [lo, hi].
    double get(const std::string& key, double lo, double hi) const;
    /// Integer value of key in [lo, hi]; a non-integral value is an error.
    int getInt(const std::string& key, int lo, int hi) const;
    /// Worker threads to use: the "threads" parameter, 0 = min(2, hardware threads).
    int threads() const;

private:
    std::string m_method;
    std::map<std::string, double> m_values;
};

/// Throws std::invalid_argument when in.matrix is null, when in.controls has a size other than
/// 0 or numItems, or a control label outside [-1, numLabels), or when in.weights has a size
/// other than 0 or numAnnotators.
void checkInput(const AggregationInput& in, const std::string& method);

inline bool isControl(const AggregationInput& in, int32_t item)
{
    return !in.controls.empty() && in.controls[item] >= 0;
}

/// Cancellation state shared by the threads of one run. Only the calling thread (chunk 0 of
/// parallelFor) calls RunHooks::isCanceled(), which need not be thread-safe; the other threads
/// read the flag it sets.
class CancelState
{
public:
    explicit CancelState(const RunHooks& hooks) : m_hooks(hooks) {}

    /// Polls the hooks when onCaller is true; returns whether the run was canceled.
    bool poll(bool onCaller)
    {
        if (onCaller && !m_flag.load(std::memory_order_relaxed) && m_hooks.canceled())
            m_flag.store(true, std::memory_order_relaxed);
        return m_flag.load(std::memory_order_relaxed);
    }
    /// Polls on the calling thread and throws Canceled if the run was canceled.
    void check()
    {
        if (poll(true))
            throw Canceled{};
    }
    bool canceled() const { return m_flag.load(std::memory_order_relaxed); }
    const RunHooks& hooks() const { return m_hooks; }

private:
    const RunHooks& m_hooks;
    std::atomic<bool> m_flag{false};
};

/// Annotations between two cancellation polls inside long loops.
inline constexpr int64_t kPollEvery = 1 << 16;

/// Splits [0, offsets.size()-1) into `parts` contiguous ranges with about equal work, where the
/// work of index i is offsets[i+1]-offsets[i] (+1 so that empty rows count too). Returns
/// parts+1 boundaries.
std::vector<int32_t> splitByWork(const std::vector<int64_t>& offsets, int parts);

/// Executes VZEROUPPER on x86-64 CPUs with AVX (nothing elsewhere). Something else in the
/// process leaves the upper halves of the vector registers in use ("dirty"), and then every
/// legacy-SSE instruction, such as those of glibc's exp() wrapper, pays a state-transition
/// penalty: GLAD's exp/log1p loop ran 8x slower on the issue #17 machine (an Intel Xeon VM)
/// until its passes started with this. parallelRanges() and parallelTasks() call it at the
/// start of every chunk and task, on every thread.
void clearUpperVectorState();

/// Runs fn(begin, end, chunk) for each range [bounds[c], bounds[c+1]). Chunk 0 runs on the
/// calling thread, the others on std::threads joined before returning. fn must not throw.
void parallelRanges(const std::vector<int32_t>& bounds,
                    const std::function<void(int32_t, int32_t, int)>& fn);

/// Runs fn(task, worker) for task in [0, tasks) on `threads` threads pulling tasks in order.
/// Worker 0 is the calling thread. Once it runs out of tasks, the calling thread calls idle()
/// (if given) about every 10 ms until the other workers finish, so that it can keep polling for
/// cancellation. fn must not throw.
void parallelTasks(int tasks, int threads, const std::function<void(int, int)>& fn,
                   const std::function<void()>& idle = {});

/// Turns the posterior in r into labels: the first label with the largest probability (label
/// order breaks exact ties); items whose two largest probabilities are within 1e-9 are counted
/// in r.tiedItems. Items with hasEvidence[i] == 0 get label -1 and a uniform row.
void labelsFromPosterior(AggregationResult& r, const std::vector<char>& hasEvidence);

/// Per item: 1 when it has at least one valid label or is a control item.
std::vector<char> evidenceMask(const AggregationInput& in);

/// The majority-vote posterior of in's labels (parameters and weights ignored): the starting
/// point of the EM methods. Polls isCanceled only.
std::vector<double> majorityVoteStart(const AggregationInput& in, const std::function<bool()>& isCanceled);

/// The outer loop of the EM methods (Dawid-Skene, one-coin, ZenCrowd, GLAD). Each pass: poll
/// for cancellation; objective() runs the method's step(s) and returns the stopping objective
/// (appended to r.logLikelihood); progress is reported as (pass, maxIter); the run has
/// converged when the objective rose by less than tol since the last pass. advance() runs
/// only when another pass follows (GLAD moves its parameters there, after the check). Sets
/// r.iterations and r.converged; reports (maxIter, maxIter) at the end.
void emLoop(AggregationResult& r, CancelState& cancel, int maxIter, double tol, const std::function<double()>& objective,
            const std::function<void()>& advance = {});

/// Normalises s[0..n) given as log-weights into probabilities in place; returns log(sum exp).
double softmaxInPlace(double* s, int32_t n);

/// Digamma function psi(x) for x > 0 (recurrence to x >= 6, then the asymptotic series).
double digamma(double x);

/// Deterministic 64-bit mixing (splitmix64), used to derive per-restart seeds.
uint64_t mixSeed(uint64_t seed, uint64_t stream);

/// Uniform double in [0, 1) from 53 random bits of a 64-bit word.
inline double unitFromBits(uint64_t bits)
{
    return static_cast<double>(bits >> 11) * (1.0 / 9007199254740992.0);
}

} // namespace chorus::agg::detail
