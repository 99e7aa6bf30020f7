// Export of what reviewers wrote: notes and the append-only decision history in jsonl and CSV
// (exact bytes against a hand-written project), refused where a format cannot carry them; and
// atomic writes (a canceled or failed export leaves no file and keeps an existing one). Split
// from tst_roundtrip.cpp.

#include "expecterror.h"
#include "importhelpers.h"
#include "projectdump.h"

#include "exporter.h"
#include "importer.h"
#include "runstore.h"
#include "snapshot.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace chorus::model;
using namespace chorus::test;

class TestExportNotes : public ImportTestBase
{
    Q_OBJECT

private slots:

    void notesAndHistoryJsonl();
    void notesCsvExactBytes();
    void historyCsvColumn();
    void historyRefusedForAnswerFormats();
    void cancelLeavesNoFile();
    void cancelKeepsExistingFile();
    void unwritableTarget();

private:
    // The project of the note tests; see notesProject() for its decisions.
    QString notesProject();
    // Exports the notes project to `name` in the scratch folder with `o`; returns the file.
    QString exportNotes(const QString& name, const ExportOptions& o);
};

// ---------------------------------------------------------------------------------------------
// Reviewer notes and the decision history. The project (labels a, b; one annotator m1) and its
// decisions, written down by hand; every decision row is the item's complete state:
//   n1 (text "t1", m1 a)  d1 ana label a, reviewed, note kTricky
//                         d2 ben flag (label a kept), flagged, note kTricky
//   n2 (m1 b)             d3 ana note, unreviewed, "first"
//                         d4 ana label b, reviewed, note kChanged (the note was changed)
//   n3 (m1 a)             d5 ben note, unreviewed, "temporary"
//                         d6 ben note, unreviewed, "" (the note was removed)
//   n4 (m1 b)             no decision
// appended in the order d1 d3 d2 d5 d4 d6, so per-item histories interleave in the table.
// Final labels: n1 override a (1, flagged), n2 override b (1, reviewed), n3 mv a and n4 mv b
// (a single vote: confidence 1, unreviewed).

namespace {

const QString kTricky = QStringLiteral("Looks fine, but \"sarcastic\"?\r\nCheck, again\nlater");
const QString kChanged = QStringLiteral("second: changed my mind (na\u00efve reading)");

struct HandDecision
{
    const char* item;
    const char* createdAt;
    const char* author;
    const char* action;
    const char* label;  // nullptr = none
    const char* status;
    QString note;
};

const HandDecision& decision(int n)  // d1..d6
{
    static const HandDecision d[] = {
        {"n1", "2024-05-01T09:00:00.000Z", "ana", "label", "a", "reviewed", kTricky},
        {"n1", "2024-05-01T09:05:00.000Z", "ben", "flag", "a", "flagged", kTricky},
        {"n2", "2024-05-01T10:00:00.000Z", "ana", "note", nullptr, "unreviewed", QStringLiteral("first")},
        {"n2", "2024-05-02T08:30:00.000Z", "ana", "label", "b", "reviewed", kChanged},
        {"n3", "2024-05-03T12:00:00.000Z", "ben", "note", nullptr, "unreviewed", QStringLiteral("temporary")},
        {"n3", "2024-05-03T12:01:00.000Z", "ben", "note", nullptr, "unreviewed", QStringLiteral("")},
    };
    return d[n - 1];
}

QJsonObject historyEntry(int n)
{
    const HandDecision& d = decision(n);
    return QJsonObject{{QStringLiteral("created_at"), QString::fromLatin1(d.createdAt)},
                       {QStringLiteral("author"), QString::fromLatin1(d.author)},
                       {QStringLiteral("action"), QString::fromLatin1(d.action)},
                       {QStringLiteral("label"), d.label ? QJsonValue(QString::fromLatin1(d.label)) : QJsonValue()},
                       {QStringLiteral("status"), QString::fromLatin1(d.status)},
                       {QStringLiteral("note"), d.note}};
}

// Expected "history" of n1..n4.
QJsonArray expectedHistory(int item)
{
    switch (item) {
    case 1: return {historyEntry(1), historyEntry(2)};
    case 2: return {historyEntry(3), historyEntry(4)};
    case 3: return {historyEntry(5), historyEntry(6)};
    default: return {};
    }
}

// d1..d6 appended in the order d1 d3 d2 d5 d4 d6.
void appendHandDecisions(ProjectStore& s)
{
    for (int n : {1, 3, 2, 5, 4, 6}) {
        const HandDecision& h = decision(n);
        Decision d;
        d.itemId = s.scalar(QStringLiteral("SELECT id FROM items WHERE ext_id = ?"), {QString::fromLatin1(h.item)})
                       .toLongLong();
        d.action = QString::fromLatin1(h.action);
        if (h.label)
            d.labelId = s.scalar(QStringLiteral("SELECT id FROM labels WHERE name = ?"), {QString::fromLatin1(h.label)})
                            .toLongLong();
        d.status = statusFromName(QString::fromLatin1(h.status));
        d.note = h.note;
        d.author = QString::fromLatin1(h.author);
        d.createdAt = QString::fromLatin1(h.createdAt);
        s.appendDecision(d);
    }
}

// Expected current note of n1..n4 (empty = none).
QString expectedNote(int item)
{
    return item == 1 ? kTricky : item == 2 ? kChanged : QString();
}

} // namespace

QString TestExportNotes::notesProject()
{
    return fixtureProject(QStringLiteral("notes.chorus"),
                          "{\"label_set\":[\"a\",\"b\"],\"id\":\"n1\",\"text\":\"t1\",\"labels\":{\"m1\":\"a\"}}\n"
                          "{\"id\":\"n2\",\"labels\":{\"m1\":\"b\"}}\n"
                          "{\"id\":\"n3\",\"labels\":{\"m1\":\"a\"}}\n"
                          "{\"id\":\"n4\",\"labels\":{\"m1\":\"b\"}}\n",
                          appendHandDecisions);
}

QString TestExportNotes::exportNotes(const QString& name, const ExportOptions& o)
{
    ProjectStore s;
    s.open(notesProject());
    const QString out = path(name);
    exportProject(s, out, o);
    return out;
}

void TestExportNotes::notesAndHistoryJsonl()
{
    ProjectStore s;
    s.open(notesProject());
    const QString out = path(QStringLiteral("notes.jsonl"));
    ExportOptions o;
    for (const bool history : {false, true}) {
        o.history = history;
        exportProject(s, out, o);
        const QList<QJsonObject> lines = jsonLines(out);
        QCOMPARE(idsOf(lines), (QStringList{QStringLiteral("n1"), QStringLiteral("n2"), QStringLiteral("n3"),
                                            QStringLiteral("n4")}));
        for (int k = 1; k <= 4; ++k) {
            const QJsonObject& j = lines[k - 1];
            const QByteArray tag = "n" + QByteArray::number(k) + (history ? " with history" : "");
            if (expectedNote(k).isEmpty())
                QVERIFY2(!j.contains(QStringLiteral("note")), tag);  // no note, or one that was removed
            else
                QCOMPARE(j.value(QStringLiteral("note")).toString(), expectedNote(k));
            if (history)
                QCOMPARE(j.value(QStringLiteral("history")).toArray(), expectedHistory(k));
            else
                QVERIFY2(!j.contains(QStringLiteral("history")), tag);
        }
        QCOMPARE(lines[0].value(QStringLiteral("status")).toString(), QStringLiteral("flagged"));
        QCOMPARE(lines[1].value(QStringLiteral("label")).toString(), QStringLiteral("b"));
    }
    // The curated file still imports as a project (notes and history are not imported).
    ProjectStore again;
    again.open(path(QStringLiteral("again.chorus")), ProjectStore::Mode::CreateNew);
    QCOMPARE(importFile(again, out).itemsAdded, 4);
    QCOMPARE(again.info().decisions, 0);
}

void TestExportNotes::notesCsvExactBytes()
{
    ExportOptions o;
    o.annotatorLabels = false;
    const QString out = exportNotes(QStringLiteral("notes.csv"), o);
    // RFC 4180: the note with a comma, quotes, CR LF and LF is quoted with doubled quotes and
    // its line breaks kept; the others need no quotes; no note is an empty cell.
    QCOMPARE(fileBytes(out), QByteArray("id,text,label,source,confidence,status,note\n"
                                        "n1,t1,a,override,1,flagged,\"Looks fine, but \"\"sarcastic\"\"?\r\nCheck, again\nlater\"\n"
                                        "n2,,b,override,1,reviewed,second: changed my mind (na\xc3\xafve reading)\n"
                                        "n3,,a,aggregate:mv,1,unreviewed,\n"
                                        "n4,,b,aggregate:mv,1,unreviewed,\n"));
}

void TestExportNotes::historyCsvColumn()
{
    ExportOptions o;
    o.history = true;
    o.soft = QStringLiteral("posterior");
    const QString out = exportNotes(QStringLiteral("history.csv"), o);
    const QList<QStringList> rows = parseCsv(fileBytes(out));
    QCOMPARE(rows.size(), 1 + 4);
    QCOMPARE(rows[0], (QStringList{QStringLiteral("id"), QStringLiteral("text"), QStringLiteral("label"),
                                   QStringLiteral("source"), QStringLiteral("confidence"), QStringLiteral("status"),
                                   QStringLiteral("note"), QStringLiteral("history"), QStringLiteral("p_a"),
                                   QStringLiteral("p_b"), QStringLiteral("m1")}));
    for (int k = 1; k <= 4; ++k) {
        const QStringList& row = rows[k];
        QCOMPARE(row.size(), 11);
        QCOMPARE(row[0], QStringLiteral("n%1").arg(k));
        QCOMPARE(row[6], expectedNote(k));
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(row[7].toUtf8(), &pe);
        QVERIFY2(pe.error == QJsonParseError::NoError && doc.isArray(), qPrintable(row[7]));
        QCOMPARE(doc.array(), expectedHistory(k));
    }
    QCOMPARE(rows[4][7], QStringLiteral("[]"));
    QCOMPARE(rows[2][10], QStringLiteral("b"));  // the columns after the history are in place
}

void TestExportNotes::historyRefusedForAnswerFormats()
{
    ProjectStore s;
    s.open(notesProject());
    ExportOptions o;
    o.history = true;
    for (const QString& format : {QStringLiteral("long-csv"), QStringLiteral("wide-csv")}) {
        o.format = format;
        const QString out = path(format + QStringLiteral(".csv"));
        EXPECT_ERROR(exportProject(s, out, o), QStringLiteral("jsonl and csv only"));
        QVERIFY(!QFileInfo::exists(out));
        o.history = false;  // without the history these formats work as before
        exportProject(s, out, o);
        QVERIFY(!fileBytes(out).contains("Looks fine"));
        o.history = true;
    }
}

// ---------------------------------------------------------------------------------------------
// Atomic writes

namespace {

// A project big enough that the export flushes several MB to its temporary file before the
// cancel arrives (4,000 items with 1 kB texts; the exporter polls every 1,024 items).
QString bigProject(const QString& dir)
{
    const QString p = dir + QStringLiteral("/big.chorus");
    QByteArray jsonl;
    const QByteArray text(1000, 'x');
    for (int i = 0; i < 4000; ++i)
        jsonl += "{\"id\":\"b" + QByteArray::number(i) + "\",\"text\":\"" + text + "\",\"labels\":{\"m1\":\"yes\"}}\n";
    writeFile(dir + QStringLiteral("/big.jsonl"), jsonl);
    ProjectStore s;
    s.open(p, ProjectStore::Mode::CreateNew);
    importFile(s, dir + QStringLiteral("/big.jsonl"));
    return p;
}

QStringList listing(const QString& dir)
{
    return QDir(dir).entryList(QDir::Files | QDir::NoDotAndDotDot, QDir::Name);
}

} // namespace

void TestExportNotes::cancelLeavesNoFile()
{
    QTemporaryDir outDir;
    ProjectStore s;
    s.open(bigProject(m_dir->path()));
    const QString out = outDir.filePath(QStringLiteral("dataset.jsonl"));
    qint64 reached = 0;
    ExportOptions o;
    o.progress = [&](qint64 done, qint64) { reached = done; };
    o.isCanceled = [&] { return reached >= 2048; };  // about 2 MB written by then
    QVERIFY_THROWS_EXCEPTION(CanceledError, exportProject(s, out, o));
    QCOMPARE(reached, 2048);
    QCOMPARE(listing(outDir.path()), QStringList());  // no target, no temporary file left behind
}

void TestExportNotes::cancelKeepsExistingFile()
{
    QTemporaryDir outDir;
    ProjectStore s;
    s.open(bigProject(m_dir->path()));
    const QString out = outDir.filePath(QStringLiteral("dataset.csv"));
    QVERIFY(writeFile(out, "the previous export\n"));
    qint64 reached = 0;
    ExportOptions o;
    o.progress = [&](qint64 done, qint64) { reached = done; };
    o.isCanceled = [&] { return reached >= 2048; };
    QVERIFY_THROWS_EXCEPTION(CanceledError, exportProject(s, out, o));
    QCOMPARE(fileBytes(out), QByteArray("the previous export\n"));
    QCOMPARE(listing(outDir.path()), QStringList{QStringLiteral("dataset.csv")});
    // Without the cancel the same export replaces the file completely.
    o.isCanceled = {};
    const ExportReport r = exportProject(s, out, o);
    QCOMPARE(r.items, 4000);
    QCOMPARE(fileBytes(out).count('\n'), 4001);
    QCOMPARE(listing(outDir.path()), QStringList{QStringLiteral("dataset.csv")});
}

void TestExportNotes::unwritableTarget()
{
    ProjectStore s;
    s.open(notesProject());  // any project: the target is what fails
    // A directory in place of the file, and a missing parent directory.
    QVERIFY(QDir(m_dir->path()).mkdir(QStringLiteral("adir")));
    for (const QString& out : {path(QStringLiteral("adir")), path(QStringLiteral("missing/dir/out.jsonl"))}) {
        try {
            exportProject(s, out);
            QFAIL("the export must fail");
        } catch (const Error& e) {
            QVERIFY2(e.message().startsWith(out), qPrintable(e.message()));
        }
    }
    QVERIFY(QFileInfo(path(QStringLiteral("adir"))).isDir());
    QVERIFY(!QFileInfo::exists(path(QStringLiteral("missing"))));
}

QTEST_GUILESS_MAIN(TestExportNotes)
#include "tst_exportnotes.moc"
