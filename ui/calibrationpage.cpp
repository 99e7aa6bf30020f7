// The Insights Calibration tab: the job (one at a time, a newer request cancels the running
// one), the table of scores and the reliability diagram of the selected sources.

#include "calibrationpage.h"

#include "annotatorchart.h"
#include "csvreader.h"
#include "flowlayout.h"
#include "pageparts.h"
#include "workbench.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QCursor>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace chorus::ui {

CalibrationPage::CalibrationPage(model::Workbench* workbench, QWidget* parent) : QWidget(parent), m_wb(workbench)
{
    m_binning = new QComboBox(this);
    m_binning->addItem(tr("equal-width bins"));
    m_binning->addItem(tr("equal-mass bins"));
    m_binning->setToolTip(tr("Reliability bins: ten equal confidence ranges, or ten bins holding as many items each"));
    m_job.makeControls(this, tr("Stop the calibration"));
    m_caption = plainTextLabel(this);
    m_caption->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);

    QWidget* bar = FlowLayout::bar(this, {new QLabel(tr("Reliability:"), this), m_binning, m_job.progress, m_job.cancel});

    m_diagram = newChartView(this);
    m_table = readOnlyTable(this);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setColumnCount(ColumnCount);
    m_table->setHorizontalHeaderLabels({tr("Source"), tr("Kind"), tr("Items"), tr("Accuracy"), tr("Conf."), tr("ECE"),
                                        tr("ECE mass"), tr("Brier"), tr("NLL"), tr("T"), tr("ECE after T")});
    m_table->horizontalHeaderItem(ColConfidence)->setToolTip(tr("Mean confidence (largest probability)"));
    m_table->horizontalHeaderItem(ColEceMass)->setToolTip(tr("ECE with equal-mass bins"));
    m_table->horizontalHeaderItem(ColTemperature)
        ->setToolTip(tr("Temperature fitted on the selection gold: above 1 the source was overconfident"));
    m_table->horizontalHeaderItem(ColEceAfter)
        ->setToolTip(tr("Equal-width ECE on the holdout gold after temperature scaling (before: ECE on the holdout "
                        "in the tooltip)"));

    // The user moves the line between diagram and table (a 768-px screen is short).
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_diagram);
    split->addWidget(m_table);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    split->setChildrenCollapsible(false);
    split->setSizes({600, 200});  // in proportion: the diagram gets three quarters at first
    m_table->setMinimumHeight(100);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(bar);
    layout->addWidget(m_job.status);
    layout->addWidget(m_caption);
    layout->addWidget(split, 1);

    connect(&m_job.jobWatcher(), &QFutureWatcherBase::finished, this, &CalibrationPage::finished);
    connect(m_binning, &QComboBox::currentIndexChanged, this, [this] {
        if (hasReport())
            buildDiagram();
    });
    // A ticked source is drawn.
    connect(m_table, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
        if (hasReport() && item->column() == ColSource)
            buildDiagram();
    });
    connect(m_wb, &model::Workbench::projectChanged, this, &CalibrationPage::invalidate);
}

CalibrationPage::~CalibrationPage() = default;  // m_job waits for a running job

QString CalibrationPage::statusText() const
{
    return m_job.status->text();
}

QChart* CalibrationPage::diagram() const
{
    return m_diagram->chart();
}

QWidget* CalibrationPage::currentChart() const
{
    return m_diagram;
}

void CalibrationPage::setRequest(const model::CalibrationRequest& request)
{
    m_request = request;
    invalidate();
}

void CalibrationPage::setEqualMass(bool on)
{
    m_binning->setCurrentIndex(on ? 1 : 0);
}

void CalibrationPage::invalidate()
{
    m_job.invalidate();
}

void CalibrationPage::ensureComputed()
{
    if (!m_wb->hasProject() || !m_job.wanted())
        return;
    m_job.start(tr("Scoring the methods' posteriors and the annotators' probabilities…"),
                model::calibrationAsync(m_wb->pool(), m_wb->projectPath(), m_wb->snapshot(), m_request));
}

void CalibrationPage::finished()
{
    using Outcome = ReportJob<model::CalibrationReport>::Outcome;
    const Outcome outcome = m_job.finish(tr("Nothing to calibrate: %1"));
    if (outcome == Outcome::Failed) {
        m_caption->clear();
        m_table->setRowCount(0);
        resetChart(diagram(), QString());
    }
    if (outcome != Outcome::Done)
        return;
    const model::CalibrationReport& rep = report();
    QString text = tr("Top-label calibration on %L1 gold items: a point is a bin's mean confidence and its accuracy; "
                      "below the diagonal the source is overconfident. T is fitted on %L2 selection items, the "
                      "scaled ECE is on the other %L3.")
                       .arg(rep.goldItems)
                       .arg(rep.split.selection.size())
                       .arg(rep.split.holdout.size());
    if (rep.annotatorsWithProbabilities == 0)
        text += QLatin1Char(' ') + tr("No annotator reported probabilities (LLM logprobs): only the methods are scored.");
    for (const auto& [m, why] : rep.methodErrors)
        text += QLatin1Char(' ') + tr("%1 left out: %2.").arg(m, why);
    m_caption->setText(text);
    m_job.status->setText(tr("%n source(s) scored. Tick sources in the table to compare their diagrams.", nullptr,
                         int(rep.sources.size())));
    fillTable();
    emit ready();
}

void CalibrationPage::fillTable()
{
    const QSignalBlocker block(m_table);
    const auto& sources = report().sources;
    m_table->setRowCount(static_cast<int>(sources.size()));
    for (int r = 0; r < static_cast<int>(sources.size()); ++r) {
        const model::CalibrationSource& s = sources[static_cast<size_t>(r)];
        auto* name = new QTableWidgetItem(s.name);
        name->setToolTip(s.name);
        name->setFlags(name->flags() | Qt::ItemIsUserCheckable);
        name->setCheckState(Qt::Unchecked);
        m_table->setItem(r, ColSource, name);
        m_table->setItem(r, ColKind, new QTableWidgetItem(s.kind == QLatin1String("method") ? tr("method") : tr("annotator")));
        m_table->setItem(r, ColItems, numberCell(double(s.all.items), 0));
        m_table->setItem(r, ColAccuracy, numberCell(s.all.accuracy));
        m_table->setItem(r, ColConfidence, numberCell(s.all.meanConfidence));
        m_table->setItem(r, ColEce, numberCell(s.all.eceEqualWidth));
        m_table->setItem(r, ColEceMass, numberCell(s.all.eceEqualMass));
        m_table->setItem(r, ColBrier, numberCell(s.all.brier));
        m_table->setItem(r, ColNll, numberCell(s.all.nll));
        m_table->setItem(r, ColTemperature, numberCell(s.temperature, 2));
        auto* after = numberCell(s.holdoutAfter.eceEqualWidth);
        after->setToolTip(tr("holdout ECE %1 before scaling, %2 after").arg(chartNumber(s.holdoutBefore.eceEqualWidth),
                                                                            chartNumber(s.holdoutAfter.eceEqualWidth)));
        m_table->setItem(r, ColEceAfter, after);
    }
    m_table->resizeColumnsToContents();
    m_table->setColumnWidth(ColSource, std::min(m_table->columnWidth(ColSource), 220));
    // The methods are shown at first, and the annotators too while that stays readable.
    QList<int> rows;
    for (int r = 0; r < static_cast<int>(sources.size()); ++r)
        if (sources.size() <= 8 || sources[static_cast<size_t>(r)].kind == QLatin1String("method"))
            rows << r;
    showSources(rows);
}

void CalibrationPage::showSources(const QList<int>& rows)
{
    {
        const QSignalBlocker block(m_table);
        for (int r = 0; r < m_table->rowCount(); ++r)
            if (QTableWidgetItem* it = m_table->item(r, ColSource))
                it->setCheckState(rows.contains(r) ? Qt::Checked : Qt::Unchecked);
    }
    buildDiagram();
}

void CalibrationPage::buildDiagram()
{
    QChart* chart = m_diagram->chart();
    resetChart(chart, tr("Reliability diagram (%1)").arg(m_binning->currentText()));
    const bool mass = m_binning->currentIndex() == 1;
    auto* perfect = new QLineSeries;
    perfect->setName(tr("perfectly calibrated"));
    perfect->append(0, 0);
    perfect->append(1, 1);
    QPen dashed(Qt::gray);
    dashed.setStyle(Qt::DashLine);
    perfect->setPen(dashed);
    chart->addSeries(perfect);
    QList<int> rows;
    for (int r = 0; r < m_table->rowCount(); ++r)
        if (m_table->item(r, ColSource) && m_table->item(r, ColSource)->checkState() == Qt::Checked)
            rows << r;
    for (int r : rows) {
        const model::CalibrationSource& s = report().sources[static_cast<size_t>(r)];
        const std::vector<agg::ReliabilityBin>& bins = mass ? s.all.equalMass : s.all.equalWidth;
        auto* line = new QLineSeries;
        // Legend labels are rich text; annotator names are data.
        line->setName(elideMiddle(s.name, 28).toHtmlEscaped());
        line->setPointsVisible(true);
        line->setColor(seriesColor(r));
        QList<QPointF> points;
        std::vector<agg::ReliabilityBin> shown;
        for (const agg::ReliabilityBin& b : bins)
            if (b.count > 0) {
                points << QPointF(b.meanConfidence, b.accuracy);
                shown.push_back(b);
            }
        line->replace(points);
        chart->addSeries(line);
        const QString name = s.name;
        const double ece = mass ? s.all.eceEqualMass : s.all.eceEqualWidth;
        connect(line, &QXYSeries::hovered, this, [name, shown, ece](const QPointF& p, bool on) {
            const agg::ReliabilityBin* hit = nullptr;
            for (const agg::ReliabilityBin& b : shown)
                if (!hit || std::abs(b.meanConfidence - p.x()) < std::abs(hit->meanConfidence - p.x()))
                    hit = &b;
            if (!on || !hit) {
                QToolTip::hideText();
                return;
            }
            QToolTip::showText(QCursor::pos(),
                               plainToolTip(QObject::tr("%1 (ECE %2)\nconfidence (%3, %4]: %L5 items\nmean confidence %6, "
                                                        "accuracy %7")
                                                .arg(name, chartNumber(ece))
                                                .arg(chartNumber(hit->lo, 2), chartNumber(hit->hi, 2))
                                                .arg(hit->count)
                                                .arg(chartNumber(hit->meanConfidence), chartNumber(hit->accuracy))));
        });
    }
    auto* x = new QValueAxis;
    x->setRange(0, 1);
    x->setTitleText(tr("confidence (largest probability)"));
    auto* y = new QValueAxis;
    y->setRange(0, 1);
    y->setTitleText(tr("accuracy"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    for (QAbstractSeries* s : chart->series()) {
        s->attachAxis(x);
        s->attachAxis(y);
    }
    chart->legend()->setAlignment(Qt::AlignRight);
    chart->setMargins(QMargins(4, 4, 4, 4));
}

QString CalibrationPage::csv() const
{
    QStringList lines{model::csvRow({QStringLiteral("kind"), QStringLiteral("source"), QStringLiteral("items"),
                           QStringLiteral("accuracy"), QStringLiteral("ece_equal_width"), QStringLiteral("ece_equal_mass"),
                           QStringLiteral("brier"), QStringLiteral("nll"), QStringLiteral("temperature"),
                           QStringLiteral("binning"), QStringLiteral("bin_lo"), QStringLiteral("bin_hi"),
                           QStringLiteral("bin_count"), QStringLiteral("bin_mean_confidence"),
                           QStringLiteral("bin_accuracy")})};
    for (const model::CalibrationSource& s : report().sources) {
        const QStringList head{s.kind, s.name, QString::number(s.all.items), fullNumber(s.all.accuracy),
                               fullNumber(s.all.eceEqualWidth), fullNumber(s.all.eceEqualMass), fullNumber(s.all.brier), fullNumber(s.all.nll),
                               fullNumber(s.temperature)};
        for (const bool mass : {false, true})
            for (const agg::ReliabilityBin& b : mass ? s.all.equalMass : s.all.equalWidth)
                lines << model::csvRow(head + QStringList{mass ? QStringLiteral("equal_mass") : QStringLiteral("equal_width"),
                                                fullNumber(b.lo), fullNumber(b.hi), QString::number(b.count),
                                                fullNumber(b.meanConfidence), fullNumber(b.accuracy)});
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

} // namespace chorus::ui
