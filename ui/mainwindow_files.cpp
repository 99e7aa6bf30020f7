// MainWindow's project files: new, open, recent, import and export (on worker threads, with
// progress and cancel), drag and drop.

#include "mainwindow.h"

#include "filterbar.h"
#include "itempanel.h"
#include "serverprojects.h"
#include "transferdialogs.h"
#include "workbench.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>

#include <cmath>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QScopeGuard>
#include <QSettings>
#include <QStatusBar>

namespace chorus::ui {

namespace {
constexpr int kMaxRecent = 8;
const char* const kProjectFilter = QT_TRANSLATE_NOOP("MainWindow", "Chorus projects (*.chorus)");
const char* const kDataFilter = QT_TRANSLATE_NOOP(
    "MainWindow", "Data files (*.jsonl *.json *.ndjson *.csv *.tsv *.txt);;All files (*)");
} // namespace

void MainWindow::connectJobs()
{
    // Connect before setFuture() (house style).
    for (auto* w : {static_cast<QFutureWatcherBase*>(&m_importWatcher), static_cast<QFutureWatcherBase*>(&m_exportWatcher)})
        connect(w, &QFutureWatcherBase::progressValueChanged, m_jobProgress, &QProgressBar::setValue);
    connect(m_jobCancel, &QPushButton::clicked, this, [this] {
        m_importWatcher.cancel();
        m_exportWatcher.cancel();
    });
    connect(&m_importWatcher, &QFutureWatcherBase::finished, this, [this] {
        endJob();
        if (m_importWatcher.future().resultCount() == 0) {
            emit importFinished(false);
            return;
        }
        const auto r = m_importWatcher.result();
        if (r.canceled) {
            statusBar()->showMessage(tr("Import canceled; the project is unchanged."), 8000);
            emit importFinished(false);
            return;
        }
        if (!r.error.isEmpty()) {
            showError(tr("Import failed; the project is unchanged.\n\n%1").arg(r.error));
            emit importFinished(false);
            return;
        }
        QString msg = tr("Imported %L1 annotations (%L2 new items, %L3 gold) in %4 s.")
                          .arg(r.value.annotations)
                          .arg(r.value.itemsAdded)
                          .arg(r.value.gold)
                          .arg(r.value.seconds, 0, 'f', 2);
        if (r.value.invalid > 0)
            msg += tr(" %L1 labels could not be mapped and are stored as INVALID.").arg(r.value.invalid);
        for (const QString& ignored : r.value.ignored)
            msg += tr(" Ignored: %1.").arg(ignored);
        const QString path = m_wb->projectPath();
        openProject(path);
        statusBar()->showMessage(msg, 15000);
        emit importFinished(true);
    });
    connect(&m_exportWatcher, &QFutureWatcherBase::finished, this, [this] {
        endJob();
        if (m_exportWatcher.future().resultCount() == 0)
            return;
        const auto r = m_exportWatcher.result();
        if (r.canceled)
            statusBar()->showMessage(tr("Export canceled; no file was written."), 8000);
        else if (!r.error.isEmpty())
            showError(tr("Export failed; no file was written.\n\n%1").arg(r.error));
        else
            statusBar()->showMessage(tr("Exported %L1 items (%L2 filtered out); consensus from %3.")
                                             .arg(r.value.items)
                                             .arg(r.value.skipped)
                                             .arg(r.value.consensus)
                                         + (std::isfinite(r.value.temperature)
                                                ? tr(" Soft labels calibrated: T = %1, fitted on %L2 gold items.")
                                                      .arg(r.value.temperature, 0, 'g', 4)
                                                      .arg(r.value.calibrationItems)
                                                : QString()),
                                     10000);
    });
}

bool MainWindow::openProject(const QString& path)
{
    m_pendingOpen.clear();  // an explicit open wins over one waiting for its server
    saveHeaderState();
    try {
        const bool opened = withServerPassword(this, path, [&] {
            QApplication::setOverrideCursor(Qt::WaitCursor);
            const auto restore = qScopeGuard([] { QApplication::restoreOverrideCursor(); });
            m_wb->openProject(path);
        });
        if (!opened) {
            statusBar()->showMessage(tr("%1 was not opened: no password given.").arg(projectTitle(path)), 10000);
            return false;
        }
    } catch (const model::Error& e) {
        showError(e.message());
        return false;
    }
    watchServerConnection();
    // A file as given, or the server URI as the store writes it (never holding a password).
    const QString location = m_wb->projectPath();
    addRecent(location);
    QSettings().setValue(QStringLiteral("project/last"), projectSettingsKey(location));
    statusBar()->showMessage(tr("Opened %1: %L2 items, %L3 annotators, %L4 annotations; consensus: %5")
                                 .arg(projectTitle(location))
                                 .arg(m_wb->snapshot().numItems())
                                 .arg(m_wb->snapshot().annotators.size())
                                 .arg(m_wb->snapshot().matrix.numAnnotations())
                                 .arg(m_wb->consensus().summary.id > 0
                                          ? tr("run #%1 (%2)").arg(m_wb->consensus().summary.id).arg(m_wb->consensus().summary.method)
                                          : tr("majority vote")),
                             10000);
    return true;
}

void MainWindow::newProject()
{
    QString path = QFileDialog::getSaveFileName(this, tr("New Project"), QString(), tr(kProjectFilter));
    if (path.isEmpty())
        return;
    if (!path.endsWith(QLatin1String(".chorus")))
        path += QLatin1String(".chorus");
    try {
        QFile::remove(path);  // the dialog confirmed overwriting
        model::ProjectStore store;
        store.open(path, model::ProjectStore::Mode::CreateNew);
    } catch (const model::Error& e) {
        showError(e.message());
        return;
    }
    openProject(path);
}

void MainWindow::openDialog()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Project"), QString(), tr(kProjectFilter));
    if (!path.isEmpty())
        openProject(path);
}

void MainWindow::importDialog()
{
    const QString file = QFileDialog::getOpenFileName(this, tr("Import Data"), QString(), tr(kDataFilter));
    if (!file.isEmpty())
        importFile(file);
}

void MainWindow::importFile(const QString& file)
{
    if (m_importWatcher.isRunning()) {
        showError(tr("An import is already running."));
        return;
    }
    if (!m_wb->hasProject()) {
        QString path = QFileDialog::getSaveFileName(this, tr("Create a project for %1").arg(QFileInfo(file).fileName()),
                                                    QFileInfo(file).completeBaseName() + QStringLiteral(".chorus"),
                                                    tr(kProjectFilter));
        if (path.isEmpty())
            return;
        try {
            QFile::remove(path);
            model::ProjectStore store;
            store.open(path, model::ProjectStore::Mode::CreateNew);
        } catch (const model::Error& e) {
            showError(e.message());
            return;
        }
        if (!openProject(path))
            return;
    }
    ImportDialog dialog(file, this);
    if (dialog.exec() == QDialog::Accepted)
        startImport(dialog.file(), dialog.options());
}

void MainWindow::startImport(const QString& file, const model::ImportOptions& options)
{
    if (m_importWatcher.isRunning() || !m_wb->hasProject())
        return;
    startJob(tr("Importing %1…").arg(QFileInfo(file).fileName()));
    m_importWatcher.setFuture(model::importAsync(m_wb->pool(), m_wb->projectPath(), file, options));
}

void MainWindow::exportDialog()
{
    QList<QPair<qint64, QString>> runs;
    const auto saved = m_wb->runs();
    for (auto it = saved.crbegin(); it != saved.crend(); ++it)
        runs.append({it->id, tr("run #%1 (%2, %3)").arg(it->id).arg(it->method, it->createdAt.left(16))});
    // Next to a project file; a server project has no folder, so the home folder it is.
    QString suggested;
    if (m_wb->store().isServer()) {
        suggested = QDir::home().filePath(m_wb->store().location().project + QStringLiteral("-curated.jsonl"));
    } else {
        const QFileInfo project(m_wb->projectPath());
        suggested = project.dir().filePath(project.completeBaseName() + QStringLiteral("-curated.jsonl"));
    }
    ExportDialog dialog(suggested, runs, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    startJob(tr("Exporting %1…").arg(QFileInfo(dialog.file()).fileName()));
    m_exportWatcher.setFuture(model::exportAsync(m_wb->pool(), m_wb->projectPath(), dialog.file(), dialog.options()));
}

void MainWindow::startJob(const QString& what)
{
    statusBar()->showMessage(what);
    m_jobProgress->setValue(0);
    m_jobProgress->show();
    m_jobCancel->show();
}

void MainWindow::endJob()
{
    m_jobProgress->hide();
    m_jobCancel->hide();
    statusBar()->clearMessage();
}

void MainWindow::addRecent(const QString& path)
{
    QSettings settings;
    QStringList recent = settings.value(QStringLiteral("project/recent")).toStringList();
    const QString key = projectSettingsKey(path);
    recent.removeAll(key);
    recent.prepend(key);
    while (recent.size() > kMaxRecent)
        recent.removeLast();
    settings.setValue(QStringLiteral("project/recent"), recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = QSettings().value(QStringLiteral("project/recent")).toStringList();
    for (const QString& path : recent) {
        // A file by its name, a server project as "NAME — database on host"; '&' is no mnemonic.
        QString text = projectTitle(path);
        text.replace(QLatin1Char('&'), QStringLiteral("&&"));
        QAction* a = m_recentMenu->addAction(text, this, [this, path] { openProject(path); });
        a->setToolTip(path);
        a->setStatusTip(path);
    }
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const auto urls = event->mimeData()->urls();
    if (urls.isEmpty())
        return;
    if (!urls.first().isLocalFile()) {
        // A server project's URI dragged from a browser or a terminal.
        const QString text = urls.first().toString();
        if (model::ProjectLocation::isServerUri(text)) {
            event->acceptProposedAction();
            openProject(text);
        }
        return;
    }
    const QString file = urls.first().toLocalFile();
    if (file.endsWith(QLatin1String(".chorus")))
        openProject(file);
    else
        importFile(file);
    event->acceptProposedAction();
}

} // namespace chorus::ui
