#include "snapshot.h"

#include <QSqlQuery>

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

namespace chorus::model {

int32_t Snapshot::itemIndex(const QString& extId) const
{
    return static_cast<int32_t>(itemExtIds.indexOf(extId));
}

uint64_t identityKey(const QString& id)
{
    const QByteArray utf8 = id.toUtf8();
    return agg::stableKey(utf8.constData(), static_cast<size_t>(utf8.size()));
}

void setIdentityKeys(Snapshot& s)
{
    std::vector<uint64_t> items(static_cast<size_t>(s.itemExtIds.size())), anns(static_cast<size_t>(s.annotators.size()));
    for (qsizetype i = 0; i < s.itemExtIds.size(); ++i)
        items[static_cast<size_t>(i)] = identityKey(s.itemExtIds[i]);
    for (qsizetype a = 0; a < s.annotators.size(); ++a)
        anns[static_cast<size_t>(a)] = identityKey(s.annotators[a]);
    s.matrix.setKeys(std::move(items), std::move(anns));
}

Snapshot loadSnapshot(ProjectStore& store, const std::function<bool()>& isCanceled)
{
    auto check = [&] {
        if (isCanceled && isCanceled())
            throw CanceledError();
    };
    Snapshot s;
    QSqlQuery q = store.exec(QStringLiteral("SELECT id, name FROM labels ORDER BY position, id"));
    while (q.next()) {
        s.labelIndexById.insert(q.value(0).toLongLong(), static_cast<int32_t>(s.labels.size()));
        s.labelIds << q.value(0).toLongLong();
        s.labels << q.value(1).toString();
    }
    q = store.exec(QStringLiteral("SELECT id, name, kind, cost_per_item FROM annotators ORDER BY id"));
    QHash<qint64, int32_t> annIndex;
    while (q.next()) {
        annIndex.insert(q.value(0).toLongLong(), static_cast<int32_t>(s.annotators.size()));
        s.annotatorIds << q.value(0).toLongLong();
        s.annotators << q.value(1).toString();
        s.annotatorKinds << kindFromName(q.value(2).toString());
        s.annotatorCosts << (q.value(3).isNull() ? std::numeric_limits<double>::quiet_NaN()
                                                 : q.value(3).toDouble());
    }
    check();
    const qint64 nItems = store.scalar(QStringLiteral("SELECT COUNT(*) FROM items")).toLongLong();
    s.itemIds.reserve(nItems);
    s.itemExtIds.reserve(nItems);
    s.itemTexts.reserve(nItems);
    q = QSqlQuery(store.db());
    q.setForwardOnly(true);
    q.exec(QStringLiteral("SELECT id, ext_id, text FROM items ORDER BY id"));
    while (q.next()) {
        s.itemIndexById.insert(q.value(0).toLongLong(), static_cast<int32_t>(s.itemIds.size()));
        s.itemIds << q.value(0).toLongLong();
        s.itemExtIds << q.value(1).toString();
        s.itemTexts << q.value(2).toString();
    }
    check();
    const int32_t n = s.numItems();
    const int32_t L = s.numLabels();

    std::vector<agg::Annotation> anns;
    anns.reserve(static_cast<size_t>(
        store.scalar(QStringLiteral("SELECT COUNT(*) FROM annotations")).toLongLong()));
    q = QSqlQuery(store.db());
    q.setForwardOnly(true);
    q.exec(QStringLiteral("SELECT item_id, annotator_id, label_id FROM annotations"));
    int64_t rows = 0;
    while (q.next()) {
        const int32_t label = q.value(2).isNull() ? agg::kInvalidLabel
                                                  : s.labelIndexById.value(q.value(2).toLongLong());
        anns.push_back({s.itemIndexById.value(q.value(0).toLongLong()),
                        annIndex.value(q.value(1).toLongLong()), label});
        if ((++rows & 0xFFFF) == 0)
            check();
    }
    s.matrix = agg::LabelMatrix::build(n, static_cast<int32_t>(s.annotators.size()), L, std::move(anns));
    setIdentityKeys(s);

    s.gold.assign(n, -1);
    q = store.exec(QStringLiteral("SELECT item_id, label_id FROM gold"));
    while (q.next()) {
        s.gold[s.itemIndexById.value(q.value(0).toLongLong())] = s.labelIndexById.value(q.value(1).toLongLong());
        ++s.goldCount;
    }

    q = store.exec(QStringLiteral("SELECT item_id, label_id, count FROM human_counts"));
    while (q.next()) {
        if (s.humanCounts.empty()) {
            s.humanCounts.assign(static_cast<size_t>(n) * L, 0.0);
            s.hasHumanCounts.assign(n, 0);
        }
        const int32_t i = s.itemIndexById.value(q.value(0).toLongLong());
        s.humanCounts[static_cast<size_t>(i) * L + s.labelIndexById.value(q.value(1).toLongLong())] =
            q.value(2).toDouble();
        s.hasHumanCounts[i] = 1;
    }

    s.humanLabel.assign(n, -1);
    s.status.assign(n, ReviewStatus::Unreviewed);
    q = store.exec(QStringLiteral(
        "SELECT d.item_id, d.label_id, d.status, d.note FROM decisions d "
        "JOIN (SELECT item_id, MAX(id) AS last FROM decisions GROUP BY item_id) x ON d.id = x.last"));
    while (q.next()) {
        const int32_t i = s.itemIndexById.value(q.value(0).toLongLong());
        s.humanLabel[i] = q.value(1).isNull() ? -1 : s.labelIndexById.value(q.value(1).toLongLong());
        s.status[i] = statusFromName(q.value(2).toString());
        if (!q.value(3).toString().isEmpty())
            s.notes.insert(i, q.value(3).toString());
    }
    check();
    return s;
}

namespace {

QVector<double> parseProbs(const Snapshot& s, const QString& text)
{
    QVector<double> row(s.numLabels(), 0.0);
    const auto j = nlohmann::json::parse(text.toStdString(), nullptr, false);
    if (!j.is_object())
        return {};
    for (const auto& [k, v] : j.items()) {
        const qsizetype l = s.labels.indexOf(QString::fromStdString(k));
        if (l >= 0 && v.is_number())
            row[l] = v.get<double>();
    }
    return row;
}

} // namespace

QHash<QString, QVector<double>> loadItemProbabilities(ProjectStore& store, const Snapshot& s, qint64 itemId)
{
    QHash<QString, QVector<double>> out;
    QSqlQuery q = store.exec(QStringLiteral("SELECT a.name, n.probs FROM annotations n JOIN annotators a "
                                            "ON a.id = n.annotator_id WHERE n.item_id = ? AND n.probs IS NOT NULL"),
                             {itemId});
    while (q.next()) {
        const QVector<double> row = parseProbs(s, q.value(1).toString());
        if (!row.isEmpty())
            out.insert(q.value(0).toString(), row);
    }
    return out;
}

ProbabilityTable loadAnnotatorProbabilities(ProjectStore& store, const Snapshot& s, int32_t annotator)
{
    ProbabilityTable t;
    const int32_t L = s.numLabels();
    t.rows.assign(static_cast<size_t>(s.numItems()) * L, 0.0);
    t.present.assign(s.numItems(), 0);
    QSqlQuery q = store.exec(QStringLiteral("SELECT item_id, probs FROM annotations WHERE annotator_id = ? "
                                            "AND probs IS NOT NULL"),
                             {s.annotatorIds[annotator]});
    while (q.next()) {
        const int32_t i = s.itemIndexById.value(q.value(0).toLongLong(), -1);
        const QVector<double> row = parseProbs(s, q.value(1).toString());
        if (i < 0 || row.isEmpty())
            continue;
        std::copy(row.begin(), row.end(), t.rows.begin() + static_cast<size_t>(i) * L);
        t.present[i] = 1;
    }
    return t;
}

} // namespace chorus::model
