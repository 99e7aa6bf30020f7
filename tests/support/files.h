#pragma once
// Reading and writing whole files in tests.

#include <QByteArray>
#include <QFile>
#include <QString>

namespace chorus::test {

/// The path of `rel` ("data/rte/answers.csv") in ../shared, the datasets and references the
/// tests compare with (sharedAvailable() says whether it is there).
inline QString shared(const QString& rel)
{
    return QStringLiteral(CHORUS_SHARED_DIR "/") + rel;
}

/// The file's bytes; empty when it cannot be read.
inline QByteArray fileBytes(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

/// Writes data to path, replacing the file; false when it could not be written whole.
inline bool writeFile(const QString& path, const QByteArray& data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

} // namespace chorus::test
