// The simulated relabeling loop of relabel.h: replay rounds of selection, answers and Bayesian
// updates for each strategy and record accuracy against the money spent.

#include "relabel.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace chorus::agg {

namespace {

double accuracyOf(const std::vector<double>& post, const std::vector<uint8_t>& evidence,
                  const std::vector<int32_t>& gold, int32_t L)
{
    int64_t right = 0, total = 0;
    for (size_t i = 0; i < gold.size(); ++i) {
        if (gold[i] < 0)
            continue;
        ++total;
        if (!evidence[i])
            continue;
        const double* p = post.data() + i * L;
        int32_t best = 0;
        for (int32_t l = 1; l < L; ++l)
            if (p[l] > p[best])
                best = l;
        right += best == gold[i];
    }
    return total > 0 ? static_cast<double>(right) / total : std::numeric_limits<double>::quiet_NaN();
}

} // namespace

double estimateRelabelerAccuracy(const std::vector<int32_t>& answers, const std::vector<int32_t>& gold)
{
    int64_t right = 0, total = 0;
    for (size_t i = 0; i < answers.size() && i < gold.size(); ++i) {
        if (answers[i] < 0 || gold[i] < 0)
            continue;
        ++total;
        right += answers[i] == gold[i];
    }
    return total > 0 ? static_cast<double>(right) / total : std::numeric_limits<double>::quiet_NaN();
}

SimulationResult simulateRelabeling(const SimulationInput& in, const RunHooks& hooks)
{
    const int32_t n = in.numItems, L = in.numLabels;
    if (n < 1 || L < 2)
        throw std::invalid_argument("relabel simulation: need at least one item and two labels");
    if (in.posterior.size() != static_cast<size_t>(n) * L || in.answers.size() != static_cast<size_t>(n) ||
        in.gold.size() != static_cast<size_t>(n) || (!in.hasEvidence.empty() && in.hasEvidence.size() != static_cast<size_t>(n)))
        throw std::invalid_argument("relabel simulation: posterior, answers, gold and hasEvidence must match numItems");
    checkRelabeler(in.relabeler, L);
    if (!(in.budget >= 0) || !std::isfinite(in.budget))
        throw std::invalid_argument("relabel simulation: the budget must be a finite number >= 0 (got " +
                                    std::to_string(in.budget) + ")");
    if (in.k < 1)
        throw std::invalid_argument("relabel simulation: k must be at least 1");
    if (in.strategies.empty())
        throw std::invalid_argument("relabel simulation: no strategy given");
    for (int32_t a : in.answers)
        if (a >= L)
            throw std::invalid_argument("relabel simulation: an answer is not a label index");

    SimulationResult res;
    for (int32_t g : in.gold)
        res.goldItems += g >= 0;
    if (res.goldItems == 0)
        throw std::invalid_argument("relabel simulation: no item has gold, so accuracy cannot be measured");
    const std::vector<uint8_t> evidence0 = in.hasEvidence.empty() ? std::vector<uint8_t>(n, 1) : in.hasEvidence;
    res.startAccuracy = accuracyOf(in.posterior, evidence0, in.gold, L);
    res.fullCost = static_cast<double>(n) * in.relabeler.costPerItem;
    {
        int64_t right = 0;
        for (int32_t i = 0; i < n; ++i)
            right += in.gold[i] >= 0 && in.answers[i] == in.gold[i];
        res.fullAccuracy = static_cast<double>(right) / res.goldItems;
    }

    const double affordable = std::floor(in.budget / in.relabeler.costPerItem * (1 + 1e-12));
    const int64_t maxItems = static_cast<int64_t>(std::min<double>(n, affordable));
    const int totalRounds = static_cast<int>((maxItems + in.k - 1) / in.k) * static_cast<int>(in.strategies.size());
    int roundsDone = 0;
    for (RelabelStrategy strategy : in.strategies) {
        RelabelCurve c;
        c.strategy = strategy;
        c.k = in.k;
        std::vector<double> post = in.posterior;
        std::vector<uint8_t> evidence = evidence0, asked(n, 0);
        double spent = 0;
        int32_t relabeled = 0;
        c.curve.push_back({0.0, 0.0, res.startAccuracy, 0});
        for (uint64_t round = 0; relabeled < n; ++round) {
            if (hooks.canceled())
                throw Canceled{};
            SelectionInput s;
            s.posterior = &post;
            s.numItems = n;
            s.numLabels = L;
            s.relabelers = {in.relabeler};
            s.asked = asked;
            s.k = in.k;
            s.budget = std::max(0.0, in.budget - spent);
            s.strategy = strategy;
            s.seed = in.seed ^ (0x9E3779B97F4A7C15ULL * (round + 1));
            const Selection sel = selectForRelabel(s);
            if (sel.picks.empty())
                break;
            for (const auto& p : sel.picks) {
                const int32_t a = in.answers[p.item];
                updatePosterior(post.data() + static_cast<size_t>(p.item) * L, L, a, in.relabeler.accuracy);
                if (a >= 0)
                    evidence[p.item] = 1;
                asked[p.item] = 1;
                ++relabeled;
            }
            spent += sel.cost;
            c.curve.push_back({spent, spent / res.fullCost, accuracyOf(post, evidence, in.gold, L), relabeled});
            hooks.report(++roundsDone, std::max(totalRounds, roundsDone));
        }
        res.curves.push_back(std::move(c));
    }
    return res;
}

} // namespace chorus::agg
