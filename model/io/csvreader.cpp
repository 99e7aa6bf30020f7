#include "csvreader.h"

#include "csvsplit.h"

#include "errors.h"
#include "textfile.h"

#include <cstring>

namespace chorus::model {

CsvReader::CsvReader(QIODevice* device, char separator)
    : m_device(device), m_sep(separator), m_bytes(device->pos())
{
}

bool CsvReader::readLine(QByteArrayView& line)
{
    qsizetype end = -1, next = 0;
    for (;;) {
        const char* data = m_buf.constData();
        const void* nl = m_pos < m_buf.size() ? std::memchr(data + m_pos, '\n', m_buf.size() - m_pos) : nullptr;
        if (nl) {
            end = static_cast<const char*>(nl) - data;
            next = end + 1;
            break;
        }
        if (m_eof) {
            if (m_pos >= m_buf.size())
                return false;
            end = next = m_buf.size();
            break;
        }
        m_buf.remove(0, m_pos);
        m_pos = 0;
        const QByteArray more = m_device->read(1 << 20);
        if (more.isEmpty())
            m_eof = true;
        else
            m_buf += more;
    }
    const qint64 start = m_bytes;
    m_bytes += next - m_pos;
    ++m_line;
    qsizetype len = end - m_pos;
    const char* begin = m_buf.constData() + m_pos;
    m_pos = next;
    while (len > 0 && (begin[len - 1] == '\n' || begin[len - 1] == '\r'))
        --len;
    line = QByteArrayView(begin, len);
    if (m_checkUtf8) {
        const qsizetype bad = firstInvalidUtf8(begin, len);
        if (bad >= 0)
            throw Error(QStringLiteral("line %1: %2")
                            .arg(m_line)
                            .arg(invalidUtf8Problem(start + bad, static_cast<unsigned char>(begin[bad]))));
    }
    return true;
}

bool CsvReader::next(QStringList& fields)
{
    fields.clear();
    std::vector<QByteArrayView> bytes;
    if (!nextBytes(bytes))
        return false;
    fields.reserve(static_cast<qsizetype>(bytes.size()));
    for (const QByteArrayView f : bytes)
        fields << QString::fromUtf8(f);
    return true;
}

bool CsvReader::nextBytes(std::vector<QByteArrayView>& fields)
{
    fields.clear();
    QByteArrayView line;
    do {
        if (!readLine(line))
            return false;
    } while (line.isEmpty());
    m_recordLine = m_line;
    if (m_line == 1 && line.startsWith("\xEF\xBB\xBF"))
        line = line.sliced(3);  // UTF-8 byte order mark

    // Fast path: no quote character on this record.
    if (csvsplit::splitFields<true>(line.data(), line.size(), m_sep, fields))
        return true;
    fields.clear();

    // Fields are unescaped into m_quoted (a record may span lines, and each readLine() may
    // move the buffer); views are made once the record is complete.
    m_quoted.clear();
    m_spans.clear();
    qsizetype fieldStart = 0;
    bool inQuotes = false;
    qsizetype i = 0;
    for (;;) {
        if (i >= line.size()) {
            if (!inQuotes)
                break;
            if (!readLine(line))
                throw Error(QStringLiteral("line %1: unterminated quoted field").arg(m_recordLine));
            m_quoted += '\n';
            i = 0;
            continue;
        }
        const char c = line[i];
        if (inQuotes) {
            if (c == '"') {
                if (i + 1 < line.size() && line[i + 1] == '"') {
                    m_quoted += '"';
                    ++i;
                } else {
                    inQuotes = false;
                }
            } else {
                m_quoted += c;
            }
        } else if (c == '"') {
            inQuotes = true;
        } else if (c == m_sep) {
            m_spans.emplace_back(fieldStart, m_quoted.size() - fieldStart);
            fieldStart = m_quoted.size();
        } else {
            m_quoted += c;
        }
        ++i;
    }
    m_spans.emplace_back(fieldStart, m_quoted.size() - fieldStart);
    for (const auto& [at, n] : m_spans)
        fields.push_back(QByteArrayView(m_quoted.constData() + at, n));
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

QString csvRow(const QStringList& cells)
{
    QStringList out;
    for (const QString& c : cells)
        out << csvField(c);
    return out.join(QLatin1Char(','));
}

} // namespace chorus::model
