#include "emcommon.h"

#include "methods.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>

namespace chorus::agg::detail {

Params::Params(const std::string& method, const std::map<std::string, double>& given)
    : m_method(method)
{
    std::string accepted;
    for (const MethodParam& p : methodParams(method)) {
        m_values[p.name] = p.defaultValue;
        accepted += (accepted.empty() ? "" : ", ") + p.name;
    }
    for (const auto& [key, value] : given) {
        auto it = m_values.find(key);
        if (it == m_values.end())
            throw std::invalid_argument(method + ": unknown parameter '" + key + "' (accepted: "
                                        + (accepted.empty() ? "none" : accepted) + ")");
        it->second = value;
    }
}

double Params::get(const std::string& key, double lo, double hi) const
{
    const double v = m_values.at(key);
    if (!std::isfinite(v) || v < lo || v > hi)
        throw std::invalid_argument(m_method + ": parameter '" + key + "' = " + std::to_string(v)
                                    + " is outside [" + std::to_string(lo) + ", "
                                    + std::to_string(hi) + "]");
    return v;
}

int Params::getInt(const std::string& key, int lo, int hi) const
{
    const double v = get(key, lo, hi);
    if (v != std::floor(v))
        throw std::invalid_argument(m_method + ": parameter '" + key + "' must be an integer");
    return static_cast<int>(v);
}

int Params::threads() const
{
    const int t = getInt("threads", 0, 64);
    if (t > 0)
        return t;
    const unsigned hw = std::thread::hardware_concurrency();
    return static_cast<int>(std::clamp(hw, 1u, 2u));
}

void checkInput(const AggregationInput& in, const std::string& method)
{
    if (!in.matrix)
        throw std::invalid_argument(method + ": no label matrix given");
    const LabelMatrix& m = *in.matrix;
    if (!in.weights.empty() && static_cast<int64_t>(in.weights.size()) != m.numAnnotators())
        throw std::invalid_argument(method + ": weights has " + std::to_string(in.weights.size())
                                    + " entries for " + std::to_string(m.numAnnotators())
                                    + " annotators");
    if (!in.controls.empty()) {
        if (static_cast<int64_t>(in.controls.size()) != m.numItems())
            throw std::invalid_argument(method + ": controls has " + std::to_string(in.controls.size())
                                        + " entries for " + std::to_string(m.numItems()) + " items");
        for (size_t i = 0; i < in.controls.size(); ++i)
            if (in.controls[i] < -1 || in.controls[i] >= m.numLabels())
                throw std::invalid_argument(method + ": control label of item " + std::to_string(i)
                                            + " is out of range");
    }
}

EmRun::EmRun(const AggregationInput& in, const RunHooks& hooks, const char* method)
    : m_in(in), m_m(*in.matrix), m_cancel(hooks), m_p(method, in.params)
{
    m_threads = m_p.threads();
    m_tol = m_p.get("tol", 0, 1e6);
    m_maxIter = m_p.getInt("max_iter", 1, 1000000);
    m_itemBounds = splitByWork(m_m.itemOffsets(), m_threads);
    m_evidence = evidenceMask(in);
    for (int32_t l : m_m.itemLabels())
        m_validLabels += l >= 0;
}

std::vector<int32_t> splitByWork(const std::vector<int64_t>& offsets, int parts)
{
    const int32_t n = static_cast<int32_t>(offsets.size()) - 1;
    parts = std::max(1, parts);
    std::vector<int32_t> bounds{0};
    const double total = static_cast<double>(offsets[n] - offsets[0]) + n;
    int32_t i = 0;
    for (int p = 1; p < parts; ++p) {
        const double target = total * p / parts;
        while (i < n && static_cast<double>(offsets[i] - offsets[0]) + i < target)
            ++i;
        bounds.push_back(std::max(i, bounds.back()));
    }
    bounds.push_back(n);
    return bounds;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
namespace {
__attribute__((target("avx"))) void vzeroupper()
{
    __builtin_ia32_vzeroupper();
}
} // namespace

void clearUpperVectorState()
{
    static const bool avx = __builtin_cpu_supports("avx");
    if (avx)
        vzeroupper();
}
#else
void clearUpperVectorState() {}
#endif

void parallelRanges(const std::vector<int32_t>& bounds,
                    const std::function<void(int32_t, int32_t, int)>& fn)
{
    const int chunks = static_cast<int>(bounds.size()) - 1;
    std::vector<std::jthread> workers;
    for (int c = 1; c < chunks; ++c)
        workers.emplace_back([&, c] {
            clearUpperVectorState();
            fn(bounds[c], bounds[c + 1], c);
        });
    if (chunks > 0) {
        clearUpperVectorState();
        fn(bounds[0], bounds[1], 0);
    }
    // jthread joins on destruction.
}

void parallelTasks(int tasks, int threads, const std::function<void(int, int)>& fn,
                   const std::function<void()>& idle)
{
    std::atomic<int> next{0};
    auto loop = [&](int worker) {
        for (int t = next.fetch_add(1); t < tasks; t = next.fetch_add(1)) {
            clearUpperVectorState();
            fn(t, worker);
        }
    };
    const int extra = std::max(0, std::min(threads, tasks) - 1);
    std::mutex mutex;
    std::condition_variable finished;
    int running = extra;
    std::vector<std::jthread> workers;
    for (int w = 1; w <= extra; ++w)
        workers.emplace_back([&, w] {
            loop(w);
            std::lock_guard lock(mutex);
            --running;
            finished.notify_all();
        });
    loop(0);
    std::unique_lock lock(mutex);
    while (running > 0) {
        if (!finished.wait_for(lock, std::chrono::milliseconds(10), [&] { return running == 0; })
            && idle) {
            lock.unlock();
            idle();
            lock.lock();
        }
    }
}

std::vector<double> majorityVoteStart(const AggregationInput& in, const std::function<bool()>& isCanceled)
{
    AggregationInput mvIn = in;
    mvIn.params.clear();
    mvIn.weights.clear();
    return majorityVote(mvIn, RunHooks{isCanceled, {}}).posterior;
}

std::vector<double> sumChunks(const std::vector<double>& perChunk, int32_t K)
{
    std::vector<double> out(K, 0.0);
    for (size_t c = 0; c * K < perChunk.size(); ++c)
        for (int32_t k = 0; k < K; ++k)
            out[k] += perChunk[c * K + k];
    return out;
}

EStepSums::EStepSums(const std::vector<double>& ll, const std::vector<double>& ent, const std::vector<double>& perLabel,
                     int32_t K)
    : perLabel(sumChunks(perLabel, K))
{
    for (double x : ll)
        logLikelihood += x;
    for (double x : ent)
        entropy += x;
}

double EStepSums::entropyAndPriorTerms(const std::vector<double>& logPriors) const
{
    double value = entropy;
    for (size_t k = 0; k < perLabel.size(); ++k)
        if (perLabel[k] > 0)
            value += perLabel[k] * logPriors[k];
    return value;
}

void iterate(AggregationResult& r, CancelState& cancel, int maxIter, const std::function<bool()>& pass)
{
    r.converged = maxIter <= 0;
    for (int it = 1; it <= maxIter; ++it) {
        cancel.check();
        const bool converged = pass();
        r.iterations = it;
        cancel.hooks().report(it, maxIter);
        if (converged) {
            r.converged = true;
            break;
        }
    }
    cancel.hooks().report(maxIter, maxIter);
}

void emLoop(AggregationResult& r, CancelState& cancel, int maxIter, double tol, const std::function<double()>& objective,
            const std::function<void()>& advance)
{
    double prev = -std::numeric_limits<double>::infinity();
    iterate(r, cancel, maxIter, [&] {
        const double obj = objective();
        r.logLikelihood.push_back(obj);
        if (obj - prev < tol)
            return true;
        prev = obj;
        if (advance)
            advance();
        return false;
    });
}

std::vector<char> evidenceMask(const AggregationInput& in)
{
    const LabelMatrix& m = *in.matrix;
    std::vector<char> has(m.numItems(), 0);
    for (int32_t i = 0; i < m.numItems(); ++i) {
        if (isControl(in, i)) {
            has[i] = 1;
            continue;
        }
        for (int64_t k = m.itemBegin(i); k < m.itemEnd(i); ++k)
            if (m.itemLabel(k) >= 0) {
                has[i] = 1;
                break;
            }
    }
    return has;
}

void labelsFromPosterior(AggregationResult& r, const std::vector<char>& hasEvidence)
{
    const int32_t L = r.numLabels;
    const int32_t n = static_cast<int32_t>(hasEvidence.size());
    r.labels.assign(n, -1);
    r.tiedItems = 0;
    for (int32_t i = 0; i < n; ++i) {
        double* p = r.posterior.data() + static_cast<size_t>(i) * L;
        if (!hasEvidence[i]) {
            std::fill(p, p + L, L > 0 ? 1.0 / L : 0.0);
            continue;
        }
        int32_t best = 0;
        for (int32_t l = 1; l < L; ++l)
            if (p[l] > p[best])
                best = l;
        r.labels[i] = best;
        for (int32_t l = 0; l < L; ++l)
            if (l != best && p[best] - p[l] <= 1e-9) {
                ++r.tiedItems;
                break;
            }
    }
}

double softmaxInPlace(double* s, int32_t n)
{
    const double mx = maxOrUniform(s, n);
    if (!std::isfinite(mx))
        return mx;
    // exp(x) for x below log(DBL_MIN) ~ -708.4 is subnormal or 0, and glibc takes a slow path
    // for it (about 15x slower: most of ds's E-step on a confident crowd, issue #17). Such a term
    // is under 2.3e-308 beside the row's largest term, exp(0) = 1, so it is set to 0.
    constexpr double kUnderflow = -708.0;
    double sum = 0;
    for (int32_t l = 0; l < n; ++l) {
        const double x = s[l] - mx;
        s[l] = x < kUnderflow ? 0.0 : std::exp(x);
        sum += s[l];
    }
    const double inv = 1.0 / sum;
    for (int32_t l = 0; l < n; ++l)
        s[l] *= inv;
    return mx + std::log(sum);
}

double digamma(double x)
{
    // psi(x) = psi(x+1) - 1/x, then the asymptotic expansion
    // psi(x) ~ ln x - 1/(2x) - 1/(12x^2) + 1/(120x^4) - 1/(252x^6) + 1/(240x^8) (Abramowitz &
    // Stegun 6.3.18), accurate to ~1e-12 for x >= 6.
    double result = 0;
    while (x < 6) {
        result -= 1 / x;
        x += 1;
    }
    const double inv = 1 / x;
    const double inv2 = inv * inv;
    result += std::log(x) - 0.5 * inv
              - inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (1.0 / 240))));
    return result;
}

uint64_t mixSeed(uint64_t seed, uint64_t stream)
{
    uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (stream + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

} // namespace chorus::agg::detail
