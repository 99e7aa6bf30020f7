#pragma once
// Base of the test classes that run chorus-cli as a process: the path of chorus-cli, a scratch
// folder (one per test class, or a new one per test function), writing files there, running
// chorus-cli in it for its exit code and output or its JSON, and the error contract.

#include "clirun.h"
#include "scratchdir.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QObject>
#include <QProcessEnvironment>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <memory>

namespace chorus::test {

/// chorus-cli's error contract: exit code `code`, nothing on stdout, `message` on stderr.
inline void expectCliError(const CliRun& r, int code, const QString& message)
{
    QVERIFY2(r.code == code, qPrintable(QStringLiteral("exit code %1, expected %2; stderr: %3")
                                            .arg(r.code)
                                            .arg(code)
                                            .arg(QString::fromUtf8(r.err))));
    QVERIFY2(r.out.isEmpty(), qPrintable(QStringLiteral("stdout must be empty, got: ") + QString::fromUtf8(r.out)));
    QVERIFY2(QString::fromUtf8(r.err).contains(message),
             qPrintable(QStringLiteral("expected \"%1\" on stderr, got: %2").arg(message, QString::fromUtf8(r.err))));
}

/// Runs cli with args in the environment env, waiting at most timeoutMs with the event loop
/// running (unlike runCli(): a test server on the test's own thread keeps answering).
inline CliRun runCliServing(const QString& cli, const QStringList& args, int timeoutMs, const QProcessEnvironment& env)
{
    QProcess p;
    p.setProcessEnvironment(env);
    QSignalSpy done(&p, &QProcess::finished);
    p.start(cli, args);
    CliRun r;
    if (!p.waitForStarted(10000))
        return r;
    if (done.isEmpty() && !done.wait(timeoutMs))
        p.kill();
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

class CliTestCase : public QObject
{
protected:
    using Run = CliRun;

    /// Finds chorus-cli ($CHORUS_BIN_DIR, set by ctest) and checks the scratch folder; call
    /// from initTestCase.
    void setUpCli()
    {
        const QString dir = qEnvironmentVariable("CHORUS_BIN_DIR");
        QVERIFY2(!dir.isEmpty(), "CHORUS_BIN_DIR must name the directory of chorus-cli (ctest sets it)");
        m_cli = QFileInfo(QDir(dir).filePath(QStringLiteral("chorus-cli"))).absoluteFilePath();
        QVERIFY2(QFileInfo(m_cli).isExecutable(), qPrintable(m_cli));
        QVERIFY(m_dir->isValid());
    }

    /// A new, empty scratch folder in place of the last one; call from init() for a fresh
    /// folder per test function.
    void newScratchDir() { renewScratchDir(m_dir); }

    /// Writes `data` to `name` in the scratch folder, replacing it.
    void write(const QString& name, const QByteArray& data)
    {
        QFile f(path(name));
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size());
    }

    QString path(const QString& name) const { return m_dir->filePath(name); }

    /// chorus-cli's exit code and output for args, run in the scratch folder, m_runTimeoutMs at most.
    Run run(const QStringList& args) const { return runCli(m_cli, args, m_runTimeoutMs, m_dir->path()); }

    /// The columns of a table of command lines that must fail: the arguments, the exit code,
    /// and what standard error must say.
    static void cliErrorColumns()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message");
    }

    /// Runs the current row of a cliErrorColumns() table and checks the error contract
    /// (expectCliError).
    void expectCliErrorRow() const
    {
        QFETCH(QStringList, args);
        QFETCH(int, code);
        QFETCH(QString, message);
        expectCliError(run(args), code, message);
    }

    /// chorus-cli's JSON output for args (discarded when it printed none), two minutes at most.
    nlohmann::json json(const QStringList& args) { return cliJson(args, 120000); }

    QString m_cli;
    std::unique_ptr<QTemporaryDir> m_dir = std::make_unique<QTemporaryDir>();
    int m_runTimeoutMs = 120000;
};

} // namespace chorus::test
