#include "csvreader.h"

#include "errors.h"
#include "textfile.h"

namespace chorus::model {

CsvReader::CsvReader(QIODevice* device, char separator)
    : m_device(device), m_sep(separator), m_bytes(device->pos())
{
}

// The next physical line without its line break (LF or CRLF), checked for UTF-8 when asked.
QByteArray CsvReader::readLine()
{
    QByteArray line = m_device->readLine();
    const qint64 start = m_bytes;
    m_bytes += line.size();
    ++m_line;
    while (line.endsWith('\n') || line.endsWith('\r'))
        line.chop(1);
    if (m_checkUtf8) {
        const qsizetype bad = firstInvalidUtf8(line.constData(), line.size());
        if (bad >= 0)
            throw Error(QStringLiteral("line %1: %2")
                            .arg(m_line)
                            .arg(invalidUtf8Problem(start + bad, static_cast<unsigned char>(line.at(bad)))));
    }
    return line;
}

bool CsvReader::next(QStringList& fields)
{
    fields.clear();
    QByteArray line;
    do {
        if (m_device->atEnd())
            return false;
        line = readLine();
    } while (line.isEmpty());
    m_recordLine = m_line;
    if (m_line == 1 && line.startsWith("\xEF\xBB\xBF"))
        line.remove(0, 3);  // UTF-8 byte order mark

    if (!line.contains('"')) {
        // Fast path: no quoting on this record.
        qsizetype start = 0;
        for (qsizetype i = 0; i <= line.size(); ++i) {
            if (i == line.size() || line.at(i) == m_sep) {
                fields << QString::fromUtf8(line.constData() + start, i - start);
                start = i + 1;
            }
        }
        return true;
    }

    QByteArray field;
    bool inQuotes = false;
    qsizetype i = 0;
    for (;;) {
        if (i >= line.size()) {
            if (!inQuotes)
                break;
            if (m_device->atEnd())
                throw Error(QStringLiteral("line %1: unterminated quoted field").arg(m_recordLine));
            line = readLine();
            field += '\n';
            i = 0;
            continue;
        }
        const char c = line.at(i);
        if (inQuotes) {
            if (c == '"') {
                if (i + 1 < line.size() && line.at(i + 1) == '"') {
                    field += '"';
                    ++i;
                } else {
                    inQuotes = false;
                }
            } else {
                field += c;
            }
        } else if (c == '"') {
            inQuotes = true;
        } else if (c == m_sep) {
            fields << QString::fromUtf8(field);
            field.clear();
        } else {
            field += c;
        }
        ++i;
    }
    fields << QString::fromUtf8(field);
    return true;
}

QString csvField(const QString& s)
{
    if (!s.contains(QLatin1Char(',')) && !s.contains(QLatin1Char('"')) && !s.contains(QLatin1Char('\n'))
        && !s.contains(QLatin1Char('\r')))
        return s;
    QString out = s;
    out.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + out + QLatin1Char('"');
}

} // namespace chorus::model
