// chorus-cli aggregate.

#include "cli.h"
#include "cli_json.h"
#include "cli_options.h"

#include "csvreader.h"
#include "evaluation.h"
#include "jobs.h"
#include "methods.h"
#include "runstore.h"
#include "snapshot.h"

#include <QElapsedTimer>
#include <QFile>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <thread>

namespace chorus::cli {

std::vector<int32_t> readItemLabels(const QString& file, const model::Snapshot& s)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        throw model::Error(QStringLiteral("%1: cannot open: %2").arg(file, f.errorString()));
    QHash<QString, int32_t> index;
    for (int32_t i = 0; i < s.numItems(); ++i)
        index.insert(s.itemExtIds[i], i);
    std::vector<int32_t> out(s.numItems(), -1);
    model::CsvReader csv(&f);
    QStringList row;
    while (csv.next(row)) {
        if (row.size() != 2)
            throw model::Error(QStringLiteral("%1:%2: expected 2 columns (item,label), found %3")
                                   .arg(file).arg(csv.line()).arg(row.size()));
        if (csv.line() == 1 && (row[0] == QLatin1String("item") || row[0] == QLatin1String("task")))
            continue;
        const auto it = index.constFind(row[0]);
        if (it == index.constEnd())
            throw model::Error(QStringLiteral("%1:%2: unknown item \"%3\"").arg(file).arg(csv.line()).arg(row[0]));
        const qsizetype l = s.labels.indexOf(row[1]);
        if (l < 0)
            throw model::Error(QStringLiteral("%1:%2: unknown label \"%3\"").arg(file).arg(csv.line()).arg(row[1]));
        out[it.value()] = static_cast<int32_t>(l);
    }
    return out;
}

std::vector<std::pair<qsizetype, double>> readAnnotatorNumbers(const QString& file, const model::Snapshot& s,
                                                               const QString& column, const QString& noun)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        throw model::Error(QStringLiteral("%1: cannot open: %2").arg(file, f.errorString()));
    std::vector<std::pair<qsizetype, double>> out;
    model::CsvReader csv(&f);
    QStringList row;
    while (csv.next(row)) {
        if (csv.line() == 1 && row.value(0) == QLatin1String("annotator"))
            continue;
        bool isNumber = false;
        const double v = row.value(1).toDouble(&isNumber);
        if (row.size() != 2 || !isNumber || !std::isfinite(v) || v < 0)
            throw model::Error(QStringLiteral("%1:%2: expected annotator,%3 with a %4 >= 0")
                                   .arg(file, QString::number(csv.line()), column, noun));
        const qsizetype a = s.annotators.indexOf(row[0]);
        if (a < 0)
            throw model::Error(QStringLiteral("%1:%2: unknown annotator \"%3\"").arg(file).arg(csv.line()).arg(row[0]));
        out.emplace_back(a, v);
    }
    return out;
}

namespace {

// --method help: the registered methods and their parameters (defaults and meaning); needs no
// project.
void printMethodHelp(bool json)
{
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const auto& m : agg::methodNames()) {
        nlohmann::ordered_json params = nlohmann::ordered_json::array();
        for (const auto& mp : agg::methodParams(m))
            params.push_back({{"name", mp.name}, {"default", mp.defaultValue}, {"description", mp.description}});
        j.push_back({{"method", m}, {"params", params}});
    }
    if (json) {
        out(QByteArray::fromStdString(j.dump(2)) + '\n');
        return;
    }
    QByteArray text = "Aggregation methods (docs/methods.md); parameters are set with --param key=value:\n";
    for (const auto& m : j) {
        text += QByteArray::fromStdString(m["method"].get<std::string>()) + '\n';
        for (const auto& mp : m["params"])
            text += "    " + QByteArray::fromStdString(mp["name"].get<std::string>()) + " = "
                    + QByteArray::number(mp["default"].get<double>(), 'g', 10) + "   "
                    + QByteArray::fromStdString(mp["description"].get<std::string>()) + '\n';
    }
    out(text);
}

// --weights FILE: "annotator,weight" rows (header optional); annotators the file does not name
// get weight 0.
std::vector<double> readWeights(const QString& file, const model::Snapshot& s)
{
    std::vector<double> weights(s.annotators.size(), 0.0);
    for (const auto& [a, w] : readAnnotatorNumbers(file, s, QStringLiteral("weight"), QStringLiteral("weight")))
        weights[a] = w;
    return weights;
}

// The "items" array of aggregate --json, each item as dump(2) prints {"item", "label",
// "confidence", "posterior": {...}} at the array's indent, written piece by piece (issue #17: a
// million items). labelName(l) is label l's name ("INVALID" past the snapshot's labels).
void writeAggregateItems(JsonStream& j, const agg::AggregationResult& r, const model::Snapshot& cs,
                         const std::function<std::string(int32_t)>& labelName)
{
    const int32_t L = r.numLabels;
    std::vector<std::string> labelTexts, keys;  // "name" as dump() prints it; the key line
    for (int32_t l = 0; l < L; ++l) {
        labelTexts.push_back(Json(labelName(l)).dump());
        keys.push_back((l == 0 ? "{\n        " : ",\n        ") + labelTexts.back() + ": ");
    }
    size_t keyRoom = 0;
    std::vector<size_t> labelSizes, keySizes;  // the texts are padded with 16 bytes
    for (int32_t l = 0; l < L; ++l) {
        keyRoom = std::max({keyRoom, keys[l].size(), labelTexts[l].size()});
        labelSizes.push_back(labelTexts[l].size());
        keySizes.push_back(keys[l].size());
        labelTexts[l].append(16, ' ');
        keys[l].append(16, ' ');
    }
    keyRoom += 16;
    // Writes items [begin, end) into text (grown as needed, never shrunk: no zero-filling
    // after the first blocks) through a cursor; returns the bytes written.
    auto formatItems = [&](int32_t begin, int32_t end, std::string& text) -> size_t {
        size_t room = 0;
        for (int32_t i = begin; i < end; ++i)
            room += 128 + jsonStringRoom(cs.itemExtIds[i]) + (L + 2) * (keyRoom + kJsonNumberRoom);
        if (text.size() < room)
            text.resize(room);
        char* const start = text.data();
        char* p = start;
        // Fixed-size copies (inlined moves): literals whole, keys and labels 16 bytes at a
        // time from their padded strings, within the room counted above.
        auto put = [&p](const auto& literal) {
            std::memcpy(p, literal, sizeof literal - 1);
            p += sizeof literal - 1;
        };
        auto putPadded = [&p](const std::string& padded, size_t size) {
            for (size_t at = 0; at < size; at += 16)
                std::memcpy(p + at, padded.data() + at, 16);
            p += size;
        };
        for (int32_t i = begin; i < end; ++i) {
            const int32_t label = r.labels[i];
            if (i == 0)
                put("\n    {\n      \"item\": ");
            else
                put(",\n    {\n      \"item\": ");
            p = writeJsonString(p, cs.itemExtIds[i]);
            put(",\n      \"label\": ");
            if (label >= 0)
                putPadded(labelTexts[label], labelSizes[label]);
            else
                put("null");
            put(",\n      \"confidence\": ");
            if (label >= 0)
                p = writeJsonValue(p, r.posteriorAt(i, label));
            else
                put("null");
            put(",\n      \"posterior\": ");
            if (L == 0)
                put("{}");
            for (int32_t l = 0; l < L; ++l) {
                putPadded(keys[l], keySizes[l]);
                p = writeJsonValue(p, r.posteriorAt(i, l));
            }
            if (L == 0)
                put("\n    }");
            else
                put("\n      }\n    }");
        }
        return static_cast<size_t>(p - start);
    };
    // Blocks of items formatted two at a time, the second on a thread of its own (number
    // formatting was a quarter of the command), then written in order.
    j.beginArray("items");
    constexpr int32_t kBlock = 8192;
    std::string first, second;
    for (int32_t i = 0; i < cs.numItems(); i += 2 * kBlock) {
        const int32_t mid = std::min(cs.numItems(), i + kBlock), end = std::min(cs.numItems(), mid + kBlock);
        size_t secondSize = 0;
        std::thread helper;
        if (mid < end)
            helper = std::thread([&] { secondSize = formatItems(mid, end, second); });
        const size_t firstSize = formatItems(i, mid, first);
        if (helper.joinable())
            helper.join();
        j.rawElements(std::string_view(first.data(), firstSize), mid - i);
        j.rawElements(std::string_view(second.data(), secondSize), end - mid);
    }
    j.endArray();
}

} // namespace

// --param key=value pairs into in.params (ties by name), and as they are recorded with a run.
nlohmann::ordered_json readMethodParams(const QCommandLineParser& p, agg::AggregationInput& in)
{
    bool ok = true;
    nlohmann::ordered_json params = nlohmann::ordered_json::object();
    for (const QString& kv : p.values(QStringLiteral("param"))) {
        const qsizetype eq = kv.indexOf(QLatin1Char('='));
        if (eq > 0 && kv.left(eq) == QLatin1String("ties")) {
            const QString policy = kv.mid(eq + 1);
            const qsizetype code = model::tiePolicyNames().indexOf(policy);
            if (code < 0)
                throw UsageError{QStringLiteral("--param ties takes first, random or unresolved, got \"%1\"").arg(policy)};
            in.params["ties"] = static_cast<double>(code);
            params["ties"] = policy.toStdString();
            continue;
        }
        const double v = eq > 0 ? kv.mid(eq + 1).toDouble(&ok) : 0;
        if (eq <= 0 || !ok)
            throw UsageError{QStringLiteral("--param takes key=number, got \"%1\"").arg(kv)};
        in.params[kv.left(eq).toStdString()] = v;
        params[kv.left(eq).toStdString()] = v;
    }

    return params;
}

namespace {

// What cmdAggregate computed, for its output.
struct Aggregated
{
    const QString& method;
    Json params;  ///< the recorded parameters with the seed
    const agg::AggregationResult& r;
    const model::Snapshot& s;
    double seconds = 0;
    qint64 runId = 0;
    bool hasGold = false;
    agg::EvaluationResult ev;
};

void writeAggregateOutput(const Aggregated& a, bool json)
{
    const auto& r = a.r;
    const auto& s = a.s;
    const auto& ev = a.ev;
    const QString& method = a.method;
    const bool hasGold = a.hasGold;
    const double seconds = a.seconds;
    const qint64 runId = a.runId;
    auto labelName = [&](int32_t l) {
        return l < 0 ? std::string() : (l < s.numLabels() ? s.labels[l].toStdString() : std::string("INVALID"));
    };
    if (json) {
        JsonStream j;
        j.member("method", method.toStdString());
        j.member("params", a.params);
        writeAggregateItems(j, r, s, labelName);
        Json anns = Json::array();
        for (int32_t a = 0; a < s.annotators.size(); ++a)
            anns.push_back({{"annotator", s.annotators[a].toStdString()}, {"competence", num(r.competence[a])}});
        j.member("annotators", anns);
        j.member("iterations", r.iterations);
        j.member("converged", r.converged);
        j.member("tied_items", r.tiedItems);
        j.member("unresolved_items", r.unresolvedItems);
        j.member("log_likelihood", r.logLikelihood);
        j.member("seconds", seconds);
        if (hasGold) {
            j.member("accuracy", ev.accuracy);
            j.member("macro_f1", ev.macroF1);
            j.member("gold_items", ev.items);
        }
        if (runId > 0)
            j.member("run", runId);
        j.finish();
    } else {
        QString t = QStringLiteral("%1: %2 items, %3 iterations%4, %5 s")
                        .arg(method)
                        .arg(s.numItems())
                        .arg(r.iterations)
                        .arg(r.converged ? QString() : QStringLiteral(" (not converged)"))
                        .arg(seconds, 0, 'f', 3);
        if (r.tiedItems > 0)
            t += QStringLiteral(", %1 tied items").arg(r.tiedItems);
        if (r.unresolvedItems > 0)
            t += QStringLiteral(" (%1 left without a label)").arg(r.unresolvedItems);
        if (hasGold)
            t += QStringLiteral("\naccuracy %1, macro-F1 %2 on %3 gold items")
                     .arg(ev.accuracy, 0, 'f', 4)
                     .arg(ev.macroF1, 0, 'f', 4)
                     .arg(ev.items);
        if (runId > 0)
            t += QStringLiteral("\nsaved as run %1").arg(runId);
        out(t.toUtf8() + '\n');
    }
}

} // namespace

int cmdAggregate(const QStringList& args)
{
    QCommandLineParser p;
    const QStringList methods = methodNameList();
    parseSourceCommand(
        p, args,
        {
            {QStringLiteral("method"), QStringLiteral("Aggregation method: %1; \"help\" lists them with their parameters.").arg(methods.join(QStringLiteral(", "))),
             QStringLiteral("M")},
            {QStringLiteral("controls"), QStringLiteral("Known truth, CSV item,label (clamped by EM methods)."),
             QStringLiteral("FILE")},
            opt::seed(QStringLiteral("Random seed (methods with restarts).")),
            opt::param(QStringLiteral("Method parameter key=value (repeatable).")),
            {QStringLiteral("weights"), QStringLiteral("wmv: per-annotator weights, CSV annotator,weight (others get 0)."),
             QStringLiteral("FILE")},
            {QStringLiteral("weights-run"), QStringLiteral("wmv: take weights from a saved run's competences."),
             QStringLiteral("ID")},
            opt::includeInvalid(QStringLiteral("Treat INVALID as a label instead of excluding it.")),
            {QStringLiteral("save"), QStringLiteral("Store the run in the project (--project only).")},
            opt::json(QStringLiteral("Print the full result as JSON.")),
        },
        QStringLiteral("chorus-cli aggregate (--project P | --input FILE) --method M [options]"));
    const QString method = p.value(QStringLiteral("method"));
    if (method == QLatin1String("help") || method == QLatin1String("list")) {
        printMethodHelp(p.isSet(QStringLiteral("json")));
        return kOk;
    }
    if (method.isEmpty())
        throw UsageError{QStringLiteral("--method is required (%1)").arg(methods.join(QStringLiteral(", ")))};
    checkMethod(method, methods);
    if (p.isSet(QStringLiteral("save")) && !p.isSet(QStringLiteral("project")))
        throw UsageError{QStringLiteral("--save needs --project")};
    const uint64_t seed = seedOption(p);
    agg::AggregationInput in;
    in.seed = seed;
    const nlohmann::ordered_json params = readMethodParams(p, in);

    Source source = openSource(p);
    if (source.withReviewers() && (p.isSet(QStringLiteral("save")) || p.isSet(QStringLiteral("weights-run"))))
        throw UsageError{QStringLiteral("--save and --weights-run do not go with --reviewers or --with-reviewers "
                                        "(the reviewers are not annotators of the project)")};
    if (p.isSet(QStringLiteral("save")))
        source.project(QStringLiteral("--save"));
    if (p.isSet(QStringLiteral("weights-run")))
        source.project(QStringLiteral("--weights-run"));
    model::Snapshot& s = source.snapshot;
    if (p.isSet(QStringLiteral("include-invalid")))
        s.matrix = s.matrix.withInvalidAsClass();
    const std::vector<int32_t> gold = goldOption(p, s);
    in.matrix = &s.matrix;
    if (p.isSet(QStringLiteral("controls")))
        in.controls = readItemLabels(p.value(QStringLiteral("controls")), s);
    if (p.isSet(QStringLiteral("weights")) && p.isSet(QStringLiteral("weights-run")))
        throw UsageError{QStringLiteral("give --weights or --weights-run, not both")};
    if (p.isSet(QStringLiteral("weights")))
        in.weights = readWeights(p.value(QStringLiteral("weights")), s);
    if (p.isSet(QStringLiteral("weights-run"))) {
        const qint64 id = runOption(p, QStringLiteral("weights-run"));
        const model::RunData run = model::loadRun(source.project(QStringLiteral("--weights-run")), s, id);
        in.weights = run.competence;
        for (double& w : in.weights)
            if (!std::isfinite(w))
                w = 0;
    }

    QElapsedTimer timer;
    timer.start();
    const agg::AggregationResult r = checked([&] { return agg::aggregate(method.toStdString(), in); });
    const double seconds = timer.nsecsElapsed() / 1e9;
    qint64 runId = 0;
    if (p.isSet(QStringLiteral("save")))
        runId = model::saveRun(source.project(QStringLiteral("--save")), s, method, QString::fromStdString(params.dump()), r, seconds);

    std::vector<int32_t> evalPred = r.labels, evalGold = gold;
    for (auto& l : evalPred)
        if (l >= s.numLabels())
            l = -1;  // an INVALID consensus (with --include-invalid) counts as wrong
    const bool hasGold = std::any_of(gold.begin(), gold.end(), [](int32_t g) { return g >= 0; });
    agg::EvaluationResult ev;
    if (hasGold)
        ev = agg::evaluate(evalPred, evalGold, s.numLabels());

    Json recorded = params;
    recorded["seed"] = seed;
    writeAggregateOutput(Aggregated{method, recorded, r, s, seconds, runId, hasGold, ev}, p.isSet(QStringLiteral("json")));
    return kOk;
}

} // namespace chorus::cli
