#include "heatmapwidget.h"

#include "annotatorchart.h"
#include "csvreader.h"

#include <QMouseEvent>
#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

#include <cmath>

namespace chorus::ui {

namespace {
constexpr int kLegendWidth = 70;
}

HeatmapWidget::HeatmapWidget(QWidget* parent) : QWidget(parent)
{
    setMinimumSize(320, 240);
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
}

void HeatmapWidget::setData(const QStringList& rows, const QStringList& cols, std::vector<double> values, double lo,
                            double hi, int decimals)
{
    m_rows = rows;
    m_cols = cols;
    m_values = std::move(values);
    m_lo = lo;
    m_hi = hi > lo ? hi : lo + 1;
    m_decimals = decimals;
    update();
}

void HeatmapWidget::setAxisTitles(const QString& rows, const QString& cols)
{
    m_rowTitle = rows;
    m_colTitle = cols;
    update();
}

void HeatmapWidget::setToolTipLabels(const QString& row, const QString& col, const QString& value)
{
    m_tipRow = row;
    m_tipCol = col;
    m_tipValue = value;
}

QString HeatmapWidget::toCsv() const
{
    return csv(m_rows, m_cols, m_values, m_rowTitle);
}

QString HeatmapWidget::csv(const QStringList& rows, const QStringList& cols, const std::vector<double>& values,
                           const QString& rowTitle)
{
    QStringList lines;
    QStringList header{model::csvField(rowTitle.isEmpty() ? QStringLiteral("row") : rowTitle)};
    for (const QString& c : cols)
        header << model::csvField(c);
    lines << header.join(QLatin1Char(','));
    for (int r = 0; r < rows.size(); ++r) {
        QStringList row{model::csvField(rows[r])};
        for (int c = 0; c < cols.size(); ++c) {
            const double v = values[static_cast<size_t>(r) * cols.size() + c];
            row << (std::isnan(v) ? QString() : QString::number(v, 'g', 10));
        }
        lines << row.join(QLatin1Char(','));
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

QRect HeatmapWidget::gridRect() const
{
    const QFontMetrics fm = fontMetrics();
    int left = 0;
    for (const QString& r : m_rows)
        left = std::max(left, fm.horizontalAdvance(r));
    int top = 0;
    for (const QString& c : m_cols)
        top = std::max(top, fm.horizontalAdvance(c));
    left = std::min(left + 12, width() / 3) + (m_rowTitle.isEmpty() ? 0 : fm.height() + 4);
    top = std::min(top + 12, height() / 3) + (m_colTitle.isEmpty() ? 0 : fm.height() + 4);
    return QRect(left, top, std::max(10, width() - left - kLegendWidth - 10), std::max(10, height() - top - 10));
}

std::pair<int, int> HeatmapWidget::cellAt(QPointF pos) const
{
    const QRect g = gridRect();
    if (m_rows.isEmpty() || m_cols.isEmpty() || !g.contains(pos.toPoint()))
        return {-1, -1};
    const int c = static_cast<int>((pos.x() - g.left()) * m_cols.size() / g.width());
    const int r = static_cast<int>((pos.y() - g.top()) * m_rows.size() / g.height());
    return {std::clamp(r, 0, int(m_rows.size()) - 1), std::clamp(c, 0, int(m_cols.size()) - 1)};
}

QRectF HeatmapWidget::cellRect(int row, int col) const
{
    const QRect g = gridRect();
    const double cw = double(g.width()) / std::max<qsizetype>(1, m_cols.size());
    const double ch = double(g.height()) / std::max<qsizetype>(1, m_rows.size());
    return QRectF(g.left() + col * cw, g.top() + row * ch, cw, ch);
}

QString HeatmapWidget::cellToolTip(int row, int col) const
{
    if (row < 0 || col < 0 || row >= m_rows.size() || col >= m_cols.size())
        return {};
    const double v = m_values[static_cast<size_t>(row) * m_cols.size() + col];
    auto label = [](const QString& set, const QString& fallback) { return set.isEmpty() ? fallback : set; };
    return QStringLiteral("%1: %2\n%3: %4\n%5: %6")
        .arg(label(m_tipRow, m_rowTitle), m_rows[row], label(m_tipCol, m_colTitle), m_cols[col],
             label(m_tipValue, tr("value")),
             std::isnan(v) ? tr("not defined") : QString::number(v, 'f', m_decimals > 0 ? std::max(m_decimals, 3) : 0));
}

bool HeatmapWidget::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const auto [r, c] = cellAt(help->pos());
        if (r >= 0)
            QToolTip::showText(help->globalPos(), plainToolTip(cellToolTip(r, c)), this, cellRect(r, c).toRect());
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(event);
}

QStringList HeatmapWidget::shownRowNames() const
{
    const QFontMetrics fm = fontMetrics();
    return distinctElided(m_rows, [&fm](const QString& s) { return fm.horizontalAdvance(s); }, gridRect().left() - 6);
}

QStringList HeatmapWidget::shownColumnNames() const
{
    const QFontMetrics fm = fontMetrics();
    return distinctElided(m_cols, [&fm](const QString& s) { return fm.horizontalAdvance(s); }, gridRect().top());
}

QColor HeatmapWidget::colorFor(double v) const
{
    if (std::isnan(v))
        return palette().color(QPalette::Window);
    if (v < 0 && m_lo < 0) {
        const double t = std::clamp(v / m_lo, 0.0, 1.0);
        return QColor::fromRgbF(1.0, 1.0 - 0.55 * t, 1.0 - 0.6 * t);
    }
    const double t = std::clamp((v - std::max(0.0, m_lo)) / (m_hi - std::max(0.0, m_lo)), 0.0, 1.0);
    return QColor::fromRgbF(1.0 - 0.8 * t, 1.0 - 0.55 * t, 1.0 - 0.15 * t);
}

void HeatmapWidget::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing, false);
    if (m_rows.isEmpty() || m_cols.isEmpty()) {
        p.drawText(rect(), Qt::AlignCenter, tr("No data"));
        return;
    }
    const QRect g = gridRect();
    const double cw = double(g.width()) / m_cols.size(), ch = double(g.height()) / m_rows.size();
    const QFontMetrics fm = fontMetrics();
    for (int r = 0; r < m_rows.size(); ++r) {
        for (int c = 0; c < m_cols.size(); ++c) {
            const double v = m_values[static_cast<size_t>(r) * m_cols.size() + c];
            const QRectF cell(g.left() + c * cw, g.top() + r * ch, cw, ch);
            const QColor fill = colorFor(v);
            p.fillRect(cell, std::isnan(v) ? QBrush(palette().color(QPalette::Mid), Qt::BDiagPattern) : QBrush(fill));
            p.setPen(palette().color(QPalette::Mid));
            p.drawRect(cell);
            if (!std::isnan(v) && cw > fm.horizontalAdvance(QStringLiteral("-0.00")) && ch > fm.height()) {
                p.setPen(fill.lightnessF() < 0.5 ? Qt::white : Qt::black);
                p.drawText(cell, Qt::AlignCenter, QString::number(v, 'f', m_decimals));
            }
        }
    }
    p.setPen(palette().color(QPalette::Text));
    const QStringList rowNames = shownRowNames(), colNames = shownColumnNames();
    for (int r = 0; r < m_rows.size(); ++r)
        p.drawText(QRectF(0, g.top() + r * ch, g.left() - 6, ch), Qt::AlignRight | Qt::AlignVCenter, rowNames[r]);
    for (int c = 0; c < m_cols.size(); ++c) {
        p.save();
        p.translate(g.left() + (c + 0.5) * cw, g.top() - 6);
        p.rotate(-60);
        p.drawText(QPointF(0, fm.ascent() / 2.0), colNames[c]);
        p.restore();
    }
    if (!m_rowTitle.isEmpty()) {
        p.save();
        p.translate(fm.height(), g.center().y());
        p.rotate(-90);
        p.drawText(QRectF(-g.height() / 2.0, -fm.height(), g.height(), fm.height() + 2), Qt::AlignCenter, m_rowTitle);
        p.restore();
    }
    if (!m_colTitle.isEmpty())
        p.drawText(QRect(g.left(), 0, g.width(), fm.height() + 2), Qt::AlignCenter, m_colTitle);
    // Legend: a vertical colour bar from lo (bottom) to hi (top).
    const QRect legend(g.right() + 20, g.top(), 16, std::min(200, g.height()));
    for (int y = 0; y < legend.height(); ++y) {
        const double v = m_hi - (m_hi - m_lo) * y / std::max(1, legend.height() - 1);
        p.fillRect(QRect(legend.left(), legend.top() + y, legend.width(), 1), colorFor(v));
    }
    p.setPen(palette().color(QPalette::Text));
    p.drawRect(legend);
    p.drawText(legend.right() + 4, legend.top() + fm.ascent(), QString::number(m_hi, 'g', 3));
    p.drawText(legend.right() + 4, legend.bottom(), QString::number(m_lo, 'g', 3));
}

void HeatmapWidget::mousePressEvent(QMouseEvent* event)
{
    const auto [r, c] = cellAt(event->position());
    if (r >= 0)
        emit cellClicked(r, c);
}

} // namespace chorus::ui
