#pragma once
// Mean-field variational Bayes for Bayesian classifier combination with latent subtypes, shared
// by bcc (one subtype per class) and ebcc (M subtypes per class). Internal to chorus_aggregation.
//
// Model (Kim & Ghahramani 2012 for M = 1; Li, Rubinstein & Cohn 2019 for M > 1):
//   tau ~ Dir(alpha 1_K)                         class proportions
//   pi_k ~ Dir(a_pi/M 1_M)                       subtype proportions within class k
//   v_akm ~ Dir(beta_k), beta_kl = a_v if l == k else b_v
//                                                annotator a's label distribution for (k, m)
//   (z_i, g_i) ~ tau_k pi_km,  x_ia ~ Cat(v_{a z_i g_i})
// Mean-field q(z, g) q(tau) q(pi) q(v); see bccvb.cpp and docs/methods.md for the updates.

#include "aggregation.h"

#include <cstdint>

namespace chorus::agg::detail {

struct BccVbOptions
{
    const char* method = "bcc";  ///< for messages
    int subtypes = 1;            ///< M
    double alpha = 1;            ///< symmetric Dirichlet prior on the class proportions
    bool empiricalPrior = false; ///< class-proportion prior = the MV vote shares summed over items
    double aPi = 0.1;            ///< total prior mass on one class's subtype proportions
    double aV = 4;               ///< confusion-row prior on the diagonal
    double bV = 1;               ///< confusion-row prior off the diagonal
    double tol = 1e-3;           ///< stop when no posterior entry P(z_i = k) moves more
    int maxIter = 500;
    int restarts = 1;            ///< random starts (randomInit only); the best ELBO wins
    bool randomInit = false;     ///< split the MV shares over subtypes at random (ebcc)
    uint64_t seed = 0;
    int threads = 1;
};

/// Checks in and reads the options of `method` from in.params (in the order of its parameter
/// table, so that the first bad one is the one named) and in.seed. With subtyped (ebcc) also
/// subtypes, a_pi and restarts, from a random start; otherwise (bcc) one subtype per class.
BccVbOptions readBccVbOptions(const AggregationInput& in, const char* method, bool subtyped);

/// Runs the VB iterations. Competence = sum_k E[tau_k] sum_m E[pi_km] E[v_akm(k)]: the expected
/// probability that a's label is correct on a random item. logLikelihood = the ELBO after each
/// iteration, divided by the number of valid labels (non-decreasing).
AggregationResult runBccVb(const AggregationInput& in, const RunHooks& hooks,
                           const BccVbOptions& options);

} // namespace chorus::agg::detail
