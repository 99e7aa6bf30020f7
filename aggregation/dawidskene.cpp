// Dawid & Skene (1979), "Maximum likelihood estimation of observer error-rates using the EM
// algorithm", Applied Statistics 28(1):20-28.
//
//   P(z_i = k) = pi_k,   P(x_ia = l | z_i = k) = E_a[l][k]
//   E-step:  P(z_i = k | x) ∝ pi_k * prod_a E_a[x_ia][k]                       (D&S eq. 2.5)
//   M-step:  E_a[l][k] ∝ sum_i T_ik [x_ia = l],   pi_k = mean_i T_ik           (D&S eq. 2.3, 2.4)
//
// Started, like crowd-kit, from the majority-vote posterior T (vote shares) and an M-step.

#include "emcommon.h"
#include "methods.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace chorus::agg {

namespace {

/// The softmax of s[0, n) in place, with the arithmetic of detail::softmaxInPlace (the same
/// posterior bits and return value, log sum_k exp(s_k)), and its Shannon entropy in h. With
/// x_k = s_k - max and S = sum_k exp(x_k), log t_k = x_k - log S, so
/// H = -sum_k t_k log t_k = log S - sum_k t_k x_k: no log per class (issue #17: the entropy's
/// logs were a third of the E-step's maths calls). x: scratch of n doubles. Terms whose
/// posterior is under the smallest normal double are left out, as entropy() does; exp(0) = 1
/// is not computed. KC: n known at compile time (0: not).
template <int KC>
double softmaxWithEntropy(double* s, double* x, int32_t n, double& h)
{
    if constexpr (KC > 0)
        n = KC;
    const double mx = detail::maxOrUniform(s, n);
    if (!std::isfinite(mx)) {
        h = entropy(s, n);
        return mx;
    }
    constexpr double kUnderflow = -708.0;  // see detail::softmaxInPlace
    double sum = 0;
    for (int32_t l = 0; l < n; ++l) {
        x[l] = s[l] - mx;
        s[l] = x[l] < kUnderflow ? 0.0 : x[l] == 0 ? 1.0 : std::exp(x[l]);
        sum += s[l];
    }
    const double inv = 1.0 / sum;
    const double logSum = std::log(sum);
    double dot = 0;
    for (int32_t l = 0; l < n; ++l) {
        s[l] *= inv;
        if (s[l] >= std::numeric_limits<double>::min())
            dot += s[l] * x[l];
    }
    h = logSum - dot;
    return mx + logSum;
}

class DawidSkeneRun : detail::EmRun
{
public:
    DawidSkeneRun(const AggregationInput& in, const RunHooks& hooks) : EmRun(in, hooks, "ds")
    {
        m_n = m_m.numItems();
        m_A = m_m.numAnnotators();
        m_K = m_m.numLabels();
        m_used.assign(static_cast<size_t>(m_A) * m_K, 0);
        for (int32_t a = 0; a < m_A; ++a)
            detail::forEachValidLabelOfAnnotator(
                m_m, a, [&](int32_t, int32_t l) { m_used[static_cast<size_t>(a) * m_K + l] = 1; });
    }

    AggregationResult run()
    {
        AggregationResult r;
        r.numLabels = m_K;
        r.posterior = detail::majorityVoteStart(m_in, m_cancel.hooks().isCanceled);
        m_logE.assign(static_cast<size_t>(m_A) * m_K * m_K, 0.0);
        m_counts.assign(m_logE.size(), 0.0);
        mStep(countPass(r.posterior));

        const detail::StopObjective objective(m_p, m_validLabels);
        runEm(r, [&] {
            const EStats e = eStep(r.posterior);
            mStep(e.priorSums);
            return objective([&] { return elbo(e); }, e.logLikelihood);
        });

        detail::labelsFromPosterior(r, m_evidence);
        r.competence.assign(m_A, std::numeric_limits<double>::quiet_NaN());
        for (int32_t a = 0; a < m_A; ++a) {
            if (m_m.annotatorBegin(a) == m_m.annotatorEnd(a) || !anyUsed(a))
                continue;
            double c = 0;
            for (int32_t k = 0; k < m_K; ++k)
                c += m_priors[k] * std::exp(m_logE[(static_cast<size_t>(a) * m_K + k) * m_K + k]);
            r.competence[a] = std::clamp(c, 0.0, 1.0);
        }
        return r;
    }

private:
    bool anyUsed(int32_t a) const
    {
        for (int32_t l = 0; l < m_K; ++l)
            if (m_used[static_cast<size_t>(a) * m_K + l])
                return true;
        return false;
    }

    /// M-step from the counts of the last pass: priors pi_k = priorSums_k / #items with
    /// evidence, then each annotator's confusion columns E_a[.][k] = counts normalised over the
    /// labels, with cells of labels the annotator used floored at 1e-10 (crowd-kit's clip).
    void mStep(const std::vector<double>& priorSums)
    {
        int64_t counted = 0;
        for (char e : m_evidence)
            counted += e;
        m_priors.resize(m_K);
        m_logPriors.resize(m_K);
        for (int32_t k = 0; k < m_K; ++k) {
            m_priors[k] = counted > 0 ? priorSums[k] / static_cast<double>(counted) : 1.0 / m_K;
            m_logPriors[k] = std::log(m_priors[k]);
        }
        const int32_t K = m_K;
        for (int32_t a = 0; a < m_A; ++a) {
            double* cnt = m_counts.data() + static_cast<size_t>(a) * K * K;  // [l][k]
            for (int32_t l = 0; l < K; ++l)
                if (m_used[static_cast<size_t>(a) * K + l])
                    for (int32_t k = 0; k < K; ++k)
                        cnt[l * K + k] = std::max(cnt[l * K + k], 1e-10);
            double* logE = m_logE.data() + static_cast<size_t>(a) * K * K;
            for (int32_t k = 0; k < K; ++k) {
                double col = 0;
                for (int32_t l = 0; l < K; ++l)
                    col += cnt[l * K + k];
                for (int32_t l = 0; l < K; ++l)
                    logE[l * K + k] = col > 0 && cnt[l * K + k] > 0
                                          ? std::log(cnt[l * K + k] / col)
                                          : -std::numeric_limits<double>::infinity();
            }
        }
    }

    /// Adds item i's posterior row t to the counts [a][label][k] of its annotators' labels.
    /// KC: the number of labels when known at compile time (0: m_K), for loops over k that the
    /// compiler unrolls; the sums are the same, in the same order.
    template <int KC = 0>
    void addCounts(int32_t i, const double* t, double* counts) const
    {
        const int32_t K = KC > 0 ? KC : m_K;
        detail::forEachValidLabelOfItem(m_m, i, [&](int32_t a, int32_t l) {
            double* row = counts + (static_cast<size_t>(a) * K + l) * K;
            for (int32_t k = 0; k < K; ++k)
                row[k] += t[k];
        });
    }

    /// Per-chunk count buffers: chunk 0 accumulates straight into m_counts, the others into
    /// scratch that mergeCounts() adds in.
    double* chunkCounts(int chunk)
    {
        if (chunk == 0)
            return m_counts.data();
        return m_scratch.data() + static_cast<size_t>(chunk - 1) * m_counts.size();
    }

    void resetCounts()
    {
        const size_t chunks = m_itemBounds.size() - 1;
        std::fill(m_counts.begin(), m_counts.end(), 0.0);
        m_scratch.assign((chunks - 1) * m_counts.size(), 0.0);
    }

    void mergeCounts()
    {
        const size_t size = m_counts.size();
        for (size_t c = 0; c + 1 < m_itemBounds.size() - 1; ++c)
            for (size_t x = 0; x < size; ++x)
                m_counts[x] += m_scratch[c * size + x];
    }

    /// Counts and prior sums of a given posterior (the MV start).
    std::vector<double> countPass(const std::vector<double>& post)
    {
        resetCounts();
        const int32_t K = m_K;
        const size_t chunks = m_itemBounds.size() - 1;
        std::vector<double> priorSums(chunks * K, 0.0);
        detail::parallelRanges(m_itemBounds, [&](int32_t begin, int32_t end, int chunk) {
            double* counts = chunkCounts(chunk);
            double* ps = priorSums.data() + static_cast<size_t>(chunk) * K;
            for (int32_t i = begin; i < end; ++i) {
                if (!m_evidence[i])
                    continue;
                const double* t = post.data() + static_cast<size_t>(i) * K;
                addCounts(i, t, counts);
                for (int32_t k = 0; k < K; ++k)
                    ps[k] += t[k];
            }
        });
        mergeCounts();
        return detail::sumChunks(priorSums, K);
    }

    struct EStats : detail::EStepSums
    {
        std::vector<double> priorSums;  ///< sum_i T_ik over items with evidence
    };

    /// crowd-kit's DawidSkene._evidence_lower_bound for the posterior of the last E-step and
    /// the parameters of the following M-step: sum over labels (i,a) of
    /// sum_k T_ik (log E_a[x_ia][k] + log pi_k), plus the posterior entropy. (The prior enters once
    /// per label, not once per item, so this is not a proper bound; it is the reference's rule.)
    double elbo(const EStats& e) const
    {
        double value = e.entropyAndPriorTerms(m_logPriors);
        for (size_t c = 0; c < m_counts.size(); ++c)
            if (m_counts[c] > 0)
                value += m_counts[c] * m_logE[c];
        return value;
    }

    /// Posterior from the current parameters (controls clamped), fused with the counting pass of
    /// the next M-step (one sweep over the labels per iteration).
    EStats eStep(std::vector<double>& post)
    {
        const int32_t K = m_K;
        const size_t chunks = m_itemBounds.size() - 1;
        std::vector<double> ll(chunks, 0.0), ent(chunks, 0.0), perLabel(chunks * K, 0.0),
            priorSums(chunks * K, 0.0);
        // The E-step reads m_logE while the pass writes m_counts: separate arrays.
        resetCounts();
        detail::parallelRanges(m_itemBounds, [&](int32_t begin, int32_t end, int chunk) {
            ChunkSums sums{ll[chunk], ent[chunk], perLabel.data() + static_cast<size_t>(chunk) * K,
                           priorSums.data() + static_cast<size_t>(chunk) * K};
            switch (K) {  // the usual small label sets with loops over k unrolled
            case 2: eStepRange<2>(begin, end, chunk, post, sums); break;
            case 3: eStepRange<3>(begin, end, chunk, post, sums); break;
            case 4: eStepRange<4>(begin, end, chunk, post, sums); break;
            case 5: eStepRange<5>(begin, end, chunk, post, sums); break;
            default: eStepRange<0>(begin, end, chunk, post, sums); break;
            }
        });
        m_cancel.check();
        mergeCounts();
        return EStats{{ll, ent, perLabel, K}, detail::sumChunks(priorSums, K)};
    }

    /// One chunk's sums in eStep().
    struct ChunkSums
    {
        double& ll;
        double& ent;
        double* perLabel;
        double* priorSums;
    };

    /// The E-step and the next M-step's counts for items [begin, end) (eStep()); KC as in
    /// addCounts().
    template <int KC>
    void eStepRange(int32_t begin, int32_t end, int chunk, std::vector<double>& post, ChunkSums sums)
    {
        const int32_t K = KC > 0 ? KC : m_K;
        // The row sums s and the softmax's scratch x: in registers when K is a constant.
        double sFixed[KC > 0 ? KC : 1], xFixed[KC > 0 ? KC : 1];
        std::vector<double> sAny(KC > 0 ? 0 : K), xAny(KC > 0 ? 0 : K);
        double* const s = KC > 0 ? sFixed : sAny.data();
        double* const x = KC > 0 ? xFixed : xAny.data();
        double ll = 0, ent = 0;  // added to the chunk's sums at the end (no shared cache line)
        double* counts = chunkCounts(chunk);
        const double* logE = m_logE.data();
        int64_t sincePoll = 0;
        for (int32_t i = begin; i < end; ++i) {
            double* t = post.data() + static_cast<size_t>(i) * K;
            if (!m_evidence[i])
                continue;
            for (int32_t k = 0; k < K; ++k)
                s[k] = m_logPriors[k];
            int64_t valid = 0;
            detail::forEachValidLabelOfItem(m_m, i, [&](int32_t a, int32_t l) {
                ++valid;
                const double* row = logE + (static_cast<size_t>(a) * K + l) * K;
                for (int32_t k = 0; k < K; ++k)
                    s[k] += row[k];
            });
            ll += detail::posteriorFromScores(m_in, i, s, t, K, [&](double* row, int32_t k) {
                double h = 0;
                const double logSum = softmaxWithEntropy<KC>(row, x, k, h);
                ent += h;
                return logSum;
            });
            addCounts<KC>(i, t, counts);
            for (int32_t k = 0; k < K; ++k) {
                sums.perLabel[k] += static_cast<double>(valid) * t[k];
                sums.priorSums[k] += t[k];
            }
            sincePoll += m_m.itemEnd(i) - m_m.itemBegin(i) + 1;
            if (sincePoll >= detail::kPollEvery) {
                sincePoll = 0;
                if (m_cancel.poll(chunk == 0))
                    break;
            }
        }
        sums.ll += ll;
        sums.ent += ent;
    }

    int32_t m_n = 0, m_A = 0, m_K = 0;
    std::vector<char> m_used;
    std::vector<double> m_priors, m_logPriors;
    std::vector<double> m_logE;    ///< [a][l][k] = log P(label l | true k)
    std::vector<double> m_counts;   ///< same layout, sum of posteriors (M-step statistics)
    std::vector<double> m_scratch;  ///< per-chunk counts of chunks 1.., merged into m_counts
};

} // namespace

AggregationResult dawidSkene(const AggregationInput& in, const RunHooks& hooks)
{
    detail::checkInput(in, "ds");
    return DawidSkeneRun(in, hooks).run();
}

} // namespace chorus::agg
