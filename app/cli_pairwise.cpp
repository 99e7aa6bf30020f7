// chorus-cli rank and judges: pairwise preferences (docs/pairwise.md).

#include "cli.h"
#include "cli_format.h"
#include "cli_options.h"

#include "errors.h"
#include "pairwise.h"
#include "pairwiseimport.h"

#include <algorithm>
#include <numeric>

namespace chorus::cli {

namespace {

void addInputOptions(QCommandLineParser& p)
{
    p.addOptions({
        {QStringLiteral("input"), QStringLiteral("Pairwise judgments, CSV or JSONL (model_a,model_b,winner,...)."),
         QStringLiteral("FILE")},
        {QStringLiteral("likert"), QStringLiteral("Mapping of Likert winners 1-8, e.g. 1-3=a,4-5=tie,6-8=b (the default)."),
         QStringLiteral("SPEC")},
        opt::json(),
    });
}

agg::PairwiseData readInput(const QCommandLineParser& p)
{
    const QString input = p.value(QStringLiteral("input"));
    if (input.isEmpty())
        throw UsageError{QStringLiteral("--input FILE is required")};
    model::PairwiseImportOptions options;
    if (p.isSet(QStringLiteral("likert")))
        options.likert = model::LikertMapping::parse(p.value(QStringLiteral("likert")));
    return model::readPairwiseFile(input, options);
}

const char* kindName(agg::JudgeKind k)
{
    return k == agg::JudgeKind::Human ? "human" : k == agg::JudgeKind::Llm ? "llm" : "unknown";
}

Json biasJson(const agg::BiasTest& t, const char* winsKey)
{
    Json j;
    j[winsKey] = t.wins;
    j["decided"] = t.decided;
    j["ties"] = t.ties;
    j["rate"] = num(t.rate);
    j["p_value"] = num(t.pValue);
    return j;
}

void addRankOptions(QCommandLineParser& p)
{
    p.addOptions({
        {QStringLiteral("method"), QStringLiteral("elo or bt (Bradley-Terry)."), QStringLiteral("M"), QStringLiteral("elo")},
        {QStringLiteral("bootstrap"), QStringLiteral("Bootstrap rounds; 0 skips the intervals."), QStringLiteral("N"),
         QStringLiteral("1000")},
        {QStringLiteral("ties"), QStringLiteral("half (half a win each) or drop."), QStringLiteral("T"), QStringLiteral("half")},
        {QStringLiteral("seed"), QStringLiteral("Bootstrap seed."), QStringLiteral("S"), QStringLiteral("0")},
        {QStringLiteral("judge"), QStringLiteral("Only judges whose name contains SUBSTRING."), QStringLiteral("SUBSTRING")},
        {QStringLiteral("judge-kind"), QStringLiteral("Only human or only llm judges."), QStringLiteral("KIND")},
        {QStringLiteral("k"), QStringLiteral("Elo K factor."), QStringLiteral("K"), QStringLiteral("4")},
        {QStringLiteral("scale"), QStringLiteral("Elo scale."), QStringLiteral("X"), QStringLiteral("400")},
        {QStringLiteral("base"), QStringLiteral("Elo base."), QStringLiteral("X"), QStringLiteral("10")},
        {QStringLiteral("initial"), QStringLiteral("Elo initial rating."), QStringLiteral("X"), QStringLiteral("1000")},
        {QStringLiteral("resample"), QStringLiteral("Elo bootstrap: replace (draw with replacement, as LMSYS) or shuffle."),
         QStringLiteral("R"), QStringLiteral("replace")},
        opt::level(QStringLiteral("Interval level.")),
        {QStringLiteral("threads"), QStringLiteral("Bootstrap threads (0 = all cores)."), QStringLiteral("N"), QStringLiteral("0")},
        {QStringLiteral("max-iter"), QStringLiteral("bt: at most N MM iterations (crowd-kit 1.4.1's BradleyTerry stops after 2)."),
         QStringLiteral("N"), QStringLiteral("10000")},
    });
}

// Highest rating first; models without a rating (every judgment of theirs dropped) last.
std::vector<size_t> ratingOrder(const agg::PairwiseData& data, const agg::RankingResult& r)
{
    std::vector<size_t> order(data.models.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        const double ra = r.models[a].rating, rb = r.models[b].rating;
        if (std::isnan(ra) != std::isnan(rb))
            return std::isnan(rb);
        return ra > rb;
    });
    return order;
}

void writeRankJson(const QString& method, const agg::PairwiseData& data, const agg::RankingResult& r,
                   const std::vector<size_t>& order)
{
    Json j;
    j["method"] = method.toStdString();
    Json models = Json::array();
    for (size_t m : order) {
        const agg::RatedModel& x = r.models[m];
        Json e;
        e["model"] = data.models[m];
        e["rating"] = num(x.rating);
        e["median"] = num(x.median);
        e["lo"] = num(x.lo);
        e["hi"] = num(x.hi);
        e["wins"] = x.record.wins;
        e["losses"] = x.record.losses;
        e["ties"] = x.record.ties;
        e["win_rate"] = num(x.record.winRate);
        models.push_back(e);
    }
    j["models"] = models;
    out(QByteArray::fromStdString(j.dump(1) + "\n"));
}

void writeRankText(const QString& method, const agg::PairwiseData& data, const agg::RankingResult& r,
                   const std::vector<size_t>& order)
{
    const int decimals = method == QLatin1String("elo") ? 1 : 4;
    QString text = QStringLiteral("%1 on %2 judgments (%3 used), %4 bootstrap rounds\n")
                       .arg(method == QLatin1String("elo") ? QStringLiteral("Elo") : QStringLiteral("Bradley-Terry"))
                       .arg(data.judgments.size())
                       .arg(r.used)
                       .arg(r.replicates);
    text += QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8 %9\n")
                .arg(QStringLiteral("model"), -24)
                .arg(QStringLiteral("rating"), 10)
                .arg(QStringLiteral("median"), 10)
                .arg(QStringLiteral("lo"), 10)
                .arg(QStringLiteral("hi"), 10)
                .arg(QStringLiteral("wins"), 7)
                .arg(QStringLiteral("losses"), 7)
                .arg(QStringLiteral("ties"), 7)
                .arg(QStringLiteral("win_rate"), 9);
    for (size_t m : order) {
        const agg::RatedModel& x = r.models[m];
        text += QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8 %9\n")
                    .arg(QString::fromStdString(data.models[m]), -24)
                    .arg(fixed(x.rating, decimals), 10)
                    .arg(fixed(x.median, decimals), 10)
                    .arg(fixed(x.lo, decimals), 10)
                    .arg(fixed(x.hi, decimals), 10)
                    .arg(x.record.wins, 7)
                    .arg(x.record.losses, 7)
                    .arg(x.record.ties, 7)
                    .arg(fixed(x.record.winRate, 4), 9);
    }
    out(text.toUtf8());
}

} // namespace

int cmdRank(const QStringList& args)
{
    QCommandLineParser p;
    addInputOptions(p);
    addRankOptions(p);
    parseOrThrow(p, args,
                 QStringLiteral("chorus-cli rank --input FILE [--method elo|bt] [--bootstrap N] [--ties half|drop] "
                                "[--seed S] [--judge SUBSTRING] [--judge-kind human|llm] [--k K] [--json]"));
    const QString method = p.value(QStringLiteral("method"));
    if (method != QLatin1String("elo") && method != QLatin1String("bt"))
        throw UsageError{QStringLiteral("--method takes elo or bt")};
    const QString ties = p.value(QStringLiteral("ties"));
    if (ties != QLatin1String("half") && ties != QLatin1String("drop"))
        throw UsageError{QStringLiteral("--ties takes half or drop")};
    const QString resample = p.value(QStringLiteral("resample"));
    if (resample != QLatin1String("replace") && resample != QLatin1String("shuffle"))
        throw UsageError{QStringLiteral("--resample takes replace or shuffle")};
    agg::BootstrapOptions boot;
    boot.replicates = intOption(p, QStringLiteral("bootstrap"), 0);
    boot.seed = seedOption(p);
    boot.level = levelOption(p);
    boot.threads = intOption(p, QStringLiteral("threads"), 0);
    const agg::TiePolicy tiePolicy = ties == QLatin1String("half") ? agg::TiePolicy::Half : agg::TiePolicy::Drop;
    agg::EloOptions elo;
    elo.k = numberOption(p, QStringLiteral("k"), NumberRange::above(0));
    elo.scale = numberOption(p, QStringLiteral("scale"), NumberRange::above(0));
    elo.base = numberOption(p, QStringLiteral("base"), NumberRange::above(0));
    elo.initial = numberOption(p, QStringLiteral("initial"));
    elo.ties = tiePolicy;
    if (elo.base == 1)
        throw UsageError{QStringLiteral("--base must not be 1")};

    const QString kind = p.value(QStringLiteral("judge-kind"));
    if (p.isSet(QStringLiteral("judge-kind")) && kind != QLatin1String("human") && kind != QLatin1String("llm"))
        throw UsageError{QStringLiteral("--judge-kind takes human or llm")};

    agg::PairwiseData data = readInput(p);
    if (p.isSet(QStringLiteral("judge")))
        data = agg::filterByJudge(data, p.value(QStringLiteral("judge")).toStdString());
    if (p.isSet(QStringLiteral("judge-kind")))
        data = agg::filterByJudgeKind(data, kind == QLatin1String("human") ? agg::JudgeKind::Human : agg::JudgeKind::Llm);
    if (data.judgments.empty())
        throw model::Error(QStringLiteral("no judgments left after --judge / --judge-kind"));
    agg::RankingResult r;
    if (method == QLatin1String("elo")) {
        r = agg::rankElo(data, elo, boot,
                         resample == QLatin1String("replace") ? agg::Resampling::WithReplacement : agg::Resampling::Shuffle);
    } else {
        agg::BradleyTerryOptions bt;
        bt.ties = tiePolicy;
        bt.maxIterations = intOption(p, QStringLiteral("max-iter"), 1);
        r = agg::rankBradleyTerry(data, bt, boot);
        if (!r.converged && !p.isSet(QStringLiteral("max-iter")))
            err(QStringLiteral("chorus-cli rank: warning: Bradley-Terry stopped after %1 iterations without converging "
                               "(a model without wins or losses has no finite MLE)").arg(r.iterations));
    }
    const std::vector<size_t> order = ratingOrder(data, r);
    if (p.isSet(QStringLiteral("json")))
        writeRankJson(method, data, r, order);
    else
        writeRankText(method, data, r, order);
    return kOk;
}

int cmdJudges(const QStringList& args)
{
    QCommandLineParser p;
    addInputOptions(p);
    p.addOption({QStringLiteral("no-assume-a-first"),
                 QStringLiteral("Without a first_shown column, skip the positional bias instead of assuming model_a was shown first.")});
    parseOrThrow(p, args, QStringLiteral("chorus-cli judges --input FILE [--likert SPEC] [--json]"));
    const agg::PairwiseData data = readInput(p);
    agg::JudgeQualityOptions options;
    options.assumeAFirst = !p.isSet(QStringLiteral("no-assume-a-first"));
    const std::vector<agg::JudgeQuality> q = agg::judgeQuality(data, options);
    Json judges = Json::array();
    QString text;
    for (const agg::JudgeQuality& jq : q) {
        Json j;
        j["judge"] = data.judges[jq.judge];
        j["kind"] = kindName(jq.kind);
        j["judgments"] = jq.judgments;
        j["outcomes"] = {{"a", jq.outcomeCounts[0]}, {"b", jq.outcomeCounts[1]}, {"tie", jq.outcomeCounts[2]}};
        j["compared"] = jq.compared;
        j["agreement"] = num(jq.accuracy);
        j["kappa"] = coef(jq.kappa);
        Json cats = Json::array();
        for (const agg::CategoryCorrelation& c : jq.categories)
            cats.push_back({{"category", data.categories[c.category]}, {"n", c.n}, {"correlation", coef(c.r)}});
        j["categories"] = cats;
        Json pos = biasJson(jq.positional, "first_wins");
        pos["first_shown_assumed"] = jq.firstShownAssumed;
        j["positional_bias"] = pos;
        j["length_bias"] = jq.length.decided + jq.length.ties > 0 ? biasJson(jq.length, "longer_wins") : Json();
        j["score_histogram"] = jq.scoreHistogram.empty() ? Json() : Json(jq.scoreHistogram);
        judges.push_back(j);
        text += QStringLiteral("%1 %2 n=%3 compared=%4 agreement=%5 kappa=%6 first-shown wins %7 (p=%8)\n")
                    .arg(QString::fromStdString(data.judges[jq.judge]), -24)
                    .arg(QString::fromLatin1(kindName(jq.kind)), -6)
                    .arg(jq.judgments)
                    .arg(jq.compared)
                    .arg(fixed(jq.accuracy, 4))
                    .arg(fixed(jq.kappa))
                    .arg(fixed(jq.positional.rate, 4))
                    .arg(QString::number(jq.positional.pValue, 'g', 4));
    }
    if (p.isSet(QStringLiteral("json"))) {
        Json j;
        j["judgments"] = data.judgments.size();
        j["judges"] = judges;
        out(QByteArray::fromStdString(j.dump(1) + "\n"));
    } else {
        out(text.toUtf8());
    }
    return kOk;
}

} // namespace chorus::cli
