#pragma once
// The adjudication queue in the GUI (team review, docs/team.md): the items whose reviews
// disagree, each with every reviewer's label and name, every LLM's label and the consensus with
// its confidence side by side; the adjudicator picks a row and presses a number key to set the
// item's final label (model::adjudicateItem, on disk before the row says so). The queue is read
// on a worker (it reads every decision); a burst of changes refreshes it once.

#include "adjudication.h"
#include "jobresult.h"

#include <QFutureWatcher>
#include <QTimer>
#include <QWidget>

class QCheckBox;
class QLabel;
class QStandardItemModel;
class QTableView;

namespace chorus::model {
class Workbench;
}

namespace chorus::ui {

class AdjudicationPanel final : public QWidget
{
    Q_OBJECT

public:
    /// The reason comes last: the dock is narrow, what the adjudicator decides on comes first.
    enum Column { ColItem, ColReviews, ColConsensus, ColFinal, ColLlms, ColReason, ColumnCount };

    explicit AdjudicationPanel(model::Workbench* workbench, QWidget* parent = nullptr);

    /// Reads the queue again now, on a worker (a request while one runs is done after it).
    void refresh();
    /// Reads it again after a short delay, once for a burst of requests.
    void scheduleRefresh();
    /// Sets the final label of the selected row's item to label index `label` (the number key
    /// label + 1). Returns false (and says why in the status line) when nothing was written.
    bool adjudicateSelected(int32_t label);

    QTableView* table() const { return m_table; }
    QLabel* status() const { return m_status; }
    const QList<model::AdjudicationCase>& cases() const { return m_cases; }

signals:
    /// The adjudicator moved to the item with this snapshot index.
    void showItem(int32_t item);
    /// The queue on show was replaced (error: why it could not be read).
    void refreshed(const QString& error);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    void readFinished();
    void showCases();
    void fillRow(int row, const model::AdjudicationCase& c);

    model::Workbench* m_wb;
    bool m_again = false;
    bool m_stale = true;  ///< something changed while hidden
    QList<model::AdjudicationCase> m_cases;
    QCheckBox* m_showDone;
    QLabel* m_status;
    QTableView* m_table;
    QStandardItemModel* m_model;
    QTimer m_debounce;
    QFutureWatcher<model::JobResult<QList<model::AdjudicationCase>>> m_watcher;
};

} // namespace chorus::ui
