// LlmDialog's run: the items to ask, the prompt preview, starting, cancelling and finishing a
// labeling run on a worker thread, and closing the dialog while one runs.

#include "llmdialog.h"

#include "errors.h"
#include "pageparts.h"
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

std::vector<qint64> LlmDialog::chosenItems() const
{
    std::vector<int32_t> idx;
    if (m_shown->isChecked() && m_shownItems)
        idx = m_shownItems();
    else if (m_queue->isChecked() && m_queueItems)
        idx = m_queueItems();
    else
        return {};
    std::vector<qint64> ids;
    const auto& s = m_wb->snapshot();
    for (int32_t i : idx)
        if (i >= 0 && i < s.numItems())
            ids.push_back(s.itemIds[i]);
    return ids;
}

void LlmDialog::updatePending()
{
    if (!m_wb->hasProject()) {
        m_pending->setText(tr("Open a project first."));
        return;
    }
    const bool all = m_all->isChecked();
    const std::vector<qint64> items = chosenItems();
    if (!all && items.empty()) {
        m_pending->setText(m_queue->isChecked() ? tr("The relabel queue is empty: build it in the Relabel queue panel.")
                                                : tr("No items are shown in the review table."));
        return;
    }
    try {
        const model::LlmConfig c = config();
        const qint64 n = all ? m_wb->snapshot().numItems() : static_cast<qint64>(items.size());
        const auto pending = model::llmPendingItems(m_wb->store(), c, items);
        m_pending->setText(tr("%L1 items chosen; %L2 still to ask as \"%3\"%4.")
                               .arg(n)
                               .arg(pending.size())
                               .arg(c.name, c.orderCheck ? tr(" (each asked twice)") : QString()));
    } catch (const model::Error& e) {
        m_pending->setText(e.message());
    }
}

void LlmDialog::previewPrompt()
{
    const model::LlmConfig c = config();
    QString text;
    try {
        if (!m_wb->hasProject() || m_wb->snapshot().numItems() == 0)
            throw model::Error(tr("Open a project with items first."));
        const std::vector<qint64> items = chosenItems();
        const auto& s = m_wb->snapshot();
        const int32_t first = items.empty() ? 0 : s.itemIndexById.value(items.front(), 0);
        model::LlmItem it;
        it.id = s.itemExtIds[first];
        it.text = s.itemTexts[first];
        it.meta = QJsonDocument::fromJson(m_wb->itemMeta(first).toUtf8()).object();
        auto render = [&](const char* field, const QString& tmpl) {
            try {
                return model::renderPrompt(tmpl, it, s.labels, c.parser);
            } catch (const model::Error& e) {
                throw model::Error(QStringLiteral("\"%1\": %2").arg(QLatin1String(field), e.message()));
            }
        };
        if (!c.system.isEmpty())
            text += QStringLiteral("[system]\n") + render("system", c.system) + QStringLiteral("\n\n");
        text += QStringLiteral("[user]\n") + render("prompt", c.prompt);
        if (c.fewShot > 0)
            text.prepend(tr("(%1 worked examples from reviewed items come before this)\n\n").arg(c.fewShot));
    } catch (const model::Error& e) {
        fail(e.message());
        return;
    }
    if (m_quiet) {
        appendLog(text);
        return;
    }
    QDialog d(this);
    d.setWindowTitle(tr("Prompt Preview"));
    auto* view = new QPlainTextEdit(text);
    view->setReadOnly(true);
    auto* box = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(box, &QDialogButtonBox::rejected, &d, &QDialog::reject);
    auto* l = new QVBoxLayout(&d);
    l->addWidget(view);
    l->addWidget(box);
    d.resize(560, 400);
    d.exec();
}

bool LlmDialog::start()
{
    if (m_watcher.isRunning())
        return false;
    if (!m_wb->hasProject()) {
        fail(tr("Open a project first."));
        return false;
    }
    const model::LlmConfig c = config();
    try {
        c.validate(tr("LLM annotator"));
        if (!c.apiKeyEnv.isEmpty() && qEnvironmentVariableIsEmpty(c.apiKeyEnv.toLocal8Bit().constData()))
            throw model::Error(tr("The environment variable %1 is not set. Start Chorus with the API key in %1, "
                                  "or clear the key variable for a local server.")
                                   .arg(c.apiKeyEnv));
    } catch (const model::Error& e) {
        fail(e.message());
        return false;
    }
    const std::vector<qint64> items = chosenItems();
    if (!m_all->isChecked() && items.empty()) {
        fail(m_queue->isChecked() ? tr("The relabel queue is empty.") : tr("No items are shown in the review table."));
        return false;
    }
    // A name taken by an imported annotator: its answers would become this LLM's (and be
    // skipped as answered). Only on explicit confirmation.
    bool append = false;
    qint64 imported = 0;
    model::LlmNameUse use = model::LlmNameUse::Free;
    try {
        use = model::llmNameUse(m_wb->store(), c.name, &imported);
    } catch (const model::Error& e) {
        fail(e.message());
        return false;
    }
    if (use == model::LlmNameUse::Imported) {
        const QString question =
            tr("\"%1\" is an annotator of this project that came from an import (%L2 answers), not one this "
               "connector created.\n\nAdd the LLM's answers to it? Its imported answers would then count as this "
               "LLM's: they are not asked again and get this configuration as their provenance.\n\nChoose No and "
               "give the LLM annotator another name to keep them apart.")
                .arg(c.name)
                .arg(imported);
        if (!confirm(question)) {
            m_lastError = tr("\"%1\" is the name of an imported annotator: give the LLM annotator another name, or "
                             "confirm adding its answers to that annotator.")
                              .arg(c.name);
            appendLog(m_lastError);
            return false;
        }
        append = true;
    }
    QSettings().setValue(QStringLiteral("llm/lastConfig"), QJsonDocument(c.toJson()).toJson(QJsonDocument::Compact));
    m_storedBefore = m_wb->store()
                         .scalar(QStringLiteral("SELECT COUNT(*) FROM llm_answers")).toLongLong();
    m_lastError.clear();
    m_log->clear();
    m_status->setText(tr("Starting…"));
    m_progress->setFormat(tr("%v of %m done"));
    m_progress->setRange(0, 0);
    setRunning(true);
    QPointer<LlmDialog> self(this);
    auto log = [self](const QString& line) {
        // Called on the worker thread: hand the line to the GUI thread.
        QMetaObject::invokeMethod(
            QCoreApplication::instance(), [self, line] {
                if (self)
                    self->appendLog(line);
            },
            Qt::QueuedConnection);
    };
    const double budget = m_useBudget->isChecked() ? m_budget->value() : std::numeric_limits<double>::infinity();
    m_watcher.setFuture(model::llmLabelAsync(m_wb->pool(), m_wb->projectPath(), c, items, budget, log, append));
    return true;
}

void LlmDialog::cancel()
{
    if (m_watcher.isRunning()) {
        m_status->setText(tr("Canceling: waiting for the requests in flight…"));
        m_watcher.cancel();
    }
}

void LlmDialog::finished()
{
    setRunning(false);
    const qint64 after = m_wb->hasProject()
                             ? m_wb->store().scalar(QStringLiteral("SELECT COUNT(*) FROM llm_answers")).toLongLong()
                             : m_storedBefore;
    const qint64 stored = after - m_storedBefore;
    if (m_watcher.future().resultCount() == 0) {
        m_status->setText(tr("Canceled. %L1 answers were stored; Start again to continue where it stopped.").arg(stored));
    } else {
        const auto r = m_watcher.result();
        if (!r.error.isEmpty()) {
            fail(r.error);
        } else {
            const model::LlmRunReport& rep = r.value;
            QString s = model::llmProgressText(rep.totals);
            if (rep.skipped > 0)
                s += tr("; %L1 already answered were skipped").arg(rep.skipped);
            if (rep.budgetReached)
                s += tr("; stopped at this run's budget (up to %1 was reserved for %L2 request(s) in flight); %L3 "
                        "not asked")
                         .arg(rep.budgetReserved, 0, 'f', 4)
                         .arg(rep.budgetInFlight)
                         .arg(rep.notAsked);
            if (rep.canceled)
                s += tr("; canceled");
            m_status->setText(s);
            if (!rep.fatalError.isEmpty())
                fail(rep.fatalError);
            else if (rep.totals.failed > 0)
                appendLog(tr("%L1 requests failed; Start again to retry them.").arg(rep.totals.failed));
        }
    }
    if (m_progress->maximum() == 0)
        m_progress->setRange(0, 1);
    refreshStoredConfigs();
    updatePending();
    emit runFinished(stored);
}

void LlmDialog::fail(const QString& message)
{
    m_lastError = message;
    appendLog(message);
    if (!m_quiet)
        QMessageBox::warning(this, tr("Label with an LLM"), message);
}

void LlmDialog::setRunning(bool running)
{
    for (QWidget* w : m_configWidgets)
        w->setEnabled(!running);
    for (QRadioButton* r : {m_all, m_shown, m_queue})
        r->setEnabled(!running);
    m_start->setEnabled(!running);
    m_cancel->setEnabled(running);
    m_stored->setEnabled(!running && !m_storedConfigs.isEmpty());
    if (!running)
        emit m_logprobs->toggled(m_logprobs->isChecked());  // re-applies the dependent enables
}

bool LlmDialog::confirm(const QString& question)
{
    if (m_confirm)
        return m_confirm(question);
    if (m_quiet)
        return false;
    return QMessageBox::question(this, tr("Label with an LLM"), question, QMessageBox::Yes | QMessageBox::No,
                                 QMessageBox::No)
           == QMessageBox::Yes;
}

void LlmDialog::closeEvent(QCloseEvent* e)
{
    if (m_watcher.isRunning()) {
        if (!stopConfirmed(this, m_quiet, tr("Label with an LLM"),
                           tr("A run is in progress. Stop it? The answers so far are kept."))) {
            e->ignore();
            return;
        }
        m_watcher.cancel();
        m_watcher.waitForFinished();
    }
    QDialog::closeEvent(e);
}

} // namespace chorus::ui
