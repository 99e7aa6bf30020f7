// chorus-cli import / info / export, and the shared --project/--input handling.

#include "cli.h"
#include "cli_options.h"

#include "methods.h"
#include "reviewercrowd.h"

#include "importtarget.h"

#include "llmrunner.h"

#include "csvlayout.h"
#include "exporter.h"
#include "importer.h"

#include <QFile>
#include <QFileInfo>

#include <nlohmann/json.hpp>

namespace chorus::cli {

namespace {

model::ImportOptions importOptions(const QCommandLineParser& p)
{
    model::ImportOptions o;
    o.format = p.value(QStringLiteral("format"));
    o.goldFile = p.value(QStringLiteral("gold"));
    o.labelMapFile = p.value(QStringLiteral("label-map"));
    o.itemsFile = p.value(QStringLiteral("items"));
    if (p.isSet(QStringLiteral("delimiter"))) {
        const auto d = model::delimiterFromName(p.value(QStringLiteral("delimiter")));
        if (!d)
            throw UsageError{QStringLiteral("--delimiter takes comma, semicolon, tab or one character (not a quote)")};
        o.delimiter = *d;
    }
    if (p.isSet(QStringLiteral("labels")))
        o.labels = p.value(QStringLiteral("labels")).split(QLatin1Char(','), Qt::SkipEmptyParts);
    if (p.isSet(QStringLiteral("kind"))) {
        bool ok = false;
        o.kind = model::kindFromName(p.value(QStringLiteral("kind")), &ok);
        if (!ok)
            throw UsageError{QStringLiteral("--kind must be llm, human or reviewer")};
    }
    return o;
}

void addImportOptions(QCommandLineParser& parser)
{
    parser.addOptions({
        {QStringLiteral("format"), QStringLiteral("Input format: %1 (default: detected).")
                                       .arg(model::importFormats().join(QStringLiteral(", "))),
         QStringLiteral("F")},
        {QStringLiteral("gold"), QStringLiteral("Gold labels, CSV item,label."), QStringLiteral("FILE")},
        {QStringLiteral("label-map"), QStringLiteral("Raw-to-label map, CSV raw,label."), QStringLiteral("FILE")},
        {QStringLiteral("labels"), QStringLiteral("Fix (close) the label set: comma-separated, in order."),
         QStringLiteral("LIST")},
        {QStringLiteral("kind"), QStringLiteral("Kind of new annotators: llm (default), human, reviewer."),
         QStringLiteral("K")},
        {QStringLiteral("delimiter"),
         QStringLiteral("Delimiter of the CSV files: comma, semicolon, tab or one character (default: detected)."),
         QStringLiteral("D")},
        {QStringLiteral("items"),
         QStringLiteral("Texts and metadata of the file's items: CSV id,text,... or JSON lines with id, text."),
         QStringLiteral("FILE")},
    });
}

QString reportText(const model::ImportReport& r)
{
    QString format = r.format;
    if (!r.delimiter.isEmpty())
        format += QStringLiteral(", %1-separated").arg(r.delimiter);
    if (!r.encoding.isEmpty() && r.encoding != QLatin1String("UTF-8"))
        format += QStringLiteral(", ") + r.encoding;
    QString t = QStringLiteral("format %1: %2 new items, %3 annotations, %4 gold labels, %5 items with human counts, "
                               "%6 s")
                    .arg(format)
                    .arg(r.itemsAdded)
                    .arg(r.annotations)
                    .arg(r.gold)
                    .arg(r.humanCounts)
                    .arg(r.seconds, 0, 'f', 2);
    if (r.invalid > 0) {
        QStringList per;
        for (auto it = r.invalidByAnnotator.cbegin(); it != r.invalidByAnnotator.cend(); ++it)
            per << QStringLiteral("%1: %2").arg(it.key()).arg(it.value());
        t += QStringLiteral("\n%1 annotations could not be mapped to the label set and are stored as INVALID "
                            "(%2)")
                 .arg(r.invalid)
                 .arg(per.join(QStringLiteral(", ")));
    }
    if (!r.newLabels.isEmpty())
        t += QStringLiteral("\nnew labels: ") + r.newLabels.join(QStringLiteral(", "));
    if (!r.newAnnotators.isEmpty())
        t += QStringLiteral("\nnew annotators: %1").arg(r.newAnnotators.size());
    if (!r.metadataColumns.isEmpty())
        t += QStringLiteral("\nitem metadata from columns: ") + r.metadataColumns.join(QStringLiteral(", "));
    if (r.itemTexts > 0)
        t += QStringLiteral("\ntexts and metadata from the items file: %1 items").arg(r.itemTexts);
    for (const QString& i : r.ignored)
        t += QStringLiteral("\nignored: ") + i;
    return t;
}

} // namespace

QStringList methodNameList()
{
    QStringList names;
    for (const auto& m : agg::methodNames())
        names << QString::fromStdString(m);
    return names;
}

void addSourceOptions(QCommandLineParser& parser)
{
    parser.addOptions({
        {QStringLiteral("project"), QStringLiteral("Project file (.chorus)."), QStringLiteral("PROJECT")},
        {QStringLiteral("input"), QStringLiteral("Any importable data file, loaded into memory."),
         QStringLiteral("FILE")},
        {QStringLiteral("reviewers"), QStringLiteral("Team projects: analyse the human reviewers' labels instead of "
                                                     "the annotators' (docs/team.md).")},
        {QStringLiteral("with-reviewers"), QStringLiteral("Team projects: the human reviewers as annotators next to "
                                                          "the project's.")},
        {QStringLiteral("truth"), QStringLiteral("What scores are computed against: gold (the project's gold "
                                                 "labels, the default) or adjudicated (the adjudicators' final labels)."),
         QStringLiteral("gold|adjudicated")},
    });
    addImportOptions(parser);
}

namespace {

// --reviewers / --with-reviewers / --truth adjudicated: the team's reviews as annotations, the
// adjudications as the truth (model/team/reviewercrowd.h). Returns whether reviewers were added.
bool addTeamViews(const QCommandLineParser& p, model::ProjectStore& store, model::Snapshot& snapshot)
{
    const bool only = p.isSet(QStringLiteral("reviewers")), with = p.isSet(QStringLiteral("with-reviewers"));
    const QString truth = p.value(QStringLiteral("truth"));
    if (only && with)
        throw UsageError{QStringLiteral("give one of --reviewers and --with-reviewers")};
    if (!truth.isEmpty() && truth != QLatin1String("gold") && truth != QLatin1String("adjudicated"))
        throw UsageError{QStringLiteral("--truth takes gold or adjudicated")};
    if (!only && !with && truth != QLatin1String("adjudicated"))
        return false;
    const model::ReviewState state = model::reviewState(store);
    if (only || with) {
        const int n = model::addReviewers(snapshot, state,
                                          only ? model::ReviewerCrowd::Only : model::ReviewerCrowd::WithAnnotators);
        if (n == 0)
            throw model::Error(QStringLiteral("%1: no reviewer has decided an item yet").arg(store.path()));
    }
    if (truth == QLatin1String("adjudicated"))
        err(QStringLiteral("truth: the adjudicated labels of %1 items").arg(model::useAdjudicatedAsGold(snapshot, state)));
    return only || with;
}

} // namespace

Source openSource(const QCommandLineParser& p)
{
    const bool hasProject = p.isSet(QStringLiteral("project")), hasInput = p.isSet(QStringLiteral("input"));
    if (hasProject == hasInput)
        throw UsageError{QStringLiteral("give exactly one of --project PROJECT and --input FILE")};
    Source source;
    if (hasProject) {
        source.m_store = std::make_unique<model::ProjectStore>();
        source.m_store->open(p.value(QStringLiteral("project")));
        source.snapshot = model::loadSnapshot(*source.m_store);
        source.m_reviewers = addTeamViews(p, *source.m_store, source.snapshot);
    } else {
        if (p.isSet(QStringLiteral("reviewers")) || p.isSet(QStringLiteral("with-reviewers")) || p.isSet(QStringLiteral("truth")))
            throw UsageError{QStringLiteral("--reviewers, --with-reviewers and --truth need --project (a team project)")};
        model::FileData data = model::readFileData(p.value(QStringLiteral("input")), importOptions(p));
        source.snapshot = std::move(data.snapshot);
        source.m_rows = std::move(data.rows);
    }
    return source;
}

model::ProjectStore& Source::project(const QString& what)
{
    if (!m_store)
        throw UsageError{QStringLiteral("%1 needs --project: a file read with --input has no saved runs").arg(what)};
    return *m_store;
}

model::ProbabilityTable Source::probabilities(int32_t annotator)
{
    if (m_store)
        return model::loadAnnotatorProbabilities(*m_store, snapshot, annotator);
    return m_rows->probabilities(snapshot, annotator);
}

int cmdImport(const QStringList& args)
{
    QCommandLineParser p;
    addImportOptions(p);
    const QStringList pos = parsePositionals(p, args, {opt::json(QStringLiteral("Print the import report as JSON."))},
                                             {{QStringLiteral("PROJECT"), QStringLiteral("Project file; created if missing.")},
                                              {QStringLiteral("FILE"), QStringLiteral("Data file to import.")}},
                                             QStringLiteral("chorus-cli import PROJECT FILE [options]"));
    const QString project = pos[0], file = pos[1];
    const auto options = importOptions(p);
    if (!options.format.isEmpty() && !model::importFormats().contains(options.format))
        throw UsageError{QStringLiteral("unknown format \"%1\" (known: %2)")
                             .arg(options.format, model::importFormats().join(QStringLiteral(", ")))};
    if (!QFileInfo::exists(file))
        throw model::Error(QStringLiteral("%1: no such file").arg(file));
    // A project created by this command is removed again when the import fails, so that a
    // failed import leaves the disk exactly as it was.
    const bool created = !model::ProjectStore::projectExists(project);
    model::ProjectStore store;
    store.open(project, model::ProjectStore::Mode::CreateOrOpen);
    model::ImportReport r;
    try {
        r = model::importFile(store, file, options);
    } catch (...) {
        if (created) {
            store.close();
            model::ProjectStore::removeProject(project);
        }
        throw;
    }
    if (p.isSet(QStringLiteral("json"))) {
        nlohmann::ordered_json j;
        j["format"] = r.format.toStdString();
        j["items_added"] = r.itemsAdded;
        j["annotations"] = r.annotations;
        j["invalid"] = r.invalid;
        nlohmann::ordered_json inv = nlohmann::ordered_json::object();
        for (auto it = r.invalidByAnnotator.cbegin(); it != r.invalidByAnnotator.cend(); ++it)
            inv[it.key().toStdString()] = it.value();
        j["invalid_by_annotator"] = inv;
        j["gold"] = r.gold;
        j["human_counts"] = r.humanCounts;
        if (!r.delimiter.isEmpty())
            j["delimiter"] = r.delimiter.toStdString();
        j["encoding"] = r.encoding.toStdString();
        auto strings = [](const QStringList& l) {
            nlohmann::ordered_json a = nlohmann::ordered_json::array();
            for (const QString& s : l)
                a.push_back(s.toStdString());
            return a;
        };
        j["metadata_columns"] = strings(r.metadataColumns);
        j["item_texts"] = r.itemTexts;
        j["ignored"] = strings(r.ignored);
        j["seconds"] = r.seconds;
        out(QByteArray::fromStdString(j.dump(2)) + '\n');
    } else {
        err(QStringLiteral("%1: %2").arg(project, reportText(r)));
    }
    return kOk;
}

int cmdInfo(const QStringList& args)
{
    QCommandLineParser p;
    const QStringList pos = parsePositionals(p, args, {opt::json(QStringLiteral("Print JSON."))},
                                             {{QStringLiteral("PROJECT"), QStringLiteral("Project file.")}},
                                             QStringLiteral("chorus-cli info PROJECT [--json]"));
    model::ProjectStore store;
    store.open(pos[0]);
    const auto i = store.info();
    nlohmann::ordered_json j;
    j["schema_version"] = i.schemaVersion;
    j["items"] = i.items;
    j["annotators"] = i.annotators;
    j["labels"] = i.labels;
    j["annotations"] = i.annotations;
    j["invalid_annotations"] = i.invalidAnnotations;
    j["gold"] = i.gold;
    j["items_with_human_counts"] = i.itemsWithHumanCounts;
    j["decisions"] = i.decisions;
    // Items by current status (their latest decision's); the three add up to "items".
    // reviewed_items counts status "reviewed" only (it included flagged items before).
    j["reviewed_items"] = i.reviewedItems;
    j["flagged_items"] = i.flaggedItems;
    j["unreviewed_items"] = i.unreviewedItems;
    j["runs"] = i.runs;
    nlohmann::json labels = nlohmann::json::array(), anns = nlohmann::json::array();
    for (const QString& l : i.labelNames)
        labels.push_back(l.toStdString());
    for (const QString& a : i.annotatorNames)
        anns.push_back(a.toStdString());
    j["label_set"] = labels;
    j["annotator_names"] = anns;
    // What the LLM connector stored (docs/llm.md): answers, tokens, cost, order-bias check.
    nlohmann::json llm = nlohmann::json::array();
    for (const auto& s : model::llmSummaries(store))
        llm.push_back({{"name", s.name.toStdString()},
                       {"model", s.model.toStdString()},
                       {"answers", s.answers},
                       {"invalid", s.invalid},
                       {"prompt_tokens", s.promptTokens},
                       {"completion_tokens", s.completionTokens},
                       {"cost", s.cost},
                       {"order_pairs", s.orderPairs},
                       {"order_dependent", s.orderDependent}});
    if (!llm.empty())
        j["llm_annotators"] = llm;
    if (p.isSet(QStringLiteral("json"))) {
        out(QByteArray::fromStdString(j.dump(2)) + '\n');
    } else {
        QString t;
        for (const auto& [k, v] : j.items())
            t += QString::fromStdString(k) + QStringLiteral(": ") + QString::fromStdString(v.dump()) + QLatin1Char('\n');
        out(t.toUtf8());
    }
    return kOk;
}

int cmdExport(const QStringList& args)
{
    QCommandLineParser p;
    const QList<QCommandLineOption> options{
        {QStringLiteral("format"), QStringLiteral("jsonl, csv, long-csv or wide-csv (default: from extension)."),
         QStringLiteral("F")},
        {QStringLiteral("run"), QStringLiteral("Aggregation run for consensus labels (default: latest; mv if none)."),
         QStringLiteral("ID")},
        {QStringLiteral("reviewed-only"),
         QStringLiteral("Only items whose current status is reviewed or flagged (add --exclude-flagged for "
                        "reviewed only).")},
        {QStringLiteral("min-confidence"), QStringLiteral("Only items whose final label has confidence >= T."),
         QStringLiteral("T")},
        {QStringLiteral("exclude-flagged"), QStringLiteral("Leave out flagged items.")},
        {QStringLiteral("exclude-invalid"), QStringLiteral("Leave out items without a valid final label.")},
        {QStringLiteral("soft"),
         QStringLiteral("Add a soft label: posterior, calibrated (the posterior after temperature scaling fitted "
                        "on the selection gold) or human."),
         QStringLiteral("S")},
        opt::selectFraction(QStringLiteral("--soft calibrated: share of the gold items the temperature is fitted on "
                                           "(default 0.2, as chorus-cli calibration; 1 = all).")),
        opt::seed(QStringLiteral("--soft calibrated: seed of the gold split (default 0).")),
        {QStringLiteral("no-annotators"), QStringLiteral("Do not include every annotator's label.")},
        {QStringLiteral("history"),
         QStringLiteral("jsonl, csv: add each item's decision history (author, time, action, label, status, "
                        "note); csv holds it as a JSON array in a \"history\" column. The current note is "
                        "always written.")},
    };
    const QStringList pos = parsePositionals(p, args, options,
                                             {{QStringLiteral("PROJECT"), QStringLiteral("Project file.")},
                                              {QStringLiteral("OUT"), QStringLiteral("Output file.")}},
                                             QStringLiteral("chorus-cli export PROJECT OUT [options]"));
    model::ExportOptions o;
    o.format = p.value(QStringLiteral("format"));
    if (p.isSet(QStringLiteral("run")))
        o.runId = runOption(p);
    if (p.isSet(QStringLiteral("min-confidence")))
        o.minConfidence = numberOption(p, QStringLiteral("min-confidence"));
    o.reviewedOnly = p.isSet(QStringLiteral("reviewed-only"));
    o.excludeFlagged = p.isSet(QStringLiteral("exclude-flagged"));
    o.excludeInvalid = p.isSet(QStringLiteral("exclude-invalid"));
    o.soft = p.value(QStringLiteral("soft"));
    if (p.isSet(QStringLiteral("select-fraction")) || p.isSet(QStringLiteral("seed"))) {
        if (o.soft != QLatin1String("calibrated"))
            throw UsageError{QStringLiteral("--select-fraction and --seed go with --soft calibrated")};
        o.calibrationFraction = numberOption(p, QStringLiteral("select-fraction"), NumberRange::share());
        o.calibrationSeed = seedOption(p);
    }
    o.annotatorLabels = !p.isSet(QStringLiteral("no-annotators"));
    o.history = p.isSet(QStringLiteral("history"));
    model::ProjectStore store;
    store.open(pos[0]);
    const auto r = model::exportProject(store, pos[1], o);
    err(QStringLiteral("%1: %2 items written (%3 filtered out), format %4, consensus from %5")
            .arg(pos[1])
            .arg(r.items)
            .arg(r.skipped)
            .arg(r.format, r.consensus));
    if (o.soft == QLatin1String("calibrated"))
        err(QStringLiteral("soft labels calibrated by temperature scaling: T = %1, fitted on %2 gold items")
                .arg(r.temperature, 0, 'g', 6)
                .arg(r.calibrationItems));
    return kOk;
}

} // namespace chorus::cli
