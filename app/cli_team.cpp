// chorus-cli commands of team review (issue #20, docs/team.md): claim, decide, release,
// progress, team settings. The reviewer is the connection's login on a server (the local user
// on a file), as in the GUI.

#include "cli.h"
#include "cli_options.h"
#include "cli_format.h"
#include "cli_journal.h"

#include "runstore.h"
#include "teamreview.h"

#include <nlohmann/json.hpp>

namespace chorus::cli {

void addProjectOption(QCommandLineParser& p)
{
    p.addOption({QStringLiteral("project"), QStringLiteral("Project file or server URI."), QStringLiteral("P")});
    p.addOption(opt::json(QStringLiteral("Print JSON.")));
}

QString projectArg(const QCommandLineParser& p)
{
    if (!p.isSet(QStringLiteral("project")))
        throw UsageError{QStringLiteral("--project is required")};
    return p.value(QStringLiteral("project"));
}

qint64 itemByExtId(model::ProjectStore& store, const QString& extId)
{
    const QVariant id = store.scalar(QStringLiteral("SELECT id FROM items WHERE ext_id = ?"), {extId});
    if (!id.isValid())
        throw model::Error(QStringLiteral("%1: no item \"%2\"").arg(store.path(), extId));
    return id.toLongLong();
}

int cmdClaim(const QStringList& args)
{
    QCommandLineParser p;
    parseProjectCommand(p, args,
                        {{QStringLiteral("n"), QStringLiteral("Items to hold (live claims included)."), QStringLiteral("K"),
                          QStringLiteral("20")}},
                        QStringLiteral("chorus-cli claim --project P [--n K] [--json]"));
    const int n = intOption(p, QStringLiteral("n"), 0);
    model::ProjectStore store;
    store.open(projectArg(p));
    // Decisions queued while the server was unreachable go first: they end claims.
    const Json resent = sendQueuedFirst(store, QStringLiteral("claim"));
    const QList<model::Claim> claims = model::claimItems(store, n);
    if (p.isSet(QStringLiteral("json"))) {
        Json a = Json::array();
        for (const model::Claim& c : claims)
            a.push_back({{"item", c.extId.toStdString()}, {"expires_at", c.expiresAt.toStdString()}});
        Json j{{"reviewer", model::reviewerName(store).toStdString()}, {"claims", a}};
        if (!resent.empty())
            j["resent"] = resent;
        out(QByteArray::fromStdString(j.dump()) + '\n');
    } else {
        for (const model::Claim& c : claims)
            out((c.extId + QLatin1Char('\t') + c.expiresAt).toUtf8() + '\n');
    }
    return kOk;
}

int cmdDecide(const QStringList& args)
{
    QCommandLineParser p;
    parseProjectCommand(
        p, args,
        {
            {QStringLiteral("item"), QStringLiteral("The item's id."), QStringLiteral("ID")},
            {QStringLiteral("label"), QStringLiteral("The reviewer's label."), QStringLiteral("L")},
            {QStringLiteral("accept"), QStringLiteral("Accept the consensus label.")},
            {QStringLiteral("flag"), QStringLiteral("Flag the item for a second look.")},
            {QStringLiteral("note"), QStringLiteral("A note kept with the decision."), QStringLiteral("T")},
            {QStringLiteral("uuid"), QStringLiteral("The decision's UUID: a resend with the same UUID is stored once."),
             QStringLiteral("U")},
            {QStringLiteral("no-journal"), QStringLiteral("On a server, send directly: fail instead of queueing when the "
                                                          "server cannot be reached.")},
        },
        QStringLiteral("chorus-cli decide --project P --item ID (--label L | --accept | --flag) "
                       "[--note T] [--uuid U] [--no-journal] [--json]"));
    const int kinds = int(p.isSet(QStringLiteral("label"))) + int(p.isSet(QStringLiteral("accept")))
                      + int(p.isSet(QStringLiteral("flag")));
    if (kinds != 1)
        throw UsageError{QStringLiteral("give one of --label L, --accept or --flag")};
    if (!p.isSet(QStringLiteral("item")))
        throw UsageError{QStringLiteral("--item is required")};
    // On a server the decision is journalled first, so a lost connection queues it (docs/team.md).
    if (!p.isSet(QStringLiteral("no-journal")) && model::ProjectLocation::parse(projectArg(p)).isServer())
        return decideThroughJournal(projectArg(p), journalEntryFromOptions(p), p.isSet(QStringLiteral("json")));
    model::ProjectStore store;
    store.open(projectArg(p));
    model::Decision d;
    d.itemId = itemByExtId(store, p.value(QStringLiteral("item")));
    d.note = p.value(QStringLiteral("note"));
    if (p.isSet(QStringLiteral("flag"))) {
        d.action = QStringLiteral("flag");
        d.status = model::ReviewStatus::Flagged;
    } else if (p.isSet(QStringLiteral("label"))) {
        const QVariant label = store.scalar(QStringLiteral("SELECT id FROM labels WHERE name = ?"), {p.value(QStringLiteral("label"))});
        if (!label.isValid())
            throw model::Error(QStringLiteral("%1: no label \"%2\" (labels: %3)")
                                   .arg(store.path(), p.value(QStringLiteral("label")), store.labelNames().join(QStringLiteral(", "))));
        d.action = QStringLiteral("label");
        d.labelId = label.toLongLong();
        d.status = model::ReviewStatus::Reviewed;
    } else {
        const model::Snapshot s = model::loadSnapshot(store);
        const model::RunData consensus = model::openingConsensus(&store, s);
        const int32_t i = s.itemIndexById.value(d.itemId, -1);
        const int32_t l = i >= 0 ? consensus.labels[static_cast<size_t>(i)] : -1;
        if (l < 0)
            throw model::Error(QStringLiteral("%1: item \"%2\" has no consensus label to accept")
                                   .arg(store.path(), p.value(QStringLiteral("item"))));
        d.action = QStringLiteral("accept");
        d.labelId = s.labelIds[l];
        d.status = model::ReviewStatus::Reviewed;
    }
    const model::DecisionOutcome o = model::decideItem(store, d, p.value(QStringLiteral("uuid")));
    if (o.late)
        err(QStringLiteral("chorus-cli decide: note: item \"%1\" already had its reviews; the decision is kept in its "
                           "history")
                .arg(p.value(QStringLiteral("item"))));
    if (p.isSet(QStringLiteral("json")))
        out(QByteArray::fromStdString(Json{{"id", o.id}, {"duplicate", o.duplicate}, {"late", o.late}}.dump()) + '\n');
    return kOk;
}

int cmdRelease(const QStringList& args)
{
    QCommandLineParser p;
    parseProjectCommand(p, args, {{QStringLiteral("item"), QStringLiteral("Release only this item."), QStringLiteral("ID")}},
                        QStringLiteral("chorus-cli release --project P [--item ID] [--json]"));
    model::ProjectStore store;
    store.open(projectArg(p));
    const qint64 item = p.isSet(QStringLiteral("item")) ? itemByExtId(store, p.value(QStringLiteral("item"))) : 0;
    const int n = model::releaseClaims(store, item);
    if (p.isSet(QStringLiteral("json")))
        out(QByteArray::fromStdString(Json{{"released", n}}.dump()) + '\n');
    else
        err(QStringLiteral("%1 claims released").arg(n));
    return kOk;
}

int cmdProgress(const QStringList& args)
{
    QCommandLineParser p;
    parseProjectCommand(p, args, {}, QStringLiteral("chorus-cli progress --project P [--json]"));
    model::ProjectStore store;
    store.open(projectArg(p));
    const model::TeamProgress pr = model::teamProgress(store);
    const model::TeamSettings st = model::teamSettings(store);
    const QHash<QString, QString> names = model::displayNames(store);
    if (p.isSet(QStringLiteral("json"))) {
        Json rs = Json::array();
        for (const auto& r : pr.reviewers)
            rs.push_back({{"reviewer", r.reviewer.toStdString()},
                          {"name", names.value(r.reviewer, r.reviewer).toStdString()},
                          {"decided", r.decided},
                          {"decided_today", r.decidedToday},
                          {"claimed", r.claimed}});
        out(QByteArray::fromStdString(Json{{"overlap", st.overlap},
                                           {"items", pr.items},
                                           {"complete", pr.complete},
                                           {"in_adjudication", pr.inAdjudication},
                                           {"adjudicated", pr.adjudicated},
                                           {"remaining", pr.remaining},
                                           {"reviewers", rs}}
                                          .dump(2))
            + '\n');
        return kOk;
    }
    QString t = QStringLiteral("%1 items, overlap %2: %3 complete (%4 in adjudication, %5 adjudicated), %6 remaining\n")
                    .arg(pr.items)
                    .arg(st.overlap)
                    .arg(pr.complete)
                    .arg(pr.inAdjudication)
                    .arg(pr.adjudicated)
                    .arg(pr.remaining);
    for (const auto& r : pr.reviewers)
        t += QStringLiteral("%1\t%2 decided (%3 today)\t%4 claimed\n")
                 .arg(names.value(r.reviewer, r.reviewer))
                 .arg(r.decided)
                 .arg(r.decidedToday)
                 .arg(r.claimed);
    out(t.toUtf8());
    return kOk;
}

int cmdTeamSettings(const QStringList& args)
{
    QCommandLineParser p;
    parseProjectCommand(
        p, args,
        {
            {QStringLiteral("overlap"), QStringLiteral("Independent human reviews per item."), QStringLiteral("N")},
            {QStringLiteral("order"), QStringLiteral("uncertainty (least confident consensus first), queue (import order) or "
                                                     "random."),
             QStringLiteral("O")},
            {QStringLiteral("seed"), QStringLiteral("Seed of --order random."), QStringLiteral("S")},
            {QStringLiteral("blind"), QStringLiteral("none, reviewers or all."), QStringLiteral("B")},
            {QStringLiteral("lease-minutes"), QStringLiteral("How long a claim lasts without renewal."), QStringLiteral("M")},
            {QStringLiteral("adjudicate-consensus"),
             QStringLiteral("on: with overlap 1, a review that differs from the consensus goes to adjudication."),
             QStringLiteral("on|off")},
        },
        QStringLiteral("chorus-cli team settings --project P [--overlap N] [--order uncertainty|queue|random] "
                       "[--seed S] [--blind none|reviewers|all] [--lease-minutes M] "
                       "[--adjudicate-consensus on|off] [--json]"));
    model::ProjectStore store;
    store.open(projectArg(p));
    model::TeamSettings s = model::teamSettings(store);
    bool changed = false;
    auto number = [&](const char* name, int lo, int hi, int& target) {
        if (!p.isSet(QLatin1String(name)))
            return;
        target = intOption(p, QLatin1String(name), lo, hi);
        changed = true;
    };
    number("overlap", 1, 100, s.overlap);
    number("lease-minutes", 1, 7 * 24 * 60, s.leaseMinutes);
    int seed = static_cast<int>(s.seed);
    number("seed", 0, 2147483647, seed);
    s.seed = static_cast<quint32>(seed);
    try {
        if (p.isSet(QStringLiteral("order"))) {
            s.order = model::orderFromName(p.value(QStringLiteral("order")));
            changed = true;
        }
        if (p.isSet(QStringLiteral("blind"))) {
            s.blind = model::blindFromName(p.value(QStringLiteral("blind")));
            changed = true;
        }
        if (p.isSet(QStringLiteral("adjudicate-consensus"))) {
            const QString v = p.value(QStringLiteral("adjudicate-consensus"));
            if (v != QLatin1String("on") && v != QLatin1String("off"))
                throw UsageError{QStringLiteral("--adjudicate-consensus takes on or off")};
            s.adjudicateConsensus = v == QLatin1String("on");
            changed = true;
        }
    } catch (const model::Error& e) {
        throw UsageError{e.message()};
    }
    if (changed)
        model::setTeamSettings(store, s);
    if (p.isSet(QStringLiteral("json"))) {
        out(QByteArray::fromStdString(Json{{"overlap", s.overlap},
                                           {"order", model::orderName(s.order).toStdString()},
                                           {"seed", s.seed},
                                           {"blind", model::blindName(s.blind).toStdString()},
                                           {"lease_minutes", s.leaseMinutes},
                                           {"adjudicate_consensus", s.adjudicateConsensus}}
                                          .dump())
            + '\n');
    } else {
        out(QStringLiteral("overlap %1\norder %2\nseed %3\nblind %4\nlease-minutes %5\nadjudicate-consensus %6\n")
                .arg(s.overlap)
                .arg(model::orderName(s.order))
                .arg(s.seed)
                .arg(model::blindName(s.blind))
                .arg(s.leaseMinutes)
                .arg(QLatin1String(s.adjudicateConsensus ? "on" : "off"))
                .toUtf8());
    }
    return kOk;
}

} // namespace chorus::cli
