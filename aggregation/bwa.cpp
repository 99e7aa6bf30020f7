// BWA: Y. Li, B. I. P. Rubinstein, T. Cohn (2019), "Truth inference at scale: a Bayesian model
// for adjudicating highly redundant crowd annotations", WWW 2019 (Bayesian weighted average).
//
// Labels are one-hot vectors y_ia; annotator a adds Gaussian noise of precision v_a to the item's
// truth vector z_i. Conjugate priors: z_i ~ N(mu, 1/(lambda v)) around the class proportions mu,
// v_a ~ Gamma(a_v, b_v). The closed-form coordinate updates (the authors' implementation) are
//
//   mu_k  = mean_i z_ik
//   v_a   = (a_v + N_a) / (b_v + sum_{i labelled by a} sum_k (z_ik - y_iak)^2)
//   z_ik  = (lambda mu_k + sum_a v_a y_iak) / (lambda + sum_a v_a)
//
// started from the majority-vote shares, with b_v = a_v * mean over labels of
// sum_k z_ik (1 - z_ik) (the authors' "prior correction": the prior variance is the expected
// squared error of a label drawn from the MV shares), floored at 1e-6 * a_v.

#include "emcommon.h"
#include "methods.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace chorus::agg {

AggregationResult bwa(const AggregationInput& in, const RunHooks& hooks)
{
    detail::checkInput(in, "bwa");
    const detail::Params p("bwa", in.params);
    const double av = p.get("a_v", 1e-9, 1e9);
    const double lambda = p.get("lambda", 0, 1e9);
    const double tol = p.get("tol", 0, 1);
    const int maxIter = p.getInt("max_iter", 1, 1000000);
    const LabelMatrix& m = *in.matrix;
    const int32_t n = m.numItems(), A = m.numAnnotators(), K = m.numLabels();
    detail::CancelState cancel(hooks);
    const std::vector<char> evidence = detail::evidenceMask(in);

    AggregationResult r;
    r.numLabels = K;
    r.posterior = detail::majorityVoteStart(in, hooks.isCanceled);
    std::vector<double>& z = r.posterior;

    // b_v from the MV shares.
    double spread = 0;
    int64_t labels = 0;
    for (int32_t i = 0; i < n; ++i) {
        const double* zi = z.data() + static_cast<size_t>(i) * K;
        double s = 0;
        for (int32_t k = 0; k < K; ++k)
            s += zi[k] * (1 - zi[k]);
        const int32_t c = m.validCount(i);
        spread += c * s;
        labels += c;
    }
    const double bv = std::max(av * (labels > 0 ? spread / static_cast<double>(labels) : 0.0),
                               1e-6 * av);

    std::vector<double> mu(K), v(A, 0.0), num(K);
    int64_t counted = 0;
    for (char e : evidence)
        counted += e;
    detail::iterate(r, cancel, maxIter, [&] {
        std::fill(mu.begin(), mu.end(), 0.0);
        for (int32_t i = 0; i < n; ++i)
            if (evidence[i])
                for (int32_t k = 0; k < K; ++k)
                    mu[k] += z[static_cast<size_t>(i) * K + k];
        for (double& x : mu)
            x = counted > 0 ? x / static_cast<double>(counted) : 1.0 / K;

        for (int32_t a = 0; a < A; ++a) {
            double sse = 0;
            int64_t na = 0;
            detail::forEachValidLabelOfAnnotator(m, a, [&](int32_t item, int32_t l) {
                ++na;
                const double* zi = z.data() + static_cast<size_t>(item) * K;
                for (int32_t k = 0; k < K; ++k) {
                    const double d = zi[k] - (k == l ? 1.0 : 0.0);
                    sse += d * d;
                }
            });
            v[a] = na > 0 ? (av + static_cast<double>(na)) / (bv + sse) : 0.0;
        }
        cancel.check();

        double change = 0;
        for (int32_t i = 0; i < n; ++i) {
            if (!evidence[i] || detail::isControl(in, i))
                continue;  // controls keep their one-hot row from the MV start
            double* zi = z.data() + static_cast<size_t>(i) * K;
            double den = lambda;
            for (int32_t k = 0; k < K; ++k)
                num[k] = lambda * mu[k];
            detail::forEachValidLabelOfItem(m, i, [&](int32_t a, int32_t l) {
                num[l] += v[a];
                den += v[a];
            });
            for (int32_t k = 0; k < K; ++k) {
                const double nz = num[k] / den;
                change = std::max(change, std::abs(nz - zi[k]));
                zi[k] = nz;
            }
        }
        return change < tol;
    });
    detail::labelsFromPosterior(r, evidence);
    // Competence: a label that is right with probability q has expected squared error 2(1 - q)
    // against a one-hot truth, so q = 1 - 1/(2 v_a) is the accuracy implied by the precision.
    r.competence.assign(A, std::numeric_limits<double>::quiet_NaN());
    for (int32_t a = 0; a < A; ++a)
        if (v[a] > 0)
            r.competence[a] = std::clamp(1.0 - 0.5 / v[a], 0.0, 1.0);
    return r;
}

} // namespace chorus::agg
