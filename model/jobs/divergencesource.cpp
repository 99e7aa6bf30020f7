#include "divergencesource.h"

#include "methods.h"

#include <algorithm>
#include <cmath>

namespace chorus::model {

namespace {

agg::Distributions annotatorSource(const QString& name, const Snapshot& s, const DivergenceSourceContext& ctx)
{
    const int32_t n = s.numItems(), L = s.numLabels();
    const qsizetype a = s.annotators.indexOf(name);
    if (a < 0)
        throw Error(QStringLiteral("no annotator \"%1\"").arg(name));
    if (!ctx.probabilities)
        throw Error(QStringLiteral("annotator probabilities are not available here"));
    ProbabilityTable t = ctx.probabilities(static_cast<int32_t>(a));
    if (std::find(t.present.begin(), t.present.end(), 1) == t.present.end())
        throw Error(QStringLiteral("annotator \"%1\" has no probabilities (votes:%1 uses its labels)").arg(name));
    // Rows the annotator did not report are NaN, which the distribution builders read as absent.
    for (int32_t i = 0; i < n; ++i)
        if (!t.present[i])
            std::fill_n(t.rows.begin() + static_cast<size_t>(i) * L, L, std::nan(""));
    if (ctx.scores.transform)
        return agg::distributionsFromScores(t.rows, n, L, ctx.scores.kind, ctx.scores.temperature);
    return agg::distributionsFromProbabilities(t.rows, n, L);
}

agg::Distributions runSource(const RunData& run, const Snapshot& s)
{
    agg::AggregationResult r;
    r.numLabels = s.numLabels();
    r.labels = run.labels;
    r.posterior = run.posterior;
    return agg::distributionsFromPosterior(r);
}

} // namespace

QStringList votesAnnotators(const QString& spec)
{
    if (!spec.startsWith(QLatin1String("votes:")))
        return {};
    return spec.mid(6).split(QLatin1Char(','), Qt::SkipEmptyParts);
}

QString votesSpec(const QStringList& annotators)
{
    return annotators.isEmpty() ? QStringLiteral("votes") : QStringLiteral("votes:") + annotators.join(QLatin1Char(','));
}

agg::Distributions divergenceSource(const QString& spec, const Snapshot& s, const DivergenceSourceContext& ctx)
{
    const QString kind = spec.section(QLatin1Char(':'), 0, 0), arg = spec.section(QLatin1Char(':'), 1);
    if (spec == QLatin1String("human")) {
        if (s.humanCounts.empty())
            throw Error(QStringLiteral("the data has no human judgment counts (source \"human\")"));
        return agg::distributionsFromCounts(s.humanCounts, s.numItems(), s.numLabels());
    }
    if (spec == QLatin1String("consensus")) {
        if (!ctx.consensus)
            throw Error(QStringLiteral("no consensus is available here"));
        return runSource(ctx.consensus(), s);
    }
    if (kind == QLatin1String("annotator"))
        return annotatorSource(arg, s, ctx);
    if (kind == QLatin1String("votes")) {
        std::vector<int32_t> annotators;
        for (const QString& name : votesAnnotators(spec)) {
            const qsizetype a = s.annotators.indexOf(name);
            if (a < 0)
                throw Error(QStringLiteral("no annotator \"%1\"").arg(name));
            annotators.push_back(static_cast<int32_t>(a));
        }
        return agg::distributionsFromVotes(s.matrix, annotators);
    }
    if (kind == QLatin1String("run")) {
        bool ok = arg == QLatin1String("latest");
        const qint64 id = ok ? 0 : arg.toLongLong(&ok);
        if (!ok)
            throw SourceSpecError(QStringLiteral("run:ID takes a run id or \"latest\""));
        if (!ctx.run)
            throw Error(QStringLiteral("saved runs are not available here"));
        return runSource(ctx.run(id), s);
    }
    if (kind == QLatin1String("method")) {
        agg::AggregationInput in;
        in.matrix = &s.matrix;
        in.seed = ctx.seed;
        try {
            return agg::distributionsFromPosterior(agg::aggregate(arg.toStdString(), in, ctx.hooks));
        } catch (const std::invalid_argument& e) {
            throw Error(QString::fromUtf8(e.what()));
        }
    }
    throw SourceSpecError(
        QStringLiteral("unknown source \"%1\" (human, consensus, annotator:NAME, votes[:A,B], run:ID, method:M)")
            .arg(spec));
}

} // namespace chorus::model
