#pragma once
// Running chorus-cli from a test as a separate process ($CHORUS_BIN_DIR/chorus-cli; ctest sets
// CHORUS_BIN_DIR), with its exit code and both output streams.

#include <QByteArray>
#include <QDebug>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

namespace chorus::test {

struct CliRun
{
    int code = -1;  ///< -1 when the process did not finish normally (err says why)
    QByteArray out, err;
    QJsonObject json() const { return QJsonDocument::fromJson(out).object(); }
};

/// Runs cli with args (in workingDir when given), waiting at most timeoutMs.
inline CliRun runCli(const QString& cli, const QStringList& args, int timeoutMs, const QString& workingDir = {})
{
    QProcess p;
    if (!workingDir.isEmpty())
        p.setWorkingDirectory(workingDir);
    p.start(cli, args);
    CliRun r;
    if (!p.waitForFinished(timeoutMs) || p.exitStatus() != QProcess::NormalExit) {
        p.kill();
        p.waitForFinished();
        r.err = "chorus-cli did not finish normally: " + p.errorString().toUtf8();
        return r;
    }
    r.code = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

/// Runs $CHORUS_BIN_DIR/chorus-cli with args and parses its standard output as JSON; a
/// discarded value (is_discarded()) when it did not finish or printed no JSON.
/// A failed run's standard error is logged as a warning, so that a failing test says why.
inline nlohmann::json cliJson(const QStringList& args, int timeoutMs = 300000)
{
    const CliRun r = runCli(qEnvironmentVariable("CHORUS_BIN_DIR") + QStringLiteral("/chorus-cli"), args, timeoutMs);
    if (r.code != 0)
        qWarning("%s", r.err.constData());
    return nlohmann::json::parse(r.out.toStdString(), nullptr, false);
}

/// "exit N: <stderr>", what a test shows when a run it needs did not succeed (for a CliRun, or
/// a test's own result with code and err).
inline QByteArray cliFailure(int code, const QByteArray& err)
{
    return "exit " + QByteArray::number(code) + ": " + err;
}
inline QByteArray cliFailure(int code, const QString& err)
{
    return cliFailure(code, err.toUtf8());
}

} // namespace chorus::test

/// Fails the test function, saying chorus-cli's exit code and standard error, unless the run
/// (a CliRun, or an expression making one) exited 0.
#define CLI_OK(run)                                                                                \
    do {                                                                                           \
        const auto& cli_ok_run_ = (run);                                                           \
        QVERIFY2(cli_ok_run_.code == 0,                                                            \
                 ::chorus::test::cliFailure(cli_ok_run_.code, cli_ok_run_.err).constData());       \
    } while (false)
