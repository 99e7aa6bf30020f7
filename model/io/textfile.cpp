#include "textfile.h"

#include "errors.h"

#include <QStringDecoder>

#include <cstdint>
#include <cstring>

namespace chorus::model {

TextFile::TextFile(const QString& path) : m_path(path), m_file(path)
{
    if (!m_file.open(QIODevice::ReadOnly))
        throw Error(QStringLiteral("%1: cannot open: %2").arg(path, m_file.errorString()));
    const QByteArray head = m_file.peek(4096);
    // UTF-32 first: its LE mark begins with UTF-16 LE's.
    if (head.startsWith(QByteArray("\xFF\xFE\x00\x00", 4)) || head.startsWith(QByteArray("\x00\x00\xFE\xFF", 4))) {
        const QString which = head.at(0) == '\xFF' ? QStringLiteral("UTF-32 LE") : QStringLiteral("UTF-32 BE");
        throw Error(QStringLiteral("%1: the file is %2 (byte order mark); save it as UTF-8").arg(path, which));
    }
    const bool le = head.startsWith("\xFF\xFE"), be = head.startsWith("\xFE\xFF");
    if (le || be) {
        m_encoding = le ? QStringLiteral("UTF-16 LE") : QStringLiteral("UTF-16 BE");
        const QByteArray raw = m_file.readAll().mid(2);
        QStringDecoder decode(le ? QStringConverter::Utf16LE : QStringConverter::Utf16BE,
                              QStringConverter::Flag::Stateless);
        const QString text = decode(raw);
        // Qt's decoder passes unpaired surrogates through; UTF-8 cannot hold them.
        bool unpaired = false;
        for (qsizetype i = 0; i < text.size() && !unpaired; ++i) {
            if (text[i].isHighSurrogate() && i + 1 < text.size() && text[i + 1].isLowSurrogate())
                ++i;
            else if (text[i].isSurrogate())
                unpaired = true;
        }
        if (unpaired || decode.hasError() || raw.size() % 2 != 0)
            throw Error(QStringLiteral("%1: invalid %2 text (an unpaired surrogate or an odd number of bytes)")
                            .arg(path, m_encoding));
        m_utf8 = text.toUtf8();
        m_file.close();
        m_buffer.setBuffer(&m_utf8);
        m_buffer.open(QIODevice::ReadOnly);
        m_device = &m_buffer;
        return;
    }
    m_device = &m_file;
    if (head.startsWith("\xEF\xBB\xBF")) {
        m_encoding = QStringLiteral("UTF-8 with BOM");
        m_start = 3;
    } else {
        m_encoding = QStringLiteral("UTF-8");
    }
    const qsizetype nul = head.indexOf('\0', m_start);
    if (nul >= 0)
        throw Error(QStringLiteral("%1:%2: NUL byte at byte offset %3: not UTF-8 text (UTF-16 or UTF-32 without a "
                                   "byte order mark?); save it as UTF-8")
                        .arg(path)
                        .arg(1 + head.left(nul).count('\n'))
                        .arg(nul));
    rewind();
}

void TextFile::rewind()
{
    if (!m_device->seek(m_start))
        throw Error(QStringLiteral("%1: cannot seek: %2").arg(m_path, m_device->errorString()));
}

qsizetype firstInvalidUtf8(const char* data, qsizetype size)
{
    const auto* p = reinterpret_cast<const unsigned char*>(data);
    qsizetype i = 0;
    while (i < size) {
        // Plain ASCII, eight bytes at a time.
        while (i + 8 <= size) {
            std::uint64_t v;
            std::memcpy(&v, p + i, 8);
            if (v & 0x8080808080808080ULL)
                break;
            i += 8;
        }
        if (i >= size)
            break;
        const unsigned c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        int len = 0;
        if (c >= 0xC2 && c <= 0xDF)
            len = 2;
        else if (c >= 0xE0 && c <= 0xEF)
            len = 3;
        else if (c >= 0xF0 && c <= 0xF4)
            len = 4;
        else
            return i;  // a continuation byte, an overlong lead (C0, C1) or beyond U+10FFFF (F5..FF)
        if (i + len > size)
            return i;
        const unsigned c1 = p[i + 1];
        if ((c1 & 0xC0) != 0x80)
            return i;
        if ((c == 0xE0 && c1 < 0xA0) || (c == 0xF0 && c1 < 0x90))
            return i;  // overlong
        if (c == 0xED && c1 > 0x9F)
            return i;  // UTF-16 surrogate
        if (c == 0xF4 && c1 > 0x8F)
            return i;  // above U+10FFFF
        for (int k = 2; k < len; ++k)
            if ((p[i + k] & 0xC0) != 0x80)
                return i;
        i += len;
    }
    return -1;
}

QString invalidUtf8Problem(qint64 offset, unsigned char byte)
{
    return QStringLiteral("invalid UTF-8 at byte offset %1 (0x%2); save the file as UTF-8")
        .arg(offset)
        .arg(QString::number(byte, 16).toUpper().rightJustified(2, QLatin1Char('0')));
}

} // namespace chorus::model
