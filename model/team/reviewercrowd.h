#pragma once
// The team's human reviewers as annotators (issue #20, docs/team.md): each reviewer's latest
// label per item becomes an annotation of an annotator of kind human named "reviewer:<login>",
// so that every aggregation and statistic treats the reviewers like the LLMs: their agreement
// with each other, their accuracy against gold or adjudicated labels, their competence next to
// the LLMs'. The analysis commands take --reviewers / --with-reviewers (chorus-cli).

#include "adjudication.h"
#include "snapshot.h"

namespace chorus::model {

enum class ReviewerCrowd {
    Only,            ///< the reviewers alone (the LLMs' labels dropped)
    WithAnnotators,  ///< the project's annotators, then the reviewers
};

/// Rebuilds s's matrix with the reviewers of `state` (a flagged review without a label is an
/// INVALID label; adjudications are not reviews). Reviewers are added in name order after the
/// kept annotators, with annotator id 0 (they are not rows of the annotators table). Returns
/// how many reviewers were added.
int addReviewers(Snapshot& s, const ReviewState& state, ReviewerCrowd mode);

/// Replaces s.gold by the adjudicated labels (-1 on items without an adjudication). Returns how
/// many items have one.
int useAdjudicatedAsGold(Snapshot& s, const ReviewState& state);

} // namespace chorus::model
