#include "importtarget.h"

#include "labelorder.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

namespace chorus::model {

// Ids are index + 1 everywhere, as a new project numbers its rows.
struct MemoryImportTarget::Data
{
    QStringList itemExt, itemText, itemMeta;
    QStringList annNames;
    QVector<AnnotatorKind> annKinds;
    QVector<double> annCosts;
    QStringList labelNames;
    std::vector<qint64> labelPosition;
    // Annotations in the order they were added; label is a label id - 1 or kInvalidLabel.
    std::vector<agg::Annotation> rows;
    // Per item its last row, per row the previous row of the same item (-1 ends the chain):
    // the duplicate check walks an item's few rows instead of hashing a million pairs.
    std::vector<int32_t> itemLast, rowPrev;
    struct ProbRow
    {
        int32_t item, annotator;
        QString json;  // {label: p}
    };
    std::vector<ProbRow> probRows;
    std::vector<qint64> gold;                        // per item, label id or 0
    std::map<std::pair<qint64, qint64>, qint64> counts;  // (item id, label id) -> count
};

MemoryImportTarget::MemoryImportTarget() : d(std::make_unique<Data>()) {}

MemoryImportTarget::~MemoryImportTarget() = default;

QList<QPair<QString, qint64>> MemoryImportTarget::existingLabels()
{
    std::vector<qint64> ids(d->labelNames.size());
    std::iota(ids.begin(), ids.end(), 1);
    std::stable_sort(ids.begin(), ids.end(), [&](qint64 a, qint64 b) {
        return d->labelPosition[a - 1] < d->labelPosition[b - 1];
    });
    QList<QPair<QString, qint64>> out;
    for (qint64 id : ids)
        out.append({d->labelNames[id - 1], id});
    return out;
}

qint64 MemoryImportTarget::addLabel(const QString& name)
{
    const qsizetype at = d->labelNames.indexOf(name);
    if (at >= 0)
        return at + 1;
    qint64 next = 0;
    for (qint64 p : d->labelPosition)
        next = std::max(next, p + 1);
    d->labelNames << name;
    d->labelPosition.push_back(next);
    return d->labelNames.size();
}

// The same rules as labelorder.cpp's functions on a project's labels table.
void MemoryImportTarget::declareLabelOrder(const QStringList& declared)
{
    const QList<QPair<QString, qint64>> current = existingLabels();
    struct Label
    {
        qint64 id, rank;
    };
    std::vector<Label> labels;
    for (const auto& [name, id] : current) {
        const qsizetype k = declared.indexOf(name);
        labels.push_back({id, k >= 0 ? k : declared.size() + d->labelPosition[id - 1]});
    }
    std::sort(labels.begin(), labels.end(),
              [](const Label& x, const Label& y) { return x.rank != y.rank ? x.rank < y.rank : x.id < y.id; });
    for (size_t k = 0; k < labels.size(); ++k)
        d->labelPosition[labels[k].id - 1] = static_cast<qint64>(k);
}

void MemoryImportTarget::canonicalizeLabelOrder()
{
    if (m_closed)
        return;
    std::vector<qint64> ids(d->labelNames.size());
    std::iota(ids.begin(), ids.end(), 1);
    std::sort(ids.begin(), ids.end(),
              [&](qint64 a, qint64 b) { return naturalLess(d->labelNames[a - 1], d->labelNames[b - 1]); });
    for (size_t k = 0; k < ids.size(); ++k)
        d->labelPosition[ids[k] - 1] = static_cast<qint64>(k);
}

qint64 MemoryImportTarget::addItem(const QString& extId, const QString& text, const QString& metaJson)
{
    d->itemExt << extId;
    d->itemText << (text.isNull() ? QStringLiteral("") : text);
    d->itemMeta << metaJson;
    d->itemLast.push_back(-1);
    d->gold.push_back(0);
    return d->itemExt.size();
}

void MemoryImportTarget::updateItem(qint64 item, const QString& text, const QString& metaJson)
{
    if (!text.isEmpty())
        d->itemText[item - 1] = text;
    if (!metaJson.isEmpty())
        d->itemMeta[item - 1] = metaJson;
}

qint64 MemoryImportTarget::addAnnotator(const QString& name, AnnotatorKind kind, std::optional<double> costPerItem)
{
    d->annNames << name;
    d->annKinds << kind;
    d->annCosts << (costPerItem ? *costPerItem : std::numeric_limits<double>::quiet_NaN());
    return d->annNames.size();
}

ImportTarget::Added MemoryImportTarget::addAnnotation(qint64 item, qint64 annotator, qint64 label, const QString&,
                                                      const QString& probs, std::optional<double>)
{
    const auto i = static_cast<int32_t>(item - 1), a = static_cast<int32_t>(annotator - 1);
    for (int32_t r = d->itemLast[i]; r >= 0; r = d->rowPrev[r])
        if (d->rows[r].annotator == a)
            return Added::Duplicate;
    const auto row = static_cast<int32_t>(d->rows.size());
    d->rows.push_back({i, a, label >= 0 ? static_cast<int32_t>(label - 1) : agg::kInvalidLabel});
    d->rowPrev.push_back(d->itemLast[i]);
    d->itemLast[i] = row;
    if (!probs.isNull())
        d->probRows.push_back({i, a, probs});
    return Added::Ok;
}

void MemoryImportTarget::setGold(qint64 item, qint64 label)
{
    d->gold[item - 1] = label;
}

void MemoryImportTarget::setHumanCount(qint64 item, qint64 label, qint64 count)
{
    d->counts[{item, label}] = count;
}

Snapshot MemoryImportTarget::takeSnapshot()
{
    Snapshot s;
    for (const auto& [name, id] : existingLabels()) {
        s.labelIndexById.insert(id, static_cast<int32_t>(s.labels.size()));
        s.labelIds << id;
        s.labels << name;
    }
    const auto n = static_cast<int32_t>(d->itemExt.size());
    const auto A = static_cast<int32_t>(d->annNames.size());
    const int32_t L = s.numLabels();
    s.itemIds.resize(n);
    s.itemIndexById.reserve(n);
    for (int32_t i = 0; i < n; ++i) {
        s.itemIds[i] = i + 1;
        s.itemIndexById.insert(i + 1, i);
    }
    s.itemExtIds = d->itemExt;
    s.itemTexts = std::move(d->itemText);
    s.annotators = d->annNames;
    s.annotatorKinds = d->annKinds;
    s.annotatorCosts = d->annCosts;
    s.annotatorIds.resize(A);
    std::iota(s.annotatorIds.begin(), s.annotatorIds.end(), 1);

    std::vector<int32_t> indexOfLabelId(static_cast<size_t>(L), 0);  // by label id - 1
    for (int32_t k = 0; k < L; ++k)
        indexOfLabelId[s.labelIds[k] - 1] = k;
    for (agg::Annotation& r : d->rows)
        if (r.label >= 0)
            r.label = indexOfLabelId[r.label];
    std::vector<int32_t>().swap(d->rowPrev);
    std::vector<int32_t>().swap(d->itemLast);
    s.matrix = agg::LabelMatrix::build(n, A, L, std::move(d->rows));
    d->rows = {};
    setIdentityKeys(s);

    s.gold.assign(n, -1);
    for (int32_t i = 0; i < n; ++i)
        if (d->gold[i] > 0) {
            s.gold[i] = indexOfLabelId[d->gold[i] - 1];
            ++s.goldCount;
        }
    if (!d->counts.empty()) {
        s.humanCounts.assign(static_cast<size_t>(n) * L, 0.0);
        s.hasHumanCounts.assign(n, 0);
        for (const auto& [key, count] : d->counts) {
            const auto i = static_cast<int32_t>(key.first - 1);
            s.humanCounts[static_cast<size_t>(i) * L + indexOfLabelId[key.second - 1]] = static_cast<double>(count);
            s.hasHumanCounts[i] = 1;
        }
    }
    s.humanLabel.assign(n, -1);
    s.status.assign(n, ReviewStatus::Unreviewed);
    return s;
}

ProbabilityTable MemoryImportTarget::probabilities(const Snapshot& s, int32_t annotator) const
{
    ProbabilityTable t;
    const int32_t L = s.numLabels();
    t.rows.assign(static_cast<size_t>(s.numItems()) * L, 0.0);
    t.present.assign(s.numItems(), 0);
    for (const auto& p : d->probRows) {
        if (p.annotator != annotator)
            continue;
        const QVector<double> row = probabilityRow(s, p.json);
        if (row.isEmpty())
            continue;
        std::copy(row.begin(), row.end(), t.rows.begin() + static_cast<size_t>(p.item) * L);
        t.present[p.item] = 1;
    }
    return t;
}

QString MemoryImportTarget::itemMeta(int32_t item) const
{
    return d->itemMeta.value(item);
}

} // namespace chorus::model
