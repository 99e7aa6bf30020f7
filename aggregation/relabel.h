#pragma once
// Budgeted relabeling: spend an expensive labeler (a paid LLM or a human expert) on the items
// whose answers reduce uncertainty most, after a cheap crowd has labelled everything.
//
// The scheme is the hierarchical one of "Efficient Data Labeling by Hierarchical Crowdsourcing
// with Large Language Models" (LMCrowd): cheap LLMs label every item, their labels are aggregated
// into a per-item posterior (any method of methods.h), and each round a budget buys k relabels.
// The posterior update with a relabel answer is the paper's Eq. 7-9; the greedy selection is its
// "Approx" algorithm on the answer-set entropy H(A(T)). docs/relabeling.md has the derivations.
//
// Conventions: posteriors are row-major numItems x numLabels (as AggregationResult::posterior),
// entropies are in nats, costs and budgets are in whatever currency unit the caller uses (the
// same for both), and a budget is never exceeded (up to a relative 1e-12 that absorbs rounding
// of sums such as 0.1 + 0.2).

#include "aggregation.h"

#include <cstdint>
#include <string>
#include <vector>

namespace chorus::agg {

/// An expensive labeler. Its noise is symmetric: it gives the true label with probability
/// `accuracy` and otherwise one of the other L-1 labels uniformly, independently across items and
/// of the cheap crowd. accuracy = 1/L makes it a random labeler whose answers carry no
/// information; accuracy < 1/L is allowed (anti-informative answers are still evidence).
struct Relabeler
{
    std::string name;
    double accuracy = 1.0;     ///< in [0, 1]
    double costPerItem = 1.0;  ///< > 0, in budget units per relabeled item
};

/// Cost per item of an LLM relabeler: tokensPerItem x pricePerToken x shots (shots = number of
/// prompts per item, e.g. self-consistency samples). Throws std::invalid_argument unless all
/// three are finite and > 0 (a zero cost would make every budget infinite).
double relabelCost(double tokensPerItem, double pricePerToken, int32_t shots);

/// Checks a relabeler against a label count: accuracy in [0, 1], costPerItem finite and > 0,
/// numLabels >= 2. Throws std::invalid_argument with a message naming the relabeler and value.
void checkRelabeler(const Relabeler& r, int32_t numLabels);

/// P(answer = a | true = t) of a symmetric-noise relabeler: accuracy if a == t, else
/// (1 - accuracy) / (L - 1).
double answerLikelihood(double accuracy, int32_t numLabels, int32_t answer, int32_t truth);

/// Marginal distribution of one relabel answer under posterior p (length L), LMCrowd's Eq. 8:
/// q(a) = sum_t p(t) P(a | t) = A p(a) + (1 - A)/(L - 1) (1 - p(a)).
std::vector<double> answerDistribution(const double* p, int32_t numLabels, double accuracy);

/// Bayesian update of one item's posterior p (length L, in place) with answer `answer` from a
/// relabeler of accuracy A (LMCrowd's Eq. 7 and 9): p'(t) = p(t) P(answer | t) / q(answer).
/// answer < 0 (no answer / INVALID) leaves p unchanged. When q(answer) = 0 (A = 1 and p(answer)
/// = 0: the posterior ruled out what a perfect labeler said) the answer wins: p' = one-hot on
/// answer. Throws std::invalid_argument for answer >= L or accuracy outside [0, 1].
void updatePosterior(double* p, int32_t numLabels, int32_t answer, double accuracy);

/// Joint entropy (nats) of the answers of several relabelers (accuracies) to one item with
/// posterior p: H(A_1..A_m) with P(a_1..a_m) = sum_t p(t) prod_j P_j(a_j | t). Enumerates L^m
/// answer tuples; throws std::invalid_argument when L^m > 10^6. Empty accuracies -> 0.
double answerSetEntropy(const double* p, int32_t numLabels, const std::vector<double>& accuracies);

/// Expected reduction of the item's posterior entropy from the answers of the given relabelers,
/// i.e. the mutual information I(Y; A_1..A_m) = H(A_1..A_m) - sum_j H(A_j | Y), where
/// H(A_j | Y) = -A_j log A_j - (1 - A_j) log((1 - A_j)/(L - 1)) does not depend on the item.
/// In [0, H(p)]; 0 for relabelers of accuracy 1/L. For a single relabeler this is H(q) - H(A | Y), the answer
/// entropy of Eq. 8 shifted by a constant, so ranking items by either gives the same order.
double expectedEntropyGain(const double* p, int32_t numLabels, const std::vector<double>& accuracies);

enum class RelabelStrategy : int32_t {
    /// LMCrowd's Approx: repeatedly add the (item, relabeler) pair with the largest marginal gain
    /// of the objective F(T) = I(Y; A(T)) = H(A(T)) - sum_{(i,j) in T} H(A_j | Y), the answer-set
    /// entropy H(A(T)) less the noise entropy each answer carries whatever the item. Answers are
    /// conditionally independent given the truths, so F is monotone submodular (Krause &
    /// Guestrin 2005) and greedy under the cardinality constraint |T| <= k reaches at least
    /// (1 - 1/e) of the optimum (Nemhauser, Wolsey & Fisher 1978). It is exactly optimal when F
    /// is modular, which holds whenever each item can receive at most one answer in the round:
    /// a single relabeler (the usual case; items are independent under the aggregated
    /// posterior, so H(A(T)) = sum_i H(A_i)), or k = 1. With several relabelers the same item
    /// can be picked for two of them and the second answer is worth less: only then can greedy
    /// fall short of exact, and by no more than the (1 - 1/e) factor. With unequal costs and a
    /// binding budget the constraint is a knapsack, for which the bound is not guaranteed;
    /// greedy then skips pairs that no longer fit.
    Greedy = 0,
    /// Exhaustive search over all sets of at most k pairs that fit the budget, maximising F.
    /// For tests and small instances: throws std::invalid_argument when the number of candidate
    /// sets sum_{s<=k} C(n, s) exceeds SelectionInput::maxExactSets.
    Exact = 1,
    /// Uniformly random pairs (seeded, same on every platform), k or fewer if the budget binds.
    Random = 2,
    /// The k pairs whose items have the highest posterior entropy (ties: smaller item, then
    /// relabeler index first). A baseline that ignores the relabeler's accuracy.
    Uncertainty = 3,
};

/// "greedy", "exact", "random", "uncertainty".
std::string relabelStrategyName(RelabelStrategy s);
/// Inverse of relabelStrategyName; throws std::invalid_argument listing the known names.
RelabelStrategy parseRelabelStrategy(const std::string& name);

/// What to choose from.
struct SelectionInput
{
    const std::vector<double>* posterior = nullptr;  ///< numItems x numLabels, rows sum to 1
    int32_t numItems = 0;
    int32_t numLabels = 0;
    std::vector<Relabeler> relabelers;  ///< at least one
    /// numItems x relabelers flags: 1 = this relabeler already answered this item (it is not a
    /// candidate again; its answer is assumed to be in the posterior already). Empty = none.
    std::vector<uint8_t> asked;
    int32_t k = 1;        ///< at most k pairs per round, >= 1
    double budget = 0;    ///< >= 0; the picks' total cost never exceeds it
    RelabelStrategy strategy = RelabelStrategy::Greedy;
    uint64_t seed = 0;    ///< Random only
    double maxExactSets = 2e6;
};

/// One chosen (item, relabeler) pair, in selection order.
struct RelabelPick
{
    int32_t item = 0;
    int32_t relabeler = 0;
    double gain = 0;            ///< marginal gain of F when this pair was added (nats)
    double cumulativeCost = 0;  ///< total cost of the picks up to and including this one
};

struct Selection
{
    std::vector<RelabelPick> picks;
    double objective = 0;  ///< F(T) of the chosen set (nats)
    double cost = 0;       ///< total cost, <= budget
};

/// Selects up to k (item, relabeler) pairs under the budget with the chosen strategy. Fewer are
/// returned when the budget or the candidates run out; none when even one pair does not fit.
/// Throws std::invalid_argument (clear message) for a cost <= 0, a negative or non-finite budget,
/// k < 1, a posterior of the wrong size, or exact search that is too large. Polls
/// hooks.isCanceled() (throws Canceled) and reports progress every 4,096 candidates.
Selection selectForRelabel(const SelectionInput& in, const RunHooks& hooks = {});

/// F(T) for an arbitrary set of pairs: sum over items of expectedEntropyGain with the item's
/// chosen relabelers (a pair listed twice counts once).
double selectionObjective(const SelectionInput& in, const std::vector<RelabelPick>& picks);

/// The simulated loop: a posterior from aggregating the cheap crowd, the expensive labeler's
/// real answers, and gold to score against.
struct SimulationInput
{
    std::vector<double> posterior;  ///< numItems x numLabels
    int32_t numItems = 0;
    int32_t numLabels = 0;
    /// Per item: 1 when the crowd gave any evidence (aggregated label >= 0). Items without
    /// evidence count as wrong until relabeled with an answer. Empty = every item has evidence.
    std::vector<uint8_t> hasEvidence;
    std::vector<int32_t> answers;  ///< per item: the expensive labeler's label, -1 = none
    std::vector<int32_t> gold;     ///< per item: -1 unknown; at least one must be known
    Relabeler relabeler;
    int32_t k = 1;
    double budget = 0;
    std::vector<RelabelStrategy> strategies;  ///< at least one
    uint64_t seed = 0;
};

struct RelabelCurvePoint
{
    double spent = 0;       ///< total cost so far (<= budget)
    double fraction = 0;    ///< spent / full-relabel cost
    double accuracy = 0;    ///< argmax-posterior accuracy over gold items (ties: smaller label)
    int32_t relabeled = 0;  ///< items relabeled so far
};

struct RelabelCurve
{
    RelabelStrategy strategy = RelabelStrategy::Greedy;
    int32_t k = 1;
    std::vector<RelabelCurvePoint> curve;  ///< first point: nothing spent; one point per round
};

struct SimulationResult
{
    double startAccuracy = 0;  ///< accuracy of the crowd posterior before any relabel
    double fullCost = 0;       ///< numItems x costPerItem
    double fullAccuracy = 0;   ///< the expensive labeler's own labels vs gold; missing = wrong
    int32_t goldItems = 0;
    std::vector<RelabelCurve> curves;  ///< one per strategy, in input order
};

/// Replays the loop for each strategy from the same start: each round selects up to k items not
/// yet relabeled (selectForRelabel with the remaining budget), reveals the labeler's answers,
/// updates those posteriors (updatePosterior; a missing answer costs but changes nothing) and
/// records a curve point. Stops when the budget cannot buy another item or every item has been
/// relabeled. Random rounds use seed mixed with the round number. Throws std::invalid_argument
/// for bad sizes, no gold, no strategy, or the errors of selectForRelabel; Canceled on cancel.
SimulationResult simulateRelabeling(const SimulationInput& in, const RunHooks& hooks = {});

/// Accuracy of a labeler's answers among the gold items it answered (missing answers are not
/// counted); NaN when there is no such item. Used to estimate a relabeler's accuracy.
double estimateRelabelerAccuracy(const std::vector<int32_t>& answers, const std::vector<int32_t>& gold);

} // namespace chorus::agg
