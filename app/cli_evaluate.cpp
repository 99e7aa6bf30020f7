// chorus-cli evaluate: every annotator and aggregation method against gold, through
// model/jobs/statsjobs.h's evaluationReport(), and the paired bootstrap of --compare.

#include "cli_format.h"
#include "cli_options.h"

#include "methods.h"
#include "statsjobs.h"

#include <algorithm>

namespace chorus::cli {

namespace {

Json evaluationJson(const agg::EvaluationResult& r, const QStringList& labels)
{
    Json j;
    j["items"] = r.items;
    j["answered"] = r.answered;
    j["valid"] = r.valid;
    j["correct"] = r.correct;
    j["accuracy"] = num(r.accuracy);
    j["macro_f1"] = num(r.macroF1);
    j["weighted_f1"] = num(r.weightedF1);
    j["macro_precision"] = num(r.macroPrecision);
    j["macro_recall"] = num(r.macroRecall);
    j["coverage"] = num(r.coverage);
    j["valid_coverage"] = num(r.validCoverage);
    Json perClass = Json::object();
    Json counts = Json::array();
    for (int32_t l = 0; l < r.numLabels; ++l) {
        const agg::ClassScores& c = r.perClass[l];
        perClass[labels[l].toStdString()] = {{"precision", c.precision}, {"recall", c.recall}, {"f1", c.f1},
                                             {"support", c.support}, {"predicted", c.predicted}};
        Json row = Json::array();
        for (int32_t k = 0; k <= r.numLabels; ++k)
            row.push_back(r.confusionAt(l, k));
        counts.push_back(row);
    }
    j["per_class"] = perClass;
    j["confusion"] = counts;
    return j;
}

// "method:M", "annotator:NAME" or a bare name (a method when it is one, else an annotator).
struct Compared
{
    bool method = false;
    QString name;
    QString label() const { return (method ? QStringLiteral("method:") : QStringLiteral("annotator:")) + name; }
};

Compared parseCompared(const QString& spec, const QStringList& methods, const QStringList& annotators)
{
    Compared c;
    if (spec.startsWith(QLatin1String("method:"))) {
        c = {true, spec.mid(7)};
    } else if (spec.startsWith(QLatin1String("annotator:"))) {
        c = {false, spec.mid(10)};
    } else {
        c = {methods.contains(spec), spec};
    }
    if (c.method && !methods.contains(c.name))
        throw UsageError{QStringLiteral("--compare: unknown method \"%1\"").arg(c.name)};
    if (!c.method && !annotators.contains(c.name))
        throw UsageError{QStringLiteral("--compare: \"%1\" is neither a method nor an annotator").arg(c.name)};
    return c;
}

// What cmdEvaluate computed, for its two writers.
struct Evaluated
{
    const model::Snapshot& s;
    const model::EvaluationRequest& req;
    const model::EvaluationReport& rep;
    const agg::BootstrapOptions& boot;
    bool compare = false;
    const Compared &ca, &cb;
    const agg::PairedBootstrapResult& pb;

    /// The best-ranked annotator's evaluation; nullptr when none was ranked.
    const model::PredictionEvaluation* best() const
    {
        return rep.bestAnnotator >= 0 ? &rep.annotators[rep.bestAnnotator] : nullptr;
    }
};

QList<QCommandLineOption> evaluateOptions(const QStringList& known)
{
    return {
        opt::methods(QStringLiteral("Aggregation methods to evaluate, comma-separated, or \"none\" (default: all: %1).")
                         .arg(known.join(QLatin1Char(',')))),
        {QStringLiteral("compare"),
         QStringLiteral("Paired bootstrap of macro-F1 between A and B (--compare A B); each a method or an "
                        "annotator, or method:M / annotator:NAME."),
         QStringLiteral("A")},
        opt::bootstrap(QStringLiteral("Replicates of the --compare bootstrap.")),
        opt::level(QStringLiteral("Confidence level of the --compare interval.")),
        opt::seed(QStringLiteral("Seed of the methods and of the bootstrap.")),
        opt::includeInvalid(QStringLiteral("Aggregate with INVALID as a label (an INVALID consensus counts as wrong); by "
                                           "default INVALID labels are excluded from aggregation.")),
        {QStringLiteral("macro-present"),
         QStringLiteral("Macro-average over the classes present in gold or predictions (default: all labels).")},
        {QStringLiteral("min-items"),
         QStringLiteral("Rank (best, mean) only annotators with at least N answered gold items (default 20)."),
         QStringLiteral("N"), QStringLiteral("20")},
        opt::json(),
    };
}

void writeEvaluateJson(const Evaluated& e)
{
    const model::Snapshot& s = e.s;
    const model::EvaluationReport& rep = e.rep;
    const model::PredictionEvaluation* best = e.best();
    const model::EvaluationRequest& req = e.req;
    const agg::BootstrapOptions& boot = e.boot;
    const bool compare = e.compare;
    const Compared &ca = e.ca, &cb = e.cb;
    const agg::PairedBootstrapResult& pb = e.pb;
    Json j;
    j["gold_items"] = rep.goldItems;
    Json labels = Json::array();
    for (const QString& l : s.labels)
        labels.push_back(l.toStdString());
    j["labels"] = labels;
    j["confusion_columns"] = [&] {
        Json c = labels;
        c.push_back(nullptr);  // no valid prediction (missing or INVALID)
        return c;
    }();
    j["macro_average"] = req.options.macroOver == agg::MacroAverage::AllLabels ? "all_labels" : "labels_present";
    j["aggregation_invalid"] = req.includeInvalid ? "included" : "excluded";
    Json anns = Json::array();
    for (size_t a = 0; a < rep.annotators.size(); ++a) {
        const auto& e = rep.annotators[a];
        Json row;
        row["annotator"] = s.annotators[static_cast<qsizetype>(a)].toStdString();
        row.update(evaluationJson(e.result, s.labels));
        row["ranked"] = e.result.answered >= rep.minItems && e.result.answered > 0;
        anns.push_back(row);
    }
    j["annotators"] = anns;
    Json methods = Json::array();
    for (const auto& m : rep.methods) {
        Json row;
        row["method"] = m.name;
        if (!m.error.empty()) {
            row["error"] = m.error;
        } else {
            row.update(evaluationJson(m.result, s.labels));
            row["competence_vs_accuracy"] = {{"spearman", coef(m.spearman.r)},
                                             {"pearson", coef(m.pearson.r)},
                                             {"n", m.spearman.n}};
            row["iterations"] = m.iterations;
            row["converged"] = m.converged;
            row["seconds"] = m.seconds;
        }
        methods.push_back(row);
    }
    j["methods"] = methods;
    j["annotator_scores"] = "over the gold items each annotator answered (INVALID is wrong, items it was "
                            "never given are left out); coverage = answered / gold_items";
    j["min_items"] = rep.minItems;
    j["best_annotator"] = best ? Json{{"annotator", s.annotators[rep.bestAnnotator].toStdString()},
                                         {"accuracy", num(best->result.accuracy)},
                                         {"macro_f1", num(best->result.macroF1)},
                                         {"items", best->result.items}}
                                  : Json();
    j["mean_annotator"] = {{"accuracy", num(rep.meanAnnotatorAccuracy)},
                           {"macro_f1", num(rep.meanAnnotatorMacroF1)},
                           {"annotators", rep.annotatorsRanked},
                           {"weighting", "unweighted mean over the annotators with at least min_items answered "
                                         "gold items"}};
    if (compare)
        j["compare"] = {{"a", ca.label().toStdString()},      {"b", cb.label().toStdString()},
                        {"macro_f1_a", num(pb.macroF1A)},     {"macro_f1_b", num(pb.macroF1B)},
                        {"difference", num(pb.difference)},   {"ci", intervalJson(pb.ci)},
                        {"p_value", num(pb.pValue)},          {"replicates", pb.replicates},
                        {"level", boot.level},                {"seed", boot.seed},
                        {"items", pb.items}};
    out(QByteArray::fromStdString(j.dump(2)) + '\n');
}

// Tab-separated, one row per annotator / method / summary: readable and easy to cut/awk.
void writeEvaluateText(const Evaluated& e)
{
    const model::Snapshot& s = e.s;
    const model::EvaluationReport& rep = e.rep;
    const model::PredictionEvaluation* best = e.best();
    const agg::BootstrapOptions& boot = e.boot;
    const bool compare = e.compare;
    const Compared &ca = e.ca, &cb = e.cb;
    const agg::PairedBootstrapResult& pb = e.pb;
    // Annotators are scored on the gold items they answered (items = that count).
    QString t = QStringLiteral("kind\tname\titems\taccuracy\tmacro_f1\tweighted_f1\tcoverage\tspearman\tpearson\n");
    auto row = [&](const QString& kind, const QString& name, const agg::EvaluationResult& r, const QString& rho,
                   const QString& pr) {
        t += QStringList{kind, name, QString::number(r.items), fixed(r.accuracy), fixed(r.macroF1), fixed(r.weightedF1), fixed(r.coverage), rho, pr}
                 .join(QLatin1Char('\t'))
             + QLatin1Char('\n');
    };
    for (size_t a = 0; a < rep.annotators.size(); ++a)
        row(QStringLiteral("annotator"), s.annotators[static_cast<qsizetype>(a)], rep.annotators[a].result,
            QStringLiteral("-"), QStringLiteral("-"));
    for (const auto& m : rep.methods)
        if (m.error.empty())
            row(QStringLiteral("method"), QString::fromStdString(m.name), m.result, fixed(m.spearman.r),
                fixed(m.pearson.r));
    if (best)
        row(QStringLiteral("best"), s.annotators[rep.bestAnnotator], best->result, QStringLiteral("-"),
            QStringLiteral("-"));
    t += QStringList{QStringLiteral("mean"), QStringLiteral("%1 annotators").arg(rep.annotatorsRanked),
                     QStringLiteral("-"), fixed(rep.meanAnnotatorAccuracy), fixed(rep.meanAnnotatorMacroF1),
                     QStringLiteral("-"), QStringLiteral("-"), QStringLiteral("-"), QStringLiteral("-")}
             .join(QLatin1Char('\t'))
         + QLatin1Char('\n');
    t += QStringLiteral("# annotators: scored on the gold items they answered; best and mean (unweighted) over the %1 "
                        "with at least %2 answered gold items (--min-items)\n")
             .arg(rep.annotatorsRanked)
             .arg(rep.minItems);
    if (compare)
        t += QStringLiteral("compare %1 vs %2: macro-F1 %3 - %4 = %5, %6% CI [%7, %8], p = %9 (%10 replicates)\n")
                 .arg(ca.label(), cb.label(), fixed(pb.macroF1A), fixed(pb.macroF1B), fixed(pb.difference))
                 .arg(boot.level * 100)
                 .arg(fixed(pb.ci.lo), fixed(pb.ci.hi), fixed(pb.pValue))
                 .arg(pb.replicates);
    out(t.toUtf8());
}

} // namespace

int cmdEvaluate(const QStringList& args)
{
    QCommandLineParser p;
    const QStringList known = methodNameList();
    p.addPositionalArgument(QStringLiteral("B"), QStringLiteral("Second side of --compare."), QStringLiteral("[B]"));
    parseSourceCommand(p, args, evaluateOptions(known),
                       QStringLiteral("chorus-cli evaluate (--project P | --input FILE) [--gold FILE] [options]"));

    model::EvaluationRequest req;
    if (!p.isSet(QStringLiteral("methods")))
        req.methods = agg::methodNames();
    else if (p.value(QStringLiteral("methods")) != QLatin1String("none"))
        req.methods = parseMethods(p.value(QStringLiteral("methods")), known);
    req.seed = seedOption(p);
    req.minItems = intOption(p, QStringLiteral("min-items"), 0);
    req.includeInvalid = p.isSet(QStringLiteral("include-invalid"));
    if (p.isSet(QStringLiteral("macro-present")))
        req.options.macroOver = agg::MacroAverage::LabelsPresent;
    agg::BootstrapOptions boot;
    boot.replicates = intOption(p, QStringLiteral("bootstrap"), 1);
    boot.level = levelOption(p);
    boot.seed = req.seed;
    const bool compare = p.isSet(QStringLiteral("compare"));
    if (compare != (p.positionalArguments().size() == 1) || p.positionalArguments().size() > 1)
        throw UsageError{compare ? QStringLiteral("--compare takes two names: --compare A B")
                                 : QStringLiteral("unexpected argument \"%1\"").arg(p.positionalArguments().value(0))};

    Source source = openSource(p);
    const model::Snapshot& s = source.snapshot;
    const std::vector<int32_t> gold = goldOption(p, s);
    if (std::none_of(gold.begin(), gold.end(), [](int32_t g) { return g >= 0; }))
        throw model::Error(QStringLiteral("no item has a gold label (import gold labels or give --gold FILE)"));

    Compared ca, cb;
    if (compare) {
        ca = parseCompared(p.value(QStringLiteral("compare")), known, s.annotators);
        cb = parseCompared(p.positionalArguments()[0], known, s.annotators);
        for (const Compared* c : {&ca, &cb})  // compared methods are evaluated too
            if (c->method && std::find(req.methods.begin(), req.methods.end(), c->name.toStdString()) == req.methods.end())
                req.methods.push_back(c->name.toStdString());
    }

    const model::EvaluationReport rep = model::evaluationReport(s.matrix, gold, req);
    for (const auto& m : rep.methods)
        if (!m.error.empty())
            err(QStringLiteral("chorus-cli evaluate: warning: %1 skipped: %2")
                    .arg(QString::fromStdString(m.name), QString::fromStdString(m.error)));

    auto predictionsOf = [&](const Compared& c) -> const model::PredictionEvaluation& {
        if (!c.method)
            return rep.annotators[s.annotators.indexOf(c.name)];
        for (const auto& m : rep.methods)
            if (m.name == c.name.toStdString()) {
                if (!m.error.empty())
                    throw model::Error(QStringLiteral("--compare: %1 failed: %2").arg(c.name, QString::fromStdString(m.error)));
                return m;
            }
        throw model::Error(QStringLiteral("--compare: %1 was not run").arg(c.name));
    };
    agg::PairedBootstrapResult pb;
    if (compare)
        pb = agg::pairedBootstrapMacroF1(predictionsOf(ca).predictions, predictionsOf(cb).predictions, gold,
                                         s.numLabels(), boot, req.options);
    return printResult(p, Evaluated{s, req, rep, boot, compare, ca, cb, pb}, writeEvaluateJson, writeEvaluateText);
}

} // namespace chorus::cli
