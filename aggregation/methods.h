#pragma once
// The crowd-truth aggregation methods beyond majority vote, and the registry that names them.
//
// Every method takes an AggregationInput and RunHooks (see aggregation.h) and returns an
// AggregationResult: per-item label (-1 for an item without any valid label) and posterior
// (row-major numItems x numLabels; uniform rows for items without evidence), per-annotator
// competence in [0,1] (NaN for an annotator without valid labels; its meaning is stated per
// method below), iterations run, convergence, and the log-likelihood trace where the model has
// one. INVALID labels (kInvalidLabel) are skipped everywhere.
//
// Controls (in.controls[i] >= 0, "known truth" as in MACE's --controls): every method clamps
// those items' posterior to the known label (one-hot) and label, and the EM methods clamp them in
// every E-step, so annotators' parameters are learned from them too.
//
// Cancellation and progress: RunHooks::isCanceled() is polled on the calling thread at least once
// per iteration and every 65,536 annotations inside long loops; a cancel makes the method throw
// Canceled. progress(done, total) is reported once per iteration. Methods use up to two threads
// by default (parameter "threads"; 0 = min(2, hardware threads)); the hooks are only ever called
// from the calling thread.
//
// Parameters (in.params) are checked against methodParams(method); an unknown key or a value out
// of range throws std::invalid_argument naming the method and the key. The formulas, defaults,
// papers and our differences from the reference implementations are in docs/methods.md.

#include "aggregation.h"

#include <string>
#include <vector>

namespace chorus::agg {

/// Worker Agreement With Aggregate (crowd-kit's Wawa): majority vote, then each annotator's
/// weight = fraction of their valid labels equal to the MV label, then weighted MV with those
/// weights. Competence = that weight (agreement rate with MV, in [0,1]).
AggregationResult wawa(const AggregationInput& in, const RunHooks& hooks = {});

/// Zero-Based Skill (crowd-kit's ZeroBasedSkill): skills start at 1/|labels used| + eps; each of
/// n_iter rounds runs weighted MV with the skills and moves every skill toward the annotator's
/// agreement rate with that vote by a learning rate that halves every lr_steps_to_reduce rounds.
/// Final labels = weighted MV with the final skills. Competence = final skill (in [0,1]).
AggregationResult zeroBasedSkill(const AggregationInput& in, const RunHooks& hooks = {});

/// Dawid & Skene (1979): a full confusion matrix P(observed | true) per annotator and class
/// priors, fitted by EM started from the majority-vote (vote share) posterior. Stops when the
/// objective gains less than tol per valid label, or after max_iter E-steps. The objective is
/// crowd-kit's ELBO by default (objective = 0; reproduces its iteration counts) or the marginal
/// log-likelihood log P(labels) (objective = 1); logLikelihood holds it per iteration, divided by
/// the number of valid labels. Confusion cells of labels an annotator used are floored at 1e-10
/// before normalisation (as crowd-kit). Competence = sum_k prior_k * P(label k | true k): the
/// probability that the annotator's label is correct on a random item.
AggregationResult dawidSkene(const AggregationInput& in, const RunHooks& hooks = {});

/// One-coin Dawid-Skene (crowd-kit's OneCoinDawidSkene): one accuracy s_a per annotator, errors
/// spread evenly, P(x | k) = s_a if x == k else (1 - s_a)/(K - 1), learned class priors, EM from
/// the MV posterior, same stopping rule and parameters as dawidSkene(). s_a = mean posterior
/// probability of the annotator's own labels. Competence = s_a (probability of a correct
/// label).
AggregationResult oneCoinDawidSkene(const AggregationInput& in, const RunHooks& hooks = {});

/// ZenCrowd (Demartini et al. 2012): the same one-reliability likelihood as one-coin DS but with
/// a uniform (not learned) class prior, and every annotator starting at reliability `init`
/// instead of from the MV posterior; stops on the marginal log-likelihood by default
/// (objective = 1). Competence = reliability (probability of a correct label).
AggregationResult zenCrowd(const AggregationInput& in, const RunHooks& hooks = {});

/// GLAD (Whitehill et al. 2009): P(label correct) = sigmoid(alpha_a * beta_i) with annotator
/// ability alpha_a and item inverse difficulty beta_i = exp(b_i) > 0, wrong labels uniform over
/// the other K-1 classes, N(mean, 1) priors on alpha and b, uniform class prior. EM whose M-step
/// takes up to m_step_iter diagonal-Newton steps on the analytic gradient with backtracking.
/// Competence = sigmoid(alpha_a): probability of a correct label on an item with beta = 1.
/// logLikelihood holds the MAP objective (log P(labels) + log priors) per valid label.
AggregationResult glad(const AggregationInput& in, const RunHooks& hooks = {});

/// MACE (Hovy et al. 2013): annotator a knows the answer with probability theta_a and otherwise
/// "spams" by drawing from a strategy xi_a; P(x | t) = theta_a [x == t] + (1 - theta_a) xi_a(x),
/// uniform class prior. Variational Bayes with Beta(alpha, beta) on theta and Dirichlet
/// (strategy_prior) on xi (default) or EM with smoothing (em = 1); `restarts` random restarts of
/// `iterations` iterations each from in.seed, keeping the one with the best log-likelihood
/// (restarts run in parallel). With threshold < 1 only the ceil(threshold * n) items with the
/// lowest posterior entropy (among items with evidence) keep a label; the others get -1 (their
/// posterior is kept). Competence = theta_a, Hovy's "competence" (the VB estimate is exp of the
/// expected log, so slightly below the posterior mean).
AggregationResult mace(const AggregationInput& in, const RunHooks& hooks = {});

/// Karger, Oh & Shah (2011/2014) iterative message passing for binary tasks (label 0 = +1,
/// label 1 = -1), messages initialised N(1,1) from in.seed and rescaled every iteration (the
/// sign, which is all that matters, is unchanged). Throws std::invalid_argument unless the
/// matrix has exactly 2 labels. Posterior = one-hot on the sign (0.5/0.5 on a zero score).
/// Competence = the annotator's agreement rate with the KOS labels.
AggregationResult kos(const AggregationInput& in, const RunHooks& hooks = {});

/// M-MSR (Ma & Olshevsky 2020, crowd-kit semantics): robust rank-one completion of the
/// annotator agreement matrix gives skills s_a; labels = weighted MV with weights
/// log((K-1) p_a / (1 - p_a)), p_a = s_a (K-1)/K + 1/K. Competence = p_a (probability of a
/// correct label implied by the estimated skill). Needs dense annotator x annotator matrices:
/// throws std::invalid_argument above 3,000 annotators.
AggregationResult mmsr(const AggregationInput& in, const RunHooks& hooks = {});

/// CRH (Li et al., SIGMOD 2014) with the 0-1 loss: starting from majority vote, alternately
/// sets each annotator's weight w_a = -log(loss_a / sum_b loss_b) from its normalised loss
/// loss_a = (errors_a + s (1 - 1/K)) / (n_a + s) against the current labels (s = smoothing) and
/// re-votes with those weights, until no label changes or max_iter rounds. Posterior = weighted
/// vote shares (unweighted shares on an item whose voters all weigh 0, e.g. a lone annotator).
/// Competence = 1 - loss_a: the smoothed rate of agreement with the CRH labels.
AggregationResult crh(const AggregationInput& in, const RunHooks& hooks = {});

/// BWA, Bayesian weighted average (Li, Rubinstein & Cohn, WWW 2019): one-hot labels are the
/// item's truth vector z_i plus Gaussian noise of annotator precision v_a ~ Gamma(a_v, b_v), with
/// z_i drawn around the class proportions mu (strength lambda). Closed-form coordinate updates
/// from the MV shares: mu = mean z; v_a = (a_v + N_a) / (b_v + squared error of a's labels);
/// z_i = (lambda mu + sum_a v_a y_ia) / (lambda + sum_a v_a) (rows stay distributions).
/// b_v = a_v * mean expected squared error under the MV shares. Stops when no posterior entry
/// moves more than tol. Competence = 1 - 1/(2 v_a), clamped to [0,1]: the accuracy implied by
/// the estimated precision (a label right with probability q has squared error 2(1 - q)).
AggregationResult bwa(const AggregationInput& in, const RunHooks& hooks = {});

/// BCC, Bayesian classifier combination (Kim & Ghahramani, AISTATS 2012): class proportions
/// tau ~ Dir(alpha) and per-annotator confusion rows v_ak ~ Dir(beta_k) with beta_kk = a_v on the
/// diagonal and b_v off it; mean-field variational Bayes (expected log parameters through
/// digamma) from the MV shares, until no class posterior moves more than tol. logLikelihood holds
/// the evidence lower bound per valid label after each iteration (non-decreasing). Competence =
/// sum_k E[tau_k] E[v_ak(k)]: the expected probability of a correct label on a random item.
AggregationResult bcc(const AggregationInput& in, const RunHooks& hooks = {});

/// EBCC, enhanced BCC (Li, Rubinstein & Cohn, ICML 2019): BCC in which each class has `subtypes`
/// latent subtypes with proportions pi_k ~ Dir(a_pi/M) and each annotator a confusion row per
/// (class, subtype), which models annotators who err together. Mean-field VB started from the MV
/// shares split over subtypes by a Dirichlet(1) draw from in.seed; `restarts` starts (seeds
/// derived from in.seed), the highest ELBO wins. Deterministic for a seed and thread count.
/// Competence = sum_k E[tau_k] sum_m E[pi_km] E[v_akm(k)] (probability of a correct label).
AggregationResult ebcc(const AggregationInput& in, const RunHooks& hooks = {});

/// How an item whose top posterior is tied (within 1e-9) gets its label. Given to aggregate()
/// as in.params["ties"] (0, 1, 2), which every method accepts.
enum class TiePolicy {
    First = 0,      ///< the first tied label in the label order (crowd-kit's rule; the default)
    Random = 1,     ///< uniform among the tied labels, drawn from in.seed and the item's key
    Unresolved = 2, ///< no label (-1); counted in unresolvedItems
};

/// Runs the method called `method` (one of methodNames()). Throws std::invalid_argument naming
/// the method when it is unknown or a parameter is unknown/out of range.
///
/// Results do not depend on the order of the input rows: when the matrix has identity keys
/// (LabelMatrix::setKeys) and is not in key order, the method runs on the matrix permuted into
/// key order (controls and weights with it) and the result is mapped back. Afterwards every
/// item whose method label is among its tied top posterior labels (within 1e-9; controls
/// excepted) is counted in tiedItems and relabelled by the tie policy; with Random the draw
/// depends on in.seed and the item's key only, so it is reproducible and independent of row
/// order. The labels of a label set are in the project's canonical order (declared, or sorted
/// by name), which makes First order-independent too.
AggregationResult aggregate(const std::string& method, const AggregationInput& in,
                            const RunHooks& hooks = {});

/// A matrix permuted into key order once, for running several methods on the same data
/// (aggregate() permutes on every call: about 30 ms per call on 1M labels). Empty permutations
/// when the source is in key order already.
struct KeyOrderedMatrix
{
    const LabelMatrix* source = nullptr;
    std::vector<int32_t> items, annotators;  ///< position in key order -> source index
    LabelMatrix matrix;                      ///< source permuted (empty when source is in order)
    static KeyOrderedMatrix of(const LabelMatrix& source);
};

/// aggregate() with the key-order permutation prepared: ordered.source must be in.matrix.
/// The same result as aggregate(method, in, hooks), bit for bit.
AggregationResult aggregate(const std::string& method, const AggregationInput& in, const KeyOrderedMatrix& ordered,
                            const RunHooks& hooks = {});

/// Relabels tied items of r (see aggregate()); returns the number of tied items. Public for
/// tests and for callers that build results themselves.
int64_t applyTiePolicy(AggregationResult& r, const LabelMatrix& matrix, const std::vector<int32_t>& controls,
                       TiePolicy policy, uint64_t seed);

/// All method names accepted by aggregate(), in a stable order:
/// mv, wmv, wawa, zbs, ds, onecoin, zc, glad, mace, kos, mmsr, crh, bwa, bcc, ebcc.
std::vector<std::string> methodNames();

/// One accepted numeric parameter of a method.
struct MethodParam
{
    std::string name;
    double defaultValue = 0;
    std::string description;
};

/// The parameters `method` accepts, with defaults. Throws std::invalid_argument for an unknown
/// method.
std::vector<MethodParam> methodParams(const std::string& method);

/// Shannon entropy (natural log, nats) of each item's posterior row, in [0, log numLabels].
/// Items without evidence have uniform rows and so entropy log(numLabels).
std::vector<double> itemEntropies(const AggregationResult& r);

} // namespace chorus::agg
