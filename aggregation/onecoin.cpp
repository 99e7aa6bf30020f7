// One-reliability models: one-coin Dawid-Skene (crowd-kit's OneCoinDawidSkene) and ZenCrowd
// (Demartini, Difallah & Cudré-Mauroux 2012, "ZenCrowd: leveraging probabilistic reasoning and
// crowdsourcing techniques for large-scale entity linking", WWW'12).
//
//   P(x_ia = l | z_i = k) = s_a if l == k, else (1 - s_a) / (K - 1)
//   E-step:  P(z_i = k | x) ∝ pi_k * prod_a P(x_ia | k)
//   M-step:  s_a = mean over a's labels of P(z_i = x_ia | x)
// One-coin learns pi from the posterior and starts from the MV posterior; ZenCrowd keeps pi
// uniform and starts from s_a = init for every annotator. The update rules coincide otherwise.

#include "emcommon.h"
#include "methods.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace chorus::agg {

namespace {

constexpr double kClip = 1e-10;

class OneCoinRun : detail::EmRun
{
public:
    OneCoinRun(const AggregationInput& in, const RunHooks& hooks, const char* name, bool zenCrowd)
        : EmRun(in, hooks, name), m_zc(zenCrowd)
    {
        m_labelsOf.assign(m_m.numAnnotators(), 0);
        for (int32_t a = 0; a < m_m.numAnnotators(); ++a)
            detail::forEachValidLabelOfAnnotator(m_m, a, [&](int32_t, int32_t) { ++m_labelsOf[a]; });
    }

    AggregationResult run()
    {
        const int32_t n = m_m.numItems(), A = m_m.numAnnotators(), K = m_m.numLabels();

        AggregationResult r;
        r.numLabels = K;
        m_logPriors.assign(K, -std::log(static_cast<double>(K)));
        m_skills.assign(A, 0.0);
        m_skillSums.assign(A, 0.0);
        if (m_zc) {
            const double init = m_p.get("init", 0, 1);
            std::fill(m_skills.begin(), m_skills.end(), init);
            updateErrors();
            r.posterior.assign(static_cast<size_t>(n) * K, 1.0 / K);
        } else {
            r.posterior = detail::majorityVoteStart(m_in, m_cancel.hooks().isCanceled);
            mStep(r.posterior);
        }

        const detail::StopObjective objective(m_p, m_validLabels);
        runEm(r, [&] {
            const detail::EStepSums e = eStep(r.posterior);
            mStep(r.posterior);
            return objective([&] { return elbo(e); }, e.logLikelihood);
        });
        detail::labelsFromPosterior(r, m_evidence);
        r.competence = m_skills;
        for (int32_t a = 0; a < A; ++a)
            if (m_labelsOf[a] == 0)
                r.competence[a] = std::numeric_limits<double>::quiet_NaN();
        return r;
    }

private:
    void mStep(const std::vector<double>& post)
    {
        const int32_t n = m_m.numItems(), A = m_m.numAnnotators(), K = m_m.numLabels();
        if (!m_zc) {
            std::vector<double> priors(K, 0.0);
            int64_t counted = 0;
            for (int32_t i = 0; i < n; ++i) {
                if (!m_evidence[i])
                    continue;
                ++counted;
                for (int32_t k = 0; k < K; ++k)
                    priors[k] += post[static_cast<size_t>(i) * K + k];
            }
            for (int32_t k = 0; k < K; ++k)
                m_logPriors[k] = std::log(counted > 0 ? priors[k] / counted : 1.0 / K);
        }
        for (int32_t a = 0; a < A; ++a) {
            double sum = 0;
            int64_t count = 0;
            detail::forEachValidLabelOfAnnotator(m_m, a, [&](int32_t item, int32_t l) {
                sum += post[static_cast<size_t>(item) * K + l];
                ++count;
            });
            m_skillSums[a] = sum;
            if (count > 0)
                m_skills[a] = sum / count;
            if ((a & 0x3FF) == 0)
                m_cancel.check();
        }
        updateErrors();
    }

    /// log P(correct) and log P(a given wrong label), clipped to [1e-10, 1-1e-10] as crowd-kit.
    void updateErrors()
    {
        const int32_t A = m_m.numAnnotators(), K = m_m.numLabels();
        m_logRight.resize(A);
        m_logWrong.resize(A);
        for (int32_t a = 0; a < A; ++a) {
            const double sk = m_skills[a];
            const double wrong = K > 1 ? (1 - sk) / (K - 1) : kClip;
            m_logRight[a] = std::log(std::clamp(sk, kClip, 1 - kClip));
            m_logWrong[a] = std::log(std::clamp(wrong, kClip, 1 - kClip));
        }
    }

    /// crowd-kit's evidence lower bound with one-coin errors: for annotator a with n_a labels
    /// whose posterior mass on the given label sums to S_a, sum_k T_ik log E = S_a log s_a +
    /// (n_a - S_a) log((1 - s_a)/(K-1)); plus the per-label prior term and the entropy.
    double elbo(const detail::EStepSums& e) const
    {
        double value = e.entropyAndPriorTerms(m_logPriors);
        for (size_t a = 0; a < m_skills.size(); ++a)
            if (m_labelsOf[a] > 0)
                value += m_skillSums[a] * m_logRight[a]
                         + (static_cast<double>(m_labelsOf[a]) - m_skillSums[a]) * m_logWrong[a];
        return value;
    }

    detail::EStepSums eStep(std::vector<double>& post)
    {
        const int32_t K = m_m.numLabels();
        const size_t chunks = m_itemBounds.size() - 1;
        std::vector<double> ll(chunks, 0.0), ent(chunks, 0.0), perLabel(chunks * K, 0.0);
        detail::parallelRanges(m_itemBounds, [&](int32_t begin, int32_t end, int chunk) {
            std::vector<double> s(K);
            double* w = perLabel.data() + static_cast<size_t>(chunk) * K;
            int64_t sincePoll = 0;
            for (int32_t i = begin; i < end; ++i) {
                if (!m_evidence[i])
                    continue;
                double base = 0;
                int64_t valid = 0;
                std::copy(m_logPriors.begin(), m_logPriors.end(), s.begin());
                detail::forEachValidLabelOfItem(m_m, i, [&](int32_t a, int32_t l) {
                    ++valid;
                    base += m_logWrong[a];
                    s[l] += m_logRight[a] - m_logWrong[a];
                });
                double* t = post.data() + static_cast<size_t>(i) * K;
                for (int32_t k = 0; k < K; ++k)
                    s[k] += base;
                ll[chunk] += detail::posteriorFromScores(m_in, i, s.data(), t, K);
                if (!detail::isControl(m_in, i))
                    ent[chunk] += entropy(t, K);
                for (int32_t k = 0; k < K; ++k)
                    w[k] += static_cast<double>(valid) * t[k];
                sincePoll += m_m.itemEnd(i) - m_m.itemBegin(i) + 1;
                if (sincePoll >= detail::kPollEvery) {
                    sincePoll = 0;
                    if (m_cancel.poll(chunk == 0))
                        return;
                }
            }
        });
        m_cancel.check();
        return detail::EStepSums(ll, ent, perLabel, K);
    }

    bool m_zc = false;
    std::vector<double> m_logPriors, m_skills, m_skillSums, m_logRight, m_logWrong;
    std::vector<int64_t> m_labelsOf;
};

} // namespace

AggregationResult oneCoinDawidSkene(const AggregationInput& in, const RunHooks& hooks)
{
    detail::checkInput(in, "onecoin");
    return OneCoinRun(in, hooks, "onecoin", false).run();
}

AggregationResult zenCrowd(const AggregationInput& in, const RunHooks& hooks)
{
    detail::checkInput(in, "zc");
    return OneCoinRun(in, hooks, "zc", true).run();
}

} // namespace chorus::agg
