#pragma once

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QTreeWidget;

namespace chorus::model {
class Workbench;
}

namespace chorus::ui {

/// Details of the current item: full text (plain, selectable), metadata, every annotator's
/// label with its probability, the consensus posterior, the human judgment distribution and
/// the decision history.
class ItemPanel final : public QWidget
{
    Q_OBJECT

public:
    explicit ItemPanel(model::Workbench* workbench, QWidget* parent = nullptr);

    void showItem(int32_t item);  ///< -1 clears
    int32_t item() const { return m_item; }
    void setGoldVisible(bool visible);
    void refresh() { showItem(m_item); }
    /// The state line as shown (status, consensus, tie, human label, gold, note).
    QString stateText() const;

private:
    void fillAnnotators(int32_t item, int32_t reference);
    void fillPosterior(int32_t item);

    model::Workbench* m_wb;
    int32_t m_item = -1;
    bool m_goldVisible = true;
    QLabel* m_title;
    QLabel* m_state;
    QLabel* m_keys;
    QPlainTextEdit* m_text;
    QPlainTextEdit* m_meta;
    QTreeWidget* m_annotators;
    QTreeWidget* m_posterior;
    QTreeWidget* m_history;
};

} // namespace chorus::ui
