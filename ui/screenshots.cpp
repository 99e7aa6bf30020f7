#include "screenshots.h"

#include "filterbar.h"
#include "llmdialog.h"
#include "aggregationpanel.h"
#include "crowdpage.h"
#include "dashboard.h"
#include "mainwindow.h"
#include "pairwisepage.h"
#include "serverprojectdialog.h"
#include "serverprojects.h"
#include "adjudicationpanel.h"
#include "teammode.h"
#include "workbench.h"

#include <QAction>
#include <QDockWidget>

#include <QDir>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>

#include <functional>
#include <memory>

namespace chorus::ui {

namespace {

struct Step
{
    QString file;
    std::function<void(MainWindow*)> prepare;
    int delayMs = 600;
    std::function<QWidget*(MainWindow*)> target = {};  ///< what to grab (default: the window)
};

Step insight(const char* file, int tab, int delayMs = 600)
{
    return {QString::fromLatin1(file),
            [tab](MainWindow* w) {
                w->showPage(1);
                w->dashboard()->tabs()->setCurrentIndex(tab);
            },
            delayMs};
}

// The review table, the aggregation panel, the Insights tabs and the LLM dialog: every project.
std::vector<Step> projectSteps()
{
    return {
        {QStringLiteral("review-table.png"),
         [](MainWindow* w) {
             w->showPage(0);  // --pairwise may have opened the Pairwise tab first
             w->table()->setFocus();
         }},
        {QStringLiteral("review-disagreements.png"),
         [](MainWindow* w) {
             // Show the most uncertain disagreements first.
             w->workbench()->tableModel()->sort(model::ItemTableModel::ColEntropy, Qt::DescendingOrder);
             w->filterBar()->setDisagreementsOnly(true);
             if (w->workbench()->tableModel()->rowCount() > 0)
                 w->selectItem(w->workbench()->tableModel()->itemAt(0));
         }},
        {QStringLiteral("aggregation-ds.png"),
         [](MainWindow* w) {
             // Dawid-Skene with the panel's defaults; the screenshot is taken once it finished.
             w->aggregationPanel()->run();
         }},
        insight("insights-competence.png", 0, 4000),
        insight("insights-agreement.png", 1),
        insight("insights-methods.png", 2),
        insight("insights-divergence.png", 3),
        insight("insights-confusion.png", 4),
        insight("insights-label-use.png", 5),
        insight("insights-crowd.png", Dashboard::TabCrowd, 6000),
        {QStringLiteral("insights-crowd-redundancy.png"),
         [](MainWindow* w) { w->dashboard()->crowdPage()->charts()->setCurrentIndex(CrowdPage::ChartRedundancy); }},
        {QStringLiteral("insights-crowd-size.png"),
         [](MainWindow* w) { w->dashboard()->crowdPage()->charts()->setCurrentIndex(CrowdPage::ChartCurve); }},
        insight("insights-calibration.png", Dashboard::TabCalibration, 4000),
        {QStringLiteral("llm-dialog.png"),
         [](MainWindow* w) {
             model::LlmConfig c;
             c.name = QStringLiteral("llama-3.1-8b-local");
             c.baseUrl = QStringLiteral("http://127.0.0.1:8080/v1");
             c.model = QStringLiteral("llama-3.1-8b-instruct");
             c.prompt = QStringLiteral("Ticket:\n{text}\n\nWhich category fits best?\n{options}\n\nAnswer with the "
                                       "letter only.");
             c.parser = model::LlmConfig::Parser::Letter;
             c.fewShot = 3;
             c.logprobs = true;
             c.orderCheck = true;
             w->llmDialog()->setConfig(c);
             w->llmDialog()->show();
         },
         600, [](MainWindow* w) -> QWidget* { return w->llmDialog(); }},
    };
}

// The Pairwise tab, when a judgments file was opened (--pairwise).
void addPairwiseSteps(std::vector<Step>& steps, MainWindow* window)
{
    for (int tab = 0; tab < 4 && window->pairwisePage()->hasFile(); ++tab) {
        const char* names[] = {"pairwise-ratings.png", "pairwise-win-rates.png", "pairwise-position-bias.png",
                               "pairwise-judges.png"};
        steps.push_back({QString::fromLatin1(names[tab]),
                         [tab](MainWindow* w) {
                             w->showPage(2);
                             w->pairwisePage()->tabs()->setCurrentIndex(tab);
                         },
                         tab == 0 ? 3000 : 600});
    }
}

// The Open Server Project dialog listing the database of a server project (issue #19), and My
// queue, the Team panel and the adjudication queue when the project has team settings
// (scripts/screenshot_team.sh opens a server project as a reviewer, then as the adjudicator).
void addServerSteps(std::vector<Step>& steps, MainWindow* window)
{
    if (window->workbench()->hasProject() && window->workbench()->store().isServer())
        steps.push_back({QStringLiteral("open-server-project.png"),
                         [](MainWindow* w) {
                             auto* d = new ServerProjectDialog(w);
                             d->setAttribute(Qt::WA_DeleteOnClose);
                             d->setUri(serverDatabaseUri(w->workbench()->projectPath()));
                             d->show();
                             d->listProjects();
                         },
                         2500, [](MainWindow* w) -> QWidget* { return w->findChild<ServerProjectDialog*>(); }});
    if (!window->teamMode()->isTeamProject())
        return;
    steps.push_back({QStringLiteral("team-queue.png"),
                     [](MainWindow* w) {
                         w->showPage(0);
                         w->filterBar()->setDisagreementsOnly(false);  // an earlier step's
                         w->table()->sortByColumn(-1, Qt::AscendingOrder);  // the queue's order
                         if (!w->teamMode()->myQueueAction()->isChecked())
                             w->teamMode()->myQueueAction()->trigger();
                         w->teamMode()->dock()->show();
                         w->teamMode()->dock()->raise();
                         w->table()->setFocus();
                     },
                     2500});
    // The adjudication queue shows reviews that disagree (the adjudicator's window).
    steps.push_back({QStringLiteral("adjudication.png"),
                     [](MainWindow* w) {
                         if (w->teamMode()->myQueueAction()->isChecked())
                             w->teamMode()->myQueueAction()->trigger();
                         w->teamMode()->dock()->hide();
                         w->showAdjudication();
                         w->adjudicationPanel()->table()->selectRow(0);
                     },
                     2500});
}

// Prepares each step, waits its delay, saves its target to dir and goes on to the next, then
// calls done (false when a grab could not be saved).
void runSteps(MainWindow* window, const QString& dir, std::vector<Step> steps, std::function<void(bool)> done)
{
    auto all = std::make_shared<std::vector<Step>>(std::move(steps));
    auto ok = std::make_shared<bool>(true);
    auto index = std::make_shared<size_t>(0);
    auto next = std::make_shared<std::function<void()>>();
    *next = [=] {
        if (*index >= all->size()) {
            done(*ok);
            return;
        }
        (*all)[*index].prepare(window);
        QTimer::singleShot((*all)[*index].delayMs, window, [=] {
            const QString path = QDir(dir).filePath((*all)[*index].file);
            const Step& step = (*all)[*index];
            QWidget* target = step.target ? step.target(window) : window;
            if (!target || !target->grab().save(path))
                *ok = false;
            if (target && target != window)
                target->hide();
            ++*index;
            (*next)();
        });
    };
    QTimer::singleShot(800, window, [next] { (*next)(); });
}

} // namespace

void takeScreenshots(MainWindow* window, const QString& dir, std::function<void(bool)> done)
{
    QDir().mkpath(dir);
    std::vector<Step> steps = projectSteps();
    addPairwiseSteps(steps, window);
    addServerSteps(steps, window);
    runSteps(window, dir, std::move(steps), std::move(done));
}

} // namespace chorus::ui
