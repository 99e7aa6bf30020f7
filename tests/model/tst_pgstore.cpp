// Server projects only (issue #19), against the throwaway PostgreSQL server of the ctest fixture
// `pgserver`: the append-only history on the server, what a reviewer's and an adjudicator's
// connections may and may not do (the server must refuse, nothing may change), the errors a
// user meets (unreachable server, wrong password, missing database or project, a schema that is
// not a project, a password inside the URI), and reconnecting after the server restarted with no
// acknowledged decision lost. Facts are read back through a raw connection (projectdump.h), and
// every refusal is checked by comparing full dumps before and after.

#include "expecterror.h"
#include "projectdump.h"
#include "refusedopen.h"
#include "scratchdir.h"
#include "stringrows.h"
#include "testprojects.h"

#include "importer.h"
#include "projectstore.h"
#include "teamroles.h"

#include <QProcess>
#include <QSqlError>
#include <QTemporaryDir>
#include <QtTest>

using namespace chorus::model;
using namespace chorus::test;

namespace {

QString stateFile(const QString& name)
{
    QFile f(qEnvironmentVariable("CHORUS_TEST_PG_STATE") + QLatin1Char('/') + name);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()).trimmed() : QString();
}

// Runs SQL as the test server's superuser on the socket, outside the code under test.
void adminSql(const QString& sql)
{
    withRawConnection(
        withProject(serverUri(), QStringLiteral("public")),
        [&](QSqlDatabase& db) {
            QSqlQuery q(db);
            if (!q.exec(sql))
                qFatal("admin SQL failed: %s: %s", qPrintable(sql), qPrintable(q.lastError().text()));
        },
        false);
}

// The same project seen by another login (the socket trusts every role on the test server).
QString asLogin(const QString& uri, const QString& login)
{
    QString u = uri;
    u.replace(QStringLiteral("chorus_admin@"), login + QLatin1Char('@'));
    return u;
}

// A server of this test's own (the shared one serves the other tests running meanwhile, which a
// restart would cut): started in a temporary folder, stopped on every exit path.
class PrivateServer
{
public:
    PrivateServer()
    {
        m_ok = script(QStringLiteral("start"));
        QFile f(m_state.path() + QStringLiteral("/uri"));
        if (m_ok && f.open(QIODevice::ReadOnly))
            m_uri = QString::fromUtf8(f.readAll()).trimmed();
    }
    ~PrivateServer() { script(QStringLiteral("stop")); }
    bool isRunning() const { return m_ok && !m_uri.isEmpty(); }
    QString uri(const QString& project) const { return withProject(m_uri, project); }
    bool restart() { return script(QStringLiteral("restart")); }

private:
    bool script(const QString& action)
    {
        QProcess p;
        p.start(QStringLiteral(CHORUS_SOURCE_DIR "/scripts/pg-test-server.sh"), {action, m_state.path()});
        return p.waitForFinished(120000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    }
    QTemporaryDir m_state;
    QString m_uri;
    bool m_ok = false;
};

} // namespace

class TestPgStore : public ScratchDirTest
{
    Q_OBJECT

private slots:
    void initTestCase();

    void decisionsAppendOnlyOnServer();
    void deletingAnItemTakesItsHistory();
    void reviewerForbiddenStatements_data();
    void reviewerForbiddenStatements();
    void reviewerWritesDecisionsAsItself();
    void adjudicatorCannotImport();
    void teamInitIsIdempotentAndListsMembers();
    void connectionErrors_data();
    void connectionErrors();
    void schemaThatIsNotAProjectRefused();
    void reconnectAfterServerRestart();

private:
    QString project(const QString& name) { return serverProjectLocation(*m_dir, name); }
    // A project with 3 items (q1..q3), 2 annotators, labels yes/no, one decision on q1 by the
    // admin, and team roles; `reviewer` is a login with the reviewer role.
    QString teamProject(const QString& name, const QString& reviewer, TeamRole role = TeamRole::Reviewer);
};

void TestPgStore::initTestCase()
{
    if (serverUri().isEmpty())
        QFAIL("no test server: run through ctest (fixture pgserver) or set CHORUS_TEST_PG_STATE");
}

QString TestPgStore::teamProject(const QString& name, const QString& login, TeamRole role)
{
    const QString p = project(name);
    const QString csv = m_dir->filePath(name + QStringLiteral(".csv"));
    QFile f(csv);
    if (!f.open(QIODevice::WriteOnly))
        qFatal("cannot write %s", qPrintable(csv));
    f.write("item,annotator,label\nq1,m1,yes\nq1,m2,no\nq2,m1,yes\nq3,m2,no\n");
    f.close();
    ProjectStore s;
    s.open(p, ProjectStore::Mode::CreateNew);
    importFile(s, csv);
    Decision d;
    d.itemId = s.scalar(QStringLiteral("SELECT id FROM items WHERE ext_id = 'q1'")).toLongLong();
    d.action = QStringLiteral("label");
    d.labelId = s.scalar(QStringLiteral("SELECT id FROM labels WHERE name = 'yes'")).toLongLong();
    d.status = ReviewStatus::Reviewed;
    d.author = QStringLiteral("someone");
    s.appendDecision(d);
    initTeam(s);
    adminSql(QStringLiteral("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '%1') THEN "
                            "CREATE ROLE \"%1\" LOGIN; END IF; END $$")
                 .arg(login));
    addTeamMember(s, login, role);
    return p;
}

void TestPgStore::decisionsAppendOnlyOnServer()
{
    const QString p = teamProject(QStringLiteral("append"), QStringLiteral("rev_append"));
    ProjectStore owner;
    owner.open(p);
    const QStringList before = dumpProjectFile(p);
    // The owner (manager) holds every grant; the trigger still refuses.
    for (const QString& sql : {QStringLiteral("UPDATE decisions SET note = 'rewritten'"), QStringLiteral("DELETE FROM decisions")}) {
        EXPECT_ERROR(owner.exec(sql), QLatin1String("append-only"));
    }
    QCOMPARE(dumpProjectFile(p), before);
}

void TestPgStore::deletingAnItemTakesItsHistory()
{
    const QString p = teamProject(QStringLiteral("cascade"), QStringLiteral("rev_cascade"));
    ProjectStore owner;
    owner.open(p);
    QCOMPARE(owner.scalar(QStringLiteral("SELECT COUNT(*) FROM decisions")).toInt(), 1);
    owner.exec(QStringLiteral("DELETE FROM items WHERE ext_id = 'q1'"));  // as on SQLite: the rows go with the item
    QCOMPARE(owner.scalar(QStringLiteral("SELECT COUNT(*) FROM decisions")).toInt(), 0);
    QCOMPARE(owner.scalar(QStringLiteral("SELECT COUNT(*) FROM annotations")).toInt(), 2);
}

void TestPgStore::reviewerForbiddenStatements_data()
{
    addStringRows("sql", {
        {"updateOwnOrOthersDecision", "UPDATE decisions SET note = 'x'"},
        {"deleteHistory", "DELETE FROM decisions"},
        {"writeAsAnother", "INSERT INTO decisions (item_id, action, status, note, author, created_at) " "SELECT id, 'label', 'reviewed', '', 'someone', '2024-01-01' FROM items LIMIT 1"},
        {"importItems", "INSERT INTO items (ext_id, text) VALUES ('q9', '')"},
        {"importAnnotations", "INSERT INTO annotations (item_id, annotator_id) VALUES (2, 1)"},
        {"changeItems", "UPDATE items SET text = 'x'"},
        {"deleteItems", "DELETE FROM items"},
        {"changeGold", "INSERT INTO gold (item_id, label_id) VALUES (1, 1)"},
        {"saveRun", "INSERT INTO runs (method, params, created_at, labels) VALUES ('mv','{}','x','[]')"},
        {"changeMeta", "UPDATE meta SET value = '1' WHERE key = 'label_set_closed'"},
        {"dropTable", "DROP TABLE decisions"},
        {"truncate", "TRUNCATE annotations"},
        {"disableTrigger", "ALTER TABLE decisions DISABLE TRIGGER decisions_append_only"},
        {"dropSchema", "DROP SCHEMA CURRENT_SCHEMA CASCADE"},
        {"alterTable", "ALTER TABLE items ADD COLUMN extra INTEGER"},
    });
}

void TestPgStore::reviewerForbiddenStatements()
{
    QFETCH(QString, sql);
    static QString p;
    if (p.isEmpty())
        p = teamProject(QStringLiteral("forbidden"), QStringLiteral("rev_forbidden"));
    const QStringList before = dumpProjectFile(p);
    ProjectStore reviewer;
    reviewer.open(asLogin(p, QStringLiteral("rev_forbidden")));
    QCOMPARE(reviewer.sessionUser(), QStringLiteral("rev_forbidden"));
    QCOMPARE(currentTeamRole(reviewer), std::optional<TeamRole>(TeamRole::Reviewer));
    // Reading is allowed.
    QCOMPARE(reviewer.info().items, 3);
    bool refused = false;
    try {
        reviewer.exec(sql);
    } catch (const Error& e) {
        refused = true;
        // The server's word: permission, ownership or row-level security (for DROP SCHEMA with
        // CURRENT_SCHEMA unsupported syntax counts too: the statement cannot run either way).
        QVERIFY2(e.message().contains(QLatin1String("permission denied")) || e.message().contains(QLatin1String("must be owner"))
                     || e.message().contains(QLatin1String("row-level security")) || e.message().contains(QLatin1String("syntax error")),
                 qPrintable(e.message()));
    }
    QVERIFY2(refused, qPrintable(QStringLiteral("a reviewer ran: ") + sql));
    QCOMPARE(dumpProjectFile(p), before);  // nothing changed
}

void TestPgStore::reviewerWritesDecisionsAsItself()
{
    const QString p = teamProject(QStringLiteral("ownname"), QStringLiteral("rev_ownname"));
    ProjectStore reviewer;
    reviewer.open(asLogin(p, QStringLiteral("rev_ownname")));
    Decision d;
    d.itemId = reviewer.scalar(QStringLiteral("SELECT id FROM items WHERE ext_id = 'q2'")).toLongLong();
    d.action = QStringLiteral("flag");
    d.status = ReviewStatus::Flagged;
    // Under another's name: the server refuses, nothing is stored.
    d.author = QStringLiteral("someone");
    const QStringList before = dumpProjectFile(p);
    QVERIFY_THROWS_EXCEPTION(PermissionDeniedError, reviewer.appendDecision(d));
    QCOMPARE(dumpProjectFile(p), before);
    // Under its own: stored.
    d.author = reviewer.sessionUser();
    const qint64 id = reviewer.appendDecision(d);
    QStringList rows;
    withRawConnection(p, [&](QSqlDatabase& db) {
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("SELECT d.id, i.ext_id, d.action, d.status, d.author FROM decisions d JOIN items i "
                                      "ON i.id = d.item_id ORDER BY d.id")));
        while (q.next())
            rows << QStringLiteral("%1|%2|%3|%4|%5").arg(q.value(0).toString(), q.value(1).toString(), q.value(2).toString(),
                                                         q.value(3).toString(), q.value(4).toString());
    });
    QCOMPARE(rows, (QStringList{QStringLiteral("1|q1|label|reviewed|someone"),
                                QStringLiteral("%1|q2|flag|flagged|rev_ownname").arg(id)}));
}

void TestPgStore::adjudicatorCannotImport()
{
    const QString p = teamProject(QStringLiteral("adj"), QStringLiteral("adj_one"), TeamRole::Adjudicator);
    const QString csv = m_dir->filePath(QStringLiteral("more.csv"));
    QVERIFY(writeFile(csv, "item,annotator,label\nq7,m1,yes\n"));
    const QStringList before = dumpProjectFile(p);
    ProjectStore adj;
    adj.open(asLogin(p, QStringLiteral("adj_one")));
    QCOMPARE(currentTeamRole(adj), std::optional<TeamRole>(TeamRole::Adjudicator));
    QVERIFY_THROWS_EXCEPTION(Error, importFile(adj, csv));
    QCOMPARE(dumpProjectFile(p), before);
}

void TestPgStore::teamInitIsIdempotentAndListsMembers()
{
    const QString p = teamProject(QStringLiteral("members"), QStringLiteral("rev_members"));
    ProjectStore owner;
    owner.open(p);
    initTeam(owner);  // again: no error, same roles
    adminSql(QStringLiteral("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'adj_members') THEN "
                            "CREATE ROLE adj_members LOGIN; END IF; END $$"));
    addTeamMember(owner, QStringLiteral("adj_members"), TeamRole::Adjudicator);
    // Promoting the reviewer replaces its role.
    addTeamMember(owner, QStringLiteral("rev_members"), TeamRole::Adjudicator);
    const auto members = teamMembers(owner);
    QStringList shown;
    for (const auto& [login, role] : members)
        shown << login + QLatin1Char(':') + teamRoleName(role);
    QCOMPARE(shown, (QStringList{QStringLiteral("adj_members:adjudicator"), QStringLiteral("chorus_admin:manager"),
                                 QStringLiteral("rev_members:adjudicator")}));
    EXPECT_ERROR(addTeamMember(owner, QStringLiteral("nobody_here"), TeamRole::Reviewer), QLatin1String("no login \"nobody_here\""));
}

void TestPgStore::connectionErrors_data()
{
    QTest::addColumn<QString>("uri");
    QTest::addColumn<QString>("message");
    QTest::addColumn<bool>("needsPassword");
    const QString base = serverUri();
    const QString port = stateFile(QStringLiteral("port"));
    QTest::newRow("wrongPassword") << QStringLiteral("postgresql://chorus_admin@127.0.0.1:%1/chorus_test?project=x").arg(port)
                                   << QStringLiteral("wants a password for user \"chorus_admin\"") << true;
    // A port nothing listens on: the test server's port + 1 is free unless by chance.
    QTest::newRow("unreachable") << QStringLiteral("postgresql://chorus_admin@127.0.0.1:1/chorus_test?project=x")
                                 << QStringLiteral("cannot reach the server") << false;
    QString noDb = base;
    noDb.replace(QStringLiteral("/chorus_test?"), QStringLiteral("/no_such_db?"));
    QTest::newRow("missingDatabase") << withProject(noDb, QStringLiteral("x")) << QStringLiteral("no database \"no_such_db\"") << false;
    QTest::newRow("missingProject") << withProject(base, QStringLiteral("never_made"))
                                    << QStringLiteral("no such project \"never_made\"") << false;
    QTest::newRow("noProjectInUri") << base << QStringLiteral("the URI names no project") << false;
    QTest::newRow("passwordInUri") << QStringLiteral("postgresql://chorus_admin:secret@127.0.0.1:%1/chorus_test?project=x").arg(port)
                                   << QStringLiteral("a password cannot be part of a project URI") << false;
    QTest::newRow("badProjectName") << withProject(base, QStringLiteral("Bad-Name")) << QStringLiteral("must start with a lowercase letter")
                                    << false;
}

void TestPgStore::connectionErrors()
{
    QFETCH(QString, uri);
    QFETCH(QString, message);
    QFETCH(bool, needsPassword);
    qputenv("PGPASSWORD", "certainly-wrong");
    ProjectStore s;
    bool threw = false;
    try {
        s.open(uri);
    } catch (const PasswordNeededError& e) {
        threw = true;
        QVERIFY2(needsPassword, qPrintable(e.message()));
        QVERIFY2(e.message().contains(message), qPrintable(e.message()));
    } catch (const Error& e) {
        threw = true;
        QVERIFY2(!needsPassword, qPrintable(e.message()));
        QVERIFY2(e.message().contains(message), qPrintable(e.message()));
        QVERIFY2(!e.message().contains(QLatin1String("secret")), qPrintable(e.message()));  // never echoed
    }
    qunsetenv("PGPASSWORD");
    QVERIFY(threw);
    QVERIFY(!s.isOpen());
    if (needsPassword) {
        // The password the GUI would ask for, kept in memory: now it opens.
        const ProjectLocation loc = ProjectLocation::parse(uri);
        rememberServerPassword(loc.serverKey(), stateFile(QStringLiteral("password")));
        s.open(uri, ProjectStore::Mode::CreateOrOpen);
        QVERIFY(s.isOpen());
        rememberServerPassword(loc.serverKey(), QString());
    }
}

void TestPgStore::schemaThatIsNotAProjectRefused()
{
    adminSql(QStringLiteral("CREATE SCHEMA IF NOT EXISTS someone_elses; CREATE TABLE IF NOT EXISTS someone_elses.notes "
                            "(body TEXT); INSERT INTO someone_elses.notes VALUES ('keep me')"));
    const QString uri = withProject(serverUri(), QStringLiteral("someone_elses"));
    const QStringList before = dumpProjectFile(uri);
    const QStringList messages = refusedOpenMessages(uri);
    QCOMPARE(messages.size(), 2);
    for (const QString& m : messages)
        QVERIFY2(m.contains(QLatin1String("not a Chorus project")), qPrintable(m));
    QCOMPARE(dumpProjectFile(uri), before);
    QVERIFY(!ProjectStore::serverProjects(serverUri()).contains(QStringLiteral("someone_elses")));
}

void TestPgStore::reconnectAfterServerRestart()
{
    PrivateServer server;
    QVERIFY(server.isRunning());
    const QString p = server.uri(QStringLiteral("restart"));
    ProjectStore s;
    s.open(p, ProjectStore::Mode::CreateNew);
    s.exec(QStringLiteral("INSERT INTO items (ext_id) VALUES ('q1'), ('q2')"));
    QStringList notices;
    s.onReconnected = [&](const QString& text) { notices << text; };
    Decision d;
    d.itemId = s.scalar(QStringLiteral("SELECT id FROM items WHERE ext_id = 'q2'")).toLongLong();
    d.action = QStringLiteral("flag");
    d.status = ReviewStatus::Flagged;
    d.author = QStringLiteral("ana");
    const qint64 before = s.appendDecision(d);  // acknowledged before the restart

    QVERIFY(server.restart());
    // The next action reconnects and succeeds; the user is told.
    d.action = QStringLiteral("unflag");
    d.status = ReviewStatus::Unreviewed;
    const qint64 after = s.appendDecision(d);
    QVERIFY(after > before);
    QCOMPARE(s.reconnects(), 1);
    QCOMPARE(notices.size(), 1);
    QVERIFY2(notices[0].contains(QLatin1String("lost")), qPrintable(notices[0]));
    QStringList rows;
    withRawConnection(p, [&](QSqlDatabase& db) {
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("SELECT id, action FROM decisions ORDER BY id")));
        while (q.next())
            rows << q.value(0).toString() + QLatin1Char(':') + q.value(1).toString();
    });
    QCOMPARE(rows, (QStringList{QStringLiteral("%1:flag").arg(before), QStringLiteral("%1:unflag").arg(after)}));

    // A transaction cut by a restart fails, says so, and claims nothing.
    s.begin();
    s.exec(QStringLiteral("INSERT INTO items (ext_id) VALUES ('mid')"));
    QVERIFY(server.restart());
    try {
        s.exec(QStringLiteral("INSERT INTO items (ext_id) VALUES ('mid2')"));
        s.commit();
        QFAIL("a transaction whose connection was cut cannot commit");
    } catch (const Error& e) {
        s.rollback();
        QVERIFY2(e.message().contains(QLatin1String("may not have been saved")), qPrintable(e.message()));
    }
    QCOMPARE(s.scalar(QStringLiteral("SELECT COUNT(*) FROM items WHERE ext_id LIKE 'mid%'")).toInt(), 0);
    QCOMPARE(s.reconnects(), 2);
}

QTEST_GUILESS_MAIN(TestPgStore)
#include "tst_pgstore.moc"
