#pragma once
// Importing data files into a project. Every import is one transaction: a malformed file stops
// with "file:line: problem" and leaves the project exactly as it was.

#include "projectstore.h"

#include <QMap>
#include <QString>
#include <QStringList>

#include <functional>

namespace chorus::model {

/// Known formats: "jsonl" (native), "long-csv", "wide-csv", "chaosnli", "labelstudio".
QStringList importFormats();

/// Guesses the format from the extension and the first record. Throws Error when unsure.
QString detectFormat(const QString& file);

struct ImportOptions
{
    QString format;        ///< empty: detect
    QString goldFile;      ///< "item,label" CSV imported as gold in the same transaction
    QString labelMapFile;  ///< "raw,label" CSV; a header row is allowed
    QStringList labels;    ///< when non-empty, the label set is fixed to these (closed)
    AnnotatorKind kind = AnnotatorKind::Llm;  ///< kind of annotators the file introduces
    /// Polled every few thousand records; returning true rolls back and throws CanceledError.
    std::function<bool()> isCanceled;
    /// Bytes read so far and total bytes of the input files.
    std::function<void(qint64 done, qint64 total)> progress;
};

struct ImportReport
{
    QString format;
    qint64 itemsAdded = 0;
    qint64 annotations = 0;
    qint64 invalid = 0;  ///< annotations stored as INVALID (raw output kept)
    QMap<QString, qint64> invalidByAnnotator;
    qint64 gold = 0;
    qint64 humanCounts = 0;  ///< items that received human judgment counts
    QStringList newLabels;
    QStringList newAnnotators;
    double seconds = 0;
};

/// Imports file into the open project. Throws Error ("file:line: problem") or CanceledError;
/// either way nothing is written.
ImportReport importFile(ProjectStore& store, const QString& file, const ImportOptions& options = {});

} // namespace chorus::model
