#include "exporter.h"

#include "csvreader.h"
#include "labelnormalizer.h"
#include "runstore.h"
#include "snapshot.h"

#include <QFileInfo>
#include <QSaveFile>
#include <QSqlQuery>

#include <nlohmann/json.hpp>

#include <cmath>

namespace chorus::model {

QStringList exportFormats()
{
    return {QStringLiteral("jsonl"), QStringLiteral("csv"), QStringLiteral("long-csv"),
            QStringLiteral("wide-csv")};
}

namespace {

struct FinalLabel
{
    int32_t label = -1;
    QString source;
    double confidence = std::nan("");
};

FinalLabel finalLabel(const Snapshot& s, const RunData& run, int32_t i)
{
    FinalLabel f;
    if (s.humanLabel[i] >= 0) {
        f.label = s.humanLabel[i];
        f.source = QStringLiteral("override");
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

QString labelText(const Snapshot& s, int32_t l)
{
    return l >= 0 ? s.labels[l] : kInvalidLabelName;
}

nlohmann::json jsonOrNull(double v)
{
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}

} // namespace

ExportReport exportProject(ProjectStore& store, const QString& out, const ExportOptions& options)
{
    ExportReport report;
    report.format = options.format;
    if (report.format.isEmpty()) {
        const QString ext = QFileInfo(out).suffix().toLower();
        report.format = (ext == QLatin1String("jsonl") || ext == QLatin1String("json")) ? QStringLiteral("jsonl")
                                                                                         : QStringLiteral("csv");
    }
    if (!exportFormats().contains(report.format))
        throw Error(QStringLiteral("unknown export format \"%1\" (known: %2)")
                        .arg(report.format, exportFormats().join(QStringLiteral(", "))));
    if (!options.soft.isEmpty() && options.soft != QLatin1String("posterior") && options.soft != QLatin1String("human"))
        throw Error(QStringLiteral("unknown soft label \"%1\" (posterior or human)").arg(options.soft));

    const Snapshot s = loadSnapshot(store, options.isCanceled);
    RunData run;
    if (store.scalar(QStringLiteral("SELECT COUNT(*) FROM runs")).toLongLong() > 0 || options.runId != 0) {
        run = loadRun(store, s, options.runId);
        report.consensus = QStringLiteral("run %1 (%2)").arg(run.summary.id).arg(run.summary.method);
    } else {
        agg::AggregationInput in;
        in.matrix = &s.matrix;
        run = runFromResult(s, QStringLiteral("mv"), agg::majorityVote(in));
        report.consensus = QStringLiteral("mv (computed)");
    }
    const int32_t L = s.numLabels();

    // Per-annotation probabilities, scores and raw outputs, and item metadata (jsonl only).
    QHash<qint64, QList<QPair<int32_t, QString>>> probs;
    QHash<qint64, QList<QPair<int32_t, double>>> scores;
    QHash<qint64, QList<QPair<int32_t, QString>>> raws;
    QHash<qint64, QString> meta;
    QHash<qint64, QString> notes;
    if (report.format == QLatin1String("jsonl")) {
        QHash<qint64, int32_t> annIndex;
        for (int32_t a = 0; a < s.annotatorIds.size(); ++a)
            annIndex.insert(s.annotatorIds[a], a);
        QSqlQuery q = store.exec(QStringLiteral("SELECT item_id, annotator_id, probs, score, raw FROM annotations "
                                                "WHERE probs IS NOT NULL OR score IS NOT NULL OR raw IS NOT NULL"));
        while (q.next()) {
            const qint64 item = q.value(0).toLongLong();
            const int32_t a = annIndex.value(q.value(1).toLongLong());
            if (!q.value(2).isNull())
                probs[item].append({a, q.value(2).toString()});
            if (!q.value(3).isNull())
                scores[item].append({a, q.value(3).toDouble()});
            if (!q.value(4).isNull())
                raws[item].append({a, q.value(4).toString()});
        }
        q = store.exec(QStringLiteral("SELECT id, meta FROM items WHERE meta IS NOT NULL"));
        while (q.next())
            meta.insert(q.value(0).toLongLong(), q.value(1).toString());
    }

    QSaveFile file(out);
    if (!file.open(QIODevice::WriteOnly))
        throw Error(QStringLiteral("%1: cannot write: %2").arg(out, file.errorString()));
    QByteArray buf;
    auto flush = [&](bool force) {
        if (!force && buf.size() < (1 << 20))
            return;
        if (file.write(buf) != buf.size())
            throw Error(QStringLiteral("%1: write failed: %2").arg(out, file.errorString()));
        buf.clear();
    };

    // Header rows.
    if (report.format == QLatin1String("csv")) {
        QStringList h{QStringLiteral("id"), QStringLiteral("text"), QStringLiteral("label"),
                      QStringLiteral("source"), QStringLiteral("confidence"), QStringLiteral("status")};
        if (!options.soft.isEmpty())
            for (const QString& l : s.labels)
                h << QStringLiteral("p_") + l;
        if (options.annotatorLabels)
            h << s.annotators;
        for (QString& c : h)
            c = csvField(c);
        buf += h.join(QLatin1Char(',')).toUtf8() + '\n';
    } else if (report.format == QLatin1String("long-csv")) {
        buf += "item,annotator,label\n";
    } else if (report.format == QLatin1String("wide-csv")) {
        QStringList h{QStringLiteral("item")};
        for (const QString& a : s.annotators)
            h << csvField(a);
        buf += h.join(QLatin1Char(',')).toUtf8() + '\n';
    }

    bool firstRecord = true;
    for (int32_t i = 0; i < s.numItems(); ++i) {
        if ((i & 0x3FF) == 0) {
            if (options.isCanceled && options.isCanceled()) {
                file.cancelWriting();
                throw CanceledError();
            }
            if (options.progress)
                options.progress(i, s.numItems());
        }
        const FinalLabel f = finalLabel(s, run, i);
        const bool drop = (options.reviewedOnly && s.status[i] == ReviewStatus::Unreviewed)
            || (options.excludeFlagged && s.status[i] == ReviewStatus::Flagged)
            || (options.excludeInvalid && f.label < 0)
            || (options.minConfidence >= 0 && !(f.confidence >= options.minConfidence));
        if (drop) {
            ++report.skipped;
            continue;
        }
        ++report.items;
        const qint64 itemId = s.itemIds[i];
        std::vector<double> soft;
        if (options.soft == QLatin1String("posterior") && !run.posterior.empty() && f.label >= 0) {
            soft.assign(run.posterior.begin() + static_cast<size_t>(i) * L,
                        run.posterior.begin() + static_cast<size_t>(i + 1) * L);
        } else if (options.soft == QLatin1String("human") && !s.hasHumanCounts.empty() && s.hasHumanCounts[i]) {
            double total = 0;
            for (int32_t l = 0; l < L; ++l)
                total += s.humanCounts[static_cast<size_t>(i) * L + l];
            for (int32_t l = 0; l < L; ++l)
                soft.push_back(total > 0 ? s.humanCounts[static_cast<size_t>(i) * L + l] / total : 0.0);
        }

        if (report.format == QLatin1String("jsonl")) {
            nlohmann::ordered_json j;
            if (firstRecord) {
                // Project-level facts ride on the first record so that a re-import gives the
                // same label order and annotator kinds.
                nlohmann::json set = nlohmann::json::array();
                for (const QString& l : s.labels)
                    set.push_back(l.toStdString());
                j["label_set"] = set;
                if (options.annotatorLabels && !s.annotators.isEmpty()) {
                    nlohmann::ordered_json anns = nlohmann::ordered_json::object();
                    for (int32_t a = 0; a < s.annotators.size(); ++a) {
                        nlohmann::ordered_json props{{"kind", kindName(s.annotatorKinds[a]).toStdString()}};
                        if (std::isfinite(s.annotatorCosts[a]))
                            props["cost_per_item"] = s.annotatorCosts[a];
                        anns[s.annotators[a].toStdString()] = props;
                    }
                    j["annotators"] = anns;
                }
            }
            j["id"] = s.itemExtIds[i].toStdString();
            j["text"] = s.itemTexts[i].toStdString();
            j["label"] = f.label >= 0 ? nlohmann::json(s.labels[f.label].toStdString()) : nlohmann::json();
            j["source"] = f.label >= 0 ? f.source.toStdString() : std::string("none");
            j["confidence"] = jsonOrNull(f.confidence);
            j["status"] = statusName(s.status[i]).toStdString();
            if (!soft.empty()) {
                nlohmann::ordered_json so;
                for (int32_t l = 0; l < L; ++l)
                    so[s.labels[l].toStdString()] = soft[l];
                j["soft_label"] = so;
            }
            if (options.annotatorLabels) {
                nlohmann::ordered_json labels = nlohmann::ordered_json::object();
                for (int64_t k = s.matrix.itemBegin(i); k < s.matrix.itemEnd(i); ++k)
                    labels[s.annotators[s.matrix.itemAnnotator(k)].toStdString()] =
                        labelText(s, s.matrix.itemLabel(k)).toStdString();
                j["labels"] = labels;
                if (probs.contains(itemId)) {
                    nlohmann::ordered_json p;
                    for (const auto& [a, text] : probs.value(itemId))
                        p[s.annotators[a].toStdString()] = nlohmann::json::parse(text.toStdString());
                    j["probs"] = p;
                }
                if (scores.contains(itemId)) {
                    nlohmann::ordered_json p;
                    for (const auto& [a, v] : scores.value(itemId))
                        p[s.annotators[a].toStdString()] = v;
                    j["scores"] = p;
                }
                if (raws.contains(itemId)) {
                    // Original outputs that differ from the label (INVALID ones included).
                    nlohmann::ordered_json p;
                    for (const auto& [a, text] : raws.value(itemId))
                        p[s.annotators[a].toStdString()] = text.toStdString();
                    j["raw"] = p;
                }
            }
            if (s.gold[i] >= 0)
                j["gold"] = s.labels[s.gold[i]].toStdString();
            if (!s.hasHumanCounts.empty() && s.hasHumanCounts[i]) {
                nlohmann::ordered_json c = nlohmann::ordered_json::object();  // {} when all are 0
                for (int32_t l = 0; l < L; ++l)
                    if (s.humanCounts[static_cast<size_t>(i) * L + l] > 0)
                        c[s.labels[l].toStdString()] =
                            static_cast<long long>(s.humanCounts[static_cast<size_t>(i) * L + l]);
                j["human_counts"] = c;
            }
            if (meta.contains(itemId))
                j["meta"] = nlohmann::json::parse(meta.value(itemId).toStdString(), nullptr, false);
            buf += QByteArray::fromStdString(j.dump()) + '\n';
        } else if (report.format == QLatin1String("csv")) {
            QStringList row{csvField(s.itemExtIds[i]), csvField(s.itemTexts[i]),
                            f.label >= 0 ? csvField(s.labels[f.label]) : QString(),
                            f.label >= 0 ? csvField(f.source) : QStringLiteral("none"),
                            std::isfinite(f.confidence) ? QString::number(f.confidence, 'g', 10) : QString(),
                            statusName(s.status[i])};
            if (!options.soft.isEmpty())
                for (int32_t l = 0; l < L; ++l)
                    row << (soft.empty() ? QString() : QString::number(soft[l], 'g', 10));
            if (options.annotatorLabels)
                for (int32_t a = 0; a < s.annotators.size(); ++a) {
                    const int32_t l = s.matrix.labelOf(i, a);
                    row << (l == -2 ? QString() : csvField(labelText(s, l)));
                }
            buf += row.join(QLatin1Char(',')).toUtf8() + '\n';
        } else if (report.format == QLatin1String("long-csv")) {
            for (int64_t k = s.matrix.itemBegin(i); k < s.matrix.itemEnd(i); ++k)
                buf += (csvField(s.itemExtIds[i]) + QLatin1Char(',') + csvField(s.annotators[s.matrix.itemAnnotator(k)])
                        + QLatin1Char(',') + csvField(labelText(s, s.matrix.itemLabel(k))))
                           .toUtf8()
                    + '\n';
        } else {
            QStringList row{csvField(s.itemExtIds[i])};
            for (int32_t a = 0; a < s.annotators.size(); ++a) {
                const int32_t l = s.matrix.labelOf(i, a);
                row << (l == -2 ? QString() : csvField(labelText(s, l)));
            }
            buf += row.join(QLatin1Char(',')).toUtf8() + '\n';
        }
        firstRecord = false;
        flush(false);
    }
    flush(true);
    if (!file.commit())
        throw Error(QStringLiteral("%1: cannot finish writing: %2").arg(out, file.errorString()));
    if (options.progress)
        options.progress(s.numItems(), s.numItems());
    return report;
}

} // namespace chorus::model
