#pragma once

#include <QString>

namespace chorus::ui {

class MainWindow;

/// Saves PNGs of the main views into dir (used by scripts/screenshot.sh and the docs), then
/// calls done(). Runs asynchronously on the event loop so every view is fully laid out.
void takeScreenshots(MainWindow* window, const QString& dir, std::function<void(bool ok)> done);

} // namespace chorus::ui
