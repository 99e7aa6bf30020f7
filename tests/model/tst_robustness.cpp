// Hostile and extreme input (issue "packaging and robustness"): markup, control characters,
// invalid UTF-8, SQL fragments in labels, a 10 MB line, 100,000 labels, an annotator whose
// every answer is INVALID. Each either imports and displays exactly what was given, or fails
// with a clear error; nothing crashes or hangs. Also the forward migration of a version-1
// project to version 2.

#include "importhelpers.h"
#include "projectdump.h"

#include "aggregation.h"
#include "importer.h"
#include "itemtablemodel.h"
#include "methods.h"
#include "runstore.h"
#include "snapshot.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace chorus;
using namespace chorus::model;

class TestRobustness : public chorus::test::ImportTestBase
{
    Q_OBJECT

private slots:

    void markupControlCharactersAndSqlStayData()
    {
        // JSON escapes: \u0001 and \u007f control characters, a tab, markup, and a label that
        // looks like SQL with both kinds of quotes.
        const QByteArray line =
            "{\"id\":\"x1\",\"text\":\"<b>bold?</b> <script>alert(1)</script>\\u0001\\u007f\\tend\","
            "\"labels\":{\"m1\":\"a'); DROP TABLE items;--\",\"m2\":\"\\\"quoted\\\"\"}}\n";
        const QString file = write(QStringLiteral("hostile.jsonl"), line);
        ProjectStore store;
        store.open(path(QStringLiteral("p.chorus")), ProjectStore::Mode::CreateNew);
        importFile(store, file);
        const Snapshot s = loadSnapshot(store);
        QCOMPARE(s.itemTexts[0], QStringLiteral("<b>bold?</b> <script>alert(1)</script>") + QChar(1) + QChar(0x7f)
                                     + QStringLiteral("\tend"));
        // Normalisation only trims .,;:!? at the end and a pair of wrapping quotes (docs), so the
        // SQL fragment is kept whole ("-" is not trimmed) and "\"quoted\"" loses its quotes.
        QVERIFY(s.labels.contains(QStringLiteral("a'); DROP TABLE items;--")));
        QVERIFY(s.labels.contains(QStringLiteral("quoted")));
        QCOMPARE(store.info().items, qint64(1));  // the items table is still there
        // The table shows the text as data (the view draws DisplayRole as plain text).
        ItemTableModel m;
        RunData run;
        agg::AggregationInput in;
        in.matrix = &s.matrix;
        run = runFromResult(s, QStringLiteral("mv"), agg::majorityVote(in));
        m.setSource(&s, &run);
        QVERIFY(m.index(0, ItemTableModel::ColText).data().toString().startsWith(QStringLiteral("<b>bold?</b>")));
    }

    void invalidUtf8StopsWithLineAndOffset()
    {
        // Bytes that are not UTF-8 stop the import with their line and byte offset (they used to
        // be stored as U+FFFD, losing what the file held); nothing is written.
        QByteArray csv = "item,annotator,label\nq1,m1,ok\nq2,m1,";
        csv += "\xff\xfe bad";
        csv += "\nq3,m\xc3,ok\n";
        const QString file = write(QStringLiteral("bad-utf8.csv"), csv);
        ProjectStore store;
        store.open(path(QStringLiteral("u.chorus")), ProjectStore::Mode::CreateNew);
        try {
            importFile(store, file);
            QFAIL("invalid UTF-8 must stop the import");
        } catch (const Error& e) {
            // Line 1 is 21 bytes, line 2 9 (21-29); line 3 "q2,m1," is 6 more: 0xFF at 36.
            QCOMPARE(e.message(), file + QStringLiteral(":3: invalid UTF-8 at byte offset 36 (0xFF); save the file as UTF-8"));
        }
        QCOMPARE(store.info().items, 0);
        QCOMPARE(store.info().annotations, 0);
    }

    void tenMegabyteLine()
    {
        const QByteArray big(10 * 1024 * 1024, 'x');
        const QString file = write(QStringLiteral("big.jsonl"),
                                   "{\"id\":\"big\",\"text\":\"" + big + "\",\"labels\":{\"m1\":\"a\"}}\n");
        ProjectStore store;
        store.open(path(QStringLiteral("b.chorus")), ProjectStore::Mode::CreateNew);
        importFile(store, file);
        const Snapshot s = loadSnapshot(store);
        QCOMPARE(s.itemTexts[0].size(), qsizetype(big.size()));
        ItemTableModel m;
        m.setSource(&s, nullptr);
        // The table shows a one-line preview, not 10 MB per cell.
        QVERIFY(m.index(0, ItemTableModel::ColText).data().toString().size() <= 300);
    }

    void hundredThousandLabels()
    {
        // 10 items, 100,000 distinct labels (open label set), two annotators.
        QByteArray csv = "item,annotator,label\n";
        for (int l = 0; l < 100000; ++l)
            csv += "q" + QByteArray::number(l % 10) + ",m" + QByteArray::number(l / 10) + ",label" + QByteArray::number(l) + "\n";
        const QString file = write(QStringLiteral("labels.csv"), csv);
        ProjectStore store;
        store.open(path(QStringLiteral("l.chorus")), ProjectStore::Mode::CreateNew);
        QElapsedTimer t;
        t.start();
        importFile(store, file);
        qInfo("100,000 labels imported in %lld ms", static_cast<long long>(t.elapsed()));
        const Snapshot s = loadSnapshot(store);
        QCOMPARE(s.numLabels(), 100000);
        QCOMPARE(s.labels.first(), QStringLiteral("label0"));
        QCOMPARE(s.labels.last(), QStringLiteral("label99999"));
        agg::AggregationInput in;
        in.matrix = &s.matrix;
        const RunData run = runFromResult(s, QStringLiteral("mv"), agg::majorityVote(in));
        ItemTableModel m;
        m.setSource(&s, &run);
        QCOMPARE(m.rowCount(), 10);
        // Every item got 10,000 different labels from 10,000 annotators.
        QCOMPARE(m.index(0, ItemTableModel::ColDistinct).data().toInt(), 255);  // saturates
        m.sort(ItemTableModel::ColEntropy, Qt::DescendingOrder);
        QCOMPARE(m.rowCount(), 10);
    }

    void annotatorWithOnlyInvalidAnswers()
    {
        const QString file = write(QStringLiteral("inv.jsonl"),
                                   "{\"label_set\":[\"a\",\"b\"],\"id\":\"1\",\"labels\":{\"good\":\"a\",\"broken\":\"???\"}}\n"
                                   "{\"id\":\"2\",\"labels\":{\"good\":\"b\",\"broken\":\"n/a\"}}\n");
        ProjectStore store;
        store.open(path(QStringLiteral("i.chorus")), ProjectStore::Mode::CreateNew);
        const ImportReport r = importFile(store, file);
        QCOMPARE(r.invalid, qint64(2));
        const Snapshot s = loadSnapshot(store);
        const int32_t broken = static_cast<int32_t>(s.annotators.indexOf(QStringLiteral("broken")));
        QVERIFY(broken >= 0);
        for (const std::string method : {"mv", "ds", "glad", "mace", "wawa"}) {
            agg::AggregationInput in;
            in.matrix = &s.matrix;
            const auto res = agg::aggregate(method, in);
            // No valid answer: competence unknown (NaN), never a made-up number.
            QVERIFY2(std::isnan(res.competence[broken]), method.c_str());
            QCOMPARE(res.labels[0], 0);
            QCOMPARE(res.labels[1], 1);
        }
    }

    void version1ProjectMigratesToVersion2()
    {
        const QString p = path(QStringLiteral("old.chorus"));
        {
            ProjectStore store;
            store.open(p, ProjectStore::Mode::CreateNew);
            // Make it look like a version-1 file: no position index, no delete trigger.
            store.exec(QStringLiteral("DROP INDEX labels_by_position"));
            store.exec(QStringLiteral("DROP TRIGGER decisions_append_only_d"));
            // ... and none of the later versions' tables (v3: the LLM connector's).
            store.exec(QStringLiteral("DROP TABLE IF EXISTS llm_answers"));
            store.exec(QStringLiteral("DROP TABLE IF EXISTS llm_annotators"));
            store.setMetaValue(QStringLiteral("schema_version"), QStringLiteral("1"));
            store.exec(QStringLiteral("INSERT INTO items (ext_id) VALUES ('i1')"));
            Decision d;
            d.itemId = 1;
            d.action = QStringLiteral("flag");
            d.status = ReviewStatus::Flagged;
            d.author = QStringLiteral("t");
            store.appendDecision(d);
            // (v5: decisions.uuid and claims; taken away after the decision that needs the column)
            for (const QString& sql : chorus::test::undoVersion5())
                store.exec(sql);
        }
        ProjectStore store;
        store.open(p);
        QCOMPARE(store.metaValue(QStringLiteral("schema_version")), QString::number(ProjectStore::kSchemaVersion));
        QCOMPARE(store.scalar(QStringLiteral("SELECT COUNT(*) FROM sqlite_master WHERE name = 'labels_by_position'")).toInt(), 1);
        // Decisions are append-only now for DELETE too ...
        QVERIFY_THROWS_EXCEPTION(Error, store.exec(QStringLiteral("DELETE FROM decisions")));
        QCOMPARE(store.info().decisions, qint64(1));
        // ... but deleting an item still removes its history through the cascade.
        store.exec(QStringLiteral("DELETE FROM items WHERE id = 1"));
        QCOMPARE(store.info().decisions, qint64(0));
    }
};

QTEST_GUILESS_MAIN(TestRobustness)
#include "tst_robustness.moc"
