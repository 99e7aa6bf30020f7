#pragma once
// The main window as the GUI tests drive it: shown, with errors logged instead of put up in
// message boxes (which would wait for a click), on a project.

#include "mainwindow.h"

#include <QSize>
#include <QString>

namespace chorus::test {

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

} // namespace chorus::test
