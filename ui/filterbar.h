#pragma once

#include "itemfilter.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QTimer;

namespace chorus::model {
struct Snapshot;
}

namespace chorus::ui {

/// Filter controls above the review table. Emits filterChanged (debounced for typing).
class FilterBar final : public QWidget
{
    Q_OBJECT

public:
    explicit FilterBar(QWidget* parent = nullptr);

    /// Fills the annotator/label choices from a project.
    void setProject(const model::Snapshot* snapshot);
    model::ItemFilter filter() const;
    void focusSearch();
    void clear();
    /// Restricts the table to a set of items (from a chart click); shown as a removable chip.
    void setOnlyItems(std::vector<int32_t> items, const QString& description, bool keepOrder = false);
    void setCounts(int shown, int total);
    void setDisagreementsOnly(bool on);
    void setTiedOnly(bool on);  ///< the "Tied" box: consensus tied between labels
    void setUnreviewedOnly(bool on);
    void setSearchText(const QString& text);

signals:
    void filterChanged();

private:
    void updateAnnotatorLabels();

    QLineEdit* m_search;
    QCheckBox* m_disagree;
    QCheckBox* m_unreviewed;
    QCheckBox* m_flagged;
    QCheckBox* m_goldDiffers;
    QCheckBox* m_tied;
    QComboBox* m_annotator;
    QComboBox* m_annotatorLabel;
    QDoubleSpinBox* m_minEntropy;
    QDoubleSpinBox* m_maxConfidence;
    QLabel* m_only;
    QLabel* m_count;
    QTimer* m_debounce;
    std::vector<int32_t> m_onlyItems;
    bool m_keepOrder = false;
    const model::Snapshot* m_snapshot = nullptr;
};

} // namespace chorus::ui
