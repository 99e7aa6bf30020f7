#pragma once
// Common types of every aggregator: run hooks, options and the result record.

#include "labelmatrix.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace chorus::agg {

/// Plain hooks through which long computations report progress and learn they should stop.
/// Both may be empty. isCanceled() is polled at least once per iteration / per few ms of work.
struct RunHooks
{
    std::function<bool()> isCanceled;
    std::function<void(int done, int total)> progress;

    bool canceled() const { return isCanceled && isCanceled(); }
    void report(int done, int total) const
    {
        if (progress)
            progress(done, total);
    }
};

/// Thrown by an aggregator when RunHooks::isCanceled() returned true.
struct Canceled
{
};

/// Input common to every aggregator.
struct AggregationInput
{
    const LabelMatrix* matrix = nullptr;
    /// Known truth per item ("controls", as in MACE's --controls): -1 for none, otherwise a
    /// label index. EM methods clamp these items' posteriors to the known label.
    std::vector<int32_t> controls;
    /// Per-annotator weights for weighted methods (wmv); empty = all 1.
    std::vector<double> weights;
    /// Free-form numeric parameters ("tol", "max_iter", "alpha", ...). Unknown keys are an error
    /// reported by the method.
    std::map<std::string, double> params;
    uint64_t seed = 0;
};

/// Output common to every aggregator.
struct AggregationResult
{
    int32_t numLabels = 0;
    /// Per item: chosen label index, or -1 when the item has no valid annotation.
    std::vector<int32_t> labels;
    /// Per item, row-major numItems x numLabels posterior; rows of unlabelled items are uniform.
    std::vector<double> posterior;
    /// Per annotator competence in [0,1] (meaning documented per method); NaN when unknown
    /// (e.g. an annotator without valid labels).
    std::vector<double> competence;
    int iterations = 0;
    bool converged = true;
    std::vector<double> logLikelihood;  ///< per iteration, where the method has one
    /// Items whose top posterior is tied within 1e-9 (set by aggregate() for every method; the
    /// tie policy decided their label).
    int64_t tiedItems = 0;
    int64_t unresolvedItems = 0;        ///< tied items left without a label (TiePolicy::Unresolved)

    double posteriorAt(int32_t item, int32_t label) const
    {
        return posterior[static_cast<size_t>(item) * numLabels + label];
    }
};

/// Majority vote. Posterior = vote shares over valid labels; ties go to the label that comes
/// first in the label order (the smallest index) and are counted in tiedItems (through
/// aggregate(), the tie policy decides instead). Items with no
/// valid label get label -1 and a uniform posterior. Controls override the item's label and
/// posterior. Competence = each annotator's agreement rate with the resulting labels.
AggregationResult majorityVote(const AggregationInput& in, const RunHooks& hooks = {});

/// Weighted majority vote with in.weights (missing/empty weights count 1). Same tie rule.
AggregationResult weightedMajorityVote(const AggregationInput& in, const RunHooks& hooks = {});

/// Shannon entropy (natural log) of a distribution given as [first, first+n).
double entropy(const double* p, int32_t n);

} // namespace chorus::agg
