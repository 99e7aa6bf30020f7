// KOS: D. R. Karger, S. Oh, D. Shah (2014), "Budget-optimal task allocation for reliable
// crowdsourcing systems", Operations Research 62(1):1-24 (arXiv:1110.3564), Algorithm 1.
//
//   A_ia = +1 for label 0, -1 for label 1
//   x_{i->a} = sum_{a' != a} A_ia' y_{a'->i}      (item messages)
//   y_{a->i} = sum_{i' != i} A_i'a x_{i'->a}      (annotator messages), y initialised N(1, 1)
//   label_i = sign(sum_a A_ia y_{a->i})

#include "agreementrates.h"
#include "emcommon.h"
#include "methods.h"

#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

namespace chorus::agg {

AggregationResult kos(const AggregationInput& in, const RunHooks& hooks)
{
    detail::checkInput(in, "kos");
    const detail::Params p("kos", in.params);
    const int nIter = p.getInt("n_iter", 0, 1000000);
    const LabelMatrix& m = *in.matrix;
    if (m.numLabels() != 2)
        throw std::invalid_argument("kos: Karger-Oh-Shah is for binary tasks only, but the label "
                                    "set has "
                                    + std::to_string(m.numLabels()) + " labels");
    detail::CancelState cancel(hooks);
    const int32_t n = m.numItems(), A = m.numAnnotators();
    const int64_t nnz = m.numAnnotations();

    // Item-major position of each annotator-major entry (annotator-major is sorted by item).
    std::vector<int64_t> itemPos(nnz);
    {
        std::vector<int64_t> cursor(m.annotatorOffsets().begin(), m.annotatorOffsets().end() - 1);
        for (int32_t i = 0; i < n; ++i)
            for (int64_t j = m.itemBegin(i); j < m.itemEnd(i); ++j)
                itemPos[cursor[m.itemAnnotator(j)]++] = j;
    }
    // Signed answers in item-major order; 0 for INVALID (no edge).
    std::vector<double> sign(nnz);
    for (int64_t j = 0; j < nnz; ++j) {
        const int32_t l = m.itemLabel(j);
        sign[j] = l == 0 ? 1.0 : (l == 1 ? -1.0 : 0.0);
    }
    // N(1,1) initial annotator messages by Box-Muller on our own uniform draws (platform
    // independent, unlike std::normal_distribution).
    std::mt19937_64 rng(detail::mixSeed(in.seed, 0x4B4F53));
    std::vector<double> y(nnz), x(nnz);
    for (int64_t j = 0; j < nnz; ++j) {
        const double u1 = 1.0 - detail::unitFromBits(rng());
        const double u2 = detail::unitFromBits(rng());
        y[j] = 1.0 + std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }

    AggregationResult r;
    r.numLabels = 2;
    r.converged = true;
    for (int it = 1; it <= nIter; ++it) {
        cancel.check();
        for (int32_t i = 0; i < n; ++i) {
            double total = 0;
            for (int64_t j = m.itemBegin(i); j < m.itemEnd(i); ++j)
                total += sign[j] * y[j];
            for (int64_t j = m.itemBegin(i); j < m.itemEnd(i); ++j)
                x[j] = total - sign[j] * y[j];
        }
        double sumSq = 0;
        for (int32_t a = 0; a < A; ++a) {
            double total = 0;
            for (int64_t k = m.annotatorBegin(a); k < m.annotatorEnd(a); ++k)
                total += sign[itemPos[k]] * x[itemPos[k]];
            for (int64_t k = m.annotatorBegin(a); k < m.annotatorEnd(a); ++k) {
                const int64_t j = itemPos[k];
                y[j] = total - sign[j] * x[j];
                sumSq += y[j] * y[j];
            }
        }
        // Rescale (the paper's messages grow geometrically; only signs and ratios matter).
        const double rms = std::sqrt(sumSq / std::max<int64_t>(1, nnz));
        if (rms > 0 && std::isfinite(rms))
            for (double& v : y)
                v /= rms;
        r.iterations = it;
        hooks.report(it, nIter);
    }

    r.posterior.assign(static_cast<size_t>(n) * 2, 0.5);
    r.labels.assign(n, -1);
    for (int32_t i = 0; i < n; ++i) {
        double* post = r.posterior.data() + 2 * static_cast<size_t>(i);
        if (detail::isControl(in, i)) {
            post[0] = in.controls[i] == 0 ? 1.0 : 0.0;
            post[1] = 1.0 - post[0];
            r.labels[i] = in.controls[i];
            continue;
        }
        double score = 0, votes = 0;
        bool any = false;
        for (int64_t j = m.itemBegin(i); j < m.itemEnd(i); ++j) {
            score += sign[j] * y[j];
            votes += sign[j];
            any = any || sign[j] != 0;
        }
        if (!any)
            continue;
        if (score == 0)
            score = votes;  // no message information (e.g. a lone label): majority vote
        if (score > 0 || score < 0) {
            r.labels[i] = score > 0 ? 0 : 1;
            post[r.labels[i]] = 1.0;
            post[1 - r.labels[i]] = 0.0;
        } else {
            r.labels[i] = 0;
            ++r.tiedItems;
        }
    }
    r.competence = detail::agreementRates(m, r.labels);
    return r;
}

} // namespace chorus::agg
