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

namespace {

// When no saved run gives an item a consensus: the plurality of its valid LLM labels (one top
// label only), with its share of those votes as the confidence, as the review table's
// majority vote shows it before any run is saved.
void majorityFallback(AdjudicationCase& c)
{
    QHash<QString, int> votes;
    int valid = 0;
    for (const auto& [annotator, label] : std::as_const(c.llmLabels)) {
        if (label == QLatin1String("INVALID"))
            continue;
        ++votes[label];
        ++valid;
    }
    int best = 0, atBest = 0;
    QString top;
    for (auto it = votes.cbegin(); it != votes.cend(); ++it) {
        if (it.value() > best) {
            best = it.value();
            top = it.key();
            atBest = 1;
        } else if (it.value() == best) {
            ++atBest;
        }
    }
    if (valid == 0 || atBest != 1)
        return;  // no votes, or a tie: no consensus to show
    c.consensus = top;
    c.consensusMethod = QStringLiteral("mv (no saved run)");
    c.confidence = double(best) / valid;
}

} // namespace

QList<AdjudicationCase> adjudicationQueue(ProjectStore& store, bool includeDone)
{
    const TeamSettings settings = teamSettings(store);
    const ReviewState st = reviewState(store);
    const LatestRun run = latestRun(store);
    const QHash<QString, QString> names = displayNames(store);
    QHash<qint64, QString> labelNames;
    QSqlQuery labels = store.exec(QStringLiteral("SELECT id, name FROM labels"));
    while (labels.next())
        labelNames.insert(labels.value(0).toLongLong(), labels.value(1).toString());

    // Every reviewed item with its saved consensus, in a few statements (not one per item).
    struct ItemRow
    {
        QString extId, text;
        qint64 consensusId = 0;
        double confidence = -1;
    };
    QList<qint64> reviewed;
    for (const auto& entry : st.reviews)
        reviewed << entry.first;
    QHash<qint64, ItemRow> rows;
    store.forEachInChunks(QStringLiteral("SELECT i.id, i.ext_id, i.text, r.label_id, r.confidence FROM items i LEFT JOIN "
                                         "run_items r ON r.item_id = i.id AND r.run_id = ? WHERE i.id IN (%1)"),
                          {run.runId}, reviewed, [&](QSqlQuery& q) {
                              ItemRow& r = rows[q.value(0).toLongLong()];
                              r.extId = q.value(1).toString();
                              r.text = q.value(2).toString();
                              r.consensusId = q.value(3).isNull() ? 0 : q.value(3).toLongLong();
                              r.confidence = q.value(4).isNull() ? -1 : q.value(4).toDouble();
                          });

    QList<AdjudicationCase> out;
    QHash<qint64, qsizetype> caseOf;
    for (const auto& [itemId, reviews] : st.reviews) {
        const auto adjudicated = st.adjudicated.find(itemId);
        const auto row = rows.constFind(itemId);
        if ((adjudicated != st.adjudicated.end() && !includeDone) || row == rows.cend())
            continue;
        AdjudicationCase c;
        c.reason = adjudicationReason(reviews, settings, row->consensusId);
        if (c.reason.isEmpty() && adjudicated == st.adjudicated.end())
            continue;
        c.itemId = itemId;
        c.extId = row->extId;
        c.text = row->text;
        c.reviews = reviews;
        for (ReviewerLabel& r : c.reviews)
            r.name = names.value(r.reviewer, r.reviewer);
        if (row->consensusId > 0) {
            c.consensus = labelNames.value(row->consensusId);
            c.consensusMethod = run.method;
            c.confidence = row->confidence;
        }
        if (adjudicated != st.adjudicated.end())
            c.adjudicatedLabel = labelNames.value(adjudicated->second);
        caseOf.insert(itemId, out.size());
        out.append(std::move(c));
    }

    // Every LLM's label of the listed items, by annotator name.
    store.forEachInChunks(QStringLiteral("SELECT x.item_id, a.name, x.label_id FROM annotations x JOIN annotators a ON "
                                         "a.id = x.annotator_id WHERE x.item_id IN (%1) ORDER BY x.item_id, a.name"),
                          {}, caseOf.keys(), [&](QSqlQuery& q) {
                              AdjudicationCase& c = out[caseOf.value(q.value(0).toLongLong())];
                              c.llmLabels.append({q.value(1).toString(), q.value(2).isNull()
                                                                              ? QStringLiteral("INVALID")
                                                                              : labelNames.value(q.value(2).toLongLong())});
                          });
    for (AdjudicationCase& c : out)
        if (c.consensus.isEmpty())
            majorityFallback(c);
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
