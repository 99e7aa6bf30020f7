#include "pairwisepage.h"

#include "annotatorchart.h"
#include "flowlayout.h"

#include "heatmapwidget.h"
#include "jobsupport.h"
#include "pageparts.h"
#include "pairwiseimport.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QBoxPlotSeries>
#include <QBoxSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QCursor>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QPushButton>
#include <QSpinBox>
#include <QScrollBar>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QToolTip>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>
#include <QtConcurrent>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace chorus::ui {

PairwisePage::PairwisePage(QThreadPool* pool, QWidget* parent) : QWidget(parent), m_pool(pool)
{
    auto* open = new QPushButton(tr("Open judgments…"), this);
    m_file = new QLabel(tr("No file: open a CSV or JSONL of pairwise judgments (model_a, model_b, winner, judge, …)"), this);
    m_file->setTextFormat(Qt::PlainText);
    m_method = new QComboBox(this);
    m_method->addItem(tr("Elo"), QStringLiteral("elo"));
    m_method->addItem(tr("Bradley-Terry"), QStringLiteral("bt"));
    m_ties = new QComboBox(this);
    m_ties->addItem(tr("ties = half a win"), QStringLiteral("half"));
    m_ties->addItem(tr("ties dropped"), QStringLiteral("drop"));
    m_judge = new QComboBox(this);
    m_judge->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_bootstrap = intSpin(0, 100000, this);
    m_bootstrap->setValue(1000);
    m_bootstrap->setPrefix(tr("bootstrap "));
    m_status = new QLabel(this);
    m_status->setTextFormat(Qt::PlainText);

    m_table = readOnlyTable(this);
    // The last column takes what is left instead of running past the view's edge.
    // No stretched last column: the page sizes the table to its columns (fitTable()).
    m_tabs = new QTabWidget(this);
    m_ratings = newChartView(this);
    m_tabs->addTab(m_ratings, tr("Ratings"));
    m_winRates = new HeatmapWidget(this);
    m_winRates->setAxisTitles(tr("model"), tr("win rate against"));
    m_tabs->addTab(m_winRates, tr("Win rates"));
    m_bias = newChartView(this);
    m_tabs->addTab(m_bias, tr("Position bias"));
    m_judges = readOnlyTable(this);
    m_tabs->addTab(m_judges, tr("Judges"));
    m_compare = readOnlyTable(this);
    m_tabs->addTab(m_compare, tr("By judge"));

    // The controls wrap on a narrow screen instead of setting the window's minimum width.
    QWidget* topBar = FlowLayout::bar(this, {open, m_method, m_ties, m_judge, m_bootstrap, m_status}, m_status);
    auto* split = new QSplitter(Qt::Horizontal, this);
    m_split = split;
    split->addWidget(m_table);
    split->addWidget(m_tabs);
    // When the page widens or narrows (docks, window), the charts take the change: the table
    // keeps the width fitTable() gave it.
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(topBar);
    layout->addWidget(m_file);
    layout->addWidget(split, 1);

    connect(&m_watcher, &QFutureWatcherBase::finished, this, &PairwisePage::finished);
    connect(open, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Open pairwise judgments"), QString(),
                                                       tr("Judgments (*.csv *.jsonl *.json);;All files (*)"));
        if (!f.isEmpty())
            openFile(f);
    });
    for (QComboBox* c : {m_method, m_ties, m_judge})
        connect(c, &QComboBox::activated, this, &PairwisePage::recompute);
    connect(m_bootstrap, &QSpinBox::editingFinished, this, &PairwisePage::recompute);
}

PairwisePage::~PairwisePage()
{
    m_watcher.cancel();
    m_watcher.waitForFinished();
}

void PairwisePage::setJudgeFilter(const QString& filter)
{
    const int i = m_judge->findData(filter);
    if (i >= 0)
        m_judge->setCurrentIndex(i);
    recompute();
}

void PairwisePage::setMethod(const QString& method, const QString& ties, int replicates)
{
    m_method->setCurrentIndex(std::max(0, m_method->findData(method)));
    m_ties->setCurrentIndex(std::max(0, m_ties->findData(ties)));
    m_bootstrap->setValue(replicates);
    recompute();
}

void PairwisePage::openFile(const QString& path)
{
    m_path = path;
    m_judge->clear();
    m_file->setText(QFileInfo(path).fileName());
    recompute();
}

void PairwisePage::recompute()
{
    if (m_path.isEmpty())
        return;
    m_watcher.cancel();
    m_status->setText(tr("Computing…"));
    const QString path = m_path;
    const bool elo = m_method->currentData().toString() == QLatin1String("elo");
    const agg::TiePolicy ties = m_ties->currentData().toString() == QLatin1String("drop") ? agg::TiePolicy::Drop
                                                                                         : agg::TiePolicy::Half;
    const QString judge = m_judge->currentData().toString();
    const int replicates = m_bootstrap->value();
    m_watcher.setFuture(QtConcurrent::run(m_pool, [=](QPromise<model::JobResult<Result>>& promise) {
        model::detail::guarded(promise, [&] {
            Result out;
            const agg::RunHooks hooks = model::detail::hooksOf(promise);
            const agg::PairwiseData all = model::readPairwiseFile(path);
            out.allJudges = all.judges;
            agg::PairwiseData data = all;
            if (judge == QLatin1String("kind:human"))
                data = agg::filterByJudgeKind(all, agg::JudgeKind::Human);
            else if (judge == QLatin1String("kind:llm"))
                data = agg::filterByJudgeKind(all, agg::JudgeKind::Llm);
            else if (judge.startsWith(QLatin1String("judge:"))) {
                const std::string name = judge.mid(6).toStdString();
                data = agg::filterJudgments(all, [&](const agg::Judgment& j) { return all.judges[j.judge] == name; });
            }
            agg::BootstrapOptions boot;
            boot.replicates = replicates;
            if (elo) {
                agg::EloOptions o;
                o.ties = ties;
                out.ranking = agg::rankElo(data, o, boot, agg::Resampling::WithReplacement, hooks);
            } else {
                agg::BradleyTerryOptions o;
                o.ties = ties;
                out.ranking = agg::rankBradleyTerry(data, o, boot, hooks);
            }
            out.winRates = agg::winRateMatrix(data);
            // The same ranking per judge group, side by side (point estimates only).
            out.allModels = all.models;
            auto rateGroup = [&](const QString& name, const agg::PairwiseData& g) {
                agg::BootstrapOptions none;
                none.replicates = 0;
                std::vector<double> ratings(all.models.size(), std::nan(""));
                if (g.judgments.empty())
                    return;
                agg::RankingResult rr;
                if (elo) {
                    agg::EloOptions o;
                    o.ties = ties;
                    rr = agg::rankElo(g, o, none, agg::Resampling::WithReplacement, hooks);
                } else {
                    agg::BradleyTerryOptions o;
                    o.ties = ties;
                    rr = agg::rankBradleyTerry(g, o, none, hooks);
                }
                for (size_t m = 0; m < g.models.size(); ++m) {
                    const auto it = std::find(all.models.begin(), all.models.end(), g.models[m]);
                    if (it != all.models.end())
                        ratings[static_cast<size_t>(it - all.models.begin())] = rr.models[m].rating;
                }
                out.groups << name;
                out.groupRatings.push_back(std::move(ratings));
            };
            rateGroup(QObject::tr("all judges"), all);
            rateGroup(QObject::tr("humans"), agg::filterByJudgeKind(all, agg::JudgeKind::Human));
            rateGroup(QObject::tr("LLMs"), agg::filterByJudgeKind(all, agg::JudgeKind::Llm));
            for (size_t j = 0; j < all.judges.size(); ++j)
                rateGroup(QString::fromStdString(all.judges[j]),
                          agg::filterJudgments(all, [&](const agg::Judgment& x) { return x.judge == int32_t(j); }));
            out.judges = agg::judgeQuality(all, {}, hooks);
            out.data = std::move(data);
            return out;
        });
    }));
}

void PairwisePage::finished()
{
    if (m_watcher.future().resultCount() == 0)
        return;
    auto r = m_watcher.result();
    if (!r.ok()) {
        m_status->setText(r.canceled ? tr("Canceled") : tr("Failed: %1").arg(r.error));
        emit ready(false);
        return;
    }
    m_result = std::move(r.value);
    m_hasResult = true;
    if (m_judge->count() == 0) {
        const QSignalBlocker block(m_judge);
        m_judge->addItem(tr("all judges"), QString());
        m_judge->addItem(tr("human judges"), QStringLiteral("kind:human"));
        m_judge->addItem(tr("LLM judges"), QStringLiteral("kind:llm"));
        for (const auto& j : m_result.allJudges)
            m_judge->addItem(QString::fromStdString(j), QStringLiteral("judge:") + QString::fromStdString(j));
    }
    fill();
    m_status->setText(tr("%L1 judgments, %2 models, %3 bootstrap replicates")
                          .arg(m_result.data.judgments.size())
                          .arg(m_result.data.models.size())
                          .arg(m_result.ranking.replicates));
    emit ready(true);
}

void PairwisePage::fitTable()
{
    // The table gets the width its columns need (its last one was cut off at half the page),
    // at most two thirds of the page; the charts get the rest (model names were cut on the
    // ratings axis while a stretched last column took the room).
    const int need = m_table->horizontalHeader()->length() + 2 * m_table->frameWidth() + 2  // +2: rounding
                     + (m_table->verticalScrollBar()->isVisible() ? m_table->verticalScrollBar()->width() : 0);
    const QList<int> sizes = m_split->sizes();
    const int total = sizes.value(0) + sizes.value(1);
    if (total <= 0 || !isVisible())
        return;  // a hidden page's split is not the one shown: fitted when shown (showEvent)
    const int table = std::min(need, total * 2 / 3);
    // New results set the split; later (the page shown again) it only grows the table, so a
    // split the user dragged stays.
    if (sizes.value(0) < table || (m_refit && sizes.value(0) != table))
        m_split->setSizes({table, total - table});
    m_refit = false;
}

void PairwisePage::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    QTimer::singleShot(0, this, &PairwisePage::fitTable);
}

void PairwisePage::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    // A page that was narrow (docks, a small window) gave the table less than it needs; once
    // wider, the table gets it back.
    QTimer::singleShot(0, this, &PairwisePage::fitTable);
}

void PairwisePage::fill()
{
    const auto& rated = m_result.ranking.models;
    // The primary rating is the bootstrap median, which the chart's boxes show: the point
    // estimate (one pass over the judgments in file order, for Elo) can order two close models
    // the other way and even fall outside its own interval. Without a bootstrap it is the point
    // estimate.
    auto primary = [&](size_t m) { return std::isfinite(rated[m].median) ? rated[m].median : rated[m].rating; };
    std::vector<size_t> order(rated.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return primary(a) > primary(b); });
    const bool elo = m_method->currentData().toString() == QLatin1String("elo");
    const int dec = elo ? 1 : 4;

    fillRatingTable(order, elo, dec);
    fillCharts(order, elo);
    fillJudgeTables(dec);
}

// The ratings table, best first by the primary rating, sized to its columns.
void PairwisePage::fillRatingTable(const std::vector<size_t>& order, bool elo, int dec)
{
    const auto& models = m_result.data.models;
    const auto& rated = m_result.ranking.models;
    auto primary = [&](size_t m) { return std::isfinite(rated[m].median) ? rated[m].median : rated[m].rating; };
    m_table->clear();
    m_table->setColumnCount(9);
    m_table->setHorizontalHeaderLabels({tr("Model"), tr("Rating"), tr("Low"), tr("High"), tr("Point estimate"),
                                        tr("Wins"), tr("Losses"), tr("Ties"), tr("Win rate")});
    const QString ratingTip =
        tr("Median of the bootstrap replicates (what the chart shows), with its 95% interval in Low and High. "
           "Without a bootstrap: the point estimate.");
    const QString pointTip =
        elo ? tr("Elo run once over the judgments in file order. Elo depends on that order, so this single pass can "
                 "rank two close models the other way than the median and even fall outside the interval.")
            : tr("Bradley-Terry fit on all judgments. The median of the resampled fits can differ from it a little.");
    m_table->horizontalHeaderItem(1)->setToolTip(ratingTip);
    m_table->horizontalHeaderItem(2)->setToolTip(ratingTip);
    m_table->horizontalHeaderItem(3)->setToolTip(ratingTip);
    m_table->horizontalHeaderItem(4)->setToolTip(pointTip);
    m_table->setRowCount(static_cast<int>(order.size()));
    for (int r = 0; r < static_cast<int>(order.size()); ++r) {
        const auto& m = rated[order[r]];
        m_table->setItem(r, 0, tableCell(QString::fromStdString(models[order[r]]), false));
        m_table->setItem(r, 1, tableCell(chartNumber(primary(order[r]), dec), true));
        m_table->setItem(r, 2, tableCell(chartNumber(m.lo, dec), true));
        m_table->setItem(r, 3, tableCell(chartNumber(m.hi, dec), true));
        QTableWidgetItem* point = tableCell(chartNumber(m.rating, dec), true);
        point->setToolTip(pointTip);
        m_table->setItem(r, 4, point);
        m_table->setItem(r, 5, tableCell(QString::number(m.record.wins), true));
        m_table->setItem(r, 6, tableCell(QString::number(m.record.losses), true));
        m_table->setItem(r, 7, tableCell(QString::number(m.record.ties), true));
        m_table->setItem(r, 8, tableCell(chartNumber(m.record.winRate, 3), true));
    }
    m_table->resizeColumnsToContents();
    m_refit = true;
    fitTable();
    // Again once the header has its final section sizes (sort indicators, fonts) and the page
    // its final width (the review's docks step aside on this page).
    QTimer::singleShot(0, this, &PairwisePage::fitTable);

}

// The ratings with their intervals, the win-rate heat map and the position-bias bars.
void PairwisePage::fillCharts(const std::vector<size_t>& order, bool elo)
{
    const auto& models = m_result.data.models;
    const auto& rated = m_result.ranking.models;
    // Ratings with their bootstrap intervals: a box from lo to hi around the median.
    QChart* chart = m_ratings->chart();
    resetChart(chart, elo ? tr("Elo ratings with 95% bootstrap intervals") : tr("Bradley-Terry strengths with 95% bootstrap intervals"));
    auto* box = new QBoxPlotSeries;
    QStringList cats;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k : order) {
        const auto& m = rated[k];
        const double med = std::isfinite(m.median) ? m.median : m.rating;
        const double l = std::isfinite(m.lo) ? m.lo : med, h = std::isfinite(m.hi) ? m.hi : med;
        auto* set = new QBoxSet(l, med, med, med, h, QString::fromStdString(models[k]));
        box->append(set);
        cats << QString::fromStdString(models[k]).toHtmlEscaped();  // QtCharts reads labels as rich text
        set->setProperty("tip", tr("%1\nrating %2 (bootstrap median), 95% interval [%3, %4]")
                                    .arg(QString::fromStdString(models[k]))
                                    .arg(med, 0, 'f', 1)
                                    .arg(l, 0, 'f', 1)
                                    .arg(h, 0, 'f', 1));
        lo = std::min(lo, l);
        hi = std::max(hi, h);
    }
    chart->addSeries(box);
    auto* x = new QBarCategoryAxis;
    x->append(cats);
    x->setLabelsAngle(cats.size() > 6 ? -30 : 0);
    connect(box, &QBoxPlotSeries::hovered, this, [](bool on, QBoxSet* set) {
        if (on)
            QToolTip::showText(QCursor::pos(), plainToolTip(set->property("tip").toString()));
    });
    auto* y = new QValueAxis;
    const double pad = std::max(1e-6, (hi - lo) * 0.1);
    y->setRange(lo - pad, hi + pad);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    box->attachAxis(x);
    box->attachAxis(y);
    chart->legend()->hide();

    QStringList names;
    for (const auto& m : models)
        names << QString::fromStdString(m);
    m_winRates->setData(names, names, m_result.winRates, 0, 1, 2);

    // Position bias: share of decided judgments won by the output shown first, per judge.
    QChart* bias = m_bias->chart();
    resetChart(bias, tr("How often the first-shown output wins, per judge (50% = no positional bias; exact binomial "
                        "p-values in the Judges tab)"));
    auto* set = new QBarSet(tr("first shown wins"));
    QStringList judges;
    for (const auto& q : m_result.judges) {
        *set << (std::isfinite(q.positional.rate) ? q.positional.rate : 0.0);
        judges << QString::fromStdString(m_result.allJudges[q.judge]).toHtmlEscaped();  // p-values: Judges tab
    }
    auto* bars = new QBarSeries;
    bars->append(set);
    bias->addSeries(bars);
    auto* bx = new QBarCategoryAxis;
    bx->append(judges);
    bx->setLabelsAngle(judges.size() > 4 ? -30 : 0);
    auto* by = new QValueAxis;
    by->setRange(0, 1);
    bias->addAxis(bx, Qt::AlignBottom);
    bias->addAxis(by, Qt::AlignLeft);
    bars->attachAxis(bx);
    bars->attachAxis(by);
    bias->legend()->hide();

}

// Per judge (agreement with the human majority, position bias) and ratings by judge group.
void PairwisePage::fillJudgeTables(int dec)
{
    m_judges->clear();
    m_judges->setColumnCount(8);
    m_judges->setHorizontalHeaderLabels({tr("Judge"), tr("Kind"), tr("Judgments"), tr("Compared with human majority"),
                                         tr("Agreement"), tr("Cohen's kappa"), tr("First shown wins"), tr("p (binomial)")});
    m_judges->setRowCount(static_cast<int>(m_result.judges.size()));
    for (int r = 0; r < static_cast<int>(m_result.judges.size()); ++r) {
        const auto& q = m_result.judges[r];
        m_judges->setItem(r, 0, tableCell(QString::fromStdString(m_result.allJudges[q.judge]), false));
        m_judges->setItem(r, 1, tableCell(q.kind == agg::JudgeKind::Human ? tr("human") : tr("LLM"), false));
        m_judges->setItem(r, 2, tableCell(QString::number(q.judgments), true));
        m_judges->setItem(r, 3, tableCell(QString::number(q.compared), true));
        m_judges->setItem(r, 4, tableCell(chartNumber(q.accuracy, 3), true));
        m_judges->setItem(r, 5, tableCell(q.kappa.isNull() ? QStringLiteral("–") : chartNumber(q.kappa.value, 3), true));
        m_judges->setItem(r, 6, tableCell(chartNumber(q.positional.rate, 3), true));
        m_judges->setItem(r, 7, tableCell(chartNumber(q.positional.pValue, 4), true));
    }
    m_judges->resizeColumnsToContents();

    m_compare->clear();
    m_compare->setColumnCount(static_cast<int>(m_result.groups.size()) + 1);
    m_compare->setHorizontalHeaderLabels(QStringList{tr("Model")} + m_result.groups);
    m_compare->setRowCount(static_cast<int>(m_result.allModels.size()));
    for (int r = 0; r < static_cast<int>(m_result.allModels.size()); ++r) {
        m_compare->setItem(r, 0, tableCell(QString::fromStdString(m_result.allModels[r]), false));
        for (int g = 0; g < static_cast<int>(m_result.groups.size()); ++g)
            m_compare->setItem(r, g + 1, tableCell(chartNumber(m_result.groupRatings[g][r], dec), true));
    }
    m_compare->resizeColumnsToContents();
}

} // namespace chorus::ui
