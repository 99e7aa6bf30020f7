#pragma once
// Per-item label distributions and how far apart two sources' distributions are: KL divergence,
// Jensen-Shannon distance, total variation, cross-entropy, entropies, and Szekely's distance
// correlation between the item x label matrices. Conventions follow scipy (see
// docs/statistics.md) and are checked against ../shared/reference/divergence-*.json.

#include "aggregation.h"
#include "labelmatrix.h"
#include "statistics.h"

#include <cstdint>
#include <vector>

namespace chorus::agg {

/// One probability row per item (dense, row-major numItems x numLabels). Items without a
/// distribution (no votes, no scores) are marked absent and skipped by comparisons.
struct Distributions
{
    int32_t numItems = 0;
    int32_t numLabels = 0;
    std::vector<double> values;    ///< row-major; rows of absent items are all 0
    std::vector<uint8_t> present;  ///< 1 when the item has a distribution

    const double* row(int32_t item) const
    {
        return values.data() + static_cast<size_t>(item) * static_cast<size_t>(numLabels);
    }
    bool has(int32_t item) const { return present[static_cast<size_t>(item)] != 0; }
};

/// Rows that already are probabilities (e.g. an annotator's reported probabilities), used as
/// given, not renormalised. A row containing NaN is absent. Throws std::invalid_argument for a
/// negative entry or a row whose sum is off 1 by more than 1e-6.
Distributions distributionsFromProbabilities(const std::vector<double>& values, int32_t numItems,
                                             int32_t numLabels);

/// Human judgment distributions from per-item counts: p_j = c_j / sum c. A row with sum 0 or a
/// NaN is absent. Throws std::invalid_argument on a negative count.
Distributions distributionsFromCounts(const std::vector<double>& counts, int32_t numItems,
                                      int32_t numLabels);

enum class ScoreTransform {
    Normalize,  ///< p_j = s_j / sum_k s_k; scores must be >= 0; a row summing to 0 is absent
    Softmax,    ///< p_j = exp(s_j / tau) / sum_k exp(s_k / tau), computed with the max removed
};

/// Raw per-label scores to probabilities. temperature (tau) must be > 0 and only affects
/// Softmax. A row containing NaN is absent. Throws std::invalid_argument on a negative score
/// with Normalize or a non-positive temperature.
Distributions distributionsFromScores(const std::vector<double>& scores, int32_t numItems,
                                      int32_t numLabels, ScoreTransform transform,
                                      double temperature = 1.0);

/// Vote shares of the valid labels given by `annotators` (empty = all); INVALID is ignored.
/// Items without a valid vote are absent.
Distributions distributionsFromVotes(const LabelMatrix& matrix,
                                     const std::vector<int32_t>& annotators = {});

/// An aggregation run's posterior; items the method left without a label (label -1) are absent.
Distributions distributionsFromPosterior(const AggregationResult& result);

enum class LogBase { E, Two };

/// KL(p || q) = sum_j p_j log(p_j / q_j). Terms with p_j = 0 are 0; a term with p_j > 0 and
/// q_j = 0 makes it +infinity (scipy.special.rel_entr). With epsilon > 0, q is first smoothed
/// to (q_j + epsilon) / (1 + n epsilon), which keeps it finite. In nats or bits.
double klDivergence(const double* p, const double* q, int32_t n, LogBase base = LogBase::E,
                    double epsilon = 0);

/// Cross-entropy -sum_j p_j log q_j with the same zero handling and smoothing as klDivergence.
double crossEntropy(const double* p, const double* q, int32_t n, LogBase base = LogBase::E,
                    double epsilon = 0);

/// Shannon entropy -sum_j p_j log p_j (0 log 0 = 0).
double shannonEntropy(const double* p, int32_t n, LogBase base = LogBase::E);

/// Jensen-Shannon *distance* sqrt(JS) with JS = (KL(p||m) + KL(q||m)) / 2, m = (p + q) / 2, as
/// scipy.spatial.distance.jensenshannon. In [0, 1] with base 2, [0, sqrt(ln 2)] with base e.
double jensenShannonDistance(const double* p, const double* q, int32_t n,
                             LogBase base = LogBase::E);

/// Total variation distance 0.5 sum_j |p_j - q_j|, in [0, 1].
double totalVariation(const double* p, const double* q, int32_t n);

/// Szekely, Rizzo & Bakirov (2007) sample distance correlation (the V-statistic, as the dcor
/// package) between rows of x (rows x xCols) and y (rows x yCols), Euclidean distances:
/// dCor = sqrt(dCov^2(x, y) / sqrt(dVar^2(x) dVar^2(y))), in [0, 1]. O(rows^2 (xCols + yCols))
/// time, O(rows) memory. Undefined with fewer than 2 rows or when all rows of x (or y) are equal.
Coefficient distanceCorrelation(const std::vector<double>& x, int32_t xCols,
                                const std::vector<double>& y, int32_t yCols,
                                const RunHooks& hooks = {});

struct DivergenceOptions
{
    LogBase base = LogBase::E;  ///< for kl, jsd, ce and the entropies
    double epsilon = 0;         ///< smoothing of q in kl and ce (0 = none)
    bool distanceCorrelation = true;
};

/// One compared item; KL and CE may be +infinity (see klDivergence).
struct ItemDivergence
{
    int32_t item = 0;
    double kl = 0;        ///< KL(p || q)
    double jsd = 0;       ///< Jensen-Shannon distance
    double tvd = 0;
    double ce = 0;        ///< cross-entropy of q relative to p
    double entropyP = 0;
    double entropyQ = 0;
};

struct DivergenceMeans
{
    double kl = 0, jsd = 0, tvd = 0, ce = 0, entropyP = 0, entropyQ = 0;
};

/// p against q over the items present in both. Means are plain averages over those items (NaN
/// when there are none; +infinity for kl/ce when any item's value is).
struct DivergenceResult
{
    std::vector<ItemDivergence> items;
    DivergenceMeans mean;
    Coefficient dcor;          ///< distance correlation of the compared rows
    int32_t skipped = 0;       ///< items absent from p or q
    int32_t infiniteKl = 0;    ///< compared items whose KL is +infinity
};

/// Throws std::invalid_argument when p and q differ in numItems or numLabels.
DivergenceResult compareDistributions(const Distributions& p, const Distributions& q,
                                      const DivergenceOptions& options = {},
                                      const RunHooks& hooks = {});

} // namespace chorus::agg
