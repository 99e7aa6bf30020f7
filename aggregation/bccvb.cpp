// Mean-field VB for BCC (H.-C. Kim, Z. Ghahramani (2012), "Bayesian classifier combination",
// AISTATS 2012) and its subtype extension EBCC (Y. Li, B. I. P. Rubinstein, T. Cohn (2019),
// "Exploiting worker correlation for label aggregation in crowdsourcing", ICML 2019).
//
// q(z_i = k, g_i = m) = r_ikm. With counts from r,
//   S_km = sum_i r_ikm,   C_akm(l) = sum_{i labelled l by a} r_ikm,
// the Dirichlet factors are (the "M-step")
//   q(tau) = Dir(alpha + sum_m S_km),  q(pi_k) = Dir(a_pi/M + S_km),  q(v_akm) = Dir(beta_k + C_akm)
// and the assignments (the "E-step")
//   log r_ikm = E[log tau_k] + E[log pi_km] + sum_{a labels i} E[log v_akm(x_ia)] + const,
// with E[log theta_j] = psi(theta_j) - psi(sum theta) for theta ~ Dir. Controls restrict r_i to
// their class (softmax over its subtypes only). The E-step and the counting pass of the next
// M-step are one sweep over the labels, split over threads by item ranges.
//
// ELBO, at the optimal Dirichlet factors for the current r (each Dirichlet-multinomial block
// with prior a and posterior a + c contributes log B(a + c) - log B(a), B the multivariate beta
// function), plus the entropy of r:
//   L = [log B(nu) - log B(alpha)] + sum_k [log B(eta_k) - log B(a_pi/M)]
//       + sum_{a,k,m} [log B(mu_akm) - log B(beta_k)] + sum_i H(r_i).
// Both VB steps are coordinate ascent on L, so it never decreases.

#include "bccvbrun.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace chorus::agg::detail {

BccVbOptions readBccVbOptions(const AggregationInput& in, const char* method, bool subtyped)
{
    checkInput(in, method);
    const Params p(method, in.params);
    BccVbOptions o;
    o.method = method;
    if (subtyped) {
        o.subtypes = p.getInt("subtypes", 1, 1000);
        o.aPi = p.get("a_pi", 1e-6, 1e9);
    }
    o.alpha = p.get("alpha", 1e-6, 1e9);
    o.empiricalPrior = p.getInt("empirical_prior", 0, 1) == 1;
    o.aV = p.get("a_v", 1e-6, 1e9);
    o.bV = p.get("b_v", 1e-6, 1e9);
    o.tol = p.get("tol", 0, 1);
    o.maxIter = p.getInt("max_iter", 1, 1000000);
    if (subtyped) {
        o.restarts = p.getInt("restarts", 1, 10000);
        o.randomInit = true;
    }
    o.threads = p.threads();
    o.seed = in.seed;
    return o;
}

AggregationResult runBccVb(const AggregationInput& in, const RunHooks& hooks,
                           const BccVbOptions& o)
{
    const LabelMatrix& m = *in.matrix;
    const int32_t K = m.numLabels();
    CancelState cancel(hooks);
    const std::vector<char> evidence = evidenceMask(in);
    std::vector<double> mv;
    mv = majorityVoteStart(in, hooks.isCanceled);
    int64_t validLabels = 0;
    for (int32_t l : m.itemLabels())
        validLabels += l >= 0;
    const double scale = 1.0 / static_cast<double>(std::max<int64_t>(1, validLabels));
    // The authors' "empirical prior": the class-proportion prior is the MV shares summed over
    // the items (floored at alpha so that an unvoted class keeps a proper prior).
    std::vector<double> alpha(K, o.alpha);
    if (o.empiricalPrior) {
        std::vector<double> sums(K, 0.0);
        for (int32_t i = 0; i < m.numItems(); ++i)
            if (evidence[i])
                for (int32_t k = 0; k < K; ++k)
                    sums[k] += mv[static_cast<size_t>(i) * K + k];
        for (int32_t k = 0; k < K; ++k)
            alpha[k] = std::max(o.alpha, sums[k]);
    }

    const int restarts = o.randomInit ? o.restarts : 1;
    const int total = restarts * o.maxIter;
    AggregationResult best;
    double bestElbo = -std::numeric_limits<double>::infinity();
    for (int restart = 0; restart < restarts; ++restart) {
        BccVbRun run(in, o, cancel, evidence, alpha);
        run.init(mv, mixSeed(o.seed, static_cast<uint64_t>(restart)));
        AggregationResult r;
        r.numLabels = K;
        r.converged = false;
        double elbo = 0;
        for (int it = 1; it <= o.maxIter; ++it) {
            cancel.check();
            elbo = run.mStep();
            if (it > 1)
                r.logLikelihood.push_back(elbo * scale);
            const double change = run.sweep(true);
            r.iterations = it;
            hooks.report(restart * o.maxIter + it, total);
            if (change < o.tol) {
                r.converged = true;
                break;
            }
        }
        elbo = run.mStep();
        r.logLikelihood.push_back(elbo * scale);
        if (restart == 0 || elbo > bestElbo) {
            bestElbo = elbo;
            r.posterior = mv;
            run.classPosterior(r.posterior);
            r.competence = run.competence();
            best = std::move(r);
        }
    }
    hooks.report(total, total);
    labelsFromPosterior(best, evidence);
    return best;
}

} // namespace chorus::agg::detail
