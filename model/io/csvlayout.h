#pragma once
// How a delimited text file is laid out: its delimiter and which column holds what. Functions of
// bytes and header cells only (no project, no SQL), shared by the importers and by any reader
// that loads a file straight into memory.

#include <QByteArray>
#include <QIODevice>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace chorus::model {

/// "comma", "semicolon", "tab", or the character itself ("|").
QString delimiterName(char delimiter);

/// Parses a --delimiter value: "comma", "semicolon", "tab" (case-insensitive; also the two
/// characters \t), or one printable ASCII character other than a double quote, or a tab
/// character. nullopt for anything else.
std::optional<char> delimiterFromName(const QString& name);

/// Field counts of the first records of `sample` split at `delimiter`, read the way CsvReader
/// reads them (a double quote opens or closes quoting anywhere; quoted delimiters and newlines
/// do not split; blank lines are skipped). At most maxRecords records; when atEnd is false the
/// last, possibly cut, record of the sample is left out.
QList<int> sampleFieldCounts(const QByteArray& sample, char delimiter, bool atEnd, int maxRecords = 100);

/// Detects the delimiter of a CSV text among comma, semicolon and tab from its first records
/// (at most the first 64 KB and 100 records; the rest of the file is never read for this).
///
/// A delimiter is a candidate when it splits the first record (the header, or the first data
/// row) into two or more fields; a candidate is consistent when at least half of the following
/// sampled records have as many fields as the first (so that one malformed row still gets its
/// own "expected N columns" error). The result:
/// - exactly one consistent candidate: that one;
/// - no candidate at all (a single column, an empty file): ',';
/// - no consistent candidate but exactly one candidate: that one;
/// - otherwise the file is ambiguous and Error is thrown, naming the candidates and their column
///   counts: "FILE: cannot tell the delimiter: the first 3 records split evenly at commas (3
///   columns) and at semicolons (2 columns); pass --delimiter comma or --delimiter semicolon".
/// Never guesses between two plausible delimiters.
char detectDelimiter(const QByteArray& sample, bool atEnd, const QString& file);

/// Reads up to 64 KB from device's current position, detects as above, and seeks back: the
/// device is where it was.
char detectDelimiter(QIODevice* device, const QString& file);

/// Columns of a long CSV (one answer per row), found from its header.
struct LongCsvLayout
{
    int item = 0;       ///< column index of the item id
    int annotator = 1;  ///< column index of the annotator name
    int label = 2;      ///< column index of the answer
    int columns = 3;    ///< number of columns every row must have
    bool hasHeader = false;
    QStringList header;  ///< the header cells, trimmed (empty without a header)
    QList<int> others;   ///< indices of the other columns, in file order
};

/// Maps a header that names an item, an annotator and a label column, in any order and among any
/// other columns, to a layout; nullopt when it does not name all three. Names are compared
/// trimmed, case-insensitively, with spaces and hyphens read as underscores ("Worker ID" is
/// worker_id):
/// - item: item, item_id, task, task_id, question_id, id, question
/// - annotator: annotator, annotator_id, worker, worker_id, rater, rater_id, performer, judge,
///   model
/// - label: label, answer, response, class
/// When several columns name one role, the name earlier in its list wins and the others are
/// other columns: id,question,model,answer takes "id" as the item ("question" is likely its
/// text), id,item,... takes "item", item,model,judge,label takes "judge" as the annotator. Among
/// equal names, the first column wins.
std::optional<LongCsvLayout> longCsvLayout(const QStringList& header);

/// True when `name` is one of the item names above (normalised the same way).
bool isItemColumnName(const QString& name);

/// Columns of an items file in CSV (texts and metadata of items, chorus-cli import --items).
struct ItemsCsvLayout
{
    int id = -1;    ///< column index of the item id
    int text = -1;  ///< column index of the text, -1 when there is none
    QStringList header;
    QList<int> others;  ///< metadata columns, in file order
};

/// Maps an items-file header: the id column is named item, item_id, task, task_id or id (the
/// first of these present wins, as for longCsvLayout()), the text column "text"; other columns
/// are metadata. nullopt when no column names the id.
std::optional<ItemsCsvLayout> itemsCsvLayout(const QStringList& header);

} // namespace chorus::model
