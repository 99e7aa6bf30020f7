// The "Label with an LLM" dialog in the real main window, against the local chat-completions
// server: a run over all items adds the annotator to the review table without losing the undo
// history, the relabel queue and "shown items" choose the items, Cancel stops and keeps the
// answers, a missing API key variable refuses to start, and the dashboard's LLM tab shows the
// order-bias check.

#include "../llm/fakechatserver.h"
#include "../llm/llmfixture.h"

#include "dashboard.h"
#include "dashboardwait.h"
#include "importer.h"
#include "llmdialog.h"
#include "scratchdir.h"
#include "llmrunner.h"
#include "mainwindow.h"
#include "mainwindowfixture.h"
#include "relabelpanel.h"
#include "workbench.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSqlQuery>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace chorus;
using test::FakeChatServer;
using test::FakeRequest;
using test::FakeResponse;

namespace {

const char* const kData =
    "{\"label_set\":[\"a\",\"b\"],\"id\":\"i1\",\"text\":\"alpha one\",\"labels\":{\"m1\":\"a\",\"m2\":\"b\"}}\n"
    "{\"id\":\"i2\",\"text\":\"alpha two\",\"labels\":{\"m1\":\"a\",\"m2\":\"a\"}}\n"
    "{\"id\":\"i3\",\"text\":\"beta three\",\"labels\":{\"m1\":\"b\",\"m2\":\"b\"}}\n"
    "{\"id\":\"i4\",\"text\":\"beta four\",\"labels\":{\"m1\":\"b\",\"m2\":\"a\"}}\n";

} // namespace

class TestLlmDialog : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void init()
    {
        test::renewScratchDir(m_dir);
        m_project = test::makeProject(*m_dir, kData);
        QVERIFY(!m_project.isEmpty());
        m_server = std::make_unique<FakeChatServer>();
        QVERIFY(m_server->listen());
        m_server->handler = [](const FakeRequest& r, int) {
            return FakeResponse::completion(r.lastUser().contains(QLatin1String("alpha")) ? QStringLiteral("a")
                                                                                            : QStringLiteral("b"),
                                            30, 1);
        };
    }

    void cleanup()
    {
        m_server.reset();
        m_dir.reset();
    }

    void runAddsAnnotatorAndKeepsUndo()
    {
        ui::MainWindow w;
        SHOW_PROJECT(w, m_project);
        // A decision before the run: it must stay undoable afterwards.
        QVERIFY(w.workbench()->setHumanLabel({0}, 1));
        QCOMPARE(w.workbench()->undoStack()->count(), 1);

        ui::LlmDialog* d = w.llmDialog();
        d->setConfig(config());
        d->setItemSource(0);
        QSignalSpy finished(d, &ui::LlmDialog::runFinished);
        QSignalSpy changed(w.workbench(), &model::Workbench::projectChanged);
        QVERIFY2(d->start(), qPrintable(d->lastError()));
        QVERIFY(d->isRunning());
        QVERIFY(finished.wait(20000));
        QCOMPARE(finished.first().first().toLongLong(), qint64(4));
        QVERIFY(d->statusText().contains(QStringLiteral("4 of 4 answered")));
        QVERIFY(changed.wait(20000));  // the snapshot reloads with the new annotator
        const model::Snapshot& s = w.workbench()->snapshot();
        const int a = static_cast<int>(s.annotators.indexOf(QStringLiteral("dialog-llm")));
        QVERIFY(a >= 0);
        // "alpha" items -> a (index 0), "beta" items -> b (index 1).
        QCOMPARE(s.matrix.labelOf(0, a), 0);
        QCOMPARE(s.matrix.labelOf(1, a), 0);
        QCOMPARE(s.matrix.labelOf(2, a), 1);
        QCOMPARE(s.matrix.labelOf(3, a), 1);
        QCOMPARE(w.workbench()->undoStack()->count(), 1);
        QCOMPARE(w.workbench()->stateOf(0).label, 1);
        w.workbench()->undoStack()->undo();
        QCOMPARE(w.workbench()->stateOf(0).label, -1);

        // A second run has nothing left to ask.
        finished.clear();
        QVERIFY(d->start());
        QVERIFY(finished.wait(20000));
        QCOMPARE(finished.first().first().toLongLong(), qint64(0));
        QCOMPARE(m_server->requests.size(), 4);
    }

    void temperatureCanBeLeftToTheServer()
    {
        ui::MainWindow w;
        ui::LlmDialog* d = w.llmDialog();
        model::LlmConfig c = config();
        c.temperature = 0.7;
        c.maxTokensField = QStringLiteral("max_completion_tokens");  // no widget: kept as loaded
        d->setConfig(c);
        QVERIFY(d->config().sendTemperature);
        QCOMPARE(d->config().temperature, 0.7);
        QCOMPARE(d->config().maxTokensField, QStringLiteral("max_completion_tokens"));
        c.sendTemperature = false;
        d->setConfig(c);
        QVERIFY(!d->config().sendTemperature);
        auto* spin = d->findChild<QDoubleSpinBox*>(QStringLiteral("temperature"));
        QVERIFY(spin);
        QCOMPARE(spin->text(), QStringLiteral("server default (not sent)"));
        spin->setValue(0.2);
        QVERIFY(d->config().sendTemperature);
        QCOMPARE(d->config().temperature, 0.2);
    }

    void shownItemsOnly()
    {
        ui::MainWindow w;
        SHOW_PROJECT(w, m_project);
        // Filter the review table to the "beta" items.
        model::ItemFilter f;
        f.text = QStringLiteral("beta");
        w.workbench()->tableModel()->setFilter(f);
        QCOMPARE(w.workbench()->tableModel()->rowCount(), 2);
        ui::LlmDialog* d = w.llmDialog();
        d->setConfig(config());
        d->setItemSource(1);
        QSignalSpy finished(d, &ui::LlmDialog::runFinished);
        QVERIFY(d->start());
        QVERIFY(finished.wait(20000));
        QCOMPARE(m_server->requests.size(), 2);
        for (const FakeRequest& r : m_server->requests)
            QVERIFY(r.lastUser().contains(QLatin1String("beta")));
    }

    void relabelQueueGoesToTheLlm()
    {
        ui::MainWindow w;
        SHOW_PROJECT(w, m_project);
        // Two items per round, budget 2: the queue holds the two items with disagreement
        // (i1: a/b, i4: b/a), the only ones with an uncertain majority-vote posterior.
        ui::RelabelPanel* panel = w.relabelPanel();
        const auto spins = panel->findChildren<QSpinBox*>();
        QVERIFY(!spins.isEmpty());
        spins[0]->setValue(2);
        const auto dspins = panel->findChildren<QDoubleSpinBox*>();
        dspins[0]->setValue(2);  // budget
        dspins[1]->setValue(1);  // cost per item
        QVERIFY(panel->buildQueue());
        QCOMPARE(panel->queue().size(), size_t(2));
        QPushButton* ask = nullptr;
        for (QPushButton* b : panel->findChildren<QPushButton*>())
            if (b->text() == QStringLiteral("Ask an LLM…"))
                ask = b;
        QVERIFY(ask);
        ask->click();
        ui::LlmDialog* d = w.llmDialog();
        QVERIFY(d->isVisible());
        d->setConfig(config());
        QSignalSpy finished(d, &ui::LlmDialog::runFinished);
        QVERIFY(d->start());
        QVERIFY(finished.wait(20000));
        QStringList asked;
        for (const FakeRequest& r : m_server->requests)
            asked << r.lastUser();
        asked.sort();
        QCOMPARE(asked, QStringList({QStringLiteral("Label: alpha one"), QStringLiteral("Label: beta four")}));
    }

    void emptyQueueAndMissingKeyRefuseToStart()
    {
        ui::MainWindow w;
        SHOW_PROJECT(w, m_project);
        ui::LlmDialog* d = w.llmDialog();
        d->setConfig(config());
        d->setItemSource(2);
        QVERIFY(!d->start());
        QVERIFY(d->lastError().contains(QStringLiteral("relabel queue is empty")));
        d->setItemSource(0);
        model::LlmConfig c = config();
        c.apiKeyEnv = QStringLiteral("CHORUS_DIALOG_UNSET_KEY");
        qunsetenv("CHORUS_DIALOG_UNSET_KEY");
        d->setConfig(c);
        QVERIFY(!d->start());
        QVERIFY(d->lastError().contains(QStringLiteral("CHORUS_DIALOG_UNSET_KEY is not set")));
        c.apiKeyEnv.clear();
        c.prompt = QStringLiteral("{text} {nope}");
        d->setConfig(c);
        QVERIFY(!d->start());
        QVERIFY(d->lastError().contains(QStringLiteral("unknown placeholder {nope}")));
        QCOMPARE(m_server->requests.size(), 0);
    }

    void cancelKeepsAnswers()
    {
        // The first request is answered at once, every later one only long after the test: how
        // many answers are kept does not depend on when the test thread gets to cancel.
        m_server->handler = [](const FakeRequest&, int i) {
            FakeResponse r = FakeResponse::completion(QStringLiteral("a"));
            if (i > 0)
                r.delayMs = 60000;
            return r;
        };
        ui::MainWindow w;
        SHOW_PROJECT(w, m_project);
        ui::LlmDialog* d = w.llmDialog();
        model::LlmConfig c = config();
        c.concurrency = 1;
        d->setConfig(c);
        QSignalSpy finished(d, &ui::LlmDialog::runFinished);
        QVERIFY(d->start());
        // Wait for the first answer to be stored, then cancel.
        QTRY_VERIFY_WITH_TIMEOUT(storedAnswers() >= 1, 10000);
        d->cancel();
        QVERIFY(finished.wait(20000));
        QVERIFY(!d->isRunning());
        QCOMPARE(storedAnswers(), 1);
        QVERIFY(d->statusText().contains(QStringLiteral("Start again")) || d->statusText().contains(QStringLiteral("canceled")));
    }

    void dashboardShowsOrderBias()
    {
        // A position-biased model: always the first option.
        m_server->handler = [](const FakeRequest&, int) { return FakeResponse::completion(QStringLiteral("A")); };
        ui::MainWindow w;
        SHOW_PROJECT(w, m_project);
        ui::LlmDialog* d = w.llmDialog();
        model::LlmConfig c = config();
        c.parser = model::LlmConfig::Parser::Letter;
        c.prompt = QStringLiteral("{text}\n{options}");
        c.orderCheck = true;
        d->setConfig(c);
        QSignalSpy finished(d, &ui::LlmDialog::runFinished);
        QVERIFY(d->start());
        QVERIFY(finished.wait(20000));
        QCOMPARE(m_server->requests.size(), 8);
        // The dashboard computes a tab's numbers when the tab is shown: show the LLM tab and
        // wait until its part is there.
        w.showPage(1);
        w.dashboard()->tabs()->setCurrentIndex(ui::Dashboard::TabLlm);
        w.dashboard()->refresh();
        QVERIFY(test::waitForParts(w.dashboard(), ui::Dashboard::partsOf(ui::Dashboard::TabLlm)));
        QCOMPARE(w.dashboard()->data().llm.size(), 1);
        QCOMPARE(w.dashboard()->data().llm[0].orderPairs, qint64(4));
        QCOMPARE(w.dashboard()->data().llm[0].orderDependent, qint64(4));
        const QString csv = w.dashboard()->csvOf(ui::Dashboard::TabLlm);
        // 8 answers: 4 items asked in both orders; default usage 10 + 2 tokens per answer.
        QVERIFY2(csv.contains(QStringLiteral("dialog-llm,tiny,8,0,80,16,0,4,4")), qPrintable(csv));
        QVERIFY(csv.trimmed().endsWith(QStringLiteral(",4,4")));
    }

    void progressSaysNotStartedBeforeStart()
    {
        ui::MainWindow w;
        SHOW_PROJECT(w, m_project);
        ui::LlmDialog* d = w.llmDialog();
        d->setConfig(config());
        auto* bar = d->findChild<QProgressBar*>(QStringLiteral("progress"));
        QVERIFY(bar);
        // Before Start: no made-up "0 of 1 requests".
        QCOMPARE(bar->text(), QStringLiteral("not started"));
        QSignalSpy finished(d, &ui::LlmDialog::runFinished);
        QVERIFY(d->start());
        QVERIFY(finished.wait(20000));
        QCOMPARE(bar->text(), QStringLiteral("4 of 4 done"));
    }

    void offersTheProjectsLlmAnnotators()
    {
        // Two LLM annotators run before the dialog exists, with their own settings.
        model::LlmConfig first = config();
        first.name = QStringLiteral("first-llm");
        first.prompt = QStringLiteral("First: {text}");
        first.maxTokens = 5;
        model::LlmConfig second = config();
        second.name = QStringLiteral("second-llm");
        second.prompt = QStringLiteral("Second: {text}");
        second.concurrency = 2;
        for (const model::LlmConfig& c : {first, second})
            QCOMPARE(model::runLlmLabeling(m_project, c, {}).totals.done, qint64(4));

        ui::MainWindow w;
        SHOW_PROJECT(w, m_project);
        ui::LlmDialog* d = w.llmDialog();
        // Offered most recent first; the form opens on the most recent one, not the defaults.
        QCOMPARE(d->storedConfigNames(), QStringList({QStringLiteral("second-llm"), QStringLiteral("first-llm")}));
        QCOMPARE(d->config().name, QStringLiteral("second-llm"));
        QCOMPARE(d->config().prompt, QStringLiteral("Second: {text}"));
        QCOMPARE(d->config().concurrency, 2);
        auto* combo = d->findChild<QComboBox*>(QStringLiteral("storedConfigs"));
        QVERIFY(combo);
        QVERIFY(combo->isEnabled());
        QCOMPARE(combo->count(), 3);  // a prompt line and the two annotators
        QCOMPARE(combo->currentData().toString(), QStringLiteral("second-llm"));
        // Choosing the other one in the combo loads its settings.
        const int i = combo->findData(QStringLiteral("first-llm"));
        QVERIFY(i > 0);
        combo->setCurrentIndex(i);
        emit combo->activated(i);
        QCOMPARE(d->config().name, QStringLiteral("first-llm"));
        QCOMPARE(d->config().prompt, QStringLiteral("First: {text}"));
        QCOMPARE(d->config().maxTokens, 5);
        // Rerunning it asks nothing: everything is answered.
        QSignalSpy finished(d, &ui::LlmDialog::runFinished);
        QVERIFY(d->start());
        QVERIFY(finished.wait(20000));
        QCOMPARE(m_server->requests.size(), 8);
    }

    void importedNameNeedsConfirmation()
    {
        ui::MainWindow w;
        SHOW_PROJECT(w, m_project);
        ui::LlmDialog* d = w.llmDialog();
        model::LlmConfig c = config();
        c.name = QStringLiteral("m1");  // an imported annotator of kData
        d->setConfig(c);
        QStringList asked;
        bool answer = false;
        d->setConfirmHandler([&](const QString& q) {
            asked << q;
            return answer;
        });
        QVERIFY(!d->start());
        QCOMPARE(asked.size(), 1);
        QVERIFY2(asked[0].contains(QStringLiteral("\"m1\" is an annotator of this project that came from an import (4 answers)")),
                 qPrintable(asked[0]));
        QVERIFY(d->lastError().contains(QStringLiteral("imported annotator")));
        QCOMPARE(m_server->requests.size(), 0);
        // Confirmed: the run goes ahead (m1 answered every item, so nothing is left to ask).
        answer = true;
        QSignalSpy finished(d, &ui::LlmDialog::runFinished);
        QVERIFY2(d->start(), qPrintable(d->lastError()));
        QVERIFY(finished.wait(20000));
        QCOMPARE(asked.size(), 2);
        QVERIFY2(d->statusText().contains(QStringLiteral("4 already answered were skipped")), qPrintable(d->statusText()));
        QCOMPARE(m_server->requests.size(), 0);
        // A name of no annotator is not asked about.
        c.name = QStringLiteral("fresh-llm");
        d->setConfig(c);
        finished.clear();
        QVERIFY(d->start());
        QVERIFY(finished.wait(20000));
        QCOMPARE(asked.size(), 2);
        QCOMPARE(m_server->requests.size(), 4);
    }

private:
    model::LlmConfig config() const
    {
        model::LlmConfig c;
        c.name = QStringLiteral("dialog-llm");
        c.baseUrl = m_server->baseUrl();
        c.model = QStringLiteral("tiny");
        c.prompt = QStringLiteral("Label: {text}");
        c.retryBaseMs = 10;
        return c;
    }

    int storedAnswers() const
    {
        model::ProjectStore s;
        s.open(m_project);
        return s.scalar(QStringLiteral("SELECT COUNT(*) FROM llm_answers")).toInt();
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FakeChatServer> m_server;
    QString m_project;
};

QTEST_MAIN(TestLlmDialog)
#include "tst_llmdialog.moc"
