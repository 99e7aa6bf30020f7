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

class OneCoinRun
{
public:
    OneCoinRun(const AggregationInput& in, const RunHooks& hooks, const char* name, bool zenCrowd)
        : m_in(in), m_m(*in.matrix), m_cancel(hooks), m_p(name, in.params), m_zc(zenCrowd)
    {
        m_threads = m_p.threads();
        m_itemBounds = detail::splitByWork(m_m.itemOffsets(), m_threads);
        m_evidence = detail::evidenceMask(in);
        for (int32_t l : m_m.itemLabels())
            m_validLabels += l >= 0;
        m_labelsOf.assign(m_m.numAnnotators(), 0);
        for (int32_t a = 0; a < m_m.numAnnotators(); ++a)
            for (int64_t j = m_m.annotatorBegin(a); j < m_m.annotatorEnd(a); ++j)
                m_labelsOf[a] += m_m.annotatorLabel(j) >= 0;
    }

    AggregationResult run()
    {
        const int32_t n = m_m.numItems(), A = m_m.numAnnotators(), K = m_m.numLabels();
        const double tol = m_p.get("tol", 0, 1e6);
        const int maxIter = m_p.getInt("max_iter", 1, 1000000);

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

        // Stopping objective per valid label: crowd-kit's ELBO (0) or the marginal
        // log-likelihood of the parameters the E-step used (1); see dawidskene.cpp.
        const bool crowdKitObjective = m_p.getInt("objective", 0, 1) == 0;
        const double scale = 1.0 / static_cast<double>(std::max<int64_t>(1, m_validLabels));
        detail::emLoop(r, m_cancel, maxIter, tol, [&] {
            const EStats e = eStep(r.posterior);
            mStep(r.posterior);
            return (crowdKitObjective ? elbo(e) : e.logLikelihood) * scale;
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
            for (int64_t j = m_m.annotatorBegin(a); j < m_m.annotatorEnd(a); ++j) {
                const int32_t l = m_m.annotatorLabel(j);
                if (l < 0)
                    continue;
                sum += post[static_cast<size_t>(m_m.annotatorItem(j)) * K + l];
                ++count;
            }
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

    struct EStats
    {
        double logLikelihood = 0;
        double entropy = 0;
        std::vector<double> perLabel;  ///< sum_i n_i T_ik
    };

    /// crowd-kit's evidence lower bound with one-coin errors: for annotator a with n_a labels
    /// whose posterior mass on the given label sums to S_a, sum_k T_ik log E = S_a log s_a +
    /// (n_a - S_a) log((1 - s_a)/(K-1)); plus the per-label prior term and the entropy.
    double elbo(const EStats& e) const
    {
        double value = e.entropy;
        for (size_t k = 0; k < e.perLabel.size(); ++k)
            if (e.perLabel[k] > 0)
                value += e.perLabel[k] * m_logPriors[k];
        for (size_t a = 0; a < m_skills.size(); ++a)
            if (m_labelsOf[a] > 0)
                value += m_skillSums[a] * m_logRight[a]
                         + (static_cast<double>(m_labelsOf[a]) - m_skillSums[a]) * m_logWrong[a];
        return value;
    }

    EStats eStep(std::vector<double>& post)
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
                for (int64_t j = m_m.itemBegin(i); j < m_m.itemEnd(i); ++j) {
                    const int32_t l = m_m.itemLabel(j);
                    if (l < 0)
                        continue;
                    const int32_t a = m_m.itemAnnotator(j);
                    ++valid;
                    base += m_logWrong[a];
                    s[l] += m_logRight[a] - m_logWrong[a];
                }
                double* t = post.data() + static_cast<size_t>(i) * K;
                for (int32_t k = 0; k < K; ++k)
                    s[k] += base;
                if (detail::isControl(m_in, i)) {
                    const int32_t c = m_in.controls[i];
                    ll[chunk] += s[c];
                    std::fill(t, t + K, 0.0);
                    t[c] = 1.0;
                } else {
                    ll[chunk] += detail::softmaxInPlace(s.data(), K);
                    std::copy(s.begin(), s.end(), t);
                    ent[chunk] += entropy(t, K);
                }
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
        EStats e;
        e.perLabel.assign(K, 0.0);
        for (size_t c = 0; c < chunks; ++c) {
            e.logLikelihood += ll[c];
            e.entropy += ent[c];
            for (int32_t k = 0; k < K; ++k)
                e.perLabel[k] += perLabel[c * K + k];
        }
        return e;
    }

    const AggregationInput& m_in;
    const LabelMatrix& m_m;
    detail::CancelState m_cancel;
    detail::Params m_p;
    bool m_zc = false;
    int m_threads = 1;
    int64_t m_validLabels = 0;
    std::vector<int32_t> m_itemBounds;
    std::vector<char> m_evidence;
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
