#pragma once
// Internal helpers shared by agreement.cpp and cohen.cpp; not part of the public API.

#include "agreement.h"

#include <numeric>
#include <stdexcept>
#include <string>

namespace chorus::agg::detail {

/// Category of a stored label: the label itself, numLabels for INVALID when it counts as a
/// category, otherwise -1 (dropped).
inline int32_t categoryOf(int32_t label, bool includeInvalid, int32_t numLabels)
{
    if (label >= 0)
        return label;
    return includeInvalid && label == kInvalidLabel ? numLabels : -1;
}

/// The category values of AgreementOptions::labelValues, or 0..numLabels-1 when it is empty.
/// Throws std::invalid_argument when the size does not match.
inline std::vector<double> categoryValues(const std::vector<double>& labelValues,
                                          int32_t numLabels, bool includeInvalid)
{
    if (labelValues.empty()) {
        std::vector<double> v(static_cast<size_t>(numLabels));
        std::iota(v.begin(), v.end(), 0.0);
        return v;
    }
    if (static_cast<int32_t>(labelValues.size()) != numLabels)
        throw std::invalid_argument("agreement: labelValues has "
                                    + std::to_string(labelValues.size()) + " entries for "
                                    + std::to_string(numLabels) + " categories"
                                    + (includeInvalid ? " (INVALID included)" : ""));
    return labelValues;
}

} // namespace chorus::agg::detail
