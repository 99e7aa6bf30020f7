// EBCC: Y. Li, B. I. P. Rubinstein, T. Cohn (2019), "Exploiting worker correlation for label
// aggregation in crowdsourcing", ICML 2019 (enhanced Bayesian classifier combination).
//
// BCC in which each true class k has M latent subtypes g with proportions pi_k ~ Dir(a_pi/M),
// and every annotator has one confusion row per (class, subtype): v_akg ~ Dir(beta_k). Annotators
// who err alike on the same items are explained by a shared subtype, so correlated annotators are
// not counted as independent evidence. Mean-field VB:
//
//   q(tau) = Dir(alpha + sum_{i,g} r_ikg),  q(pi_k) = Dir(a_pi/M + sum_i r_ikg),
//   q(v_akg) = Dir(beta_k + sum_{i labelled l by a} r_ikg [l])
//   log r_ikg = E[log tau_k] + E[log pi_kg] + sum_a E[log v_akg(x_ia)] + const   (over all k, g)
//
// Started like the authors' code: the majority-vote shares split over the subtypes by a
// Dirichlet(1) draw per item and class (from in.seed), then an M-step. `restarts` independent
// starts (seed splitmix64(seed, r)); the one with the highest ELBO wins. Engine in bccvb.cpp.

#include "bccvb.h"
#include "methods.h"

namespace chorus::agg {

AggregationResult ebcc(const AggregationInput& in, const RunHooks& hooks)
{
    return detail::runBccVb(in, hooks, detail::readBccVbOptions(in, "ebcc", true));
}

} // namespace chorus::agg
