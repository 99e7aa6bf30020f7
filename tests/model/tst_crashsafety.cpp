// Crash safety (issue "packaging and robustness"): a child process -- this executable started
// again with a "child-..." argument -- writes to a project and is killed with SIGKILL at a
// random (seeded) point. Afterwards the project must open, pass PRAGMA integrity_check and hold
// exactly what the child acknowledged: an import is all there or not at all; every acknowledged
// decision is there, plus at most the one in flight; a saved run is absent or complete.
// Two processes writing one project at the same time either succeed or fail with "project is
// busy", and neither loses an acknowledged write. Set CHORUS_CRASH_SEED to replay other kill
// points; the seed in use is printed. Run a second time on a PostgreSQL server
// (model_tst_crashsafety_pg): the projects are then copies of the base pushed to the test server,
// and the killed client's transaction is the server's to roll back.

#include "expecterror.h"
#include "importer.h"
#include "newproject.h"
#include "projectcopy.h"
#include "testprojects.h"
#include "aggregation.h"
#include "runstore.h"
#include "snapshot.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <cstdio>

using namespace chorus;
using namespace chorus::model;

namespace {

constexpr int kIterations = 25;
constexpr int kImportItems = 2000;
constexpr int kImportAnnotators = 5;
constexpr int kBaseItems = 10;

// "item,annotator,label" rows: items <prefix>0.. each labelled by every annotator.
QByteArray longCsv(const QByteArray& prefix, int items, int annotators)
{
    QByteArray csv = "item,annotator,label\n";
    for (int i = 0; i < items; ++i)
        for (int a = 0; a < annotators; ++a)
            csv += prefix + QByteArray::number(i) + ",m" + QByteArray::number(a) + ",l"
                 + QByteArray::number((i + a) % 3) + "\n";
    return csv;
}

void say(const QByteArray& line)
{
    std::fwrite(line.constData(), 1, static_cast<size_t>(line.size()), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

// Child modes. Each prints "ready" once the project is open, then one line per committed write.
int childImport(const QString& project, const QString& file)
{
    ProjectStore store;
    store.open(project);
    say("ready");
    try {
        ImportOptions o;
        o.format = QStringLiteral("long-csv");
        importFile(store, file, o);
    } catch (const Error& e) {
        say("err " + e.message().toUtf8());
        return 1;
    }
    say("ack import");
    return 0;
}

// Appends decisions "<tag> <n>" (n = 0, 1, ...) one transaction each; count 0 = until killed.
int childDecisions(const QString& project, const QString& tag, int count)
{
    ProjectStore store;
    store.open(project);
    say("ready");
    for (int n = 0; count == 0 || n < count; ++n) {
        Decision d;
        d.itemId = 1 + n % kBaseItems;
        d.action = QStringLiteral("note");
        d.note = tag + QLatin1Char(' ') + QString::number(n);
        d.author = tag;
        try {
            store.appendDecision(d);
            say("ack " + QByteArray::number(n));
        } catch (const Error& e) {
            say("err " + QByteArray::number(n) + " " + e.message().toUtf8());
        }
    }
    return 0;
}

// Saves majority-vote runs of the project's data until killed.
int childRuns(const QString& project)
{
    ProjectStore store;
    store.open(project);
    const Snapshot s = loadSnapshot(store);
    agg::AggregationInput in;
    in.matrix = &s.matrix;
    const agg::AggregationResult r = agg::majorityVote(in);
    say("ready");
    for (;;) {
        const qint64 id = saveRun(store, s, QStringLiteral("mv"), QStringLiteral("{}"), r, 0.0);
        say("ack " + QByteArray::number(id));
    }
}

struct Child
{
    QProcess process;
    QByteArray out;

    void start(const QStringList& args)
    {
        process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        process.start(QCoreApplication::applicationFilePath(), args);
    }
    /// Reads until `lines` lines starting with prefix arrived (or the child ended / 30 s passed).
    bool waitFor(const QByteArray& prefix, int lines = 1)
    {
        while (count(prefix) < lines) {
            if (process.state() == QProcess::NotRunning)
                break;
            process.waitForReadyRead(30000);
            out += process.readAllStandardOutput();
            if (process.state() == QProcess::NotRunning)
                out += process.readAllStandardOutput();
        }
        return count(prefix) >= lines;
    }
    void kill()
    {
        if (process.state() != QProcess::NotRunning)
            ::kill(static_cast<pid_t>(process.processId()), SIGKILL);
        process.waitForFinished(30000);
        out += process.readAllStandardOutput();
    }
    void finish()
    {
        process.waitForFinished(120000);
        out += process.readAllStandardOutput();
    }
    int count(const QByteArray& prefix) const
    {
        int n = 0;
        for (const QByteArray& l : out.split('\n'))
            n += l.startsWith(prefix) ? 1 : 0;
        return n;
    }
    QList<QByteArray> lines(const QByteArray& prefix) const
    {
        QList<QByteArray> r;
        for (const QByteArray& l : out.split('\n'))
            if (l.startsWith(prefix))
                r << l;
        return r;
    }
    // Numbers n of "ack n" lines.
    QSet<int> acked() const
    {
        QSet<int> s;
        for (const QByteArray& l : lines("ack "))
            s.insert(l.mid(4).toInt());
        return s;
    }
};

// Decision numbers stored for tag (from notes "<tag> <n>").
QList<int> storedDecisions(ProjectStore& store, const QString& tag)
{
    QList<int> out;
    QSqlQuery q = store.exec(QStringLiteral("SELECT note FROM decisions WHERE author = ? ORDER BY id"), {tag});
    while (q.next())
        out << q.value(0).toString().section(QLatin1Char(' '), 1).toInt();
    return out;
}

} // namespace

class TestCrashSafety : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_seed = qEnvironmentVariableIsSet("CHORUS_CRASH_SEED")
                     ? qEnvironmentVariable("CHORUS_CRASH_SEED").toUInt()
                     : 20261123u;
        qInfo("kill points from seed %u (set CHORUS_CRASH_SEED to change)", m_seed);
        m_importFile = write(QStringLiteral("big.csv"), longCsv("x", kImportItems, kImportAnnotators));
        // The base project: kBaseItems items, three annotators, labels l0..l2.
        m_base = m_dir.filePath(QStringLiteral("base.chorus"));
        ProjectStore store;
        store.open(m_base, ProjectStore::Mode::CreateNew);
        importFile(store, write(QStringLiteral("base.csv"), longCsv("b", kBaseItems, 3)));
        QCOMPARE(store.info().items, qint64(kBaseItems));
    }

    void importIsAllOrNothing()
    {
        QRandomGenerator rng(m_seed);
        // One undisturbed run tells how long an import takes here (sanitizer builds are slower).
        const qint64 full = importDuration();
        QVERIFY(full > 0);
        int complete = 0, absent = 0;
        for (int it = 0; it < kIterations; ++it) {
            const QString p = copyBase(QStringLiteral("import%1.chorus").arg(it));
            Child c;
            c.start({QStringLiteral("child-import"), p, m_importFile});
            QVERIFY(c.waitFor("ready"));
            // Up to 20% past the measured duration, so some runs finish before the kill.
            const int delay = static_cast<int>(rng.bounded(static_cast<quint32>(full * 12 / 10 + 1)));
            c.process.waitForFinished(delay);
            c.kill();
            const bool acked = c.count("ack import") == 1;
            ProjectStore store;
            store.open(p);
            QCOMPARE(store.integrityCheck(), QString());
            const ProjectInfo info = store.info();
            const QString where = QStringLiteral("iteration %1, kill after %2 ms").arg(it).arg(delay);
            if (info.items == kBaseItems) {
                QVERIFY2(!acked, qPrintable(where + QStringLiteral(": acknowledged import missing")));
                QCOMPARE(info.annotations, qint64(kBaseItems * 3));
                QCOMPARE(info.annotators, qint64(3));
                ++absent;
            } else {
                QVERIFY2(info.items == kBaseItems + kImportItems, qPrintable(where));
                QCOMPARE(info.annotations, qint64(kBaseItems * 3 + kImportItems * kImportAnnotators));
                QCOMPARE(info.annotators, qint64(kImportAnnotators));
                QCOMPARE(loadSnapshot(store).numItems(), kBaseItems + kImportItems);
                ++complete;
            }
        }
        qInfo("import: %d iterations, %d complete, %d absent (import takes ~%lld ms)", kIterations, complete,
              absent, static_cast<long long>(full));
    }

    void acknowledgedDecisionsSurvive()
    {
        QRandomGenerator rng(m_seed + 1);
        int total = 0, extra = 0;
        for (int it = 0; it < kIterations; ++it) {
            const QString p = copyBase(QStringLiteral("decisions%1.chorus").arg(it));
            Child c;
            c.start({QStringLiteral("child-decisions"), p, QStringLiteral("t"), QStringLiteral("0")});
            const int k = static_cast<int>(rng.bounded(40));
            QVERIFY2(c.waitFor("ack ", k), c.out.constData());
            c.kill();
            QVERIFY2(c.lines("err ").isEmpty(), c.out.constData());
            const QSet<int> acked = c.acked();
            ProjectStore store;
            store.open(p);
            QCOMPARE(store.integrityCheck(), QString());
            const QList<int> stored = storedDecisions(store, QStringLiteral("t"));
            // Stored: 0, 1, ..., acked-1 in order, and possibly the one in flight.
            const int n = static_cast<int>(acked.size());
            QVERIFY2(stored.size() == n || stored.size() == n + 1,
                     qPrintable(QStringLiteral("iteration %1: %2 acknowledged, %3 stored").arg(it).arg(n).arg(stored.size())));
            for (int i = 0; i < stored.size(); ++i)
                QCOMPARE(stored[i], i);
            total += n;
            extra += static_cast<int>(stored.size()) - n;
        }
        qInfo("decisions: %d iterations, %d acknowledged decisions all kept, %d in-flight ones also kept",
              kIterations, total, extra);
    }

    void savedRunIsAbsentOrComplete()
    {
        QRandomGenerator rng(m_seed + 2);
        // A base with more items makes a run save long enough to be hit mid-way.
        const QString base = m_dir.filePath(QStringLiteral("runbase.chorus"));
        chorus::test::importIntoNewProject(base, m_importFile);
        int runs = 0;
        for (int it = 0; it < kIterations; ++it) {
            const QString p = copyOf(base, QStringLiteral("runs%1.chorus").arg(it));
            Child c;
            c.start({QStringLiteral("child-runs"), p});
            const int k = static_cast<int>(rng.bounded(4));
            QVERIFY2(c.waitFor("ready"), c.out.constData());
            QVERIFY2(c.waitFor("ack ", k), c.out.constData());
            c.process.waitForFinished(static_cast<int>(rng.bounded(60)));
            c.kill();
            const int n = c.count("ack ");
            ProjectStore store;
            store.open(p);
            QCOMPARE(store.integrityCheck(), QString());
            const QList<RunSummary> saved = listRuns(store);
            QVERIFY2(saved.size() == n || saved.size() == n + 1,
                     qPrintable(QStringLiteral("iteration %1: %2 acknowledged, %3 stored").arg(it).arg(n).arg(saved.size())));
            const Snapshot s = loadSnapshot(store);
            for (const RunSummary& r : saved) {
                QCOMPARE(store.scalar(QStringLiteral("SELECT COUNT(*) FROM run_items WHERE run_id = ?"), {r.id}).toInt(),
                         kImportItems);
                QCOMPARE(store.scalar(QStringLiteral("SELECT COUNT(*) FROM run_annotators WHERE run_id = ?"), {r.id}).toInt(),
                         kImportAnnotators);
                const RunData d = loadRun(store, s, r.id);
                QCOMPARE(static_cast<int>(d.labels.size()), kImportItems);
            }
            runs += static_cast<int>(saved.size());
        }
        qInfo("runs: %d iterations, %d saved runs all complete", kIterations, runs);
    }

    void twoProcessesAppendDecisions()
    {
        const QString p = copyBase(QStringLiteral("two.chorus"));
        Child a, b;
        a.start({QStringLiteral("child-decisions"), p, QStringLiteral("A"), QStringLiteral("150")});
        b.start({QStringLiteral("child-decisions"), p, QStringLiteral("B"), QStringLiteral("150")});
        a.finish();
        b.finish();
        QCOMPARE(a.process.exitCode(), 0);
        QCOMPARE(b.process.exitCode(), 0);
        ProjectStore store;
        store.open(p);
        QCOMPARE(store.integrityCheck(), QString());
        for (Child* c : {&a, &b}) {
            const QString tag = c == &a ? QStringLiteral("A") : QStringLiteral("B");
            checkBusyErrors(*c);
            // Exactly the acknowledged decisions are stored, in order.
            QList<int> expected = c->acked().values();
            std::sort(expected.begin(), expected.end());
            QCOMPARE(storedDecisions(store, tag), expected);
            QCOMPARE(expected.size() + c->lines("err ").size(), qsizetype(150));
        }
        qInfo("two writers: A %lld acknowledged / %lld busy, B %lld / %lld", qlonglong(a.acked().size()),
              qlonglong(a.lines("err ").size()), qlonglong(b.acked().size()), qlonglong(b.lines("err ").size()));
    }

    void importWhileAnotherProcessAppends()
    {
        const QString p = copyBase(QStringLiteral("mixed.chorus"));
        Child imp, dec;
        dec.start({QStringLiteral("child-decisions"), p, QStringLiteral("D"), QStringLiteral("0")});
        QVERIFY(dec.waitFor("ack ", 3));
        imp.start({QStringLiteral("child-import"), p, m_importFile});
        // Keep draining the decision writer so that it never blocks on a full pipe.
        QElapsedTimer t;
        t.start();
        while (!imp.process.waitForFinished(10) && t.elapsed() < 120000)
            dec.out += dec.process.readAllStandardOutput();
        imp.finish();
        // Let the decision writer run a little past the import, then stop it.
        QVERIFY(dec.waitFor("ack ", dec.count("ack ") + 3));
        dec.kill();
        checkBusyErrors(dec);
        checkBusyErrors(imp, "err ");
        ProjectStore store;
        store.open(p);
        QCOMPARE(store.integrityCheck(), QString());
        const ProjectInfo info = store.info();
        if (imp.count("ack import") == 1)
            QCOMPARE(info.items, qint64(kBaseItems + kImportItems));
        else
            QCOMPARE(info.items, qint64(kBaseItems));
        const QList<int> stored = storedDecisions(store, QStringLiteral("D"));
        for (int n : dec.acked())
            QVERIFY2(stored.contains(n), qPrintable(QStringLiteral("acknowledged decision %1 lost").arg(n)));
        QVERIFY(stored.size() <= dec.acked().size() + 1);
        qInfo("import %s while %lld decisions were acknowledged (%lld busy)",
              imp.count("ack import") == 1 ? "succeeded" : "was refused as busy", qlonglong(dec.acked().size()),
              qlonglong(dec.lines("err ").size()));
    }

    void writerPastTheBusyTimeoutGetsAClearError()
    {
        if (chorus::test::onServer())
            QSKIP("a server takes concurrent writers: there is no project-wide write lock to wait for");
        // One connection holds the write lock; another, with a short busy timeout, must fail
        // with "project is busy", not a raw SQLite message, and write nothing.
        const QString p = copyBase(QStringLiteral("busy.chorus"));
        ProjectStore holder, other;
        holder.open(p);
        other.open(p);
        other.exec(QStringLiteral("PRAGMA busy_timeout=200"));
        holder.begin();
        Decision d;
        d.itemId = 1;
        d.action = QStringLiteral("note");
        d.author = QStringLiteral("other");
        EXPECT_ERROR(other.appendDecision(d), QLatin1String("project is busy"));
        holder.rollback();
        QCOMPARE(other.appendDecision(d) > 0, true);  // free again
        QCOMPARE(storedDecisions(holder, QStringLiteral("other")).size(), qsizetype(1));
    }

private:
    // Every failure a writer reported must be the "project is busy" error.
    void checkBusyErrors(const Child& c, const QByteArray& prefix = "err ")
    {
        for (const QByteArray& l : c.lines(prefix))
            QVERIFY2(l.contains("project is busy"), l.constData());
    }

    qint64 importDuration()
    {
        const QString p = copyBase(QStringLiteral("timing.chorus"));
        Child c;
        c.start({QStringLiteral("child-import"), p, m_importFile});
        if (!c.waitFor("ready"))
            return -1;
        QElapsedTimer t;
        t.start();
        c.finish();
        return c.count("ack import") == 1 ? t.elapsed() : -1;
    }

    QString copyBase(const QString& name) { return copyOf(m_base, name); }

    // A copy of a project file: another file, or in the _pg run a server project.
    QString copyOf(const QString& file, const QString& name)
    {
        if (chorus::test::onServer()) {
            const QString uri = chorus::test::serverProjectLocation(m_dir, name);
            pushProject(file, uri, true);
            return uri;
        }
        const QString p = m_dir.filePath(name);
        QFile::remove(p);
        if (!QFile::copy(file, p))
            qFatal("cannot copy the base project");
        return p;
    }

    QString write(const QString& name, const QByteArray& data)
    {
        QFile f(m_dir.filePath(name));
        if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size())
            qFatal("cannot write %s", qPrintable(name));
        return f.fileName();
    }

    QTemporaryDir m_dir;
    quint32 m_seed = 0;
    QString m_importFile;
    QString m_base;
};

// Started with "child-import", "child-decisions" or "child-runs": be the writer, not the tests.
int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    try {
        if (args.value(1) == QLatin1String("child-import"))
            return childImport(args.value(2), args.value(3));
        if (args.value(1) == QLatin1String("child-decisions"))
            return childDecisions(args.value(2), args.value(3), args.value(4).toInt());
        if (args.value(1) == QLatin1String("child-runs"))
            return childRuns(args.value(2));
    } catch (const Error& e) {
        std::fprintf(stderr, "child: %s\n", e.what());
        return 3;
    }
    TestCrashSafety t;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&t, argc, argv);
}

#include "tst_crashsafety.moc"
