#pragma once
// Machinery shared by the iterative aggregators: parameter validation, cancellation that works
// across worker threads, a small parallel-for, and numeric helpers. Internal to
// chorus_aggregation (not part of the public API in methods.h).

#include "aggregation.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
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

/// Calls fn(annotator, label) for each valid (non-INVALID) label of item i, in storage order.
template <class Fn>
void forEachValidLabelOfItem(const LabelMatrix& m, int32_t item, Fn&& fn)
{
    for (int64_t k = m.itemBegin(item); k < m.itemEnd(item); ++k)
        if (m.itemLabel(k) >= 0)
            fn(m.itemAnnotator(k), m.itemLabel(k));
}

/// Calls fn(item, label) for each valid label annotator a gave, in storage order.
template <class Fn>
void forEachValidLabelOfAnnotator(const LabelMatrix& m, int32_t a, Fn&& fn)
{
    for (int64_t k = m.annotatorBegin(a); k < m.annotatorEnd(a); ++k)
        if (m.annotatorLabel(k) >= 0)
            fn(m.annotatorItem(k), m.annotatorLabel(k));
}

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

/// The outer loop of the iterative methods: up to maxIter passes, each after a poll for
/// cancellation; pass() runs one pass and returns whether the run has converged, which ends it.
/// Sets r.iterations and r.converged (true when maxIter is 0: nothing to iterate); progress is
/// reported as (pass, maxIter) after each pass and as (maxIter, maxIter) at the end.
void iterate(AggregationResult& r, CancelState& cancel, int maxIter, const std::function<bool()>& pass);

/// The outer loop of the EM methods (Dawid-Skene, one-coin, ZenCrowd, GLAD). Each pass: poll
/// for cancellation; objective() runs the method's step(s) and returns the stopping objective
/// (appended to r.logLikelihood); progress is reported as (pass, maxIter); the run has
/// converged when the objective rose by less than tol since the last pass. advance() runs
/// only when another pass follows (GLAD moves its parameters there, after the check). Sets
/// r.iterations and r.converged; reports (maxIter, maxIter) at the end.
void emLoop(AggregationResult& r, CancelState& cancel, int maxIter, double tol, const std::function<double()>& objective,
            const std::function<void()>& advance = {});

/// Sets item i's posterior row t[0, K) from its log-scores s: one-hot on the control label for
/// a control item, else softmax(s, K), which normalises s in place and returns log sum_k
/// exp(s_k) (softmaxInPlace() unless given). Returns the item's log-likelihood term: s[control]
/// or that log sum.
template <class Softmax>
double posteriorFromScores(const AggregationInput& in, int32_t i, double* s, double* t, int32_t K, Softmax&& softmax)
{
    if (isControl(in, i)) {
        const int32_t c = in.controls[i];
        std::fill(t, t + K, 0.0);
        t[c] = 1.0;
        return s[c];
    }
    const double logSum = softmax(s, K);
    std::copy(s, s + K, t);
    return logSum;
}

/// The state every EM run over items starts with (Dawid-Skene, one-coin/ZenCrowd, GLAD): its
/// input and matrix, cancellation, the checked parameters of `method`, the item ranges of the
/// worker threads (the "threads" parameter), the stopping rule ("tol", "max_iter"), which items
/// have evidence, and the number of valid labels (the stopping objectives are per valid label).
class EmRun
{
protected:
    EmRun(const AggregationInput& in, const RunHooks& hooks, const char* method);

    /// emLoop() with this run's cancellation, max_iter and tol.
    void runEm(AggregationResult& r, const std::function<double()>& objective,
               const std::function<void()>& advance = {})
    {
        emLoop(r, m_cancel, m_maxIter, m_tol, objective, advance);
    }

    const AggregationInput& m_in;
    const LabelMatrix& m_m;
    CancelState m_cancel;
    Params m_p;
    int m_threads = 1;
    double m_tol = 0;
    int m_maxIter = 1;
    std::vector<int32_t> m_itemBounds;
    std::vector<char> m_evidence;
    int64_t m_validLabels = 0;
};

/// Sums per-chunk blocks of K values in chunk order: out[k] = sum_c perChunk[c * K + k].
std::vector<double> sumChunks(const std::vector<double>& perChunk, int32_t K);

/// The sums of one E-step of Dawid-Skene and one-coin/ZenCrowd that their stopping objectives
/// use, added up over the chunks of the pass in chunk order.
struct EStepSums
{
    double logLikelihood = 0;      ///< log P(labels) under the parameters used
    double entropy = 0;            ///< sum_i H(T_i)
    std::vector<double> perLabel;  ///< sum_i n_i T_ik, n_i = valid labels of item i

    /// From chunk c's ll[c], ent[c] and perLabel[c * K + k].
    EStepSums(const std::vector<double>& ll, const std::vector<double>& ent, const std::vector<double>& perLabel,
              int32_t K);

    /// The terms of crowd-kit's evidence lower bound other than the labels' likelihoods: the
    /// entropy plus sum_k perLabel_k log pi_k (the prior enters once per label, not per item, so
    /// the bound is not a proper one; it is the reference's rule).
    double entropyAndPriorTerms(const std::vector<double>& logPriors) const;
};

/// The stopping objective of the EM methods with an "objective" parameter, per valid label:
/// crowd-kit's evidence lower bound (objective 0, for parity with the reference) or the
/// marginal log-likelihood of the parameters the E-step used (objective 1).
class StopObjective
{
public:
    StopObjective(const Params& p, int64_t validLabels)
        : m_crowdKit(p.getInt("objective", 0, 1) == 0),
          m_scale(1.0 / static_cast<double>(std::max<int64_t>(1, validLabels)))
    {
    }
    /// The objective of one pass; elbo() is called only when it is the one chosen.
    template <class Elbo>
    double operator()(Elbo&& elbo, double logLikelihood) const
    {
        return (m_crowdKit ? elbo() : logLikelihood) * m_scale;
    }

private:
    bool m_crowdKit;
    double m_scale;
};

/// The largest of s[0, n); when it is not finite (no finite score), s becomes the uniform row
/// 1/n. The first step of softmaxInPlace() and of its variants.
inline double maxOrUniform(double* s, int32_t n)
{
    double mx = -std::numeric_limits<double>::infinity();
    for (int32_t l = 0; l < n; ++l)
        mx = std::max(mx, s[l]);
    if (!std::isfinite(mx))
        for (int32_t l = 0; l < n; ++l)
            s[l] = 1.0 / n;
    return mx;
}

/// Normalises s[0..n) given as log-weights into probabilities in place; returns log(sum exp).
double softmaxInPlace(double* s, int32_t n);

inline double posteriorFromScores(const AggregationInput& in, int32_t i, double* s, double* t, int32_t K)
{
    return posteriorFromScores(in, i, s, t, K, softmaxInPlace);
}

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
