#pragma once
// Crowd design (issue #21): which annotators (LLMs) to keep and with which aggregation method.
// Every candidate crowd is a subset of the annotators aggregated by one method (aggregate() on
// the sub-matrix of those annotators); it is scored on a selection slice of the gold items and
// reported on the rest (the holdout), which is never used for choosing. Definitions, search
// strategy and caveats: docs/crowd.md.

#include "aggregation.h"
#include "evaluation.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace chorus::agg {

/// The gold items (gold[i] >= 0) split at random into a selection slice, used for choosing,
/// and a holdout, used for reporting only. Item indices, each list ascending.
struct GoldSplit
{
    std::vector<int32_t> selection;
    std::vector<int32_t> holdout;
};

/// Shuffles the gold items with SplitMix64(seed) (Fisher-Yates, sampling.h) and puts the first
/// round(fraction * n) into the selection (at least 1 and at most n - 1 when n >= 2; all of
/// them when fraction >= 1). Throws std::invalid_argument unless 0 < fraction <= 1.
GoldSplit splitGold(const std::vector<int32_t>& gold, double fraction, uint64_t seed);

/// The matrix restricted to `members` (annotator indices, ascending, no repeats): numAnnotators
/// = members.size(), annotator j of the result is members[j] of m; all items are kept (an item
/// none of them labelled has no labels). Identity keys move with items and annotators, so
/// aggregate() gives a member the same treatment whatever the other annotators are.
LabelMatrix subMatrix(const LabelMatrix& m, const std::vector<int32_t>& members);

/// Accuracy and macro-F1 of one prediction vector on a list of gold items (missing labels and
/// INVALID are wrong, as evaluate()). NaN when the list is empty.
struct SliceScore
{
    double accuracy = std::numeric_limits<double>::quiet_NaN();
    double macroF1 = std::numeric_limits<double>::quiet_NaN();
};

/// evaluate() of `predicted` on the items listed (gold[i] >= 0 for each).
SliceScore scoreSlice(const std::vector<int32_t>& predicted, const std::vector<int32_t>& gold,
                      const std::vector<int32_t>& items, int32_t numLabels, const EvaluationOptions& options = {});

struct CrowdOptions
{
    /// Methods to try (aggregate() names). The vote methods (voteMethod()) search every subset
    /// when there are at most maxExhaustive annotators; the others, and every method on larger
    /// crowds, search greedily (forward from the empty crowd, then backward from the full one).
    std::vector<std::string> methods{"mv", "wawa", "ds", "onecoin", "mace"};
    /// Parameters given to every method that takes them ("ties" to all); a key no searched method
    /// takes is an error.
    std::map<std::string, double> params;
    /// Cost per item of each annotator (size numAnnotators); empty = 1 each.
    std::vector<double> costs;
    /// The recommended crowd costs at most this per item (sum of its members' costs).
    double maxCost = std::numeric_limits<double>::infinity();
    int maxExhaustive = 14;
    /// Crowd-size curve: per size n, every subset of n annotators when there are at most this
    /// many, otherwise this many distinct random ones; 0 = no curve.
    int curveSamples = 200;
    double selectFraction = 0.2;
    uint64_t seed = 0;  ///< the gold split, the methods' seed and the curve's draws
    /// Without gold (or with ignoreGold), candidates are scored by their estimated accuracy
    /// against the full crowd's posterior under this method (empty = "ds" when among methods,
    /// else the first method).
    std::string reference;
    bool ignoreGold = false;
    /// Crowds evaluated in parallel (0 = min(2, hardware threads)); each method then runs with
    /// its "threads" parameter at 1 unless params sets it. Results do not depend on it.
    int threads = 0;  ///< search as if there were no gold; every gold item is holdout
    EvaluationOptions evaluation;
};

/// True for the methods cheap enough to try on every subset: mv, wmv, wawa.
bool voteMethod(const std::string& method);

/// One evaluated crowd.
struct CrowdCandidate
{
    std::vector<int32_t> members;  ///< annotator indices, ascending
    int32_t method = -1;           ///< index into CrowdOptions::methods
    double cost = 0;               ///< sum of the members' costs per item
    SliceScore selection;          ///< on the selection slice (NaN without gold)
    SliceScore holdout;            ///< on the holdout (NaN when it is empty)
    /// Expected accuracy of the crowd's labels under the reference posterior: mean over all
    /// items of P_ref(item has the crowd's label) (0 for an item without a label). For the
    /// reference method's full crowd this is its mean maximum posterior. An estimate.
    double estimatedAccuracy = 0;
};

/// Per annotator, on the split (scores over the gold items it answered, INVALID wrong, as
/// `chorus-cli evaluate`; NaN when it answered none).
struct AnnotatorProfile
{
    int64_t answered = 0;  ///< items labelled (INVALID counts)
    int64_t invalid = 0;
    double invalidRate = 0;  ///< invalid / answered (NaN when answered = 0)
    SliceScore selection, holdout;
    std::vector<double> competence;  ///< per method: its full-crowd competence (NaN = unknown/failed)
};

/// Error or deviation co-occurrence of two annotators a < b over the items both labelled.
/// ratio = joint / (rateA * rateB): 1 for independent errors, above 1 for errors made
/// together (redundant annotators); kappa = Cohen's kappa of the two 0/1 indicators.
struct CoOccurrence
{
    int64_t items = 0;
    double rateA = 0, rateB = 0, joint = 0;
    double ratio = std::numeric_limits<double>::quiet_NaN();
    double kappa = std::numeric_limits<double>::quiet_NaN();
};

struct PairRedundancy
{
    int32_t a = 0, b = 0;
    /// Errors against gold on the selection items both labelled (INVALID is an error).
    CoOccurrence gold;
    /// Gold-free: deviations from the consensus of the other annotators (majority vote without
    /// a and b; items where that vote is tied or empty are skipped).
    CoOccurrence consensus;
};

struct CrowdCurvePoint
{
    int32_t size = 0;
    int64_t crowds = 0;     ///< crowds evaluated at this size
    bool exhaustive = false;  ///< every subset of this size (else random ones)
    double meanMacroF1 = 0, bestMacroF1 = 0;  ///< on the holdout
    double meanAccuracy = 0, bestAccuracy = 0;
    double meanEstimate = 0;  ///< mean estimated accuracy (the curve without gold)
};

struct MethodSearchInfo
{
    std::string method;
    std::string search;      ///< "exhaustive" or "greedy"
    int64_t evaluated = 0;   ///< distinct crowds run by the search
    int64_t failed = 0;      ///< crowds the method refused (std::invalid_argument)
    std::string error;       ///< the full crowd failed: the method is left out
    std::vector<CrowdCurvePoint> curve;
};

struct CrowdDesign
{
    bool withGold = false;  ///< scored on the selection slice (else by estimated accuracy)
    std::string reference;  ///< the method whose full-crowd posterior gives the estimates
    GoldSplit split;
    std::vector<AnnotatorProfile> annotators;
    std::vector<PairRedundancy> pairs;  ///< a < b, in order
    std::vector<MethodSearchInfo> methods;  ///< per CrowdOptions::methods
    std::vector<CrowdCandidate> candidates;  ///< every distinct crowd evaluated (all methods)
    std::vector<int32_t> pareto;  ///< indices into candidates: the cost/selection-score front, by cost
    int32_t recommended = -1;     ///< best selection score with cost <= maxCost (-1: none fits)
    std::vector<int32_t> fullCrowd;  ///< per method: the full crowd's candidate (-1 when it failed)
    /// The best single annotator on the selection (its own labels, missing = wrong), scored like
    /// a candidate; method = -1.
    CrowdCandidate bestSingle;
    int32_t bestSingleAnnotator = -1;
};

/// The selection score a candidate is chosen by: selection macro-F1 with gold, otherwise its
/// estimated accuracy.
double choiceScore(const CrowdDesign& d, const CrowdCandidate& c);

/// Annotator a's label per item: its label, kInvalidLabel, or kNoPrediction where it gave none.
std::vector<int32_t> annotatorLabels(const LabelMatrix& m, int32_t a);

/// Every annotator's profile on the split (competence left empty: designCrowd() fills it).
std::vector<AnnotatorProfile> annotatorProfiles(const LabelMatrix& m, const std::vector<int32_t>& gold,
                                                const GoldSplit& split, const EvaluationOptions& options = {});

/// Every pair's redundancy; gold errors on the `selection` items only. Polls hooks per annotator.
std::vector<PairRedundancy> pairRedundancy(const LabelMatrix& m, const std::vector<int32_t>& gold,
                                           const std::vector<int32_t>& selection, const RunHooks& hooks = {});

/// The Pareto front of d's candidates by cost and choiceScore(): cheapest first, each scoring
/// strictly higher than every candidate that costs no more (the first of equal ones). Indices.
std::vector<int32_t> paretoFront(const CrowdDesign& d);

/// The candidate with the best choiceScore() among those costing at most maxCost (relative
/// tolerance 1e-12); ties: lower cost, then fewer members, then the earlier candidate. -1 when
/// none fits.
int32_t recommendCrowd(const CrowdDesign& d, double maxCost);

/// The crowds of `size` of n annotators the curve uses: every one (all = true) when there are at
/// most `samples`, otherwise `samples` distinct random ones drawn by partial Fisher-Yates from
/// SplitMix64(seed + size * golden-ratio constant) (all = false). Members ascending.
std::vector<std::vector<int32_t>> crowdsOfSize(int32_t n, int32_t size, int samples, uint64_t seed, bool& all);

/// C(n, k), rounded, as a double (exact below 2^53).
double binomialCoefficient(int n, int k);

/// Runs the whole design: profiles, redundancy, the search per method, the Pareto front, the
/// recommendation and the curves. gold: per item, -1 = unknown. Progress counts method runs
/// (the total is an upper bound fixed at the start). Throws Canceled, and
/// std::invalid_argument on bad options (unknown method, sizes).
CrowdDesign designCrowd(const LabelMatrix& matrix, const std::vector<int32_t>& gold, const CrowdOptions& options,
                        const RunHooks& hooks = {});

} // namespace chorus::agg
