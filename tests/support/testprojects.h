#pragma once
// Where a test puts its projects: a file in a temporary folder or, when CHORUS_TEST_BACKEND is
// "postgresql", a new project on the throwaway test server that the ctest fixture started
// (scripts/pg-test-server.sh; its state folder is CHORUS_TEST_PG_STATE). The same test code
// then runs against both engines (issue #19): tests/CMakeLists.txt registers the tests listed
// in CHORUS_TESTS_ON_BOTH_ENGINES a second time as <name>_pg.

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QString>
#include <QTemporaryDir>

namespace chorus::test {

inline bool onServer()
{
    return qEnvironmentVariable("CHORUS_TEST_BACKEND") == QLatin1String("postgresql");
}

/// base (a database URI) with ?project=name or &project=name.
inline QString withProject(const QString& base, const QString& name)
{
    return base + (base.contains(QLatin1Char('?')) ? QStringLiteral("&project=") : QStringLiteral("?project=")) + name;
}

/// The test server's database URI (no project), or an empty string when there is none.
/// CHORUS_TEST_PG_URI (a database of your own server, e.g.
/// postgresql://me@localhost/chorus_test?sslmode=disable) takes precedence over the fixture's
/// throwaway server; the tests then make their projects there.
inline QString serverUri()
{
    const QString own = qEnvironmentVariable("CHORUS_TEST_PG_URI");
    if (!own.isEmpty())
        return own;
    QFile f(qEnvironmentVariable("CHORUS_TEST_PG_STATE") + QStringLiteral("/uri"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(f.readAll()).trimmed();
}

/// The server project standing for the file dir/fileName: t<pid>_<folder hash>_<stem>, so that
/// the same name in the same temporary folder is the same project (as a file would be) and no
/// other test process uses it.
inline QString uniqueProjectName(const QTemporaryDir& dir, const QString& fileName)
{
    QString stem = QFileInfo(fileName).completeBaseName().toLower();
    stem.replace(QRegularExpression(QStringLiteral("[^a-z0-9_]")), QStringLiteral("_"));
    return QStringLiteral("t%1_%2_%3")
        .arg(QCoreApplication::applicationPid())
        .arg(qHash(dir.path()) & 0xffffff, 6, 16, QLatin1Char('0'))
        .arg(stem.left(24));
}

/// The test server's project standing for dir/fileName (see uniqueProjectName).
inline QString serverProjectLocation(const QTemporaryDir& dir, const QString& fileName)
{
    const QString base = serverUri();
    if (base.isEmpty())
        qFatal("no test server (CHORUS_TEST_PG_STATE=%s): run the test through ctest",
               qPrintable(qEnvironmentVariable("CHORUS_TEST_PG_STATE")));
    return withProject(base, uniqueProjectName(dir, fileName));
}

/// Where to create a project called fileName: dir/fileName, or its server project.
inline QString projectLocation(const QTemporaryDir& dir, const QString& fileName)
{
    return onServer() ? serverProjectLocation(dir, fileName) : dir.filePath(fileName);
}

/// A test's path for `name` in dir: a name ending in ".chorus" is a project (projectLocation),
/// any other name a file there.
inline QString pathOrProject(const QTemporaryDir& dir, const QString& name)
{
    return name.endsWith(QLatin1String(".chorus")) ? projectLocation(dir, name) : dir.filePath(name);
}

} // namespace chorus::test
