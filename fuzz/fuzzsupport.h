#pragma once
// Shared by the libFuzzer targets: a QCoreApplication for the SQL driver plugin, a quiet
// message handler, and a temp directory for the input file that each iteration rewrites.

#include "errors.h"

#include <QCoreApplication>
#include <QFile>
#include <QTemporaryDir>

#include <cstdint>
#include <cstdlib>
#include <memory>

namespace chorus::fuzz {

/// Created once in LLVMFuzzerInitialize and kept for the life of the process.
struct Process
{
    std::unique_ptr<QCoreApplication> app;
    std::unique_ptr<QTemporaryDir> dir;
};

inline Process& process()
{
    static Process p;
    return p;
}

inline void initialize(int* argc, char*** argv)
{
    // The parsers' warnings would flood the fuzzer's output; crashes are what we look for.
    qInstallMessageHandler([](QtMsgType type, const QMessageLogContext&, const QString& msg) {
        if (type == QtFatalMsg) {
            fprintf(stderr, "qFatal: %s\n", qPrintable(msg));
            abort();
        }
    });
    process().app = std::make_unique<QCoreApplication>(*argc, *argv);
    process().dir = std::make_unique<QTemporaryDir>();
    if (!process().dir->isValid())
        abort();
}

/// A failed check: print it and abort, which libFuzzer reports as a crash.
inline void fail(const QString& problem)
{
    if (problem.isEmpty())
        return;
    fprintf(stderr, "check failed: %s\n", qPrintable(problem));
    abort();
}

/// Writes the fuzzer's bytes to <tmp>/<name> (same path every iteration) and returns the path.
inline QString writeInput(const char* name, const uint8_t* data, size_t size)
{
    const QString path = process().dir->filePath(QString::fromLatin1(name));
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        abort();
    if (size > 0 && f.write(reinterpret_cast<const char*>(data), static_cast<qint64>(size)) != qint64(size))
        abort();
    return path;
}

} // namespace chorus::fuzz
