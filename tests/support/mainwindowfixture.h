#pragma once
// The main window as the GUI tests drive it: shown, with errors logged instead of put up in
// message boxes (which would wait for a click), on a project.

#include "dashboard.h"
#include "dashboardwait.h"
#include "mainwindow.h"

#include <QCoreApplication>
#include <QSize>
#include <QStandardPaths>
#include <QString>
#include <QTabWidget>

namespace chorus::test {

/// The settings and paths a GUI test writes are not the user's: QStandardPaths' test mode and
/// the organisation "ChorusTest" (recent files, window state).
inline void useTestSettings()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("ChorusTest"));
}

/// 4 items (i1..i4), 3 annotators (m1..m3), labels a/b/c in that order (keys 1, 2, 3): the
/// small JSONL project the server-project and team GUI tests open.
inline constexpr const char* kFourItemsJsonl =
    "{\"label_set\":[\"a\",\"b\",\"c\"],\"id\":\"i1\",\"text\":\"first\",\"labels\":{\"m1\":\"a\",\"m2\":\"a\",\"m3\":\"a\"}}\n"
    "{\"id\":\"i2\",\"text\":\"second\",\"labels\":{\"m1\":\"a\",\"m2\":\"b\",\"m3\":\"b\"}}\n"
    "{\"id\":\"i3\",\"text\":\"third\",\"labels\":{\"m1\":\"c\",\"m2\":\"c\",\"m3\":\"a\"}}\n"
    "{\"id\":\"i4\",\"text\":\"fourth\",\"labels\":{\"m1\":\"b\",\"m2\":\"b\",\"m3\":\"b\"}}\n";

/// Shows `w` with quiet errors and opens `project` in it; false when the project does not open
/// (w.lastError() says why).
inline bool showWithProject(ui::MainWindow& w, const QString& project)
{
    w.setQuietErrors(true);
    w.show();
    return w.openProject(project);
}

/// Shows `w` at `size` (errors in message boxes, as a user sees them) and opens `project` in it;
/// false when the project does not open.
inline bool showAtSize(ui::MainWindow& w, const QSize& size, const QString& project)
{
    w.resize(size);
    w.show();
    return w.openProject(project);
}

/// Shows the Insights page at `tab` (ui::Dashboard::Tab), which computes what that tab shows.
inline void showInsightsTab(ui::MainWindow& w, int tab)
{
    w.showPage(1);
    w.dashboard()->tabs()->setCurrentIndex(tab);
}

/// Shows the Insights page at `tab` and waits until the parts that tab shows are computed;
/// false after 120 s without a new result.
inline bool insightsTabComputed(ui::MainWindow& w, int tab)
{
    showInsightsTab(w, tab);
    return waitForParts(w.dashboard(), ui::Dashboard::partsOf(tab));
}

} // namespace chorus::test

/// In a test function: shows `w` and opens `project` in it (showWithProject), or fails with the
/// window's error.
#define SHOW_PROJECT(w, project) \
    QVERIFY2(chorus::test::showWithProject(w, project), qPrintable((w).lastError()))
