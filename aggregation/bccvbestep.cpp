// The E-step sweep of bcc/ebcc (see bccvb.cpp for the updates): new responsibilities per item,
// over the live subtypes when a bound allows it, fused with the counting pass of the next
// factor update, split over threads by item ranges.

#include "bccvbrun.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace chorus::agg::detail {

double BccVbRun::sweep(bool eStep)
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
            if (fast)
                countLive(i, pl.data(), subs, countsLive(chunk));
            else
                countFull(i, ri, subs, counts);
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
    mergeCounts(chunks, liveSize);
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

void BccVbRun::countLive(int32_t i, const double* pl, double* subs, double* countsLive) const
{
    // Only live subtypes have mass: count them in the packed live layout (about one cache line
    // per label instead of a scattered block).
    const int32_t K = m_K, L = static_cast<int32_t>(m_live.size());
    for (int32_t t = 0; t < L; ++t)
        subs[m_live[t]] += pl[t];
    forEachValidLabelOfItem(m_m, i, [&](int32_t a, int32_t l) {
        double* row = countsLive + (static_cast<size_t>(a) * K + l) * L;
        for (int32_t t = 0; t < L; ++t)
            row[t] += pl[t];
    });
}

void BccVbRun::countFull(int32_t i, const double* ri, double* subs, double* counts) const
{
    const int32_t K = m_K, M = m_M, KM = m_KM;
    for (int32_t x = 0; x < KM; ++x)
        subs[x] += ri[x];
    // Counts, one class block at a time; a block whose whole mass is below 1e-14 is skipped (it
    // would move a count by less than that).
    for (int32_t k = 0; k < K; ++k) {
        const double* rk = ri + k * M;
        double mass = 0;
        for (int32_t g = 0; g < M; ++g)
            mass += rk[g];
        if (mass < 1e-14)
            continue;
        forEachValidLabelOfItem(m_m, i, [&](int32_t a, int32_t l) {
            double* row = counts + (static_cast<size_t>(a) * K + l) * KM + k * M;
            for (int32_t g = 0; g < M; ++g)
                row[g] += rk[g];
        });
    }
}

void BccVbRun::mergeCounts(size_t chunks, size_t liveSize)
{
    const int32_t K = m_K, KM = m_KM, L = static_cast<int32_t>(m_live.size());
    for (size_t c = 1; c < chunks; ++c) {
        const double* src = m_scratch.data() + (c - 1) * m_counts.size();
        for (size_t x = 0; x < m_counts.size(); ++x)
            m_counts[x] += src[x];
    }
    if (liveSize > 0)
        for (size_t c = 0; c < chunks; ++c)
            for (size_t row = 0; row < static_cast<size_t>(m_A) * K; ++row) {
                const double* src = m_countsLive.data() + c * liveSize + row * L;
                double* dst = m_counts.data() + row * KM;
                for (int32_t t = 0; t < L; ++t)
                    dst[m_live[t]] += src[t];
            }
}

void BccVbRun::fullScores(int32_t i, int32_t only, double* s, double* p, double& h) const
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

bool BccVbRun::liveScores(int32_t i, int32_t only, double* s, double* pl, double& h) const
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

} // namespace chorus::agg::detail
