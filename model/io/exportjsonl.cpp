// The jsonl export: one object per item with the curated label, the reviewer's note (and
// history), and everything a re-import needs (label set, annotators, answers with raw text,
// probabilities, scores, gold, counts, meta).

#include "exportformats.h"

#include "labelnormalizer.h"

#include <QHash>
#include <QSqlQuery>

#include <nlohmann/json.hpp>

namespace chorus::model::formats {

QString labelText(const Snapshot& s, int32_t label)
{
    return label >= 0 ? s.labels[label] : kInvalidLabelName;
}

QString currentNote(const Snapshot& s, int32_t i)
{
    return s.notes.value(i);
}

nlohmann::ordered_json historyJson(const ExportContext& context, int32_t i)
{
    const Snapshot& s = context.snapshot;
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const Decision& d : context.history.value(s.itemIds[i])) {
        const int32_t l = d.labelId > 0 ? s.labelIndexById.value(d.labelId, -1) : -1;
        out.push_back(nlohmann::ordered_json{
            {"created_at", d.createdAt.toStdString()},
            {"author", d.author.toStdString()},
            {"action", d.action.toStdString()},
            {"label", l >= 0 ? nlohmann::ordered_json(s.labels[l].toStdString()) : nlohmann::ordered_json()},
            {"status", statusName(d.status).toStdString()},
            {"note", d.note.toStdString()},
        });
    }
    return out;
}

namespace {

nlohmann::json jsonOrNull(double v)
{
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}

class JsonlWriter final : public ExportWriter
{
public:
    using ExportWriter::ExportWriter;

    void load(ProjectStore& store) override;
    void item(const ExportItem& item, QByteArray& out) override;

private:
    void addProjectFacts(nlohmann::ordered_json& j) const;
    void addAnnotations(nlohmann::ordered_json& j, int32_t i) const;
    void addReference(nlohmann::ordered_json& j, int32_t i) const;

    // Per-annotation probabilities (JSON text), scores and raw outputs by item id, as
    // (annotator index, value); item metadata (JSON text) by item id.
    QHash<qint64, QList<QPair<int32_t, QString>>> m_probs;
    QHash<qint64, QList<QPair<int32_t, double>>> m_scores;
    QHash<qint64, QList<QPair<int32_t, QString>>> m_raws;
    QHash<qint64, QString> m_meta;
    bool m_first = true;
};

void JsonlWriter::load(ProjectStore& store)
{
    const Snapshot& s = m_ctx.snapshot;
    QHash<qint64, int32_t> annIndex;
    for (int32_t a = 0; a < s.annotatorIds.size(); ++a)
        annIndex.insert(s.annotatorIds[a], a);
    QSqlQuery q = store.exec(QStringLiteral("SELECT item_id, annotator_id, probs, score, raw FROM annotations "
                                            "WHERE probs IS NOT NULL OR score IS NOT NULL OR raw IS NOT NULL"));
    while (q.next()) {
        const qint64 item = q.value(0).toLongLong();
        const int32_t a = annIndex.value(q.value(1).toLongLong());
        if (!q.value(2).isNull())
            m_probs[item].append({a, q.value(2).toString()});
        if (!q.value(3).isNull())
            m_scores[item].append({a, q.value(3).toDouble()});
        if (!q.value(4).isNull())
            m_raws[item].append({a, q.value(4).toString()});
    }
    q = store.exec(QStringLiteral("SELECT id, meta FROM items WHERE meta IS NOT NULL"));
    while (q.next())
        m_meta.insert(q.value(0).toLongLong(), q.value(1).toString());
}

// Project-level facts ride on the first record so that a re-import gives the same label order
// and annotator kinds.
void JsonlWriter::addProjectFacts(nlohmann::ordered_json& j) const
{
    const Snapshot& s = m_ctx.snapshot;
    nlohmann::json set = nlohmann::json::array();
    for (const QString& l : s.labels)
        set.push_back(l.toStdString());
    j["label_set"] = set;
    if (m_ctx.options.annotatorLabels && !s.annotators.isEmpty()) {
        nlohmann::ordered_json anns = nlohmann::ordered_json::object();
        for (int32_t a = 0; a < s.annotators.size(); ++a) {
            nlohmann::ordered_json props{{"kind", kindName(s.annotatorKinds[a]).toStdString()}};
            if (std::isfinite(s.annotatorCosts[a]))
                props["cost_per_item"] = s.annotatorCosts[a];
            anns[s.annotators[a].toStdString()] = props;
        }
        j["annotators"] = anns;
    }
    if (const ExportReport* c = m_ctx.calibration)
        j["soft_label_calibration"] = nlohmann::ordered_json{
            {"method", "temperature scaling: softmax(ln p / T) of the consensus posterior"},
            {"consensus", c->consensus.toStdString()},
            {"temperature", c->temperature},
            {"fitted_on_gold_items", c->calibrationItems},
            {"select_fraction", m_ctx.options.calibrationFraction},
            {"seed", m_ctx.options.calibrationSeed}};
}

// Every annotator's label, probabilities, score and raw output.
void JsonlWriter::addAnnotations(nlohmann::ordered_json& j, int32_t i) const
{
    const Snapshot& s = m_ctx.snapshot;
    const qint64 itemId = s.itemIds[i];
    nlohmann::ordered_json labels = nlohmann::ordered_json::object();
    for (int64_t k = s.matrix.itemBegin(i); k < s.matrix.itemEnd(i); ++k)
        labels[s.annotators[s.matrix.itemAnnotator(k)].toStdString()] =
            labelText(s, s.matrix.itemLabel(k)).toStdString();
    j["labels"] = labels;
    if (m_probs.contains(itemId)) {
        nlohmann::ordered_json p;
        for (const auto& [a, text] : m_probs.value(itemId))
            p[s.annotators[a].toStdString()] = nlohmann::json::parse(text.toStdString());
        j["probs"] = p;
    }
    if (m_scores.contains(itemId)) {
        nlohmann::ordered_json p;
        for (const auto& [a, v] : m_scores.value(itemId))
            p[s.annotators[a].toStdString()] = v;
        j["scores"] = p;
    }
    if (m_raws.contains(itemId)) {
        // Original outputs that differ from the label (INVALID ones included).
        nlohmann::ordered_json p;
        for (const auto& [a, text] : m_raws.value(itemId))
            p[s.annotators[a].toStdString()] = text.toStdString();
        j["raw"] = p;
    }
}

// Gold, human judgment counts and metadata.
void JsonlWriter::addReference(nlohmann::ordered_json& j, int32_t i) const
{
    const Snapshot& s = m_ctx.snapshot;
    const int32_t L = s.numLabels();
    if (s.gold[i] >= 0)
        j["gold"] = s.labels[s.gold[i]].toStdString();
    if (!s.hasHumanCounts.empty() && s.hasHumanCounts[i]) {
        nlohmann::ordered_json c = nlohmann::ordered_json::object();  // {} when all are 0
        for (int32_t l = 0; l < L; ++l)
            if (s.humanCounts[static_cast<size_t>(i) * L + l] > 0)
                c[s.labels[l].toStdString()] = static_cast<long long>(s.humanCounts[static_cast<size_t>(i) * L + l]);
        j["human_counts"] = c;
    }
    const qint64 itemId = s.itemIds[i];
    if (m_meta.contains(itemId))
        j["meta"] = nlohmann::json::parse(m_meta.value(itemId).toStdString(), nullptr, false);
}

void JsonlWriter::item(const ExportItem& item, QByteArray& out)
{
    const Snapshot& s = m_ctx.snapshot;
    const int32_t i = item.index;
    const FinalLabel& f = item.final;
    nlohmann::ordered_json j;
    if (m_first)
        addProjectFacts(j);
    m_first = false;
    j["id"] = s.itemExtIds[i].toStdString();
    j["text"] = s.itemTexts[i].toStdString();
    j["label"] = f.label >= 0 ? nlohmann::json(s.labels[f.label].toStdString()) : nlohmann::json();
    j["source"] = f.label >= 0 ? f.source.toStdString() : std::string("none");
    j["confidence"] = jsonOrNull(f.confidence);
    j["status"] = statusName(s.status[i]).toStdString();
    if (const QString note = currentNote(s, i); !note.isEmpty())
        j["note"] = note.toStdString();
    if (m_ctx.options.history)
        j["history"] = historyJson(m_ctx, i);
    if (!item.soft.empty()) {
        nlohmann::ordered_json so;
        for (int32_t l = 0; l < s.numLabels(); ++l)
            so[s.labels[l].toStdString()] = item.soft[l];
        j["soft_label"] = so;
    }
    if (m_ctx.options.annotatorLabels)
        addAnnotations(j, i);
    addReference(j, i);
    out += QByteArray::fromStdString(j.dump()) + '\n';
}

} // namespace

std::unique_ptr<ExportWriter> jsonlWriter(const ExportContext& context)
{
    return std::make_unique<JsonlWriter>(context);
}

} // namespace chorus::model::formats
