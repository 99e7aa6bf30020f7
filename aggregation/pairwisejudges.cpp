// Judge quality for pairwise preferences: agreement with the human majority (accuracy, Cohen's
// kappa), per-category correlation, positional and length bias with exact binomial tests.
// The analysis follows Hugging Face's "Can foundation models label data like humans?" (2023):
// per-category correlation of a judge's and humans' preferences, and the rate at which the
// first-shown output is preferred.

#include "agreement.h"
#include "evaluation.h"
#include "pairwise.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <tuple>

namespace chorus::agg {

double binomialTestTwoSided(int64_t k, int64_t n, double p)
{
    if (n <= 0)
        return 1.0;
    if (k < 0 || k > n)
        return kNaN;
    // scipy.stats.binomtest(k, n, p, alternative='two-sided'): the probability of outcomes at
    // most as likely as the observed one, with relative tolerance 1e-7 on "as likely".
    auto logPmf = [&](int64_t i) {
        const double dn = static_cast<double>(n), di = static_cast<double>(i);
        double lp = std::lgamma(dn + 1) - std::lgamma(di + 1) - std::lgamma(dn - di + 1);
        if (i > 0)
            lp += di * std::log(p);
        if (i < n)
            lp += (dn - di) * std::log1p(-p);
        return lp;
    };
    if (p <= 0 || p >= 1)
        return (p <= 0 ? k == 0 : k == n) ? 1.0 : 0.0;
    if (static_cast<double>(k) == p * static_cast<double>(n))
        return 1.0;
    const double d = std::exp(logPmf(k)) * (1 + 1e-7);
    double total = 0;
    for (int64_t i = 0; i <= n; ++i) {
        const double q = std::exp(logPmf(i));
        if (q <= d)
            total += q;
    }
    return std::min(1.0, total);
}

namespace {

/// Outcome seen from the pair's first model (the one with the smaller index).
int oriented(const Judgment& j)
{
    const int o = static_cast<int>(j.outcome);
    if (j.modelA < j.modelB || o == 2)
        return o;
    return 1 - o;
}

double coded(int o)
{
    return o == 0 ? 1.0 : o == 1 ? -1.0 : 0.0;
}

/// Strict plurality of three counts; -1 when there is none (no votes, or a tie for the top).
int plurality(const int64_t c[3])
{
    int best = -1;
    int64_t bestCount = 0;
    bool unique = false;
    for (int o = 0; o < 3; ++o) {
        if (c[o] > bestCount) {
            best = o;
            bestCount = c[o];
            unique = true;
        } else if (c[o] == bestCount && bestCount > 0) {
            unique = false;
        }
    }
    return unique ? best : -1;
}

void finishBias(BiasTest& t)
{
    if (t.decided > 0) {
        t.rate = static_cast<double>(t.wins) / static_cast<double>(t.decided);
        t.pValue = binomialTestTwoSided(t.wins, t.decided, 0.5);
    }
}

} // namespace

std::vector<JudgeQuality> judgeQuality(const PairwiseData& data, const JudgeQualityOptions& options,
                                       const RunHooks& hooks)
{
    const size_t J = data.judges.size();
    auto isHuman = [&](int32_t judge) {
        return static_cast<size_t>(judge) < data.judgeKinds.size() && data.judgeKinds[judge] == JudgeKind::Human;
    };
    // Comparison = (item, unordered model pair). Without an item every judgment stands alone.
    std::map<std::tuple<int32_t, int32_t, int32_t>, int64_t> comparisonIndex;
    std::vector<int64_t> comparisonOf(data.judgments.size(), -1);
    std::vector<std::array<int64_t, 3>> humanVotes;
    for (size_t i = 0; i < data.judgments.size(); ++i) {
        const Judgment& j = data.judgments[i];
        if (j.modelA == j.modelB)
            continue;
        int64_t c;
        if (j.item < 0) {
            c = static_cast<int64_t>(humanVotes.size());
            humanVotes.push_back({0, 0, 0});
        } else {
            const auto key = std::make_tuple(j.item, std::min(j.modelA, j.modelB), std::max(j.modelA, j.modelB));
            auto [it, inserted] = comparisonIndex.emplace(key, static_cast<int64_t>(humanVotes.size()));
            if (inserted)
                humanVotes.push_back({0, 0, 0});
            c = it->second;
        }
        comparisonOf[i] = c;
        if (isHuman(j.judge))
            ++humanVotes[c][oriented(j)];
    }
    if (hooks.canceled())
        throw Canceled{};

    std::vector<JudgeQuality> out(J);
    std::vector<std::vector<std::pair<std::vector<double>, std::vector<double>>>> catPairs(
        J, std::vector<std::pair<std::vector<double>, std::vector<double>>>(data.categories.size()));
    std::vector<std::vector<int32_t>> catOrder(J);
    for (size_t q = 0; q < J; ++q) {
        out[q].judge = static_cast<int32_t>(q);
        out[q].kind = q < data.judgeKinds.size() ? data.judgeKinds[q] : JudgeKind::Unknown;
        out[q].confusion.assign(9, 0);
    }
    for (size_t i = 0; i < data.judgments.size(); ++i) {
        const Judgment& j = data.judgments[i];
        JudgeQuality& jq = out[j.judge];
        ++jq.judgments;
        ++jq.outcomeCounts[static_cast<int>(j.outcome)];
        if (j.score > 0) {
            jq.scoreHistogram.resize(8, 0);
            if (j.score <= 8)
                ++jq.scoreHistogram[j.score - 1];
        }
        // Positional bias: does the first-shown output win?
        int first = j.firstShown;
        if (first < 0 && options.assumeAFirst) {
            first = 0;
            jq.firstShownAssumed = true;
        }
        if (first >= 0) {
            if (j.outcome == Outcome::Tie)
                ++jq.positional.ties;
            else {
                ++jq.positional.decided;
                jq.positional.wins += static_cast<int>(j.outcome) == first;
            }
        }
        // Length bias: does the longer output win?
        if (std::isfinite(j.lengthA) && std::isfinite(j.lengthB) && j.lengthA != j.lengthB) {
            const Outcome longer = j.lengthA > j.lengthB ? Outcome::A : Outcome::B;
            if (j.outcome == Outcome::Tie)
                ++jq.length.ties;
            else {
                ++jq.length.decided;
                jq.length.wins += j.outcome == longer;
            }
        }
        if (comparisonOf[i] < 0)
            continue;
        int64_t votes[3] = {humanVotes[comparisonOf[i]][0], humanVotes[comparisonOf[i]][1],
                            humanVotes[comparisonOf[i]][2]};
        const int mine = oriented(j);
        if (isHuman(j.judge))
            --votes[mine];  // leave-one-out: a human is compared with the other humans
        const int majority = plurality(votes);
        if (majority < 0)
            continue;
        ++jq.compared;
        ++jq.confusion[mine * 3 + majority];
        if (j.category >= 0) {
            auto& [x, y] = catPairs[j.judge][j.category];
            if (x.empty())
                catOrder[j.judge].push_back(j.category);
            x.push_back(coded(mine));
            y.push_back(coded(majority));
        }
        if ((i & 0xFFFF) == 0 && hooks.canceled())
            throw Canceled{};
    }
    for (size_t q = 0; q < J; ++q) {
        JudgeQuality& jq = out[q];
        if (jq.compared > 0) {
            jq.accuracy = static_cast<double>(jq.confusion[0] + jq.confusion[4] + jq.confusion[8]) /
                          static_cast<double>(jq.compared);
            const std::vector<double> table(jq.confusion.begin(), jq.confusion.end());
            jq.kappa = kappaFromTable(table, 3, KappaWeighting::None);
        } else {
            jq.kappa = Coefficient::undefined("no comparison with a human majority");
        }
        for (int32_t c : catOrder[q]) {
            const auto& [x, y] = catPairs[q][c];
            const Correlation corr = pearson(x, y);
            jq.categories.push_back({c, static_cast<int64_t>(x.size()), corr.r});
        }
        finishBias(jq.positional);
        finishBias(jq.length);
        hooks.report(static_cast<int>(q + 1), static_cast<int>(J));
    }
    return out;
}

} // namespace chorus::agg
