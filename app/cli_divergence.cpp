// chorus-cli divergence: per-item distances between two sources of label distributions.

#include "cli_format.h"
#include "cli_json.h"
#include "cli_options.h"

#include "divergence.h"
#include "methods.h"
#include "divergencesource.h"
#include "runstore.h"

#include <algorithm>
#include <cmath>

namespace chorus::cli {

namespace {

// Reads a --p/--q source through the model's reader (the one the GUI's Divergence tab uses);
// a malformed spec is a usage error.
agg::Distributions loadSource(const QString& spec, Source& source, const model::DivergenceSourceContext& ctx)
{
    try {
        return model::divergenceSource(spec, source.snapshot, ctx);
    } catch (const model::SourceSpecError& e) {
        throw UsageError{e.message()};
    }
}

QList<QCommandLineOption> divergenceOptions()
{
    return {
        {QStringLiteral("p"),
         QStringLiteral("First distribution (KL is KL(p||q)): human, consensus, annotator:NAME, votes, votes:A,B, "
                        "run:ID, run:latest or method:M."),
         QStringLiteral("SOURCE")},
        {QStringLiteral("q"), QStringLiteral("Second distribution, same choices."), QStringLiteral("SOURCE")},
        {QStringLiteral("log"), QStringLiteral("Logarithm base of kl, jsd, ce and entropies: e or 2."),
         QStringLiteral("B"), QStringLiteral("e")},
        {QStringLiteral("epsilon"), QStringLiteral("Smooth q to (q + E) / (1 + L E) in kl and ce (0: none, KL may be "
                                                   "infinite)."),
         QStringLiteral("E"), QStringLiteral("0")},
        {QStringLiteral("softmax"), QStringLiteral("Annotator sources hold raw scores: softmax with temperature TAU."),
         QStringLiteral("TAU")},
        {QStringLiteral("pnorm"), QStringLiteral("Annotator sources hold non-negative scores: divide by their sum.")},
        {QStringLiteral("no-dcor"), QStringLiteral("Skip the distance correlation (O(items^2)).")},
        opt::seed(QStringLiteral("Seed of method: sources.")),
        opt::json(QStringLiteral("Print per-item values and means as JSON.")),
    };
}

// --log, --epsilon and --no-dcor.
agg::DivergenceOptions readDivergenceOptions(const QCommandLineParser& p)
{
    agg::DivergenceOptions o;
    const QString base = p.value(QStringLiteral("log"));
    if (base != QLatin1String("e") && base != QLatin1String("2"))
        throw UsageError{QStringLiteral("--log must be e or 2")};
    o.base = base == QLatin1String("2") ? agg::LogBase::Two : agg::LogBase::E;
    o.epsilon = numberOption(p, QStringLiteral("epsilon"), NumberRange::atLeast(0));
    o.distanceCorrelation = !p.isSet(QStringLiteral("no-dcor"));
    return o;
}

// --softmax TAU or --pnorm: how annotator: sources (one of ps, qs) read their scores.
model::ScoreReading readScoreReading(const QCommandLineParser& p, const QString& ps, const QString& qs)
{
    model::ScoreReading scores;
    if (p.isSet(QStringLiteral("softmax")) && p.isSet(QStringLiteral("pnorm")))
        throw UsageError{QStringLiteral("give at most one of --softmax and --pnorm")};
    if (p.isSet(QStringLiteral("softmax"))) {
        scores = {true, agg::ScoreTransform::Softmax, numberOption(p, QStringLiteral("softmax"), NumberRange::above(0))};
    } else if (p.isSet(QStringLiteral("pnorm"))) {
        scores = {true, agg::ScoreTransform::Normalize, 1};
    }
    if (scores.transform && !ps.startsWith(QLatin1String("annotator:")) && !qs.startsWith(QLatin1String("annotator:")))
        throw UsageError{QStringLiteral("--softmax and --pnorm apply to annotator: sources only")};
    return scores;
}

// --log as the user wrote it: e or 2.
QString logBaseText(const agg::DivergenceOptions& o)
{
    return o.base == agg::LogBase::Two ? QStringLiteral("2") : QStringLiteral("e");
}

// What cmdDivergence compared, for its two writers.
struct Compared
{
    const QString &ps, &qs;  ///< --p, --q
    const agg::DivergenceOptions& o;
    const agg::DivergenceResult& r;
    const model::Snapshot& s;
};

void writeDivergenceJson(const Compared& c)
{
    const agg::DivergenceResult& r = c.r;
    JsonStream j;
    j.member("p", c.ps.toStdString());
    j.member("q", c.qs.toStdString());
    j.member("log", logBaseText(c.o).toStdString());
    j.member("epsilon", c.o.epsilon);
    j.beginArray("items");
    for (const agg::ItemDivergence& d : r.items)
        j.element({{"item", c.s.itemExtIds[d.item].toStdString()},
                   {"kl", num(d.kl)},
                   {"jsd", num(d.jsd)},
                   {"tvd", num(d.tvd)},
                   {"ce", num(d.ce)},
                   {"entropy_p", num(d.entropyP)},
                   {"entropy_q", num(d.entropyQ)}});
    j.endArray();
    j.member("mean", {{"kl", num(r.mean.kl)},   {"jsd", num(r.mean.jsd)},
                      {"tvd", num(r.mean.tvd)}, {"ce", num(r.mean.ce)},
                      {"entropy_p", num(r.mean.entropyP)}, {"entropy_q", num(r.mean.entropyQ)}});
    j.member("dcor", r.dcor.isNull() ? Json() : num(r.dcor.value));
    j.member("compared", r.items.size());
    j.member("skipped", r.skipped);
    j.member("infinite_kl", r.infiniteKl);  // kl and ce are null for these items (and in the mean)
    j.finish();
}

void writeDivergenceText(const Compared& c)
{
    const agg::DivergenceResult& r = c.r;
    auto f = [](double v) { return std::isfinite(v) ? QString::number(v, 'f', 6) : QStringLiteral("inf"); };
    QString t = QStringLiteral("p = %1, q = %2: %3 items compared, %4 skipped\n").arg(c.ps, c.qs).arg(r.items.size()).arg(r.skipped);
    t += QStringLiteral("mean KL(p||q) %1, JS distance %2, TVD %3, cross-entropy %4, H(p) %5, H(q) %6 (log base %7)\n")
             .arg(f(r.mean.kl), f(r.mean.jsd), f(r.mean.tvd), f(r.mean.ce), f(r.mean.entropyP), f(r.mean.entropyQ), logBaseText(c.o));
    if (r.infiniteKl > 0)
        t += QStringLiteral("%1 items have infinite KL (q = 0 where p > 0); try --epsilon\n").arg(r.infiniteKl);
    t += QStringLiteral("distance correlation %1\n").arg(r.dcor.isNull() ? QStringLiteral("NA") : f(r.dcor.value));
    out(t.toUtf8());
}

} // namespace

int cmdDivergence(const QStringList& args)
{
    QCommandLineParser p;
    parseSourceCommand(p, args, divergenceOptions(),
                       QStringLiteral("chorus-cli divergence (--project P | --input FILE) --p SOURCE --q SOURCE [options]"));
    const QString ps = p.value(QStringLiteral("p")), qs = p.value(QStringLiteral("q"));
    if (ps.isEmpty() || qs.isEmpty())
        throw UsageError{QStringLiteral("--p and --q are required")};
    const agg::DivergenceOptions o = readDivergenceOptions(p);
    const model::ScoreReading scores = readScoreReading(p, ps, qs);
    Source source = openSource(p);
    model::DivergenceSourceContext ctx;
    ctx.scores = scores;
    ctx.seed = seedOption(p);
    ctx.probabilities = [&source](int32_t a) { return source.probabilities(a); };
    ctx.run = [&source](qint64 id) { return model::loadRun(source.project(QStringLiteral("source run:ID")), source.snapshot, id); };
    ctx.consensus = [&source] {
        return model::openingConsensus(source.isProject() ? &source.project({}) : nullptr, source.snapshot);
    };
    const agg::DivergenceResult r = checked([&] {
        const agg::Distributions dp = loadSource(ps, source, ctx);
        const agg::Distributions dq = loadSource(qs, source, ctx);
        return agg::compareDistributions(dp, dq, o);
    });
    return printResult(p, Compared{ps, qs, o, r, source.snapshot}, writeDivergenceJson, writeDivergenceText);
}

} // namespace chorus::cli
