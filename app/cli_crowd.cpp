// chorus-cli crowd: which annotators to keep and pay for, and with which method
// (aggregation/crowd.h; docs/crowd.md).

#include "cli_format.h"
#include "cli_options.h"

#include "crowd.h"
#include "crowdjobs.h"
#include "llmrunner.h"
#include "methods.h"

#include <QElapsedTimer>

#include <algorithm>

namespace chorus::cli {

namespace {

using model::CostSource;
using model::costSourceName;
using Costs = model::AnnotatorCosts;

// --costs FILE: "annotator,cost_per_item" rows (header optional); every annotator it names
// must exist, costs must be finite and >= 0.
void readCostsFile(const QString& file, const model::Snapshot& s, Costs& c)
{
    for (const auto& [a, v] : readAnnotatorNumbers(file, s, QStringLiteral("cost_per_item"), QStringLiteral("cost"))) {
        c.perItem[static_cast<size_t>(a)] = v;
        c.source[static_cast<size_t>(a)] = CostSource::File;
    }
}

// Per annotator: --costs, else the project's cost_per_item, else what its LLM runs recorded
// (total cost / items it labelled), else 1 and "unknown" (model::annotatorCosts).
Costs annotatorCosts(const QCommandLineParser& p, Source& source)
{
    const model::Snapshot& s = source.snapshot;
    Costs c = model::annotatorCosts(s, source.isProject() ? model::llmSummaries(source.project(QString()))
                                                          : QList<model::LlmAnnotatorSummary>());
    if (p.isSet(QStringLiteral("costs")))
        readCostsFile(p.value(QStringLiteral("costs")), s, c);
    return c;
}

QList<QCommandLineOption> crowdOptions(const QStringList& known)
{
    return {
        opt::methods(QStringLiteral("Methods to search, comma-separated (default %1; known: %2).")
                         .arg(opt::kDefaultMethods, known.join(QLatin1Char(','))),
                     opt::kDefaultMethods),
        opt::selectFraction(
            QStringLiteral("Share of the gold items used for choosing; the rest is the holdout (default 0.2).")),
        opt::seed(QStringLiteral("Seed of the split, the methods and the curve's samples.")),
        {QStringLiteral("costs"), QStringLiteral("CSV annotator,cost_per_item (overrides the project's costs)."),
         QStringLiteral("FILE")},
        {QStringLiteral("max-cost"), QStringLiteral("The recommended crowd costs at most C per item."),
         QStringLiteral("C")},
        {QStringLiteral("max-cost-share"),
         QStringLiteral("The recommended crowd costs at most this share of the full crowd's cost (e.g. 0.5)."),
         QStringLiteral("S")},
        {QStringLiteral("no-gold"),
         QStringLiteral("Search without gold: crowds scored by estimated accuracy (gold, if any, is only reported).")},
        {QStringLiteral("reference"),
         QStringLiteral("Method whose full-crowd posterior gives the estimated accuracies (default ds if searched)."),
         QStringLiteral("M")},
        {QStringLiteral("curve-samples"),
         QStringLiteral("Crowd-size curve: random crowds per size when there are more subsets (default 200; 0 = "
                        "no curve)."),
         QStringLiteral("N"), QStringLiteral("200")},
        {QStringLiteral("max-exhaustive"),
         QStringLiteral("Vote methods try every subset up to this many annotators (default 14)."), QStringLiteral("N"),
         QStringLiteral("14")},
        opt::param(QStringLiteral("Method parameter key=value for every method that takes it (repeatable).")),
        {QStringLiteral("quiet"), QStringLiteral("No progress lines on stderr.")},
        opt::json(),
    };
}

Json scoreJson(const agg::SliceScore& s)
{
    return {{"macro_f1", num(s.macroF1)}, {"accuracy", num(s.accuracy)}};
}

Json crowdJson(const agg::CrowdCandidate& c, const agg::CrowdOptions& o, const model::Snapshot& s)
{
    Json members = Json::array();
    for (int32_t a : c.members)
        members.push_back(s.annotators[a].toStdString());
    return {{"annotators", members},
            {"method", c.method >= 0 ? Json(o.methods[static_cast<size_t>(c.method)]) : Json("none (own labels)")},
            {"cost_per_item", c.cost},
            {"selection", scoreJson(c.selection)},
            {"holdout", scoreJson(c.holdout)},
            {"estimated_accuracy", num(c.estimatedAccuracy)}};
}

Json coJson(const agg::CoOccurrence& c)
{
    return {{"items", c.items},        {"rate_a", num(c.rateA)}, {"rate_b", num(c.rateB)},
            {"joint", num(c.joint)},   {"independent", num(c.rateA * c.rateB)},
            {"ratio", num(c.ratio)},   {"kappa", num(c.kappa)}};
}

struct Designed
{
    const model::Snapshot& s;
    const agg::CrowdOptions& o;
    const agg::CrowdDesign& d;
    const Costs& costs;
};

Json designJson(const Designed& e)
{
    const model::Snapshot& s = e.s;
    const agg::CrowdDesign& d = e.d;
    const agg::CrowdOptions& o = e.o;
    Json j;
    j["mode"] = d.withGold ? "gold" : "estimate";
    j["scoring"] = d.withGold ? "crowds are chosen by macro-F1 on the selection slice of the gold items; holdout figures are "
                                "reported only"
                              : "no gold used for choosing: crowds are chosen by estimated accuracy, the expected accuracy of "
                                "their labels under the full crowd's posterior with the reference method (an estimate, "
                                "not a measurement)";
    j["reference"] = d.reference;
    j["gold_items"] = d.split.selection.size() + d.split.holdout.size();
    j["selection_items"] = d.split.selection.size();
    j["select_fraction"] = o.selectFraction;
    j["seed"] = o.seed;
    j["controls"] = "not used: the selection gold only scores the crowds";
    j["max_cost"] = num(o.maxCost);
    Json unknown = Json::array();
    for (qsizetype a = 0; a < s.annotators.size(); ++a)
        if (e.costs.source[static_cast<size_t>(a)] == CostSource::Unknown)
            unknown.push_back(s.annotators[a].toStdString());
    j["unknown_costs"] = unknown;
    if (!unknown.empty())
        j["cost_note"] = "annotators without a known cost count 1 per item (give --costs FILE)";
    Json methods = Json::array();
    for (const agg::MethodSearchInfo& m : d.methods) {
        Json row{{"method", m.method}, {"search", m.search}, {"crowds_run", m.evaluated}, {"crowds_refused", m.failed}};
        if (!m.error.empty())
            row["error"] = m.error;
        methods.push_back(row);
    }
    j["methods"] = methods;
    Json anns = Json::array();
    for (size_t a = 0; a < d.annotators.size(); ++a) {
        const agg::AnnotatorProfile& p = d.annotators[a];
        Json competence = Json::object();
        for (size_t m = 0; m < o.methods.size(); ++m)
            competence[o.methods[m]] = num(p.competence[m]);
        anns.push_back({{"annotator", s.annotators[static_cast<qsizetype>(a)].toStdString()},
                        {"cost_per_item", e.costs.perItem[a]},
                        {"cost_source", costSourceName(e.costs.source[a])},
                        {"answered", p.answered},
                        {"invalid", p.invalid},
                        {"invalid_rate", num(p.invalidRate)},
                        {"selection", scoreJson(p.selection)},
                        {"holdout", scoreJson(p.holdout)},
                        {"competence", competence}});
    }
    j["annotators"] = anns;
    Json pairs = Json::array();
    for (const agg::PairRedundancy& r : d.pairs)
        pairs.push_back({{"a", s.annotators[r.a].toStdString()},
                         {"b", s.annotators[r.b].toStdString()},
                         {"gold_errors", coJson(r.gold)},
                         {"consensus_deviations", coJson(r.consensus)}});
    j["redundancy"] = pairs;
    Json front = Json::array();
    for (int32_t c : d.pareto)
        front.push_back(crowdJson(d.candidates[static_cast<size_t>(c)], o, s));
    j["pareto"] = front;
    j["recommended"] = d.recommended >= 0 ? crowdJson(d.candidates[static_cast<size_t>(d.recommended)], o, s) : Json();
    Json full = Json::array();
    for (size_t m = 0; m < o.methods.size(); ++m)
        full.push_back(d.fullCrowd[m] >= 0 ? crowdJson(d.candidates[static_cast<size_t>(d.fullCrowd[m])], o, s)
                                           : Json{{"method", o.methods[m]}, {"error", d.methods[m].error}});
    j["full_crowd"] = full;
    j["best_single"] = d.bestSingleAnnotator >= 0 ? crowdJson(d.bestSingle, o, s) : Json();
    Json curves = Json::object();
    for (const agg::MethodSearchInfo& m : d.methods) {
        Json points = Json::array();
        for (const agg::CrowdCurvePoint& p : m.curve)
            points.push_back({{"size", p.size},
                              {"crowds", p.crowds},
                              {"subsets", p.exhaustive ? "all" : "random"},
                              {"mean_macro_f1", num(p.meanMacroF1)},
                              {"best_macro_f1", num(p.bestMacroF1)},
                              {"mean_accuracy", num(p.meanAccuracy)},
                              {"best_accuracy", num(p.bestAccuracy)},
                              {"mean_estimated_accuracy", num(p.meanEstimate)}});
        curves[m.method] = points;
    }
    j["curve"] = curves;
    j["curve_scores"] = "holdout figures of the crowds of each size";
    Json holdout = Json::array();
    for (int32_t i : d.split.holdout)
        holdout.push_back(s.itemExtIds[i].toStdString());
    j["holdout_items"] = holdout;
    return j;
}

void writeDesignJson(const Designed& e)
{
    out(QByteArray::fromStdString(designJson(e).dump(2)) + '\n');
}

QString crowdText(const agg::CrowdCandidate& c, const agg::CrowdOptions& o, const model::Snapshot& s)
{
    QStringList members;
    for (int32_t a : c.members)
        members << s.annotators[a];
    return QStringList{c.method >= 0 ? QString::fromStdString(o.methods[static_cast<size_t>(c.method)]) : QStringLiteral("-"),
                       fixed(c.cost, 4),
                       fixed(c.selection.macroF1, 4),
                       fixed(c.holdout.macroF1, 4),
                       fixed(c.holdout.accuracy, 4),
                       fixed(c.estimatedAccuracy, 4),
                       members.join(QLatin1Char(','))}
        .join(QLatin1Char('\t'));
}

void writeDesignText(const Designed& e)
{
    const agg::CrowdDesign& d = e.d;
    const agg::CrowdOptions& o = e.o;
    const model::Snapshot& s = e.s;
    QString t;
    t += d.withGold ? QStringLiteral("# chosen by macro-F1 on %1 selection gold items; %2 holdout items (reported only)\n")
                          .arg(d.split.selection.size())
                          .arg(d.split.holdout.size())
                    : QStringLiteral("# no gold used for choosing: scored by ESTIMATED accuracy under the full crowd's %1 "
                                     "posterior (an estimate)\n")
                          .arg(QString::fromStdString(d.reference));
    if (e.costs.anyUnknown())
        t += QStringLiteral("# some annotators have no known cost: they count 1 per item (--costs FILE)\n");
    t += QStringLiteral("annotator\tcost\tcost_source\tinvalid_rate\tselection_macro_f1\tholdout_macro_f1\n");
    for (size_t a = 0; a < d.annotators.size(); ++a)
        t += QStringList{s.annotators[static_cast<qsizetype>(a)], fixed(e.costs.perItem[a], 4),
                         QString::fromLatin1(costSourceName(e.costs.source[a])), fixed(d.annotators[a].invalidRate, 4),
                         fixed(d.annotators[a].selection.macroF1, 4), fixed(d.annotators[a].holdout.macroF1, 4)}
                 .join(QLatin1Char('\t'))
             + QLatin1Char('\n');
    t += QStringLiteral("\nkind\tmethod\tcost\tselection_macro_f1\tholdout_macro_f1\tholdout_accuracy\testimated_accuracy\tannotators\n");
    if (d.recommended >= 0)
        t += QStringLiteral("recommended\t") + crowdText(d.candidates[static_cast<size_t>(d.recommended)], o, s) + QLatin1Char('\n');
    for (size_t m = 0; m < o.methods.size(); ++m)
        if (d.fullCrowd[m] >= 0)
            t += QStringLiteral("full\t") + crowdText(d.candidates[static_cast<size_t>(d.fullCrowd[m])], o, s) + QLatin1Char('\n');
    if (d.bestSingleAnnotator >= 0)
        t += QStringLiteral("single\t") + crowdText(d.bestSingle, o, s) + QLatin1Char('\n');
    for (int32_t c : d.pareto)
        t += QStringLiteral("pareto\t") + crowdText(d.candidates[static_cast<size_t>(c)], o, s) + QLatin1Char('\n');
    for (const agg::MethodSearchInfo& m : d.methods)
        if (!m.error.empty())
            t += QStringLiteral("# %1 left out: %2\n").arg(QString::fromStdString(m.method), QString::fromStdString(m.error));
    out(t.toUtf8());
}

} // namespace

int cmdCrowd(const QStringList& args)
{
    QCommandLineParser p;
    const QStringList known = methodNameList();
    parseSourceCommand(p, args, crowdOptions(known),
                       QStringLiteral("chorus-cli crowd (--project P | --input FILE) [--gold FILE] [--methods mv,ds,...] "
                                      "[--select-fraction 0.2] [--seed N] [--costs FILE] [--max-cost C] [--json]"));
    rejectPositionals(p);

    agg::CrowdOptions o;
    o.methods.clear();
    for (const std::string& m : parseMethods(p.value(QStringLiteral("methods")), known))
        if (std::find(o.methods.begin(), o.methods.end(), m) == o.methods.end())
            o.methods.push_back(m);
    if (o.methods.empty())
        throw UsageError{QStringLiteral("--methods names no method")};
    o.selectFraction = numberOption(p, QStringLiteral("select-fraction"), NumberRange::share());
    o.seed = seedOption(p);
    o.curveSamples = intOption(p, QStringLiteral("curve-samples"), 0);
    o.maxExhaustive = intOption(p, QStringLiteral("max-exhaustive"), 0, 20);
    o.ignoreGold = p.isSet(QStringLiteral("no-gold"));
    if (p.isSet(QStringLiteral("reference"))) {
        o.reference = p.value(QStringLiteral("reference")).toStdString();
        if (std::find(o.methods.begin(), o.methods.end(), o.reference) == o.methods.end())
            throw UsageError{QStringLiteral("--reference must be one of --methods")};
    }
    agg::AggregationInput paramsOnly;
    readMethodParams(p, paramsOnly);
    o.params = paramsOnly.params;
    if (p.isSet(QStringLiteral("max-cost")) && p.isSet(QStringLiteral("max-cost-share")))
        throw UsageError{QStringLiteral("give at most one of --max-cost and --max-cost-share")};

    Source source = openSource(p);
    const model::Snapshot& s = source.snapshot;
    const std::vector<int32_t> gold = goldOption(p, s);
    if (s.annotators.isEmpty())
        throw model::Error(QStringLiteral("no annotator to choose from"));
    const Costs costs = annotatorCosts(p, source);
    o.costs = costs.perItem;
    if (p.isSet(QStringLiteral("max-cost")))
        o.maxCost = numberOption(p, QStringLiteral("max-cost"), NumberRange::atLeast(0));
    if (p.isSet(QStringLiteral("max-cost-share"))) {
        double total = 0;
        for (double c : costs.perItem)
            total += c;
        o.maxCost = numberOption(p, QStringLiteral("max-cost-share"), NumberRange::above(0)) * total;
    }

    const bool quiet = p.isSet(QStringLiteral("quiet")) || p.isSet(QStringLiteral("json"));
    QElapsedTimer shown;
    shown.start();
    agg::RunHooks hooks;
    hooks.progress = [&](int done, int total) {
        if (!quiet && (shown.elapsed() >= 1000 || done == total)) {
            err(QStringLiteral("crowd: %1 of at most %2 crowds").arg(done).arg(total));
            shown.restart();
        }
    };
    const agg::CrowdDesign d = checked([&] { return agg::designCrowd(s.matrix, gold, o, hooks); });
    return printResult(p, Designed{s, o, d, costs}, writeDesignJson, writeDesignText);
}

} // namespace chorus::cli
