#pragma once
// One part of a long CSV parsed on a helper thread (issue #17): the lines of a byte range are
// split into fields and each row's item, annotator and answer are numbered by first appearance
// in the range, with no writer and no project. The importer then replays the rows in file
// order through the writer (ImportWriter), which sees each distinct key of the part once and
// every row as it would have read it, so ids, reports and errors come out as a serial read
// gives them.
//
// Only for text without quotes (the caller checks the whole file): a quote-free line is one
// record, so a part can start at any line break.

#include "bytekeymap.h"

#include <QByteArrayView>
#include <QString>

#include <cstdint>
#include <stop_token>
#include <vector>

namespace chorus::model {

struct CsvChunk
{
    /// Per row, local ids: indexes into items, annotators and answers.
    struct Row
    {
        int32_t item, annotator, answer;
    };
    std::vector<Row> rows;
    /// Per row, its line counted from the first line of the range (1 = the first).
    std::vector<int32_t> lines;
    /// Distinct keys in the order of their first appearance, as views into the parsed bytes.
    std::vector<QByteArrayView> items, annotators, answers;
    /// The first problem in the range (parsing stopped there, after rows): its line, counted
    /// like lines, and the problem text as the serial reader words it ("expected 3 columns
    /// (item,annotator,label), found 4", "invalid UTF-8 at byte offset N (0xE9); save the file
    /// as UTF-8"). failLine 0: no problem.
    int32_t failLine = 0;
    QString failProblem;
};

/// Where the fields of a row are (LongCsvLayout) and what a row must look like.
struct CsvChunkLayout
{
    char separator = ',';
    int columns = 3;
    int item = 0, annotator = 1, label = 2;
    QString expected;       // "item,annotator,label": the column list of the column-count error
    bool checkUtf8 = true;  // CsvReader::setCheckUtf8
};

/// Parses data[begin, end) (begin at the start of a line; fileOffset = the file offset of
/// data[0], for the UTF-8 error's byte offset) as CsvReader::nextBytes() would: lines end at LF,
/// trailing CR/LF bytes are dropped, empty lines are skipped, fields split at the separator.
/// Stops early when a stop is requested (the result is then incomplete and must not be used).
CsvChunk parseCsvChunk(const char* data, qsizetype begin, qsizetype end, qint64 fileOffset,
                       const CsvChunkLayout& layout, std::stop_token stop);

} // namespace chorus::model
