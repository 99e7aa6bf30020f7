#include "evaluation.h"

#include "sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace chorus::agg {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Per-class counts -> precision/recall/F1 (scikit-learn's zero_division=0 behaviour).
void finishClass(ClassScores& c)
{
    const double tp = static_cast<double>(c.truePositives);
    c.precision = c.predicted > 0 ? tp / static_cast<double>(c.predicted) : 0.0;
    c.recall = c.support > 0 ? tp / static_cast<double>(c.support) : 0.0;
    const double denom = static_cast<double>(c.predicted + c.support);  // 2TP + FP + FN
    c.f1 = denom > 0 ? 2 * tp / denom : 0.0;
}

struct MacroScores
{
    double precision = kNaN, recall = kNaN, f1 = kNaN, weightedF1 = kNaN;
};

MacroScores macroOf(const std::vector<ClassScores>& classes, MacroAverage over)
{
    MacroScores m;
    double p = 0, r = 0, f = 0, wf = 0, support = 0;
    int used = 0;
    for (const ClassScores& c : classes) {
        support += static_cast<double>(c.support);
        wf += static_cast<double>(c.support) * c.f1;
        if (over == MacroAverage::LabelsPresent && c.support == 0 && c.predicted == 0)
            continue;
        p += c.precision;
        r += c.recall;
        f += c.f1;
        ++used;
    }
    if (used > 0) {
        m.precision = p / used;
        m.recall = r / used;
        m.f1 = f / used;
    }
    if (support > 0)
        m.weightedF1 = wf / support;
    return m;
}

void checkInputs(const std::vector<int32_t>& predicted, const std::vector<int32_t>& gold,
                 int32_t numLabels)
{
    if (predicted.size() != gold.size())
        throw std::invalid_argument("evaluate: " + std::to_string(predicted.size())
                                    + " predictions for " + std::to_string(gold.size())
                                    + " gold labels");
    for (size_t i = 0; i < gold.size(); ++i)
        if (gold[i] >= numLabels || predicted[i] >= numLabels || predicted[i] < kNoPrediction)
            throw std::invalid_argument("evaluate: label out of range at item "
                                        + std::to_string(i));
}

} // namespace

EvaluationResult evaluate(const std::vector<int32_t>& predicted, const std::vector<int32_t>& gold,
                          int32_t numLabels, const EvaluationOptions& options)
{
    checkInputs(predicted, gold, numLabels);
    EvaluationResult r;
    r.numLabels = numLabels;
    const size_t L = static_cast<size_t>(numLabels);
    r.perClass.assign(L, {});
    r.confusion.assign(L * (L + 1), 0);
    for (size_t i = 0; i < gold.size(); ++i) {
        const int32_t g = gold[i];
        if (g < 0)
            continue;
        const int32_t p = predicted[i];
        ++r.items;
        r.answered += p != kNoPrediction;
        ++r.perClass[g].support;
        if (p >= 0) {
            ++r.valid;
            ++r.perClass[p].predicted;
            if (p == g) {
                ++r.correct;
                ++r.perClass[g].truePositives;
            }
        }
        ++r.confusion[static_cast<size_t>(g) * (L + 1) + (p >= 0 ? static_cast<size_t>(p) : L)];
    }
    for (ClassScores& c : r.perClass)
        finishClass(c);
    if (r.items == 0) {
        r.accuracy = r.coverage = r.validCoverage = kNaN;
        r.macroPrecision = r.macroRecall = r.macroF1 = r.weightedF1 = kNaN;
        return r;
    }
    const double n = static_cast<double>(r.items);
    r.accuracy = static_cast<double>(r.correct) / n;
    r.coverage = static_cast<double>(r.answered) / n;
    r.validCoverage = static_cast<double>(r.valid) / n;
    const MacroScores m = macroOf(r.perClass, options.macroOver);
    r.macroPrecision = m.precision;
    r.macroRecall = m.recall;
    r.macroF1 = m.f1;
    r.weightedF1 = m.weightedF1;
    return r;
}

std::vector<double> averageRanks(const std::vector<double>& values)
{
    std::vector<size_t> order;
    for (size_t i = 0; i < values.size(); ++i)
        if (std::isfinite(values[i]))
            order.push_back(i);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return values[a] < values[b]; });
    std::vector<double> ranks(values.size(), kNaN);
    for (size_t s = 0; s < order.size();) {
        size_t e = s + 1;
        while (e < order.size() && values[order[e]] == values[order[s]])
            ++e;
        // Positions s+1..e share their mean.
        const double rank = (static_cast<double>(s + 1) + static_cast<double>(e)) / 2;
        for (size_t k = s; k < e; ++k)
            ranks[order[k]] = rank;
        s = e;
    }
    return ranks;
}

Correlation pearson(const std::vector<double>& x, const std::vector<double>& y)
{
    if (x.size() != y.size())
        throw std::invalid_argument("correlation: vectors differ in length");
    Correlation c;
    double mx = 0, my = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        if (!std::isfinite(x[i]) || !std::isfinite(y[i]))
            continue;
        ++c.n;
        mx += x[i];
        my += y[i];
    }
    if (c.n < 2) {
        c.r = Coefficient::undefined("fewer than 2 complete pairs");
        return c;
    }
    mx /= static_cast<double>(c.n);
    my /= static_cast<double>(c.n);
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        if (!std::isfinite(x[i]) || !std::isfinite(y[i]))
            continue;
        const double dx = x[i] - mx, dy = y[i] - my;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if (sxx == 0 || syy == 0) {
        c.r = Coefficient::undefined("constant input: correlation is 0/0");
        return c;
    }
    c.r = Coefficient::ok(std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0));
    return c;
}

Correlation spearman(const std::vector<double>& x, const std::vector<double>& y)
{
    if (x.size() != y.size())
        throw std::invalid_argument("correlation: vectors differ in length");
    // Rank only the complete pairs, so a value missing on one side does not shift the other.
    std::vector<double> xs, ys;
    for (size_t i = 0; i < x.size(); ++i) {
        if (std::isfinite(x[i]) && std::isfinite(y[i])) {
            xs.push_back(x[i]);
            ys.push_back(y[i]);
        }
    }
    return pearson(averageRanks(xs), averageRanks(ys));
}

std::vector<ScoreIntervals> bootstrapScores(const std::vector<const std::vector<int32_t>*>& predicted,
                                            const std::vector<int32_t>& gold,
                                            const std::vector<int32_t>& items, int32_t numLabels,
                                            const BootstrapOptions& boot,
                                            const EvaluationOptions& options,
                                            const RunHooks& hooks)
{
    const size_t V = predicted.size();
    std::vector<ScoreIntervals> out(V);
    for (const auto* p : predicted)
        checkInputs(*p, gold, numLabels);
    for (int32_t i : items)
        if (i < 0 || static_cast<size_t>(i) >= gold.size() || gold[i] < 0)
            throw std::invalid_argument("bootstrapScores: item without gold");
    if (items.empty() || V == 0 || boot.replicates < 1)
        return out;

    // An item enters a vector's scores only through its cell (gold g, prediction p or "none"
    // = numLabels): cell g * (L + 1) + p. A bootstrap resample of the items therefore matters
    // only through how many drawn items fall in each cell, and those tallies are multinomial
    // with n trials and the cells' shares of the items as probabilities: one binomial per
    // non-empty cell (multinomialCounts) instead of one draw per item. Every score then follows
    // from the L x (L + 1) cell counts, as in evaluate().
    const int32_t L = numLabels;
    const size_t width = static_cast<size_t>(L) + 1, cells = static_cast<size_t>(L) * width;
    const size_t n = items.size();
    std::vector<std::vector<int64_t>> cellSize(V, std::vector<int64_t>(cells, 0));
    for (size_t v = 0; v < V; ++v)
        for (const int32_t i : items) {
            const int32_t p = (*predicted[v])[i];
            ++cellSize[v][static_cast<size_t>(gold[i]) * width + (p >= 0 ? static_cast<size_t>(p) : L)];
        }

    const int threads = bootstrapThreads(boot.threads, boot.replicates);
    std::vector<std::vector<int64_t>> scratch(static_cast<size_t>(threads));
    std::vector<double> acc(V * static_cast<size_t>(boot.replicates));
    std::vector<double> f1(acc.size());
    runReplicateTasks(boot.replicates, threads, hooks, [&](int b, int worker) {
        std::vector<int64_t>& counts = scratch[static_cast<size_t>(worker)];
        std::vector<ClassScores> classes(static_cast<size_t>(L));
        const uint64_t seed = replicateSeed(boot.seed, static_cast<uint64_t>(b));
        for (size_t v = 0; v < V; ++v) {
            // Every vector starts from the replicate's seed, so its interval does not depend on
            // the other vectors (the intervals are marginal: no joint replicate is kept).
            SplitMix64 rng(seed);
            multinomialCounts(rng, static_cast<int64_t>(n), cellSize[v], counts);
            int64_t correct = 0;
            std::fill(classes.begin(), classes.end(), ClassScores{});
            for (int32_t g = 0; g < L; ++g)
                for (int32_t p = 0; p <= L; ++p) {
                    const int64_t w = counts[static_cast<size_t>(g) * width + p];
                    classes[g].support += w;
                    if (p < L) {
                        classes[p].predicted += w;
                        if (p == g) {
                            classes[g].truePositives += w;
                            correct += w;
                        }
                    }
                }
            for (ClassScores& cs : classes)
                finishClass(cs);
            acc[v * boot.replicates + b] = static_cast<double>(correct) / static_cast<double>(n);
            f1[v * boot.replicates + b] = macroOf(classes, options.macroOver).f1;
        }
    });
    for (size_t v = 0; v < V; ++v) {
        const auto first = static_cast<std::ptrdiff_t>(v * boot.replicates);
        out[v].accuracy = percentileInterval({acc.begin() + first, acc.begin() + first + boot.replicates}, boot.level);
        out[v].macroF1 = percentileInterval({f1.begin() + first, f1.begin() + first + boot.replicates}, boot.level);
    }
    return out;
}

PairedBootstrapResult pairedBootstrapMacroF1(const std::vector<int32_t>& predictedA,
                                             const std::vector<int32_t>& predictedB,
                                             const std::vector<int32_t>& gold, int32_t numLabels,
                                             const BootstrapOptions& boot,
                                             const EvaluationOptions& options,
                                             const RunHooks& hooks)
{
    checkInputs(predictedA, gold, numLabels);
    checkInputs(predictedB, gold, numLabels);
    PairedBootstrapResult out;
    out.replicates = boot.replicates;
    out.macroF1A = evaluate(predictedA, gold, numLabels, options).macroF1;
    out.macroF1B = evaluate(predictedB, gold, numLabels, options).macroF1;
    out.difference = out.macroF1A - out.macroF1B;

    // An item matters only through (gold, A's label or "none", B's label or "none"): group items
    // into these types so a replicate costs O(items + types).
    const int64_t width = numLabels + 1;
    std::unordered_map<int64_t, int32_t> typeId;
    std::vector<int64_t> typeCode;  // code of each used type
    std::vector<int32_t> itemType;
    for (size_t i = 0; i < gold.size(); ++i) {
        if (gold[i] < 0)
            continue;
        const int64_t a = predictedA[i] >= 0 ? predictedA[i] : numLabels;
        const int64_t b = predictedB[i] >= 0 ? predictedB[i] : numLabels;
        const int64_t code = (gold[i] * width + a) * width + b;
        const auto [it, isNew] = typeId.try_emplace(code, static_cast<int32_t>(typeCode.size()));
        if (isNew)
            typeCode.push_back(code);
        itemType.push_back(it->second);
    }
    out.items = static_cast<int64_t>(itemType.size());
    if (itemType.empty() || boot.replicates < 1) {
        out.pValue = kNaN;
        return out;
    }

    const int threads = bootstrapThreads(boot.threads, boot.replicates);
    std::vector<std::vector<int64_t>> scratch(static_cast<size_t>(threads),
                                              std::vector<int64_t>(typeCode.size()));
    std::vector<double> diffs(static_cast<size_t>(boot.replicates));
    runReplicates(boot.replicates, threads, boot.seed, hooks,
                  [&](int rep, std::mt19937_64& rng, int worker) {
                      std::vector<int64_t>& w = scratch[static_cast<size_t>(worker)];
                      resampleTypeCounts(itemType, rng, w);
                      std::vector<ClassScores> ca(static_cast<size_t>(numLabels)), cb = ca;
                      for (size_t t = 0; t < typeCode.size(); ++t) {
                          if (w[t] == 0)
                              continue;
                          const int64_t code = typeCode[t];
                          const auto b = static_cast<int32_t>(code % width);
                          const auto a = static_cast<int32_t>((code / width) % width);
                          const auto g = static_cast<int32_t>(code / width / width);
                          ca[g].support += w[t];
                          cb[g].support += w[t];
                          if (a < numLabels) {
                              ca[a].predicted += w[t];
                              ca[g].truePositives += a == g ? w[t] : 0;
                          }
                          if (b < numLabels) {
                              cb[b].predicted += w[t];
                              cb[g].truePositives += b == g ? w[t] : 0;
                          }
                      }
                      for (auto* v : {&ca, &cb})
                          for (ClassScores& c : *v)
                              finishClass(c);
                      diffs[static_cast<size_t>(rep)] =
                          macroOf(ca, options.macroOver).f1 - macroOf(cb, options.macroOver).f1;
                  });
    out.ci = percentileInterval(diffs, boot.level);
    int64_t extreme = 0;
    for (double d : diffs)
        extreme += std::abs(d - out.difference) >= std::abs(out.difference);
    out.pValue = static_cast<double>(1 + extreme) / static_cast<double>(boot.replicates + 1);
    return out;
}

} // namespace chorus::agg
