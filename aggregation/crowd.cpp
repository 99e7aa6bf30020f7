// Crowd design, part 1: the gold split, sub-matrices, slice scores, annotator profiles and
// pairwise redundancy. The search is in crowdsearch.cpp.

#include "crowd.h"

#include "sampling.h"

#include <algorithm>
#include <set>
#include <cmath>
#include <stdexcept>

namespace chorus::agg {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A uniform index in [0, n).
size_t uniformIndex(SplitMix64& rng, size_t n)
{
    return static_cast<size_t>(detail::uniform01(rng) * static_cast<double>(n));
}

} // namespace

double binomialCoefficient(int n, int k)
{
    double c = 1;
    for (int j = 1; j <= k; ++j)
        c = c * (n - k + j) / j;
    return std::round(c);
}

GoldSplit splitGold(const std::vector<int32_t>& gold, double fraction, uint64_t seed)
{
    if (!(fraction > 0 && fraction <= 1))
        throw std::invalid_argument("select fraction must be in (0, 1]");
    std::vector<int32_t> items;
    for (size_t i = 0; i < gold.size(); ++i)
        if (gold[i] >= 0)
            items.push_back(static_cast<int32_t>(i));
    SplitMix64 rng(seed);
    for (size_t i = items.size(); i > 1; --i)  // Fisher-Yates
        std::swap(items[i - 1], items[uniformIndex(rng, i)]);
    const size_t n = items.size();
    size_t k = n;
    if (fraction < 1 && n >= 2)
        k = std::clamp<size_t>(static_cast<size_t>(std::llround(fraction * static_cast<double>(n))), 1, n - 1);
    GoldSplit s;
    s.selection.assign(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(k));
    s.holdout.assign(items.begin() + static_cast<std::ptrdiff_t>(k), items.end());
    std::sort(s.selection.begin(), s.selection.end());
    std::sort(s.holdout.begin(), s.holdout.end());
    return s;
}

LabelMatrix subMatrix(const LabelMatrix& m, const std::vector<int32_t>& members)
{
    std::vector<Annotation> anns;
    int64_t total = 0;
    for (int32_t a : members)
        total += m.annotatorEnd(a) - m.annotatorBegin(a);
    anns.reserve(static_cast<size_t>(total));
    for (size_t j = 0; j < members.size(); ++j) {
        const int32_t a = members[j];
        for (int64_t k = m.annotatorBegin(a); k < m.annotatorEnd(a); ++k)
            anns.push_back({m.annotatorItem(k), static_cast<int32_t>(j), m.annotatorLabel(k)});
    }
    LabelMatrix sub = LabelMatrix::build(m.numItems(), static_cast<int32_t>(members.size()), m.numLabels(),
                                         std::move(anns));
    std::vector<uint64_t> itemKeys(static_cast<size_t>(m.numItems())), annKeys(members.size());
    for (int32_t i = 0; i < m.numItems(); ++i)
        itemKeys[static_cast<size_t>(i)] = m.itemKey(i);
    for (size_t j = 0; j < members.size(); ++j)
        annKeys[j] = m.annotatorKey(members[j]);
    sub.setKeys(std::move(itemKeys), std::move(annKeys));
    return sub;
}

SliceScore scoreSlice(const std::vector<int32_t>& predicted, const std::vector<int32_t>& gold,
                      const std::vector<int32_t>& items, int32_t numLabels, const EvaluationOptions& options)
{
    SliceScore s;
    if (items.empty())
        return s;
    std::vector<int32_t> p(items.size()), g(items.size());
    for (size_t k = 0; k < items.size(); ++k) {
        p[k] = predicted[static_cast<size_t>(items[k])];
        g[k] = gold[static_cast<size_t>(items[k])];
    }
    const EvaluationResult r = evaluate(p, g, numLabels, options);
    s.accuracy = r.accuracy;
    s.macroF1 = r.macroF1;
    return s;
}

bool voteMethod(const std::string& method)
{
    return method == "mv" || method == "wmv" || method == "wawa";
}

namespace {

// Scores an annotator over the listed items it answered (kNoPrediction items left out).
SliceScore answeredScore(const std::vector<int32_t>& labels, const std::vector<int32_t>& gold,
                         const std::vector<int32_t>& items, int32_t numLabels, const EvaluationOptions& options)
{
    std::vector<int32_t> answered;
    for (int32_t i : items)
        if (labels[static_cast<size_t>(i)] != kNoPrediction)
            answered.push_back(i);
    return scoreSlice(labels, gold, answered, numLabels, options);
}

// Rates, joint rate, ratio and Cohen's kappa of two 0/1 indicators over n items.
CoOccurrence coOccurrence(int64_t n, int64_t onA, int64_t onB, int64_t both)
{
    CoOccurrence c;
    c.items = n;
    if (n == 0) {
        c.rateA = c.rateB = c.joint = kNaN;
        return c;
    }
    const double dn = static_cast<double>(n);
    c.rateA = static_cast<double>(onA) / dn;
    c.rateB = static_cast<double>(onB) / dn;
    c.joint = static_cast<double>(both) / dn;
    const double expected = c.rateA * c.rateB;
    if (expected > 0)
        c.ratio = c.joint / expected;
    // Cohen (1960): observed agreement of the indicators vs agreement expected from margins.
    const double po = static_cast<double>(n - onA - onB + 2 * both) / dn;
    const double pe = expected + (1 - c.rateA) * (1 - c.rateB);
    if (pe < 1)
        c.kappa = (po - pe) / (1 - pe);
    return c;
}

} // namespace

std::vector<int32_t> annotatorLabels(const LabelMatrix& m, int32_t a)
{
    std::vector<int32_t> labels(static_cast<size_t>(m.numItems()), kNoPrediction);
    for (int64_t k = m.annotatorBegin(a); k < m.annotatorEnd(a); ++k)
        labels[static_cast<size_t>(m.annotatorItem(k))] = m.annotatorLabel(k);
    return labels;
}

std::vector<AnnotatorProfile> annotatorProfiles(const LabelMatrix& m, const std::vector<int32_t>& gold,
                                                const GoldSplit& split, const EvaluationOptions& options)
{
    std::vector<AnnotatorProfile> out(static_cast<size_t>(m.numAnnotators()));
    for (int32_t a = 0; a < m.numAnnotators(); ++a) {
        AnnotatorProfile& p = out[static_cast<size_t>(a)];
        p.answered = m.annotatorEnd(a) - m.annotatorBegin(a);
        for (int64_t k = m.annotatorBegin(a); k < m.annotatorEnd(a); ++k)
            p.invalid += m.annotatorLabel(k) == kInvalidLabel;
        p.invalidRate = p.answered > 0 ? static_cast<double>(p.invalid) / static_cast<double>(p.answered) : kNaN;
        const std::vector<int32_t> labels = annotatorLabels(m, a);
        p.selection = answeredScore(labels, gold, split.selection, m.numLabels(), options);
        p.holdout = answeredScore(labels, gold, split.holdout, m.numLabels(), options);
    }
    return out;
}

std::vector<PairRedundancy> pairRedundancy(const LabelMatrix& m, const std::vector<int32_t>& gold,
                                           const std::vector<int32_t>& selection, const RunHooks& hooks)
{
    const int32_t n = m.numAnnotators(), L = m.numLabels();
    std::vector<uint8_t> inSelection(static_cast<size_t>(m.numItems()), 0);
    for (int32_t i : selection)
        inSelection[static_cast<size_t>(i)] = 1;
    std::vector<PairRedundancy> out;
    std::vector<int32_t> votes(static_cast<size_t>(L));
    for (int32_t a = 0; a < n; ++a) {
        if (hooks.canceled())
            throw Canceled{};
        for (int32_t b = a + 1; b < n; ++b) {
            int64_t gn = 0, gA = 0, gB = 0, gAB = 0;  // errors against gold
            int64_t cn = 0, cA = 0, cB = 0, cAB = 0;  // deviations from the others' vote
            for (int32_t i = 0; i < m.numItems(); ++i) {
                int32_t la = -2, lb = -2;
                std::fill(votes.begin(), votes.end(), 0);
                for (int64_t k = m.itemBegin(i); k < m.itemEnd(i); ++k) {
                    const int32_t x = m.itemAnnotator(k), l = m.itemLabel(k);
                    if (x == a)
                        la = l;
                    else if (x == b)
                        lb = l;
                    else if (l >= 0)
                        ++votes[static_cast<size_t>(l)];
                }
                if (la == -2 || lb == -2)
                    continue;  // not labelled by both
                const int32_t g = gold[static_cast<size_t>(i)];
                if (g >= 0 && inSelection[static_cast<size_t>(i)]) {
                    const bool ea = la != g, eb = lb != g;
                    ++gn;
                    gA += ea;
                    gB += eb;
                    gAB += ea && eb;
                }
                const auto top = std::max_element(votes.begin(), votes.end());
                if (*top == 0 || std::count(votes.begin(), votes.end(), *top) > 1)
                    continue;  // no consensus of the others
                const int32_t c = static_cast<int32_t>(top - votes.begin());
                const bool da = la != c, db = lb != c;
                ++cn;
                cA += da;
                cB += db;
                cAB += da && db;
            }
            out.push_back({a, b, coOccurrence(gn, gA, gB, gAB), coOccurrence(cn, cA, cB, cAB)});
        }
    }
    return out;
}

double choiceScore(const CrowdDesign& d, const CrowdCandidate& c)
{
    return d.withGold ? c.selection.macroF1 : c.estimatedAccuracy;
}

// Cheapest first; among equal costs the best score first. A candidate is on the front when it
// scores strictly higher than every cheaper-or-equal one before it.
std::vector<int32_t> paretoFront(const CrowdDesign& d)
{
    std::vector<int32_t> order;
    for (size_t c = 0; c < d.candidates.size(); ++c)
        if (!std::isnan(choiceScore(d, d.candidates[c])))
            order.push_back(static_cast<int32_t>(c));
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
        const CrowdCandidate &ca = d.candidates[static_cast<size_t>(a)], &cb = d.candidates[static_cast<size_t>(b)];
        if (ca.cost != cb.cost)
            return ca.cost < cb.cost;
        return choiceScore(d, ca) > choiceScore(d, cb);
    });
    std::vector<int32_t> front;
    double best = -std::numeric_limits<double>::infinity();
    for (int32_t c : order) {
        const double s = choiceScore(d, d.candidates[static_cast<size_t>(c)]);
        if (s > best) {
            front.push_back(c);
            best = s;
        }
    }
    return front;
}

int32_t recommendCrowd(const CrowdDesign& d, double maxCost)
{
    int32_t recommended = -1;
    for (size_t c = 0; c < d.candidates.size(); ++c) {
        const CrowdCandidate& cc = d.candidates[c];
        if (!(cc.cost <= maxCost * (1 + 1e-12)) || std::isnan(choiceScore(d, cc)))
            continue;
        if (recommended < 0) {
            recommended = static_cast<int32_t>(c);
            continue;
        }
        const CrowdCandidate& best = d.candidates[static_cast<size_t>(recommended)];
        const double sc = choiceScore(d, cc), sb = choiceScore(d, best);
        if (sc > sb || (sc == sb && (cc.cost < best.cost || (cc.cost == best.cost && cc.members.size() < best.members.size()))))
            recommended = static_cast<int32_t>(c);
    }
    return recommended;
}

std::vector<std::vector<int32_t>> crowdsOfSize(int32_t n, int32_t size, int samples, uint64_t seed, bool& all)
{
    std::vector<std::vector<int32_t>> out;
    all = binomialCoefficient(n, size) <= samples;
    if (all) {
        std::vector<int32_t> c(static_cast<size_t>(size));
        for (int32_t j = 0; j < size; ++j)
            c[static_cast<size_t>(j)] = j;
        for (;;) {
            out.push_back(c);
            int32_t j = size - 1;
            while (j >= 0 && c[static_cast<size_t>(j)] == n - size + j)
                --j;
            if (j < 0)
                break;
            ++c[static_cast<size_t>(j)];
            for (int32_t t = j + 1; t < size; ++t)
                c[static_cast<size_t>(t)] = c[static_cast<size_t>(t - 1)] + 1;
        }
        return out;
    }
    SplitMix64 rng(seed + 0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(size));
    std::set<std::vector<int32_t>> seen;
    std::vector<int32_t> pool(static_cast<size_t>(n));
    while (static_cast<int>(out.size()) < samples) {
        for (int32_t a = 0; a < n; ++a)
            pool[static_cast<size_t>(a)] = a;
        for (int32_t j = 0; j < size; ++j) {
            const auto pick = static_cast<size_t>(j) + static_cast<size_t>(detail::uniform01(rng) * (n - j));
            std::swap(pool[static_cast<size_t>(j)], pool[pick]);
        }
        std::vector<int32_t> c(pool.begin(), pool.begin() + size);
        std::sort(c.begin(), c.end());
        if (seen.insert(c).second)
            out.push_back(std::move(c));
    }
    return out;
}

} // namespace chorus::agg
