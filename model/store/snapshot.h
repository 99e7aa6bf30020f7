#pragma once
// A read-only, columnar copy of a project for analysis and display. Loaded on any thread that
// owns its own ProjectStore; safe to copy into worker threads.

#include "projectstore.h"

#include "labelmatrix.h"

#include <QHash>
#include <QStringList>
#include <QVector>

#include <functional>
#include <vector>

namespace chorus::model {

struct Snapshot
{
    // Labels in project order; indices are the LabelMatrix's label indices.
    QStringList labels;
    QVector<qint64> labelIds;
    QHash<qint64, int32_t> labelIndexById;

    // Items ordered by database id.
    QVector<qint64> itemIds;
    QStringList itemExtIds;
    QStringList itemTexts;
    QHash<qint64, int32_t> itemIndexById;

    QStringList annotators;
    QVector<qint64> annotatorIds;
    QVector<AnnotatorKind> annotatorKinds;
    QVector<double> annotatorCosts;  ///< NaN when not set
    /// Per annotator: 1 when any of its annotations carries reported probabilities.
    std::vector<uint8_t> annotatorHasProbabilities;

    agg::LabelMatrix matrix;  ///< INVALID labels are agg::kInvalidLabel
    std::vector<int32_t> gold;  ///< per item, -1 when unknown
    qint64 goldCount = 0;

    /// Human judgment counts, row-major items x labels; empty when the project has none.
    std::vector<double> humanCounts;
    std::vector<uint8_t> hasHumanCounts;

    // Current human decision per item (from the latest history row; an adjudication, team
    // review's final word, wins over later rows).
    std::vector<int32_t> humanLabel;  ///< label index or -1
    std::vector<ReviewStatus> status;
    std::vector<uint8_t> adjudicated;  ///< 1 when humanLabel is an adjudicator's
    QHash<int32_t, QString> notes;  ///< current note per item (sparse)

    int32_t numItems() const { return static_cast<int32_t>(itemIds.size()); }
    int32_t numLabels() const { return static_cast<int32_t>(labels.size()); }
    int32_t itemIndex(const QString& extId) const;  ///< -1 when absent (linear scan)
};

/// The key of an item id or annotator name in LabelMatrix::setKeys (agg::stableKey of UTF-8).
uint64_t identityKey(const QString& id);

/// Sets s.matrix's identity keys from the item ids and annotator names, so that aggregation
/// does not depend on the order the rows came in (loadSnapshot does this).
void setIdentityKeys(Snapshot& s);

/// Loads everything except per-annotation probabilities and item metadata (read on demand).
/// isCanceled is polled; returning true throws CanceledError. Throws Error on SQL errors.
/// On a SQLite project the rows are read through SQLite's C API (ProjectStore::sqliteHandle()),
/// otherwise through loadSnapshotPortable(); both give the same Snapshot.
Snapshot loadSnapshot(ProjectStore& store, const std::function<bool()>& isCanceled = {});

/// loadSnapshot() through QSqlQuery only: the path of stores without a sqlite3 handle. Public
/// so that tests can check both paths against each other on SQLite.
Snapshot loadSnapshotPortable(ProjectStore& store, const std::function<bool()>& isCanceled = {});

/// Per-annotation probabilities {label: p} of one item, keyed by annotator name.
QHash<QString, QVector<double>> loadItemProbabilities(ProjectStore& store, const Snapshot& s,
                                                      qint64 itemId);

/// A stored {label: p} object (annotations.probs) as a row over s's labels; labels s does not
/// know are left out. Empty when the text is not a JSON object.
QVector<double> probabilityRow(const Snapshot& s, const QString& json);

/// Every annotator's probability rows for all items (row-major items x labels) and a flag per
/// item telling whether a row exists. Used by divergence statistics.
struct ProbabilityTable
{
    std::vector<double> rows;
    std::vector<uint8_t> present;
};
ProbabilityTable loadAnnotatorProbabilities(ProjectStore& store, const Snapshot& s, int32_t annotator);

} // namespace chorus::model
