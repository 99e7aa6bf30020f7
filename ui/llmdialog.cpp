#include "llmdialog.h"

#include "errors.h"
#include "workbench.h"

#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSaveFile>
#include <QSettings>
#include <QShowEvent>
#include <QSpinBox>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>

namespace chorus::ui {

LlmDialog::LlmDialog(model::Workbench* wb, std::function<std::vector<int32_t>()> shownItems,
                     std::function<std::vector<int32_t>()> queueItems, QWidget* parent)
    : QDialog(parent), m_wb(wb), m_shownItems(std::move(shownItems)), m_queueItems(std::move(queueItems))
{
    setWindowTitle(tr("Label with an LLM"));
    auto* tabs = new QTabWidget;
    tabs->addTab(modelTab(), tr("&Model"));
    tabs->addTab(promptTab(), tr("&Prompt"));
    tabs->addTab(answersTab(), tr("&Answers"));
    tabs->addTab(limitsTab(), tr("&Limits"));
    QLayout* storedRow = storedConfigRow();
    QLayout* fileRow = configFileRow();
    QWidget* items = itemsBox();
    createProgressWidgets();
    QLayout* buttons = runButtonRow();

    // The widgets join the dialog in this order, which is also their tab order.
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(storedRow);
    layout->addWidget(tabs);
    layout->addLayout(fileRow);
    layout->addWidget(items);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addWidget(m_log, 1);
    layout->addLayout(buttons);

    // Connect before setFuture() (house style).
    connect(&m_watcher, &QFutureWatcherBase::progressRangeChanged, m_progress, &QProgressBar::setRange);
    connect(&m_watcher, &QFutureWatcherBase::progressValueChanged, m_progress, &QProgressBar::setValue);
    connect(&m_watcher, &QFutureWatcherBase::progressTextChanged, m_status, &QLabel::setText);
    connect(&m_watcher, &QFutureWatcherBase::finished, this, &LlmDialog::finished);

    setConfig(lastUsedConfig());
    // A project with LLM annotators opens on its most recently used one.
    refreshStoredConfigs();
    updatePending();
    resize(680, 760);
}

LlmDialog::~LlmDialog()
{
    if (m_watcher.isRunning()) {
        m_watcher.cancel();
        m_watcher.waitForFinished();
    }
}

void LlmDialog::setItemSource(int which)
{
    (which == 1 ? m_shown : which == 2 ? m_queue : m_all)->setChecked(true);
}

void LlmDialog::setBudget(double budget)
{
    m_useBudget->setChecked(budget >= 0);
    if (budget >= 0)
        m_budget->setValue(budget);
}

void LlmDialog::appendLog(const QString& line)
{
    m_log->appendPlainText(line);
}

QString LlmDialog::logText() const
{
    return m_log->toPlainText();
}

QString LlmDialog::statusText() const
{
    return m_status->text();
}

void LlmDialog::showEvent(QShowEvent* e)
{
    if (!m_watcher.isRunning())
        refreshStoredConfigs();
    QDialog::showEvent(e);
}

} // namespace chorus::ui
