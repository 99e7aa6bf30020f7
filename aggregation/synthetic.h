#pragma once
// Seeded synthetic Dawid-Skene worlds for tests and benchmarks.

#include "labelmatrix.h"

#include <cstdint>
#include <vector>

namespace chorus::agg {

/// What to draw. Every annotator is "good" (accuracy well above chance), "mediocre" (a little
/// above chance) or a spammer (answers from a fixed random distribution, ignoring the item),
/// with the given shares; per-class accuracies and confusion patterns vary per annotator.
struct SyntheticSpec
{
    int32_t numItems = 1000;
    int32_t numAnnotators = 50;
    int32_t numLabels = 3;
    int32_t labelsPerItem = 5;  ///< distinct annotators per item (<= numAnnotators)
    double goodShare = 0.4;
    double mediocreShare = 0.4;  ///< spammers get the rest
    uint64_t seed = 1;
};

enum class SyntheticKind : int32_t { Good = 0, Mediocre = 1, Spammer = 2 };

/// A drawn world and its ground truth.
struct SyntheticWorld
{
    LabelMatrix matrix;
    std::vector<int32_t> truth;    ///< per item, the true label
    std::vector<double> priors;    ///< class priors used to draw the truth
    std::vector<double> confusion; ///< [a][true k][observed l] = P(l | k)
    std::vector<double> accuracy;  ///< per annotator: sum_k priors_k * confusion[a][k][k]
    std::vector<SyntheticKind> kind;
};

/// Draws a world. Deterministic for a given spec on every platform: only std::mt19937_64 (whose
/// output sequence the standard fixes) and our own uniform/categorical transforms are used.
/// Throws std::invalid_argument for sizes < 1, numLabels < 2, labelsPerItem > numAnnotators or
/// shares outside [0, 1] / summing above 1.
SyntheticWorld generateDawidSkene(const SyntheticSpec& spec);

} // namespace chorus::agg
