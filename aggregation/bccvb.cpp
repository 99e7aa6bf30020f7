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

#include "bccvb.h"

#include "emcommon.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace chorus::agg::detail {

namespace {

/// A subtype whose total responsibility is below this is "dead" for the E-step's shortcut.
constexpr double kDeadMass = 1e-6;

double logBeta(const double* a, int n, int stride = 1)
{
    double s = 0, t = 0;
    for (int j = 0; j < n; ++j) {
        s += std::lgamma(a[j * stride]);
        t += a[j * stride];
    }
    return s - std::lgamma(t);
}

class BccVbRun
{
public:
    BccVbRun(const AggregationInput& in, const BccVbOptions& o, CancelState& cancel,
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

    double prior(int32_t k, int32_t l) const { return k == l ? m_o.aV : m_o.bV; }

    /// r from the MV shares; with randomInit each class share split over the subtypes by a
    /// Dirichlet(1, ..., 1) draw (normalised -log(1 - U) exponentials, U from mt19937_64).
    void init(const std::vector<double>& mv, uint64_t seed)
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

    /// Dirichlet factors from the counts of the last sweep; returns the ELBO of the current r.
    double mStep()
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

    /// Live subtypes (mass >= kDeadMass) with their E[log v] columns packed per (a, l), and
    /// per class an upper bound on a dead subtype's score terms: E[log pi] + E[log tau] and,
    /// per label l, psi(beta_kl + S_kg) - psi(sum_l beta_kl) >= E[log v_akg(l)] for every a
    /// (a's counts for g are at most S_kg).
    void prepareLive()
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

    /// With eStep: new r from the current factors (controls clamped), returning the largest
    /// change of a class posterior, and the entropy of the new r. Always: counts and subtype
    /// sums of the (new) r.
    double sweep(bool eStep)
    {
        const int32_t K = m_K, M = m_M, KM = m_KM;
        const size_t chunks = m_bounds.size() - 1;
        std::fill(m_counts.begin(), m_counts.end(), 0.0);
        std::fill(m_scratch.begin(), m_scratch.end(), 0.0);
        // Packed counts of the live subtypes, one buffer per chunk (used when the E-step's
        // live shortcut holds; merged into m_counts below).
        const int32_t L = static_cast<int32_t>(m_live.size());
        const bool packed = eStep && L < KM;
        const size_t liveSize = packed ? static_cast<size_t>(m_A) * K * L : 0;
        m_countsLive.assign(chunks * liveSize, 0.0);
        auto countsLive = [&](int chunk) { return m_countsLive.data() + chunk * liveSize; };
        std::vector<double> sub(chunks * KM, 0.0), ent(chunks, 0.0), change(chunks, 0.0);
        parallelRanges(m_bounds, [&](int32_t begin, int32_t end, int chunk) {
            double* counts = chunk == 0 ? m_counts.data()
                                        : m_scratch.data() + (chunk - 1) * m_counts.size();
            double* subs = sub.data() + static_cast<size_t>(chunk) * KM;
            std::vector<double> s(KM), pl(KM), zn(K);
            double h = 0, ch = 0;
            int64_t sincePoll = 0;
            for (int32_t i = begin; i < end; ++i) {
                if (!m_evidence[i])
                    continue;
                double* ri = m_r.data() + static_cast<size_t>(i) * KM;
                bool fast = false;
                if (eStep) {
                    // Restricted to a control's class, the optimum is the softmax over that
                    // class's subtypes; the other classes get 0. On the live shortcut r_i is
                    // only needed here (counts, subtype sums, class posterior), so m_r is not
                    // written: it keeps the last full r_i, read only by that same path.
                    const int32_t only = isControl(m_in, i) ? m_in.controls[i] : -1;
                    fast = liveScores(i, only, s.data(), pl.data(), h);
                    std::fill(zn.begin(), zn.end(), 0.0);
                    if (fast) {
                        for (int32_t t = 0; t < L; ++t)
                            zn[m_liveClass[t]] += pl[t];
                    } else {
                        fullScores(i, only, s.data(), ri, h);
                        for (int32_t k = 0; k < K; ++k)
                            for (int32_t g = 0; g < M; ++g)
                                zn[k] += ri[k * M + g];
                    }
                    double* zi = m_z.data() + static_cast<size_t>(i) * K;
                    for (int32_t k = 0; k < K; ++k) {
                        ch = std::max(ch, std::abs(zn[k] - zi[k]));
                        zi[k] = zn[k];
                    }
                }
                // (The start's entropy is not computed: the ELBO of the start is never used.)
                if (fast) {
                    // Only live subtypes have mass: count them in the packed live layout
                    // (about one cache line per label instead of a scattered block).
                    for (int32_t t = 0; t < L; ++t)
                        subs[m_live[t]] += pl[t];
                    double* cl = countsLive(chunk);
                    for (int64_t j = m_m.itemBegin(i); j < m_m.itemEnd(i); ++j) {
                        const int32_t l = m_m.itemLabel(j);
                        if (l < 0)
                            continue;
                        double* row = cl + (static_cast<size_t>(m_m.itemAnnotator(j)) * K + l) * L;
                        for (int32_t t = 0; t < L; ++t)
                            row[t] += pl[t];
                    }
                } else {
                    for (int32_t x = 0; x < KM; ++x)
                        subs[x] += ri[x];
                    // Counts, one class block at a time; a block whose whole mass is below
                    // 1e-14 is skipped (it would move a count by less than that).
                    for (int32_t k = 0; k < K; ++k) {
                        const double* rk = ri + k * M;
                        double mass = 0;
                        for (int32_t g = 0; g < M; ++g)
                            mass += rk[g];
                        if (mass < 1e-14)
                            continue;
                        for (int64_t j = m_m.itemBegin(i); j < m_m.itemEnd(i); ++j) {
                            const int32_t l = m_m.itemLabel(j);
                            if (l < 0)
                                continue;
                            double* row =
                                counts + (static_cast<size_t>(m_m.itemAnnotator(j)) * K + l) * KM
                                + k * M;
                            for (int32_t g = 0; g < M; ++g)
                                row[g] += rk[g];
                        }
                    }
                }
                sincePoll += m_m.itemEnd(i) - m_m.itemBegin(i) + 1;
                if (sincePoll >= kPollEvery) {
                    sincePoll = 0;
                    if (m_cancel.poll(chunk == 0))
                        return;
                }
            }
            ent[chunk] = h;
            change[chunk] = ch;
        });
        m_cancel.check();
        for (size_t c = 1; c < chunks; ++c) {
            const double* src = m_scratch.data() + (c - 1) * m_counts.size();
            for (size_t x = 0; x < m_counts.size(); ++x)
                m_counts[x] += src[x];
        }
        if (packed)
            for (size_t c = 0; c < chunks; ++c)
                for (size_t row = 0; row < static_cast<size_t>(m_A) * K; ++row) {
                    const double* src = m_countsLive.data() + c * liveSize + row * L;
                    double* dst = m_counts.data() + row * KM;
                    for (int32_t t = 0; t < L; ++t)
                        dst[m_live[t]] += src[t];
                }
        m_subSums.assign(KM, 0.0);
        m_entropy = 0;
        double maxChange = 0;
        for (size_t c = 0; c < chunks; ++c) {
            for (int32_t x = 0; x < KM; ++x)
                m_subSums[x] += sub[c * KM + x];
            m_entropy += ent[c];
            maxChange = std::max(maxChange, change[c]);
        }
        return maxChange;
    }

    /// Scores s_x = E[log tau_k] + E[log pi_kg] + sum over the item's labels of E[log v_akg(x)]
    /// of every subtype x = k*M+g (of class `only` when >= 0), then r_i = softmax into p;
    /// adds H(r_i) to h. Entries more than 40 below the largest get exactly 0 instead of
    /// exp(-40) ~ 4e-18 (the normaliser is at least 1, so its rounding is unchanged).
    void fullScores(int32_t i, int32_t only, double* s, double* p, double& h) const
    {
        const int32_t K = m_K, M = m_M, KM = m_KM;
        const int32_t lo = only >= 0 ? only * M : 0, hi = only >= 0 ? lo + M : KM;
        std::copy(m_base.begin(), m_base.end(), s);
        for (int64_t j = m_m.itemBegin(i); j < m_m.itemEnd(i); ++j) {
            const int32_t l = m_m.itemLabel(j);
            if (l < 0)
                continue;
            const double* row =
                m_elogv.data() + (static_cast<size_t>(m_m.itemAnnotator(j)) * K + l) * KM;
            for (int32_t x = 0; x < KM; ++x)
                s[x] += row[x];
        }
        std::fill(p, p + KM, 0.0);
        double mx = s[lo];
        for (int32_t x = lo + 1; x < hi; ++x)
            mx = std::max(mx, s[x]);
        double sum = 0;
        for (int32_t x = lo; x < hi; ++x) {
            const double d = s[x] - mx;
            if (d > -40) {
                p[x] = std::exp(d);
                sum += p[x];
            }
        }
        double sp = 0;
        for (int32_t x = lo; x < hi; ++x) {
            p[x] /= sum;
            sp += p[x] * s[x];
        }
        h += mx + std::log(sum) - sp;  // H(r_i) = log Z - sum_x r_x s_x
    }

    /// The same result, as pl[t] = r_i(live t), computed over the live subtypes only (subtype mass >= kDeadMass; most
    /// die within a few iterations when the data need fewer than M): valid, and then
    /// bit-identical to fullScores(), when every dead subtype's upper bound is more than 40
    /// below the best live score, so that fullScores() would give it exactly 0 too. Returns
    /// false (and changes nothing) otherwise.
    bool liveScores(int32_t i, int32_t only, double* s, double* pl, double& h) const
    {
        const int32_t K = m_K, KM = m_KM, L = static_cast<int32_t>(m_live.size());
        if (L == KM || K > 64)
            return false;
        std::copy(m_liveBase.begin(), m_liveBase.end(), s);
        int32_t hist[64] = {};  // labels per value, for the dead-subtype bounds (K <= 64)
        for (int64_t j = m_m.itemBegin(i); j < m_m.itemEnd(i); ++j) {
            const int32_t l = m_m.itemLabel(j);
            if (l < 0)
                continue;
            hist[l & 63] += 1;
            const double* row =
                m_elogvLive.data() + (static_cast<size_t>(m_m.itemAnnotator(j)) * K + l) * L;
            for (int32_t t = 0; t < L; ++t)
                s[t] += row[t];
        }
        double mx = -std::numeric_limits<double>::infinity();
        for (int32_t t = 0; t < L; ++t)
            if (only < 0 || m_liveClass[t] == only)
                mx = std::max(mx, s[t]);
        if (!std::isfinite(mx))
            return false;
        for (int32_t k = 0; k < K; ++k) {
            if ((only >= 0 && k != only) || !std::isfinite(m_deadBase[k]))
                continue;
            double bound = m_deadBase[k];
            for (int32_t l = 0; l < K; ++l)
                bound += hist[l] * m_deadRow[static_cast<size_t>(k) * K + l];
            if (bound >= mx - 40)
                return false;
        }
        double sum = 0;
        for (int32_t t = 0; t < L; ++t) {
            pl[t] = 0;
            if (only >= 0 && m_liveClass[t] != only)
                continue;
            const double d = s[t] - mx;
            if (d > -40) {
                pl[t] = std::exp(d);
                sum += pl[t];
            }
        }
        double sp = 0;
        for (int32_t t = 0; t < L; ++t) {
            if (only >= 0 && m_liveClass[t] != only)
                continue;
            pl[t] /= sum;
            sp += pl[t] * s[t];
        }
        h += mx + std::log(sum) - sp;
        return true;
    }

    /// Class posterior (sum over subtypes) into post (numItems x K); rows without evidence are
    /// left alone.
    void classPosterior(std::vector<double>& post) const
    {
        for (int32_t i = 0; i < m_n; ++i)
            if (m_evidence[i])
                std::copy(m_z.begin() + static_cast<size_t>(i) * m_K,
                          m_z.begin() + static_cast<size_t>(i + 1) * m_K,
                          post.begin() + static_cast<size_t>(i) * m_K);
    }

    /// sum_k E[tau_k] sum_m E[pi_km] E[v_akm(k)], from the factors of the last mStep().
    std::vector<double> competence() const
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

private:
    const AggregationInput& m_in;
    const LabelMatrix& m_m;
    const BccVbOptions& m_o;
    CancelState& m_cancel;
    const std::vector<char>& m_evidence;
    const std::vector<double>& m_alpha;  ///< prior of the class proportions, per class
    int32_t m_n = 0, m_A = 0, m_K = 0, m_M = 1, m_KM = 0;
    std::vector<int32_t> m_bounds;
    std::vector<char> m_active;
    std::vector<double> m_r;        ///< [i][k*M+g] = q(z_i = k, g_i = g) (start, full E-steps)
    std::vector<double> m_z;        ///< [i][k] = sum_g r_ikg, the class posterior
    std::vector<double> m_counts;   ///< [a][l][k*M+g] = C_akg(l)
    std::vector<double> m_scratch;  ///< counts of chunks 1.., merged into m_counts
    std::vector<double> m_elogv;    ///< same layout: E[log v_akg(l)]
    std::vector<int32_t> m_live, m_liveClass;  ///< live subtypes x = k*M+g, and their k
    std::vector<double> m_liveBase;            ///< m_base of the live subtypes
    std::vector<double> m_elogvLive;           ///< [a][l][live t] = E[log v] of live subtype t
    std::vector<double> m_countsLive;          ///< per chunk, [a][l][live t] counts
    std::vector<double> m_deadBase, m_deadRow; ///< dead-subtype bounds, [k] and [k][l]
    std::vector<double> m_subSums, m_base, m_tauMean, m_piMean, m_priorLogB;
    std::vector<double> m_priorElog;  ///< [k][l] = E[log v(l)] under the prior row beta_k
    double m_entropy = 0;
};

} // namespace

AggregationResult runBccVb(const AggregationInput& in, const RunHooks& hooks,
                           const BccVbOptions& o)
{
    const LabelMatrix& m = *in.matrix;
    const int32_t K = m.numLabels();
    CancelState cancel(hooks);
    const std::vector<char> evidence = evidenceMask(in);
    std::vector<double> mv;
    {
        AggregationInput mvIn = in;
        mvIn.params.clear();
        mvIn.weights.clear();
        mv = majorityVote(mvIn, RunHooks{hooks.isCanceled, {}}).posterior;
    }
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
