#pragma once
// Calibration of probabilistic labels against gold (issue #21): top-label expected calibration
// error with equal-width and equal-mass bins, Brier score, negative log-likelihood, reliability
// diagram points, and temperature scaling. Formulas and conventions: docs/crowd.md.

#include "aggregation.h"

#include <cstdint>
#include <limits>
#include <vector>

namespace chorus::agg {

/// How reliability bins are formed (the two strategies of scikit-learn's calibration_curve).
enum class BinStrategy {
    EqualWidth,  ///< edges e_j = j * (1/B) for j < B, e_B = 1 ("uniform")
    EqualMass,   ///< edges at the j/B quantiles of the confidences, numpy's linear percentile ("quantile")
};

/// One reliability-diagram bin: items whose confidence c has e_j < c <= e_{j+1} (the first
/// bin also takes c = e_0), as numpy's searchsorted(inner edges, c, side="left") assigns them.
struct ReliabilityBin
{
    double lo = 0, hi = 0;      ///< the bin's edges
    int64_t count = 0;
    double meanConfidence = std::numeric_limits<double>::quiet_NaN();  ///< NaN when empty
    double accuracy = std::numeric_limits<double>::quiet_NaN();        ///< fraction correct; NaN when empty
};

/// The bins of confidences `confidence` with outcomes `correct` (same length). B >= 1; values
/// must lie in [0, 1]. Empty input gives B empty bins (equal-mass edges all 0).
std::vector<ReliabilityBin> reliabilityBins(const std::vector<double>& confidence, const std::vector<uint8_t>& correct,
                                            int bins, BinStrategy strategy);

/// Expected calibration error (Naeini et al. 2015; Guo et al. 2017):
/// sum over bins of count/N * |accuracy - meanConfidence|; NaN without items.
double expectedCalibrationError(const std::vector<ReliabilityBin>& bins);

/// Every calibration figure of one source of probability rows.
struct CalibrationScores
{
    int64_t items = 0;          ///< items scored (gold known and a row present)
    double accuracy = std::numeric_limits<double>::quiet_NaN();  ///< argmax == gold (first max wins)
    double meanConfidence = std::numeric_limits<double>::quiet_NaN();
    double eceEqualWidth = std::numeric_limits<double>::quiet_NaN();
    double eceEqualMass = std::numeric_limits<double>::quiet_NaN();
    /// Brier (1950), multi-class: mean over items of sum_k (p_k - [k == gold])^2, in [0, 2].
    double brier = std::numeric_limits<double>::quiet_NaN();
    /// Top-label Brier: mean (confidence - correct)^2, as scikit-learn's brier_score_loss of the
    /// correct/incorrect outcome against the confidence.
    double brierTopLabel = std::numeric_limits<double>::quiet_NaN();
    /// Mean -ln p(gold), p clipped to [1e-15, 1] (scikit-learn's log_loss default before 1.3).
    double nll = std::numeric_limits<double>::quiet_NaN();
    std::vector<ReliabilityBin> equalWidth, equalMass;
};

/// Scores the rows (row-major items x numLabels; each row sums to 1) of the listed items with
/// gold >= 0 and present[i] (empty present = every row present). confidence = max_k p_k,
/// correct = the first label with that maximum equals gold.
CalibrationScores calibrationScores(const std::vector<double>& rows, int32_t numLabels,
                                    const std::vector<uint8_t>& present, const std::vector<int32_t>& gold,
                                    const std::vector<int32_t>& items, int bins);

/// Temperature scaling (Guo et al. 2017) of probability rows: p_k^(1/T) / sum_j p_j^(1/T),
/// i.e. softmax(log p / T), with p clipped at 1e-15 first. T > 1 softens, T < 1 sharpens.
std::vector<double> temperatureScaled(const std::vector<double>& rows, int32_t numLabels, double temperature);

/// The T in [0.05, 20] minimising the mean NLL of the scaled rows on the listed items (gold >= 0,
/// present): golden-section search on log T to a tolerance of 1e-6. 1 when no item is listed.
double fitTemperature(const std::vector<double>& rows, int32_t numLabels, const std::vector<uint8_t>& present,
                      const std::vector<int32_t>& gold, const std::vector<int32_t>& items);

} // namespace chorus::agg
