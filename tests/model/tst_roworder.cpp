// Results must not depend on the order of the rows of an input file. For every aggregation
// method, the shared crowd datasets and an LLM task are imported as given and with their rows
// shuffled 10 times; every shuffle must give the same label (by item id) for every item, and
// the same label order. The expected value is the unshuffled run itself: the property under
// test is invariance, which needs no other reference. Ties are broken by every policy.

#include "importer.h"
#include "jobs.h"
#include "labelorder.h"
#include "methods.h"
#include "importhelpers.h"
#include "projectdump.h"
#include "projectstore.h"
#include "snapshot.h"

#include <QSqlQuery>

#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>

using namespace chorus;
using namespace chorus::model;

namespace {

using namespace chorus::test;

QByteArray readAll(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    return f.readAll();
}

// The file with its data rows (after the header, for a CSV) in a seeded random order.
QByteArray shuffled(const QByteArray& data, bool header, quint32 seed)
{
    QList<QByteArray> lines = data.split('\n');
    while (!lines.isEmpty() && lines.last().trimmed().isEmpty())
        lines.removeLast();
    const QByteArray head = header ? lines.takeFirst() : QByteArray();
    QRandomGenerator rng(seed);
    for (qsizetype i = lines.size() - 1; i > 0; --i)
        lines.swapItemsAt(i, static_cast<qsizetype>(rng.bounded(static_cast<quint32>(i + 1))));
    return (header ? head + '\n' : QByteArray()) + lines.join('\n') + '\n';
}

struct Outcome
{
    QStringList labels;                  ///< the project's label order
    QHash<QString, QHash<QString, QString>> byMethod;  ///< method -> item id -> label ("" = none)
    QHash<QString, qint64> tied;
};

Outcome runAll(const QString& file, const QString& gold, const std::vector<std::string>& methods, int ties)
{
    ProjectStore store;
    store.openInMemory();
    ImportOptions o;
    o.goldFile = gold;
    importFile(store, file, o);
    const Snapshot s = loadSnapshot(store);
    Outcome out;
    out.labels = s.labels;
    for (const std::string& m : methods) {
        agg::AggregationInput in;
        in.matrix = &s.matrix;
        in.seed = 7;
        in.params["ties"] = ties;
        agg::AggregationResult r;
        try {
            r = agg::aggregate(m, in);
        } catch (const std::invalid_argument&) {
            continue;  // e.g. kos on more than two labels: refused whatever the order
        }
        QHash<QString, QString>& labels = out.byMethod[QString::fromStdString(m)];
        for (int32_t i = 0; i < s.numItems(); ++i)
            labels.insert(s.itemExtIds[i], r.labels[i] >= 0 ? s.labels[r.labels[i]] : QString());
        out.tied.insert(QString::fromStdString(m), r.tiedItems);
    }
    return out;
}

} // namespace

class TestRowOrder : public QObject
{
    Q_OBJECT

private slots:
    void naturalOrder_data()
    {
        QTest::addColumn<QStringList>("names");
        QTest::addColumn<QStringList>("sorted");
        QTest::newRow("numbersByValue") << QStringList{"10", "2", "1"} << QStringList{"1", "2", "10"};
        QTest::newRow("digitRunsInsideText") << QStringList{"a10", "a2", "b1"} << QStringList{"a2", "a10", "b1"};
        QTest::newRow("codePointOrder") << QStringList{"b", "B", "a"} << QStringList{"B", "a", "b"};
        QTest::newRow("leadingZerosAfter") << QStringList{"01", "1", "2"} << QStringList{"1", "01", "2"};
        QTest::newRow("prefixFirst") << QStringList{"neutral", "neg", "negative"}
                                     << QStringList{"neg", "negative", "neutral"};
    }
    void naturalOrder()
    {
        QFETCH(QStringList, names);
        QFETCH(QStringList, sorted);
        QCOMPARE(naturallySorted(names), sorted);
    }

    // Labels first seen in the order "yes, no, maybe" are stored sorted; a declared set keeps
    // its order.
    void labelOrderIsCanonical()
    {
        QTemporaryDir dir;
        const QString csv = dir.filePath(QStringLiteral("a.csv"));
        QVERIFY(writeFile(csv, "item,annotator,label\nq1,w1,yes\nq1,w2,no\nq2,w1,maybe\n"));
        ProjectStore open;
        open.openInMemory();
        importFile(open, csv);
        QCOMPARE(open.labelNames(), (QStringList{"maybe", "no", "yes"}));
        ProjectStore declared;
        declared.openInMemory();
        ImportOptions o;
        o.labels = QStringList{"yes", "no", "maybe"};
        importFile(declared, csv, o);
        QCOMPARE(declared.labelNames(), (QStringList{"yes", "no", "maybe"}));
    }

    // A project written by schema 3 (labels in order of first appearance) is migrated to the
    // canonical order when opened; a closed (declared) set keeps its order.
    void migrationSortsOpenLabelSets_data()
    {
        QTest::addColumn<bool>("closed");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("open") << false << QStringList{"2", "10", "maybe", "no", "yes"};
        QTest::newRow("declared") << true << QStringList{"yes", "no", "maybe", "10", "2"};
    }
    void migrationSortsOpenLabelSets()
    {
        QFETCH(bool, closed);
        QFETCH(QStringList, expected);
        QTemporaryDir dir;
        const QString project = dir.filePath(QStringLiteral("v3.chorus"));
        {
            ProjectStore s;
            s.open(project, ProjectStore::Mode::CreateNew);
        }
        // What schema 3 left behind: positions in order of first appearance.
        withRawConnection(
            project,
            [&](QSqlDatabase& db) {
                QSqlQuery q(db);
                const QStringList firstSeen{"yes", "no", "maybe", "10", "2"};
                for (int k = 0; k < firstSeen.size(); ++k) {
                    q.prepare(QStringLiteral("INSERT INTO labels (name, position) VALUES (?, ?)"));
                    q.addBindValue(firstSeen[k]);
                    q.addBindValue(k);
                    QVERIFY(q.exec());
                }
                for (const QString& sql : undoVersion5())
                    QVERIFY2(q.exec(sql), qPrintable(sql));
                QVERIFY(q.exec(QStringLiteral("UPDATE meta SET value = '3' WHERE key = 'schema_version'")));
                if (closed)
                    QVERIFY(q.exec(QStringLiteral("INSERT INTO meta (key, value) VALUES ('label_set_closed', '1')")));
            },
            false);
        ProjectStore s;
        s.open(project);
        QCOMPARE(s.labelNames(), expected);
        QCOMPARE(s.info().schemaVersion, ProjectStore::kSchemaVersion);
    }

    void shuffledRowsGiveTheSameLabels_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("gold");
        QTest::addColumn<bool>("header");
        QTest::addColumn<int>("ties");
        // Every crowd dataset and an LLM task with many ties; each tie policy on one of them.
        const struct
        {
            const char* name;
            const char* file;
            bool gold, header;
            int ties;
        } rows[] = {
            {"rte ties=unresolved", "rte/answers.csv", true, true, 2},
            {"temp", "temp/answers.csv", true, true, 0},
            {"bluebirds", "bluebirds/answers.csv", true, true, 0},
            {"dog", "dog/answers.csv", true, true, 0},
            {"weather ties=random", "weather/answers.csv", true, true, 1},
            {"llm discourse (7 labels, 13% tied)", "llm/discourse/items.jsonl", false, false, 0},
        };
        for (const auto& r : rows) {
            const QString file = shared(QStringLiteral("data/") + QLatin1String(r.file));
            const QString gold = r.gold ? QFileInfo(file).dir().filePath(QStringLiteral("gold.csv")) : QString();
            QTest::newRow(r.name) << file << gold << r.header << r.ties;
        }
    }
    void shuffledRowsGiveTheSameLabels()
    {
        QFETCH(QString, file);
        QFETCH(QString, gold);
        QFETCH(bool, header);
        QFETCH(int, ties);
        const std::vector<std::string> methods = agg::methodNames();
        const Outcome base = runAll(file, gold, methods, ties);
        QVERIFY(base.byMethod.size() >= static_cast<qsizetype>(methods.size()) - 2);  // kos, wmv may refuse
        QTemporaryDir dir;
        const QByteArray data = readAll(file);
        const QString ext = file.endsWith(QLatin1String(".jsonl")) ? QStringLiteral("jsonl") : QStringLiteral("csv");
        for (quint32 seed = 1; seed <= 10; ++seed) {
            const QString path = dir.filePath(QStringLiteral("shuffled%1.%2").arg(seed).arg(ext));
            QVERIFY(writeFile(path, shuffled(data, header, seed)));
            const Outcome got = runAll(path, gold, methods, ties);
            QCOMPARE(got.labels, base.labels);
            QCOMPARE(got.byMethod.keys().size(), base.byMethod.keys().size());
            for (auto it = base.byMethod.constBegin(); it != base.byMethod.constEnd(); ++it) {
                const auto& want = it.value();
                const auto& have = got.byMethod.value(it.key());
                int differ = 0;
                QString example;
                for (auto jt = want.constBegin(); jt != want.constEnd(); ++jt)
                    if (have.value(jt.key(), QStringLiteral("<missing>")) != jt.value()) {
                        if (differ++ == 0)
                            example = QStringLiteral("%1: %2 vs %3").arg(jt.key(), jt.value(), have.value(jt.key()));
                    }
                QVERIFY2(differ == 0, qPrintable(QStringLiteral("%1, shuffle %2: %3 items differ (%4)")
                                                     .arg(it.key())
                                                     .arg(seed)
                                                     .arg(differ)
                                                     .arg(example)));
                QCOMPARE(got.tied.value(it.key()), base.tied.value(it.key()));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestRowOrder)
#include "tst_roworder.moc"
