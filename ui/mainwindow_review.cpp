// The keyboard-first review actions of MainWindow.

#include "mainwindow.h"

#include "filterbar.h"
#include "itempanel.h"
#include "workbench.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QInputDialog>
#include <QLabel>
#include <QPlainTextEdit>
#include <QKeyEvent>
#include <QVBoxLayout>
#include <QItemSelectionModel>
#include <QStatusBar>
#include <QTableView>

#include <algorithm>

namespace chorus::ui {

int32_t MainWindow::currentItem() const
{
    const QModelIndex i = m_table->currentIndex();
    return i.isValid() ? m_wb->tableModel()->itemAt(i.row()) : -1;
}

void MainWindow::selectItem(int32_t item)
{
    const int row = m_wb->tableModel()->rowOf(item);
    if (row < 0)
        return;
    const int col = std::max(0, m_table->currentIndex().column());
    const QModelIndex idx = m_table->model()->index(row, col);
    m_table->selectionModel()->setCurrentIndex(idx, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(idx);
}

std::vector<int32_t> MainWindow::selectedItems() const
{
    std::vector<int32_t> items;
    for (const QModelIndex& i : m_table->selectionModel()->selectedRows())
        items.push_back(m_wb->tableModel()->itemAt(i.row()));
    if (items.empty() && currentItem() >= 0)
        items.push_back(currentItem());
    std::sort(items.begin(), items.end());
    return items;
}

void MainWindow::advance()
{
    if (m_autoAdvance->isChecked() && m_table->selectionModel()->selectedRows().size() <= 1)
        move(1);
}

void MainWindow::labelKey(int32_t label)
{
    if (!m_wb->hasProject() || label >= m_wb->snapshot().numLabels())
        return;
    const auto items = selectedItems();
    if (!items.empty() && m_wb->setHumanLabel(items, label))
        advance();
}

void MainWindow::pickLabel()
{
    if (!m_wb->hasProject() || currentItem() < 0)
        return;
    // Start on the item's human label, else its consensus: the likely answer is one Enter away.
    const int32_t item = currentItem();
    const int32_t human = m_wb->stateOf(item).label;
    const int32_t start = human >= 0 ? human : std::max(0, m_wb->consensusOf(item));
    bool ok = false;
    const QString label = QInputDialog::getItem(this, tr("Set label"), tr("Human label:"), m_wb->snapshot().labels,
                                                start, false, &ok);
    if (ok)
        labelKey(static_cast<int32_t>(m_wb->snapshot().labels.indexOf(label)));
}

void MainWindow::acceptConsensus()
{
    const auto items = selectedItems();
    if (items.empty())
        return;
    if (m_wb->acceptConsensus(items))
        advance();
    else if (items.size() == 1 && m_wb->consensusOf(items[0]) < 0)
        statusBar()->showMessage(tr("This item has no consensus label to accept."), 5000);
}

void MainWindow::toggleFlag()
{
    const auto items = selectedItems();
    if (items.empty())
        return;
    const bool allFlagged = std::all_of(items.begin(), items.end(), [this](int32_t i) {
        return m_wb->stateOf(i).status == model::ReviewStatus::Flagged;
    });
    m_wb->setFlagged(items, !allFlagged);
}

namespace {

// Accepts its parent dialog on Ctrl+Enter in the watched widget.
class CtrlEnterAccepts final : public QObject
{
public:
    explicit CtrlEnterAccepts(QDialog* dialog) : QObject(dialog), m_dialog(dialog) {}

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (event->type() == QEvent::KeyPress) {
            const auto* k = static_cast<QKeyEvent*>(event);
            if ((k->key() == Qt::Key_Return || k->key() == Qt::Key_Enter) && (k->modifiers() & Qt::ControlModifier)) {
                m_dialog->accept();
                return true;
            }
        }
        return QObject::eventFilter(watched, event);
    }

private:
    QDialog* m_dialog;
};

} // namespace

void MainWindow::editNote()
{
    const int32_t item = currentItem();
    if (item < 0)
        return;
    // A small editor rather than QInputDialog::getMultiLineText: Enter is a new line there and
    // nothing saves from the keyboard; here Ctrl+Enter saves, Escape cancels.
    QDialog dialog(this);
    dialog.setObjectName(QStringLiteral("noteDialog"));
    dialog.setWindowTitle(tr("Note"));
    auto* label = new QLabel(tr("Note on %1 (Ctrl+Enter saves):").arg(m_wb->snapshot().itemExtIds[item]), &dialog);
    label->setTextFormat(Qt::PlainText);
    auto* editor = new QPlainTextEdit(m_wb->stateOf(item).note, &dialog);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, &dialog);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    // An event filter, not a QShortcut: the text editor takes Ctrl+Return as a line break
    // before a shortcut sees it.
    editor->installEventFilter(new CtrlEnterAccepts(&dialog));
    auto* layout = new QVBoxLayout(&dialog);
    layout->addWidget(label);
    layout->addWidget(editor);
    layout->addWidget(buttons);
    editor->setFocus();
    editor->moveCursor(QTextCursor::End);
    if (dialog.exec() == QDialog::Accepted)
        m_wb->setNote(item, editor->toPlainText().trimmed());
}

void MainWindow::clearDecision()
{
    const auto items = selectedItems();
    if (!items.empty())
        m_wb->clearDecision(items);
}

void MainWindow::move(int delta)
{
    const int rows = m_table->model()->rowCount();
    if (rows == 0)
        return;
    const int row = std::clamp(m_table->currentIndex().row() + delta, 0, rows - 1);
    selectItem(m_wb->tableModel()->itemAt(row));
}

void MainWindow::nextUnreviewed()
{
    const auto* model = m_wb->tableModel();
    const int rows = model->rowCount();
    const int start = std::max(0, m_table->currentIndex().row());
    for (int k = 1; k <= rows; ++k) {
        const int32_t item = model->itemAt((start + k) % rows);
        if (m_wb->snapshot().status[item] == model::ReviewStatus::Unreviewed) {
            selectItem(item);
            return;
        }
    }
    statusBar()->showMessage(tr("Every item in the current view has been reviewed."), 5000);
}

void MainWindow::acceptUnanimousInSelection()
{
    std::vector<int32_t> unanimous;
    for (int32_t i : selectedItems())
        if (m_wb->tableModel()->distinctOf(i) == 1 && m_wb->snapshot().status[i] == model::ReviewStatus::Unreviewed)
            unanimous.push_back(i);
    if (unanimous.empty()) {
        statusBar()->showMessage(tr("No unreviewed unanimous items in the selection."), 5000);
        return;
    }
    if (m_wb->acceptConsensus(unanimous))
        statusBar()->showMessage(tr("Accepted the consensus for %L1 unanimous items.").arg(unanimous.size()), 8000);
}

} // namespace chorus::ui
