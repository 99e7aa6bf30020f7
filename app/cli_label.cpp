// chorus-cli label: collect labels from an OpenAI-compatible endpoint (model/llm/llmrunner.h).

#include "cli.h"
#include "cli_options.h"

#include "llmrunner.h"
#include "snapshot.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QSqlQuery>

#include <atomic>
#include <csignal>

namespace chorus::cli {

namespace {

/// Exit code of a run that stopped at its budget with items still unasked (docs/llm.md; the
/// other codes are in cli.h).
constexpr int kBudgetStopped = 3;

std::atomic<bool> g_interrupted{false};

extern "C" void onInterrupt(int)
{
    g_interrupted.store(true);
}

// Item ids named by a file: one id per line, or JSONL objects with "id" (what
// `chorus-cli select --export` writes).
QStringList readIdFile(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        throw model::Error(QStringLiteral("%1: cannot read: %2").arg(path, f.errorString()));
    QStringList ids;
    qint64 line = 0;
    while (!f.atEnd()) {
        ++line;
        const QByteArray raw = f.readLine().trimmed();
        if (raw.isEmpty())
            continue;
        if (raw.startsWith('{')) {
            const QJsonDocument d = QJsonDocument::fromJson(raw);
            const QJsonValue id = d.object().value(QStringLiteral("id"));
            if (!d.isObject() || !(id.isString() || id.isDouble()))
                throw model::Error(QStringLiteral("%1:%2: a JSON line needs an \"id\"").arg(path).arg(line));
            ids << (id.isString() ? id.toString() : QString::number(id.toDouble(), 'g', 17));
        } else {
            ids << QString::fromUtf8(raw);
        }
    }
    return ids;
}

// --items: all | unreviewed | flagged | disagreements | ids:a,b,c | @FILE
std::vector<qint64> selectItems(model::ProjectStore& store, const QString& filter)
{
    if (filter.isEmpty() || filter == QLatin1String("all"))
        return {};
    QStringList extIds;
    if (filter.startsWith(QLatin1String("ids:")))
        extIds = filter.mid(4).split(QLatin1Char(','), Qt::SkipEmptyParts);
    else if (filter.startsWith(QLatin1Char('@')))
        extIds = readIdFile(filter.mid(1));
    if (!extIds.isEmpty() || filter.startsWith(QLatin1String("ids:")) || filter.startsWith(QLatin1Char('@'))) {
        std::vector<qint64> out;
        for (const QString& ext : extIds) {
            const QVariant id = store.scalar(QStringLiteral("SELECT id FROM items WHERE ext_id = ?"), {ext.trimmed()});
            if (!id.isValid())
                throw model::Error(QStringLiteral("--items: no item \"%1\" in %2").arg(ext.trimmed(), store.path()));
            out.push_back(id.toLongLong());
        }
        if (out.empty())
            throw UsageError{QStringLiteral("--items %1 names no items").arg(filter)};
        return out;
    }
    const model::Snapshot s = model::loadSnapshot(store);
    std::vector<qint64> out;
    for (int32_t i = 0; i < s.numItems(); ++i) {
        bool keep = false;
        if (filter == QLatin1String("unreviewed"))
            keep = s.status[static_cast<size_t>(i)] == model::ReviewStatus::Unreviewed;
        else if (filter == QLatin1String("flagged"))
            keep = s.status[static_cast<size_t>(i)] == model::ReviewStatus::Flagged;
        else if (filter == QLatin1String("disagreements")) {
            int32_t first = -1;
            for (int64_t k = s.matrix.itemBegin(i); k < s.matrix.itemEnd(i); ++k) {
                const int32_t l = s.matrix.itemLabel(k);
                if (l < 0)
                    continue;
                if (first < 0)
                    first = l;
                else if (l != first) {
                    keep = true;
                    break;
                }
            }
        } else {
            throw UsageError{QStringLiteral("--items must be all, unreviewed, flagged, disagreements, ids:A,B,... or "
                                            "@FILE (got \"%1\")")
                                 .arg(filter)};
        }
        if (keep)
            out.push_back(s.itemIds[i]);
    }
    if (out.empty())
        throw model::Error(QStringLiteral("--items %1: no item matches").arg(filter));
    return out;
}

QJsonObject reportJson(const model::LlmRunReport& r, const QString& name)
{
    QJsonObject o;
    o.insert(QStringLiteral("annotator"), name);
    o.insert(QStringLiteral("to_ask"), r.totals.total);
    o.insert(QStringLiteral("requests"), r.totals.sent);
    o.insert(QStringLiteral("answered"), r.totals.done);
    o.insert(QStringLiteral("failed"), r.totals.failed);
    o.insert(QStringLiteral("invalid"), r.totals.invalid);
    o.insert(QStringLiteral("retries"), r.totals.retries);
    o.insert(QStringLiteral("skipped"), r.skipped);
    o.insert(QStringLiteral("prompt_tokens"), r.totals.promptTokens);
    o.insert(QStringLiteral("completion_tokens"), r.totals.completionTokens);
    o.insert(QStringLiteral("cost"), r.totals.cost);
    o.insert(QStringLiteral("canceled"), r.canceled);
    o.insert(QStringLiteral("budget_reached"), r.budgetReached);
    if (r.budgetReached) {
        o.insert(QStringLiteral("budget_reserved_in_flight"), r.budgetReserved);
        o.insert(QStringLiteral("requests_in_flight_at_stop"), r.budgetInFlight);
    }
    o.insert(QStringLiteral("not_asked"), r.notAsked);
    if (!r.fatalError.isEmpty())
        o.insert(QStringLiteral("error"), r.fatalError);
    o.insert(QStringLiteral("failures"), QJsonArray::fromStringList(r.failures));
    return o;
}

// --dry-run: how many items are still to ask, and the first request's messages; sends nothing.
void printDryRun(model::ProjectStore& store, const model::LlmConfig& config, const std::vector<qint64>& items, bool json)
{
    const std::vector<qint64> pending = model::llmPendingItems(store, config, items);
    QString system, prompt;
    if (!pending.empty()) {
        QSqlQuery q = store.exec(QStringLiteral("SELECT ext_id, text, meta FROM items WHERE id = ?"), {pending[0]});
        q.next();
        model::LlmItem it{q.value(0).toString(), q.value(1).toString(),
                          QJsonDocument::fromJson(q.value(2).toString().toUtf8()).object()};
        if (!config.system.isEmpty())
            system = model::renderPrompt(config.system, it, store.labelNames(), config.parser);
        prompt = model::renderPrompt(config.prompt, it, store.labelNames(), config.parser);
    }
    if (json) {
        QJsonObject o;
        o.insert(QStringLiteral("endpoint"), config.endpoint());
        o.insert(QStringLiteral("pending_items"), static_cast<qint64>(pending.size()));
        if (!pending.empty()) {
            if (!system.isEmpty())
                o.insert(QStringLiteral("first_system"), system);
            o.insert(QStringLiteral("first_prompt"), prompt);
        }
        out(QJsonDocument(o).toJson(QJsonDocument::Indented));
    } else {
        QString s = QStringLiteral("%1: %2 items to ask at %3 (dry run: nothing sent)\n")
                        .arg(config.name)
                        .arg(pending.size())
                        .arg(config.endpoint());
        if (!pending.empty()) {
            if (!system.isEmpty())
                s += QStringLiteral("\nfirst request, system message:\n%1\n").arg(system);
            s += QStringLiteral("\nfirst request, prompt:\n%1\n").arg(prompt);
        }
        out(s.toUtf8());
    }
}

QString reportText(const model::LlmRunReport& r, const model::LlmConfig& config, double budget)
{
    QString s = QStringLiteral("%1: %2 requests sent for %3 to ask, %4 answered (%5 INVALID), %6 failed, %7 "
                               "retries, %8 already answered\ntokens: %9 prompt + %10 completion; cost %11\n")
                    .arg(config.name)
                    .arg(r.totals.sent)
                    .arg(r.totals.total)
                    .arg(r.totals.done)
                    .arg(r.totals.invalid)
                    .arg(r.totals.failed)
                    .arg(r.totals.retries)
                    .arg(r.skipped)
                    .arg(r.totals.promptTokens)
                    .arg(r.totals.completionTokens)
                    .arg(r.totals.cost, 0, 'f', 6);
    if (r.canceled)
        s += QStringLiteral("interrupted: the answers so far are stored; run again to continue\n");
    if (r.budgetReached)
        s += QStringLiteral("stopped at the budget of %1 for this run: spent %2, up to %3 was reserved for %4 "
                            "request(s) in flight; %5 not asked (run again to continue, with a new budget)\n")
                 .arg(budget)
                 .arg(r.totals.cost, 0, 'f', 6)
                 .arg(r.budgetReserved, 0, 'f', 6)
                 .arg(r.budgetInFlight)
                 .arg(r.notAsked);
    return s;
}

} // namespace

int cmdLabel(const QStringList& args)
{
    QCommandLineParser p;
    p.addOptions({
        {QStringLiteral("project"), QStringLiteral("The project to label (answers are stored in it)."), QStringLiteral("P")},
        {QStringLiteral("annotator"), QStringLiteral("The LLM annotator's configuration (JSON, see docs/llm.md)."),
         QStringLiteral("CONFIG")},
        {QStringLiteral("items"),
         QStringLiteral("Which items: all (default), unreviewed, flagged, disagreements, ids:A,B,... or @FILE "
                        "(one id per line, or `select --export` JSONL)."),
         QStringLiteral("FILTER"), QStringLiteral("all")},
        {QStringLiteral("budget"),
         QStringLiteral("Stop before this run spends more than B (unit of the prices; per run: earlier runs do not "
                        "count). Exit code 3 when it stops with items unasked."),
         QStringLiteral("B")},
        {QStringLiteral("append-to-existing"),
         QStringLiteral("The configuration's name is that of an imported annotator: add the answers to it anyway.")},
        {QStringLiteral("dry-run"),
         QStringLiteral("Print the number of items still to ask and the first prompt; send nothing.")},
        {QStringLiteral("quiet"), QStringLiteral("No progress lines on stderr.")},
        {QStringLiteral("json"), QStringLiteral("Print the report as JSON.")},
    });
    parseOrThrow(p, args,
                 QStringLiteral("chorus-cli label --project P --annotator CONFIG.json [--items FILTER] [--budget B] "
                                "[--append-to-existing] [--dry-run] [--json]"));
    if (!p.isSet(QStringLiteral("project")) || !p.isSet(QStringLiteral("annotator")))
        throw UsageError{QStringLiteral("--project and --annotator are required")};
    const double budget = p.isSet(QStringLiteral("budget"))
                              ? numberOption(p, QStringLiteral("budget"), NumberRange::atLeast(0))
                              : std::numeric_limits<double>::infinity();
    const model::LlmConfig config = model::LlmConfig::fromFile(p.value(QStringLiteral("annotator")));
    const QString projectPath = p.value(QStringLiteral("project"));
    std::vector<qint64> items;
    {
        model::ProjectStore store;
        store.open(projectPath);
        items = selectItems(store, p.value(QStringLiteral("items")));
        if (p.isSet(QStringLiteral("dry-run"))) {
            printDryRun(store, config, items, p.isSet(QStringLiteral("json")));
            return kOk;
        }
    }

    const bool quiet = p.isSet(QStringLiteral("quiet")) || p.isSet(QStringLiteral("json"));
    model::LlmRunOptions o;
    o.itemIds = items;
    o.budget = budget;
    o.appendToExisting = p.isSet(QStringLiteral("append-to-existing"));
    g_interrupted.store(false);
    auto previous = std::signal(SIGINT, onInterrupt);
    o.isCanceled = [] { return g_interrupted.load(); };
    QElapsedTimer shown;
    shown.start();
    o.progress = [&](const model::LlmProgress& pr) {
        if (!quiet && (shown.elapsed() >= 1000 || pr.done + pr.failed == pr.total)) {
            err(QStringLiteral("label: ") + model::llmProgressText(pr));
            shown.restart();
        }
    };
    o.log = [quiet](const QString& line) {
        if (!quiet)
            err(QStringLiteral("label: ") + line);
    };
    model::LlmRunReport r;
    try {
        r = model::runLlmLabeling(projectPath, config, o);
    } catch (...) {
        std::signal(SIGINT, previous);
        throw;
    }
    std::signal(SIGINT, previous);

    if (p.isSet(QStringLiteral("json")))
        out(QJsonDocument(reportJson(r, config.name)).toJson(QJsonDocument::Indented));
    else
        out(reportText(r, config, budget).toUtf8());
    if (!r.fatalError.isEmpty()) {
        err(QStringLiteral("chorus-cli label: %1").arg(r.fatalError));
        return kError;
    }
    if (r.canceled || r.totals.failed > 0)
        return kError;
    return r.budgetReached && r.notAsked > 0 ? kBudgetStopped : kOk;
}

} // namespace chorus::cli
