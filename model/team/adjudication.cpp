#include "adjudication.h"

#include <QSet>
#include <QSqlQuery>

namespace chorus::model {

namespace {

struct LatestRun
{
    qint64 runId = 0;
    QString method;
};

LatestRun latestRun(ProjectStore& store)
{
    LatestRun r;
    QSqlQuery q = store.exec(QStringLiteral("SELECT id, method FROM runs ORDER BY id DESC LIMIT 1"));
    if (q.next()) {
        r.runId = q.value(0).toLongLong();
        r.method = q.value(1).toString();
    }
    return r;
}

} // namespace

ReviewState reviewState(ProjectStore& store)
{
    ReviewState st;
    std::map<qint64, std::map<QString, ReviewerLabel>> byItem;
    QSqlQuery q = store.exec(QStringLiteral("SELECT d.item_id, d.author, d.label_id, l.name, d.status, d.note, "
                                            "d.created_at, d.action FROM decisions d LEFT JOIN labels l ON l.id = "
                                            "d.label_id ORDER BY d.item_id, d.id"));
    while (q.next()) {
        const qint64 item = q.value(0).toLongLong();
        const qint64 label = q.value(2).isNull() ? 0 : q.value(2).toLongLong();
        if (q.value(7).toString() == QLatin1String(kAdjudicateAction)) {
            st.adjudicated[item] = label;
            continue;
        }
        ReviewerLabel& r = byItem[item][q.value(1).toString()];
        if (r.reviewer.isEmpty()) {
            r.reviewer = q.value(1).toString();
            r.firstAt = q.value(6).toString();
        }
        r.labelId = label;
        r.label = q.value(3).toString();
        r.status = statusFromName(q.value(4).toString());
        r.note = q.value(5).toString();
    }
    for (auto& [item, reviewers] : byItem) {
        QList<ReviewerLabel>& list = st.reviews[item];
        for (auto& [name, r] : reviewers)
            list.append(std::move(r));
    }
    return st;
}

QString adjudicationReason(const QList<ReviewerLabel>& reviews, const TeamSettings& settings, qint64 consensusLabelId)
{
    if (reviews.size() >= settings.overlap) {
        QSet<qint64> labels;
        for (const ReviewerLabel& r : reviews)
            labels.insert(r.status == ReviewStatus::Flagged ? -1 : r.labelId);
        if (labels.size() > 1)
            return QStringLiteral("reviewers disagree");
    }
    if (settings.adjudicateConsensus && settings.overlap == 1 && !reviews.isEmpty() && consensusLabelId > 0) {
        const ReviewerLabel& r = reviews.first();
        if (r.status == ReviewStatus::Flagged || r.labelId != consensusLabelId)
            return QStringLiteral("reviewer differs from the consensus");
    }
    return {};
}

QList<AdjudicationCase> adjudicationQueue(ProjectStore& store, bool includeDone)
{
    const TeamSettings settings = teamSettings(store);
    const ReviewState st = reviewState(store);
    const LatestRun run = latestRun(store);
    const QHash<QString, QString> names = displayNames(store);
    QList<AdjudicationCase> out;
    for (const auto& [itemId, reviews] : st.reviews) {
        const auto adjudicated = st.adjudicated.find(itemId);
        if (adjudicated != st.adjudicated.end() && !includeDone)
            continue;
        QSqlQuery item = store.exec(QStringLiteral("SELECT i.ext_id, i.text, r.label_id, l.name, r.confidence FROM items i "
                                                   "LEFT JOIN run_items r ON r.item_id = i.id AND r.run_id = ? "
                                                   "LEFT JOIN labels l ON l.id = r.label_id WHERE i.id = ?"),
                                    {run.runId, itemId});
        if (!item.next())
            continue;
        const qint64 consensusId = item.value(2).isNull() ? 0 : item.value(2).toLongLong();
        AdjudicationCase c;
        c.reason = adjudicationReason(reviews, settings, consensusId);
        if (c.reason.isEmpty() && adjudicated == st.adjudicated.end())
            continue;
        c.itemId = itemId;
        c.extId = item.value(0).toString();
        c.text = item.value(1).toString();
        c.reviews = reviews;
        for (ReviewerLabel& r : c.reviews)
            r.name = names.value(r.reviewer, r.reviewer);
        c.consensus = item.value(3).toString();
        c.consensusMethod = consensusId > 0 ? run.method : QString();
        c.confidence = item.value(4).isNull() ? -1 : item.value(4).toDouble();
        QSqlQuery llm = store.exec(QStringLiteral("SELECT a.name, l.name FROM annotations x JOIN annotators a ON a.id = "
                                                  "x.annotator_id LEFT JOIN labels l ON l.id = x.label_id "
                                                  "WHERE x.item_id = ? ORDER BY a.name"),
                                   {itemId});
        while (llm.next())
            c.llmLabels.append({llm.value(0).toString(),
                                llm.value(1).isNull() ? QStringLiteral("INVALID") : llm.value(1).toString()});
        if (adjudicated != st.adjudicated.end())
            c.adjudicatedLabel = store.scalar(QStringLiteral("SELECT name FROM labels WHERE id = ?"), {adjudicated->second})
                                     .toString();
        out.append(std::move(c));
    }
    return out;
}

DecisionOutcome adjudicateItem(ProjectStore& store, qint64 itemId, qint64 labelId, const QString& note,
                               const QString& uuid)
{
    if (labelId <= 0)
        throw Error(QStringLiteral("%1: an adjudication needs a label").arg(store.path()));
    Decision d;
    d.itemId = itemId;
    d.action = QString::fromLatin1(kAdjudicateAction);
    d.labelId = labelId;
    d.status = ReviewStatus::Reviewed;
    d.note = note;
    d.uuid = uuid;
    return appendDecisionOnce(store, d);
}

} // namespace chorus::model
