// Every analysis command gives the same output whether its data comes from a project file
// (--project P, after `chorus-cli import`) or straight from the data file (--input FILE, read
// into memory by the same parsers without a database): issue #17. Run on the real data sets in
// ../shared/data. The expected value is the project path's output, which the other test suites
// check against trusted references (tst_cli_statistics, tst_cli_aggregate); this test holds the
// --input path to it. Timing fields ("seconds") are left out of the comparison. Run a second
// time (cli_tst_cli_sources_pg) with the projects on a PostgreSQL server.

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include "clitest.h"
#include "files.h"
#include "testprojects.h"

using namespace chorus::test;

namespace {

QJsonValue withoutTimings(const QJsonValue& v)
{
    if (v.isObject()) {
        QJsonObject o;
        const QJsonObject in = v.toObject();
        for (auto it = in.begin(); it != in.end(); ++it)
            if (it.key() != QLatin1String("seconds"))
                o.insert(it.key(), withoutTimings(it.value()));
        return o;
    }
    if (v.isArray()) {
        QJsonArray a;
        for (const QJsonValue& x : v.toArray())
            a.append(withoutTimings(x));
        return a;
    }
    return v;
}

} // namespace

class TestCliSources : public CliTestCase
{
    Q_OBJECT

private slots:
    void initTestCase();
    void sameOutput_data();
    void sameOutput();
    void inputHasNoRuns_data();
    void inputHasNoRuns();

private:
    /// A project imported from the data set (made once per data set).
    QString project(const QString& answers, const QString& gold);

    QHash<QString, QString> m_projects;
};

void TestCliSources::initTestCase()
{
    setUpCli();
    m_runTimeoutMs = 600000;
    if (!QFileInfo::exists(shared(QStringLiteral("data"))))
        QSKIP("../shared/data is not available");
}

QString TestCliSources::project(const QString& answers, const QString& gold)
{
    const QString key = answers + QLatin1Char('|') + gold;
    if (m_projects.contains(key))
        return m_projects.value(key);
    // A file, or in the _pg run a server project: every analysis command must then give the
    // --input output from a project on PostgreSQL too (issue #19).
    const QString path = projectLocation(*m_dir, QStringLiteral("p%1.chorus").arg(m_projects.size()));
    QStringList args{QStringLiteral("import"), path, answers};
    if (!gold.isEmpty())
        args << QStringLiteral("--gold") << gold;
    const Run r = run(args);
    if (r.code != 0)
        qWarning("import failed: %s", r.err.constData());
    m_projects.insert(key, path);
    return path;
}

void TestCliSources::sameOutput_data()
{
    QTest::addColumn<QString>("answers");
    QTest::addColumn<QString>("gold");
    QTest::addColumn<QStringList>("command");

    struct Set
    {
        const char* name;
        QString answers, gold;
    };
    const QList<Set> crowds{
        {"rte", shared(QStringLiteral("data/rte/answers.csv")), shared(QStringLiteral("data/rte/gold.csv"))},
        {"dog", shared(QStringLiteral("data/dog/answers.csv")), shared(QStringLiteral("data/dog/gold.csv"))},
        {"bluebirds", shared(QStringLiteral("data/bluebirds/answers.csv")), shared(QStringLiteral("data/bluebirds/gold.csv"))},
        {"emotion", shared(QStringLiteral("data/llm/emotion/answers.csv")), shared(QStringLiteral("data/llm/emotion/gold.csv"))},
    };
    const QString json = QStringLiteral("--json");
    const QList<QPair<const char*, QStringList>> commands{
        {"mv", {QStringLiteral("aggregate"), QStringLiteral("--method"), QStringLiteral("mv"), json}},
        {"ds", {QStringLiteral("aggregate"), QStringLiteral("--method"), QStringLiteral("ds"), json}},
        {"glad", {QStringLiteral("aggregate"), QStringLiteral("--method"), QStringLiteral("glad"), json}},
        {"mace", {QStringLiteral("aggregate"), QStringLiteral("--method"), QStringLiteral("mace"), json}},
        {"agreement", {QStringLiteral("agreement"), json}},
        {"evaluate", {QStringLiteral("evaluate"), QStringLiteral("--methods"), QStringLiteral("mv,ds"), json}},
        {"divergence", {QStringLiteral("divergence"), QStringLiteral("--p"), QStringLiteral("votes"), QStringLiteral("--q"),
                        QStringLiteral("method:ds"), QStringLiteral("--no-dcor"), json}},
        {"select", {QStringLiteral("select"), QStringLiteral("--method"), QStringLiteral("ds"), QStringLiteral("--budget"),
                    QStringLiteral("20"), QStringLiteral("--cost"), QStringLiteral("1"), QStringLiteral("--relabeler-accuracy"),
                    QStringLiteral("0.9"), QStringLiteral("--strategy"), QStringLiteral("greedy"), json}},
        {"simulate", {QStringLiteral("simulate"), QStringLiteral("--method"), QStringLiteral("mv"), QStringLiteral("--relabeler"),
                      QStringLiteral("gold"), QStringLiteral("--budget"), QStringLiteral("20"), QStringLiteral("--cost"),
                      QStringLiteral("1"), QStringLiteral("--strategy"), QStringLiteral("uncertainty"), json}},
    };
    for (const Set& set : crowds)
        for (const auto& [name, command] : commands)
            QTest::newRow(qPrintable(QStringLiteral("%1-%2").arg(QLatin1String(set.name), QLatin1String(name))))
                << set.answers << set.gold << command;
    // Human judgment counts and the models' reported probabilities (jsonl "probs"-free chaosnli
    // format: counts only).
    const QString chaos = shared(QStringLiteral("data/distributions/chaosnli_snli.jsonl"));
    QTest::newRow("chaosnli-divergence") << chaos << QString()
                                         << QStringList{QStringLiteral("divergence"), QStringLiteral("--p"),
                                                        QStringLiteral("human"), QStringLiteral("--q"),
                                                        QStringLiteral("votes"), json};
}

void TestCliSources::sameOutput()
{
    QFETCH(QString, answers);
    QFETCH(QString, gold);
    QFETCH(QStringList, command);
    if (!QFileInfo::exists(answers))
        QSKIP("data set not available");

    QStringList viaInput = command;
    viaInput << QStringLiteral("--input") << answers;
    if (!gold.isEmpty())
        viaInput << QStringLiteral("--gold") << gold;
    QStringList viaProject = command;
    viaProject << QStringLiteral("--project") << project(answers, gold);

    const Run a = run(viaProject), b = run(viaInput);
    QVERIFY2(a.code == 0, qPrintable(QStringLiteral("--project: exit %1: %2").arg(a.code).arg(QString::fromUtf8(a.err))));
    QVERIFY2(b.code == 0, qPrintable(QStringLiteral("--input: exit %1: %2").arg(b.code).arg(QString::fromUtf8(b.err))));
    QJsonParseError e1{}, e2{};
    const QJsonDocument ja = QJsonDocument::fromJson(a.out, &e1), jb = QJsonDocument::fromJson(b.out, &e2);
    QVERIFY2(e1.error == QJsonParseError::NoError, qPrintable(e1.errorString()));
    QVERIFY2(e2.error == QJsonParseError::NoError, qPrintable(e2.errorString()));
    const QJsonValue va = withoutTimings(ja.isObject() ? QJsonValue(ja.object()) : QJsonValue(ja.array()));
    const QJsonValue vb = withoutTimings(jb.isObject() ? QJsonValue(jb.object()) : QJsonValue(jb.array()));
    QVERIFY(!va.toObject().isEmpty() || !va.toArray().isEmpty());
    if (va != vb) {
        // Name the first differing top-level key to make a failure readable.
        const QJsonObject oa = va.toObject(), ob = vb.toObject();
        for (auto it = oa.begin(); it != oa.end(); ++it)
            if (ob.value(it.key()) != it.value())
                QFAIL(qPrintable(QStringLiteral("outputs differ at \"%1\"").arg(it.key())));
        QFAIL("outputs differ");
    }
}

// Runs live in projects; a file read with --input has none, and saying so beats saving a run
// nobody can ever see.
void TestCliSources::inputHasNoRuns_data()
{
    cliErrorColumns();
    const QString rte = shared(QStringLiteral("data/rte/answers.csv"));
    QTest::newRow("save") << QStringList{QStringLiteral("aggregate"), QStringLiteral("--input"), rte, QStringLiteral("--method"),
                                         QStringLiteral("mv"), QStringLiteral("--save")}
                          << 2 << QStringLiteral("--save needs --project");
    QTest::newRow("weightsRun") << QStringList{QStringLiteral("aggregate"), QStringLiteral("--input"), rte,
                                               QStringLiteral("--method"), QStringLiteral("wmv"),
                                               QStringLiteral("--weights-run"), QStringLiteral("1")}
                                << 2 << QStringLiteral("--weights-run needs --project");
    QTest::newRow("runSource") << QStringList{QStringLiteral("divergence"), QStringLiteral("--input"), rte, QStringLiteral("--p"),
                                              QStringLiteral("votes"), QStringLiteral("--q"), QStringLiteral("run:latest")}
                               << 2 << QStringLiteral("needs --project");
}

void TestCliSources::inputHasNoRuns()
{
    expectCliErrorRow();
}

QTEST_GUILESS_MAIN(TestCliSources)
#include "tst_cli_sources.moc"
