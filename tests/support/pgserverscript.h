#pragma once
// Driving the throwaway PostgreSQL test server of the ctest fixture `pgserver` from a test
// (scripts/pg-test-server.sh stop-immediate | resume | restart | status, on the state folder in
// CHORUS_TEST_PG_STATE): for fault tests, which must then run alone (RUN_SERIAL).

#include <QProcess>
#include <QString>
#include <QtGlobal>

namespace chorus::test {

/// Runs one command of the script; false (with its stderr as a warning) when it fails.
inline bool pgServerScript(const QString& command)
{
    QProcess p;
    p.start(QStringLiteral(CHORUS_SOURCE_DIR "/scripts/pg-test-server.sh"),
            {command, qEnvironmentVariable("CHORUS_TEST_PG_STATE")});
    if (!p.waitForFinished(400000) || p.exitCode() != 0) {
        qWarning("pg-test-server.sh %s: %s", qPrintable(command), p.readAllStandardError().constData());
        return false;
    }
    return true;
}

/// Whatever fails in the test holding it, the shared server runs again for the tests after.
struct ServerRunningAgain
{
    ServerRunningAgain() = default;
    ServerRunningAgain(const ServerRunningAgain&) = delete;
    ServerRunningAgain& operator=(const ServerRunningAgain&) = delete;
    ~ServerRunningAgain()
    {
        if (!pgServerScript(QStringLiteral("status")))
            pgServerScript(QStringLiteral("resume"));
    }
};

} // namespace chorus::test
