#pragma once
// "Label with an LLM": edit, load and save an LLM annotator's configuration (or take one of the
// project's LLM annotators), pick the items (all, the rows shown in the review table, or the
// relabel queue), preview the prompt, and run the connector on a worker thread with progress
// (answers, tokens, money), a log and Cancel. Non-modal: reviewing goes on while it runs. Every
// answer is stored as it arrives.

#include "llmrunner.h"

#include <QDialog>
#include <QFutureWatcher>

#include <functional>
#include <vector>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLayout;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QRadioButton;
class QSpinBox;

namespace chorus::model {
class Workbench;
}

namespace chorus::ui {

class LlmDialog final : public QDialog
{
    Q_OBJECT

public:
    /// shownItems / queueItems return item indices of the workbench's snapshot.
    LlmDialog(model::Workbench* wb, std::function<std::vector<int32_t>()> shownItems,
              std::function<std::vector<int32_t>()> queueItems, QWidget* parent = nullptr);
    ~LlmDialog() override;

    /// The configuration in the form (not validated).
    model::LlmConfig config() const;
    void setConfig(const model::LlmConfig& c);
    /// Loads a configuration file into the form; false with a message box (or lastError()).
    bool loadConfig(const QString& path);
    bool saveConfig(const QString& path);
    /// Starts the run; false (with the reason in lastError()) when it cannot start.
    bool start();
    void cancel();
    bool isRunning() const { return m_watcher.isRunning(); }
    QString lastError() const { return m_lastError; }
    QString logText() const;
    QString statusText() const;
    /// Which items: 0 all, 1 shown in the review table, 2 relabel queue.
    void setItemSource(int which);
    void setBudget(double budget);  ///< < 0 = no cap
    /// Tests: no message boxes.
    void setQuiet(bool quiet) { m_quiet = quiet; }
    /// Asks the user a yes/no question (default: a message box; quiet without one: no).
    void setConfirmHandler(std::function<bool(const QString& question)> confirm) { m_confirm = std::move(confirm); }
    /// Names of the project's LLM annotators offered in "From this project" (most recent first).
    QStringList storedConfigNames() const;
    /// Loads the configuration of the project's LLM annotator `name` into the form.
    bool loadStoredConfig(const QString& name);

signals:
    /// A run ended (finished, canceled, failed or stopped at the budget). stored > 0 when
    /// answers were written (the project needs reloading).
    void runFinished(qint64 stored);

protected:
    void closeEvent(QCloseEvent* e) override;
    void showEvent(QShowEvent* e) override;

private:
    QWidget* modelTab();
    QWidget* promptTab();
    QWidget* answersTab();
    QWidget* limitsTab();
    // The rest of the dialog, one builder a section (called once, from the constructor).
    QLayout* storedConfigRow();
    QLayout* configFileRow();
    QWidget* itemsBox();
    void createProgressWidgets();
    QLayout* runButtonRow();
    model::LlmConfig lastUsedConfig() const;
    std::vector<qint64> chosenItems() const;
    void updatePending();
    void previewPrompt();
    void appendLog(const QString& line);
    void finished();
    void fail(const QString& message);
    void setRunning(bool running);
    bool confirm(const QString& question);
    /// Re-reads the project's LLM annotators into the combo; a project not seen before also
    /// loads its most recently used one into the form.
    void refreshStoredConfigs();

    model::Workbench* m_wb;
    std::function<std::vector<int32_t>()> m_shownItems, m_queueItems;

    QLineEdit *m_name, *m_baseUrl, *m_model, *m_keyEnv, *m_jsonField;
    QLabel* m_keyStatus;
    QPlainTextEdit *m_system, *m_prompt;
    QSpinBox *m_fewShot, *m_maxTokens, *m_topLogprobs, *m_concurrency, *m_maxRetries;
    QDoubleSpinBox *m_temperature, *m_priceIn, *m_priceOut, *m_softmaxT, *m_rpm, *m_timeout;
    QComboBox *m_parser, *m_transform;
    QCheckBox *m_logprobs, *m_orderCheck, *m_useBudget;
    QDoubleSpinBox* m_budget;
    QRadioButton *m_all, *m_shown, *m_queue;
    QLabel* m_pending;
    QProgressBar* m_progress;
    QLabel* m_status;
    QPlainTextEdit* m_log;
    QPushButton *m_start, *m_cancel, *m_close;
    QComboBox* m_stored;
    QList<model::LlmConfig> m_storedConfigs;
    QString m_storedFor;  ///< the project m_storedConfigs were read from
    QList<QWidget*> m_configWidgets;

    model::LlmConfig m_base;  ///< settings without a widget (retry timing, extra request fields)
    QFutureWatcher<model::JobResult<model::LlmRunReport>> m_watcher;
    qint64 m_storedBefore = 0;
    QString m_lastError;
    bool m_quiet = false;
    std::function<bool(const QString&)> m_confirm;
};

} // namespace chorus::ui
