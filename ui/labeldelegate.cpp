#include "labeldelegate.h"

#include "itemtablemodel.h"

#include <QApplication>
#include <QPainter>

namespace chorus::ui {

using model::ItemTableModel;

void LabelDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    const int chip = index.data(ItemTableModel::ChipRole).toInt();
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString text = opt.text;
    opt.text.clear();
    QApplication::style()->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);
    if (text.isEmpty())
        return;
    QColor fill, border, fg = opt.palette.color(QPalette::Text);
    switch (chip) {
    case ItemTableModel::ChipAgrees: fill = QColor(0xd9, 0xf2, 0xdf); border = QColor(0x4c, 0xa8, 0x64); break;
    case ItemTableModel::ChipDisagrees: fill = QColor(0xfb, 0xdc, 0xd7); border = QColor(0xd0, 0x4a, 0x3a); break;
    case ItemTableModel::ChipInvalid: fill = QColor(0xe6, 0xe6, 0xe6); border = QColor(0x80, 0x80, 0x80); fg = QColor(0x60, 0x60, 0x60); break;
    default: fill = QColor(0xee, 0xf0, 0xf4); border = QColor(0xb0, 0xb6, 0xc0); break;
    }
    if (opt.state & QStyle::State_Selected)
        border = opt.palette.color(QPalette::HighlightedText);
    const QRect r = opt.rect.adjusted(3, 3, -3, -3);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(border);
    painter->setBrush(chip == ItemTableModel::ChipInvalid ? QBrush(fill, Qt::BDiagPattern) : QBrush(fill));
    painter->drawRoundedRect(QRectF(r).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6);
    painter->setPen(fg);
    QFont f = opt.font;
    if (chip == ItemTableModel::ChipInvalid)
        f.setItalic(true);
    painter->setFont(f);
    const QString elided = QFontMetrics(f).elidedText(text, Qt::ElideRight, r.width() - 8);
    painter->drawText(r.adjusted(4, 0, -4, 0), Qt::AlignVCenter | Qt::AlignLeft | Qt::TextSingleLine, elided);
    painter->restore();
}

void StatusDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const auto status = static_cast<model::ReviewStatus>(index.data(ItemTableModel::StatusRole).toInt());
    if (status == model::ReviewStatus::Flagged)
        opt.palette.setColor(QPalette::Text, QColor(0xc0, 0x6a, 0x00));
    else if (status == model::ReviewStatus::Reviewed)
        opt.palette.setColor(QPalette::Text, QColor(0x2e, 0x7d, 0x32));
    else
        opt.palette.setColor(QPalette::Text, opt.palette.color(QPalette::PlaceholderText));
    QApplication::style()->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);
}

} // namespace chorus::ui
