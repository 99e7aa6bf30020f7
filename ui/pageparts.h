#pragma once
// What the panels, dialogs and Insights pages make alike: a chart view, a chart emptied for a
// redraw, a wrapping line of text that comes from data, number boxes, a read-only table of figures.

#include <QList>
#include <QPair>
#include <QString>

class QChart;
class QDoubleSpinBox;
class QSpinBox;
class QChartView;
class QHBoxLayout;
class QLabel;
class QTableWidget;
class QTableWidgetItem;
class QWidget;

namespace chorus::ui {

/// A chart view over a new chart: antialiased, the chart not animated (charts are redrawn
/// whole when their data change).
QChartView* newChartView(QWidget* parent);
/// Removes every series and axis of `chart` (deleting the axes) and sets its title: a chart
/// about to be drawn again.
void resetChart(QChart* chart, const QString& title);
/// A label for text that may come from data (names, server messages): plain text, never
/// markup, wrapped at the label's width.
QLabel* plainTextLabel(QWidget* parent);
/// A number box for [lo, hi]: `decimals` places, the arrows step by `step`. The caller sets the
/// value after (a value set before the range would be clamped to Qt's default range).
QDoubleSpinBox* doubleSpin(double lo, double hi, int decimals, double step, QWidget* parent = nullptr);
/// A whole-number box for [lo, hi].
QSpinBox* intSpin(int lo, int hi, QWidget* parent = nullptr);
/// Whether the user lets a close stop what runs: yes without asking when `quiet` (errors logged,
/// no message boxes: the GUI tests), otherwise the answer Yes to `question`.
bool stopConfirmed(QWidget* parent, bool quiet, const QString& title, const QString& question);
/// A table the user reads but does not edit, without row numbers.
QTableWidget* readOnlyTable(QWidget* parent);
/// A row of controls, each after its label (labels under `parent`), then a stretch:
/// "Crowd: [Annotators] Truth: [gold]".
QHBoxLayout* labelledRow(QWidget* parent, const QList<QPair<QString, QWidget*>>& controls);
/// A table cell showing `text`, right-aligned when it is a number.
QTableWidgetItem* tableCell(const QString& text, bool number);
/// A right-aligned cell showing `v` as charts do (chartNumber, `decimals` places) and holding
/// it in full as Qt::UserRole (what a CSV export writes).
QTableWidgetItem* numberCell(double v, int decimals = 3);

} // namespace chorus::ui
