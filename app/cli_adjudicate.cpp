// chorus-cli adjudicate (issue #20, docs/team.md): the adjudication queue of a team project, and
// an adjudicator's final label for an item.

#include "cli.h"
#include "cli_options.h"
#include "cli_format.h"

#include "adjudication.h"

#include <nlohmann/json.hpp>

namespace chorus::cli {

namespace {

Json caseJson(const model::AdjudicationCase& c)
{
    Json reviews = Json::array();
    for (const model::ReviewerLabel& r : c.reviews)
        reviews.push_back({{"reviewer", r.reviewer.toStdString()},
                           {"name", r.name.toStdString()},
                           {"label", r.label.isEmpty() ? Json() : Json(r.label.toStdString())},
                           {"status", model::statusName(r.status).toStdString()},
                           {"note", r.note.toStdString()}});
    Json llms = Json::object();
    for (const auto& [annotator, label] : c.llmLabels)
        llms[annotator.toStdString()] = label.toStdString();
    Json j{{"item", c.extId.toStdString()},
           {"text", c.text.toStdString()},
           {"reason", c.reason.toStdString()},
           {"reviews", reviews},
           {"annotators", llms},
           {"consensus", c.consensus.isEmpty() ? Json() : Json(c.consensus.toStdString())},
           {"consensus_method", c.consensusMethod.toStdString()},
           {"confidence", c.confidence < 0 ? Json() : Json(c.confidence)}};
    if (!c.adjudicatedLabel.isEmpty())
        j["adjudicated"] = c.adjudicatedLabel.toStdString();
    return j;
}

QString caseText(const model::AdjudicationCase& c)
{
    QStringList reviews;
    for (const model::ReviewerLabel& r : c.reviews)
        reviews << QStringLiteral("%1=%2").arg(r.name, r.status == model::ReviewStatus::Flagged
                                                               ? QStringLiteral("(flagged)")
                                                               : r.label.isEmpty() ? QStringLiteral("-") : r.label);
    QString t = QStringLiteral("%1\t%2\treviews: %3\tconsensus: %4").arg(c.extId, c.reason, reviews.join(QLatin1Char(' ')),
                                                                       c.consensus.isEmpty() ? QStringLiteral("-") : c.consensus);
    if (c.confidence >= 0)
        t += QStringLiteral(" (%1 %2)").arg(c.consensusMethod).arg(c.confidence, 0, 'f', 3);
    if (!c.adjudicatedLabel.isEmpty())
        t += QStringLiteral("\tadjudicated: ") + c.adjudicatedLabel;
    return t;
}

} // namespace

int cmdAdjudicate(const QStringList& args)
{
    QCommandLineParser p;
    parseProjectCommand(
        p, args,
        {
            {QStringLiteral("all"), QStringLiteral("List adjudicated items too.")},
            {QStringLiteral("item"), QStringLiteral("The item to adjudicate."), QStringLiteral("ID")},
            {QStringLiteral("label"), QStringLiteral("Its final label."), QStringLiteral("L")},
            {QStringLiteral("note"), QStringLiteral("A note kept with the adjudication."), QStringLiteral("T")},
            {QStringLiteral("uuid"), QStringLiteral("The adjudication's UUID: a resend with the same UUID is stored once."),
             QStringLiteral("U")},
        },
        QStringLiteral("chorus-cli adjudicate --project P [--all] [--json]\n"
                       "       chorus-cli adjudicate --project P --item ID --label L [--note T] "
                       "[--uuid U] [--json]"));
    const bool json = p.isSet(QStringLiteral("json"));
    model::ProjectStore store;
    store.open(projectArg(p));
    if (!p.isSet(QStringLiteral("item"))) {
        if (p.isSet(QStringLiteral("label")))
            throw UsageError{QStringLiteral("--label needs --item")};
        const QList<model::AdjudicationCase> queue = model::adjudicationQueue(store, p.isSet(QStringLiteral("all")));
        if (json) {
            Json a = Json::array();
            for (const model::AdjudicationCase& c : queue)
                a.push_back(caseJson(c));
            out(QByteArray::fromStdString(Json{{"items", a}}.dump(2)) + '\n');
        } else {
            for (const model::AdjudicationCase& c : queue)
                out(caseText(c).toUtf8() + '\n');
            err(QStringLiteral("%1 items to adjudicate").arg(queue.size()));
        }
        return kOk;
    }
    if (!p.isSet(QStringLiteral("label")))
        throw UsageError{QStringLiteral("--item needs --label L (the final label)")};
    const qint64 item = itemByExtId(store, p.value(QStringLiteral("item")));
    const QString labelName = p.value(QStringLiteral("label"));
    const QVariant label = store.scalar(QStringLiteral("SELECT id FROM labels WHERE name = ?"), {labelName});
    if (!label.isValid())
        throw model::Error(QStringLiteral("%1: no label \"%2\" (labels: %3)")
                               .arg(store.path(), labelName, store.labelNames().join(QStringLiteral(", "))));
    const model::DecisionOutcome o =
        model::adjudicateItem(store, item, label.toLongLong(), p.value(QStringLiteral("note")), p.value(QStringLiteral("uuid")));
    if (json)
        out(QByteArray::fromStdString(Json{{"id", o.id}, {"duplicate", o.duplicate}}.dump()) + '\n');
    return kOk;
}

} // namespace chorus::cli
