#include "runstore.h"

#include "bulkwriter.h"
#include "dialect.h"

#include <algorithm>

#include <QSqlQuery>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <limits>

namespace chorus::model {

namespace {

QByteArray packDoubles(const double* p, int32_t n)
{
    QByteArray b(static_cast<qsizetype>(n) * sizeof(double), Qt::Uninitialized);
    std::memcpy(b.data(), p, b.size());  // little-endian on every platform we build for
    return b;
}

RunSummary summaryFrom(const QSqlQuery& q)
{
    RunSummary r;
    r.id = q.value(0).toLongLong();
    r.method = q.value(1).toString();
    r.params = q.value(2).toString();
    r.createdAt = q.value(3).toString();
    r.iterations = q.value(4).toInt();
    r.converged = q.value(5).toInt() != 0;
    r.seconds = q.value(6).toDouble();
    r.tiedItems = q.value(7).toLongLong();
    return r;
}

const char* const kRunColumns =
    "SELECT id, method, params, created_at, iterations, converged, seconds, tied_items FROM runs";

} // namespace

qint64 saveRun(ProjectStore& store, const Snapshot& s, const QString& method, const QString& paramsJson,
               const agg::AggregationResult& result, double seconds)
{
    qint64 runId = 0;
    const int32_t L = result.numLabels;
    store.transaction([&] {
        nlohmann::json labels = nlohmann::json::array();
        for (int32_t l = 0; l < L && l < s.numLabels(); ++l)
            labels.push_back(s.labels[l].toStdString());
        nlohmann::json ll = nlohmann::json::array();
        for (double v : result.logLikelihood)
            ll.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json());
        runId = store.insertReturningId(
            QStringLiteral("INSERT INTO runs (method, params, created_at, iterations, converged, seconds, "
                           "log_likelihood, labels, tied_items) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            {method, paramsJson.isEmpty() ? QStringLiteral("{}") : paramsJson, nowIso(), result.iterations,
             result.converged ? 1 : 0, seconds, QString::fromStdString(ll.dump()),
             QString::fromStdString(labels.dump()), static_cast<qint64>(result.tiedItems)});
        using T = BulkWriter::Type;
        // On a server the per-row foreign-key checks were 1.4 s of a 1.8 s save of 100,000
        // items; the keys are checked once when they are added back (dialect.h).
        const QStringList bulk{QStringLiteral("run_items")};
        for (const QString& sql : store.dialect().bulkBegin(bulk))
            store.exec(sql);
        BulkWriter items(store, QStringLiteral("run_items"),
                         {{QStringLiteral("run_id"), T::Int}, {QStringLiteral("item_id"), T::Int},
                          {QStringLiteral("label_id"), T::Int}, {QStringLiteral("confidence"), T::Real},
                          {QStringLiteral("posterior"), T::Blob}});
        for (int32_t i = 0; i < s.numItems(); ++i) {
            const int32_t l = result.labels[i];
            items.add(runId);
            items.add(s.itemIds[i]);
            items.add(l >= 0 ? QVariant(s.labelIds[l]) : QVariant());
            items.add(l >= 0 ? QVariant(result.posteriorAt(i, l)) : QVariant());
            items.add(packDoubles(result.posterior.data() + static_cast<size_t>(i) * L, L));
            items.endRow();
        }
        items.finish();
        for (const QString& sql : store.dialect().bulkEnd(bulk))
            store.exec(sql);
        BulkWriter anns(store, QStringLiteral("run_annotators"),
                        {{QStringLiteral("run_id"), T::Int}, {QStringLiteral("annotator_id"), T::Int},
                         {QStringLiteral("competence"), T::Real}});
        for (int32_t a = 0; a < static_cast<int32_t>(result.competence.size()); ++a) {
            anns.add(runId);
            anns.add(s.annotatorIds[a]);
            anns.add(std::isfinite(result.competence[a]) ? QVariant(result.competence[a]) : QVariant());
            anns.endRow();
        }
        anns.finish();
    });
    return runId;
}

QList<RunSummary> listRuns(ProjectStore& store)
{
    QList<RunSummary> out;
    QSqlQuery q = store.exec(QString::fromLatin1(kRunColumns) + QStringLiteral(" ORDER BY id"));
    while (q.next())
        out << summaryFrom(q);
    return out;
}

RunData openingConsensus(ProjectStore* store, const Snapshot& s)
{
    if (store && store->scalar(QStringLiteral("SELECT COUNT(*) FROM runs")).toLongLong() > 0)
        return loadRun(*store, s, 0);
    agg::AggregationInput in;
    in.matrix = &s.matrix;
    return runFromResult(s, QStringLiteral("mv"), agg::majorityVote(in));
}

RunData runFromResult(const Snapshot& s, const QString& method, const agg::AggregationResult& r)
{
    RunData d;
    d.summary.method = method;
    d.summary.iterations = r.iterations;
    d.summary.converged = r.converged;
    d.summary.tiedItems = r.tiedItems;
    d.labels = r.labels;
    d.posterior = r.posterior;
    d.competence = r.competence;
    d.confidence.assign(s.numItems(), std::numeric_limits<double>::quiet_NaN());
    for (int32_t i = 0; i < s.numItems(); ++i)
        if (r.labels[i] >= 0)
            d.confidence[i] = r.posteriorAt(i, r.labels[i]);
    return d;
}

RunData loadRun(ProjectStore& store, const Snapshot& s, qint64 runId)
{
    if (runId == 0)
        runId = store.scalar(QStringLiteral("SELECT MAX(id) FROM runs")).toLongLong();
    QSqlQuery q = store.exec(QString::fromLatin1(kRunColumns) + QStringLiteral(" WHERE id = ?"), {runId});
    if (!q.next())
        throw Error(runId == 0 ? QStringLiteral("the project has no saved aggregation run")
                               : QStringLiteral("no aggregation run %1 in the project").arg(runId));
    RunData d;
    d.summary = summaryFrom(q);
    const auto runLabels = nlohmann::json::parse(
        store.scalar(QStringLiteral("SELECT labels FROM runs WHERE id = ?"), {runId}).toString().toStdString());
    std::vector<int32_t> map;  // run label index -> snapshot label index
    for (const auto& l : runLabels)
        map.push_back(static_cast<int32_t>(s.labels.indexOf(QString::fromStdString(l.get<std::string>()))));
    const int32_t n = s.numItems(), L = s.numLabels();
    d.labels.assign(n, -1);
    d.confidence.assign(n, std::numeric_limits<double>::quiet_NaN());
    d.posterior.assign(static_cast<size_t>(n) * L, 0.0);
    q = QSqlQuery(store.db());
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT item_id, label_id, confidence, posterior FROM run_items WHERE run_id = ?"));
    q.addBindValue(runId);
    q.exec();
    while (q.next()) {
        const int32_t i = s.itemIndexById.value(q.value(0).toLongLong(), -1);
        if (i < 0)
            continue;
        if (!q.value(1).isNull())
            d.labels[i] = s.labelIndexById.value(q.value(1).toLongLong(), -1);
        if (!q.value(2).isNull())
            d.confidence[i] = q.value(2).toDouble();
        const QByteArray blob = q.value(3).toByteArray();
        const qsizetype k = blob.size() / static_cast<qsizetype>(sizeof(double));
        for (qsizetype r = 0; r < k && r < static_cast<qsizetype>(map.size()); ++r) {
            if (map[r] < 0)
                continue;
            double v;
            std::memcpy(&v, blob.constData() + r * sizeof(double), sizeof(double));
            d.posterior[static_cast<size_t>(i) * L + map[r]] = v;
        }
    }
    d.competence.assign(s.annotators.size(), std::numeric_limits<double>::quiet_NaN());
    q = store.exec(QStringLiteral("SELECT annotator_id, competence FROM run_annotators WHERE run_id = ?"), {runId});
    while (q.next()) {
        const qsizetype a = s.annotatorIds.indexOf(q.value(0).toLongLong());
        if (a >= 0 && !q.value(1).isNull())
            d.competence[a] = q.value(1).toDouble();
    }
    return d;
}

std::vector<int32_t> tiedTopLabels(const Snapshot& s, const RunData& run, int32_t item)
{
    const int32_t L = s.numLabels();
    std::vector<int32_t> tied;
    if (L < 2 || run.posterior.size() != static_cast<size_t>(s.numItems()) * L || s.matrix.validCount(item) == 0)
        return tied;
    const double* post = run.posterior.data() + static_cast<size_t>(item) * L;
    const double top = *std::max_element(post, post + L);
    for (int32_t l = 0; l < L; ++l)
        if (post[l] >= top - 1e-9)
            tied.push_back(l);
    if (tied.size() < 2)
        tied.clear();
    return tied;
}

} // namespace chorus::model
