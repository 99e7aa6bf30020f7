#include "exporter.h"

#include "exportformats.h"

#include "calibration.h"
#include "crowd.h"

#include <QFileInfo>
#include <QSaveFile>

#include <algorithm>
#include <cmath>

namespace chorus::model {

namespace {

// The export formats, in the order exportFormats() lists them.
struct FormatEntry
{
    const char* name;
    std::unique_ptr<formats::ExportWriter> (*make)(const formats::ExportContext&);
    bool curated;  ///< the curated dataset (notes, history), not only the answers
};

constexpr FormatEntry kFormats[] = {
    {"jsonl", &formats::jsonlWriter, true},
    {"csv", &formats::csvWriter, true},
    {"long-csv", &formats::longCsvWriter, false},
    {"wide-csv", &formats::wideCsvWriter, false},
};

// The format named in options, else the one the extension suggests; throws when unknown.
const FormatEntry& chooseFormat(const QString& out, const ExportOptions& options)
{
    QString name = options.format;
    if (name.isEmpty()) {
        const QString ext = QFileInfo(out).suffix().toLower();
        name = (ext == QLatin1String("jsonl") || ext == QLatin1String("json")) ? QStringLiteral("jsonl")
                                                                                : QStringLiteral("csv");
    }
    for (const FormatEntry& f : kFormats)
        if (name == QLatin1String(f.name))
            return f;
    throw Error(QStringLiteral("unknown export format \"%1\" (known: %2)")
                    .arg(name, exportFormats().join(QStringLiteral(", "))));
}

formats::FinalLabel finalLabel(const Snapshot& s, const RunData& run, int32_t i)
{
    formats::FinalLabel f;
    if (s.humanLabel[i] >= 0) {
        f.label = s.humanLabel[i];
        f.source = !s.adjudicated.empty() && s.adjudicated[i] ? QStringLiteral("adjudicated") : QStringLiteral("override");
        f.confidence = 1.0;
        return f;
    }
    int32_t first = -1;
    int valid = 0;
    bool same = true;
    for (int64_t k = s.matrix.itemBegin(i); k < s.matrix.itemEnd(i); ++k) {
        const int32_t l = s.matrix.itemLabel(k);
        if (l < 0)
            continue;
        ++valid;
        if (first < 0)
            first = l;
        else if (l != first)
            same = false;
    }
    if (valid >= 2 && same) {
        f.label = first;
        f.source = QStringLiteral("unanimous");
        const double p = run.posterior.empty() ? std::nan("")
                                               : run.posterior[static_cast<size_t>(i) * s.numLabels() + first];
        f.confidence = std::isnan(p) ? 1.0 : p;
        return f;
    }
    if (run.labels[i] >= 0) {
        f.label = run.labels[i];
        f.source = QStringLiteral("aggregate:") + run.summary.method;
        f.confidence = run.confidence[i];
    }
    return f;
}

bool passesFilters(const Snapshot& s, const ExportOptions& o, int32_t i, const formats::FinalLabel& f)
{
    return !((o.reviewedOnly && s.status[i] == ReviewStatus::Unreviewed)
             || (o.excludeFlagged && s.status[i] == ReviewStatus::Flagged) || (o.excludeInvalid && f.label < 0)
             || (o.minConfidence >= 0 && !(f.confidence >= o.minConfidence)));
}

// The soft label of item i (empty when it has none); `posterior` is the run's, or its
// temperature-scaled rows for soft = "calibrated".
std::vector<double> softLabel(const Snapshot& s, const std::vector<double>& posterior, const ExportOptions& o, int32_t i,
                              const formats::FinalLabel& f)
{
    const int32_t L = s.numLabels();
    std::vector<double> soft;
    const bool fromRun = o.soft == QLatin1String("posterior") || o.soft == QLatin1String("calibrated");
    if (fromRun && !posterior.empty() && f.label >= 0) {
        soft.assign(posterior.begin() + static_cast<size_t>(i) * L, posterior.begin() + static_cast<size_t>(i + 1) * L);
    } else if (o.soft == QLatin1String("human") && !s.hasHumanCounts.empty() && s.hasHumanCounts[i]) {
        double total = 0;
        for (int32_t l = 0; l < L; ++l)
            total += s.humanCounts[static_cast<size_t>(i) * L + l];
        for (int32_t l = 0; l < L; ++l)
            soft.push_back(total > 0 ? s.humanCounts[static_cast<size_t>(i) * L + l] / total : 0.0);
    }
    return soft;
}

// The consensus: the run asked for, else the latest saved run, else majority vote on the fly.
RunData consensusRun(ProjectStore& store, const Snapshot& s, const ExportOptions& o, QString& description)
{
    if (store.scalar(QStringLiteral("SELECT COUNT(*) FROM runs")).toLongLong() > 0 || o.runId != 0) {
        RunData run = loadRun(store, s, o.runId);
        description = QStringLiteral("run %1 (%2)").arg(run.summary.id).arg(run.summary.method);
        return run;
    }
    agg::AggregationInput in;
    in.matrix = &s.matrix;
    description = QStringLiteral("mv (computed)");
    return runFromResult(s, QStringLiteral("mv"), agg::majorityVote(in));
}

// soft = "calibrated": the run's posterior scaled by the temperature fitted on the selection gold
// (report gets T and the number of items). Throws when there is no gold or no posterior.
std::vector<double> calibratedPosterior(const Snapshot& s, const RunData& run, const ExportOptions& o,
                                        ExportReport& report)
{
    if (std::none_of(s.gold.begin(), s.gold.end(), [](int32_t g) { return g >= 0; }))
        throw Error(QStringLiteral("--soft calibrated fits a temperature on gold labels, and no item of this project "
                                   "has one (import gold labels, or use --soft posterior)"));
    if (run.posterior.empty())
        throw Error(QStringLiteral("--soft calibrated: %1 has no posterior to calibrate").arg(report.consensus));
    if (!(o.calibrationFraction > 0 && o.calibrationFraction <= 1))
        throw Error(QStringLiteral("the calibration's select fraction must be in (0, 1]"));
    const agg::GoldSplit split = agg::splitGold(s.gold, o.calibrationFraction, o.calibrationSeed);
    const int32_t L = s.numLabels();
    report.temperature = agg::fitTemperature(run.posterior, L, {}, s.gold, split.selection);
    report.calibrationItems = static_cast<qint64>(split.selection.size());
    return agg::temperatureScaled(run.posterior, L, report.temperature);
}

// The target file: written through a temporary file in its directory and renamed over the
// target by commit(). Destroyed without commit() (error, cancel), it leaves the target as it was.
class AtomicOutput
{
public:
    explicit AtomicOutput(const QString& path) : m_path(path), m_file(path)
    {
        if (!m_file.open(QIODevice::WriteOnly))
            throw Error(QStringLiteral("%1: cannot write: %2").arg(m_path, m_file.errorString()));
    }
    ~AtomicOutput()
    {
        if (m_file.isOpen())
            m_file.cancelWriting();
    }
    QByteArray& buffer() { return m_buf; }
    /// Writes the buffer out once it holds 1 MB (or always, with force).
    void flush(bool force = false)
    {
        if (!force && m_buf.size() < (1 << 20))
            return;
        if (m_file.write(m_buf) != m_buf.size())
            throw Error(QStringLiteral("%1: write failed: %2").arg(m_path, m_file.errorString()));
        m_buf.clear();
    }
    void commit()
    {
        flush(true);
        if (!m_file.commit())
            throw Error(QStringLiteral("%1: cannot finish writing: %2").arg(m_path, m_file.errorString()));
    }

private:
    QString m_path;
    QSaveFile m_file;
    QByteArray m_buf;
};

} // namespace

QStringList exportFormats()
{
    QStringList out;
    for (const FormatEntry& f : kFormats)
        out << QString::fromLatin1(f.name);
    return out;
}

ExportReport exportProject(ProjectStore& store, const QString& out, const ExportOptions& options)
{
    const FormatEntry& format = chooseFormat(out, options);
    ExportReport report;
    report.format = QString::fromLatin1(format.name);
    if (!options.soft.isEmpty() && options.soft != QLatin1String("posterior") && options.soft != QLatin1String("human")
        && options.soft != QLatin1String("calibrated"))
        throw Error(QStringLiteral("unknown soft label \"%1\" (posterior, calibrated or human)").arg(options.soft));
    if (options.history && !format.curated)
        throw Error(QStringLiteral("the decision history is exported in jsonl and csv only (%1 carries the "
                                   "answers only)")
                        .arg(report.format));

    const Snapshot s = loadSnapshot(store, options.isCanceled);
    const RunData run = consensusRun(store, s, options, report.consensus);
    const QHash<qint64, QList<Decision>> history = options.history ? store.decisionHistories()
                                                                   : QHash<qint64, QList<Decision>>();
    const bool calibrated = options.soft == QLatin1String("calibrated");
    const std::vector<double> posterior = calibrated ? calibratedPosterior(s, run, options, report) : run.posterior;
    const formats::ExportContext context{s, run, options, history, calibrated ? &report : nullptr};
    const std::unique_ptr<formats::ExportWriter> writer = format.make(context);
    writer->load(store);

    AtomicOutput file(out);
    writer->header(file.buffer());
    for (int32_t i = 0; i < s.numItems(); ++i) {
        if ((i & 0x3FF) == 0) {
            if (options.isCanceled && options.isCanceled())
                throw CanceledError();
            if (options.progress)
                options.progress(i, s.numItems());
        }
        formats::ExportItem item;
        item.index = i;
        item.final = finalLabel(s, run, i);
        if (!passesFilters(s, options, i, item.final)) {
            ++report.skipped;
            continue;
        }
        ++report.items;
        item.soft = softLabel(s, posterior, options, i, item.final);
        writer->item(item, file.buffer());
        file.flush();
    }
    file.commit();
    if (options.progress)
        options.progress(s.numItems(), s.numItems());
    return report;
}

} // namespace chorus::model
