#pragma once

#include <QStringList>
#include <QWidget>

#include <vector>

namespace chorus::ui {

/// A labelled grid of numbers coloured on a scale, with the value in each cell and a colour
/// legend: pairwise kappa, confusion matrices. NaN cells are drawn hatched and empty.
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
    /// CSV of the grid (first column: row names).
    QString toCsv() const;

    QSize sizeHint() const override { return {640, 520}; }

signals:
    void cellClicked(int row, int col);

protected:
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
};

} // namespace chorus::ui
