// The LlmDialog's sections, one builder each: the four settings tabs, the project's stored
// configurations, load/save, the items and budget, progress and the run buttons.

#include "llmdialog.h"
#include "pageparts.h"

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

namespace {

const char* const kDefaultPrompt =
    "Classify the text into exactly one of these labels: {labels}.\n\nText: {text}\n\nAnswer with the label only.";

} // namespace

QWidget* LlmDialog::modelTab()
{
    auto* w = new QWidget;
    auto* f = new QFormLayout(w);
    m_name = new QLineEdit;
    m_name->setToolTip(tr("The annotator's name in the project. Rerunning with the same name resumes."));
    m_baseUrl = new QLineEdit;
    m_baseUrl->setPlaceholderText(QStringLiteral("http://127.0.0.1:8080/v1"));
    m_baseUrl->setToolTip(tr("OpenAI-compatible base URL (llama.cpp server, vLLM, Ollama /v1, hosted APIs)."));
    m_model = new QLineEdit;
    m_keyEnv = new QLineEdit;
    m_keyEnv->setPlaceholderText(tr("e.g. OPENAI_API_KEY (empty: no key)"));
    m_keyEnv->setToolTip(tr("The NAME of the environment variable holding the API key. The key itself is never "
                            "stored in the project or in settings."));
    m_keyStatus = new QLabel;
    connect(m_keyEnv, &QLineEdit::textChanged, this, [this](const QString& name) {
        if (name.trimmed().isEmpty())
            m_keyStatus->setText(tr("no API key will be sent"));
        else
            m_keyStatus->setText(qEnvironmentVariableIsEmpty(name.trimmed().toLocal8Bit().constData())
                                     ? tr("⚠ %1 is not set in Chorus's environment").arg(name.trimmed())
                                     : tr("✓ %1 is set").arg(name.trimmed()));
    });
    // One step below 0 means "not sent" (the server's default; reasoning models refuse others).
    m_temperature = doubleSpin(-0.1, 2, 2, 0.1);
    m_temperature->setSpecialValueText(tr("server default (not sent)"));
    m_temperature->setObjectName(QStringLiteral("temperature"));
    m_maxTokens = intSpin(1, 1000000);
    m_priceIn = doubleSpin(0, 1e6, 4, 0.05);
    m_priceOut = doubleSpin(0, 1e6, 4, 0.05);
    f->addRow(tr("Annotator &name:"), m_name);
    f->addRow(tr("&Base URL:"), m_baseUrl);
    f->addRow(tr("M&odel:"), m_model);
    f->addRow(tr("API &key variable:"), m_keyEnv);
    f->addRow(QString(), m_keyStatus);
    f->addRow(tr("&Temperature:"), m_temperature);
    f->addRow(tr("Max &tokens:"), m_maxTokens);
    f->addRow(tr("Price per 1M &input tokens:"), m_priceIn);
    f->addRow(tr("Price per 1M o&utput tokens:"), m_priceOut);
    m_configWidgets << m_name << m_baseUrl << m_model << m_keyEnv << m_temperature << m_maxTokens << m_priceIn << m_priceOut;
    return w;
}

QWidget* LlmDialog::promptTab()
{
    auto* w = new QWidget;
    auto* f = new QFormLayout(w);
    m_system = new QPlainTextEdit;
    m_system->setMaximumHeight(60);
    m_system->setPlaceholderText(tr("Optional system message"));
    m_prompt = new QPlainTextEdit;
    m_prompt->setToolTip(tr("Placeholders: {text}, {labels}, {options}, {id}, {meta.FIELD}; {{ and }} for braces."));
    m_fewShot = intSpin(0, 100);
    m_fewShot->setToolTip(tr("Reviewed items (with a human label) given as worked examples before each question."));
    auto* help = new QLabel(tr("Placeholders: {text} {labels} {options} {id} {meta.FIELD}"));
    help->setTextFormat(Qt::PlainText);
    f->addRow(tr("S&ystem:"), m_system);
    f->addRow(tr("&Prompt:"), m_prompt);
    f->addRow(QString(), help);
    f->addRow(tr("&Few-shot examples:"), m_fewShot);
    m_configWidgets << m_system << m_prompt << m_fewShot;
    return w;
}

QWidget* LlmDialog::answersTab()
{
    auto* w = new QWidget;
    auto* f = new QFormLayout(w);
    m_parser = new QComboBox;
    m_parser->addItem(tr("Label name"), int(model::LlmConfig::Parser::Label));
    m_parser->addItem(tr("Option letter (A, B, …)"), int(model::LlmConfig::Parser::Letter));
    m_parser->addItem(tr("JSON object"), int(model::LlmConfig::Parser::Json));
    m_jsonField = new QLineEdit;
    m_logprobs = new QCheckBox(tr("Store first-token probabilities (needs logprobs from the endpoint)"));
    m_topLogprobs = intSpin(1, 20);
    m_transform = new QComboBox;
    m_transform->addItem(tr("p_norm (normalise over the options)"), int(model::LlmConfig::ProbTransform::PNorm));
    m_transform->addItem(tr("softmax with temperature"), int(model::LlmConfig::ProbTransform::Softmax));
    m_softmaxT = doubleSpin(0.01, 100, 2, 0.1);
    m_orderCheck = new QCheckBox(tr("Ask twice, the second time with the options in reverse order"));
    m_orderCheck->setToolTip(tr("Measures order-dependent answers (position bias); doubles the requests."));
    f->addRow(tr("&Read the answer as:"), m_parser);
    f->addRow(tr("JSON &field:"), m_jsonField);
    f->addRow(m_logprobs);
    f->addRow(tr("Top log&probs:"), m_topLogprobs);
    f->addRow(tr("Probabilities:"), m_transform);
    f->addRow(tr("Softmax temperature:"), m_softmaxT);
    f->addRow(m_orderCheck);
    auto sync = [this] {
        const bool json = m_parser->currentData().toInt() == int(model::LlmConfig::Parser::Json);
        m_jsonField->setEnabled(json);
        m_logprobs->setEnabled(!json);
        const bool lp = m_logprobs->isChecked() && !json;
        m_topLogprobs->setEnabled(lp);
        m_transform->setEnabled(lp);
        m_softmaxT->setEnabled(lp && m_transform->currentData().toInt() == int(model::LlmConfig::ProbTransform::Softmax));
    };
    connect(m_parser, &QComboBox::currentIndexChanged, this, sync);
    connect(m_transform, &QComboBox::currentIndexChanged, this, sync);
    connect(m_logprobs, &QCheckBox::toggled, this, sync);
    m_configWidgets << m_parser << m_jsonField << m_logprobs << m_topLogprobs << m_transform << m_softmaxT << m_orderCheck;
    return w;
}

QWidget* LlmDialog::limitsTab()
{
    auto* w = new QWidget;
    auto* f = new QFormLayout(w);
    m_concurrency = intSpin(1, 256);
    m_rpm = doubleSpin(0, 1e6, 0, 10);
    m_rpm->setSpecialValueText(tr("no limit"));
    m_maxRetries = intSpin(0, 100);
    m_timeout = doubleSpin(0.1, 86400, 1, 5);
    m_timeout->setSuffix(tr(" s"));
    f->addRow(tr("&Concurrent requests:"), m_concurrency);
    f->addRow(tr("&Requests per minute:"), m_rpm);
    f->addRow(tr("Re&tries (429, 5xx, timeouts):"), m_maxRetries);
    f->addRow(tr("T&imeout per request:"), m_timeout);
    m_configWidgets << m_concurrency << m_rpm << m_maxRetries << m_timeout;
    return w;
}

QLayout* LlmDialog::storedConfigRow()
{
    // The project's own LLM annotators: rerun or extend one without retyping its settings.
    m_stored = new QComboBox;
    m_stored->setObjectName(QStringLiteral("storedConfigs"));
    m_stored->setToolTip(tr("Load the configuration an LLM annotator of this project was last run with."));
    connect(m_stored, &QComboBox::activated, this, [this](int index) {
        if (index > 0)
            loadStoredConfig(m_stored->itemData(index).toString());
    });
    auto* row = new QHBoxLayout;
    auto* label = new QLabel(tr("From this pro&ject:"));
    label->setBuddy(m_stored);
    row->addWidget(label);
    row->addWidget(m_stored, 1);
    return row;
}

QLayout* LlmDialog::configFileRow()
{
    auto* load = new QPushButton(tr("&Load…"));
    auto* save = new QPushButton(tr("&Save As…"));
    auto* preview = new QPushButton(tr("Pre&view Prompt"));
    connect(load, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Load LLM Annotator"), {}, tr("JSON (*.json)"));
        if (!path.isEmpty())
            loadConfig(path);
    });
    connect(save, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save LLM Annotator"), m_name->text() + QStringLiteral(".json"),
                                                          tr("JSON (*.json)"));
        if (!path.isEmpty())
            saveConfig(path);
    });
    connect(preview, &QPushButton::clicked, this, &LlmDialog::previewPrompt);
    auto* row = new QHBoxLayout;
    row->addWidget(load);
    row->addWidget(save);
    row->addStretch();
    row->addWidget(preview);
    return row;
}

QWidget* LlmDialog::itemsBox()
{
    m_all = new QRadioButton(tr("All items"));
    m_shown = new QRadioButton(tr("Items shown in the review table"));
    m_queue = new QRadioButton(tr("The relabel queue"));
    m_all->setChecked(true);
    m_useBudget = new QCheckBox(tr("Stop before this run spends more than"));
    m_useBudget->setToolTip(tr("The budget is per run: what earlier runs spent does not count. Requests in flight "
                               "are reserved at their worst case (every max_tokens token used)."));
    m_budget = doubleSpin(0, 1e9, 4, 1);
    m_budget->setValue(5);
    m_budget->setEnabled(false);
    connect(m_useBudget, &QCheckBox::toggled, m_budget, &QWidget::setEnabled);
    m_pending = new QLabel;
    auto* items = new QGroupBox(tr("Items"));
    auto* itemsLayout = new QVBoxLayout(items);
    itemsLayout->addWidget(m_all);
    itemsLayout->addWidget(m_shown);
    itemsLayout->addWidget(m_queue);
    auto* budgetRow = new QHBoxLayout;
    budgetRow->addWidget(m_useBudget);
    budgetRow->addWidget(m_budget);
    budgetRow->addStretch();
    itemsLayout->addLayout(budgetRow);
    itemsLayout->addWidget(m_pending);
    for (QRadioButton* r : {m_all, m_shown, m_queue})
        connect(r, &QRadioButton::toggled, this, [this](bool on) {
            if (on)
                updatePending();
        });
    // The pending count depends on the annotator's name and on order checks (two calls an item).
    connect(m_name, &QLineEdit::editingFinished, this, &LlmDialog::updatePending);
    connect(m_orderCheck, &QCheckBox::toggled, this, &LlmDialog::updatePending);
    return items;
}

void LlmDialog::createProgressWidgets()
{
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("progress"));
    m_progress->setFormat(tr("not started"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_status = new QLabel;
    m_status->setTextFormat(Qt::PlainText);
    m_log = new QPlainTextEdit;
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(2000);
    m_log->setPlaceholderText(tr("Retries and failures appear here."));
    m_log->setMinimumHeight(90);
}

QLayout* LlmDialog::runButtonRow()
{
    m_start = new QPushButton(tr("&Start"));
    m_start->setDefault(true);
    m_start->setShortcut(QKeySequence(tr("Ctrl+Return")));
    m_start->setToolTip(tr("Start labeling (Ctrl+Enter). Items already answered by this annotator are skipped."));
    m_cancel = new QPushButton(tr("&Cancel Run"));
    m_cancel->setEnabled(false);
    m_close = new QPushButton(tr("Close"));
    connect(m_start, &QPushButton::clicked, this, &LlmDialog::start);
    connect(m_cancel, &QPushButton::clicked, this, &LlmDialog::cancel);
    connect(m_close, &QPushButton::clicked, this, &QWidget::close);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(m_start);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_close);
    return buttons;
}

model::LlmConfig LlmDialog::lastUsedConfig() const
{
    // The last configuration used (it holds no key, only the variable's name); the defaults
    // when there is none.
    QSettings settings;
    const QByteArray last = settings.value(QStringLiteral("llm/lastConfig")).toByteArray();
    model::LlmConfig c;
    c.name = QStringLiteral("my-llm");
    c.baseUrl = QStringLiteral("http://127.0.0.1:8080/v1");
    c.model = QStringLiteral("default");
    c.prompt = QString::fromUtf8(kDefaultPrompt);
    if (!last.isEmpty()) {
        try {
            c = model::LlmConfig::fromJson(last, tr("saved settings"));
        } catch (const model::Error&) {
            // Settings from an older version: start from the defaults.
        }
    }
    return c;
}

} // namespace chorus::ui
