#pragma once
// Each annotator's agreement with a labelling of the items: the competence of majority vote,
// Wawa and KOS, and Wawa's skills.

#include "labelmatrix.h"

#include <cstdint>
#include <vector>

namespace chorus::agg::detail {

/// Per annotator: fraction of their valid labels equal to `labels` (items labelled -1 are
/// skipped); NaN for annotators with none.
std::vector<double> agreementRates(const LabelMatrix& m, const std::vector<int32_t>& labels);

} // namespace chorus::agg::detail
