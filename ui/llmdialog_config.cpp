// LlmDialog's configuration: the form to and from model::LlmConfig, config files, and the
// configurations stored with the project's LLM annotators.

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

model::LlmConfig LlmDialog::config() const
{
    // Starts from the defaults so that settings without a widget (retry timing, extra
    // request fields of a loaded file) keep their values.
    model::LlmConfig c = m_base;
    c.name = m_name->text().trimmed();
    c.baseUrl = m_baseUrl->text().trimmed();
    c.model = m_model->text().trimmed();
    c.apiKeyEnv = m_keyEnv->text().trimmed();
    c.system = m_system->toPlainText();
    c.prompt = m_prompt->toPlainText();
    c.fewShot = m_fewShot->value();
    c.sendTemperature = m_temperature->value() > m_temperature->minimum();
    if (c.sendTemperature)
        c.temperature = m_temperature->value();
    c.maxTokens = m_maxTokens->value();
    c.pricePer1MInput = m_priceIn->value();
    c.pricePer1MOutput = m_priceOut->value();
    c.parser = model::LlmConfig::Parser(m_parser->currentData().toInt());
    c.jsonField = m_jsonField->text().trimmed();
    c.logprobs = m_logprobs->isChecked() && c.parser != model::LlmConfig::Parser::Json;
    c.topLogprobs = m_topLogprobs->value();
    c.probabilities = model::LlmConfig::ProbTransform(m_transform->currentData().toInt());
    c.softmaxTemperature = m_softmaxT->value();
    c.orderCheck = m_orderCheck->isChecked();
    c.concurrency = m_concurrency->value();
    c.requestsPerMinute = m_rpm->value();
    c.maxRetries = m_maxRetries->value();
    c.timeoutSeconds = m_timeout->value();
    return c;
}

void LlmDialog::setConfig(const model::LlmConfig& c)
{
    m_base = c;
    m_name->setText(c.name);
    m_baseUrl->setText(c.baseUrl);
    m_model->setText(c.model);
    m_keyEnv->setText(c.apiKeyEnv);
    emit m_keyEnv->textChanged(c.apiKeyEnv);
    m_system->setPlainText(c.system);
    m_prompt->setPlainText(c.prompt);
    m_fewShot->setValue(c.fewShot);
    m_temperature->setValue(c.sendTemperature ? c.temperature : m_temperature->minimum());
    m_maxTokens->setValue(c.maxTokens);
    m_priceIn->setValue(c.pricePer1MInput);
    m_priceOut->setValue(c.pricePer1MOutput);
    m_parser->setCurrentIndex(m_parser->findData(int(c.parser)));
    m_jsonField->setText(c.jsonField);
    m_logprobs->setChecked(c.logprobs);
    m_topLogprobs->setValue(c.topLogprobs);
    m_transform->setCurrentIndex(m_transform->findData(int(c.probabilities)));
    m_softmaxT->setValue(c.softmaxTemperature);
    m_orderCheck->setChecked(c.orderCheck);
    m_concurrency->setValue(c.concurrency);
    m_rpm->setValue(c.requestsPerMinute);
    m_maxRetries->setValue(c.maxRetries);
    m_timeout->setValue(c.timeoutSeconds);
    emit m_logprobs->toggled(c.logprobs);
    updatePending();
}

bool LlmDialog::loadConfig(const QString& path)
{
    try {
        setConfig(model::LlmConfig::fromFile(path));
        appendLog(tr("Loaded %1").arg(path));
        return true;
    } catch (const model::Error& e) {
        fail(e.message());
        return false;
    }
}

bool LlmDialog::saveConfig(const QString& path)
{
    const model::LlmConfig c = config();
    try {
        c.validate(path);
    } catch (const model::Error& e) {
        fail(e.message());
        return false;
    }
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) {
        fail(tr("%1: cannot write: %2").arg(path, f.errorString()));
        return false;
    }
    f.write(QJsonDocument(c.toJson()).toJson(QJsonDocument::Indented));
    if (!f.commit()) {
        fail(tr("%1: cannot write: %2").arg(path, f.errorString()));
        return false;
    }
    appendLog(tr("Saved %1").arg(path));
    return true;
}

void LlmDialog::refreshStoredConfigs()
{
    const QString project = m_wb->hasProject() ? m_wb->projectPath() : QString();
    const bool newProject = project != m_storedFor;
    m_storedFor = project;
    m_storedConfigs.clear();
    if (!project.isEmpty()) {
        try {
            m_storedConfigs = model::llmStoredConfigs(m_wb->store());
        } catch (const model::Error& e) {
            appendLog(e.message());
        }
    }
    const QString current = m_name->text().trimmed();
    m_stored->clear();
    m_stored->addItem(m_storedConfigs.isEmpty() ? tr("(no LLM annotators in this project yet)")
                                                : tr("(choose an LLM annotator to load its configuration)"));
    for (const model::LlmConfig& c : m_storedConfigs)
        m_stored->addItem(tr("%1 (%2 at %3)").arg(c.name, c.model, c.baseUrl), c.name);
    m_stored->setEnabled(!m_storedConfigs.isEmpty() && !m_watcher.isRunning());
    if (newProject && !m_storedConfigs.isEmpty()) {
        setConfig(m_storedConfigs.first());
        m_stored->setCurrentIndex(1);
    } else {
        const int i = m_stored->findData(current);
        m_stored->setCurrentIndex(std::max(0, i));
    }
}

QStringList LlmDialog::storedConfigNames() const
{
    QStringList names;
    for (const model::LlmConfig& c : m_storedConfigs)
        names << c.name;
    return names;
}

bool LlmDialog::loadStoredConfig(const QString& name)
{
    const int i = m_stored->findData(name);
    if (i <= 0)
        return false;
    m_stored->setCurrentIndex(i);
    setConfig(m_storedConfigs[i - 1]);
    appendLog(tr("Loaded the configuration of \"%1\" from the project").arg(name));
    return true;
}

} // namespace chorus::ui
