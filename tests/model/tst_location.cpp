// ProjectLocation: how a project argument is read (issue #19). A file path stays a path; a
// postgresql:// URI gives libpq's connection parameters and the project (schema) name. The
// expected fields are written out by hand from the URI syntax of PostgreSQL's documentation
// (libpq, "Connection URIs"): postgresql://[user@]host[:port]/dbname?param=value.

#include "errors.h"
#include "location.h"
#include "stringrows.h"

#include <QtTest>

using namespace chorus::model;

namespace {

// The pass-through connection parameters as "k=v;k=v", in URI order.
QString optionsText(const ProjectLocation& l)
{
    QStringList opts;
    for (const auto& [k, v] : l.options)
        opts << k + QLatin1Char('=') + v;
    return opts.join(QLatin1Char(';'));
}

// Every connection field of a server location in one line (port -1: none given; options as
// optionsText writes them): what serverUris expects, and how displayRoundTrips compares two
// locations.
QString connectionFields(const ProjectLocation& l)
{
    return QStringLiteral("user=%1 host=%2 port=%3 database=%4 project=%5 options=%6")
        .arg(l.user, l.host, QString::number(l.port), l.database, l.project, optionsText(l));
}

} // namespace

class TestLocation : public QObject
{
    Q_OBJECT

private slots:
    void filePathsStayPaths_data();
    void filePathsStayPaths();
    void serverUris_data();
    void serverUris();
    void refused_data();
    void refused();
    void projectNames_data();
    void projectNames();
    void displayRoundTrips_data();
    void displayRoundTrips();
    void passwordsOnlyInMemory();
};

void TestLocation::filePathsStayPaths_data()
{
    chorus::test::addStringRows("text", {
        {"relative", "projects/a.chorus"},
        {"absolute", "/home/ana/a.chorus"},
        {"colonInName", "postgresql:notaurl.chorus"},
        {"memory", ":memory:"},
    });
}

void TestLocation::filePathsStayPaths()
{
    QFETCH(QString, text);
    const ProjectLocation l = ProjectLocation::parse(text);
    QVERIFY(!l.isServer());
    QCOMPARE(l.path, text);
    QCOMPARE(l.display(), text);
}

// Each row: the URI and all its connection fields, as connectionFields() writes them.
void TestLocation::serverUris_data()
{
    chorus::test::addStringTable({"uri", "fields"}, {
        {"full", "postgresql://ana@db.example.org:5433/labels?project=news", "user=ana host=db.example.org port=5433 database=labels project=news options="},
        {"noUserNoPort", "postgresql://db/labels?project=news", "user= host=db port=-1 database=labels project=news options="},
        {"shortScheme", "postgres://db/labels?project=news", "user= host=db port=-1 database=labels project=news options="},
        {"socketFolder", "postgresql:///labels?host=/var/run/postgresql&port=5432&project=p1", "user= host=/var/run/postgresql port=5432 database=labels project=p1 options="},
        {"percentEncodedSocket", "postgresql://%2Ftmp%2Fpg/labels?project=p1", "user= host=/tmp/pg port=-1 database=labels project=p1 options="},
        {"passThrough", "postgresql://ana@db/labels?sslmode=require&connect_timeout=5&project=p1", "user=ana host=db port=-1 database=labels project=p1 options=sslmode=require;connect_timeout=5"},
        {"service", "postgresql:///?service=team&project=p1", "user= host= port=-1 database= project=p1 options=service=team"},
        {"noProject", "postgresql://db/labels", "user= host=db port=-1 database=labels project= options="},
        {"ipv6", "postgresql://[::1]:6000/labels?project=p1", "user= host=::1 port=6000 database=labels project=p1 options="},
    });
}

void TestLocation::serverUris()
{
    QFETCH(QString, uri);
    QFETCH(QString, fields);
    const ProjectLocation l = ProjectLocation::parse(uri);
    QVERIFY(l.isServer());
    QVERIFY(ProjectLocation::isServerUri(uri));
    QCOMPARE(connectionFields(l), fields);
}

void TestLocation::refused_data()
{
    chorus::test::addStringTable({"uri", "message"}, {
        {"passwordInAuthority", "postgresql://ana:hunter2@db/labels?project=p", "a password cannot be part of a project URI"},
        {"passwordParameter", "postgresql://ana@db/labels?password=hunter2&project=p", "a password cannot be part of a project URI"},
        {"badPort", "postgresql:///labels?port=http&project=p", "not a port number"},
        {"twoPathParts", "postgresql://db/labels/extra?project=p", "the path must be one database name"},
        {"semicolonValue", "postgresql://db/labels?options=a;b&project=p", "contains ';'"},
        {"badParameterName", "postgresql://db/labels?Bad-Key=1&project=p", "is not a connection parameter"},
        {"upperCaseProject", "postgresql://db/labels?project=News", "must start with a lowercase letter"},
        {"reservedProject", "postgresql://db/labels?project=public", "reserved"},
    });
}

void TestLocation::refused()
{
    QFETCH(QString, uri);
    QFETCH(QString, message);
    try {
        ProjectLocation::parse(uri);
        QFAIL("must be refused");
    } catch (const Error& e) {
        QVERIFY2(e.message().contains(message), qPrintable(e.message()));
        QVERIFY2(!e.message().contains(QLatin1String("hunter2")), qPrintable(e.message()));  // never repeated
    }
}

void TestLocation::projectNames_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("valid");
    QTest::newRow("simple") << QStringLiteral("news") << true;
    QTest::newRow("digitsUnderscore") << QStringLiteral("news_2024_q1") << true;
    QTest::newRow("fortyChars") << QString(40, QLatin1Char('a')) << true;
    QTest::newRow("fortyOneChars") << QString(41, QLatin1Char('a')) << false;  // chorus_<41>_adjudicator > 63
    QTest::newRow("leadingDigit") << QStringLiteral("1news") << false;
    QTest::newRow("dash") << QStringLiteral("news-2024") << false;
    QTest::newRow("quote") << QStringLiteral("x\"y") << false;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("pgPrefix") << QStringLiteral("pg_news") << false;
    QTest::newRow("informationSchema") << QStringLiteral("information_schema") << false;
}

void TestLocation::projectNames()
{
    QFETCH(QString, name);
    QFETCH(bool, valid);
    QString why;
    QCOMPARE(isValidProjectName(name, &why), valid);
    QCOMPARE(why.isEmpty(), valid);
}

void TestLocation::displayRoundTrips_data()
{
    chorus::test::addStringRows("uri", {
        {"full", "postgresql://ana@db.example.org:5433/labels?project=news"},
        {"socket", "postgresql:///labels?host=/tmp/pg&port=5432&project=p1"},
        {"options", "postgresql://db/labels?sslmode=require&project=p1"},
    });
}

// display() is what recent projects and error messages show: read back, it names the same place.
void TestLocation::displayRoundTrips()
{
    QFETCH(QString, uri);
    const ProjectLocation a = ProjectLocation::parse(uri);
    const ProjectLocation b = ProjectLocation::parse(a.display());
    QCOMPARE(connectionFields(b), connectionFields(a));
    QCOMPARE(a.withProject(QStringLiteral("other")).project, QStringLiteral("other"));
}

void TestLocation::passwordsOnlyInMemory()
{
    const ProjectLocation l = ProjectLocation::parse(QStringLiteral("postgresql://ana@db:5433/labels?project=p"));
    QVERIFY(rememberedServerPassword(l.serverKey()).isEmpty());
    rememberServerPassword(l.serverKey(), QStringLiteral("s3cret"));
    QCOMPARE(rememberedServerPassword(l.serverKey()), QStringLiteral("s3cret"));
    // Another project of the same server and database shares it; another user does not.
    QCOMPARE(rememberedServerPassword(l.withProject(QStringLiteral("q")).serverKey()), QStringLiteral("s3cret"));
    const ProjectLocation other = ProjectLocation::parse(QStringLiteral("postgresql://bo@db:5433/labels?project=p"));
    QVERIFY(rememberedServerPassword(other.serverKey()).isEmpty());
    QVERIFY(!l.display().contains(QLatin1String("s3cret")));
    rememberServerPassword(l.serverKey(), QString());
    QVERIFY(rememberedServerPassword(l.serverKey()).isEmpty());
}

QTEST_GUILESS_MAIN(TestLocation)
#include "tst_location.moc"
