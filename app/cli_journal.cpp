// chorus-cli and the local decision journal (issue #20, docs/team.md "When the connection
// drops"): `decide` on a server project writes the decision to the journal first and sends it
// (with whatever was queued before); when the server cannot be reached it stays queued (exit
// code 3, "queued": true). `claim` sends the queue before taking work, and `sync` sends it on
// its own.

#include "cli_journal.h"

#include "cli.h"
#include "cli_options.h"

#include <nlohmann/json.hpp>

#include <QFileInfo>
#include <QUuid>

namespace chorus::cli {

namespace {

QString resultName(model::FlushResult::Result r)
{
    switch (r) {
    case model::FlushResult::Result::Sent: return QStringLiteral("sent");
    case model::FlushResult::Result::Queued: return QStringLiteral("queued");
    case model::FlushResult::Result::Failed: return QStringLiteral("failed");
    }
    return {};
}

Json resultJson(const model::FlushResult& r)
{
    Json j{{"uuid", r.entry.uuid.toStdString()},
           {"item", r.entry.itemExtId.toStdString()},
           {"result", resultName(r.result).toStdString()}};
    if (r.result == model::FlushResult::Result::Sent) {
        j["id"] = r.outcome.id;
        j["duplicate"] = r.outcome.duplicate;
        j["late"] = r.outcome.late;
    } else {
        j["error"] = r.error.toStdString();
    }
    return j;
}

QString itemText(const model::FlushResult& r)
{
    return r.entry.itemExtId.isEmpty() ? QStringLiteral("item id %1").arg(r.entry.decision.itemId)
                                       : QStringLiteral("item \"%1\"").arg(r.entry.itemExtId);
}

// Tells the reviewer on stderr what happened to the queued decisions a flush sent, other than
// `skip` (the command's own decision, reported by the command).
void reportResent(const QString& command, const model::FlushReport& report, const QString& journalPath,
                  const QString& skip = {})
{
    int sent = 0;
    for (const model::FlushResult& r : report.results) {
        if (r.entry.uuid == skip)
            continue;
        if (r.result == model::FlushResult::Result::Sent) {
            ++sent;
            if (r.outcome.late)
                err(QStringLiteral("chorus-cli %1: note: the queued decision %2 on %3 arrived after the item had its "
                                   "reviews; it is kept in its history")
                        .arg(command, r.entry.uuid, itemText(r)));
        } else if (r.result == model::FlushResult::Result::Failed) {
            err(QStringLiteral("chorus-cli %1: the queued decision %2 on %3 was refused: %4 (it stays in %5)")
                    .arg(command, r.entry.uuid, itemText(r), r.error, journalPath));
        }
    }
    if (sent > 0)
        err(QStringLiteral("chorus-cli %1: sent %2 queued decision(s)").arg(command).arg(sent));
}

Json resentJson(const model::FlushReport& report, const QString& skip = {})
{
    Json a = Json::array();
    for (const model::FlushResult& r : report.results)
        if (r.entry.uuid != skip)
            a.push_back(resultJson(r));
    return a;
}

} // namespace

model::JournalEntry journalEntryFromOptions(const QCommandLineParser& p)
{
    model::JournalEntry e;
    e.uuid = p.value(QStringLiteral("uuid"));
    e.itemExtId = p.value(QStringLiteral("item"));
    e.decision.note = p.value(QStringLiteral("note"));
    if (p.isSet(QStringLiteral("flag"))) {
        e.decision.action = QStringLiteral("flag");
        e.decision.status = model::ReviewStatus::Flagged;
    } else if (p.isSet(QStringLiteral("label"))) {
        e.decision.action = QStringLiteral("label");
        e.labelName = p.value(QStringLiteral("label"));
        e.decision.status = model::ReviewStatus::Reviewed;
    } else {
        e.decision.action = QStringLiteral("accept");
        e.decision.status = model::ReviewStatus::Reviewed;
    }
    return e;
}

int decideThroughJournal(const QString& uri, model::JournalEntry e, bool json)
{
    e.projectKey = model::journalProjectKey(model::ProjectLocation::parse(uri));
    if (e.uuid.isEmpty())
        e.uuid = QUuid::createUuid().toString(QUuid::WithoutBraces);
    e.decision.createdAt = model::nowIso();
    model::Journal journal;
    model::ProjectStore store;
    QString lost;
    try {
        store.open(uri);
        model::resolveJournalEntry(store, e);  // a wrong item or label fails here, not queued
    } catch (const model::ConnectionLostError& x) {
        lost = x.message();
    }
    journal.enqueue(e, true);
    model::FlushReport report;
    if (lost.isEmpty()) {
        report = model::flushJournal(store, journal);
        reportResent(QStringLiteral("decide"), report, journal.path(), e.uuid);
    } else {
        journal.release(e.uuid, lost);
    }
    const model::FlushResult* mine = nullptr;
    for (const model::FlushResult& r : report.results)
        if (r.entry.uuid == e.uuid)
            mine = &r;
    if (mine && mine->result == model::FlushResult::Result::Failed) {
        // Refused on its first send (not a connection problem): the reviewer is told now, as
        // without the journal, and it does not wait there.
        journal.discard(e.uuid);
        throw model::Error(mine->error);
    }
    if (mine && mine->result == model::FlushResult::Result::Sent) {
        if (mine->outcome.late)
            err(QStringLiteral("chorus-cli decide: note: item \"%1\" already had its reviews; the decision is kept in its "
                               "history")
                    .arg(e.itemExtId));
        if (json)
            out(QByteArray::fromStdString(Json{{"id", mine->outcome.id},
                                               {"duplicate", mine->outcome.duplicate},
                                               {"late", mine->outcome.late},
                                               {"queued", false},
                                               {"uuid", e.uuid.toStdString()},
                                               {"resent", resentJson(report, e.uuid)}}
                                              .dump())
                + '\n');
        return kOk;
    }
    const QString why = mine ? mine->error : lost;
    const qint64 waiting = journal.pendingCount(e.projectKey);
    err(QStringLiteral("chorus-cli decide: %1\nchorus-cli decide: the decision is queued (%2 waiting in %3); the next "
                       "decide, claim or `chorus-cli sync --project P` sends it")
            .arg(why)
            .arg(waiting)
            .arg(journal.path()));
    if (json)
        out(QByteArray::fromStdString(Json{{"queued", true},
                                           {"uuid", e.uuid.toStdString()},
                                           {"pending", waiting},
                                           {"error", why.toStdString()},
                                           {"resent", resentJson(report, e.uuid)}}
                                          .dump())
            + '\n');
    return kQueued;
}

Json sendQueuedFirst(model::ProjectStore& store, const QString& command)
{
    if (!store.isServer() || !QFileInfo::exists(model::Journal::defaultPath()))
        return Json::array();
    model::Journal journal;
    if (journal.pendingCount(model::journalProjectKey(store.location())) == 0)
        return Json::array();
    const model::FlushReport report = model::flushJournal(store, journal);
    reportResent(command, report, journal.path());
    if (report.connectionLost)
        throw model::ConnectionLostError(report.results.isEmpty() ? QStringLiteral("the connection was lost")
                                                                  : report.results.back().error);
    return resentJson(report);
}

int cmdSync(const QStringList& args)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("project"), QStringLiteral("Server project URI."), QStringLiteral("P")});
    p.addOption(opt::json(QStringLiteral("Print JSON.")));
    parseOrThrow(p, args, QStringLiteral("chorus-cli sync --project URI [--json]"));
    const QString uri = projectArg(p);
    const model::ProjectLocation loc = model::ProjectLocation::parse(uri);
    if (!loc.isServer())
        throw UsageError{QStringLiteral("sync is for server projects (a project file needs no journal)")};
    const QString key = model::journalProjectKey(loc);
    model::Journal journal;
    const bool json = p.isSet(QStringLiteral("json"));
    model::FlushReport report;
    if (journal.pendingCount(key) > 0) {
        model::ProjectStore store;
        try {
            store.open(uri);
            report = model::flushJournal(store, journal);
        } catch (const model::ConnectionLostError& e) {
            report.connectionLost = true;
            for (const model::JournalEntry& q : journal.pending(key)) {
                model::FlushResult r;
                r.entry = q;
                r.error = e.message();
                report.results.append(r);
                ++report.queued;
            }
        }
    }
    if (json) {
        out(QByteArray::fromStdString(Json{{"sent", report.sent},
                                           {"duplicate", report.duplicate},
                                           {"late", report.late},
                                           {"queued", report.queued},
                                           {"failed", report.failed},
                                           {"decisions", resentJson(report)}}
                                          .dump(2))
            + '\n');
    } else {
        for (const model::FlushResult& r : report.results) {
            QString line = resultName(r.result) + QLatin1Char('\t') + r.entry.uuid + QLatin1Char('\t') + r.entry.itemExtId;
            if (r.result == model::FlushResult::Result::Sent)
                line += r.outcome.late ? QStringLiteral("\tlate") : r.outcome.duplicate ? QStringLiteral("\tduplicate") : QString();
            else
                line += QLatin1Char('\t') + r.error;
            out(line.toUtf8() + '\n');
        }
        err(QStringLiteral("%1 sent (%2 already there, %3 late), %4 still queued, %5 refused (kept in %6)")
                .arg(report.sent)
                .arg(report.duplicate)
                .arg(report.late)
                .arg(report.queued)
                .arg(report.failed)
                .arg(journal.path()));
    }
    if (report.failed > 0)
        return kError;
    return report.queued > 0 ? kQueued : kOk;
}

} // namespace chorus::cli
