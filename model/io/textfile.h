#pragma once
// Opening the text files an import reads (data files, gold, label maps, items files): byte order
// marks, UTF-16 conversion, refusal of encodings Chorus does not read, and the UTF-8 check the
// line readers run. No project, no SQL: usable by any reader of input files.

#include <QBuffer>
#include <QByteArray>
#include <QFile>
#include <QString>

namespace chorus::model {

/// A text file opened for reading as UTF-8, whatever byte order mark (BOM) it starts with.
///
/// - No BOM, or the UTF-8 BOM (Excel's "CSV UTF-8"): device() is the file itself, positioned
///   after the BOM. Its bytes are not checked here: the line readers check each line with
///   firstInvalidUtf8(), so that the error names the line.
/// - UTF-16 LE or BE BOM (Excel's "Unicode Text", PowerShell 5's Out-File): the whole file is
///   converted to UTF-8 in memory and device() reads the converted bytes. An unpaired surrogate
///   is refused: "FILE: invalid UTF-16 LE text (an unpaired surrogate)".
/// - UTF-32 LE or BE BOM: refused, "FILE: the file is UTF-32 LE (byte order mark); save it as
///   UTF-8".
/// - No BOM but a NUL byte in the first 4 KB: refused, "FILE:LINE: NUL byte at byte offset N:
///   not UTF-8 text (UTF-16 or UTF-32 without a byte order mark?); save it as UTF-8". UTF-8 text
///   never holds NUL; UTF-16 text of any Latin script is half NULs.
///
/// Throws Error ("FILE: cannot open: reason") when the file cannot be read.
class TextFile
{
public:
    explicit TextFile(const QString& path);
    TextFile(const TextFile&) = delete;
    TextFile& operator=(const TextFile&) = delete;

    /// Reads UTF-8 from the first character after the BOM.
    QIODevice* device() { return m_device; }
    /// Bytes device() delivers in all, counted from its start (the BOM included for a file read
    /// directly): the total for progress reports.
    qint64 size() const { return m_device->size(); }
    /// Device position of the first character (3 after a UTF-8 BOM, else 0).
    qint64 start() const { return m_start; }
    /// Seeks back to start().
    void rewind();
    /// "UTF-8", "UTF-8 with BOM", "UTF-16 LE" or "UTF-16 BE".
    const QString& encoding() const { return m_encoding; }
    /// True when the text was converted (UTF-16): byte offsets then refer to the converted text.
    bool converted() const { return m_device == &m_buffer; }

private:
    QString m_path;
    QFile m_file;
    QByteArray m_utf8;
    QBuffer m_buffer;
    QIODevice* m_device = nullptr;
    qint64 m_start = 0;
    QString m_encoding;
};

/// Index of the first byte of data[0, size) that does not start a valid UTF-8 sequence
/// (overlong forms, surrogates and code points above U+10FFFF are invalid, and so is a sequence
/// cut short by the end of the range), or -1 when all of it is valid UTF-8. ASCII is checked
/// eight bytes at a time, so the check costs little next to parsing.
qsizetype firstInvalidUtf8(const char* data, qsizetype size);

/// The problem text for invalid UTF-8 at byte offset `offset` of a file (counted from 0 at the
/// first byte of the file) whose byte there is `byte`: "invalid UTF-8 at byte offset N (0xE9);
/// save the file as UTF-8". Readers prefix "FILE:LINE: ".
QString invalidUtf8Problem(qint64 offset, unsigned char byte);

} // namespace chorus::model
