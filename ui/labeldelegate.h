#pragma once

#include <QStyledItemDelegate>

namespace chorus::ui {

/// Draws annotator labels as coloured chips: green when the label agrees with the item's
/// consensus (or human label), red when it disagrees, grey striped for INVALID. Text is drawn
/// as plain text, never interpreted.
class LabelDelegate final : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

/// Colours of the review status column.
class StatusDelegate final : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

} // namespace chorus::ui
