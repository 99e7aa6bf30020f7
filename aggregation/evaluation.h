#pragma once
// Evaluation of predicted labels against gold: accuracy, precision/recall/F1 per class, macro
// and weighted F1, confusion matrix, coverage; rank and linear correlation; a paired bootstrap
// test between two prediction vectors. Formulas and conventions: docs/statistics.md.

#include "statistics.h"

#include <cstdint>
#include <vector>

namespace chorus::agg {

/// A prediction vector entry meaning "no output for this item" (the annotator did not label it,
/// as LabelMatrix::labelOf reports). It lowers coverage. kInvalidLabel (-1) means an output that
/// could not be mapped to a label, or an aggregate without a label: it counts as answered
/// (covered) but wrong. Both are wrong for accuracy and F1: "missing labels count as wrong".
inline constexpr int32_t kNoPrediction = -2;

/// Which classes the macro averages run over.
enum class MacroAverage {
    AllLabels,     ///< every class 0..numLabels-1 (scikit-learn with labels=range(L))
    LabelsPresent, ///< classes present in gold or in the valid predictions (scikit-learn default)
};

struct EvaluationOptions
{
    MacroAverage macroOver = MacroAverage::AllLabels;
};

struct ClassScores
{
    int64_t support = 0;        ///< gold items of this class
    int64_t predicted = 0;      ///< items predicted as this class
    int64_t truePositives = 0;
    double precision = 0;       ///< TP / predicted; 0 when nothing was predicted (as scikit-learn)
    double recall = 0;          ///< TP / support; 0 when the class has no gold item
    double f1 = 0;              ///< 2 TP / (2 TP + FP + FN); 0 when that is 0/0
};

/// Scores over the items that have gold (gold >= 0); other items are ignored entirely.
/// Rates are NaN when no item has gold.
struct EvaluationResult
{
    int32_t numLabels = 0;
    int64_t items = 0;        ///< items with gold
    int64_t answered = 0;     ///< of those, predicted != kNoPrediction (INVALID counts)
    int64_t valid = 0;        ///< of those, a label in [0, numLabels)
    int64_t correct = 0;
    double accuracy = 0;      ///< correct / items (missing and INVALID are wrong)
    double coverage = 0;      ///< answered / items
    double validCoverage = 0; ///< valid / items
    double macroPrecision = 0;
    double macroRecall = 0;
    double macroF1 = 0;       ///< unweighted mean of per-class F1 over the MacroAverage classes
    double weightedF1 = 0;    ///< per-class F1 weighted by support
    std::vector<ClassScores> perClass;  ///< numLabels entries
    /// numLabels x (numLabels + 1), row-major, rows = gold, columns = predicted; the last column
    /// counts items without a valid prediction (kNoPrediction or kInvalidLabel).
    std::vector<int64_t> confusion;

    int64_t confusionAt(int32_t gold, int32_t predicted) const
    {
        return confusion[static_cast<size_t>(gold) * (numLabels + 1) + predicted];
    }
};

/// Scores `predicted` against `gold` (same length, one entry per item; gold -1 = unknown).
/// Throws std::invalid_argument on length mismatch or a label >= numLabels.
EvaluationResult evaluate(const std::vector<int32_t>& predicted, const std::vector<int32_t>& gold,
                          int32_t numLabels, const EvaluationOptions& options = {});

/// A correlation coefficient with the number of complete pairs it used.
struct Correlation
{
    Coefficient r;
    int64_t n = 0;
};

/// Pearson's r over the pairs where both values are finite (NaN marks an unknown value, e.g. a
/// method's competence for an annotator without labels). Undefined with fewer than 2 pairs or
/// when either side is constant (scipy returns NaN there).
Correlation pearson(const std::vector<double>& x, const std::vector<double>& y);

/// Spearman's rho: Pearson's r of the ranks, ties given their average rank (scipy's default).
Correlation spearman(const std::vector<double>& x, const std::vector<double>& y);

/// Average ranks (1-based) of finite values; ties share the mean of their positions.
std::vector<double> averageRanks(const std::vector<double>& values);

/// Percentile bootstrap intervals of one prediction vector's accuracy and macro-F1.
struct ScoreIntervals
{
    Interval accuracy;
    Interval macroF1;
};

/// Percentile bootstrap (Efron & Tibshirani 1993, ch. 13) of accuracy and macro-F1 of every
/// vector of `predicted` against `gold`, resampling `items` (indices into the vectors; each
/// must have gold >= 0) with replacement. An item enters the scores only through its cell
/// (gold g, prediction p, or "none" = numLabels for kNoPrediction and INVALID), cell
/// g * (numLabels + 1) + p, so a resample of n = items.size() items is drawn as its cell tallies:
/// replicate b of a vector is multinomialCounts(rng, n, cell sizes) (sampling.h: the number of
/// items in each cell, cells in index order), rng = SplitMix64(replicateSeed(boot.seed, b)),
/// which has the distribution of the tallies of n uniform draws of items. Each vector starts
/// from that same generator state, so a vector's interval does not depend on what else is
/// passed (the intervals are marginal; no joint replicate is returned). Equal to evaluating,
/// with evaluate(), the resample that holds each cell's drawn count of items (the test keeps
/// that reference). A replicate costs about one binomial draw per non-empty cell and vector,
/// not one draw per item. Empty `items` or boot.replicates < 1 give undefined intervals.
/// Throws Canceled.
std::vector<ScoreIntervals> bootstrapScores(const std::vector<const std::vector<int32_t>*>& predicted,
                                            const std::vector<int32_t>& gold,
                                            const std::vector<int32_t>& items, int32_t numLabels,
                                            const BootstrapOptions& boot = {},
                                            const EvaluationOptions& options = {},
                                            const RunHooks& hooks = {});

/// Paired bootstrap comparison of two prediction vectors on the same gold.
struct PairedBootstrapResult
{
    double macroF1A = 0;
    double macroF1B = 0;
    double difference = 0;  ///< macroF1A - macroF1B on the full data
    Interval ci;            ///< percentile interval of the replicate differences
    /// Two-sided p-value of "no difference": replicate differences are centred on the observed
    /// one and p = (1 + #{b : |d_b - d| >= |d|}) / (B + 1) (Efron & Tibshirani 1993, ch. 16).
    double pValue = 1;
    int replicates = 0;
    int64_t items = 0;      ///< items with gold that were resampled
};

/// Resamples the items that have gold with replacement (the same draw for A and B) and records
/// macroF1(A) - macroF1(B) per replicate. Seeded and thread-count independent; throws Canceled.
PairedBootstrapResult pairedBootstrapMacroF1(const std::vector<int32_t>& predictedA,
                                             const std::vector<int32_t>& predictedB,
                                             const std::vector<int32_t>& gold, int32_t numLabels,
                                             const BootstrapOptions& boot = {},
                                             const EvaluationOptions& options = {},
                                             const RunHooks& hooks = {});

} // namespace chorus::agg
