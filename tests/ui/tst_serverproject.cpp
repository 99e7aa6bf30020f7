// Server projects in the GUI (issue #19), against the throwaway PostgreSQL server of the ctest
// fixture `pgserver` (CHORUS_TEST_PG_STATE): File → Open Server Project… driven by the keyboard,
// decisions made with the review keys and read back through a separate connection, a server
// restart between two decisions (the reconnection is shown, nothing is lost), a team decision
// made while the server is stopped (shown queued, sent when it is back), the password
// prompt (TCP on 127.0.0.1 wants one), recent projects, and a start-up reopen of a server that
// is gone. The server is restarted, so tests/CMakeLists.txt runs this test alone (RUN_SERIAL).

#include "importer.h"
#include "location.h"
#include "mainwindow.h"
#include "mainwindowfixture.h"
#include "outbox.h"
#include "pgserverscript.h"
#include "storedlabels.h"
#include "teammode.h"
#include "teamprojects.h"
#include "teamqueue.h"
#include "serverprojectdialog.h"
#include "serverguitest.h"
#include "serverprojects.h"
#include "testprojects.h"
#include "workbench.h"

#include <QAction>
#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

using namespace chorus;

namespace {

const char* const kData = test::kFourItemsJsonl;  // i1..i4, labels a/b/c (keys 1/2/3)
// One more item, imported later through the window (a worker thread's own connection).
const char* const kMore = "{\"id\":\"i5\",\"text\":\"fifth\",\"labels\":{\"m1\":\"a\",\"m2\":\"a\",\"m3\":\"b\"}}\n";

QString writeFile(const QTemporaryDir& dir, const QString& name, const char* text)
{
    const QString path = dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        qFatal("cannot write %s", qPrintable(path));
    f.write(text);
    return path;
}

QString readState(const QString& file)
{
    QFile f(qEnvironmentVariable("CHORUS_TEST_PG_STATE") + QLatin1Char('/') + file);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()).trimmed() : QString();
}


qint64 decisionCount(const QString& location)
{
    model::ProjectStore store;
    store.open(location);
    return store.scalar(QStringLiteral("SELECT COUNT(*) FROM decisions")).toLongLong();
}

QStringList tableIds(QTableView* table)
{
    QStringList ids;
    for (int r = 0; r < table->model()->rowCount(); ++r)
        ids << table->model()->index(r, model::ItemTableModel::ColId).data().toString();
    ids.sort();
    return ids;
}

QAction* recentAction(ui::MainWindow& w, int index)
{
    for (QMenu* menu : w.menuBar()->findChildren<QMenu*>())
        if (menu->title() == QLatin1String("Open &Recent"))
            return menu->actions().value(index);
    return nullptr;
}

} // namespace

class TestServerProject : public test::ServerGuiTest
{
    Q_OBJECT

    // A new project NAME on the test server holding kData (imported through model::importFile).
    QString createProject(const QString& name)
    {
        const QString location = m_base + QStringLiteral("&project=") + test::uniqueProjectName(m_dir, name);
        model::ProjectStore store;
        store.open(location, model::ProjectStore::Mode::CreateNew);
        model::importFile(store, writeFile(m_dir, QStringLiteral("data.jsonl"), kData));
        return removedAtEnd(location);
    }

private slots:
    // A test that answers the password prompt leaves no prompt behind, passed or not.
    void cleanup() { ui::setPasswordPrompt({}); }

    // The dialog lists the database's projects (sorted, ours among them), the keyboard picks one
    // and opens it; two decisions made with the review keys are on the server, one before and
    // one after a server restart, which the window reports; an import then runs on a worker.
    void openFromDialogAndReviewAcrossRestart()
    {
        const QString location = createProject(QStringLiteral("gui"));
        const QString other = createProject(QStringLiteral("other"));
        const QString name = model::ProjectLocation::parse(location).project;
        const QString otherName = model::ProjectLocation::parse(other).project;

        ui::MainWindow w;
        w.setQuietErrors(true);
        w.show();
        QStringList listed;
        bool listedOk = false;
        QTimer::singleShot(0, this, [&] {
            auto* d = qobject_cast<ui::ServerProjectDialog*>(QApplication::activeModalWidget());
            if (!d)
                return;
            QTimer::singleShot(60000, d, [d] { d->reject(); });  // fail rather than hang
            d->uriEdit()->clear();
            d->uriEdit()->setFocus();
            QTest::keyClicks(d->uriEdit(), m_base);
            QSignalSpy done(d, &ui::ServerProjectDialog::listed);
            QTest::keyClick(d->uriEdit(), Qt::Key_Return);  // Enter in the URI field lists
            if (!done.wait(30000))
                return;
            listedOk = done.first().first().toBool();
            QListWidget* list = d->projectList();
            for (int r = 0; r < list->count(); ++r)
                listed << list->item(r)->text();
            // Arrow keys to our project (the list has the focus), Enter opens it.
            QTest::keyClick(list, Qt::Key_Home);
            for (int r = 0; r < list->count() && list->currentItem()->text() != name; ++r)
                QTest::keyClick(list, Qt::Key_Down);
            QTest::keyClick(list, Qt::Key_Return);
        });
        auto* open = w.findChild<QAction*>(QStringLiteral("openServerProject"));
        QVERIFY(open);
        open->trigger();
        QVERIFY(listedOk);
        QVERIFY2(listed.contains(name) && listed.contains(otherName), qPrintable(listed.join(QLatin1Char(' '))));
        QStringList sorted = listed;
        sorted.sort();
        QCOMPARE(listed, sorted);
        QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
        QVERIFY(w.workbench()->hasProject());
        QCOMPARE(w.workbench()->projectPath(), model::ProjectLocation::parse(location).display());
        // The data written above, shown in the table.
        QCOMPARE(tableIds(w.table()), (QStringList{"i1", "i2", "i3", "i4"}));
        // Title: "NAME — database on host"; the socket folder of the test server is this computer.
        QCOMPARE(w.windowTitle(), QStringLiteral("%1 — chorus_test on this computer (port %2) — Chorus")
                                      .arg(name, readState(QStringLiteral("port"))));
        // The status bar says whom the server takes the window for: the project's creator, so
        // its manager (the superuser of the test server).
        const auto* role = w.findChild<QLabel*>(QStringLiteral("serverRole"));
        QVERIFY(role && role->isVisibleTo(&w));
        QCOMPARE(role->text(), QStringLiteral("%1 as chorus_admin (manager)").arg(name));

        // The dialog is gone; the window is active again (a window manager does that; offscreen
        // the test does), so the review keys reach it.
        QApplication::setActiveWindow(&w);
        QVERIFY(QTest::qWaitForWindowActive(&w));
        // Key 2 on i2 sets label b; a separate connection finds it on the server.
        const auto& snap = w.workbench()->snapshot();
        w.selectItem(snap.itemIndex(QStringLiteral("i2")));
        QTest::keyClick(w.table(), Qt::Key_2);
        QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
        QCOMPARE(test::storedLabels(location), (QMap<QString, QString>{{"i2", "b"}}));
        QVERIFY(!w.reconnectNotice());

        // The server restarts: every session, the window's included, is cut.
        QVERIFY(test::pgServerScript(QStringLiteral("restart")));

        // The next action: key 3 on i3 sets label c. It succeeds, and the user is told.
        w.selectItem(snap.itemIndex(QStringLiteral("i3")));
        QTest::keyClick(w.table(), Qt::Key_3);
        QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
        QCOMPARE(w.workbench()->store().reconnects(), 1);
        QTRY_VERIFY(w.reconnectNotice() && w.reconnectNotice()->isVisible());
        QVERIFY(!w.reconnectNotice()->isModal());
        QVERIFY(w.reconnectNotice()->text().contains(name));
        QVERIFY(!w.statusBar()->currentMessage().isEmpty());
        // Both decisions stored, each once (two key presses, two rows).
        QCOMPARE(test::storedLabels(location), (QMap<QString, QString>{{"i2", "b"}, {"i3", "c"}}));
        QCOMPARE(decisionCount(location), qint64(2));

        // A worker thread opens its own connection on the same location: an import adds i5.
        QSignalSpy finished(&w, &ui::MainWindow::importFinished);
        w.startImport(writeFile(m_dir, QStringLiteral("more.jsonl"), kMore), {});
        QVERIFY(finished.wait(60000));
        QVERIFY2(finished.first().first().toBool(), qPrintable(w.lastError()));
        QCOMPARE(tableIds(w.table()), (QStringList{"i1", "i2", "i3", "i4", "i5"}));
        QCOMPARE(decisionCount(location), qint64(2));
    }

    // Team review with the server gone (pg_ctl stop -m immediate): key 1 on i1 in My queue is
    // kept: the Human cell says a, the Status cell "reviewed (queued)", the status bar counts
    // one queued decision. When the server is back the outbox sends it (a try every 200 ms):
    // the mark and the count go, and the server has the decision, once.
    void teamDecisionQueuedInTheWindow()
    {
        const QString location = removedAtEnd(test::serverProjectLocation(m_dir, QStringLiteral("offline.chorus")));
        test::makeTeamProject(location, writeFile(m_dir, QStringLiteral("offline.jsonl"), kData), 1, 30,
                              {QStringLiteral("rev1")});
        ui::MainWindow w;
        SHOW_PROJECT(w, test::asLogin(location, QStringLiteral("rev1")));
        QTRY_COMPARE(int(w.teamMode()->queue()->claims().size()), 4);
        w.workbench()->outbox()->setRetryInterval(200);
        auto* model = w.workbench()->tableModel();
        const int32_t i1 = w.workbench()->snapshot().itemIndex(QStringLiteral("i1"));
        auto cell = [&](int column) { return model->index(model->rowOf(i1), column).data().toString(); };
        const auto* status = w.findChild<QLabel*>(QStringLiteral("outboxStatus"));
        QVERIFY(status && !status->isVisibleTo(&w));

        const test::ServerRunningAgain runningAgain;
        QVERIFY(test::pgServerScript(QStringLiteral("stop-immediate")));
        w.selectItem(i1);
        QTest::keyClick(w.table(), Qt::Key_1);
        QCOMPARE(cell(model::ItemTableModel::ColHuman), QStringLiteral("a"));
        QCOMPARE(cell(model::ItemTableModel::ColStatus), QStringLiteral("reviewed (queued)"));
        QVERIFY(status->isVisibleTo(&w));
        QCOMPARE(status->text(), QStringLiteral("1 decision(s) queued · server unreachable, retrying"));

        QVERIFY(test::pgServerScript(QStringLiteral("resume")));
        QTRY_VERIFY_WITH_TIMEOUT(!status->isVisibleTo(&w), 30000);
        // Sent, the claim ended: My queue may have refilled and left i1 out of view already.
        QVERIFY(!w.workbench()->isQueued(i1));
        if (model->rowOf(i1) >= 0)
            QCOMPARE(cell(model::ItemTableModel::ColStatus), QStringLiteral("reviewed"));
        QCOMPARE(test::storedLabels(location), (QMap<QString, QString>{{"i1", "a"}}));
        w.close();
    }

    // TCP on 127.0.0.1 wants a password: the prompt comes, a wrong answer brings it back with
    // the server's refusal, the right one opens the project and a worker's own connection uses
    // it too. Cancel gives up and leaves nothing open. Recent projects hold the URI (readable
    // menu text, no password), and no password reaches the settings.
    void passwordPromptAndRecentProjects()
    {
        const QString socketLocation = createProject(QStringLiteral("pw"));
        const QString name = model::ProjectLocation::parse(socketLocation).project;
        const QString port = readState(QStringLiteral("port"));
        const QString password = readState(QStringLiteral("password"));
        QVERIFY(!port.isEmpty() && !password.isEmpty());
        const QString tcp = QStringLiteral("postgresql://chorus_admin@127.0.0.1:%1/chorus_test?project=%2").arg(port, name);
        const model::ProjectLocation tcpLoc = model::ProjectLocation::parse(tcp);
        model::rememberServerPassword(tcpLoc.serverKey(), QString());

        QStringList answers{QStringLiteral("not-the-password"), password};
        QStringList messages;
        bool cancel = false;
        ui::setPasswordPrompt([&](QWidget*, const QString& message, QString* typed) {
            messages << message;
            if (cancel || answers.isEmpty())
                return false;
            *typed = answers.takeFirst();
            return true;
        });

        ui::MainWindow w;
        SHOW_PROJECT(w, tcp);
        // libpq's and the server's own words: first no password at all, then a wrong one.
        QCOMPARE(messages.size(), 2);
        QVERIFY2(messages[0].contains(QLatin1String("no password supplied")), qPrintable(messages[0]));
        QVERIFY2(messages[1].contains(QLatin1String("password authentication failed")), qPrintable(messages[1]));
        QCOMPARE(model::rememberedServerPassword(tcpLoc.serverKey()), password);
        QCOMPARE(w.workbench()->projectPath(), tcpLoc.display());
        QCOMPARE(tableIds(w.table()), (QStringList{"i1", "i2", "i3", "i4"}));

        // A worker thread's connection gets the password from memory, no prompt.
        QSignalSpy finished(&w, &ui::MainWindow::importFinished);
        w.startImport(writeFile(m_dir, QStringLiteral("more.jsonl"), kMore), {});
        QVERIFY(finished.wait(60000));
        QVERIFY2(finished.first().first().toBool(), qPrintable(w.lastError()));
        QCOMPARE(tableIds(w.table()), (QStringList{"i1", "i2", "i3", "i4", "i5"}));
        QCOMPARE(messages.size(), 2);

        // Recent projects: "NAME — database on host:port", the URI as tooltip.
        QAction* recent = recentAction(w, 0);
        QVERIFY(recent);
        QCOMPARE(recent->text(), QStringLiteral("%1 — chorus_test on 127.0.0.1:%2").arg(name, port));
        QCOMPARE(recent->toolTip(), tcp);
        QSettings settings;
        QCOMPARE(settings.value(QStringLiteral("project/recent")).toStringList().value(0), tcp);
        QCOMPARE(settings.value(QStringLiteral("project/last")).toString(), tcp);
        w.close();  // writes the window's settings too
        settings.sync();
        QFile file(settings.fileName());
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray stored = file.readAll();
        QVERIFY(stored.contains(name.toUtf8()));
        QVERIFY(!stored.contains(password.toUtf8()));
        QVERIFY(!stored.contains("not-the-password"));

        // Cancel: nothing opens, no error dialog, the prompt came once.
        model::rememberServerPassword(tcpLoc.serverKey(), QString());
        ui::MainWindow w2;
        w2.setQuietErrors(true);
        w2.show();
        messages.clear();
        cancel = true;
        recentAction(w2, 0)->trigger();
        QCOMPARE(messages.size(), 1);
        QVERIFY(!w2.workbench()->hasProject());
        QVERIFY2(w2.lastError().isEmpty(), qPrintable(w2.lastError()));
        QVERIFY(model::rememberedServerPassword(tcpLoc.serverKey()).isEmpty());

        // Reopening from the recent menu with the password.
        cancel = false;
        answers = QStringList{password};
        recentAction(w2, 0)->trigger();
        QVERIFY2(w2.workbench()->hasProject(), qPrintable(w2.lastError()));
        QCOMPARE(w2.workbench()->projectPath(), tcpLoc.display());
        QCOMPARE(w2.table()->model()->rowCount(), 5);
    }

    // Listing a database over TCP asks for the password too (cancel: an error saying so and an
    // empty list; then the right password: the projects).
    void listingAsksForPassword()
    {
        const QString name = model::ProjectLocation::parse(createProject(QStringLiteral("listpw"))).project;
        const QString port = readState(QStringLiteral("port"));
        const QString database = QStringLiteral("postgresql://chorus_admin@127.0.0.1:%1/chorus_test").arg(port);
        const QString key = model::ProjectLocation::parse(database).serverKey();
        model::rememberServerPassword(key, QString());
        int prompts = 0;
        QString answer;  // empty: cancel
        ui::setPasswordPrompt([&](QWidget*, const QString&, QString* typed) {
            ++prompts;
            *typed = answer;
            return !answer.isEmpty();
        });
        ui::ServerProjectDialog d;
        d.show();  // Enter reaches the default button of a shown dialog only
        d.setUri(database);
        QSignalSpy listed(&d, &ui::ServerProjectDialog::listed);
        d.listProjects();
        QVERIFY(listed.wait(30000));
        QCOMPARE(listed.takeFirst().first().toBool(), false);
        QCOMPARE(prompts, 1);
        QCOMPARE(d.projectList()->count(), 0);
        QVERIFY(!d.statusLabel()->text().isEmpty());

        answer = readState(QStringLiteral("password"));
        d.listProjects();
        QVERIFY(listed.wait(30000));
        QCOMPARE(listed.takeFirst().first().toBool(), true);
        QCOMPARE(prompts, 2);
        QVERIFY(!d.projectList()->findItems(name, Qt::MatchExactly).isEmpty());
        // The list's current project is what the dialog opens: database URI plus project.
        d.projectList()->setCurrentItem(d.projectList()->findItems(name, Qt::MatchExactly).first());
        QTest::keyClick(d.projectList(), Qt::Key_Return);
        QCOMPARE(d.result(), int(QDialog::Accepted));
        QCOMPARE(d.location(), QStringLiteral("%1?project=%2").arg(database, name));
    }

    // A database that is not there: the listing fails with a message naming it, off the GUI
    // thread (listProjects returns before the answer), and the list stays empty.
    void listingFailureIsShown()
    {
        QString missing = m_base;
        missing.replace(QStringLiteral("/chorus_test?"), QStringLiteral("/no_such_database?"));
        QVERIFY(missing != m_base);
        ui::ServerProjectDialog d;
        d.setUri(missing);
        QSignalSpy listed(&d, &ui::ServerProjectDialog::listed);
        d.listProjects();
        // listProjects() returned without waiting for the server: the answer comes later, through
        // the event loop, and the dialog is listing until it has shown it (a refused local
        // connection can end the worker before this line runs; its result is not shown yet).
        QVERIFY(d.isListing());
        QVERIFY(listed.isEmpty());
        QVERIFY(listed.wait(30000));
        QVERIFY(!d.isListing());
        QCOMPARE(listed.first().first().toBool(), false);
        QCOMPARE(d.projectList()->count(), 0);
        QVERIFY2(d.statusLabel()->text().contains(QLatin1String("no_such_database")), qPrintable(d.statusLabel()->text()));
    }

    // At start the last project is reopened in the background: a server that is gone (no server
    // behind that socket folder) gives an error naming it, the window never waits, and the
    // project that was open stays open.
    void reopenWhenServerIsGone()
    {
        const QString location = createProject(QStringLiteral("stays"));
        ui::MainWindow w;
        SHOW_PROJECT(w, location);
        const QString gone = QStringLiteral("postgresql://chorus_admin@/chorus_test?host=%1&port=5432&project=gone")
                                 .arg(m_dir.filePath(QStringLiteral("no-server-here")));
        QSignalSpy done(&w, &ui::MainWindow::backgroundOpenFinished);
        w.openProjectInBackground(gone);
        QCOMPARE(done.count(), 0);  // returned before the connection was tried
        QVERIFY(done.wait(30000));
        QCOMPARE(done.first().first().toBool(), false);
        QVERIFY2(w.lastError().contains(QLatin1String("no-server-here")), qPrintable(w.lastError()));
        QCOMPARE(w.workbench()->projectPath(), model::ProjectLocation::parse(location).display());
    }

    // Column layout is kept per project under the server URI: a hidden column stays hidden
    // when the project is opened again in a new window.
    void columnLayoutPerServerProject()
    {
        const QString location = createProject(QStringLiteral("cols"));
        const int column = model::ItemTableModel::ColEntropy;
        {
            ui::MainWindow w;
            w.setQuietErrors(true);
            QVERIFY(w.openProject(location));
            QVERIFY(!w.table()->isColumnHidden(column));
            w.table()->setColumnHidden(column, true);
            w.close();
        }
        ui::MainWindow w;
        w.setQuietErrors(true);
        QVERIFY(w.openProject(location));
        QVERIFY(w.table()->isColumnHidden(column));
    }
};

QTEST_MAIN(TestServerProject)
#include "tst_serverproject.moc"
