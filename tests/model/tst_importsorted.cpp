// A project import keeps up to 2^20 annotation rows in memory and writes them sorted by (item,
// annotator) (model/io/importtarget_sql.cpp). These tests check that the order of a file's rows
// changes nothing a user can see: a shuffled long CSV gives the annotations written out by hand
// below, as its sorted version does, and a duplicate (item, annotator) in a shuffled file is
// still reported with the line of the first row that repeats a pair, however the sort orders
// it. Line numbers are counted by hand: line 1 is the header, row r (from 0) is on line r + 2.

#include "importhelpers.h"

#include "importer.h"

#include <QtTest>

#include <algorithm>
#include <random>

using namespace chorus::model;
using namespace chorus::test;

class TestImportSorted : public ImportTestBase
{
    Q_OBJECT

private slots:
    void shuffledRowsGiveTheSameProject_data();
    void shuffledRowsGiveTheSameProject();
    void duplicateInAShuffledFile_data();
    void duplicateInAShuffledFile();
};

namespace {

// The answer of annotator a for item i, and what the project must hold for it with the label
// set closed to {yes, no}: the label (INVALID for an answer that maps to none) and the raw
// column (NULL when the answer is the label's own name, else the answer as given).
struct Answer
{
    const char* given;
    const char* label;
    const char* raw;
};
const Answer kAnswers[] = {
    {"yes", "yes", "<null>"},
    {"no", "no", "<null>"},
    {"YES", "yes", "YES"},  // case folded
    {"No.", "no", "No."},   // trailing punctuation folded
    {"maybe", "INVALID", "maybe"},
};

const Answer& answerOf(int item, int annotator)
{
    return kAnswers[(3 * item + annotator) % 5];
}

QByteArray itemName(int i)
{
    return "q" + QByteArray::number(i);
}

QByteArray annotatorName(int a)
{
    return "m" + QByteArray::number(a);
}

} // namespace

void TestImportSorted::shuffledRowsGiveTheSameProject_data()
{
    QTest::addColumn<int>("items");
    QTest::addColumn<int>("annotators");
    QTest::newRow("fewerRowsThanABatch") << 4 << 3;           // 12 rows: single-row inserts only
    QTest::newRow("batchesAndARemainder") << 45 << 7;         // 315 rows: 2 INSERTs of 128, 59 rows
    QTest::newRow("sparseManyAnnotators") << 300 << 20;       // 6,000 rows
}

void TestImportSorted::shuffledRowsGiveTheSameProject()
{
    QFETCH(int, items);
    QFETCH(int, annotators);
    QList<QByteArray> rows;
    QStringList expected;
    for (int i = 0; i < items; ++i)
        for (int a = 0; a < annotators; ++a) {
            const Answer& x = answerOf(i, a);
            rows << itemName(i) + ',' + annotatorName(a) + ',' + x.given + '\n';
            expected << QStringLiteral("%1|%2|%3|%4")
                            .arg(QString::fromLatin1(itemName(i)), QString::fromLatin1(annotatorName(a)),
                                 QLatin1String(x.label), QLatin1String(x.raw));
        }
    expected.sort();
    const QByteArray sorted = "item,annotator,label\n" + rows.join();
    std::mt19937 rng(17);
    std::shuffle(rows.begin(), rows.end(), rng);
    const QByteArray shuffled = "item,annotator,label\n" + rows.join();
    QVERIFY(shuffled != sorted);
    QByteArray gold = "item,label\n";
    for (int i = 0; i < items; ++i)
        gold += itemName(i) + (i % 2 ? ",no\n" : ",yes\n");

    ImportOptions options;
    options.labels = {QStringLiteral("yes"), QStringLiteral("no")};
    options.goldFile = write(QStringLiteral("gold.csv"), gold);
    for (const auto& [name, content] : {std::pair{QStringLiteral("sorted"), sorted}, std::pair{QStringLiteral("shuffled"), shuffled}}) {
        const QString project = path(name + QStringLiteral(".chorus"));
        {
            ProjectStore s;
            s.open(project, ProjectStore::Mode::CreateNew);
            const ImportReport r = importFile(s, write(name + QStringLiteral(".csv"), content), options);
            QCOMPARE(r.annotations, qint64(items) * annotators);
        }
        QCOMPARE(annotationRows(project), expected);
        const QStringList goldRows = queryRows(project, QStringLiteral("SELECT i.ext_id, l.name FROM gold g JOIN items i ON "
                                                                       "i.id = g.item_id JOIN labels l ON l.id = g.label_id"));
        QCOMPARE(goldRows.size(), items);
        QVERIFY(goldRows.contains(QStringLiteral("q1|no")));
        QVERIFY(goldRows.contains(QStringLiteral("q2|yes")));
        QCOMPARE(queryRows(project, QStringLiteral("SELECT COUNT(*) FROM items")), QStringList{QString::number(items)});
        QCOMPARE(queryRows(project, QStringLiteral("SELECT COUNT(*) FROM annotators")),
                 QStringList{QString::number(annotators)});
    }
}

// A file of 300 distinct (item, annotator) rows in a seeded random order, with copies of some
// rows inserted at chosen places. Each copy is (row it repeats, index it is inserted at in the
// final file); "base1" instead of a row repeats an annotation already in the project.
void TestImportSorted::duplicateInAShuffledFile_data()
{
    QTest::addColumn<QList<int>>("copyOf");   // row index in the base order; -1: base1,m1
    QTest::addColumn<QList<int>>("copyAt");   // index in the final file (ascending)
    QTest::addColumn<int>("expectedRow");     // index in the final file of the row reported
    QTest::addColumn<QString>("expectedItem");

    // Row 0's item is the first new item, the smallest id: its copy sorts first, yet the copy of
    // row 30, earlier in the file, is the one an import in file order would have refused.
    QTest::newRow("laterTwinSortsFirst") << QList<int>{30, 0} << QList<int>{60, 80} << 60 << QString();
    QTest::newRow("earlierTwinSortsFirst") << QList<int>{0, 30} << QList<int>{60, 80} << 60 << QString();
    QTest::newRow("twinFarApart") << QList<int>{5} << QList<int>{250} << 250 << QString();
    QTest::newRow("inTheProjectFirst") << QList<int>{-1, 10} << QList<int>{40, 70} << 40 << QStringLiteral("base1");
    QTest::newRow("inTheFileFirst") << QList<int>{10, -1} << QList<int>{40, 70} << 40 << QString();
    QTest::newRow("inTheProjectOnly") << QList<int>{-1} << QList<int>{299} << 299 << QStringLiteral("base1");
}

void TestImportSorted::duplicateInAShuffledFile()
{
    QFETCH(QList<int>, copyOf);
    QFETCH(QList<int>, copyAt);
    QFETCH(int, expectedRow);
    QFETCH(QString, expectedItem);
    // 100 items x 3 annotators, shuffled; the copies go in at their indexes, in ascending order.
    QList<QByteArray> base;
    for (int i = 0; i < 100; ++i)
        for (int a = 0; a < 3; ++a)
            base << itemName(i) + ',' + annotatorName(a);
    std::mt19937 rng(5);
    std::shuffle(base.begin(), base.end(), rng);
    QList<QByteArray> rows = base;
    for (int c = 0; c < copyOf.size(); ++c) {
        QVERIFY(copyOf[c] < 0 || copyOf[c] < copyAt[c]);  // a copy comes after the row it repeats
        rows.insert(copyAt[c], copyOf[c] < 0 ? QByteArray("base1,m1") : base[copyOf[c]]);
    }
    // The reported row: its item and annotator, as the file says them.
    const QList<QByteArray> reported = rows[expectedRow].split(',');
    if (!expectedItem.isEmpty())
        QCOMPARE(QString::fromLatin1(reported[0]), expectedItem);
    QByteArray csv = "item,annotator,label\n";
    for (const QByteArray& r : rows)
        csv += r + ",yes\n";
    const QString file = write(QStringLiteral("dup.csv"), csv);
    const QString expected = QStringLiteral("%1:%2: item \"%3\" already has a label from annotator \"%4\"")
                                 .arg(file)
                                 .arg(expectedRow + 2)
                                 .arg(QString::fromLatin1(reported[0]), QString::fromLatin1(reported[1]));

    const QString project = path(QStringLiteral("p.chorus"));
    ProjectStore s;
    s.open(project, ProjectStore::Mode::CreateNew);
    importFile(s, write(QStringLiteral("base.csv"), "item,annotator,label\nbase1,m1,yes\nbase1,m2,no\nbase2,m1,yes\n"));
    try {
        importFile(s, file);
        QFAIL("the import must fail");
    } catch (const Error& e) {
        QCOMPARE(e.message(), expected);
    }
    QCOMPARE(s.info().annotations, 3);  // all or nothing
    QCOMPARE(s.info().items, 2);
}

QTEST_GUILESS_MAIN(TestImportSorted)
#include "tst_importsorted.moc"
