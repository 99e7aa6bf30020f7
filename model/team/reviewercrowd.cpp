#include "reviewercrowd.h"

#include <cmath>
#include <map>

namespace chorus::model {

int addReviewers(Snapshot& s, const ReviewState& state, ReviewerCrowd mode)
{
    std::map<QString, int32_t> reviewers;  // login -> index among the reviewers, by name
    for (const auto& [item, reviews] : state.reviews)
        for (const ReviewerLabel& r : reviews)
            reviewers.emplace(r.reviewer, 0);
    int32_t next = 0;
    for (auto& [name, index] : reviewers)
        index = next++;

    std::vector<agg::Annotation> annotations;
    const int32_t kept = mode == ReviewerCrowd::Only ? 0 : s.matrix.numAnnotators();
    if (kept > 0) {
        annotations.reserve(static_cast<size_t>(s.matrix.numAnnotations()));
        for (int32_t i = 0; i < s.matrix.numItems(); ++i)
            for (int64_t k = s.matrix.itemBegin(i); k < s.matrix.itemEnd(i); ++k)
                annotations.push_back({i, s.matrix.itemAnnotator(k), s.matrix.itemLabel(k)});
    } else {
        s.annotators.clear();
        s.annotatorIds.clear();
        s.annotatorKinds.clear();
        s.annotatorCosts.clear();
    }
    for (const auto& [item, reviews] : state.reviews) {
        const int32_t i = s.itemIndexById.value(item, -1);
        if (i < 0)
            continue;
        for (const ReviewerLabel& r : reviews) {
            const int32_t label = r.labelId > 0 ? s.labelIndexById.value(r.labelId, agg::kInvalidLabel) : agg::kInvalidLabel;
            annotations.push_back({i, kept + reviewers.at(r.reviewer), label});
        }
    }
    for (const auto& [name, index] : reviewers) {
        s.annotators << QStringLiteral("reviewer:") + name;
        s.annotatorIds << 0;
        s.annotatorKinds << AnnotatorKind::Human;
        s.annotatorCosts << std::nan("");
    }
    s.matrix = agg::LabelMatrix::build(s.numItems(), kept + static_cast<int32_t>(reviewers.size()), s.numLabels(),
                                       std::move(annotations));
    setIdentityKeys(s);
    return static_cast<int>(reviewers.size());
}

int useAdjudicatedAsGold(Snapshot& s, const ReviewState& state)
{
    s.gold.assign(static_cast<size_t>(s.numItems()), -1);
    s.goldCount = 0;
    for (const auto& [item, label] : state.adjudicated) {
        const int32_t i = s.itemIndexById.value(item, -1);
        const int32_t l = s.labelIndexById.value(label, -1);
        if (i >= 0 && l >= 0) {
            s.gold[static_cast<size_t>(i)] = l;
            ++s.goldCount;
        }
    }
    return static_cast<int>(s.goldCount);
}

} // namespace chorus::model
