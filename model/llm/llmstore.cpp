// The LLM connector's bookkeeping around the runner: progress text, the worker-thread job, and
// what the project holds per LLM annotator (llmrunner.h).

#include "errors.h"
#include "jobsupport.h"
#include "llmrunner.h"
#include "projectstore.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QSet>
#include <QSqlQuery>
#include <QtConcurrent>

#include <climits>

namespace chorus::model {

QString llmProgressText(const LlmProgress& p)
{
    QString s = QStringLiteral("%1 of %2 answered").arg(p.done).arg(p.total);
    if (p.failed > 0)
        s += QStringLiteral(", %1 failed").arg(p.failed);
    if (p.invalid > 0)
        s += QStringLiteral(", %1 INVALID").arg(p.invalid);
    s += QStringLiteral(" \u00b7 %1 tokens \u00b7 spent %2")
             .arg(QLocale::system().toString(p.promptTokens + p.completionTokens))
             .arg(p.cost, 0, 'f', 4);
    if (p.retries > 0)
        s += QStringLiteral(" \u00b7 %1 retries").arg(p.retries);
    return s;
}

QFuture<JobResult<LlmRunReport>> llmLabelAsync(QThreadPool* pool, const QString& projectPath, LlmConfig config,
                                               std::vector<qint64> itemIds, double budget,
                                               std::function<void(const QString&)> log, bool appendToExisting)
{
    return QtConcurrent::run(
        pool,
        [](QPromise<JobResult<LlmRunReport>>& promise, QString path, LlmConfig cfg, std::vector<qint64> items,
           double cap, std::function<void(const QString&)> logLine, bool append) {
            detail::guarded(promise, [&] {
                LlmRunOptions o;
                o.itemIds = std::move(items);
                o.budget = cap;
                o.appendToExisting = append;
                o.log = logLine;
                o.isCanceled = [&promise] { return promise.isCanceled(); };
                bool rangeSet = false;
                o.progress = [&](const LlmProgress& p) {
                    if (!rangeSet) {
                        promise.setProgressRange(0, static_cast<int>(std::min<qint64>(p.total, INT_MAX)));
                        rangeSet = true;
                    }
                    promise.setProgressValueAndText(static_cast<int>(std::min<qint64>(p.done + p.failed, INT_MAX)),
                                                    llmProgressText(p));
                };
                LlmRunReport r = runLlmLabeling(path, cfg, o);
                // A cancel is not an error: the answers so far are stored and reported.
                return r;
            });
        },
        projectPath, std::move(config), std::move(itemIds), budget, std::move(log), appendToExisting);
}

QList<LlmAnnotatorSummary> llmSummaries(ProjectStore& store)
{
    QList<LlmAnnotatorSummary> out;
    QSqlQuery q = store.exec(QStringLiteral(
        "SELECT a.id, a.name, l.config, "
        "(SELECT COUNT(*) FROM llm_answers x WHERE x.annotator_id = a.id), "
        "(SELECT COUNT(*) FROM llm_answers x WHERE x.annotator_id = a.id AND x.label_id IS NULL), "
        "(SELECT COALESCE(SUM(prompt_tokens), 0) FROM llm_answers x WHERE x.annotator_id = a.id), "
        "(SELECT COALESCE(SUM(completion_tokens), 0) FROM llm_answers x WHERE x.annotator_id = a.id), "
        "(SELECT COALESCE(SUM(cost), 0) FROM llm_answers x WHERE x.annotator_id = a.id), "
        "(SELECT COUNT(*) FROM llm_answers p JOIN llm_answers r ON r.annotator_id = p.annotator_id "
        "  AND r.item_id = p.item_id AND r.variant = 'reversed' WHERE p.annotator_id = a.id AND p.variant = 'primary'), "
        "(SELECT COUNT(*) FROM llm_answers p JOIN llm_answers r ON r.annotator_id = p.annotator_id "
        "  AND r.item_id = p.item_id AND r.variant = 'reversed' WHERE p.annotator_id = a.id AND p.variant = 'primary' "
        "  AND COALESCE(p.label_id, -1) <> COALESCE(r.label_id, -1)) "
        "FROM llm_annotators l JOIN annotators a ON a.id = l.annotator_id ORDER BY a.name"));
    while (q.next()) {
        LlmAnnotatorSummary s;
        s.name = q.value(1).toString();
        s.model = QJsonDocument::fromJson(q.value(2).toString().toUtf8()).object().value(QStringLiteral("model")).toString();
        s.answers = q.value(3).toLongLong();
        s.invalid = q.value(4).toLongLong();
        s.promptTokens = q.value(5).toLongLong();
        s.completionTokens = q.value(6).toLongLong();
        s.cost = q.value(7).toDouble();
        s.orderPairs = q.value(8).toLongLong();
        s.orderDependent = q.value(9).toLongLong();
        out << s;
    }
    return out;
}

LlmNameUse llmNameUse(ProjectStore& store, const QString& name, qint64* importedAnswers)
{
    QSqlQuery q = store.exec(QStringLiteral("SELECT a.id, (SELECT COUNT(*) FROM llm_annotators l WHERE l.annotator_id = a.id), "
                                            "(SELECT COUNT(*) FROM annotations x WHERE x.annotator_id = a.id) "
                                            "FROM annotators a WHERE a.name = ?"),
                             {name});
    if (!q.next())
        return LlmNameUse::Free;
    if (q.value(1).toLongLong() > 0)
        return LlmNameUse::Connector;
    if (importedAnswers)
        *importedAnswers = q.value(2).toLongLong();
    return LlmNameUse::Imported;
}

QList<LlmConfig> llmStoredConfigs(ProjectStore& store)
{
    QList<LlmConfig> out;
    QSqlQuery q = store.exec(QStringLiteral("SELECT a.name, l.config FROM llm_annotators l JOIN annotators a "
                                            "ON a.id = l.annotator_id ORDER BY l.updated_at DESC, l.annotator_id DESC"));
    while (q.next()) {
        const QString name = q.value(0).toString();
        try {
            LlmConfig c = LlmConfig::fromJson(q.value(1).toString().toUtf8(), QStringLiteral("annotator ") + name);
            c.name = name;
            out << c;
        } catch (const Error&) {
            // Written by a version with other keys: not offered.
        }
    }
    return out;
}

std::vector<qint64> llmPendingItems(ProjectStore& store, const LlmConfig& config, const std::vector<qint64>& itemIds)
{
    const QVariant ann = store.scalar(QStringLiteral("SELECT id FROM annotators WHERE name = ?"), {config.name});
    std::vector<qint64> ids = itemIds;
    if (ids.empty()) {
        QSqlQuery q = store.exec(QStringLiteral("SELECT id FROM items ORDER BY id"));
        while (q.next())
            ids.push_back(q.value(0).toLongLong());
    }
    if (!ann.isValid())
        return ids;
    QSet<qint64> primary, reversed;
    QSqlQuery q = store.exec(QStringLiteral("SELECT item_id FROM annotations WHERE annotator_id = ?"), {ann});
    while (q.next())
        primary.insert(q.value(0).toLongLong());
    q = store.exec(QStringLiteral("SELECT item_id FROM llm_answers WHERE annotator_id = ? AND variant = 'reversed'"), {ann});
    while (q.next())
        reversed.insert(q.value(0).toLongLong());
    std::vector<qint64> out;
    for (qint64 id : ids)
        if (!primary.contains(id) || (config.orderCheck && !reversed.contains(id)))
            out.push_back(id);
    return out;
}

} // namespace chorus::model
