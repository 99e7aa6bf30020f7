// The insight dashboard on a real LLM-labelled task: its numbers equal chorus-cli's and the
// trusted reference, it renders offscreen without warnings, and it exports PNG, SVG and CSV.

#include "dashboard.h"
#include "clirun.h"
#include "dashboardwait.h"
#include "files.h"
#include "datarows.h"
#include "gui_projecttest.h"
#include "importer.h"
#include "mainwindow.h"
#include "mainwindowfixture.h"
#include "newproject.h"
#include "workbench.h"

#include <QSignalSpy>
#include <QTabWidget>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>

using namespace chorus;

namespace {

QStringList g_warnings;

void collectWarnings(QtMsgType type, const QMessageLogContext&, const QString& message)
{
    // The offscreen platform plugin's own notice is not about our widgets.
    if (type >= QtWarningMsg && !message.contains(QLatin1String("propagateSizeHints")))
        g_warnings << message;
}

using test::waitForParts;

using test::cliJson;

} // namespace

class TestDashboard : public test::GuiProjectTest
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        SKIP_WITHOUT_SHARED();
        makeProjectFromFile(QStringLiteral("emotion.chorus"),
                            test::shared(QStringLiteral("data/llm/emotion/items.jsonl")));
    }

    // A sparse human crowd (RTE: 164 workers, 20-800 of 800 items each): every annotator's
    // accuracy in the Competence chart's CSV and the Methods table's CSV is pandas' accuracy on
    // the gold items the worker answered (reference agreement.annotator_accuracy_vs_gold).
    void sparseCrowdAccuracyOnAnsweredItems()
    {
        const QString project = m_dir.filePath(QStringLiteral("rte.chorus"));
        model::ImportOptions o;
        o.goldFile = test::shared(QStringLiteral("data/rte/gold.csv"));
        test::importIntoNewProject(project, test::shared(QStringLiteral("data/rte/answers.csv")), o);
        ui::MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(w.openProject(project));
        w.showPage(1);
        QVERIFY(waitForParts(w.dashboard(), ui::Dashboard::partsOf(ui::Dashboard::TabCompetence)));
        w.dashboard()->tabs()->setCurrentIndex(ui::Dashboard::TabMethods);
        QVERIFY(waitForParts(w.dashboard(), ui::Dashboard::partsOf(ui::Dashboard::TabMethods)));
        const auto ref = test::loadJson(test::sharedDir() + "/reference/rte.json")["agreement"]["annotator_accuracy_vs_gold"];
        auto column = [&](int tab, const QString& name) {
            QHash<QString, double> out;
            const QStringList lines = w.dashboard()->csvOf(tab).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
            const int col = lines.value(0).split(QLatin1Char(',')).indexOf(name);
            for (const QString& l : lines.mid(1)) {
                const QStringList f = l.split(QLatin1Char(','));
                out.insert(f.value(0), f.value(col).toDouble());
            }
            return out;
        };
        const QHash<QString, double> competence = column(ui::Dashboard::TabCompetence, QStringLiteral("accuracy"));
        const QHash<QString, double> methods = column(ui::Dashboard::TabMethods, QStringLiteral("accuracy"));
        QCOMPARE(competence.size(), qsizetype(164));
        int checked = 0;
        for (auto it = ref.begin(); it != ref.end(); ++it) {
            const QString name = QString::fromStdString(it.key());
            const double want = it.value()["acc"].get<double>();
            QVERIFY2(std::abs(competence.value(name, -1) - want) <= 5e-7, qPrintable(name));
            QVERIFY2(std::abs(methods.value(name, -1) - want) <= 5e-7, qPrintable(name));
            ++checked;
        }
        QCOMPARE(checked, 164);
    }

    void numbersMatchCliAndReference()
    {
        ui::MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(w.openProject(m_project));
        g_warnings.clear();
        const auto previous = qInstallMessageHandler(collectWarnings);
        w.showPage(1);
        // Each tab computes its own part when it is shown: visit them all.
        bool got = true;
        for (int tab = 0; tab < w.dashboard()->tabs()->count(); ++tab) {
            w.dashboard()->tabs()->setCurrentIndex(tab);
            got = got && waitForParts(w.dashboard(), ui::Dashboard::partsOf(tab));
        }
        for (int tab = 0; tab < w.dashboard()->tabs()->count(); ++tab) {
            w.dashboard()->tabs()->setCurrentIndex(tab);
            w.grab();  // render every chart offscreen
        }
        qInstallMessageHandler(previous);
        QVERIFY(got);
        QVERIFY2(g_warnings.isEmpty(), qPrintable(g_warnings.join(QLatin1Char('\n'))));
        const model::DashboardData& d = w.dashboard()->data();

        // Agreement: the trusted reference (nltk / generalised Fleiss, INVALID excluded) ...
        const auto ref = test::loadJson(test::sharedDir() + "/reference/llm/emotion.json");
        QVERIFY(std::abs(d.agreement.agreement.fleissKappa.value
                         - ref["fleiss_kappa_generalized_excl_invalid"].get<double>()) < 1e-9);
        QVERIFY(std::abs(d.agreement.agreement.krippendorffAlpha.value
                         - ref["krippendorff_alpha_nominal_excl_invalid"].get<double>()) < 1e-9);
        // ... and chorus-cli agreement: the same numbers, every Cohen pair included.
        const auto ag = cliJson({QStringLiteral("agreement"), QStringLiteral("--project"), m_project,
                                 QStringLiteral("--bootstrap"), QStringLiteral("0"), QStringLiteral("--json")});
        QVERIFY(!ag.is_discarded());
        QCOMPARE(ag["fleiss_kappa"].get<double>(), d.agreement.agreement.fleissKappa.value);
        QCOMPARE(ag["cohen_kappa"].size(), d.agreement.agreement.cohenPairs.size());
        for (size_t k = 0; k < d.agreement.agreement.cohenPairs.size(); ++k)
            QCOMPARE(ag["cohen_kappa"][k]["kappa"].get<double>(), d.agreement.agreement.cohenPairs[k].kappa.value);

        // Method comparison: chorus-cli evaluate over the same methods gives the same scores,
        // and the best/mean LLM macro-F1 equal the reference's.
        QStringList methods;
        for (const auto& m : d.evaluation.methods)
            methods << QString::fromStdString(m.name);
        const auto ev = cliJson({QStringLiteral("evaluate"), QStringLiteral("--project"), m_project,
                                 QStringLiteral("--methods"), methods.join(QLatin1Char(',')), QStringLiteral("--json")});
        QVERIFY(!ev.is_discarded());
        QCOMPARE(ev["methods"].size(), d.evaluation.methods.size());
        for (size_t k = 0; k < d.evaluation.methods.size(); ++k) {
            QCOMPARE(QString::fromStdString(ev["methods"][k]["method"].get<std::string>()), methods[int(k)]);
            QCOMPARE(ev["methods"][k]["accuracy"].get<double>(), d.evaluation.methods[k].result.accuracy);
            QCOMPARE(ev["methods"][k]["macro_f1"].get<double>(), d.evaluation.methods[k].result.macroF1);
        }
        QVERIFY(d.evaluation.bestAnnotator >= 0);
        QVERIFY(std::abs(d.evaluation.annotators[d.evaluation.bestAnnotator].result.macroF1
                         - ref["best_llm_macro_f1"].get<double>()) < 1e-9);
        QVERIFY(std::abs(d.evaluation.meanAnnotatorMacroF1 - ref["mean_llm_macro_f1"].get<double>()) < 1e-9);

        // Label use: counted independently from the source file.
        std::map<std::pair<std::string, std::string>, int64_t> counts;
        std::ifstream in(test::sharedDir() + "/data/llm/emotion/items.jsonl");
        std::string line;
        while (std::getline(in, line)) {
            const nlohmann::json item = nlohmann::json::parse(line);
            for (auto it = item["labels"].begin(); it != item["labels"].end(); ++it)
                ++counts[{it.key(), it.value().get<std::string>()}];
        }
        const int L = static_cast<int>(d.labels.size());
        QVERIFY(!counts.empty());
        for (int a = 0; a < d.annotators.size(); ++a)
            for (int l = 0; l < L; ++l)
                QCOMPARE(d.labelUse[static_cast<size_t>(a) * (L + 1) + l],
                         (counts[{d.annotators[a].toStdString(), d.labels[l].toStdString()}]));
    }

    void exportsImageAndCsv()
    {
        ui::MainWindow w;
        w.resize(1200, 800);
        w.show();
        QVERIFY(w.openProject(m_project));
        QSignalSpy ready(w.dashboard(), &ui::Dashboard::ready);
        w.showPage(1);
        QVERIFY(ready.wait(120000));
        w.dashboard()->tabs()->setCurrentIndex(1);  // agreement heat map
        QVERIFY(waitForParts(w.dashboard(), model::DashboardPart::Agreement));
        const QString png = m_dir.filePath(QStringLiteral("agreement.png"));
        const QString svg = m_dir.filePath(QStringLiteral("agreement.svg"));
        const QString csv = m_dir.filePath(QStringLiteral("agreement.csv"));
        QVERIFY(w.dashboard()->exportCurrent(png, csv));
        QVERIFY(w.dashboard()->exportCurrent(svg, QString()));
        QVERIFY(QImage(png).width() > 100);
        QFile s(svg);
        QVERIFY(s.open(QIODevice::ReadOnly));
        QVERIFY(s.readAll().contains("<svg"));
        QFile c(csv);
        QVERIFY(c.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = c.readAll().trimmed().split('\n');
        // Header plus one row per annotator (12 models in the emotion task).
        QCOMPARE(lines.size(), 13);
    }

    // ChaosNLI: human votes against a model's reported probabilities, against scipy's values.
    void divergenceMatchesScipyReference()
    {
        const QString project = m_dir.filePath(QStringLiteral("chaosnli.chorus"));
        test::importIntoNewProject(project, test::shared(QStringLiteral("data/distributions/chaosnli_snli.jsonl")));
        const auto ref = test::loadJson(test::sharedDir() + "/reference/divergence-chaosnli_snli.json");
        const auto& m = ref["models"]["roberta-base_seed0"];
        ui::MainWindow w;
        w.show();
        QVERIFY(w.openProject(project));
        test::showInsightsTab(w, ui::Dashboard::TabDivergence);
        w.dashboard()->setDivergenceSources(QStringLiteral("human"), QStringLiteral("annotator:roberta-base_seed0"));
        QVERIFY(waitForParts(w.dashboard(), model::DashboardPart::Divergence));
        const model::DashboardData& d = w.dashboard()->data();
        QCOMPARE(d.divergenceQ, QStringLiteral("annotator:roberta-base_seed0"));
        QCOMPARE(d.divergenceItems.size(), size_t(1514));
        // The dashboard works in base 2: JSD base 2 and TVD directly, KL = KL_nats / ln 2.
        QVERIFY(std::abs(d.meanJsd - m["mean"]["jsd_base2"].get<double>()) < 1e-9);
        QVERIFY(std::abs(d.meanTvd - m["mean"]["tvd"].get<double>()) < 1e-9);
        QVERIFY(std::abs(d.meanKl - m["mean"]["kl"].get<double>() / std::log(2.0)) < 1e-9);
        QVERIFY(std::abs(d.dcor.value - m["dcor"].get<double>()) < 1e-9);
        // Per item, matched by id.
        const auto& s = w.workbench()->snapshot();
        std::map<std::string, size_t> refIndex;
        for (size_t k = 0; k < ref["items"].size(); ++k)
            refIndex[ref["items"][k].get<std::string>()] = k;
        for (size_t k = 0; k < d.divergenceItems.size(); ++k) {
            const size_t r = refIndex.at(s.itemExtIds[d.divergenceItems[k]].toStdString());
            QVERIFY(std::abs(d.divergenceJsd[k] - m["jsd_base2"][r].get<double>()) < 1e-9);
        }
    }
};

QTEST_MAIN(TestDashboard)
#include "tst_dashboard.moc"
