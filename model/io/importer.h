#pragma once
// Importing data files into a project. Every import is one transaction: a malformed file stops
// with "file:line: problem" and leaves the project exactly as it was.

#include "projectstore.h"
#include "snapshot.h"

#include <QMap>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

namespace chorus::model {

/// Known formats: "jsonl" (native), "long-csv", "wide-csv", "chaosnli", "labelstudio".
QStringList importFormats();

/// Guesses the format from the extension and the first record. Throws Error when unsure. For
/// .csv/.tsv/.txt the delimiter is `delimiter`, or detected when it is 0 (detectDelimiter(),
/// which throws when the first lines fit more than one): a header that names the item, annotator
/// and label columns (longCsvLayout()) makes a long-csv, anything else a wide-csv.
QString detectFormat(const QString& file, char delimiter = 0);

struct ImportOptions
{
    QString format;        ///< empty: detect
    QString goldFile;      ///< "item,label" CSV imported as gold in the same transaction
    QString labelMapFile;  ///< "raw,label" CSV; a header row is allowed
    QStringList labels;    ///< when non-empty, the label set is fixed to these (closed)
    /// Texts and metadata of the file's items: CSV with an id column (id, item, item_id, task or
    /// task_id), an optional "text" column and metadata columns; or JSON lines with "id", "text"
    /// and other keys as metadata. Read in the same transaction, after the data file; an id that
    /// is not among the data file's items is an error.
    QString itemsFile;
    /// Delimiter of every CSV file of the import (data, gold, label map, items); 0: detected per
    /// file (comma, semicolon or tab; an ambiguous file stops the import).
    char delimiter = 0;
    AnnotatorKind kind = AnnotatorKind::Llm;  ///< kind of annotators the file introduces
    /// A long CSV (item, annotator, label and no other column) of at least this many bytes,
    /// UTF-8 without a single quote character, is parsed in two parts at once: the second part
    /// on a helper thread, its rows then replayed in file order (model/io/csvchunk.h). Same
    /// rows, ids, report and errors as one pass; tests lower it to exercise the split on small
    /// files. Negative: never split.
    qint64 splitLongCsvFrom = qint64(4) << 20;
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
    QString delimiter;  ///< the data file's delimiter by name ("comma", "tab", ...); empty unless CSV
    QString encoding;   ///< the data file's encoding ("UTF-8", "UTF-8 with BOM", "UTF-16 LE", ...)
    QStringList metadataColumns;  ///< extra long-csv columns stored as item metadata (one value per item)
    /// Columns and keys read but not stored, each with the reason, e.g. `column "extra" of
    /// answers.csv: differs between rows of item "q1" (line 5)`.
    QStringList ignored;
    qint64 itemTexts = 0;  ///< items given a text or metadata by the items file
    double seconds = 0;
};

/// Imports file into the open project. Throws Error ("file:line: problem") or CanceledError;
/// either way nothing is written.
ImportReport importFile(ProjectStore& store, const QString& file, const ImportOptions& options = {});

class ImportTarget;
class MemoryImportTarget;

/// The core of importFile and readFileData: parses file (and the options' gold, label map and
/// items files) into target as one all-or-nothing unit.
ImportReport importInto(ImportTarget& target, const QString& file, const ImportOptions& options = {});

/// A data file read straight into memory for analysis without a project (the analysis
/// commands' --input): the same parsers, normalisation, validation and "file:line: problem"
/// errors as importFile, no database. snapshot is what loadSnapshot() would give after
/// importing the file into a new project.
struct FileData
{
    Snapshot snapshot;
    ImportReport report;
    std::shared_ptr<const MemoryImportTarget> rows;  ///< probabilities and item metadata
};
FileData readFileData(const QString& file, const ImportOptions& options = {});

} // namespace chorus::model
