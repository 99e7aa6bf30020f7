#include "pageparts.h"

#include "annotatorchart.h"

#include <QChart>
#include <QChartView>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QMessageBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QPainter>
#include <QSpinBox>
#include <QTableWidget>

namespace chorus::ui {

QChartView* newChartView(QWidget* parent)
{
    auto* v = new QChartView(new QChart, parent);
    v->setRenderHint(QPainter::Antialiasing);
    v->chart()->setAnimationOptions(QChart::NoAnimation);
    return v;
}

void resetChart(QChart* chart, const QString& title)
{
    chart->removeAllSeries();
    for (QAbstractAxis* a : chart->axes())
        chart->removeAxis(a), delete a;
    chart->setTitle(title);
}

QLabel* plainTextLabel(QWidget* parent)
{
    auto* label = new QLabel(parent);
    label->setTextFormat(Qt::PlainText);
    label->setWordWrap(true);
    return label;
}

QDoubleSpinBox* doubleSpin(double lo, double hi, int decimals, double step, QWidget* parent)
{
    auto* s = new QDoubleSpinBox(parent);
    s->setDecimals(decimals);
    s->setRange(lo, hi);
    s->setSingleStep(step);
    return s;
}

QSpinBox* intSpin(int lo, int hi, QWidget* parent)
{
    auto* s = new QSpinBox(parent);
    s->setRange(lo, hi);
    return s;
}

bool stopConfirmed(QWidget* parent, bool quiet, const QString& title, const QString& question)
{
    return quiet || QMessageBox::question(parent, title, question) == QMessageBox::Yes;
}

QTableWidget* readOnlyTable(QWidget* parent)
{
    auto* table = new QTableWidget(parent);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->verticalHeader()->hide();
    return table;
}

QHBoxLayout* labelledRow(QWidget* parent, const QList<QPair<QString, QWidget*>>& controls)
{
    auto* row = new QHBoxLayout;
    for (const auto& [label, control] : controls) {
        row->addWidget(new QLabel(label, parent));
        row->addWidget(control);
    }
    row->addStretch(1);
    return row;
}

QTableWidgetItem* tableCell(const QString& text, bool number)
{
    auto* it = new QTableWidgetItem(text);
    if (number)
        it->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return it;
}

QTableWidgetItem* numberCell(double v, int decimals)
{
    QTableWidgetItem* it = tableCell(chartNumber(v, decimals), true);
    it->setData(Qt::UserRole, v);
    return it;
}

} // namespace chorus::ui
