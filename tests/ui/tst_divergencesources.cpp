// The Divergence tab offers every source `chorus-cli divergence` accepts (issue #18) and gives
// the same numbers: human judgments and votes (of all or of chosen annotators) against values
// derived by hand in this file; an annotator's probabilities against the same hand derivation;
// runs, methods and the consensus against chorus-cli's own output.

#include "dashboard.h"
#include "gui_projecttest.h"
#include "clirun.h"
#include "dashboardwait.h"
#include "divergencesourcebox.h"
#include "files.h"
#include "importer.h"
#include "mainwindow.h"
#include "projectstore.h"
#include "snapshot.h"
#include "workbench.h"

#include <QTabWidget>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>

using namespace chorus;

namespace {

// Labels pos, neg (the label_set's order). Votes: x1 a,b,d,m pos and c neg; x2 a,b,c,m neg;
// x3 a pos, c neg. Human counts: x1 2/2, x2 1/3, x3 4/0. m reports probabilities on x1, x2.
const char* kFixture =
    R"({"label_set": ["pos", "neg"], "id": "x1", "labels": {"a": "pos", "b": "pos", "c": "neg", "d": "pos", "m": "pos"}, "probs": {"m": {"pos": 0.9, "neg": 0.1}}, "human_counts": {"pos": 2, "neg": 2}}
{"id": "x2", "labels": {"a": "neg", "b": "neg", "c": "neg", "m": "neg"}, "probs": {"m": {"pos": 0.5, "neg": 0.5}}, "human_counts": {"pos": 1, "neg": 3}}
{"id": "x3", "labels": {"a": "pos", "c": "neg"}, "human_counts": {"pos": 4}}
)";

using Dist = std::vector<double>;  // over (pos, neg)

// Written out here, independently of aggregation/divergence.cpp (base 2, as the tab shows).
double kl2(const Dist& p, const Dist& q)
{
    double s = 0;
    for (size_t j = 0; j < p.size(); ++j)
        if (p[j] > 0)
            s += p[j] * std::log2(p[j] / q[j]);
    return s;
}
double jsDistance(const Dist& p, const Dist& q)
{
    Dist m(p.size());
    for (size_t j = 0; j < p.size(); ++j)
        m[j] = (p[j] + q[j]) / 2;
    return std::sqrt((kl2(p, m) + kl2(q, m)) / 2);
}
double tvd(const Dist& p, const Dist& q)
{
    double s = 0;
    for (size_t j = 0; j < p.size(); ++j)
        s += std::abs(p[j] - q[j]);
    return s / 2;
}

const std::map<QString, Dist> kHuman{{"x1", {0.5, 0.5}}, {"x2", {0.25, 0.75}}, {"x3", {1.0, 0.0}}};

using test::cliJson;

} // namespace

class TestDivergenceSources : public test::GuiProjectTest
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        makeProjectFromData(QStringLiteral("tiny.jsonl"), kFixture, QStringLiteral("tiny.chorus"));
    }

    void listsEveryCliSource()
    {
        ui::MainWindow w;
        w.show();
        QVERIFY(w.openProject(m_project));
        const auto boxes = w.dashboard()->findChildren<ui::DivergenceSourceBox*>();
        QCOMPARE(boxes.size(), 2);
        QStringList specs;
        for (int i = 0; i < boxes[0]->count(); ++i)
            specs << boxes[0]->itemData(i).toString();
        for (const char* s : {"human", "consensus", "votes", "annotator:m", "method:mv", "method:ds", "method:glad",
                              "method:mace"})
            QVERIFY2(specs.contains(QLatin1String(s)), s);
        QVERIFY(!specs.contains(QStringLiteral("annotator:a")));  // a reported no probabilities
        // Defaults: human judgments against the consensus.
        QCOMPARE(boxes[0]->spec(), QStringLiteral("human"));
        QCOMPARE(boxes[1]->spec(), QStringLiteral("consensus"));
    }

    // An annotator whose probabilities arrive while the project is open (an import or an LLM
    // run, then the snapshot reloaded) is offered by both boxes: what the workbench read about
    // probabilities for the old snapshot is not kept for the new one.
    void newProbabilitiesOfferedAfterReload()
    {
        const QString project = test::projectFromData(m_dir, QStringLiteral("reload.jsonl"), kFixture,
                                                      QStringLiteral("reload.chorus"));
        QVERIFY(!project.isEmpty());
        ui::MainWindow w;
        w.show();
        QVERIFY(w.openProject(project));
        const auto boxes = w.dashboard()->findChildren<ui::DivergenceSourceBox*>();
        QCOMPARE(boxes.size(), 2);
        const auto offers = [](const ui::DivergenceSourceBox* box, const QString& spec) {
            return box->findData(spec) >= 0;
        };
        QVERIFY(!offers(boxes[0], QStringLiteral("annotator:n")));

        QVERIFY(test::writeFile(m_dir.filePath(QStringLiteral("more.jsonl")),
                                R"({"label_set": ["pos", "neg"], "id": "x3", "labels": {"n": "pos"}, "probs": {"n": {"pos": 0.7, "neg": 0.3}}})"
                                "\n"));
        model::ProjectStore store;
        store.open(project);
        model::importFile(store, m_dir.filePath(QStringLiteral("more.jsonl")));
        w.workbench()->setSnapshot(model::loadSnapshot(store));
        for (const ui::DivergenceSourceBox* box : boxes) {
            QVERIFY(offers(box, QStringLiteral("annotator:m")));
            QVERIFY(offers(box, QStringLiteral("annotator:n")));
        }
    }

    // Human vs votes of chosen annotators, chosen through the box's own entry: per item, the
    // tab's JSD and TVD are the hand-derived ones.
    void votesOfChosenAnnotatorsMatchHandDerivation_data()
    {
        QTest::addColumn<QStringList>("chosen");
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QList<Dist>>("expected");  // x1, x2, x3
        QTest::newRow("votesOfAandC") << QStringList{"a", "c"} << QStringLiteral("votes:a,c")
                                      << QList<Dist>{{0.5, 0.5}, {0.0, 1.0}, {0.5, 0.5}};
        QTest::newRow("votesOfB") << QStringList{"b"} << QStringLiteral("votes:b")
                                  << QList<Dist>{{1.0, 0.0}, {0.0, 1.0}};  // b did not label x3
    }
    void votesOfChosenAnnotatorsMatchHandDerivation()
    {
        QFETCH(QStringList, chosen);
        QFETCH(QString, spec);
        QFETCH(QList<Dist>, expected);
        ui::MainWindow w;
        w.show();
        QVERIFY(w.openProject(m_project));
        w.showPage(1);
        w.dashboard()->tabs()->setCurrentIndex(ui::Dashboard::TabDivergence);
        QVERIFY(test::waitForParts(w.dashboard(), model::DashboardPart::Divergence));
        auto* q = w.dashboard()->findChildren<ui::DivergenceSourceBox*>().at(1);
        QStringList askedWith{QStringLiteral("unset")};
        q->chooseAnnotators = [&](const QStringList& current) {
            askedWith = current;
            return chosen;
        };
        // The user picks "votes of chosen annotators…" in the second box.
        int entry = -1;
        for (int i = 0; i < q->count(); ++i)
            if (q->itemData(i).toString() == QLatin1String("?votes"))
                entry = i;
        QVERIFY(entry >= 0);
        q->setCurrentIndex(entry);
        emit q->activated(entry);
        QCOMPARE(askedWith, QStringList());  // nothing chosen before
        QCOMPARE(q->spec(), spec);
        QVERIFY(q->currentText().contains(chosen.first()));
        QVERIFY(test::waitForParts(w.dashboard(), model::DashboardPart::Divergence));
        const model::DashboardData& d = w.dashboard()->data();
        QCOMPARE(d.divergenceQ, spec);
        QCOMPARE(d.divergenceItems.size(), size_t(expected.size()));
        const auto& s = w.workbench()->snapshot();
        double meanJsd = 0, meanTvd = 0;
        for (size_t k = 0; k < d.divergenceItems.size(); ++k) {
            const QString id = s.itemExtIds[d.divergenceItems[k]];
            const Dist& h = kHuman.at(id);
            const Dist& v = expected.at(id.mid(1).toInt() - 1);
            QVERIFY2(std::abs(d.divergenceJsd[k] - jsDistance(h, v)) < 1e-12, qPrintable(id));
            QVERIFY2(std::abs(d.divergenceTvd[k] - tvd(h, v)) < 1e-12, qPrintable(id));
            meanJsd += jsDistance(h, v) / expected.size();
            meanTvd += tvd(h, v) / expected.size();
        }
        QVERIFY(std::abs(d.meanJsd - meanJsd) < 1e-12);
        QVERIFY(std::abs(d.meanTvd - meanTvd) < 1e-12);
    }

    // Sources chosen by spec: votes of all annotators and m's probabilities against the hand
    // derivation; every source against chorus-cli divergence --log 2 on the same project.
    void sameNumbersAsTheCli_data()
    {
        QTest::addColumn<QString>("p");
        QTest::addColumn<QString>("q");
        QTest::addColumn<QList<Dist>>("hand");  // Q per item x1..x3 when P is human; empty: CLI only
        QTest::newRow("humanVsVotes") << QStringLiteral("human") << QStringLiteral("votes")
                                      << QList<Dist>{{0.8, 0.2}, {0.0, 1.0}, {0.5, 0.5}};
        QTest::newRow("humanVsAnnotatorProbabilities") << QStringLiteral("human") << QStringLiteral("annotator:m")
                                                       << QList<Dist>{{0.9, 0.1}, {0.5, 0.5}};
        QTest::newRow("humanVsMethod") << QStringLiteral("human") << QStringLiteral("method:ds") << QList<Dist>{};
        QTest::newRow("humanVsConsensus") << QStringLiteral("human") << QStringLiteral("consensus") << QList<Dist>{};
        QTest::newRow("votesVsSavedRun") << QStringLiteral("votes:a,b") << QStringLiteral("run:SAVED")
                                         << QList<Dist>{};
        QTest::newRow("annotatorVsVotesOfChosen") << QStringLiteral("annotator:m") << QStringLiteral("votes:c,d")
                                                  << QList<Dist>{};
    }
    void sameNumbersAsTheCli()
    {
        QFETCH(QString, p);
        QFETCH(QString, q);
        QFETCH(QList<Dist>, hand);
        // A saved run (glad) for run:latest, and as the consensus the project opens with.
        const nlohmann::json saved = cliJson({QStringLiteral("aggregate"), QStringLiteral("--project"), m_project,
                                              QStringLiteral("--method"), QStringLiteral("glad"),
                                              QStringLiteral("--save"), QStringLiteral("--json")});
        QVERIFY(!saved.is_discarded());
        q.replace(QStringLiteral("SAVED"), QString::number(saved["run"].get<qint64>()));  // the run just saved
        ui::MainWindow w;
        w.show();
        QVERIFY(w.openProject(m_project));
        QCOMPARE(w.workbench()->consensus().summary.method, QStringLiteral("glad"));
        w.showPage(1);
        w.dashboard()->tabs()->setCurrentIndex(ui::Dashboard::TabDivergence);
        w.dashboard()->setDivergenceSources(p, q);
        QVERIFY(test::waitForParts(w.dashboard(), model::DashboardPart::Divergence));
        const model::DashboardData& d = w.dashboard()->data();
        QCOMPARE(d.divergenceError, QString());
        QCOMPARE(d.divergenceP, p);
        QCOMPARE(d.divergenceQ, q);

        const nlohmann::json cli = cliJson({QStringLiteral("divergence"), QStringLiteral("--project"), m_project,
                                            QStringLiteral("--p"), p, QStringLiteral("--q"), q,
                                            QStringLiteral("--log"), QStringLiteral("2"), QStringLiteral("--json")});
        QVERIFY2(!cli.is_discarded(), "chorus-cli divergence failed");
        QCOMPARE(d.divergenceItems.size(), cli["items"].size());
        QVERIFY(std::abs(d.meanJsd - cli["mean"]["jsd"].get<double>()) < 1e-12);
        QVERIFY(std::abs(d.meanTvd - cli["mean"]["tvd"].get<double>()) < 1e-12);
        const auto& s = w.workbench()->snapshot();
        for (size_t k = 0; k < d.divergenceItems.size(); ++k) {
            QCOMPARE(QString::fromStdString(cli["items"][k]["item"].get<std::string>()), s.itemExtIds[d.divergenceItems[k]]);
            QVERIFY(std::abs(d.divergenceJsd[k] - cli["items"][k]["jsd"].get<double>()) < 1e-12);
        }
        for (size_t k = 0; k < d.divergenceItems.size() && !hand.isEmpty(); ++k) {
            const QString id = s.itemExtIds[d.divergenceItems[k]];
            const Dist& v = hand.at(id.mid(1).toInt() - 1);
            QVERIFY2(std::abs(d.divergenceJsd[k] - jsDistance(kHuman.at(id), v)) < 1e-12, qPrintable(id));
            QVERIFY2(std::abs(d.divergenceTvd[k] - tvd(kHuman.at(id), v)) < 1e-12, qPrintable(id));
            if (std::isfinite(d.divergenceKl[k]))
                QVERIFY2(std::abs(d.divergenceKl[k] - kl2(kHuman.at(id), v)) < 1e-12, qPrintable(id));
            else
                QVERIFY(std::isinf(kl2(kHuman.at(id), v)));
        }
    }

    // A source the data cannot give says why in the tab, and the other parts still apply.
    void missingSourceSaysWhy()
    {
        model::Workbench wb;
        wb.openProject(m_project);
        model::DashboardRequest r;
        r.parts = model::DashboardPart::Divergence;
        r.divergenceP = QStringLiteral("human");
        r.divergenceQ = QStringLiteral("annotator:a");
        model::DivergenceLoaders loaders;
        loaders.probabilities = [&](int32_t a) {
            model::ProjectStore store;
            store.open(m_project);
            return model::loadAnnotatorProbabilities(store, wb.snapshot(), a);
        };
        const auto d = model::computeDashboard(wb.snapshot(), wb.consensus(), r, {}, loaders);
        QVERIFY(d.divergenceItems.empty());
        QCOMPARE(d.divergenceError, QStringLiteral("annotator \"a\" has no probabilities (votes:a uses its labels)"));
    }
};

QTEST_MAIN(TestDivergenceSources)
#include "tst_divergencesources.moc"
