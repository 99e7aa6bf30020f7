#pragma once
// Adjudication (issue #20, docs/team.md): an item whose human reviews disagree goes to an
// adjudicator, who sees every reviewer's label with their name, every LLM's label and the
// consensus with its confidence, and sets the final label. An adjudication is a decision with
// action "adjudicate": it does not count as a review (overlap), it wins over later reviews in
// the item's current state, and exports give its label with source "adjudicated". On a server
// only adjudicators and managers may write one (row-level security, teamroles.cpp).

#include "teamreview.h"

#include <QList>
#include <QString>

#include <map>

namespace chorus::model {

inline constexpr const char* kAdjudicateAction = "adjudicate";

/// One reviewer's latest decision on an item (adjudications left out).
struct ReviewerLabel
{
    QString reviewer;
    QString name;         ///< the reviewer's display name (adjudicationQueue(); else empty)
    qint64 labelId = 0;   ///< 0: none (a flag without a label)
    QString label;        ///< its name, empty when none
    ReviewStatus status = ReviewStatus::Unreviewed;
    QString note;
    QString firstAt;      ///< when the reviewer first decided on the item
};

/// Every item's reviews (item id -> reviewers in name order) and the items with an
/// adjudication (item id -> the latest adjudicated label id, 0 for none).
struct ReviewState
{
    std::map<qint64, QList<ReviewerLabel>> reviews;
    std::map<qint64, qint64> adjudicated;
};
ReviewState reviewState(ProjectStore& store);

/// Why an item needs an adjudicator, or an empty string when it does not: "reviewers disagree"
/// (at least `overlap` reviewers whose latest labels differ) or, when the settings ask for it
/// with overlap 1, "reviewer differs from the consensus" (consensusLabelId: the consensus label
/// of the latest saved run, 0 when none).
QString adjudicationReason(const QList<ReviewerLabel>& reviews, const TeamSettings& settings, qint64 consensusLabelId);

struct AdjudicationCase
{
    qint64 itemId = 0;
    QString extId;
    QString text;
    QString reason;
    QList<ReviewerLabel> reviews;
    QList<QPair<QString, QString>> llmLabels;  ///< (annotator, label or "INVALID"), by annotator name
    QString consensus;                         ///< latest saved run's label, empty when none
    QString consensusMethod;
    double confidence = -1;                    ///< of the consensus; -1 when none
    QString adjudicatedLabel;                  ///< set when the item was adjudicated already
};

/// The items needing adjudication, in item order; with includeDone also those adjudicated.
QList<AdjudicationCase> adjudicationQueue(ProjectStore& store, bool includeDone = false);

/// Records the final label of an item as this connection's adjudication (once per UUID; a new
/// one when empty). Throws PermissionDeniedError on a server for a reviewer.
DecisionOutcome adjudicateItem(ProjectStore& store, qint64 itemId, qint64 labelId, const QString& note = {},
                               const QString& uuid = {});

} // namespace chorus::model
