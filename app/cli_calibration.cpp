// chorus-cli calibration: how far to believe the methods' posteriors and the annotators'
// reported probabilities (aggregation/calibration.h; docs/crowd.md).

#include "cli_format.h"
#include "cli_options.h"

#include "calibration.h"
#include "crowd.h"
#include "crowdjobs.h"
#include "methods.h"

#include <algorithm>

namespace chorus::cli {

namespace {

Json binsJson(const std::vector<agg::ReliabilityBin>& bins)
{
    Json out = Json::array();
    for (const agg::ReliabilityBin& b : bins)
        out.push_back({{"lo", b.lo},
                       {"hi", b.hi},
                       {"count", b.count},
                       {"mean_confidence", num(b.meanConfidence)},
                       {"accuracy", num(b.accuracy)}});
    return out;
}

Json scoresJson(const agg::CalibrationScores& c)
{
    return {{"items", c.items},
            {"accuracy", num(c.accuracy)},
            {"mean_confidence", num(c.meanConfidence)},
            {"ece_equal_width", num(c.eceEqualWidth)},
            {"ece_equal_mass", num(c.eceEqualMass)},
            {"brier", num(c.brier)},
            {"brier_top_label", num(c.brierTopLabel)},
            {"nll", num(c.nll)},
            {"reliability", {{"equal_width", binsJson(c.equalWidth)}, {"equal_mass", binsJson(c.equalMass)}}}};
}

using Calibrated = model::CalibrationSource;

QList<QCommandLineOption> calibrationOptions()
{
    return {
        opt::methods(QStringLiteral("Methods whose posteriors are scored, comma-separated, or \"none\" (default %1).")
                         .arg(opt::kDefaultMethods),
                     opt::kDefaultMethods),
        {QStringLiteral("bins"), QStringLiteral("Reliability bins (default 10)."), QStringLiteral("B"), QStringLiteral("10")},
        {QStringLiteral("temperature"),
         QStringLiteral("Fit a temperature per source on the selection gold and score it on the holdout.")},
        opt::selectFraction(QStringLiteral("Share of the gold items the temperature is fitted on (0.2).")),
        opt::seed(QStringLiteral("Seed of the methods and of the split.")),
        opt::param(QStringLiteral("Method parameter key=value for every method (repeatable).")),
        opt::json(),
    };
}

// What cmdCalibration computed, for its two writers.
struct CalibrationOutcome
{
    const model::Snapshot& s;
    const model::CalibrationReport& report;
    size_t goldItems = 0;
    int bins = 0;
    bool scaled = false;  ///< --temperature
    QString note;         ///< why only the methods are scored, or empty
};

void writeCalibrationJson(const CalibrationOutcome& c)
{
    const agg::GoldSplit& split = c.report.split;
    Json j;
    j["gold_items"] = c.goldItems;
    j["bins"] = c.bins;
    j["confidence"] = "top label: the largest probability of an item's row; correct when its label is the gold";
    Json sources = Json::array();
    for (const Calibrated& source : c.report.sources) {
        Json row{{"kind", source.kind.toStdString()}, {"name", source.name.toStdString()}};
        row.update(scoresJson(source.all));
        if (c.scaled)
            row["temperature_scaling"] = {{"temperature", source.temperature},
                                          {"fitted_on_items", split.selection.size()},
                                          {"holdout_before", scoresJson(source.holdoutBefore)},
                                          {"holdout_after", scoresJson(source.holdoutAfter)}};
        sources.push_back(row);
    }
    j["sources"] = sources;
    j["annotators_with_probabilities"] = c.report.annotatorsWithProbabilities;
    if (!c.note.isEmpty())
        j["note"] = c.note.toStdString();
    Json methodErrors = Json::object();
    for (const auto& [m, why] : c.report.methodErrors)
        methodErrors[m.toStdString()] = why.toStdString();
    if (!methodErrors.empty())
        j["method_errors"] = methodErrors;
    if (c.scaled) {
        Json holdout = Json::array();
        for (int32_t i : split.holdout)
            holdout.push_back(c.s.itemExtIds[i].toStdString());
        j["holdout_items"] = holdout;
    }
    out(QByteArray::fromStdString(j.dump(2)) + '\n');
}

void writeCalibrationText(const CalibrationOutcome& outcome)
{
    const std::vector<Calibrated>& rows = outcome.report.sources;
    const bool scaled = outcome.scaled;
    const QString& note = outcome.note;
    QString t = QStringLiteral("kind\tname\titems\taccuracy\tmean_confidence\tece_width\tece_mass\tbrier\tbrier_top\tnll");
    if (scaled)
        t += QStringLiteral("\ttemperature\tholdout_ece_before\tholdout_ece_after\tholdout_nll_before\tholdout_nll_after");
    t += QLatin1Char('\n');
    for (const Calibrated& c : rows) {
        QStringList cells{c.kind, c.name, QString::number(c.all.items),
                          fixed(c.all.accuracy, 4), fixed(c.all.meanConfidence, 4), fixed(c.all.eceEqualWidth, 4),
                          fixed(c.all.eceEqualMass, 4), fixed(c.all.brier, 4), fixed(c.all.brierTopLabel, 4),
                          fixed(c.all.nll, 4)};
        if (scaled)
            cells << fixed(c.temperature, 4) << fixed(c.holdoutBefore.eceEqualWidth, 4)
                  << fixed(c.holdoutAfter.eceEqualWidth, 4) << fixed(c.holdoutBefore.nll, 4)
                  << fixed(c.holdoutAfter.nll, 4);
        t += cells.join(QLatin1Char('\t')) + QLatin1Char('\n');
    }
    if (!note.isEmpty())
        t += QStringLiteral("# ") + note + QLatin1Char('\n');
    out(t.toUtf8());
}

} // namespace

int cmdCalibration(const QStringList& args)
{
    QCommandLineParser p;
    const QStringList known = methodNameList();
    parseSourceCommand(p, args, calibrationOptions(),
                       QStringLiteral("chorus-cli calibration (--project P | --input FILE) [--gold FILE] [--bins 10] "
                                      "[--temperature] [--json]"));
    rejectPositionals(p);
    std::vector<std::string> methods;
    if (p.value(QStringLiteral("methods")) != QLatin1String("none"))
        methods = parseMethods(p.value(QStringLiteral("methods")), known);
    const int bins = intOption(p, QStringLiteral("bins"), 1);
    const uint64_t seed = seedOption(p);
    const double fraction = numberOption(p, QStringLiteral("select-fraction"), NumberRange::shareBelowOne());
    agg::AggregationInput in;
    readMethodParams(p, in);
    in.seed = seed;

    Source source = openSource(p);
    const model::Snapshot& s = source.snapshot;
    const std::vector<int32_t> gold = goldOption(p, s);
    const size_t goldItems = static_cast<size_t>(std::count_if(gold.begin(), gold.end(), [](int32_t g) { return g >= 0; }));
    if (goldItems == 0)
        throw model::Error(QStringLiteral("no item has a gold label (import gold labels or give --gold FILE)"));
    const bool scaled = p.isSet(QStringLiteral("temperature"));
    model::CalibrationRequest request;
    request.methods = methods;
    request.params = in.params;
    request.bins = bins;
    request.selectFraction = fraction;
    request.seed = seed;
    const model::CalibrationReport report =
        model::computeCalibration(s, gold, [&](int32_t a) { return source.probabilities(a); }, request);
    if (scaled && report.split.holdout.empty())
        throw model::Error(QStringLiteral("--temperature needs at least 2 gold items (a selection and a holdout)"));
    for (const auto& [m, why] : report.methodErrors)
        err(QStringLiteral("chorus-cli calibration: warning: %1 skipped: %2").arg(m, why));
    const QString note = report.annotatorsWithProbabilities == 0
        ? QStringLiteral("no annotator reported probabilities (LLM logprobs) in this input: only the methods' "
                         "posteriors are scored")
        : QString();

    return printResult(p, CalibrationOutcome{s, report, goldItems, bins, scaled, note}, writeCalibrationJson,
                       writeCalibrationText);
}

} // namespace chorus::cli
