#pragma once
// A layout that places its widgets left to right and starts a new row when the next one does
// not fit, so a bar of filters stays whole on a narrow screen (1366 px) instead of squeezing
// its widgets below their size hints. Items get their size hint; an item marked with
// setStretchItem() takes the rest of its row.

#include <QLayout>
#include <QList>

#include <initializer_list>

namespace chorus::ui {

class FlowLayout final : public QLayout
{
public:
    explicit FlowLayout(QWidget* parent = nullptr, int hSpacing = 6, int vSpacing = 4);
    ~FlowLayout() override;

    /// A bar of controls under `parent` that wraps onto more rows on a narrow screen instead of
    /// setting the window's minimum width: a widget holding `widgets`, in this order, in a
    /// FlowLayout without margins; `stretch` (one of them, or none) takes the rest of its row.
    static QWidget* bar(QWidget* parent, std::initializer_list<QWidget*> widgets, QWidget* stretch = nullptr);

    /// The item (by widget) that takes the free space of its row; it never gets less than its
    /// size hint.
    void setStretchWidget(QWidget* w) { m_stretch = w; }

    void addItem(QLayoutItem* item) override;
    int count() const override { return static_cast<int>(m_items.size()); }
    QLayoutItem* itemAt(int index) const override { return m_items.value(index); }
    QLayoutItem* takeAt(int index) override;
    Qt::Orientations expandingDirections() const override { return {}; }
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override { return arrange(QRect(0, 0, width, 0), false); }
    QSize minimumSize() const override;
    QSize sizeHint() const override;
    void setGeometry(const QRect& rect) override;

private:
    /// Lays the items out in rect (only measures when apply is false); returns the height used.
    int arrange(const QRect& rect, bool apply) const;

    QList<QLayoutItem*> m_items;
    QWidget* m_stretch = nullptr;
    int m_hSpacing, m_vSpacing;
};

} // namespace chorus::ui
