#pragma once
// Options of a GUI import or export, mirroring chorus-cli's.

#include "exporter.h"
#include "importer.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLineEdit;

namespace chorus::ui {

class ImportDialog final : public QDialog
{
    Q_OBJECT

public:
    explicit ImportDialog(const QString& file, QWidget* parent = nullptr);
    QString file() const;
    model::ImportOptions options() const;

private:
    QLineEdit* m_file;
    QComboBox* m_format;
    QLineEdit* m_gold;
    QLineEdit* m_labelMap;
    QLineEdit* m_labels;
    QComboBox* m_kind;
    QComboBox* m_delimiter;
    QLineEdit* m_items;
};

class ExportDialog final : public QDialog
{
    Q_OBJECT

public:
    ExportDialog(const QString& suggestedPath, const QList<QPair<qint64, QString>>& runs, QWidget* parent = nullptr);
    QString file() const;
    model::ExportOptions options() const;

private:
    QLineEdit* m_file;
    QComboBox* m_format;
    QComboBox* m_run;
    QComboBox* m_soft;
    QCheckBox* m_reviewedOnly;
    QCheckBox* m_excludeFlagged;
    QCheckBox* m_excludeInvalid;
    QCheckBox* m_annotators;
    QCheckBox* m_history;
    QDoubleSpinBox* m_minConfidence;
};

} // namespace chorus::ui
