// MainWindow and projects on a PostgreSQL server (issue #19, docs/server-projects.md): the Open
// Server Project dialog, opening without blocking the window while a server is reached, and
// telling the user when the connection was lost and made again.

#include "mainwindow.h"

#include "serverprojects.h"
#include "teamroles.h"
#include "workbench.h"

#include <QLabel>
#include <QMessageBox>
#include <QStatusBar>
#include <QtConcurrent/QtConcurrentRun>

namespace chorus::ui {

namespace {

// Runs on a worker thread: opens the project on a connection of its own and closes it again,
// so that an unreachable server costs the window nothing.
ServerListing probeProject(const QString& location)
{
    return ServerListing::attempt(location, [&](ServerListing&) {
        model::ProjectStore store;
        store.open(location);
    });
}

} // namespace

void MainWindow::openServerDialog()
{
    ServerProjectDialog dialog(this);
    if (m_wb->hasProject() && m_wb->store().isServer())
        dialog.setUri(serverDatabaseUri(m_wb->projectPath()));
    if (dialog.exec() == QDialog::Accepted && !dialog.location().isEmpty())
        openProject(dialog.location());
}

void MainWindow::openProjectInBackground(const QString& location)
{
    if (!model::ProjectLocation::isServerUri(location)) {
        emit backgroundOpenFinished(openProject(location));
        return;
    }
    if (m_probeWatcher.isRunning()) {
        // The running probe's answer is for another location; this one waits its turn.
        m_pendingOpen = location;
        return;
    }
    m_pendingOpen = location;
    statusBar()->showMessage(tr("Connecting to %1…").arg(projectTitle(location)));
    m_probeWatcher.setFuture(QtConcurrent::run(m_wb->pool(), probeProject, location));
}

void MainWindow::backgroundProbeFinished()
{
    if (m_probeWatcher.future().resultCount() == 0)
        return;
    const ServerListing r = m_probeWatcher.result();
    if (m_pendingOpen.isEmpty()) {
        // Another project was opened meanwhile: the user's choice stands.
        statusBar()->clearMessage();
        emit backgroundOpenFinished(false);
        return;
    }
    if (m_pendingOpen != r.uri) {
        const QString next = m_pendingOpen;
        m_pendingOpen.clear();
        openProjectInBackground(next);
        return;
    }
    m_pendingOpen.clear();
    statusBar()->clearMessage();
    if (!r.error.isEmpty() && !r.needsPassword) {
        showError(tr("%1 could not be opened.\n\n%2").arg(projectTitle(r.uri), r.error));
        emit backgroundOpenFinished(false);
        return;
    }
    // Reachable (or asking for a password, which openProject asks the user for).
    emit backgroundOpenFinished(openProject(r.uri));
}

QMessageBox* MainWindow::reconnectNotice() const
{
    return m_reconnectNotice.data();
}

void MainWindow::watchServerConnection()
{
    const bool server = m_wb->hasProject() && m_wb->store().isServer();
    m_serverRole->setVisible(server);
    if (!server)
        return;
    // Who the server takes this window for: its login and role in the project (the server
    // enforces the role; the label only tells the reviewer).
    QString role;
    try {
        const auto r = model::currentTeamRole(m_wb->store());
        role = r ? model::teamRoleName(*r) : tr("no team role");
    } catch (const model::Error&) {
        role = tr("role unknown");
    }
    m_serverRole->setText(tr("%1 as %2 (%3)").arg(m_wb->store().location().project, m_wb->store().sessionUser(), role));
    m_serverRole->setToolTip(tr("A project on a PostgreSQL server. Decisions are written under the login %1; "
                                "what the role may do is decided by the server (docs/server-projects.md).")
                                 .arg(m_wb->store().sessionUser()));
    // Called inside a statement of the store; the notice waits until that statement is done.
    m_wb->store().onReconnected = [this](const QString& message) {
        QMetaObject::invokeMethod(this, [this, message] { serverReconnected(message); }, Qt::QueuedConnection);
    };
}

void MainWindow::serverReconnected(const QString& message)
{
    statusBar()->showMessage(message, 30000);
    if (!m_reconnectNotice) {
        m_reconnectNotice = new QMessageBox(QMessageBox::Information, tr("Reconnected to the Server"), QString(),
                                            QMessageBox::Ok, this);
        m_reconnectNotice->setObjectName(QStringLiteral("reconnectNotice"));
        m_reconnectNotice->setTextFormat(Qt::PlainText);  // the driver's words
        m_reconnectNotice->setWindowModality(Qt::NonModal);
        m_reconnectNotice->setAttribute(Qt::WA_DeleteOnClose);
        // The reviewer keeps the keyboard: a key meant for the table must not close the notice.
        m_reconnectNotice->setAttribute(Qt::WA_ShowWithoutActivating);
    }
    m_reconnectNotice->setText(tr("%1\n\n%2").arg(projectTitle(m_wb->projectPath()), message));
    m_reconnectNotice->setInformativeText(
        tr("Chorus connected again by itself. Every decision the table shows is stored on the server; a change "
           "that the lost connection interrupted was reported as failed and can simply be made again."));
    m_reconnectNotice->show();
}

} // namespace chorus::ui
