// ProjectStore: creating, opening and refusing project files; connection settings (foreign
// keys, WAL); append-only decision history; saved runs. Facts about the file are read back
// through a separate raw connection, not through ProjectStore. Runs twice: on files, and on a
// PostgreSQL test server (model_tst_projectstore_pg); the file-only facts are skipped there.

#include "expecterror.h"
#include "projectdump.h"
#include "refusedopen.h"
#include "scratchdir.h"
#include "stringrows.h"
#include "testprojects.h"

#include "projectstore.h"
#include "runstore.h"
#include "snapshot.h"

#include <QFileInfo>
#include <QSqlError>
#include <QTemporaryDir>
#include <QtTest>

#include <cstring>

using namespace chorus::model;
using namespace chorus::test;

class TestProjectStore : public ScratchDirTest
{
    Q_OBJECT

private slots:
    void createOpenReopen();
    void createNewRefusesExistingFile();
    void openExistingRefusesMissingFile();
    void schemaVersionStored();
    void newerSchemaRefused();
    void foreignFilesRefused_data();
    void foreignFilesRefused();
    void foreignKeysOn();
    void walMode();
    void decisionsAppendOnly();
    void appendDecisionPersists();
    void transactionRollsBack();
    void labelsKeepOrder();
    void infoCounts();
    void secondConnectionSeesCommittedWrites();
    void inMemoryProject();
    void runRoundTripAndBlobFormat();

private:
    QString path(const QString& name) const { return projectLocation(*m_dir, name); }
};

void TestProjectStore::createOpenReopen()
{
    const QString p = path(QStringLiteral("a.chorus"));
    {
        ProjectStore s;
        s.open(p, ProjectStore::Mode::CreateNew);
        QVERIFY(s.isOpen());
        QCOMPARE(s.path(), p);
        s.exec(QStringLiteral("INSERT INTO items (ext_id, text) VALUES (?, ?)"), {QStringLiteral("q1"), QStringLiteral("hello")});
        s.close();
        QVERIFY(!s.isOpen());
    }
    QVERIFY(ProjectStore::projectExists(p));
    ProjectStore s;
    s.open(p);  // OpenExisting
    QCOMPARE(s.scalar(QStringLiteral("SELECT text FROM items WHERE ext_id = 'q1'")).toString(), QStringLiteral("hello"));
    // CreateOrOpen on an existing project opens it without touching its content.
    s.close();
    s.open(p, ProjectStore::Mode::CreateOrOpen);
    QCOMPARE(s.scalar(QStringLiteral("SELECT COUNT(*) FROM items")).toInt(), 1);
}

void TestProjectStore::createNewRefusesExistingFile()
{
    const QString p = path(QStringLiteral("exists.chorus"));
    if (onServer()) {
        {
            ProjectStore first;
            first.open(p, ProjectStore::Mode::CreateNew);
            first.exec(QStringLiteral("INSERT INTO items (ext_id) VALUES ('keep')"));
        }
        const QStringList before = dumpProjectFile(p);
        ProjectStore s;
        EXPECT_ERROR(s.open(p, ProjectStore::Mode::CreateNew), QLatin1String("already exists"));
        QCOMPARE(dumpProjectFile(p), before);
        return;
    }
    QVERIFY(writeFile(p, "something"));
    ProjectStore s;
    EXPECT_ERROR(s.open(p, ProjectStore::Mode::CreateNew), QLatin1String("already exists"));
    QCOMPARE(fileBytes(p), QByteArray("something"));
}

void TestProjectStore::openExistingRefusesMissingFile()
{
    const QString p = path(QStringLiteral("missing.chorus"));
    ProjectStore s;
    try {
        s.open(p);
        QFAIL("opening a missing project must throw");
    } catch (const Error& e) {
        QVERIFY2(e.message().contains(p) && e.message().contains(QLatin1String("no such project")),
                 qPrintable(e.message()));
    }
    QVERIFY(!ProjectStore::projectExists(p));  // not created as a side effect
    QVERIFY(!s.isOpen());
}

void TestProjectStore::schemaVersionStored()
{
    const QString p = path(QStringLiteral("v.chorus"));
    {
        ProjectStore s;
        s.open(p, ProjectStore::Mode::CreateNew);
    }
    QString version, app;
    withRawConnection(p, [&](QSqlDatabase& db) {
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("SELECT key, value FROM meta")));
        while (q.next()) {
            if (q.value(0).toString() == QLatin1String("schema_version"))
                version = q.value(1).toString();
            if (q.value(0).toString() == QLatin1String("application"))
                app = q.value(1).toString();
        }
    });
    QCOMPARE(version, QString::number(ProjectStore::kSchemaVersion));
    QCOMPARE(app, QStringLiteral("chorus"));
    ProjectStore s;
    s.open(p);
    QCOMPARE(s.info().schemaVersion, ProjectStore::kSchemaVersion);
}

void TestProjectStore::newerSchemaRefused()
{
    const QString p = path(QStringLiteral("newer.chorus"));
    {
        ProjectStore s;
        s.open(p, ProjectStore::Mode::CreateNew);
    }
    withRawConnection(
        p,
        [&](QSqlDatabase& db) {
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("UPDATE meta SET value = '%1' WHERE key = 'schema_version'")
                               .arg(ProjectStore::kSchemaVersion + 1)));
        },
        false);
    const QStringList before = dumpProjectFile(p);
    ProjectStore s;
    try {
        s.open(p);
        QFAIL("a project written by a newer version must be refused");
    } catch (const Error& e) {
        QVERIFY2(e.message().contains(QLatin1String("newer version")), qPrintable(e.message()));
        QVERIFY2(e.message().contains(p), qPrintable(e.message()));
    }
    QVERIFY(!s.isOpen());
    QCOMPARE(dumpProjectFile(p), before);  // not migrated "down" or otherwise touched
}

void TestProjectStore::foreignFilesRefused_data()
{
    addStringRows("kind", {
        {"textFile", "text"},
        {"sqliteWithoutMeta", "sqlite-plain"},
        {"sqliteOfAnotherApplication", "sqlite-other-app"},
    });
}

void TestProjectStore::foreignFilesRefused()
{
    if (onServer())
        QSKIP("about files; tst_pgstore checks a schema that is not a project");
    QFETCH(QString, kind);
    const QString p = path(QStringLiteral("foreign.chorus"));
    if (kind == QLatin1String("text")) {
        QVERIFY(writeFile(p, "item,annotator,label\n1,a,pos\n"));
    } else {
        withRawConnection(
            p,
            [&](QSqlDatabase& db) {
                QSqlQuery q(db);
                QVERIFY(q.exec(QStringLiteral("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")));
                QVERIFY(q.exec(QStringLiteral("INSERT INTO notes (body) VALUES ('keep me')")));
                if (kind == QLatin1String("sqlite-other-app")) {
                    QVERIFY(q.exec(QStringLiteral("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")));
                    QVERIFY(q.exec(QStringLiteral("INSERT INTO meta VALUES ('application', 'other'), "
                                                  "('schema_version', '1')")));
                }
            },
            false);
    }
    const QByteArray before = fileBytes(p);
    const QStringList messages = refusedOpenMessages(p);
    QCOMPARE(messages.size(), 2);
    for (const QString& m : messages) {
        QVERIFY2(m.contains(QLatin1String("not a Chorus project")), qPrintable(m));
        QVERIFY2(m.startsWith(p), qPrintable(m));
    }
    QCOMPARE(fileBytes(p), before);  // no schema was added to somebody else's file
}

void TestProjectStore::foreignKeysOn()
{
    ProjectStore s;
    const QString p = path(QStringLiteral("fk.chorus"));
    s.open(p, ProjectStore::Mode::CreateNew);
    if (!s.isServer())
        QCOMPARE(s.scalar(QStringLiteral("PRAGMA foreign_keys")).toInt(), 1);
    // An annotation of an item that does not exist violates the foreign key.
    s.exec(QStringLiteral("INSERT INTO annotators (name, kind) VALUES ('m1', 'llm')"));
    QVERIFY_THROWS_EXCEPTION(Error, s.exec(QStringLiteral("INSERT INTO annotations (item_id, annotator_id) "
                                                          "VALUES (4242, 1)")));
    QCOMPARE(s.scalar(QStringLiteral("SELECT COUNT(*) FROM annotations")).toInt(), 0);
    // And after reopening (the pragma is per connection).
    s.open(p);
    QVERIFY_THROWS_EXCEPTION(Error, s.exec(QStringLiteral("INSERT INTO annotations (item_id, annotator_id) "
                                                          "VALUES (4242, 1)")));
}

void TestProjectStore::walMode()
{
    if (onServer())
        QSKIP("SQLite's journal; the server keeps its own");
    const QString p = path(QStringLiteral("wal.chorus"));
    ProjectStore s;
    s.open(p, ProjectStore::Mode::CreateNew);
    QCOMPARE(s.scalar(QStringLiteral("PRAGMA journal_mode")).toString(), QStringLiteral("wal"));
    s.exec(QStringLiteral("INSERT INTO items (ext_id) VALUES ('x')"));
    QVERIFY(QFileInfo::exists(p + QStringLiteral("-wal")));
    s.close();
    // WAL is persistent in the file header: a fresh raw connection sees it too.
    QString mode;
    withRawConnection(p, [&](QSqlDatabase& db) {
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("PRAGMA journal_mode")) && q.next());
        mode = q.value(0).toString();
    });
    QCOMPARE(mode, QStringLiteral("wal"));
}

void TestProjectStore::decisionsAppendOnly()
{
    ProjectStore s;
    s.open(path(QStringLiteral("d.chorus")), ProjectStore::Mode::CreateNew);
    s.exec(QStringLiteral("INSERT INTO items (ext_id) VALUES ('q1')"));
    const qint64 item = s.scalar(QStringLiteral("SELECT id FROM items")).toLongLong();
    Decision d;
    d.itemId = item;
    d.action = QStringLiteral("flag");
    d.status = ReviewStatus::Flagged;
    d.author = QStringLiteral("ana");
    d.note = QStringLiteral("ambiguous");
    const qint64 id = s.appendDecision(d);
    EXPECT_ERROR(s.exec(QStringLiteral("UPDATE decisions SET note = 'rewritten' WHERE id = ?"), {id}), QLatin1String("append-only"));
    QCOMPARE(s.scalar(QStringLiteral("SELECT note FROM decisions WHERE id = ?"), {id}).toString(),
             QStringLiteral("ambiguous"));
    // Appending more is fine; the history keeps both rows in order.
    d.action = QStringLiteral("unflag");
    d.status = ReviewStatus::Unreviewed;
    d.note.clear();
    const qint64 id2 = s.appendDecision(d);
    QVERIFY(id2 > id);
    QCOMPARE(s.decisionHistory(item).size(), 2);
}

void TestProjectStore::appendDecisionPersists()
{
    const QString p = path(QStringLiteral("persist.chorus"));
    qint64 item = 0, labelId = 0, id = 0;
    {
        ProjectStore s;
        s.open(p, ProjectStore::Mode::CreateNew);
        s.exec(QStringLiteral("INSERT INTO items (ext_id) VALUES ('q1')"));
        item = s.scalar(QStringLiteral("SELECT id FROM items")).toLongLong();
        labelId = s.ensureLabel(QStringLiteral("pos"));
        Decision d;
        d.itemId = item;
        d.action = QStringLiteral("label");
        d.labelId = labelId;
        d.status = ReviewStatus::Reviewed;
        d.note = QStringLiteral("clear case");
        d.author = QStringLiteral("ana");
        d.createdAt = QStringLiteral("2024-05-01T10:00:00.123Z");
        id = s.appendDecision(d);
        // No close(): appendDecision has committed, a crash here would keep the row. The
        // destructor closes the connection.
    }
    // A separate raw connection sees the row...
    QStringList rows;
    withRawConnection(p, [&](QSqlDatabase& db) {
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("SELECT id, item_id, action, label_id, status, note, author, created_at "
                                      "FROM decisions")));
        while (q.next()) {
            QStringList c;
            for (int i = 0; i < 8; ++i)
                c << q.value(i).toString();
            rows << c.join(QLatin1Char('|'));
        }
    });
    QCOMPARE(rows, QStringList{QStringLiteral("%1|%2|label|%3|reviewed|clear case|ana|2024-05-01T10:00:00.123Z")
                                   .arg(id)
                                   .arg(item)
                                   .arg(labelId)});
    // ...and so does a reopened store.
    ProjectStore s;
    s.open(p);
    const QList<Decision> h = s.decisionHistory(item);
    QCOMPARE(h.size(), 1);
    QCOMPARE(h[0].id, id);
    QCOMPARE(h[0].action, QStringLiteral("label"));
    QCOMPARE(h[0].labelId, labelId);
    QCOMPARE(h[0].status, ReviewStatus::Reviewed);
    QCOMPARE(h[0].note, QStringLiteral("clear case"));
    QCOMPARE(h[0].author, QStringLiteral("ana"));
    QCOMPARE(h[0].createdAt, QStringLiteral("2024-05-01T10:00:00.123Z"));
    // A decision without createdAt gets the current time; one without label stores NULL.
    Decision d2;
    d2.itemId = item;
    d2.action = QStringLiteral("clear");
    d2.author = QStringLiteral("ana");
    const QDateTime before = QDateTime::currentDateTimeUtc().addSecs(-1);
    const qint64 id2 = s.appendDecision(d2);
    QVERIFY(s.scalar(QStringLiteral("SELECT label_id FROM decisions WHERE id = ?"), {id2}).isNull());
    const QDateTime at = QDateTime::fromString(s.decisionHistory(item).last().createdAt, Qt::ISODateWithMs);
    QVERIFY(at.isValid() && at >= before && at <= QDateTime::currentDateTimeUtc().addSecs(1));
    // A decision about an item that does not exist is refused (foreign key) and not stored.
    Decision bad = d2;
    bad.itemId = item + 1000;
    QVERIFY_THROWS_EXCEPTION(Error, s.appendDecision(bad));
    QCOMPARE(s.scalar(QStringLiteral("SELECT COUNT(*) FROM decisions")).toInt(), 2);
}

void TestProjectStore::transactionRollsBack()
{
    ProjectStore s;
    s.open(path(QStringLiteral("t.chorus")), ProjectStore::Mode::CreateNew);
    try {
        s.transaction([&] {
            s.exec(QStringLiteral("INSERT INTO items (ext_id) VALUES ('a')"));
            throw Error(QStringLiteral("stop"));
        });
        QFAIL("the exception must propagate");
    } catch (const Error& e) {
        QCOMPARE(e.message(), QStringLiteral("stop"));
    }
    QCOMPARE(s.scalar(QStringLiteral("SELECT COUNT(*) FROM items")).toInt(), 0);
    s.transaction([&] { s.exec(QStringLiteral("INSERT INTO items (ext_id) VALUES ('b')")); });
    QCOMPARE(s.scalar(QStringLiteral("SELECT COUNT(*) FROM items")).toInt(), 1);
}

void TestProjectStore::labelsKeepOrder()
{
    ProjectStore s;
    s.open(path(QStringLiteral("l.chorus")), ProjectStore::Mode::CreateNew);
    const qint64 z = s.ensureLabel(QStringLiteral("zebra"));
    s.ensureLabel(QStringLiteral("apple"));
    s.ensureLabel(QStringLiteral("mango"));
    QCOMPARE(s.ensureLabel(QStringLiteral("zebra")), z);  // not added twice
    QCOMPARE(s.labelNames(), (QStringList{QStringLiteral("zebra"), QStringLiteral("apple"), QStringLiteral("mango")}));
    QVERIFY(!s.labelSetClosed());
    s.setLabelSetClosed(true);
    QVERIFY(s.labelSetClosed());
}

void TestProjectStore::infoCounts()
{
    ProjectStore s;
    s.open(path(QStringLiteral("i.chorus")), ProjectStore::Mode::CreateNew);
    // 3 items, 2 annotators, 2 labels; 4 annotations of which 1 INVALID; gold on 1 item; human
    // counts on 1 item (2 rows); item 1 reviewed then item 2 flagged then item 2 cleared.
    s.exec(QStringLiteral("INSERT INTO items (id, ext_id) VALUES (1,'a'),(2,'b'),(3,'c')"));
    s.exec(QStringLiteral("INSERT INTO annotators (id, name, kind) VALUES (1,'m1','llm'),(2,'h1','human')"));
    s.exec(QStringLiteral("INSERT INTO labels (id, name, position) VALUES (1,'pos',0),(2,'neg',1)"));
    s.exec(QStringLiteral("INSERT INTO annotations (item_id, annotator_id, label_id, raw) VALUES "
                          "(1,1,1,NULL),(1,2,2,NULL),(2,1,NULL,'dunno'),(3,2,1,NULL)"));
    s.exec(QStringLiteral("INSERT INTO gold (item_id, label_id) VALUES (3, 2)"));
    s.exec(QStringLiteral("INSERT INTO human_counts (item_id, label_id, count) VALUES (2,1,7),(2,2,3)"));
    auto decide = [&](qint64 item, ReviewStatus st) {
        Decision d;
        d.itemId = item;
        d.action = QStringLiteral("x");
        d.status = st;
        d.author = QStringLiteral("ana");
        s.appendDecision(d);
    };
    decide(1, ReviewStatus::Reviewed);
    decide(2, ReviewStatus::Flagged);
    decide(2, ReviewStatus::Unreviewed);
    const ProjectInfo i = s.info();
    QCOMPARE(i.items, 3);
    QCOMPARE(i.annotators, 2);
    QCOMPARE(i.labels, 2);
    QCOMPARE(i.annotations, 4);
    QCOMPARE(i.invalidAnnotations, 1);
    QCOMPARE(i.gold, 1);
    QCOMPARE(i.itemsWithHumanCounts, 1);
    QCOMPARE(i.decisions, 3);
    QCOMPARE(i.reviewedItems, 1);  // item 2's latest decision put it back to unreviewed
    QCOMPARE(i.runs, 0);
    QCOMPARE(i.labelNames, (QStringList{QStringLiteral("pos"), QStringLiteral("neg")}));
    QCOMPARE(i.annotatorNames, (QStringList{QStringLiteral("m1"), QStringLiteral("h1")}));
}

void TestProjectStore::secondConnectionSeesCommittedWrites()
{
    const QString p = path(QStringLiteral("two.chorus"));
    ProjectStore writer;
    writer.open(p, ProjectStore::Mode::CreateNew);
    ProjectStore reader;
    reader.open(p);
    writer.begin();
    writer.exec(QStringLiteral("INSERT INTO items (ext_id) VALUES ('a')"));
    // Uncommitted: the reader (WAL) still reads the old state without blocking.
    QCOMPARE(reader.scalar(QStringLiteral("SELECT COUNT(*) FROM items")).toInt(), 0);
    writer.commit();
    QCOMPARE(reader.scalar(QStringLiteral("SELECT COUNT(*) FROM items")).toInt(), 1);
}

void TestProjectStore::inMemoryProject()
{
    ProjectStore s;
    s.openInMemory();
    QVERIFY(s.isOpen());
    QCOMPARE(s.info().schemaVersion, ProjectStore::kSchemaVersion);
    QCOMPARE(s.scalar(QStringLiteral("PRAGMA foreign_keys")).toInt(), 1);
    s.exec(QStringLiteral("INSERT INTO items (ext_id) VALUES ('a')"));
    QCOMPARE(s.info().items, 1);
    QVERIFY(s.integrityCheck().isEmpty());
}

void TestProjectStore::runRoundTripAndBlobFormat()
{
    ProjectStore s;
    s.open(path(QStringLiteral("run.chorus")), ProjectStore::Mode::CreateNew);
    s.exec(QStringLiteral("INSERT INTO items (ext_id) VALUES ('a'),('b')"));
    s.exec(QStringLiteral("INSERT INTO annotators (name, kind) VALUES ('m1','llm'),('m2','llm')"));
    s.ensureLabel(QStringLiteral("pos"));
    s.ensureLabel(QStringLiteral("neg"));
    s.ensureLabel(QStringLiteral("neu"));
    const Snapshot snap = loadSnapshot(s);
    chorus::agg::AggregationResult r;
    r.numLabels = 3;
    r.labels = {1, -1};
    r.posterior = {0.125, 0.75, 0.125, 1.0 / 3, 1.0 / 3, 1.0 / 3};
    r.competence = {0.9, std::numeric_limits<double>::quiet_NaN()};
    r.iterations = 7;
    r.converged = false;
    r.logLikelihood = {-3.5, -2.25};
    const qint64 run = saveRun(s, snap, QStringLiteral("ds"), QStringLiteral("{\"tol\":1e-5}"), r, 0.5);
    QVERIFY(run > 0);
    QCOMPARE(s.info().runs, 1);

    // The posterior BLOB is 3 little-endian IEEE-754 doubles per item, in label order.
    const QByteArray blob = s.scalar(QStringLiteral("SELECT posterior FROM run_items WHERE run_id = ? AND "
                                                    "item_id = (SELECT id FROM items WHERE ext_id = 'a')"),
                                     {run})
                                .toByteArray();
    QCOMPARE(blob.size(), 3 * 8);
    const double expected[3] = {0.125, 0.75, 0.125};
    for (int k = 0; k < 3; ++k) {
        quint64 bits = 0;
        for (int b = 7; b >= 0; --b)
            bits = (bits << 8) | static_cast<quint8>(blob[k * 8 + b]);
        double v;
        std::memcpy(&v, &bits, sizeof v);
        QCOMPARE(v, expected[k]);
    }
    QCOMPARE(s.scalar(QStringLiteral("SELECT labels FROM runs WHERE id = ?"), {run}).toString(),
             QStringLiteral("[\"pos\",\"neg\",\"neu\"]"));

    const RunData d = loadRun(s, snap, 0);  // 0 = latest
    QCOMPARE(d.summary.id, run);
    QCOMPARE(d.summary.method, QStringLiteral("ds"));
    QCOMPARE(d.summary.iterations, 7);
    QCOMPARE(d.summary.converged, false);
    QCOMPARE(d.labels, (std::vector<int32_t>{1, -1}));
    QCOMPARE(d.posterior, r.posterior);
    QCOMPARE(d.confidence[0], 0.75);
    QVERIFY(std::isnan(d.confidence[1]));
    QCOMPARE(d.competence[0], 0.9);
    QVERIFY(std::isnan(d.competence[1]));
    QVERIFY_THROWS_EXCEPTION(Error, loadRun(s, snap, run + 1));
}

QTEST_GUILESS_MAIN(TestProjectStore)
#include "tst_projectstore.moc"
