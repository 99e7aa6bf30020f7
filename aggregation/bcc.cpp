// BCC: H.-C. Kim, Z. Ghahramani (2012), "Bayesian classifier combination", AISTATS 2012,
// the independent model with mean-field variational inference (their section 3 gives Gibbs
// sampling; the VB updates are those of Li, Rubinstein & Cohn 2019 with one subtype per class):
//
//   tau ~ Dir(alpha),  v_ak ~ Dir(beta_k) with beta_kl = a_v if l == k else b_v,
//   z_i ~ Cat(tau),    x_ia ~ Cat(v_{a z_i})
//   q(tau) = Dir(alpha + sum_i T_ik),  q(v_ak) = Dir(beta_k + sum_{i labelled by a} T_ik [x_ia = l])
//   log T_ik = psi(nu_k) - psi(sum nu) + sum_a [psi(mu_ak(x_ia)) - psi(sum_l mu_ak(l))] + const
//
// Started from the majority-vote shares (an M-step first). The engine is in bccvb.cpp.

#include "bccvb.h"
#include "methods.h"

namespace chorus::agg {

AggregationResult bcc(const AggregationInput& in, const RunHooks& hooks)
{
    return detail::runBccVb(in, hooks, detail::readBccVbOptions(in, "bcc", false));
}

} // namespace chorus::agg
