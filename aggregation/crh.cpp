// CRH: Q. Li, Y. Li, J. Gao, B. Zhao, W. Fan, J. Han (2014), "Resolving conflicts in
// heterogeneous data by truth discovery and source reliability estimation", SIGMOD 2014,
// Algorithm 1 with the 0-1 loss for categorical data.
//
//   truth step:   v_i = argmax_l sum_{a labels i} w_a [x_ia = l]            (weighted vote)
//   weight step:  loss_a = (errors_a + s (1 - 1/K)) / (n_a + s)          (normalised 0-1 loss)
//                 w_a = -log(loss_a / sum_b loss_b)                       (paper eq. 5)
//
// Started from majority vote; stops when no label changes, or after max_iter weight steps.
// s ("smoothing") adds s pseudo-answers at chance-level loss so that an annotator with one
// correct answer does not get an unbounded weight (the paper leaves loss_a = 0 undefined).

#include "emcommon.h"
#include "methods.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace chorus::agg {

namespace {

/// Weighted vote over valid labels into r (posterior = weight shares). An item whose voters all
/// have weight 0 (e.g. the only annotator, w = -log 1 = 0) falls back to unweighted shares.
void weightedVote(const AggregationInput& in, const std::vector<double>& w,
                  const std::vector<char>& evidence, detail::CancelState& cancel,
                  AggregationResult& r)
{
    const LabelMatrix& m = *in.matrix;
    const int32_t K = m.numLabels();
    std::vector<double> votes(K), raw(K);
    for (int32_t i = 0; i < m.numItems(); ++i) {
        if ((i & 0xFFFF) == 0)
            cancel.check();
        double* post = r.posterior.data() + static_cast<size_t>(i) * K;
        if (detail::isControl(in, i)) {
            std::fill(post, post + K, 0.0);
            post[in.controls[i]] = 1.0;
            continue;
        }
        if (!evidence[i])
            continue;
        std::fill(votes.begin(), votes.end(), 0.0);
        std::fill(raw.begin(), raw.end(), 0.0);
        double total = 0, rawTotal = 0;
        detail::forEachValidLabelOfItem(m, i, [&](int32_t a, int32_t l) {
            votes[l] += w[a];
            total += w[a];
            raw[l] += 1;
            rawTotal += 1;
        });
        for (int32_t l = 0; l < K; ++l)
            post[l] = total > 0 ? votes[l] / total : raw[l] / rawTotal;
    }
    detail::labelsFromPosterior(r, evidence);
}

} // namespace

AggregationResult crh(const AggregationInput& in, const RunHooks& hooks)
{
    detail::checkInput(in, "crh");
    const detail::Params p("crh", in.params);
    const int maxIter = p.getInt("max_iter", 1, 1000000);
    const double s = p.get("smoothing", 0, 1e9);
    const LabelMatrix& m = *in.matrix;
    const int32_t A = m.numAnnotators();
    const int32_t K = m.numLabels();
    detail::CancelState cancel(hooks);
    const std::vector<char> evidence = detail::evidenceMask(in);

    AggregationResult r;
    r.numLabels = K;
    r.posterior.assign(static_cast<size_t>(m.numItems()) * K, K > 0 ? 1.0 / K : 0.0);
    r.labels.assign(m.numItems(), -1);
    std::vector<double> w(A, 1.0);
    weightedVote(in, w, evidence, cancel, r);  // iteration 0: majority vote

    const double chanceLoss = K > 0 ? 1.0 - 1.0 / K : 0.0;
    std::vector<double> loss(A, std::numeric_limits<double>::quiet_NaN());
    detail::iterate(r, cancel, maxIter, [&] {
        double sum = 0;
        for (int32_t a = 0; a < A; ++a) {
            int64_t errors = 0, n = 0;
            detail::forEachValidLabelOfAnnotator(m, a, [&](int32_t item, int32_t l) {
                const int32_t t = r.labels[item];
                if (t < 0)
                    return;
                ++n;
                errors += l != t;
            });
            if (n == 0) {
                loss[a] = std::numeric_limits<double>::quiet_NaN();
                continue;
            }
            loss[a] = (static_cast<double>(errors) + s * chanceLoss) / (static_cast<double>(n) + s);
            sum += loss[a];
        }
        // A zero loss (no errors, no smoothing) is floored so that its weight stays finite.
        const double floor = sum > 0 ? sum * 1e-12 : 1.0;
        for (int32_t a = 0; a < A; ++a)
            w[a] = std::isnan(loss[a]) ? 0.0
                                       : -std::log(std::max(loss[a], floor) / std::max(sum, floor));
        const std::vector<int32_t> before = r.labels;
        weightedVote(in, w, evidence, cancel, r);
        return r.labels == before;
    });
    // Competence = 1 - loss_a: the (smoothed) rate at which the annotator agrees with the CRH
    // truths, from the losses that produced the final weights.
    r.competence.assign(A, std::numeric_limits<double>::quiet_NaN());
    for (int32_t a = 0; a < A; ++a)
        if (!std::isnan(loss[a]))
            r.competence[a] = std::clamp(1.0 - loss[a], 0.0, 1.0);
    return r;
}

} // namespace chorus::agg
