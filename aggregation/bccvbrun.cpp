// One variational run of bcc/ebcc: start, factor update ("M-step") and results. The model and
// the updates are described in bccvb.cpp; the E-step sweep is in bccvbestep.cpp.

#include "bccvbrun.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace chorus::agg::detail {

double logBeta(const double* a, int n)
{
    double s = 0, t = 0;
    for (int j = 0; j < n; ++j) {
        s += std::lgamma(a[j]);
        t += a[j];
    }
    return s - std::lgamma(t);
}

BccVbRun::BccVbRun(const AggregationInput& in, const BccVbOptions& o, CancelState& cancel,
    const std::vector<char>& evidence, const std::vector<double>& alpha)
    : m_in(in), m_m(*in.matrix), m_o(o), m_cancel(cancel), m_evidence(evidence), m_alpha(alpha)
{
    m_n = m_m.numItems();
    m_A = m_m.numAnnotators();
    m_K = m_m.numLabels();
    m_M = o.subtypes;
    m_KM = m_K * m_M;
    m_bounds = splitByWork(m_m.itemOffsets(), std::max(1, o.threads));
    m_r.assign(static_cast<size_t>(m_n) * m_KM, 0.0);
    m_z.assign(static_cast<size_t>(m_n) * m_K, 0.0);
    m_counts.assign(static_cast<size_t>(m_A) * m_K * m_KM, 0.0);
    m_elogv.assign(m_counts.size(), 0.0);
    m_scratch.assign((m_bounds.size() - 2) * m_counts.size(), 0.0);
    m_active.assign(m_A, 0);
    for (int32_t a = 0; a < m_A; ++a)
        for (int64_t j = m_m.annotatorBegin(a); j < m_m.annotatorEnd(a); ++j)
            if (m_m.annotatorLabel(j) >= 0)
                m_active[a] = 1;
    m_priorLogB.resize(m_K);
    std::vector<double> row(m_K);
    for (int32_t k = 0; k < m_K; ++k) {
        for (int32_t l = 0; l < m_K; ++l)
            row[l] = prior(k, l);
        m_priorLogB[k] = logBeta(row.data(), m_K);
        double rowSum = 0;
        for (int32_t l = 0; l < m_K; ++l)
            rowSum += row[l];
        for (int32_t l = 0; l < m_K; ++l)
            m_priorElog.push_back(digamma(row[l]) - digamma(rowSum));
    }
}

void BccVbRun::init(const std::vector<double>& mv, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::vector<double> e(m_M);
    int64_t sincePoll = 0;
    for (int32_t i = 0; i < m_n; ++i) {
        if (!m_evidence[i])
            continue;
        double* ri = m_r.data() + static_cast<size_t>(i) * m_KM;
        for (int32_t k = 0; k < m_K; ++k) {
            const double zk = mv[static_cast<size_t>(i) * m_K + k];
            if (!m_o.randomInit) {
                std::fill(ri + k * m_M, ri + (k + 1) * m_M, zk / m_M);
                continue;
            }
            double sum = 0;
            for (int32_t g = 0; g < m_M; ++g) {
                e[g] = -std::log(1.0 - unitFromBits(rng()));
                sum += e[g];
            }
            for (int32_t g = 0; g < m_M; ++g)
                ri[k * m_M + g] = sum > 0 ? zk * e[g] / sum : zk / m_M;
        }
        for (int32_t k = 0; k < m_K; ++k) {
            double z = 0;
            for (int32_t g = 0; g < m_M; ++g)
                z += ri[k * m_M + g];
            m_z[static_cast<size_t>(i) * m_K + k] = z;
        }
        sincePoll += m_m.itemEnd(i) - m_m.itemBegin(i) + 1;
        if (sincePoll >= kPollEvery) {
            sincePoll = 0;
            m_cancel.check();
        }
    }
    sweep(false);
}

double BccVbRun::mStep()
{
    const int32_t K = m_K, M = m_M, KM = m_KM;
    std::vector<double> nu(m_alpha), eta(KM);
    for (int32_t k = 0; k < K; ++k)
        for (int32_t g = 0; g < M; ++g) {
            eta[k * M + g] = m_o.aPi / M + m_subSums[k * M + g];
            nu[k] += m_subSums[k * M + g];
        }
    double nuSum = 0;
    for (double x : nu)
        nuSum += x;
    m_tauMean.resize(K);
    m_piMean.resize(KM);
    m_base.resize(KM);
    const double psiNu = digamma(nuSum);
    double elbo = m_entropy + logBeta(nu.data(), K) - logBeta(m_alpha.data(), K);
    for (int32_t k = 0; k < K; ++k) {
        m_tauMean[k] = nu[k] / nuSum;
        const double elogTau = digamma(nu[k]) - psiNu;
        double etaSum = 0;
        for (int32_t g = 0; g < M; ++g)
            etaSum += eta[k * M + g];
        const double psiEta = digamma(etaSum);
        for (int32_t g = 0; g < M; ++g) {
            m_piMean[k * M + g] = eta[k * M + g] / etaSum;
            // With one subtype pi_k = 1 exactly: E[log pi] = 0 and the block adds nothing.
            m_base[k * M + g] = elogTau + (M > 1 ? digamma(eta[k * M + g]) - psiEta : 0.0);
        }
        if (M > 1)
            elbo += logBeta(eta.data() + k * M, M) - M * std::lgamma(m_o.aPi / M)
                    + std::lgamma(m_o.aPi);
    }
    // Confusion rows: layout [a][l][k*M+g] (the E-step adds one contiguous row per label).
    std::vector<double> mu(K);
    for (int32_t a = 0; a < m_A; ++a) {
        if (!m_active[a])
            continue;
        const double* c = m_counts.data() + static_cast<size_t>(a) * K * KM;
        double* ev = m_elogv.data() + static_cast<size_t>(a) * K * KM;
        for (int32_t k = 0; k < K; ++k)
            for (int32_t g = 0; g < M; ++g) {
                const int32_t km = k * M + g;
                double sum = 0;
                bool empty = true;
                for (int32_t l = 0; l < K; ++l) {
                    mu[l] = prior(k, l) + c[l * KM + km];
                    sum += mu[l];
                    empty = empty && c[l * KM + km] == 0;
                }
                if (empty) {
                    // No counts (dead subtypes, classes the annotator never saw): the row is
                    // the prior's, and its ELBO term log B(prior) - log B(prior) is 0.
                    for (int32_t l = 0; l < K; ++l)
                        ev[l * KM + km] = m_priorElog[k * K + l];
                    continue;
                }
                const double psiSum = digamma(sum);
                for (int32_t l = 0; l < K; ++l)
                    ev[l * KM + km] = digamma(mu[l]) - psiSum;
                elbo += logBeta(mu.data(), K) - m_priorLogB[k];
            }
    }
    prepareLive();
    return elbo;
}

void BccVbRun::prepareLive()
{
    const int32_t K = m_K, M = m_M, KM = m_KM;
    m_live.clear();
    m_liveClass.clear();
    m_liveBase.clear();
    m_deadBase.assign(K, -std::numeric_limits<double>::infinity());
    m_deadRow.assign(static_cast<size_t>(K) * K, -std::numeric_limits<double>::infinity());
    for (int32_t k = 0; k < K; ++k) {
        double betaSum = 0;
        for (int32_t l = 0; l < K; ++l)
            betaSum += prior(k, l);
        for (int32_t g = 0; g < M; ++g) {
            const int32_t x = k * M + g;
            if (m_subSums[x] >= kDeadMass) {
                m_live.push_back(x);
                m_liveClass.push_back(k);
                m_liveBase.push_back(m_base[x]);
                continue;
            }
            m_deadBase[k] = std::max(m_deadBase[k], m_base[x]);
            for (int32_t l = 0; l < K; ++l) {
                double& b = m_deadRow[static_cast<size_t>(k) * K + l];
                b = std::max(b, digamma(prior(k, l) + m_subSums[x]) - digamma(betaSum));
            }
        }
    }
    const int32_t L = static_cast<int32_t>(m_live.size());
    if (L == KM)
        return;
    m_elogvLive.assign(static_cast<size_t>(m_A) * K * L, 0.0);
    for (int32_t a = 0; a < m_A; ++a) {
        if (!m_active[a])
            continue;
        for (int32_t l = 0; l < K; ++l) {
            const double* src = m_elogv.data() + (static_cast<size_t>(a) * K + l) * KM;
            double* dst = m_elogvLive.data() + (static_cast<size_t>(a) * K + l) * L;
            for (int32_t t = 0; t < L; ++t)
                dst[t] = src[m_live[t]];
        }
    }
}

void BccVbRun::classPosterior(std::vector<double>& post) const
{
    for (int32_t i = 0; i < m_n; ++i)
        if (m_evidence[i])
            std::copy(m_z.begin() + static_cast<size_t>(i) * m_K,
                      m_z.begin() + static_cast<size_t>(i + 1) * m_K,
                      post.begin() + static_cast<size_t>(i) * m_K);
}

std::vector<double> BccVbRun::competence() const
{
    const int32_t K = m_K, M = m_M, KM = m_KM;
    std::vector<double> out(m_A, std::numeric_limits<double>::quiet_NaN());
    for (int32_t a = 0; a < m_A; ++a) {
        if (!m_active[a])
            continue;
        const double* c = m_counts.data() + static_cast<size_t>(a) * K * KM;
        double acc = 0;
        for (int32_t k = 0; k < K; ++k)
            for (int32_t g = 0; g < M; ++g) {
                const int32_t km = k * M + g;
                double sum = 0;
                for (int32_t l = 0; l < K; ++l)
                    sum += prior(k, l) + c[l * KM + km];
                acc += m_tauMean[k] * m_piMean[km] * (prior(k, k) + c[k * KM + km]) / sum;
            }
        out[a] = std::clamp(acc, 0.0, 1.0);
    }
    return out;
}

} // namespace chorus::agg::detail
