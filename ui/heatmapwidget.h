#pragma once

#include <QStringList>
#include <QWidget>

#include <utility>
#include <vector>

namespace chorus::ui {

/// A labelled grid of numbers coloured on a scale, with the value in each cell and a colour
/// legend: pairwise kappa, confusion matrices. NaN cells are drawn hatched and empty. Row and
/// column names too long for their margin are cut in the middle and stay pairwise distinct;
/// each cell's tooltip gives both full names and the value.
class HeatmapWidget final : public QWidget
{
    Q_OBJECT

public:
    explicit HeatmapWidget(QWidget* parent = nullptr);

    /// values is rows x cols, row-major. The scale maps [lo, hi] from white to blue (and
    /// negative values towards red when lo < 0).
    void setData(const QStringList& rows, const QStringList& cols, std::vector<double> values, double lo, double hi,
                 int decimals);
    void setAxisTitles(const QString& rows, const QString& cols);
    /// What a cell's tooltip calls its row, its column and its value ("gold", "consensus (ds)",
    /// "items"); by default the axis titles and "value".
    void setToolTipLabels(const QString& row, const QString& col, const QString& value);
    /// CSV of the grid (first column: row names).
    QString toCsv() const;
    /// CSV of any grid in the same form as toCsv().
    static QString csv(const QStringList& rows, const QStringList& cols, const std::vector<double>& values,
                       const QString& rowTitle);

    /// The cell under `pos` as {row, col}, {-1, -1} outside the grid.
    std::pair<int, int> cellAt(QPointF pos) const;
    /// Where cell (row, col) is drawn.
    QRectF cellRect(int row, int col) const;
    /// The tooltip of a cell (plain text): row name, column name, value.
    QString cellToolTip(int row, int col) const;
    /// The row and column names as drawn (cut to fit).
    QStringList shownRowNames() const;
    QStringList shownColumnNames() const;

    QSize sizeHint() const override { return {640, 520}; }

signals:
    void cellClicked(int row, int col);

protected:
    bool event(QEvent* event) override;
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;

private:
    QRect gridRect() const;
    QColor colorFor(double v) const;

    QStringList m_rows, m_cols;
    std::vector<double> m_values;
    double m_lo = 0, m_hi = 1;
    int m_decimals = 2;
    QString m_rowTitle, m_colTitle;
    QString m_tipRow, m_tipCol, m_tipValue;
};

} // namespace chorus::ui
