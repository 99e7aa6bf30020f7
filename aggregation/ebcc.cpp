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
#include "emcommon.h"
#include "methods.h"

namespace chorus::agg {

AggregationResult ebcc(const AggregationInput& in, const RunHooks& hooks)
{
    detail::checkInput(in, "ebcc");
    const detail::Params p("ebcc", in.params);
    detail::BccVbOptions o;
    o.method = "ebcc";
    o.subtypes = p.getInt("subtypes", 1, 1000);
    o.aPi = p.get("a_pi", 1e-6, 1e9);
    o.alpha = p.get("alpha", 1e-6, 1e9);
    o.empiricalPrior = p.getInt("empirical_prior", 0, 1) == 1;
    o.aV = p.get("a_v", 1e-6, 1e9);
    o.bV = p.get("b_v", 1e-6, 1e9);
    o.tol = p.get("tol", 0, 1);
    o.maxIter = p.getInt("max_iter", 1, 1000000);
    o.restarts = p.getInt("restarts", 1, 10000);
    o.randomInit = true;
    o.threads = p.threads();
    o.seed = in.seed;
    return detail::runBccVb(in, hooks, o);
}

} // namespace chorus::agg
