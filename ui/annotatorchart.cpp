#include "annotatorchart.h"

#include "pageparts.h"

#include <QBarSet>
#include <QChartView>
#include <QCoreApplication>
#include <QCursor>
#include <QHBoxLayout>
#include <QHash>
#include <QLabel>
#include <QScrollArea>
#include <QSpinBox>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace chorus::ui {

namespace {
const char* const kToolTipsProperty = "chorusBarToolTips";
const QChar kEllipsis(0x2026);

QString tr(const char* text, int n = -1)
{
    return QCoreApplication::translate("chorus::ui::AnnotatorChart", text, nullptr, n);
}
} // namespace

QString elideMiddle(const QString& name, int keep)
{
    if (name.size() <= keep)
        return name;
    keep = std::max(keep, 2);
    const int head = std::max(1, keep * 2 / 5);
    return name.left(head) + kEllipsis + name.right(keep - head);
}

QStringList distinctElided(const QStringList& names, const std::function<int(const QString&)>& width, int maxWidth)
{
    const int n = static_cast<int>(names.size());
    std::vector<int> keep(n);
    QStringList out;
    for (int i = 0; i < n; ++i) {
        int k = static_cast<int>(names[i].size());
        while (k > 1 && width(elideMiddle(names[i], k)) > maxWidth)
            --k;
        keep[i] = k;
        out << elideMiddle(names[i], k);
    }
    // Colliding labels are cut less, one character per round, until they differ or are whole.
    for (bool grew = true; grew;) {
        grew = false;
        QHash<QString, int> seen;
        for (const QString& s : out)
            ++seen[s];
        for (int i = 0; i < n; ++i)
            if (seen.value(out[i]) > 1 && keep[i] < names[i].size()) {
                out[i] = elideMiddle(names[i], ++keep[i]);
                grew = true;
            }
    }
    // Only equal names can still collide.
    QHash<QString, int> count;
    for (QString& s : out)
        if (const int k = ++count[s]; k > 1)
            s += QStringLiteral(" #%1").arg(k);
    return out;
}

QStringList distinctShortNames(const QStringList& names, int maxChars)
{
    return distinctElided(names, [](const QString& s) { return static_cast<int>(s.size()); }, maxChars);
}

QString AnnotatorSelection::caption(const QString& measureName) const
{
    if (!cut)
        return tr("all %1 annotators, highest %2 first").arg(total).arg(measureName);
    QString text = tr("top %1 and bottom %1 of %2 by %3").arg(limit).arg(total).arg(measureName);
    if (unranked > 0)
        text += tr(" (%n without a value not ranked)", unranked);
    return text;
}

AnnotatorSelection selectTopBottom(const std::vector<double>& measure, int n)
{
    AnnotatorSelection s;
    s.total = static_cast<int>(measure.size());
    s.limit = std::max(0, n);
    std::vector<int> ranked, unranked;
    for (int i = 0; i < s.total; ++i)
        (std::isfinite(measure[i]) ? ranked : unranked).push_back(i);
    std::stable_sort(ranked.begin(), ranked.end(), [&](int a, int b) { return measure[a] > measure[b]; });
    if (s.limit == 0 || static_cast<int>(ranked.size()) <= 2 * s.limit) {
        s.shown = ranked;
        s.shown.insert(s.shown.end(), unranked.begin(), unranked.end());
        return s;
    }
    s.cut = true;
    s.unranked = static_cast<int>(unranked.size());
    s.shown.assign(ranked.begin(), ranked.begin() + s.limit);
    s.shown.insert(s.shown.end(), ranked.end() - s.limit, ranked.end());
    return s;
}

std::vector<double> distanceFromPooledMix(const std::vector<int64_t>& counts, int rows, int cols)
{
    std::vector<double> pooled(cols, 0.0);
    double all = 0;
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
            pooled[c] += double(counts[static_cast<size_t>(r) * cols + c]);
            all += double(counts[static_cast<size_t>(r) * cols + c]);
        }
    std::vector<double> out(rows, std::nan(""));
    for (int r = 0; r < rows; ++r) {
        const auto* row = counts.data() + static_cast<size_t>(r) * cols;
        const double total = std::accumulate(row, row + cols, 0.0);
        if (total <= 0 || all <= 0)
            continue;
        double d = 0;
        for (int c = 0; c < cols; ++c)
            d += std::abs(double(row[c]) / total - pooled[c] / all);
        out[r] = 0.5 * d;
    }
    return out;
}

std::vector<double> pairwiseKappa(const model::DashboardData& data)
{
    const int A = static_cast<int>(data.annotators.size());
    std::vector<double> kappa(static_cast<size_t>(A) * A, std::nan(""));
    for (int a = 0; a < A; ++a)
        kappa[static_cast<size_t>(a) * A + a] = 1.0;
    for (const auto& p : data.agreement.agreement.cohenPairs)
        if (!p.kappa.isNull() && p.a < A && p.b < A) {
            kappa[static_cast<size_t>(p.a) * A + p.b] = p.kappa.value;
            kappa[static_cast<size_t>(p.b) * A + p.a] = p.kappa.value;
        }
    return kappa;
}

std::vector<double> meanOffDiagonal(const std::vector<double>& matrix, int n)
{
    std::vector<double> out(n, std::nan(""));
    for (int r = 0; r < n; ++r) {
        double sum = 0;
        int count = 0;
        for (int c = 0; c < n; ++c)
            if (const double v = matrix[static_cast<size_t>(r) * n + c]; c != r && std::isfinite(v))
                sum += v, ++count;
        if (count > 0)
            out[r] = sum / count;
    }
    return out;
}

std::vector<double> subMatrix(const std::vector<double>& matrix, int n, const std::vector<int>& keep)
{
    std::vector<double> out;
    out.reserve(keep.size() * keep.size());
    for (int r : keep)
        for (int c : keep)
            out.push_back(matrix[static_cast<size_t>(r) * n + c]);
    return out;
}

QColor seriesColor(int k)
{
    static const QRgb colors[] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                  0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};
    return QColor::fromRgb(colors[(k % 10 + 10) % 10]);
}

QString chartNumber(double v, int decimals)
{
    return std::isfinite(v) ? QString::number(v, 'f', decimals) : QStringLiteral("–");
}

QString fullNumber(double v)
{
    return std::isfinite(v) ? QString::number(v, 'g', 10) : QString();
}

QString coefText(const agg::Coefficient& c)
{
    return c.isNull() ? QStringLiteral("n/a") : chartNumber(c.value);
}

QString intervalText(const agg::Interval& i)
{
    return i.defined() ? QStringLiteral(" [%1, %2]").arg(chartNumber(i.lo), chartNumber(i.hi)) : QString();
}

QString plainToolTip(const QString& text)
{
    return QStringLiteral("<p style='white-space:pre'>") + text.toHtmlEscaped().replace(QLatin1Char('\n'), QStringLiteral("<br>"))
           + QStringLiteral("</p>");
}

void setBarToolTips(QBarSet* set, const QStringList& texts)
{
    set->setProperty(kToolTipsProperty, texts);
    QObject::connect(set, &QBarSet::hovered, set, [set](bool on, int index) {
        const QString text = barToolTip(set, index);
        if (on && !text.isEmpty())
            QToolTip::showText(QCursor::pos(), plainToolTip(text));
        else
            QToolTip::hideText();
    });
}

QString barToolTip(const QBarSet* set, int index)
{
    return set->property(kToolTipsProperty).toStringList().value(index);
}

AnnotatorLimit::AnnotatorLimit(QObject* parent) : QObject(parent) {}

void AnnotatorLimit::setValue(int n)
{
    n = std::max(0, n);
    if (n == m_value)
        return;
    m_value = n;
    for (QSpinBox* box : std::as_const(m_boxes)) {
        const QSignalBlocker block(box);
        box->setValue(n);
    }
    emit valueChanged(n);
}

QWidget* AnnotatorLimit::createPage(QWidget* content, QLabel** caption, QWidget* parent)
{
    auto* page = new QWidget(parent);
    auto* box = intSpin(0, 9999, page);
    box->setObjectName(QStringLiteral("annotatorLimit"));
    box->setSpecialValueText(tr("all annotators"));
    box->setPrefix(tr("top & bottom "));
    box->setValue(m_value);
    box->setAccelerated(true);
    box->setToolTip(tr("Show the N annotators with the highest and the N with the lowest value of the chart's "
                       "measure; 0 shows all"));
    connect(box, &QSpinBox::valueChanged, this, &AnnotatorLimit::setValue);
    connect(box, &QObject::destroyed, this, [this, box] { m_boxes.removeOne(box); });
    m_boxes << box;
    auto* label = new QLabel(page);
    label->setObjectName(QStringLiteral("chartCaption"));
    label->setTextFormat(Qt::PlainText);
    label->setWordWrap(true);
    auto* row = new QHBoxLayout;
    row->addWidget(label, 1);
    row->addWidget(box, 0, Qt::AlignTop);
    auto* layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(row);
    content->setParent(page);
    layout->addWidget(content, 1);
    *caption = label;
    return page;
}

QScrollArea* scrollableChart(QChartView* view, QWidget* parent)
{
    auto* area = new QScrollArea(parent);
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    area->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    area->setWidget(view);
    return area;
}

void fitChartRows(QChartView* view, int rows, int barsPerRow)
{
    // Title, legend, value axis and margins take about 170 px. QtCharts draws a category label
    // only when the category's height holds the label's text box plus padding (about a line and
    // 14 px; less and it shows "..."), so a category gets that or 7 px per bar, whichever is more.
    const int line = view->fontMetrics().height() + 14;
    view->setMinimumHeight(170 + rows * std::max(line, 7 * std::max(1, barsPerRow)));
}

} // namespace chorus::ui
