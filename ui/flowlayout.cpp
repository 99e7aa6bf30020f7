#include "flowlayout.h"

#include <QWidget>

#include <algorithm>

namespace chorus::ui {

QWidget* FlowLayout::bar(QWidget* parent, std::initializer_list<QWidget*> widgets, QWidget* stretch)
{
    auto* bar = new QWidget(parent);
    auto* layout = new FlowLayout(bar);
    layout->setContentsMargins(0, 0, 0, 0);
    for (QWidget* w : widgets)
        layout->addWidget(w);
    layout->setStretchWidget(stretch);
    return bar;
}

FlowLayout::FlowLayout(QWidget* parent, int hSpacing, int vSpacing)
    : QLayout(parent), m_hSpacing(hSpacing), m_vSpacing(vSpacing)
{
}

FlowLayout::~FlowLayout()
{
    while (QLayoutItem* item = takeAt(0))
        delete item;
}

void FlowLayout::addItem(QLayoutItem* item)
{
    m_items.append(item);
}

QLayoutItem* FlowLayout::takeAt(int index)
{
    if (index < 0 || index >= m_items.size())
        return nullptr;
    return m_items.takeAt(index);
}

// The widest single item: the layout can always show each item at its size hint on a row of
// its own, so nothing ever needs more width than that.
QSize FlowLayout::minimumSize() const
{
    QSize s;
    for (const QLayoutItem* item : m_items)
        if (!item->isEmpty())
            s = s.expandedTo(item->sizeHint());
    const QMargins m = contentsMargins();
    return s + QSize(m.left() + m.right(), m.top() + m.bottom());
}

// Everything on one row.
QSize FlowLayout::sizeHint() const
{
    int width = 0, height = 0, n = 0;
    for (const QLayoutItem* item : m_items) {
        if (item->isEmpty())
            continue;
        width += item->sizeHint().width() + (n++ > 0 ? m_hSpacing : 0);
        height = std::max(height, item->sizeHint().height());
    }
    const QMargins m = contentsMargins();
    return {width + m.left() + m.right(), height + m.top() + m.bottom()};
}

void FlowLayout::setGeometry(const QRect& rect)
{
    QLayout::setGeometry(rect);
    arrange(rect, true);
}

int FlowLayout::arrange(const QRect& rect, bool apply) const
{
    const QRect area = rect.marginsRemoved(contentsMargins());
    // Rows first (which items go on which row), then place each row.
    QList<QList<QLayoutItem*>> rows(1);
    int x = 0;
    for (QLayoutItem* item : m_items) {
        if (item->isEmpty())
            continue;
        const int w = item->sizeHint().width();
        if (!rows.last().isEmpty() && x + m_hSpacing + w > area.width()) {
            rows.append(QList<QLayoutItem*>());
            x = 0;
        }
        x += (rows.last().isEmpty() ? 0 : m_hSpacing) + w;
        rows.last().append(item);
    }
    int y = area.top();
    for (const QList<QLayoutItem*>& row : rows) {
        if (row.isEmpty())
            continue;
        int used = 0, height = 0;
        for (QLayoutItem* item : row) {
            used += item->sizeHint().width();
            height = std::max(height, item->sizeHint().height());
        }
        used += m_hSpacing * (static_cast<int>(row.size()) - 1);
        const int extra = std::max(0, area.width() - used);
        int left = area.left();
        for (QLayoutItem* item : row) {
            int w = item->sizeHint().width();
            if (m_stretch && item->widget() == m_stretch)
                w += extra;
            if (apply) {
                const int h = std::min(height, std::max(item->sizeHint().height(), item->minimumSize().height()));
                item->setGeometry(QRect(left, y + (height - h) / 2, w, h));
            }
            left += w + m_hSpacing;
        }
        y += height + m_vSpacing;
    }
    const QMargins m = contentsMargins();
    return std::max(0, y - m_vSpacing - area.top()) + m.top() + m.bottom();
}

} // namespace chorus::ui
