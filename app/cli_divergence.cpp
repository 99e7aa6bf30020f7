// chorus-cli divergence: per-item distances between two sources of label distributions.

#include "cli_format.h"
#include "cli_json.h"

#include "divergence.h"
#include "methods.h"
#include "runstore.h"

#include <algorithm>
#include <cmath>

namespace chorus::cli {

namespace {

struct ScoreMode
{
    bool transform = false;  ///< --softmax or --pnorm: annotator rows are raw scores
    agg::ScoreTransform kind = agg::ScoreTransform::Normalize;
    double temperature = 1;
};

// human | annotator:NAME | votes | votes:A,B | run:ID | run:latest | method:M
agg::Distributions loadSource(const QString& spec, Source& source, const model::Snapshot& s,
                              const ScoreMode& scores, uint64_t seed)
{
    const int32_t n = s.numItems(), L = s.numLabels();
    const QString kind = spec.section(QLatin1Char(':'), 0, 0), arg = spec.section(QLatin1Char(':'), 1);
    if (spec == QLatin1String("human")) {
        if (s.humanCounts.empty())
            throw model::Error(QStringLiteral("the data has no human judgment counts (source \"human\")"));
        return agg::distributionsFromCounts(s.humanCounts, n, L);
    }
    if (kind == QLatin1String("annotator")) {
        const qsizetype a = s.annotators.indexOf(arg);
        if (a < 0)
            throw model::Error(QStringLiteral("no annotator \"%1\"").arg(arg));
        model::ProbabilityTable t = source.probabilities(static_cast<int32_t>(a));
        if (std::find(t.present.begin(), t.present.end(), 1) == t.present.end())
            throw model::Error(QStringLiteral("annotator \"%1\" has no probabilities (votes:%1 uses its labels)").arg(arg));
        for (int32_t i = 0; i < n; ++i)
            if (!t.present[i])
                std::fill_n(t.rows.begin() + static_cast<size_t>(i) * L, L, std::nan(""));
        if (scores.transform)
            return agg::distributionsFromScores(t.rows, n, L, scores.kind, scores.temperature);
        return agg::distributionsFromProbabilities(t.rows, n, L);
    }
    if (kind == QLatin1String("votes")) {
        std::vector<int32_t> annotators;
        for (const QString& name : arg.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            const qsizetype a = s.annotators.indexOf(name);
            if (a < 0)
                throw model::Error(QStringLiteral("no annotator \"%1\"").arg(name));
            annotators.push_back(static_cast<int32_t>(a));
        }
        return agg::distributionsFromVotes(s.matrix, annotators);
    }
    agg::AggregationResult r;
    if (kind == QLatin1String("run")) {
        bool ok = arg == QLatin1String("latest");
        const qint64 id = ok ? 0 : arg.toLongLong(&ok);
        if (!ok)
            throw UsageError{QStringLiteral("run:ID takes a run id or \"latest\"")};
        const model::RunData run = model::loadRun(source.project(QStringLiteral("source run:ID")), s, id);
        r.numLabels = L;
        r.labels = run.labels;
        r.posterior = run.posterior;
    } else if (kind == QLatin1String("method")) {
        agg::AggregationInput in;
        in.matrix = &s.matrix;
        in.seed = seed;
        r = agg::aggregate(arg.toStdString(), in);
    } else {
        throw UsageError{QStringLiteral("unknown source \"%1\" (human, annotator:NAME, votes[:A,B], run:ID, method:M)")
                             .arg(spec)};
    }
    return agg::distributionsFromPosterior(r);
}

} // namespace

int cmdDivergence(const QStringList& args)
{
    QCommandLineParser p;
    addSourceOptions(p);
    p.addOptions({
        {QStringLiteral("p"),
         QStringLiteral("First distribution (KL is KL(p||q)): human, annotator:NAME, votes, votes:A,B, run:ID, "
                        "run:latest or method:M."),
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
        {QStringLiteral("seed"), QStringLiteral("Seed of method: sources."), QStringLiteral("N"), QStringLiteral("0")},
        {QStringLiteral("json"), QStringLiteral("Print per-item values and means as JSON.")},
    });
    parseOrThrow(p, args,
                 QStringLiteral("chorus-cli divergence (--project P | --input FILE) --p SOURCE --q SOURCE [options]"));
    const QString ps = p.value(QStringLiteral("p")), qs = p.value(QStringLiteral("q"));
    if (ps.isEmpty() || qs.isEmpty())
        throw UsageError{QStringLiteral("--p and --q are required")};
    agg::DivergenceOptions o;
    const QString base = p.value(QStringLiteral("log"));
    if (base != QLatin1String("e") && base != QLatin1String("2"))
        throw UsageError{QStringLiteral("--log must be e or 2")};
    o.base = base == QLatin1String("2") ? agg::LogBase::Two : agg::LogBase::E;
    bool ok = false;
    o.epsilon = p.value(QStringLiteral("epsilon")).toDouble(&ok);
    if (!ok || !(o.epsilon >= 0) || !std::isfinite(o.epsilon))
        throw UsageError{QStringLiteral("--epsilon takes a number >= 0")};
    o.distanceCorrelation = !p.isSet(QStringLiteral("no-dcor"));
    ScoreMode scores;
    if (p.isSet(QStringLiteral("softmax")) && p.isSet(QStringLiteral("pnorm")))
        throw UsageError{QStringLiteral("give at most one of --softmax and --pnorm")};
    if (p.isSet(QStringLiteral("softmax"))) {
        scores = {true, agg::ScoreTransform::Softmax, p.value(QStringLiteral("softmax")).toDouble(&ok)};
        if (!ok || !(scores.temperature > 0))
            throw UsageError{QStringLiteral("--softmax takes a temperature > 0")};
    } else if (p.isSet(QStringLiteral("pnorm"))) {
        scores = {true, agg::ScoreTransform::Normalize, 1};
    }
    if (scores.transform && !ps.startsWith(QLatin1String("annotator:")) && !qs.startsWith(QLatin1String("annotator:")))
        throw UsageError{QStringLiteral("--softmax and --pnorm apply to annotator: sources only")};
    const uint64_t seed = seedOption(p);

    Source source = openSource(p);
    const model::Snapshot& s = source.snapshot;
    agg::DivergenceResult r;
    try {
        const agg::Distributions dp = loadSource(ps, source, s, scores, seed);
        const agg::Distributions dq = loadSource(qs, source, s, scores, seed);
        r = agg::compareDistributions(dp, dq, o);
    } catch (const std::invalid_argument& e) {
        throw model::Error(QString::fromUtf8(e.what()));
    }
    const Json dcor = r.dcor.isNull() ? Json() : num(r.dcor.value);

    if (p.isSet(QStringLiteral("json"))) {
        JsonStream j;
        j.member("p", ps.toStdString());
        j.member("q", qs.toStdString());
        j.member("log", base.toStdString());
        j.member("epsilon", o.epsilon);
        j.beginArray("items");
        for (const agg::ItemDivergence& d : r.items)
            j.element({{"item", s.itemExtIds[d.item].toStdString()},
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
        j.member("dcor", dcor);
        j.member("compared", r.items.size());
        j.member("skipped", r.skipped);
        j.member("infinite_kl", r.infiniteKl);  // kl and ce are null for these items (and in the mean)
        j.finish();
        return kOk;
    }
    auto f = [](double v) { return std::isfinite(v) ? QString::number(v, 'f', 6) : QStringLiteral("inf"); };
    QString t = QStringLiteral("p = %1, q = %2: %3 items compared, %4 skipped\n").arg(ps, qs).arg(r.items.size()).arg(r.skipped);
    t += QStringLiteral("mean KL(p||q) %1, JS distance %2, TVD %3, cross-entropy %4, H(p) %5, H(q) %6 (log base %7)\n")
             .arg(f(r.mean.kl), f(r.mean.jsd), f(r.mean.tvd), f(r.mean.ce), f(r.mean.entropyP), f(r.mean.entropyQ), base);
    if (r.infiniteKl > 0)
        t += QStringLiteral("%1 items have infinite KL (q = 0 where p > 0); try --epsilon\n").arg(r.infiniteKl);
    t += QStringLiteral("distance correlation %1\n").arg(r.dcor.isNull() ? QStringLiteral("NA") : f(r.dcor.value));
    out(t.toUtf8());
    return kOk;
}

} // namespace chorus::cli
