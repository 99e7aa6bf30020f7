// Crowd design, part 2: the search over crowds and methods, the Pareto front, the
// recommendation and the crowd-size curves (docs/crowd.md).

#include "crowd.h"

#include "methods.h"
#include "sampling.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <cmath>
#include <set>
#include <stdexcept>
#include <unordered_map>

namespace chorus::agg {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double orMinusInf(double v)
{
    return std::isnan(v) ? -std::numeric_limits<double>::infinity() : v;
}

class Searcher
{
public:
    Searcher(const LabelMatrix& m, const std::vector<int32_t>& gold, const CrowdOptions& o, const RunHooks& hooks,
             CrowdDesign& d)
        : m_m(m), m_gold(gold), m_o(o), m_hooks(hooks), m_d(d)
    {
        m_costs = o.costs.empty() ? std::vector<double>(static_cast<size_t>(m.numAnnotators()), 1.0) : o.costs;
        m_runHooks.isCanceled = hooks.isCanceled;
        m_threads = o.threads > 0 ? o.threads : static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 2u));
        std::set<std::string> used;
        for (const std::string& method : o.methods) {
            std::map<std::string, double> params;
            for (const MethodParam& p : methodParams(method))  // throws on an unknown method
                if (const auto it = o.params.find(p.name); it != o.params.end())
                    params.insert(*it);
                else if (p.name == "threads")
                    params["threads"] = 1;  // the crowds run in parallel instead
            if (const auto ties = o.params.find("ties"); ties != o.params.end())
                params.insert(*ties);  // aggregate() takes it for every method
            for (const auto& [key, value] : params)
                used.insert(key);
            m_params.push_back(std::move(params));
        }
        for (const auto& [key, value] : o.params)
            if (used.count(key) == 0)
                throw std::invalid_argument("no searched method takes the parameter " + key);
    }

    void setTotal(int64_t total) { m_total = total; }
    const RunHooks& cancelOnly() const { return m_runHooks; }

    /// Runs `method` on the sub-matrix of `members`; thread-safe (hooks: cancel only).
    AggregationResult run(int32_t method, const std::vector<int32_t>& members, const RunHooks& hooks) const
    {
        const LabelMatrix sub = subMatrix(m_m, members);
        AggregationInput in;
        in.matrix = &sub;
        in.params = m_params[static_cast<size_t>(method)];
        in.seed = m_o.seed;
        return aggregate(m_o.methods[static_cast<size_t>(method)], in, hooks);
    }

    void setReference(std::vector<double> posterior) { m_reference = std::move(posterior); }

    double estimate(const std::vector<int32_t>& labels) const
    {
        if (m_reference.empty() || labels.empty())
            return kNaN;
        const int32_t L = m_m.numLabels();
        double sum = 0;
        for (size_t i = 0; i < labels.size(); ++i)
            if (labels[i] >= 0 && labels[i] < L)
                sum += m_reference[i * static_cast<size_t>(L) + static_cast<size_t>(labels[i])];
        return sum / static_cast<double>(labels.size());
    }

    CrowdCandidate scored(int32_t method, std::vector<int32_t> members, const std::vector<int32_t>& labels) const
    {
        CrowdCandidate c;
        c.method = method;
        for (int32_t a : members)
            c.cost += m_costs[static_cast<size_t>(a)];
        c.members = std::move(members);
        c.selection = scoreSlice(labels, m_gold, m_d.split.selection, m_m.numLabels(), m_o.evaluation);
        c.holdout = scoreSlice(labels, m_gold, m_d.split.holdout, m_m.numLabels(), m_o.evaluation);
        c.estimatedAccuracy = estimate(labels);
        return c;
    }

    int32_t add(int32_t method, const std::vector<int32_t>& members, const AggregationResult& r)
    {
        m_d.candidates.push_back(scored(method, members, r.labels));
        const auto index = static_cast<int32_t>(m_d.candidates.size() - 1);
        m_cache[key(method, members)] = index;
        return index;
    }

    /// The candidates of (method, crowd) for each crowd, run when not seen before (in parallel
    /// on m_threads threads, added in the order given); -1 where the method refused the crowd.
    std::vector<int32_t> evaluate(int32_t method, const std::vector<std::vector<int32_t>>& crowds)
    {
        std::vector<size_t> todo;  // first occurrence of each crowd not in the cache
        std::unordered_map<std::string, size_t> firstAt;
        for (size_t k = 0; k < crowds.size(); ++k) {
            const std::string ck = key(method, crowds[k]);
            if (m_cache.count(ck) == 0 && firstAt.emplace(ck, k).second)
                todo.push_back(k);
        }
        struct Outcome
        {
            bool failed = false;
            CrowdCandidate candidate;
        };
        std::vector<Outcome> outcomes(todo.size());
        std::atomic<size_t> next{0};
        std::atomic<bool> stop{false};
        std::exception_ptr error;
        std::mutex errorMutex;
        RunHooks workerHooks;
        workerHooks.isCanceled = [&stop] { return stop.load(std::memory_order_relaxed); };
        auto work = [&](bool caller) {
            for (size_t t; !stop.load(std::memory_order_relaxed) && (t = next.fetch_add(1)) < todo.size();) {
                if (caller) {
                    if (m_hooks.canceled()) {
                        stop = true;
                        break;
                    }
                    m_hooks.report(static_cast<int>(std::min(m_done + static_cast<int64_t>(t), m_total)),
                                   static_cast<int>(m_total));
                }
                try {
                    const std::vector<int32_t>& crowd = crowds[todo[t]];
                    outcomes[t].candidate = scored(method, crowd, run(method, crowd, workerHooks).labels);
                } catch (const std::invalid_argument&) {
                    outcomes[t].failed = true;
                } catch (const Canceled&) {
                    stop = true;
                } catch (...) {
                    const std::lock_guard<std::mutex> lock(errorMutex);
                    if (!error)
                        error = std::current_exception();
                    stop = true;
                }
            }
        };
        std::vector<std::thread> threads;
        for (int w = 1; w < m_threads && static_cast<size_t>(w) < todo.size(); ++w)
            threads.emplace_back(work, false);
        work(true);
        for (std::thread& t : threads)
            t.join();
        if (error)
            std::rethrow_exception(error);
        if (stop || m_hooks.canceled())
            throw Canceled{};
        m_done += static_cast<int64_t>(crowds.size());
        m_hooks.report(static_cast<int>(std::min(m_done, m_total)), static_cast<int>(m_total));
        MethodSearchInfo& info = m_d.methods[static_cast<size_t>(method)];
        for (size_t t = 0; t < todo.size(); ++t) {
            ++info.evaluated;
            const std::string ck = key(method, crowds[todo[t]]);
            if (outcomes[t].failed) {
                ++info.failed;
                m_cache[ck] = -1;
            } else {
                m_d.candidates.push_back(std::move(outcomes[t].candidate));
                m_cache[ck] = static_cast<int32_t>(m_d.candidates.size() - 1);
            }
        }
        std::vector<int32_t> out(crowds.size());
        for (size_t k = 0; k < crowds.size(); ++k)
            out[k] = m_cache.at(key(method, crowds[k]));
        return out;
    }

    double score(int32_t candidate) const
    {
        return candidate < 0 ? -std::numeric_limits<double>::infinity()
                             : orMinusInf(choiceScore(m_d, m_d.candidates[static_cast<size_t>(candidate)]));
    }

    /// Is candidate a better than b for the search (score, then cost, then fewer members)?
    bool better(int32_t a, int32_t b) const
    {
        if (b < 0)
            return a >= 0;
        if (a < 0)
            return false;
        const double sa = score(a), sb = score(b);
        if (sa != sb)
            return sa > sb;
        const CrowdCandidate &ca = m_d.candidates[static_cast<size_t>(a)], &cb = m_d.candidates[static_cast<size_t>(b)];
        if (ca.cost != cb.cost)
            return ca.cost < cb.cost;
        return ca.members.size() < cb.members.size();
    }

    void exhaustive(int32_t method)
    {
        const int32_t n = m_m.numAnnotators();
        std::vector<std::vector<int32_t>> crowds;
        for (uint64_t mask = 1; mask < (uint64_t{1} << n); ++mask) {
            std::vector<int32_t> members;
            for (int32_t a = 0; a < n; ++a)
                if (mask >> a & 1)
                    members.push_back(a);
            crowds.push_back(std::move(members));
            if (crowds.size() == 4096 || mask + 1 == (uint64_t{1} << n)) {
                evaluate(method, crowds);
                crowds.clear();
            }
        }
    }

    /// Evaluates the trial crowds; returns the index of the best (the first among equals).
    size_t bestTrial(int32_t method, const std::vector<std::vector<int32_t>>& trials)
    {
        const std::vector<int32_t> scored = evaluate(method, trials);
        int32_t best = -1;
        size_t bestAt = 0;
        for (size_t r = 0; r < trials.size(); ++r)
            if (better(scored[r], best)) {
                best = scored[r];
                bestAt = r;
            }
        return bestAt;
    }

    // Forward selection from the empty crowd to the full one, then backward elimination from
    // the full crowd to one annotator; every crowd visited is a candidate.
    void greedy(int32_t method)
    {
        const int32_t n = m_m.numAnnotators();
        std::vector<int32_t> current, remaining(static_cast<size_t>(n));
        for (int32_t a = 0; a < n; ++a)
            remaining[static_cast<size_t>(a)] = a;
        std::vector<std::vector<int32_t>> trials;
        while (!remaining.empty()) {
            trials.clear();
            for (const int32_t a : remaining) {
                std::vector<int32_t> trial = current;
                trial.insert(std::upper_bound(trial.begin(), trial.end(), a), a);
                trials.push_back(std::move(trial));
            }
            const size_t bestAt = bestTrial(method, trials);
            current = std::move(trials[bestAt]);
            remaining.erase(remaining.begin() + static_cast<std::ptrdiff_t>(bestAt));
        }
        while (current.size() > 1) {
            trials.clear();
            for (size_t r = 0; r < current.size(); ++r) {
                std::vector<int32_t> trial = current;
                trial.erase(trial.begin() + static_cast<std::ptrdiff_t>(r));
                trials.push_back(std::move(trial));
            }
            current = std::move(trials[bestTrial(method, trials)]);
        }
    }

    void curve(int32_t method)
    {
        MethodSearchInfo& info = m_d.methods[static_cast<size_t>(method)];
        for (int32_t size = 1; size <= m_m.numAnnotators(); ++size) {
            CrowdCurvePoint p;
            p.size = size;
            p.bestMacroF1 = p.bestAccuracy = -std::numeric_limits<double>::infinity();
            for (const int32_t c : evaluate(method, crowdsOfSize(m_m.numAnnotators(), size, m_o.curveSamples, m_o.seed, p.exhaustive))) {
                if (c < 0)
                    continue;
                const CrowdCandidate& cc = m_d.candidates[static_cast<size_t>(c)];
                ++p.crowds;
                p.meanMacroF1 += cc.holdout.macroF1;
                p.meanAccuracy += cc.holdout.accuracy;
                p.meanEstimate += cc.estimatedAccuracy;
                p.bestMacroF1 = std::max(p.bestMacroF1, orMinusInf(cc.holdout.macroF1));
                p.bestAccuracy = std::max(p.bestAccuracy, orMinusInf(cc.holdout.accuracy));
            }
            if (p.crowds > 0) {
                const auto k = static_cast<double>(p.crowds);
                p.meanMacroF1 /= k;
                p.meanAccuracy /= k;
                p.meanEstimate /= k;
            }
            for (double* v : {&p.bestMacroF1, &p.bestAccuracy})
                if (!std::isfinite(*v) || p.crowds == 0)
                    *v = kNaN;
            if (p.crowds == 0)
                p.meanMacroF1 = p.meanAccuracy = p.meanEstimate = kNaN;
            info.curve.push_back(p);
        }
    }

    int64_t curveRuns() const
    {
        int64_t total = 0;
        for (int32_t size = 1; size <= m_m.numAnnotators(); ++size)
            total += static_cast<int64_t>(std::min<double>(binomialCoefficient(m_m.numAnnotators(), size), m_o.curveSamples));
        return total;
    }

private:
    static std::string key(int32_t method, const std::vector<int32_t>& members)
    {
        std::string k(reinterpret_cast<const char*>(&method), sizeof method);
        k.append(reinterpret_cast<const char*>(members.data()), members.size() * sizeof(int32_t));
        return k;
    }

    const LabelMatrix& m_m;
    const std::vector<int32_t>& m_gold;
    const CrowdOptions& m_o;
    const RunHooks& m_hooks;
    RunHooks m_runHooks;  // cancel only: the methods' own progress is not ours
    CrowdDesign& m_d;
    std::vector<double> m_costs;
    std::vector<std::map<std::string, double>> m_params;
    std::vector<double> m_reference;
    std::unordered_map<std::string, int32_t> m_cache;
    int64_t m_done = 0, m_total = 1;
    int m_threads = 1;
};

} // namespace

CrowdDesign designCrowd(const LabelMatrix& matrix, const std::vector<int32_t>& gold, const CrowdOptions& o,
                        const RunHooks& hooks)
{
    const int32_t n = matrix.numAnnotators();
    if (gold.size() != static_cast<size_t>(matrix.numItems()))
        throw std::invalid_argument("gold must have one entry per item");
    if (!o.costs.empty() && o.costs.size() != static_cast<size_t>(n))
        throw std::invalid_argument("costs must have one entry per annotator");
    if (o.methods.empty())
        throw std::invalid_argument("no method to search");
    if (n < 1)
        throw std::invalid_argument("no annotator");
    if (o.maxExhaustive > 30)
        throw std::invalid_argument("at most 30 annotators can be searched exhaustively");
    CrowdDesign d;
    if (o.ignoreGold) {
        for (size_t i = 0; i < gold.size(); ++i)
            if (gold[i] >= 0)
                d.split.holdout.push_back(static_cast<int32_t>(i));
    } else if (std::any_of(gold.begin(), gold.end(), [](int32_t g) { return g >= 0; })) {
        d.split = splitGold(gold, o.selectFraction, o.seed);
    }
    d.withGold = !d.split.selection.empty();
    d.reference = o.reference;
    if (d.reference.empty()) {
        d.reference = o.methods.front();
        if (std::find(o.methods.begin(), o.methods.end(), "ds") != o.methods.end())
            d.reference = "ds";
    }
    const auto refIt = std::find(o.methods.begin(), o.methods.end(), d.reference);
    if (refIt == o.methods.end())
        throw std::invalid_argument("the reference method " + d.reference + " is not among the methods");
    for (const std::string& method : o.methods) {
        MethodSearchInfo info;
        info.method = method;
        info.search = voteMethod(method) && n <= o.maxExhaustive ? "exhaustive" : "greedy";
        d.methods.push_back(std::move(info));
    }

    Searcher s(matrix, gold, o, hooks, d);
    const auto numMethods = static_cast<int32_t>(o.methods.size());
    int64_t total = numMethods;
    for (const MethodSearchInfo& info : d.methods)
        total += (info.search == "exhaustive" ? (int64_t{1} << n) - 1 : int64_t{n} * n) + (o.curveSamples > 0 ? s.curveRuns() : 0);
    s.setTotal(total);

    d.annotators = annotatorProfiles(matrix, gold, d.split, o.evaluation);
    for (AnnotatorProfile& p : d.annotators)
        p.competence.assign(static_cast<size_t>(numMethods), kNaN);
    d.pairs = pairRedundancy(matrix, gold, d.split.selection, hooks);

    // The full crowd of every method, the reference first (its posterior scores the others).
    std::vector<int32_t> all(static_cast<size_t>(n));
    for (int32_t a = 0; a < n; ++a)
        all[static_cast<size_t>(a)] = a;
    d.fullCrowd.assign(static_cast<size_t>(numMethods), -1);
    std::vector<int32_t> order{static_cast<int32_t>(refIt - o.methods.begin())};
    for (int32_t mi = 0; mi < numMethods; ++mi)
        if (mi != order.front())
            order.push_back(mi);
    for (int32_t mi : order) {
        try {
            const AggregationResult r = s.run(mi, all, s.cancelOnly());
            if (mi == order.front())
                s.setReference(r.posterior);
            for (int32_t a = 0; a < n && static_cast<size_t>(a) < r.competence.size(); ++a)
                d.annotators[static_cast<size_t>(a)].competence[static_cast<size_t>(mi)] = r.competence[static_cast<size_t>(a)];
            d.fullCrowd[static_cast<size_t>(mi)] = s.add(mi, all, r);
            ++d.methods[static_cast<size_t>(mi)].evaluated;
        } catch (const std::invalid_argument& e) {
            d.methods[static_cast<size_t>(mi)].error = e.what();
        }
    }

    for (int32_t mi = 0; mi < numMethods; ++mi) {
        if (!d.methods[static_cast<size_t>(mi)].error.empty())
            continue;
        if (d.methods[static_cast<size_t>(mi)].search == "exhaustive")
            s.exhaustive(mi);
        else
            s.greedy(mi);
        if (o.curveSamples > 0)
            s.curve(mi);
    }

    // The best single annotator, on its own labels.
    for (int32_t a = 0; a < n; ++a) {
        CrowdCandidate c = s.scored(-1, {a}, annotatorLabels(matrix, a));
        if (d.bestSingleAnnotator < 0 || orMinusInf(choiceScore(d, c)) > orMinusInf(choiceScore(d, d.bestSingle))
            || (choiceScore(d, c) == choiceScore(d, d.bestSingle) && c.cost < d.bestSingle.cost)) {
            d.bestSingle = std::move(c);
            d.bestSingleAnnotator = a;
        }
    }

    d.pareto = paretoFront(d);
    d.recommended = recommendCrowd(d, o.maxCost);
    hooks.report(static_cast<int>(total), static_cast<int>(total));
    return d;
}

} // namespace chorus::agg
