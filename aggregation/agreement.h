#pragma once
// Inter-annotator agreement: percent agreement, Fleiss' kappa (overall and per label), Scott's
// pi, Gwet's AC1, Krippendorff's alpha (nominal/ordinal/interval/ratio, missing data), Cohen's
// kappa (unweighted, linear, quadratic) for every annotator pair, and bootstrap intervals.
// Formulas, conventions and references: docs/statistics.md.

#include "labelmatrix.h"
#include "statistics.h"

#include <cstdint>
#include <string>
#include <vector>

namespace chorus::agg {

/// Difference function of Krippendorff's alpha (Krippendorff 2011, "Computing Krippendorff's
/// alpha-reliability"). Nominal: 0/1. Ordinal: by rank order of the label values, using the
/// pairable-value frequencies. Interval: squared difference of values. Ratio: squared
/// (v_c - v_k) / (v_c + v_k); needs non-negative values.
enum class AlphaMetric { Nominal, Ordinal, Interval, Ratio };

/// "nominal", "ordinal", "interval" or "ratio" (the JSON spelling).
const char* alphaMetricName(AlphaMetric metric);

struct AgreementOptions
{
    /// Count INVALID labels as one more category (index numLabels) instead of dropping them.
    /// Dropped INVALID labels are counted in AgreementResult::invalidExcluded.
    bool includeInvalid = false;
    AlphaMetric alphaMetric = AlphaMetric::Nominal;
    /// Numeric value of each category for the ordinal/interval/ratio alpha and the weighted
    /// kappas (one per category, INVALID included when includeInvalid). Empty = the category
    /// index 0..L-1, i.e. the label order is the scale. Ignored by nominal statistics.
    std::vector<double> labelValues;
    /// Compute Cohen's kappa for annotator pairs (cheap for 10 annotators, O(sum of squared
    /// labels per item) in general).
    bool cohenPairs = true;
    /// Also list pairs that share no item (as null kappas with a reason). With thousands of
    /// annotators this is a quadratic list; turn it off to keep only overlapping pairs.
    bool listDisjointPairs = true;
};

/// Agreement of annotators a < b on the items both labelled with a category.
struct CohenPair
{
    int32_t a = 0;
    int32_t b = 0;
    int64_t n = 0;               ///< shared items
    Coefficient observed;        ///< raw agreement: share of shared items with the same label
    Coefficient kappa;           ///< Cohen (1960)
    Coefficient linearKappa;     ///< Cohen (1968), weights |v_i - v_j|
    Coefficient quadraticKappa;  ///< Cohen (1968), weights (v_i - v_j)^2
};

/// Item-level agreement. Only items with at least 2 labels (after dropping INVALID unless it
/// is a category) enter any coefficient; the others are counted. Every coefficient is Undefined
/// when no item qualifies.
struct AgreementResult
{
    int32_t numLabels = 0;         ///< categories, INVALID included when it is one
    int32_t itemsTotal = 0;        ///< rows of the matrix
    int32_t itemsUsed = 0;         ///< items with >= 2 labels
    int32_t itemsSingleLabel = 0;  ///< items with exactly 1 label, excluded
    int32_t itemsUnlabelled = 0;   ///< items with no label, excluded
    int32_t annotators = 0;        ///< annotators with at least one label on a used item
    int64_t labelsUsed = 0;        ///< labels on used items
    int64_t invalidExcluded = 0;   ///< INVALID labels dropped (0 with includeInvalid)
    AlphaMetric alphaMetric = AlphaMetric::Nominal;

    /// Mean over used items of the share of agreeing ordered label pairs,
    /// P_i = sum_j n_ij (n_ij - 1) / (n_i (n_i - 1)); in [0, 1].
    Coefficient percentAgreement;
    /// Fleiss (1971) generalised to n_i labels per item: (P_bar - P_e) / (1 - P_e) with
    /// p_j = sum_i n_ij / sum_i n_i and P_e = sum_j p_j^2.
    Coefficient fleissKappa;
    /// Krippendorff's alpha with alphaMetric: 1 - (n - 1) sum o_ck d_ck / sum n_c n_k d_ck.
    Coefficient krippendorffAlpha;
    /// Scott's pi generalised to many coders and missing data as alpha-nominal without the
    /// small-sample correction: 1 - n sum_{c!=k} o_ck / sum_{c!=k} n_c n_k. Equals Scott (1955)
    /// for two coders with no missing data.
    Coefficient scottPi;
    /// Gwet (2008, 2014) AC1: (P_bar - P_e) / (1 - P_e) with P_e = sum_k pi_k (1 - pi_k) / (q - 1),
    /// pi_k = mean of n_ik / n_i over every item with at least one label (the one place where
    /// single-label items count, as in Gwet's definition and irrCAC), q = numLabels.
    Coefficient gwetAc1;
    /// Fleiss (1971) kappa of each category j: 1 - D_j / (p_j (1 - p_j)) with
    /// D_j = mean_i n_ij (n_i - n_ij) / (n_i (n_i - 1)). Undefined for a category never used.
    std::vector<Coefficient> fleissPerLabel;
    /// Pairs (a, b), a < b, sorted; see AgreementOptions::listDisjointPairs. A pair without
    /// shared items has n = 0 and Undefined coefficients with the note "no shared items".
    std::vector<CohenPair> cohenPairs;
};

/// All point estimates. Throws std::invalid_argument on bad labelValues (wrong size, negative
/// with the ratio metric) and Canceled when hooks ask. O(labels + items * distinct labels per
/// item^2 + Cohen pairs).
AgreementResult computeAgreement(const LabelMatrix& matrix, const AgreementOptions& options = {},
                                 const RunHooks& hooks = {});

/// Cohen's kappa for every annotator pair (the cohenPairs part of computeAgreement).
std::vector<CohenPair> cohenKappaPairs(const LabelMatrix& matrix,
                                       const AgreementOptions& options = {},
                                       const RunHooks& hooks = {});

/// Cohen's kappas between two label vectors of equal length (e.g. two aggregation methods);
/// entries < 0 (no label / INVALID) are skipped. a and b of the result are 0 and 1.
CohenPair cohenKappa(const std::vector<int32_t>& x, const std::vector<int32_t>& y,
                     int32_t numLabels, const std::vector<double>& labelValues = {});

enum class KappaWeighting { None, Linear, Quadratic };

/// Cohen's kappa from a numLabels x numLabels contingency table (row = first rater), row-major:
/// 1 - sum w_ij t_ij / sum w_ij r_i c_j / N with disagreement weights w_ij = [i != j],
/// |v_i - v_j| or (v_i - v_j)^2 (v = labelValues, or the index when empty). Undefined for an
/// empty table; NoVariation (1) when both raters used one and the same category.
Coefficient kappaFromTable(const std::vector<double>& table, int32_t numLabels,
                           KappaWeighting weighting, const std::vector<double>& labelValues = {});

/// Percentile bootstrap intervals of Fleiss' kappa and alpha (options.alphaMetric).
struct AgreementIntervals
{
    Interval fleissKappa;
    Interval krippendorffAlpha;
    int replicates = 0;
    double level = 0.95;
};

/// Resamples the used items with replacement (each replicate draws itemsUsed items), recomputes
/// Fleiss' kappa and alpha and takes percentile intervals. Both depend on a resample only
/// through how many items of each label-count vector (type) it drew, so replicate b draws those
/// tallies at once: multinomialCounts (sampling.h) over the types, weighted by their item
/// counts, from std::mt19937_64(replicateSeed(boot.seed, b)). Runs on boot.threads threads, so
/// the result depends only on boot.seed and the data. Throws Canceled. 1000 replicates over
/// 100,000 items take a few milliseconds per thousand types (docs/benchmarks.md).
AgreementIntervals bootstrapAgreement(const LabelMatrix& matrix,
                                      const AgreementOptions& options = {},
                                      const BootstrapOptions& boot = {},
                                      const RunHooks& hooks = {});

} // namespace chorus::agg
