// chorus-cli select and simulate: budgeted relabeling (aggregation/relabel.h).

#include "cli.h"
#include "cli_options.h"

#include "methods.h"
#include "relabel.h"
#include "runstore.h"
#include "snapshot.h"

#include <QSaveFile>

#include <nlohmann/json.hpp>

#include <cmath>

namespace chorus::cli {

namespace {

QList<QCommandLineOption> relabelOptions()
{
    return {
        {QStringLiteral("method"),
         QStringLiteral("Aggregate the cheap crowd with this method (%1).").arg(methodNameList().join(QStringLiteral(", "))),
         QStringLiteral("M")},
        {QStringLiteral("budget"), QStringLiteral("Money to spend, in the unit of --cost."), QStringLiteral("B")},
        {QStringLiteral("k"), QStringLiteral("Items per round (default 10)."), QStringLiteral("K"), QStringLiteral("10")},
        {QStringLiteral("cost"), QStringLiteral("Cost of relabeling one item (> 0)."), QStringLiteral("C")},
        {QStringLiteral("tokens"), QStringLiteral("Instead of --cost: tokens per item (with --price, --shots)."),
         QStringLiteral("T")},
        {QStringLiteral("price"), QStringLiteral("Price per token."), QStringLiteral("P")},
        {QStringLiteral("shots"), QStringLiteral("Prompts per item (default 1)."), QStringLiteral("N"), QStringLiteral("1")},
        {QStringLiteral("relabeler-accuracy"), QStringLiteral("Probability that the relabeler is right, in [0, 1]."),
         QStringLiteral("A")},
        opt::seed(QStringLiteral("Random seed (aggregation restarts, random strategy).")),
        opt::json(),
    };
}

struct Common
{
    double budget = 0, cost = 0;
    int32_t k = 10;
    uint64_t seed = 0;
};

Common readCommon(const QCommandLineParser& p)
{
    Common c;
    if (!p.isSet(QStringLiteral("budget")))
        throw UsageError{QStringLiteral("--budget is required")};
    c.budget = numberOption(p, QStringLiteral("budget"));
    if (p.isSet(QStringLiteral("cost")) == p.isSet(QStringLiteral("tokens")))
        throw UsageError{QStringLiteral("give --cost C, or --tokens T --price P [--shots N]")};
    if (p.isSet(QStringLiteral("cost"))) {
        c.cost = numberOption(p, QStringLiteral("cost"));
    } else {
        if (!p.isSet(QStringLiteral("price")))
            throw UsageError{QStringLiteral("--tokens needs --price")};
        const int shots = intOption(p, QStringLiteral("shots"));
        c.cost = checked([&] {
            return agg::relabelCost(numberOption(p, QStringLiteral("tokens")), numberOption(p, QStringLiteral("price")),
                                    shots);
        });
    }
    c.k = intOption(p, QStringLiteral("k"), 1);
    c.seed = seedOption(p);
    return c;
}

agg::AggregationResult aggregateCrowd(const QString& method, const agg::LabelMatrix& m, uint64_t seed)
{
    checkMethod(method, methodNameList());
    agg::AggregationInput in;
    in.matrix = &m;
    in.seed = seed;
    return checked([&] { return agg::aggregate(method.toStdString(), in); });
}

nlohmann::ordered_json posteriorJson(const model::Snapshot& s, const double* row)
{
    nlohmann::ordered_json post;
    for (int32_t l = 0; l < s.numLabels(); ++l)
        post[s.labels[l].toStdString()] = row[l];
    return post;
}

void writeExport(const QString& file, const model::Snapshot& s, const agg::Selection& sel)
{
    QSaveFile f(file);
    if (!f.open(QIODevice::WriteOnly))
        throw model::Error(QStringLiteral("%1: cannot write: %2").arg(file, f.errorString()));
    nlohmann::json labels = nlohmann::json::array();
    for (const QString& l : s.labels)
        labels.push_back(l.toStdString());
    for (const auto& pick : sel.picks) {
        nlohmann::ordered_json j;
        j["id"] = s.itemExtIds[pick.item].toStdString();
        j["text"] = s.itemTexts.value(pick.item).toStdString();
        j["labels"] = labels;
        f.write(QByteArray::fromStdString(j.dump()) + '\n');
    }
    if (!f.commit())
        throw model::Error(QStringLiteral("%1: cannot write: %2").arg(file, f.errorString()));
}

// The items select picked: JSON, or a line per item and a summary.
void writeSelection(const model::Snapshot& s, const agg::Selection& sel, const agg::SelectionInput& in, bool json)
{
    if (json) {
        nlohmann::ordered_json j;
        j["strategy"] = agg::relabelStrategyName(in.strategy);
        j["k"] = in.k;
        j["budget"] = in.budget;
        j["cost"] = in.relabelers[0].costPerItem;
        j["relabeler_accuracy"] = in.relabelers[0].accuracy;
        nlohmann::ordered_json items = nlohmann::ordered_json::array();
        for (const auto& pick : sel.picks) {
            nlohmann::ordered_json it;
            it["item"] = s.itemExtIds[pick.item].toStdString();
            it["posterior"] = posteriorJson(s, in.posterior->data() + static_cast<size_t>(pick.item) * s.numLabels());
            it["expected_gain"] = pick.gain;
            it["cumulative_cost"] = pick.cumulativeCost;
            items.push_back(it);
        }
        j["items"] = items;
        j["spent"] = sel.cost;
        j["expected_gain"] = sel.objective;
        out(QByteArray::fromStdString(j.dump(2)) + '\n');
        return;
    }
    QString t;
    for (const auto& pick : sel.picks)
        t += QStringLiteral("%1\t%2\t%3\n").arg(s.itemExtIds[pick.item]).arg(pick.gain, 0, 'f', 6).arg(pick.cumulativeCost);
    t += QStringLiteral("%1 items, cost %2 of %3, expected entropy gain %4 nats\n")
             .arg(sel.picks.size()).arg(sel.cost).arg(in.budget).arg(sel.objective, 0, 'f', 6);
    out(t.toUtf8());
}

// The relabeler of simulate: its answer per item (-1: none) and the crowd without it. "gold":
// the gold labels, the whole crowd; an annotator: its labels, the crowd without its column.
struct ExpensiveLabels
{
    std::vector<int32_t> answers;
    agg::LabelMatrix crowd;
};

ExpensiveLabels relabelerOf(const QString& name, const model::Snapshot& s, const std::vector<int32_t>& gold)
{
    if (name == QLatin1String("gold"))
        return {gold, s.matrix};
    const qsizetype a = s.annotators.indexOf(name);
    if (a < 0)
        throw model::Error(QStringLiteral("no annotator \"%1\" (annotators: %2)").arg(name, s.annotators.join(QStringLiteral(", "))));
    ExpensiveLabels r;
    r.answers.assign(s.numItems(), -1);
    for (int64_t e = s.matrix.annotatorBegin(a); e < s.matrix.annotatorEnd(a); ++e)
        r.answers[s.matrix.annotatorItem(e)] = std::max(-1, s.matrix.annotatorLabel(e));
    r.crowd = s.matrix.withoutAnnotator(static_cast<int32_t>(a));  // its labels are the expensive ones
    return r;
}

// The simulated curves: JSON, or a summary line and a block per strategy.
void writeSimulation(const agg::SimulationInput& in, const agg::SimulationResult& res, bool json)
{
    const QString relabeler = QString::fromStdString(in.relabeler.name);
    if (json) {
        nlohmann::ordered_json j;
        j["relabeler"] = in.relabeler.name;
        nlohmann::ordered_json curves = nlohmann::ordered_json::array();
        for (const auto& cv : res.curves) {
            nlohmann::ordered_json pts = nlohmann::ordered_json::array();
            for (const auto& pt : cv.curve)
                pts.push_back({{"spent", pt.spent}, {"fraction", pt.fraction}, {"accuracy", pt.accuracy}});
            curves.push_back({{"strategy", agg::relabelStrategyName(cv.strategy)}, {"k", cv.k}, {"curve", pts}});
        }
        j["strategies"] = curves;
        j["full_relabel"] = {{"cost", res.fullCost}, {"accuracy", res.fullAccuracy}};
        j["start_accuracy"] = res.startAccuracy;
        out(QByteArray::fromStdString(j.dump(2)) + '\n');
        return;
    }
    QString t = QStringLiteral("relabeler %1 (accuracy %2, cost %3 per item); start accuracy %4; full relabel: "
                               "cost %5, accuracy %6\n")
                    .arg(relabeler).arg(in.relabeler.accuracy, 0, 'f', 4).arg(in.relabeler.costPerItem).arg(res.startAccuracy, 0, 'f', 4)
                    .arg(res.fullCost).arg(res.fullAccuracy, 0, 'f', 4);
    for (const auto& cv : res.curves) {
        t += QStringLiteral("%1 (k = %2)\n").arg(QString::fromStdString(agg::relabelStrategyName(cv.strategy))).arg(cv.k);
        for (const auto& pt : cv.curve)
            t += QStringLiteral("  %1\t%2\t%3\n").arg(pt.spent).arg(pt.fraction, 0, 'f', 4).arg(pt.accuracy, 0, 'f', 4);
    }
    out(t.toUtf8());
}

} // namespace

int cmdSelect(const QStringList& args)
{
    QCommandLineParser p;
    parseSourceCommand(
        p, args,
        relabelOptions()
            + QList<QCommandLineOption>{
                {QStringLiteral("run"), QStringLiteral("Take the posterior from this saved run (--project; 0 = latest)."),
                 QStringLiteral("RUN")},
                {QStringLiteral("strategy"), QStringLiteral("greedy (default), exact, random or uncertainty."), QStringLiteral("S"),
                 QStringLiteral("greedy")},
                {QStringLiteral("reviewer"),
                 QStringLiteral("Skip items this annotator has already labelled (default: reviewer)."), QStringLiteral("NAME"),
                 QStringLiteral("reviewer")},
                {QStringLiteral("export"), QStringLiteral("Write the selected items as JSONL (id, text, labels)."),
                 QStringLiteral("FILE")},
            },
        QStringLiteral("chorus-cli select (--project P | --input F) (--run RUN | --method M) --budget B --k K --cost C "
                       "--relabeler-accuracy A --strategy greedy|exact|random|uncertainty [--export FILE] [--json]"));
    if (p.isSet(QStringLiteral("run")) == p.isSet(QStringLiteral("method")))
        throw UsageError{QStringLiteral("give exactly one of --run RUN and --method M")};
    if (p.isSet(QStringLiteral("run")) && !p.isSet(QStringLiteral("project")))
        throw UsageError{QStringLiteral("--run needs --project")};
    if (!p.isSet(QStringLiteral("relabeler-accuracy")))
        throw UsageError{QStringLiteral("--relabeler-accuracy is required")};
    const Common c = readCommon(p);
    const double accuracy = numberOption(p, QStringLiteral("relabeler-accuracy"));
    agg::RelabelStrategy strategy;
    try {
        strategy = agg::parseRelabelStrategy(p.value(QStringLiteral("strategy")).toStdString());
    } catch (const std::invalid_argument& e) {
        throw UsageError{QString::fromUtf8(e.what())};
    }

    Source source = openSource(p);
    const model::Snapshot& s = source.snapshot;
    std::vector<double> posterior;
    if (p.isSet(QStringLiteral("run"))) {
        const qint64 run = runOption(p);
        posterior = model::loadRun(source.project(QStringLiteral("--run")), s, run).posterior;
    } else {
        posterior = aggregateCrowd(p.value(QStringLiteral("method")), s.matrix, c.seed).posterior;
    }
    agg::SelectionInput in;
    in.posterior = &posterior;
    in.numItems = s.numItems();
    in.numLabels = s.numLabels();
    in.relabelers = {{"relabeler", accuracy, c.cost}};
    in.k = c.k;
    in.budget = c.budget;
    in.strategy = strategy;
    in.seed = c.seed;
    const qsizetype reviewer = s.annotators.indexOf(p.value(QStringLiteral("reviewer")));
    if (reviewer >= 0) {
        in.asked.assign(s.numItems(), 0);
        for (int64_t e = s.matrix.annotatorBegin(reviewer); e < s.matrix.annotatorEnd(reviewer); ++e)
            in.asked[s.matrix.annotatorItem(e)] = 1;
    }
    const agg::Selection sel = checked([&] { return agg::selectForRelabel(in); });
    if (p.isSet(QStringLiteral("export")))
        writeExport(p.value(QStringLiteral("export")), s, sel);
    writeSelection(s, sel, in, p.isSet(QStringLiteral("json")));
    return kOk;
}

int cmdSimulate(const QStringList& args)
{
    QCommandLineParser p;
    parseSourceCommand(
        p, args,
        relabelOptions()
            + QList<QCommandLineOption>{
                {QStringLiteral("relabeler"), QStringLiteral("The expensive labeler: an annotator's name, or gold."),
                 QStringLiteral("NAME")},
                {QStringLiteral("strategy"), QStringLiteral("greedy, exact, random or uncertainty (repeatable)."),
                 QStringLiteral("S")},
            },
        QStringLiteral("chorus-cli simulate (--project P | --input F) [--gold FILE] --method M --relabeler NAME|gold --k K "
                       "--cost C --budget B --strategy S [--strategy S2 ...] [--seed N] [--relabeler-accuracy A] [--json]"));
    if (!p.isSet(QStringLiteral("method")))
        throw UsageError{QStringLiteral("--method is required (%1)").arg(methodNameList().join(QStringLiteral(", ")))};
    if (!p.isSet(QStringLiteral("relabeler")))
        throw UsageError{QStringLiteral("--relabeler NAME|gold is required")};
    const Common c = readCommon(p);
    std::vector<agg::RelabelStrategy> strategies;
    QStringList names = p.values(QStringLiteral("strategy"));
    if (names.isEmpty())
        names << QStringLiteral("greedy");
    try {
        for (const QString& n : names)
            strategies.push_back(agg::parseRelabelStrategy(n.toStdString()));
    } catch (const std::invalid_argument& e) {
        throw UsageError{QString::fromUtf8(e.what())};
    }

    Source source = openSource(p);
    const model::Snapshot& s = source.snapshot;
    const std::vector<int32_t> gold = goldOption(p, s);
    const QString relabeler = p.value(QStringLiteral("relabeler"));
    const ExpensiveLabels expensive = relabelerOf(relabeler, s, gold);
    double accuracy = 0;
    if (p.isSet(QStringLiteral("relabeler-accuracy"))) {
        accuracy = numberOption(p, QStringLiteral("relabeler-accuracy"));
    } else {
        accuracy = agg::estimateRelabelerAccuracy(expensive.answers, gold);
        if (!std::isfinite(accuracy))
            throw model::Error(QStringLiteral("cannot estimate the accuracy of %1: no gold item it labelled; "
                                              "give --relabeler-accuracy")
                                   .arg(relabeler));
    }
    const agg::AggregationResult r = aggregateCrowd(p.value(QStringLiteral("method")), expensive.crowd, c.seed);

    agg::SimulationInput in;
    in.posterior = r.posterior;
    in.numItems = s.numItems();
    in.numLabels = s.numLabels();
    for (int32_t l : r.labels)
        in.hasEvidence.push_back(l >= 0);
    in.answers = expensive.answers;
    in.gold = gold;
    in.relabeler = {relabeler.toStdString(), accuracy, c.cost};
    in.k = c.k;
    in.budget = c.budget;
    in.strategies = strategies;
    in.seed = c.seed;
    const agg::SimulationResult res = checked([&] { return agg::simulateRelabeling(in); });
    writeSimulation(in, res, p.isSet(QStringLiteral("json")));
    return kOk;
}

} // namespace chorus::cli
