#pragma once
// The state and steps of one variational run of bcc/ebcc; the model, the updates and the ELBO
// are described in bccvb.cpp. Internal to chorus_aggregation: bccvbrun.cpp holds the start,
// the factor update ("M-step") and the results, bccvbestep.cpp the E-step sweep.

#include "bccvb.h"
#include "emcommon.h"

#include <cstdint>
#include <vector>

namespace chorus::agg::detail {

/// A subtype whose total responsibility is below this is "dead" for the E-step's shortcut.
inline constexpr double kDeadMass = 1e-6;

/// log B(a) = sum_j lgamma(a_j) - lgamma(sum_j a_j), the multivariate beta function.
double logBeta(const double* a, int n);

class BccVbRun
{
public:
    BccVbRun(const AggregationInput& in, const BccVbOptions& o, CancelState& cancel,
             const std::vector<char>& evidence, const std::vector<double>& alpha);

    double prior(int32_t k, int32_t l) const { return k == l ? m_o.aV : m_o.bV; }

    /// r from the MV shares; with randomInit each class share split over the subtypes by a
    /// Dirichlet(1, ..., 1) draw (normalised -log(1 - U) exponentials, U from mt19937_64).
    void init(const std::vector<double>& mv, uint64_t seed);

    /// Dirichlet factors from the counts of the last sweep; returns the ELBO of the current r.
    double mStep();

    /// Live subtypes (mass >= kDeadMass) with their E[log v] columns packed per (a, l), and
    /// per class an upper bound on a dead subtype's score terms: E[log pi] + E[log tau] and,
    /// per label l, psi(beta_kl + S_kg) - psi(sum_l beta_kl) >= E[log v_akg(l)] for every a
    /// (a's counts for g are at most S_kg).
    void prepareLive();

    /// With eStep: new r from the current factors (controls clamped), returning the largest
    /// change of a class posterior, and the entropy of the new r. Always: counts and subtype
    /// sums of the (new) r.
    double sweep(bool eStep);

    /// Scores s_x = E[log tau_k] + E[log pi_kg] + sum over the item's labels of E[log v_akg(x)]
    /// of every subtype x = k*M+g (of class `only` when >= 0), then r_i = softmax into p;
    /// adds H(r_i) to h. Entries more than 40 below the largest get exactly 0 instead of
    /// exp(-40) ~ 4e-18 (the normaliser is at least 1, so its rounding is unchanged).
    void fullScores(int32_t i, int32_t only, double* s, double* p, double& h) const;

    /// The same result, as pl[t] = r_i(live t), computed over the live subtypes only (subtype mass >= kDeadMass; most
    /// die within a few iterations when the data need fewer than M): valid, and then
    /// bit-identical to fullScores(), when every dead subtype's upper bound is more than 40
    /// below the best live score, so that fullScores() would give it exactly 0 too. Returns
    /// false (and changes nothing) otherwise.
    bool liveScores(int32_t i, int32_t only, double* s, double* pl, double& h) const;

    /// sweep()'s counting of item i on the live shortcut: adds r_i (as pl, over the live
    /// subtypes) to the subtype sums and to the packed live counts [a][l][live t].
    void countLive(int32_t i, const double* pl, double* subs, double* countsLive) const;

    /// sweep()'s counting of item i from its full r_i: the subtype sums and counts [a][l][x].
    void countFull(int32_t i, const double* ri, double* subs, double* counts) const;

    /// Adds the counts of sweep()'s chunks 1.. and, when liveSize > 0, every chunk's packed live
    /// counts (liveSize doubles per chunk) into m_counts.
    void mergeCounts(size_t chunks, size_t liveSize);

    /// Class posterior (sum over subtypes) into post (numItems x K); rows without evidence are
    /// left alone.
    void classPosterior(std::vector<double>& post) const;

    /// sum_k E[tau_k] sum_m E[pi_km] E[v_akm(k)], from the factors of the last mStep().
    std::vector<double> competence() const;

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

} // namespace chorus::agg::detail
