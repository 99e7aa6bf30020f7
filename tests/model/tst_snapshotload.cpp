// loadSnapshot reads through SQLite's C API (issue #17) and loadSnapshotPortable through
// QSqlQuery; both must give exactly the Snapshot that the QSqlQuery code before issue #17 gave.
// That code is kept below as the reference (referenceLoad), and each project is loaded three
// ways and compared field by field: gold, human counts, decisions (the latest row wins, notes,
// cleared labels), INVALID labels (one with reported probabilities), annotators of every kind
// with and without costs, a closed label set whose positions are not in id order, invalid UTF-8
// text, sparse ids (the hash path) and a 60,000-item project (the path with the helper thread).
// Cancel polling is checked too.

#include "scratchdir.h"

#include "projectstore.h"
#include "snapshot.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <limits>

using namespace chorus;
using namespace chorus::model;

namespace {

// The body of loadSnapshot as it was before issue #17 (commit 60b540f), unchanged but for
// its name.
Snapshot referenceLoad(ProjectStore& store)
{
    Snapshot s;
    QSqlQuery q = store.exec(QStringLiteral("SELECT id, name FROM labels ORDER BY position, id"));
    while (q.next()) {
        s.labelIndexById.insert(q.value(0).toLongLong(), static_cast<int32_t>(s.labels.size()));
        s.labelIds << q.value(0).toLongLong();
        s.labels << q.value(1).toString();
    }
    q = store.exec(QStringLiteral("SELECT id, name, kind, cost_per_item FROM annotators ORDER BY id"));
    QHash<qint64, int32_t> annIndex;
    while (q.next()) {
        annIndex.insert(q.value(0).toLongLong(), static_cast<int32_t>(s.annotators.size()));
        s.annotatorIds << q.value(0).toLongLong();
        s.annotators << q.value(1).toString();
        s.annotatorKinds << kindFromName(q.value(2).toString());
        s.annotatorCosts << (q.value(3).isNull() ? std::numeric_limits<double>::quiet_NaN()
                                                 : q.value(3).toDouble());
    }
    q = QSqlQuery(store.db());
    q.setForwardOnly(true);
    q.exec(QStringLiteral("SELECT id, ext_id, text FROM items ORDER BY id"));
    while (q.next()) {
        s.itemIndexById.insert(q.value(0).toLongLong(), static_cast<int32_t>(s.itemIds.size()));
        s.itemIds << q.value(0).toLongLong();
        s.itemExtIds << q.value(1).toString();
        s.itemTexts << q.value(2).toString();
    }
    const int32_t n = s.numItems();
    const int32_t L = s.numLabels();
    std::vector<agg::Annotation> anns;
    q = QSqlQuery(store.db());
    q.setForwardOnly(true);
    q.exec(QStringLiteral("SELECT item_id, annotator_id, label_id FROM annotations"));
    while (q.next()) {
        const int32_t label = q.value(2).isNull() ? agg::kInvalidLabel
                                                  : s.labelIndexById.value(q.value(2).toLongLong());
        anns.push_back({s.itemIndexById.value(q.value(0).toLongLong()),
                        annIndex.value(q.value(1).toLongLong()), label});
    }
    s.matrix = agg::LabelMatrix::build(n, static_cast<int32_t>(s.annotators.size()), L, std::move(anns));
    setIdentityKeys(s);
    // Not in the code of 60b540f: which annotators reported probabilities, by the query the
    // workbench ran before the snapshot carried it.
    s.annotatorHasProbabilities.assign(static_cast<size_t>(s.annotators.size()), 0);
    q = store.exec(QStringLiteral("SELECT DISTINCT annotator_id FROM annotations WHERE probs IS NOT NULL"));
    while (q.next())
        s.annotatorHasProbabilities[static_cast<size_t>(annIndex.value(q.value(0).toLongLong()))] = 1;
    s.gold.assign(n, -1);
    q = store.exec(QStringLiteral("SELECT item_id, label_id FROM gold"));
    while (q.next()) {
        s.gold[s.itemIndexById.value(q.value(0).toLongLong())] = s.labelIndexById.value(q.value(1).toLongLong());
        ++s.goldCount;
    }
    q = store.exec(QStringLiteral("SELECT item_id, label_id, count FROM human_counts"));
    while (q.next()) {
        if (s.humanCounts.empty()) {
            s.humanCounts.assign(static_cast<size_t>(n) * L, 0.0);
            s.hasHumanCounts.assign(n, 0);
        }
        const int32_t i = s.itemIndexById.value(q.value(0).toLongLong());
        s.humanCounts[static_cast<size_t>(i) * L + s.labelIndexById.value(q.value(1).toLongLong())] =
            q.value(2).toDouble();
        s.hasHumanCounts[i] = 1;
    }
    s.humanLabel.assign(n, -1);
    s.status.assign(n, ReviewStatus::Unreviewed);
    q = store.exec(QStringLiteral(
        "SELECT d.item_id, d.label_id, d.status, d.note FROM decisions d "
        "JOIN (SELECT item_id, MAX(id) AS last FROM decisions GROUP BY item_id) x ON d.id = x.last"));
    while (q.next()) {
        const int32_t i = s.itemIndexById.value(q.value(0).toLongLong());
        s.humanLabel[i] = q.value(1).isNull() ? -1 : s.labelIndexById.value(q.value(1).toLongLong());
        s.status[i] = statusFromName(q.value(2).toString());
        if (!q.value(3).toString().isEmpty())
            s.notes.insert(i, q.value(3).toString());
    }
    return s;
}

// Every field, the matrix in both of its orders, and the identity keys. (The hashes' iteration
// order is not part of the Snapshot's contract: nothing iterates them.)
void compareSnapshots(const Snapshot& a, const Snapshot& b)
{
    QCOMPARE(a.labels, b.labels);
    QCOMPARE(a.labelIds, b.labelIds);
    QCOMPARE(a.labelIndexById, b.labelIndexById);
    QCOMPARE(a.itemIds, b.itemIds);
    QCOMPARE(a.itemExtIds, b.itemExtIds);
    QCOMPARE(a.itemTexts, b.itemTexts);
    QCOMPARE(a.itemIndexById, b.itemIndexById);
    QCOMPARE(a.annotators, b.annotators);
    QCOMPARE(a.annotatorIds, b.annotatorIds);
    QCOMPARE(a.annotatorKinds, b.annotatorKinds);
    QCOMPARE(a.annotatorHasProbabilities, b.annotatorHasProbabilities);
    QCOMPARE(a.annotatorCosts.size(), b.annotatorCosts.size());
    for (qsizetype k = 0; k < a.annotatorCosts.size(); ++k) {
        QCOMPARE(std::isnan(a.annotatorCosts[k]), std::isnan(b.annotatorCosts[k]));
        if (!std::isnan(a.annotatorCosts[k]))
            QCOMPARE(a.annotatorCosts[k], b.annotatorCosts[k]);
    }
    QCOMPARE(a.matrix.numItems(), b.matrix.numItems());
    QCOMPARE(a.matrix.numAnnotators(), b.matrix.numAnnotators());
    QCOMPARE(a.matrix.numLabels(), b.matrix.numLabels());
    QCOMPARE(a.matrix.itemOffsets(), b.matrix.itemOffsets());
    QCOMPARE(a.matrix.itemAnnotators(), b.matrix.itemAnnotators());
    QCOMPARE(a.matrix.itemLabels(), b.matrix.itemLabels());
    for (int32_t ann = 0; ann < a.matrix.numAnnotators(); ++ann) {
        QCOMPARE(a.matrix.annotatorKey(ann), b.matrix.annotatorKey(ann));
        for (int32_t i = 0; i < a.matrix.numItems(); ++i)
            if (a.matrix.labelOf(i, ann) != b.matrix.labelOf(i, ann))
                QFAIL(qPrintable(QStringLiteral("labelOf(%1, %2) differs").arg(i).arg(ann)));
    }
    for (int32_t i = 0; i < a.matrix.numItems(); ++i)
        if (a.matrix.itemKey(i) != b.matrix.itemKey(i))
            QFAIL(qPrintable(QStringLiteral("itemKey(%1) differs").arg(i)));
    QCOMPARE(a.gold, b.gold);
    QCOMPARE(a.goldCount, b.goldCount);
    QCOMPARE(a.humanCounts, b.humanCounts);
    QCOMPARE(a.hasHumanCounts, b.hasHumanCounts);
    QCOMPARE(a.humanLabel, b.humanLabel);
    QCOMPARE(a.status, b.status);
    QCOMPARE(a.notes, b.notes);
}

void exec(ProjectStore& store, const QString& sql, const QVariantList& params = {})
{
    store.exec(sql, params);
}

} // namespace

class TestSnapshotLoad : public chorus::test::ScratchDirTest
{
    Q_OBJECT

private slots:

    // A small project with every kind of row the Snapshot reads.
    void everyFieldMatchesTheReference()
    {
        ProjectStore store;
        store.open(m_dir->filePath(QStringLiteral("p.chorus")), ProjectStore::Mode::CreateNew);
        store.transaction([&] {
            // Label ids deliberately not in position order, and one position shared (order by id).
            exec(store, QStringLiteral("INSERT INTO labels (id, name, position) VALUES "
                                       "(7, 'pos', 2), (3, 'neg', 0), (5, 'neutral', 1), (9, 'Neg', 2)"));
            exec(store, QStringLiteral("INSERT INTO annotators (id, name, kind, cost_per_item) VALUES "
                                       "(4, 'gpt', 'llm', 0.002), (2, 'alice', 'human', NULL), "
                                       "(10, 'expert', 'reviewer', 1.5), (11, 'bob', 'human', 0)"));
            exec(store, QStringLiteral("INSERT INTO items (id, ext_id, text) VALUES "
                                       "(1, 'a1', 'first'), (2, 'a2', ''), (5, 'b\u00e9', 'caf\u00e9 \U0001F600'), "
                                       "(6, 'c', CAST(X'41FF42C3' AS TEXT)), (8, 'd', 'line1\nline2')"));
            // NULL label = INVALID; item 8 has no annotations at all.
            // gpt reported probabilities with its INVALID answer only.
            exec(store, QStringLiteral("INSERT INTO annotations (item_id, annotator_id, label_id, raw, probs) VALUES "
                                       "(1, 4, 7, 'pos', NULL), (1, 2, NULL, 'what', NULL), (1, 10, 3, 'neg', NULL), "
                                       "(2, 2, 5, 'neutral', NULL), (5, 11, 9, 'Neg', NULL), "
                                       "(5, 4, NULL, 'x', '{\"pos\": 0.6, \"neg\": 0.4}'), "
                                       "(6, 10, 3, 'neg', NULL), (2, 11, 7, 'pos', NULL)"));
            exec(store, QStringLiteral("INSERT INTO gold (item_id, label_id) VALUES (1, 7), (6, 5)"));
            exec(store, QStringLiteral("INSERT INTO human_counts (item_id, label_id, count) VALUES "
                                       "(1, 7, 3), (1, 3, 1), (8, 9, 2)"));
        });
        store.setLabelSetClosed(true);
        const auto decide = [&](qint64 item, const QString& action, qint64 label, ReviewStatus st, const QString& note) {
            Decision d;
            d.itemId = item;
            d.action = action;
            d.labelId = label;
            d.status = st;
            d.note = note;
            d.author = QStringLiteral("tester");
            store.appendDecision(d);
        };
        decide(1, QStringLiteral("label"), 7, ReviewStatus::Reviewed, QStringLiteral("sure"));
        decide(1, QStringLiteral("clear"), 0, ReviewStatus::Unreviewed, QString());  // latest wins: cleared
        decide(2, QStringLiteral("flag"), 0, ReviewStatus::Flagged, QStringLiteral("look again"));
        decide(5, QStringLiteral("label"), 3, ReviewStatus::Reviewed, QString());
        decide(5, QStringLiteral("note"), 3, ReviewStatus::Reviewed, QStringLiteral("n\u00f6te"));

        const Snapshot ref = referenceLoad(store);
        // The fixture is what it claims to be (hand-derived), so the comparison is not vacuous.
        QCOMPARE(ref.labels, (QStringList{"neg", "neutral", "pos", "Neg"}));
        QCOMPARE(ref.annotators, (QStringList{"alice", "gpt", "expert", "bob"}));
        QCOMPARE(ref.numItems(), 5);
        QCOMPARE(ref.matrix.numAnnotations(), int64_t(8));
        QCOMPARE(ref.matrix.labelOf(0, 0), agg::kInvalidLabel);
        QCOMPARE(ref.goldCount, qint64(2));
        QCOMPARE(ref.humanCounts.size(), size_t(5 * 4));
        QCOMPARE(ref.humanLabel, (std::vector<int32_t>{-1, -1, 0, -1, -1}));
        QCOMPARE(ref.status[1], ReviewStatus::Flagged);
        QCOMPARE(ref.notes.size(), 2);
        QVERIFY(std::isnan(ref.annotatorCosts[0]));
        QCOMPARE(ref.annotatorHasProbabilities, (std::vector<uint8_t>{0, 1, 0, 0}));  // gpt only
        QVERIFY(ref.itemTexts[3].contains(QChar(0xFFFD)));  // invalid UTF-8, as SQLite converts it

        QVERIFY(store.sqliteHandle() != nullptr);  // so loadSnapshot takes the C API path
        compareSnapshots(loadSnapshot(store), ref);
        compareSnapshots(loadSnapshotPortable(store), ref);
    }

    // Ids far apart (the id index falls back to the hash) and a project large enough for the
    // helper thread; an empty project.
    void largeAndSparseProjects_data()
    {
        QTest::addColumn<int>("items");
        QTest::addColumn<int>("idStep");
        QTest::newRow("denseLargeHelperThread") << 60000 << 1;
        QTest::newRow("sparseIds") << 3000 << 1000;
        QTest::newRow("sparseLarge") << 60000 << 7;
        QTest::newRow("empty") << 0 << 1;
    }

    void largeAndSparseProjects()
    {
        QFETCH(int, items);
        QFETCH(int, idStep);
        ProjectStore store;
        store.open(m_dir->filePath(QStringLiteral("big.chorus")), ProjectStore::Mode::CreateNew);
        store.transaction([&] {
            exec(store, QStringLiteral("INSERT INTO labels (id, name, position) VALUES (1, 'a', 0), (2, 'b', 1), (3, 'c', 2)"));
            for (int a = 0; a < 5; ++a)
                exec(store, QStringLiteral("INSERT INTO annotators (id, name, kind) VALUES (?, ?, 'human')"),
                     {a * idStep + 1, QStringLiteral("w%1").arg(a)});
            QSqlQuery item(store.db()), ann(store.db()), gold(store.db());
            item.prepare(QStringLiteral("INSERT INTO items (id, ext_id, text) VALUES (?, ?, ?)"));
            ann.prepare(QStringLiteral("INSERT INTO annotations (item_id, annotator_id, label_id) VALUES (?, ?, ?)"));
            gold.prepare(QStringLiteral("INSERT INTO gold (item_id, label_id) VALUES (?, ?)"));
            for (int i = 0; i < items; ++i) {
                const qint64 id = qint64(i) * idStep + 1;
                item.addBindValue(id);
                item.addBindValue(QStringLiteral("it%1").arg(i * 7919 % (items + 1)));
                item.addBindValue(QStringLiteral("Text %1").arg(i));
                QVERIFY2(item.exec(), qPrintable(item.lastError().text()));
                for (int a = 0; a < 5; ++a) {
                    if ((i + a) % 3 == 0)
                        continue;  // sparse: not every annotator labels every item
                    ann.addBindValue(id);
                    ann.addBindValue(a * idStep + 1);
                    ann.addBindValue((i * a) % 4 == 3 ? QVariant() : QVariant((i + a) % 3 + 1));
                    QVERIFY2(ann.exec(), qPrintable(ann.lastError().text()));
                }
                if (i % 10 == 0) {
                    gold.addBindValue(id);
                    gold.addBindValue(i % 3 + 1);
                    QVERIFY(gold.exec());
                }
            }
        });
        const Snapshot ref = referenceLoad(store);
        QCOMPARE(ref.numItems(), items);
        compareSnapshots(loadSnapshot(store), ref);
        compareSnapshots(loadSnapshotPortable(store), ref);
    }

    void cancelThrows()
    {
        ProjectStore store;
        store.open(m_dir->filePath(QStringLiteral("c.chorus")), ProjectStore::Mode::CreateNew);
        exec(store, QStringLiteral("INSERT INTO items (id, ext_id, text) VALUES (1, 'x', 'y')"));
        QVERIFY_THROWS_EXCEPTION(CanceledError, loadSnapshot(store, [] { return true; }));
        QVERIFY_THROWS_EXCEPTION(CanceledError, loadSnapshotPortable(store, [] { return true; }));
        int polls = 0;
        loadSnapshot(store, [&] { return ++polls < 0; });
        QVERIFY(polls >= 3);  // after annotators, after items, at the end
    }
};

QTEST_GUILESS_MAIN(TestSnapshotLoad)
#include "tst_snapshotload.moc"
