#include "aggregation.h"
#include "agreementrates.h"

#include <cmath>
#include <limits>

namespace chorus::agg {

namespace {

AggregationResult vote(const AggregationInput& in, const RunHooks& hooks, bool weighted)
{
    const LabelMatrix& m = *in.matrix;
    const int32_t n = m.numItems();
    const int32_t L = m.numLabels();
    AggregationResult r;
    r.numLabels = L;
    r.labels.assign(n, -1);
    r.posterior.assign(static_cast<size_t>(n) * L, L > 0 ? 1.0 / L : 0.0);
    r.iterations = 1;

    std::vector<double> counts(L);
    for (int32_t i = 0; i < n; ++i) {
        if ((i & 0xFFFF) == 0) {
            if (hooks.canceled())
                throw Canceled{};
            hooks.report(i, n);
        }
        double* post = r.posterior.data() + static_cast<size_t>(i) * L;
        if (!in.controls.empty() && in.controls[i] >= 0) {
            std::fill(post, post + L, 0.0);
            post[in.controls[i]] = 1.0;
            r.labels[i] = in.controls[i];
            continue;
        }
        std::fill(counts.begin(), counts.end(), 0.0);
        double total = 0;
        for (int64_t k = m.itemBegin(i); k < m.itemEnd(i); ++k) {
            const int32_t l = m.itemLabel(k);
            if (l < 0)
                continue;
            double w = 1.0;
            if (weighted && !in.weights.empty())
                w = in.weights[m.itemAnnotator(k)];
            counts[l] += w;
            total += w;
        }
        if (total <= 0)
            continue;
        int32_t best = 0;
        int ties = 0;
        for (int32_t l = 0; l < L; ++l) {
            post[l] = counts[l] / total;
            if (counts[l] > counts[best]) {
                best = l;
                ties = 0;
            } else if (l != best && counts[l] == counts[best]) {
                ++ties;
            }
        }
        if (ties > 0)
            ++r.tiedItems;
        r.labels[i] = best;
    }

    // Competence: agreement rate of each annotator with the aggregate.
    r.competence = detail::agreementRates(m, r.labels);
    hooks.report(n, n);
    return r;
}

} // namespace

std::vector<double> detail::agreementRates(const LabelMatrix& m, const std::vector<int32_t>& labels)
{
    std::vector<double> rate(m.numAnnotators(), std::numeric_limits<double>::quiet_NaN());
    for (int32_t a = 0; a < m.numAnnotators(); ++a) {
        int64_t agree = 0, total = 0;
        for (int64_t k = m.annotatorBegin(a); k < m.annotatorEnd(a); ++k) {
            const int32_t l = m.annotatorLabel(k);
            const int32_t truth = labels[m.annotatorItem(k)];
            if (l < 0 || truth < 0)
                continue;
            ++total;
            agree += l == truth;
        }
        if (total > 0)
            rate[a] = static_cast<double>(agree) / static_cast<double>(total);
    }
    return rate;
}

AggregationResult majorityVote(const AggregationInput& in, const RunHooks& hooks)
{
    return vote(in, hooks, false);
}

AggregationResult weightedMajorityVote(const AggregationInput& in, const RunHooks& hooks)
{
    return vote(in, hooks, true);
}

double entropy(const double* p, int32_t n)
{
    // Terms of p below the smallest normal double add less than 1e-305 and make glibc's log
    // take its slow path (subnormal arguments), so they are skipped like zeros.
    double h = 0;
    for (int32_t i = 0; i < n; ++i)
        if (p[i] >= std::numeric_limits<double>::min())
            h -= p[i] * std::log(p[i]);
    return h;
}

} // namespace chorus::agg
