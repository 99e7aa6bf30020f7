#pragma once

#include "jobs.h"
#include "pairwise.h"

#include <QFutureWatcher>
#include <QWidget>

class QChartView;
class QComboBox;
class QLabel;
class QSpinBox;
class QSplitter;
class QTableWidget;
class QTabWidget;

namespace chorus::ui {

class HeatmapWidget;

/// Pairwise preferences: judges (humans or LLMs) compared two models' outputs. Ranks the
/// models with Elo or Bradley-Terry and bootstrap intervals, shows the win-rate matrix, and
/// checks every judge against the human majority, with its positional bias.
class PairwisePage final : public QWidget
{
    Q_OBJECT

public:
    explicit PairwisePage(QThreadPool* pool, QWidget* parent = nullptr);
    ~PairwisePage() override;

    /// Loads a judgments file (CSV or JSONL, see docs/pairwise.md) and computes.
    void openFile(const QString& path);
    void recompute();
    bool hasFile() const { return !m_path.isEmpty(); }

    struct Result
    {
        agg::PairwiseData data;  ///< after the judge filter
        agg::RankingResult ranking;
        std::vector<double> winRates;
        std::vector<agg::JudgeQuality> judges;  ///< on all judgments (quality needs the humans)
        std::vector<std::string> allJudges;
        /// Side by side: point ratings (same method and ties, no bootstrap) of every model
        /// (indexed like allModels) for all judges, each judge kind and each judge.
        std::vector<std::string> allModels;
        QStringList groups;
        std::vector<std::vector<double>> groupRatings;
    };
    const Result& result() const { return m_result; }
    QTabWidget* tabs() const { return m_tabs; }
    /// Chooses the judges ranked: "" all, "kind:human", "kind:llm" or "judge:NAME"; recomputes.
    void setJudgeFilter(const QString& filter);
    /// Chooses "elo" or "bt", ties "half" or "drop", and bootstrap replicates; recomputes.
    void setMethod(const QString& method, const QString& ties, int replicates);

signals:
    void ready(bool ok);

protected:
    void showEvent(QShowEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void finished();
    void fill();
    void fillRatingTable(const std::vector<size_t>& order, bool elo, int dec);
    void fillCharts(const std::vector<size_t>& order, bool elo);
    void fillJudgeTables(int dec);
    void fitTable();

    QThreadPool* m_pool;
    QString m_path;
    QLabel* m_file;
    QComboBox* m_method;
    QComboBox* m_ties;
    QComboBox* m_judge;
    QSpinBox* m_bootstrap;
    QLabel* m_status;
    QTableWidget* m_table;
    QSplitter* m_split;
    bool m_refit = false;  // new results: fitTable() sets the split
    QTabWidget* m_tabs;
    QChartView* m_ratings;
    HeatmapWidget* m_winRates;
    QChartView* m_bias;
    QTableWidget* m_judges;
    QTableWidget* m_compare;
    Result m_result;
    bool m_hasResult = false;
    QFutureWatcher<model::JobResult<Result>> m_watcher;
};

} // namespace chorus::ui
