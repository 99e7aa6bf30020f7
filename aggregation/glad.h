#pragma once
// GLAD's M-step objective with its analytic gradient, exposed so that tests can check the
// gradient against finite differences. The aggregator itself is chorus::agg::glad() in methods.h.

#include "labelmatrix.h"

#include <vector>

namespace chorus::agg {

/// Value, gradient and diagonal curvature of GLAD's expected complete-data log posterior
/// (Whitehill et al. 2009, eq. for Q and its derivatives, with beta_i = exp(b_i)):
///
///   Q(alpha, b) = sum_{(i,a)} [ q_ia log s_ia + (1 - q_ia) (log(1 - s_ia) - log(K - 1)) ]
///                 + sum_a log N(alpha_a; muAlpha, 1) + sum_i log N(b_i; muB, 1)
///   s_ia = sigmoid(alpha_a exp(b_i)),  q_ia = posterior[i][x_ia]
///
///   dQ/dalpha_a = sum_i (q_ia - s_ia) exp(b_i) - (alpha_a - muAlpha)
///   dQ/db_i     = sum_a (q_ia - s_ia) alpha_a exp(b_i) - (b_i - muB)
///
/// curvAlpha/curvB are the negated Fisher diagonal, -sum s(1-s) (dz/dparam)^2 - 1 (always <= -1),
/// used as the Newton denominator. The class-prior term is constant in (alpha, b) and omitted.
/// Invalid labels are skipped.
struct GladObjective
{
    double value = 0;
    std::vector<double> gradAlpha, gradB;
    std::vector<double> curvAlpha, curvB;
};

/// Evaluates GladObjective. posterior is row-major numItems x numLabels; alpha has numAnnotators
/// entries, b numItems. Splits the items over `threads` threads (the result does not depend on
/// it beyond rounding).
GladObjective gladObjective(const LabelMatrix& m, const std::vector<double>& posterior,
                            const std::vector<double>& alpha, const std::vector<double>& b,
                            double muAlpha, double muB, int threads = 1);

} // namespace chorus::agg
