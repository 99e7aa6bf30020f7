#pragma once
// Pairwise preferences: judges (humans or LLMs) compare the outputs of two models; we rank the
// models (Elo as the LMSYS / Hugging Face leaderboards compute it, Bradley-Terry by maximum
// likelihood), with seeded bootstrap intervals, and measure judge quality (agreement with the
// human majority, per-category correlation, positional and length bias).
// Formulas and conventions: docs/pairwise.md.

#include "statistics.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace chorus::agg {

/// Outcome of one comparison, from model_a's point of view.
enum class Outcome : int8_t { A = 0, B = 1, Tie = 2 };

/// Who judged. Unknown is treated as an LLM by the judge-quality analysis.
enum class JudgeKind : int8_t { Unknown = 0, Human = 1, Llm = 2 };

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// One judgment. Indices point into PairwiseData's name tables.
struct Judgment
{
    int32_t modelA = 0;
    int32_t modelB = 0;
    Outcome outcome = Outcome::Tie;
    int32_t judge = 0;
    int32_t category = -1;  ///< -1 = none
    int32_t item = -1;      ///< the prompt / comparison id; -1 = none
    /// Which output the judge saw first: 0 = model_a's, 1 = model_b's, -1 = not recorded.
    int8_t firstShown = -1;
    /// Raw Likert score when the file gave one (1..8); 0 = the file gave a/b/tie.
    int8_t score = 0;
    double lengthA = kNaN;  ///< output lengths (any unit, e.g. characters); NaN = not given
    double lengthB = kNaN;
};

/// Judgments in file order plus name tables.
struct PairwiseData
{
    std::vector<std::string> models;
    std::vector<std::string> judges;
    std::vector<JudgeKind> judgeKinds;  ///< one per judge
    std::vector<std::string> categories;
    std::vector<std::string> items;
    std::vector<Judgment> judgments;

    /// Index of `name` in `table`, appending it when new.
    static int32_t intern(std::vector<std::string>& table, const std::string& name);
};

/// The judgments of the judges whose name contains `substring` (all when it is empty), in file
/// order. Name tables are kept; models that no longer occur are dropped and renumbered in order
/// of first appearance, so rankings list only models with judgments.
PairwiseData filterByJudge(const PairwiseData& data, const std::string& substring);

/// The judgments for which keep() is true, with models renumbered as in filterByJudge.
PairwiseData filterJudgments(const PairwiseData& data, const std::function<bool(const Judgment&)>& keep);

/// The judgments of judges of one kind (JudgeKind::Unknown counts as Llm).
PairwiseData filterByJudgeKind(const PairwiseData& data, JudgeKind kind);

/// How a tie enters a rating.
enum class TiePolicy {
    Half,  ///< half a win for each side (Elo: score 0.5; Bradley-Terry: 0.5 win each way)
    Drop,  ///< the judgment is ignored by the rating (still counted in wins/losses/ties)
};

/// How a bootstrap replicate is drawn from the n judgments.
enum class Resampling {
    /// n judgments drawn with replacement, in draw order: the LMSYS notebook's
    /// `battles.sample(frac=1.0, replace=True)`. The default.
    WithReplacement,
    /// a random permutation of the n judgments (only the order changes: for Elo only).
    Shuffle,
};

/// Elo parameters; defaults are the LMSYS leaderboard's compute_elo (K=4, SCALE=400, BASE=10,
/// INIT_RATING=1000).
struct EloOptions
{
    double k = 4;
    double scale = 400;
    double base = 10;
    double initial = 1000;
    TiePolicy ties = TiePolicy::Half;
};

/// Bradley-Terry fit options.
struct BradleyTerryOptions
{
    TiePolicy ties = TiePolicy::Half;
    int maxIterations = 10000;
    /// Stop when max_i |p_i' - p_i| < tolerance (strengths normalised to sum 1).
    double tolerance = 1e-12;
};

/// Per-model counts over all given judgments (independent of the tie policy).
struct ModelRecord
{
    int64_t wins = 0;
    int64_t losses = 0;
    int64_t ties = 0;
    /// (wins + ties / 2) / (wins + losses + ties); NaN without comparisons.
    double winRate = kNaN;
};

/// A rating per model with its bootstrap summary (NaN when the bootstrap was skipped).
struct RatedModel
{
    double rating = kNaN;  ///< point estimate on all judgments in file order
    double median = kNaN;  ///< bootstrap median
    double lo = kNaN;      ///< percentile interval, BootstrapOptions::level
    double hi = kNaN;
    ModelRecord record;
};

struct RankingResult
{
    std::vector<RatedModel> models;  ///< indexed like PairwiseData::models
    int64_t used = 0;                ///< judgments that entered the rating (after tie policy)
    int iterations = 0;              ///< Bradley-Terry point fit: MM iterations
    bool converged = true;
    int replicates = 0;              ///< bootstrap replicates run (0 = skipped)
};

/// Per-model wins/losses/ties and win rates. Self-comparisons (model_a == model_b) are skipped.
std::vector<ModelRecord> modelRecords(const PairwiseData& data);

/// Win-rate matrix, numModels x numModels row-major: cell (i, j) = (wins of i over j + ties/2)
/// / comparisons of i and j; NaN when they never met (and on the diagonal).
std::vector<double> winRateMatrix(const PairwiseData& data);

/// Elo ratings by sequential updates over `order` (indices into data.judgments; empty = file
/// order). For each judgment: E_a = 1 / (1 + base^((R_b - R_a) / scale)), E_b likewise,
/// S_a = 1 / 0 / 0.5 for a win / loss / tie; R_a += K (S_a - E_a); R_b += K (1 - S_a - E_b).
/// Models that never play keep NaN (the leaderboard's dict has no entry for them).
std::vector<double> eloRatings(const PairwiseData& data, const EloOptions& options,
                               const std::vector<uint32_t>& order = {});

/// Bradley-Terry strengths p (sum 1) by Hunter's (2004) MM iterations
/// p_i <- W_i / sum_{j != i} n_ij / (p_i + p_j), renormalised each step. W_i = wins (+ ties/2
/// with TiePolicy::Half), n_ij = comparisons of i and j (ties included only with Half).
/// `wins` is numModels x numModels row-major: wins[i*M+j] = (possibly half) wins of i over j.
/// A model without wins gets strength 0 (the MLE does not exist; the iteration tends to 0);
/// models without comparisons get NaN. `start` (optional, sum 1) warm-starts the iteration.
std::vector<double> bradleyTerryFromWins(const std::vector<double>& wins, int32_t numModels,
                                         const BradleyTerryOptions& options, int* iterations = nullptr,
                                         bool* converged = nullptr,
                                         const std::vector<double>& start = {});

/// Elo point estimate on the file order, records, and (boot.replicates > 0) a bootstrap: each
/// replicate replays Elo on a resampled order drawn by `resampling` with its own seeded
/// std::mt19937_64 (statistics.h); median and percentile interval per model over the
/// replicates where the model played. boot.replicates == 0 skips it. Throws Canceled.
RankingResult rankElo(const PairwiseData& data, const EloOptions& options,
                      const BootstrapOptions& boot, Resampling resampling = Resampling::WithReplacement,
                      const RunHooks& hooks = {});

/// Bradley-Terry point estimate and bootstrap (judgments resampled with replacement; the fit
/// only depends on the counts, so Resampling::Shuffle would reproduce the point estimate).
RankingResult rankBradleyTerry(const PairwiseData& data, const BradleyTerryOptions& options,
                               const BootstrapOptions& boot, const RunHooks& hooks = {});

/// Exact two-sided binomial test of k successes in n trials against probability p: the sum of
/// P(X = i) over all i with P(X = i) <= P(X = k) (scipy.stats.binomtest, relative tolerance
/// 1e-7 on the comparison). 1 for n == 0.
double binomialTestTwoSided(int64_t k, int64_t n, double p = 0.5);

/// Rate at which one side of a judgment wins among decided (non-tie) judgments, with the
/// two-sided binomial test against 50%.
struct BiasTest
{
    int64_t wins = 0;     ///< judgments won by the side (first-shown, or longer output)
    int64_t decided = 0;  ///< judgments that are not ties and where the side is known
    int64_t ties = 0;     ///< ties among the judgments where the side is known
    double rate = kNaN;   ///< wins / decided
    double pValue = kNaN; ///< binomialTestTwoSided(wins, decided, 0.5); NaN when decided == 0
};

struct CategoryCorrelation
{
    int32_t category = -1;
    int64_t n = 0;     ///< comparisons with a judge outcome and a human majority
    Coefficient r;     ///< Pearson r of the coded outcomes (a = +1, tie = 0, b = -1)
};

/// Quality of one judge against the human majority.
struct JudgeQuality
{
    int32_t judge = 0;
    JudgeKind kind = JudgeKind::Unknown;
    int64_t judgments = 0;
    int64_t compared = 0;      ///< comparisons where the judge and a human majority both exist
    double accuracy = kNaN;    ///< agreement with the majority over `compared`
    Coefficient kappa;         ///< Cohen's kappa on a/b/tie against the majority
    /// 3 x 3 contingency counts, rows = judge, columns = majority, order a, b, tie.
    std::vector<int64_t> confusion;
    std::vector<CategoryCorrelation> categories;  ///< categories in order of first appearance
    BiasTest positional;  ///< first-shown output wins
    bool firstShownAssumed = false;  ///< no first_shown recorded: model_a taken as shown first
    BiasTest length;      ///< longer output wins (decided == 0 when no lengths were given)
    /// Rating histogram: counts of Likert scores 1..8 (index 0..7) when the file gave scores.
    std::vector<int64_t> scoreHistogram;
    int64_t outcomeCounts[3] = {0, 0, 0};  ///< a, b, tie
};

struct JudgeQualityOptions
{
    /// Without a recorded first_shown, assume model_a's output was shown first (PandaLM and
    /// MT-Bench style files list the first-shown output as model_a).
    bool assumeAFirst = true;
};

/// Judge quality for every judge. A comparison is (item, unordered model pair); outcomes are
/// oriented to the pair's first model. The human majority of a comparison is the strict
/// plurality of the human judges' outcomes; comparisons without one are skipped. For a human
/// judge the majority is taken over the *other* humans (leave-one-out), so a judge is never
/// compared with itself. Throws Canceled.
std::vector<JudgeQuality> judgeQuality(const PairwiseData& data,
                                       const JudgeQualityOptions& options = {},
                                       const RunHooks& hooks = {});

} // namespace chorus::agg
