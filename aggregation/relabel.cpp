// Relabeler model, Bayesian update and selection strategies (see relabel.h and
// docs/relabeling.md). The simulation loop is in relabelsim.cpp.

#include "relabel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <queue>
#include <random>
#include <stdexcept>

namespace chorus::agg {

namespace {

std::string fmt(double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

double xlogx(double x)
{
    return x > 0 ? x * std::log(x) : 0.0;
}

/// H(A | Y) of one symmetric-noise answer: the entropy of (A, (1-A)/(L-1) x (L-1)).
double noiseEntropy(double accuracy, int32_t L)
{
    const double off = (1.0 - accuracy) / (L - 1);
    return -xlogx(accuracy) - (L - 1) * xlogx(off);
}

bool fits(double spent, double cost, double budget)
{
    return spent + cost <= budget * (1.0 + 1e-12) + 1e-300;
}

void checkInput(const SelectionInput& in)
{
    if (in.numItems < 0 || in.numLabels < 2)
        throw std::invalid_argument("relabel: need numItems >= 0 and at least 2 labels (got " +
                                    std::to_string(in.numLabels) + ")");
    if (!in.posterior || in.posterior->size() != static_cast<size_t>(in.numItems) * in.numLabels)
        throw std::invalid_argument("relabel: the posterior must hold numItems x numLabels values");
    if (in.relabelers.empty())
        throw std::invalid_argument("relabel: no relabeler given");
    for (const auto& r : in.relabelers)
        checkRelabeler(r, in.numLabels);
    if (!(in.budget >= 0) || !std::isfinite(in.budget))
        throw std::invalid_argument("relabel: the budget must be a finite number >= 0 (got " + fmt(in.budget) + ")");
    if (in.k < 1)
        throw std::invalid_argument("relabel: k must be at least 1 (got " + std::to_string(in.k) + ")");
    if (!in.asked.empty() && in.asked.size() != static_cast<size_t>(in.numItems) * in.relabelers.size())
        throw std::invalid_argument("relabel: `asked` must hold numItems x relabelers flags");
}

struct Pair
{
    int32_t item;
    int32_t relabeler;
};

/// Candidate pairs, item-major, skipping those already asked.
std::vector<Pair> candidates(const SelectionInput& in)
{
    const auto m = static_cast<int32_t>(in.relabelers.size());
    std::vector<Pair> out;
    out.reserve(static_cast<size_t>(in.numItems) * m);
    for (int32_t i = 0; i < in.numItems; ++i)
        for (int32_t j = 0; j < m; ++j)
            if (in.asked.empty() || !in.asked[static_cast<size_t>(i) * m + j])
                out.push_back({i, j});
    return out;
}

void poll(const RunHooks& hooks, size_t done, size_t total)
{
    if ((done & 4095) == 0) {
        if (hooks.canceled())
            throw Canceled{};
        hooks.report(static_cast<int>(std::min<size_t>(done, std::numeric_limits<int>::max())),
                     static_cast<int>(std::min<size_t>(total, std::numeric_limits<int>::max())));
    }
}

/// Per-item bookkeeping of the relabelers chosen so far in this round.
struct ItemSets
{
    const SelectionInput& in;
    std::vector<std::vector<double>> acc;  // per item: accuracies chosen (sparse use)
    std::vector<double> value;             // per item: current gain of its chosen set

    explicit ItemSets(const SelectionInput& input)
        : in(input), acc(input.numItems), value(input.numItems, 0.0)
    {
    }
    const double* row(int32_t i) const { return in.posterior->data() + static_cast<size_t>(i) * in.numLabels; }
    double delta(const Pair& p) const
    {
        auto a = acc[p.item];
        a.push_back(in.relabelers[p.relabeler].accuracy);
        return expectedEntropyGain(row(p.item), in.numLabels, a) - value[p.item];
    }
    void add(const Pair& p, double d)
    {
        acc[p.item].push_back(in.relabelers[p.relabeler].accuracy);
        value[p.item] += d;
    }
    void remove(const Pair& p, double d)
    {
        acc[p.item].pop_back();
        value[p.item] -= d;
    }
};

Selection selectGreedy(const SelectionInput& in, const std::vector<Pair>& cand, const RunHooks& hooks)
{
    struct Entry
    {
        double gain;
        int32_t item, relabeler, version;
    };
    auto worse = [](const Entry& a, const Entry& b) {
        if (a.gain != b.gain)
            return a.gain < b.gain;
        if (a.item != b.item)
            return a.item > b.item;
        return a.relabeler > b.relabeler;
    };
    ItemSets sets(in);
    std::vector<Entry> heap;
    heap.reserve(cand.size());
    for (size_t c = 0; c < cand.size(); ++c) {
        poll(hooks, c, cand.size());
        heap.push_back({sets.delta(cand[c]), cand[c].item, cand[c].relabeler, 0});
    }
    std::make_heap(heap.begin(), heap.end(), worse);
    std::vector<int32_t> version(in.numItems, 0);
    Selection s;
    size_t steps = 0;
    while (!heap.empty() && static_cast<int32_t>(s.picks.size()) < in.k) {
        poll(hooks, ++steps, cand.size());
        std::pop_heap(heap.begin(), heap.end(), worse);
        Entry e = heap.back();
        heap.pop_back();
        const Pair p{e.item, e.relabeler};
        if (e.version != version[e.item]) {  // lazy greedy: gains only shrink (submodularity)
            e.gain = sets.delta(p);
            e.version = version[e.item];
            heap.push_back(e);
            std::push_heap(heap.begin(), heap.end(), worse);
            continue;
        }
        const double cost = in.relabelers[e.relabeler].costPerItem;
        if (!fits(s.cost, cost, in.budget))
            continue;
        sets.add(p, e.gain);
        ++version[e.item];
        s.cost += cost;
        s.objective += e.gain;
        s.picks.push_back({e.item, e.relabeler, e.gain, s.cost});
    }
    return s;
}

Selection selectExact(const SelectionInput& in, const std::vector<Pair>& cand, const RunHooks& hooks)
{
    const auto n = static_cast<double>(cand.size());
    const int32_t kMax = static_cast<int32_t>(std::min<double>(in.k, n));
    double sets = 1, binom = 1;
    for (int32_t s = 1; s <= kMax; ++s) {
        binom = binom * (n - s + 1) / s;
        sets += binom;
    }
    if (sets > in.maxExactSets)
        throw std::invalid_argument("relabel: exact search over " + std::to_string(cand.size()) +
                                    " candidates with k = " + std::to_string(in.k) + " has " + fmt(sets) +
                                    " candidate sets, more than the limit of " + fmt(in.maxExactSets) +
                                    "; use greedy (within (1-1/e) of exact) or a smaller k");
    ItemSets isets(in);
    std::vector<size_t> chosen;
    std::vector<double> deltas;
    std::vector<size_t> best;
    double bestValue = -1, value = 0, cost = 0;
    size_t visited = 0;
    // Depth-first over index-increasing combinations; every prefix is itself a candidate set.
    auto dfs = [&](auto&& self, size_t from) -> void {
        poll(hooks, ++visited, static_cast<size_t>(sets));
        if (value > bestValue + 1e-15) {
            bestValue = value;
            best = chosen;
        }
        if (static_cast<int32_t>(chosen.size()) == kMax)
            return;
        for (size_t c = from; c < cand.size(); ++c) {
            const double pc = in.relabelers[cand[c].relabeler].costPerItem;
            if (!fits(cost, pc, in.budget))
                continue;
            const double d = isets.delta(cand[c]);
            isets.add(cand[c], d);
            chosen.push_back(c);
            value += d;
            cost += pc;
            self(self, c + 1);
            cost -= pc;
            value -= d;
            chosen.pop_back();
            isets.remove(cand[c], d);
        }
    };
    dfs(dfs, 0);
    // Report the best set in greedy order of marginal gains, so that gains read the same way.
    Selection s;
    ItemSets replay(in);
    std::vector<size_t> rest = best;
    while (!rest.empty()) {
        size_t bi = 0;
        double bd = -std::numeric_limits<double>::infinity();
        for (size_t r = 0; r < rest.size(); ++r) {
            const double d = replay.delta(cand[rest[r]]);
            if (d > bd) {
                bd = d;
                bi = r;
            }
        }
        const Pair p = cand[rest[bi]];
        replay.add(p, bd);
        s.cost += in.relabelers[p.relabeler].costPerItem;
        s.objective += bd;
        s.picks.push_back({p.item, p.relabeler, bd, s.cost});
        rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(bi));
    }
    return s;
}

/// Takes pairs in the given order while they fit, up to k.
Selection takeInOrder(const SelectionInput& in, const std::vector<Pair>& order, const RunHooks& hooks)
{
    ItemSets sets(in);
    Selection s;
    for (size_t c = 0; c < order.size() && static_cast<int32_t>(s.picks.size()) < in.k; ++c) {
        poll(hooks, c, order.size());
        const double cost = in.relabelers[order[c].relabeler].costPerItem;
        if (!fits(s.cost, cost, in.budget))
            continue;
        const double d = sets.delta(order[c]);
        sets.add(order[c], d);
        s.cost += cost;
        s.objective += d;
        s.picks.push_back({order[c].item, order[c].relabeler, d, s.cost});
    }
    return s;
}

} // namespace

double relabelCost(double tokensPerItem, double pricePerToken, int32_t shots)
{
    if (!(tokensPerItem > 0) || !std::isfinite(tokensPerItem))
        throw std::invalid_argument("relabel: tokens per item must be > 0 (got " + fmt(tokensPerItem) + ")");
    if (!(pricePerToken > 0) || !std::isfinite(pricePerToken))
        throw std::invalid_argument("relabel: price per token must be > 0 (got " + fmt(pricePerToken) + ")");
    if (shots < 1)
        throw std::invalid_argument("relabel: shots must be at least 1 (got " + std::to_string(shots) + ")");
    return tokensPerItem * pricePerToken * shots;
}

void checkRelabeler(const Relabeler& r, int32_t numLabels)
{
    const std::string who = r.name.empty() ? std::string("relabeler") : "relabeler \"" + r.name + "\"";
    if (numLabels < 2)
        throw std::invalid_argument("relabel: need at least 2 labels");
    if (!(r.accuracy >= 0 && r.accuracy <= 1))
        throw std::invalid_argument("relabel: " + who + ": accuracy must be in [0, 1] (got " + fmt(r.accuracy) + ")");
    if (!(r.costPerItem > 0) || !std::isfinite(r.costPerItem))
        throw std::invalid_argument("relabel: " + who + ": cost per item must be > 0 (got " + fmt(r.costPerItem) +
                                    "); a free relabeler makes the budget meaningless");
}

double answerLikelihood(double accuracy, int32_t numLabels, int32_t answer, int32_t truth)
{
    return answer == truth ? accuracy : (1.0 - accuracy) / (numLabels - 1);
}

std::vector<double> answerDistribution(const double* p, int32_t L, double accuracy)
{
    std::vector<double> q(L);
    const double off = (1.0 - accuracy) / (L - 1);
    for (int32_t a = 0; a < L; ++a)
        q[a] = accuracy * p[a] + off * (1.0 - p[a]);
    return q;
}

void updatePosterior(double* p, int32_t L, int32_t answer, double accuracy)
{
    if (!(accuracy >= 0 && accuracy <= 1))
        throw std::invalid_argument("relabel: accuracy must be in [0, 1] (got " + fmt(accuracy) + ")");
    if (answer >= L)
        throw std::invalid_argument("relabel: answer " + std::to_string(answer) + " is not a label index (L = " +
                                    std::to_string(L) + ")");
    if (answer < 0)
        return;
    double z = 0;
    for (int32_t t = 0; t < L; ++t)
        z += p[t] * answerLikelihood(accuracy, L, answer, t);
    if (!(z > 0)) {
        for (int32_t t = 0; t < L; ++t)
            p[t] = t == answer ? 1.0 : 0.0;
        return;
    }
    for (int32_t t = 0; t < L; ++t)
        p[t] = p[t] * answerLikelihood(accuracy, L, answer, t) / z;
}

double answerSetEntropy(const double* p, int32_t L, const std::vector<double>& accuracies)
{
    const auto m = static_cast<int32_t>(accuracies.size());
    if (m == 0)
        return 0;
    if (m == 1) {
        const double off = (1.0 - accuracies[0]) / (L - 1);
        double h = 0;
        for (int32_t a = 0; a < L; ++a)
            h -= xlogx(accuracies[0] * p[a] + off * (1.0 - p[a]));
        return h;
    }
    if (std::pow(static_cast<double>(L), m) > 1e6)
        throw std::invalid_argument("relabel: " + std::to_string(m) + " relabelers on " + std::to_string(L) +
                                    " labels give more than 10^6 answer tuples");
    std::vector<int32_t> tuple(m, 0);
    double h = 0;
    for (;;) {
        double prob = 0;
        for (int32_t t = 0; t < L; ++t) {
            double like = p[t];
            for (int32_t j = 0; j < m && like > 0; ++j)
                like *= answerLikelihood(accuracies[j], L, tuple[j], t);
            prob += like;
        }
        h -= xlogx(prob);
        int32_t j = 0;
        while (j < m && ++tuple[j] == L)
            tuple[j++] = 0;
        if (j == m)
            break;
    }
    return h;
}

double expectedEntropyGain(const double* p, int32_t L, const std::vector<double>& accuracies)
{
    double g = answerSetEntropy(p, L, accuracies);
    for (double a : accuracies)
        g -= noiseEntropy(a, L);
    return std::max(0.0, g);  // mutual information; clears -1e-17 rounding
}

std::string relabelStrategyName(RelabelStrategy s)
{
    switch (s) {
    case RelabelStrategy::Greedy: return "greedy";
    case RelabelStrategy::Exact: return "exact";
    case RelabelStrategy::Random: return "random";
    case RelabelStrategy::Uncertainty: return "uncertainty";
    }
    return "greedy";
}

RelabelStrategy parseRelabelStrategy(const std::string& name)
{
    for (auto s : {RelabelStrategy::Greedy, RelabelStrategy::Exact, RelabelStrategy::Random,
                   RelabelStrategy::Uncertainty})
        if (relabelStrategyName(s) == name)
            return s;
    throw std::invalid_argument("unknown relabel strategy \"" + name + "\" (known: greedy, exact, random, uncertainty)");
}

Selection selectForRelabel(const SelectionInput& in, const RunHooks& hooks)
{
    checkInput(in);
    std::vector<Pair> cand = candidates(in);
    Selection s;
    switch (in.strategy) {
    case RelabelStrategy::Greedy:
        s = selectGreedy(in, cand, hooks);
        break;
    case RelabelStrategy::Exact:
        s = selectExact(in, cand, hooks);
        break;
    case RelabelStrategy::Random: {
        // Fisher-Yates with mt19937_64 (its sequence is fixed by the standard; std::shuffle's
        // use of it is not), so a seed gives the same picks everywhere.
        std::mt19937_64 rng(in.seed);
        for (size_t i = cand.size(); i > 1; --i)
            std::swap(cand[i - 1], cand[rng() % i]);
        s = takeInOrder(in, cand, hooks);
        break;
    }
    case RelabelStrategy::Uncertainty: {
        std::vector<double> h(in.numItems);
        for (int32_t i = 0; i < in.numItems; ++i)
            h[i] = entropy(in.posterior->data() + static_cast<size_t>(i) * in.numLabels, in.numLabels);
        std::stable_sort(cand.begin(), cand.end(), [&](const Pair& a, const Pair& b) { return h[a.item] > h[b.item]; });
        s = takeInOrder(in, cand, hooks);
        break;
    }
    }
    hooks.report(static_cast<int>(std::min<size_t>(cand.size(), std::numeric_limits<int>::max())),
                 static_cast<int>(std::min<size_t>(cand.size(), std::numeric_limits<int>::max())));
    return s;
}

double selectionObjective(const SelectionInput& in, const std::vector<RelabelPick>& picks)
{
    checkInput(in);
    const auto m = in.relabelers.size();
    std::vector<uint8_t> seen(static_cast<size_t>(in.numItems) * m, 0);
    ItemSets sets(in);
    double f = 0;
    for (const auto& p : picks) {
        auto& flag = seen[static_cast<size_t>(p.item) * m + p.relabeler];
        if (flag)
            continue;
        flag = 1;
        const double d = sets.delta({p.item, p.relabeler});
        sets.add({p.item, p.relabeler}, d);
        f += d;
    }
    return f;
}

} // namespace chorus::agg
