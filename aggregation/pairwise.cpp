// Pairwise rankings: records, win-rate matrix, Elo (LMSYS procedure), Bradley-Terry (Hunter's
// MM algorithm) and their seeded bootstraps. Judge quality lives in pairwisejudges.cpp.

#include "pairwise.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>
#include <tuple>

namespace chorus::agg {

int32_t PairwiseData::intern(std::vector<std::string>& table, const std::string& name)
{
    const auto it = std::find(table.begin(), table.end(), name);
    if (it != table.end())
        return static_cast<int32_t>(it - table.begin());
    table.push_back(name);
    return static_cast<int32_t>(table.size() - 1);
}

PairwiseData filterJudgments(const PairwiseData& data, const std::function<bool(const Judgment&)>& keep)
{
    PairwiseData out;
    out.judges = data.judges;
    out.judgeKinds = data.judgeKinds;
    out.categories = data.categories;
    out.items = data.items;
    std::vector<int32_t> newIndex(data.models.size(), -1);
    auto remap = [&](int32_t m) {
        if (newIndex[m] < 0) {
            newIndex[m] = static_cast<int32_t>(out.models.size());
            out.models.push_back(data.models[m]);
        }
        return newIndex[m];
    };
    for (const Judgment& j : data.judgments) {
        if (!keep(j))
            continue;
        Judgment k = j;
        k.modelA = remap(j.modelA);
        k.modelB = remap(j.modelB);
        out.judgments.push_back(k);
    }
    return out;
}

PairwiseData filterByJudge(const PairwiseData& data, const std::string& substring)
{
    return filterJudgments(data, [&](const Judgment& j) {
        return substring.empty() || data.judges[j.judge].find(substring) != std::string::npos;
    });
}

PairwiseData filterByJudgeKind(const PairwiseData& data, JudgeKind kind)
{
    auto normalised = [](JudgeKind k) { return k == JudgeKind::Unknown ? JudgeKind::Llm : k; };
    return filterJudgments(data, [&](const Judgment& j) {
        const JudgeKind k = static_cast<size_t>(j.judge) < data.judgeKinds.size() ? data.judgeKinds[j.judge]
                                                                                  : JudgeKind::Unknown;
        return normalised(k) == normalised(kind);
    });
}

std::vector<ModelRecord> modelRecords(const PairwiseData& data)
{
    std::vector<ModelRecord> r(data.models.size());
    for (const Judgment& j : data.judgments) {
        if (j.modelA == j.modelB)
            continue;
        switch (j.outcome) {
        case Outcome::A: ++r[j.modelA].wins; ++r[j.modelB].losses; break;
        case Outcome::B: ++r[j.modelB].wins; ++r[j.modelA].losses; break;
        case Outcome::Tie: ++r[j.modelA].ties; ++r[j.modelB].ties; break;
        }
    }
    for (ModelRecord& m : r) {
        const int64_t games = m.wins + m.losses + m.ties;
        if (games > 0)
            m.winRate = (static_cast<double>(m.wins) + 0.5 * static_cast<double>(m.ties)) / static_cast<double>(games);
    }
    return r;
}

std::vector<double> winRateMatrix(const PairwiseData& data)
{
    const size_t M = data.models.size();
    std::vector<double> score(M * M, 0.0), games(M * M, 0.0), out(M * M, kNaN);
    for (const Judgment& j : data.judgments) {
        if (j.modelA == j.modelB)
            continue;
        const size_t ab = j.modelA * M + j.modelB, ba = j.modelB * M + j.modelA;
        games[ab] += 1;
        games[ba] += 1;
        const double sa = j.outcome == Outcome::A ? 1.0 : j.outcome == Outcome::B ? 0.0 : 0.5;
        score[ab] += sa;
        score[ba] += 1.0 - sa;
    }
    for (size_t c = 0; c < M * M; ++c)
        if (games[c] > 0)
            out[c] = score[c] / games[c];
    return out;
}

namespace {

/// One Elo step of the LMSYS notebook's compute_elo. With t = base^((R_b - R_a)/scale),
/// E_a = 1/(1+t) and E_b = 1/(1+1/t) = t/(1+t): one exp instead of two pows.
struct EloStepper
{
    double k, lnBaseOverScale;
    explicit EloStepper(const EloOptions& o) : k(o.k), lnBaseOverScale(std::log(o.base) / o.scale) {}
    void operator()(double& ra, double& rb, double sa) const
    {
        const double t = std::exp((rb - ra) * lnBaseOverScale);
        const double ea = 1.0 / (1.0 + t);
        const double eb = t / (1.0 + t);
        ra += k * (sa - ea);
        rb += k * (1.0 - sa - eb);
    }
};

double scoreA(Outcome o)
{
    return o == Outcome::A ? 1.0 : o == Outcome::B ? 0.0 : 0.5;
}

/// Indices of the judgments a rating uses under the tie policy, in file order.
std::vector<uint32_t> usedJudgments(const PairwiseData& data, TiePolicy ties)
{
    std::vector<uint32_t> used;
    used.reserve(data.judgments.size());
    for (size_t i = 0; i < data.judgments.size(); ++i)
        if (ties == TiePolicy::Half || data.judgments[i].outcome != Outcome::Tie)
            used.push_back(static_cast<uint32_t>(i));
    return used;
}

/// Median and percentile interval per model from replicate-major values (B x M).
void summarise(const std::vector<double>& reps, int B, double level, RankingResult& r)
{
    const size_t M = r.models.size();
    std::vector<double> column(static_cast<size_t>(B));
    for (size_t m = 0; m < M; ++m) {
        for (int b = 0; b < B; ++b)
            column[b] = reps[static_cast<size_t>(b) * M + m];
        r.models[m].median = quantile(column, 0.5);
        const Interval iv = percentileInterval(column, level);
        r.models[m].lo = iv.lo;
        r.models[m].hi = iv.hi;
    }
    r.replicates = B;
}

} // namespace

std::vector<double> eloRatings(const PairwiseData& data, const EloOptions& options,
                               const std::vector<uint32_t>& order)
{
    std::vector<double> rating(data.models.size(), kNaN);
    const EloStepper step(options);
    auto play = [&](const Judgment& j) {
        if (options.ties == TiePolicy::Drop && j.outcome == Outcome::Tie)
            return;
        double& ra = rating[j.modelA];
        double& rb = rating[j.modelB];
        if (ra != ra)
            ra = options.initial;
        if (rb != rb)
            rb = options.initial;
        step(ra, rb, scoreA(j.outcome));
    };
    if (order.empty())
        for (const Judgment& j : data.judgments)
            play(j);
    else
        for (uint32_t i : order)
            play(data.judgments[i]);
    return rating;
}

RankingResult rankElo(const PairwiseData& data, const EloOptions& options, const BootstrapOptions& boot,
                      Resampling resampling, const RunHooks& hooks)
{
    RankingResult r;
    const size_t M = data.models.size();
    r.models.resize(M);
    const std::vector<ModelRecord> rec = modelRecords(data);
    const std::vector<double> point = eloRatings(data, options);
    for (size_t m = 0; m < M; ++m) {
        r.models[m].rating = point[m];
        r.models[m].record = rec[m];
    }
    // As the leaderboard does, ties are removed before resampling when they are dropped.
    const std::vector<uint32_t> used = usedJudgments(data, options.ties);
    r.used = static_cast<int64_t>(used.size());
    if (boot.replicates <= 0 || used.empty())
        return r;

    // Compact copy: model indices and score per used judgment, for cache-friendly replays.
    const size_t n = used.size();
    std::vector<int32_t> ma(n), mb(n);
    std::vector<double> sa(n);
    for (size_t i = 0; i < n; ++i) {
        const Judgment& j = data.judgments[used[i]];
        ma[i] = j.modelA;
        mb[i] = j.modelB;
        sa[i] = scoreA(j.outcome);
    }
    const int B = boot.replicates;
    const int threads = bootstrapThreads(boot.threads, B);
    std::vector<double> reps(static_cast<size_t>(B) * M, kNaN);
    std::vector<std::vector<double>> scratch(threads, std::vector<double>(M));
    std::vector<std::vector<uint32_t>> perm(threads);
    const EloStepper step(options);
    runReplicates(B, threads, boot.seed, hooks, [&](int b, std::mt19937_64& rng, int w) {
        std::vector<double>& rating = scratch[w];
        std::fill(rating.begin(), rating.end(), kNaN);
        auto play = [&](size_t i) {
            double& ra = rating[ma[i]];
            double& rb = rating[mb[i]];
            if (ra != ra)
                ra = options.initial;
            if (rb != rb)
                rb = options.initial;
            step(ra, rb, sa[i]);
        };
        if (resampling == Resampling::WithReplacement) {
            for (size_t d = 0; d < n; ++d)
                play(uniformIndex(rng, static_cast<uint32_t>(n)));
        } else {
            // Fisher-Yates with the portable uniformIndex (Knuth, TAOCP vol. 2, Algorithm P).
            std::vector<uint32_t>& p = perm[w];
            p.resize(n);
            for (size_t i = 0; i < n; ++i)
                p[i] = static_cast<uint32_t>(i);
            for (size_t i = n - 1; i > 0; --i)
                std::swap(p[i], p[uniformIndex(rng, static_cast<uint32_t>(i + 1))]);
            for (uint32_t i : p)
                play(i);
        }
        std::copy(rating.begin(), rating.end(), reps.begin() + static_cast<std::ptrdiff_t>(b) * M);
    });
    summarise(reps, B, boot.level, r);
    return r;
}

std::vector<double> bradleyTerryFromWins(const std::vector<double>& wins, int32_t numModels,
                                         const BradleyTerryOptions& options, int* iterations,
                                         bool* converged, const std::vector<double>& start)
{
    const size_t M = static_cast<size_t>(numModels);
    std::vector<double> W(M, 0.0), games(M, 0.0), N(M * M, 0.0);
    for (size_t i = 0; i < M; ++i)
        for (size_t j = 0; j < M; ++j) {
            if (i == j)
                continue;
            W[i] += wins[i * M + j];
            N[i * M + j] = wins[i * M + j] + wins[j * M + i];
            games[i] += N[i * M + j];
        }
    size_t active = 0;
    for (size_t i = 0; i < M; ++i)
        active += games[i] > 0;
    std::vector<double> p(M, kNaN), next(M, kNaN);
    for (size_t i = 0; i < M; ++i)
        if (games[i] > 0)
            p[i] = (start.size() == M && start[i] > 0) ? start[i] : 1.0 / static_cast<double>(active);
    int it = 0;
    bool done = active == 0;
    // Hunter (2004), "MM algorithms for generalized Bradley-Terry models", Ann. Statist. 32(1),
    // eq. (3): p_i <- W_i / sum_j N_ij / (p_i + p_j), then rescale to sum 1.
    while (!done && it < options.maxIterations) {
        ++it;
        double sum = 0;
        for (size_t i = 0; i < M; ++i) {
            if (games[i] <= 0)
                continue;
            if (W[i] <= 0) {
                next[i] = 0;
                continue;
            }
            double denom = 0;
            for (size_t j = 0; j < M; ++j) {
                const double nij = N[i * M + j];
                if (nij > 0 && p[i] + p[j] > 0)
                    denom += nij / (p[i] + p[j]);
            }
            next[i] = W[i] / denom;
            sum += next[i];
        }
        double change = 0;
        for (size_t i = 0; i < M; ++i) {
            if (games[i] <= 0)
                continue;
            next[i] /= sum;
            change = std::max(change, std::abs(next[i] - p[i]));
        }
        p.swap(next);
        done = change < options.tolerance;
    }
    if (iterations)
        *iterations = it;
    if (converged)
        *converged = done;
    return p;
}

RankingResult rankBradleyTerry(const PairwiseData& data, const BradleyTerryOptions& options,
                               const BootstrapOptions& boot, const RunHooks& hooks)
{
    RankingResult r;
    const size_t M = data.models.size();
    r.models.resize(M);
    const std::vector<ModelRecord> rec = modelRecords(data);
    for (size_t m = 0; m < M; ++m)
        r.models[m].record = rec[m];

    // The fit depends only on counts per (model_a, model_b, outcome): group judgments into those
    // types so that a bootstrap replicate costs O(n) draws plus an O(M^2) fit.
    std::map<std::tuple<int32_t, int32_t, int>, int32_t> typeIndex;
    std::vector<std::tuple<int32_t, int32_t, Outcome>> types;
    std::vector<int32_t> unitType;
    for (const uint32_t i : usedJudgments(data, options.ties)) {
        const Judgment& j = data.judgments[i];
        if (j.modelA == j.modelB)
            continue;
        const auto key = std::make_tuple(j.modelA, j.modelB, static_cast<int>(j.outcome));
        auto [it, inserted] = typeIndex.emplace(key, static_cast<int32_t>(types.size()));
        if (inserted)
            types.emplace_back(j.modelA, j.modelB, j.outcome);
        unitType.push_back(it->second);
    }
    r.used = static_cast<int64_t>(unitType.size());
    auto winsFrom = [&](const auto& countOf, std::vector<double>& wins) {
        std::fill(wins.begin(), wins.end(), 0.0);
        for (size_t t = 0; t < types.size(); ++t) {
            const auto& [a, b, o] = types[t];
            const double c = static_cast<double>(countOf(t));
            if (o == Outcome::A)
                wins[a * M + b] += c;
            else if (o == Outcome::B)
                wins[b * M + a] += c;
            else {
                wins[a * M + b] += 0.5 * c;
                wins[b * M + a] += 0.5 * c;
            }
        }
    };
    std::vector<int64_t> typeCount(types.size(), 0);
    for (int32_t t : unitType)
        ++typeCount[t];
    std::vector<double> wins(M * M);
    winsFrom([&](size_t t) { return typeCount[t]; }, wins);
    const std::vector<double> point =
        bradleyTerryFromWins(wins, static_cast<int32_t>(M), options, &r.iterations, &r.converged);
    for (size_t m = 0; m < M; ++m)
        r.models[m].rating = point[m];
    if (boot.replicates <= 0 || unitType.empty())
        return r;

    const int B = boot.replicates;
    const int threads = bootstrapThreads(boot.threads, B);
    std::vector<double> reps(static_cast<size_t>(B) * M, kNaN);
    std::vector<std::vector<int64_t>> counts(threads, std::vector<int64_t>(types.size()));
    std::vector<std::vector<double>> scratch(threads, std::vector<double>(M * M));
    runReplicates(B, threads, boot.seed, hooks, [&](int b, std::mt19937_64& rng, int w) {
        resampleTypeCounts(unitType, rng, counts[w]);
        winsFrom([&](size_t t) { return counts[w][t]; }, scratch[w]);
        const std::vector<double> p =
            bradleyTerryFromWins(scratch[w], static_cast<int32_t>(M), options, nullptr, nullptr, point);
        std::copy(p.begin(), p.end(), reps.begin() + static_cast<std::ptrdiff_t>(b) * M);
    });
    summarise(reps, B, boot.level, r);
    return r;
}

} // namespace chorus::agg
