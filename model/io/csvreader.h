#pragma once
// Streaming RFC 4180 CSV reader: quoted fields may hold commas, doubled quotes and newlines.

#include <QByteArray>
#include <QByteArrayView>
#include <QIODevice>
#include <QStringList>

#include <vector>

namespace chorus::model {

class CsvReader
{
public:
    /// Reads from the device's current position; lines are counted from there (1 = the first).
    explicit CsvReader(QIODevice* device, char separator = ',');

    /// Reads the next record into fields. Returns false at end of input. Throws Error
    /// ("line N: unterminated quoted field") on malformed quoting; the caller adds the file.
    bool next(QStringList& fields);
    /// The same record as next() gives, as UTF-8 bytes: views valid until the next call (the
    /// fast path of the long-CSV import, which converts to QString only what it has not seen).
    bool nextBytes(std::vector<QByteArrayView>& fields);
    /// 1-based line on which the last record returned by next() started.
    qint64 line() const { return m_recordLine; }
    /// Physical lines read so far (blank lines and the lines of multi-line records included).
    qint64 linesRead() const { return m_line; }
    /// Device position after the last record (the bytes before the reader started included).
    qint64 bytesRead() const { return m_bytes; }
    /// With the check on, next() throws Error ("line N: invalid UTF-8 at byte offset M (0xE9);
    /// save the file as UTF-8", M counted like bytesRead()) on a line that is not valid UTF-8,
    /// instead of reading it with replacement characters. Off by default.
    void setCheckUtf8(bool on) { m_checkUtf8 = on; }

private:
    QIODevice* m_device;
    char m_sep;
    bool m_checkUtf8 = false;
    qint64 m_line = 0;
    qint64 m_recordLine = 0;
    qint64 m_bytes = 0;
    // Read ahead in large blocks: QIODevice::readLine per line allocated a QByteArray per line.
    QByteArray m_buf;
    qsizetype m_pos = 0;
    bool m_eof = false;
    QByteArray m_quoted;  // unescaped fields of a quoted record
    std::vector<std::pair<qsizetype, qsizetype>> m_spans;

    /// The next physical line without its line break (LF or CRLF), checked for UTF-8 when
    /// asked; a view into m_buf valid until the next call. False at end of input.
    bool readLine(QByteArrayView& line);
};

/// Quotes a field for CSV output when it contains a separator, quote, CR or LF.
QString csvField(const QString& s);
/// One CSV line of `cells`, each quoted by csvField, joined with commas (no line end).
QString csvRow(const QStringList& cells);

} // namespace chorus::model
