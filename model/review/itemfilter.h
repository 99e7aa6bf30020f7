#pragma once
// Filter of the review table. All conditions combine (AND).

#include <QString>

#include <cstdint>
#include <limits>
#include <vector>

namespace chorus::model {

struct ItemFilter
{
    bool disagreementsOnly = false;  ///< more than one distinct valid label
    double minEntropy = -std::numeric_limits<double>::infinity();
    double maxEntropy = std::numeric_limits<double>::infinity();
    double minConfidence = -std::numeric_limits<double>::infinity();
    double maxConfidence = std::numeric_limits<double>::infinity();
    int32_t annotator = -1;       ///< with annotatorLabel: "annotator says X"
    int32_t annotatorLabel = -1;  ///< label index, or -3 for INVALID
    bool consensusDiffersFromGold = false;
    bool unreviewedOnly = false;
    bool flaggedOnly = false;
    bool tiedOnly = false;  ///< consensus tied between labels (tiedTopLabels)
    QString text;  ///< case-insensitive substring of the item text or id
    std::vector<int32_t> onlyItems;  ///< when non-empty, restricts to these item indices
    bool keepOrder = false;          ///< rows follow onlyItems' order (a relabel queue) until sorted

    bool isEmpty() const
    {
        return !disagreementsOnly && minEntropy == -std::numeric_limits<double>::infinity()
            && maxEntropy == std::numeric_limits<double>::infinity()
            && minConfidence == -std::numeric_limits<double>::infinity()
            && maxConfidence == std::numeric_limits<double>::infinity() && annotator < 0
            && !consensusDiffersFromGold && !unreviewedOnly && !flaggedOnly && !tiedOnly && text.isEmpty()
            && onlyItems.empty();
    }
};

} // namespace chorus::model
