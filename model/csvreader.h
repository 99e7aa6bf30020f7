#pragma once
// Streaming RFC 4180 CSV reader: quoted fields may hold commas, doubled quotes and newlines.

#include <QByteArray>
#include <QIODevice>
#include <QStringList>

namespace chorus::model {

class CsvReader
{
public:
    explicit CsvReader(QIODevice* device, char separator = ',');

    /// Reads the next record into fields. Returns false at end of input. Throws Error
    /// ("line N: unterminated quoted field") on malformed quoting; the caller adds the file.
    bool next(QStringList& fields);
    /// 1-based line on which the last record returned by next() started.
    qint64 line() const { return m_recordLine; }
    qint64 bytesRead() const { return m_bytes; }

private:
    QIODevice* m_device;
    char m_sep;
    qint64 m_line = 0;
    qint64 m_recordLine = 0;
    qint64 m_bytes = 0;
};

/// Quotes a field for CSV output when it contains a separator, quote, CR or LF.
QString csvField(const QString& s);

} // namespace chorus::model
