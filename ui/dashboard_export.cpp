// The insight dashboard's export: the current chart as PNG or SVG, the numbers behind every
// tab as CSV.

#include "dashboard.h"

#include "annotatorchart.h"
#include "calibrationpage.h"
#include "crowdpage.h"
#include "csvreader.h"
#include "heatmapwidget.h"
#include "workbench.h"

#include <QComboBox>
#include <QFileDialog>
#include <QLabel>
#include <QPainter>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QTabWidget>
#include <QTableWidget>

#include <cmath>

namespace chorus::ui {

QString Dashboard::csvOf(int index) const
{
    QStringList lines;
    const int L = static_cast<int>(m_data.labels.size());
    switch (index) {
    case TabCompetence: {
        lines << model::csvRow({QStringLiteral("annotator"), QStringLiteral("competence"), QStringLiteral("accuracy")});
        const int m = m_method->currentData().toInt();
        const auto& comp = m >= 0 && m < int(m_data.evaluation.methods.size()) ? m_data.evaluation.methods[m].competence
                                                                                 : m_data.consensusCompetence;
        for (int a = 0; a < m_data.annotators.size(); ++a)
            lines << model::csvRow({m_data.annotators[a], QString::number(a < int(comp.size()) ? comp[a] : std::nan(""), 'g', 10),
                          m_data.hasGold ? QString::number(m_data.evaluation.annotators[a].result.accuracy, 'g', 10)
                                         : QString()});
        break;
    }
    // Every pair, also of the annotators the heat map leaves out (top and bottom N).
    case TabAgreement: return HeatmapWidget::csv(m_data.annotators, m_data.annotators, pairwiseKappa(m_data), tr("annotator"));
    case TabConfusion: return m_confusion->toCsv();
    case TabMethods:
        lines << model::csvRow({QStringLiteral("name"), QStringLiteral("accuracy"), QStringLiteral("macro_f1"),
                      QStringLiteral("weighted_f1"), QStringLiteral("coverage"), QStringLiteral("accuracy_ci95"),
                      QStringLiteral("macro_f1_ci95")});
        for (int r = 0; r < m_methodTable->rowCount(); ++r) {
            QStringList cells;
            for (int c = 0; c < m_methodTable->columnCount(); ++c) {
                const QTableWidgetItem* it = m_methodTable->item(r, c);
                const QVariant full = it ? it->data(Qt::UserRole) : QVariant();
                cells << (!it ? QString()
                          : full.isValid() ? (std::isfinite(full.toDouble()) ? QString::number(full.toDouble(), 'g', 10) : QString())
                                           : it->text());
            }
            lines << model::csvRow(cells);
        }
        break;
    case TabDivergence:
        lines << model::csvRow({QStringLiteral("item"), QStringLiteral("jsd"), QStringLiteral("kl"), QStringLiteral("tvd")});
        for (size_t k = 0; k < m_data.divergenceItems.size(); ++k)
            lines << model::csvRow({m_wb->snapshot().itemExtIds.value(m_data.divergenceItems[k]),
                          QString::number(m_data.divergenceJsd[k], 'g', 17), QString::number(m_data.divergenceKl[k], 'g', 17),
                          QString::number(m_data.divergenceTvd[k], 'g', 17)});
        break;
    case TabLabels: {
        QStringList h{QStringLiteral("annotator")};
        h << m_data.labels << QStringLiteral("INVALID");
        lines << model::csvRow(h);
        for (int a = 0; a < m_data.annotators.size(); ++a) {
            QStringList cells{m_data.annotators[a]};
            for (int l = 0; l <= L; ++l)
                cells << QString::number(m_data.labelUse[static_cast<size_t>(a) * (L + 1) + l]);
            lines << model::csvRow(cells);
        }
        break;
    }
    case TabCrowd: return m_crowdPage->csv();
    case TabCalibration: return m_calibrationPage->csv();
    case TabLlm:
        lines << model::csvRow({QStringLiteral("annotator"), QStringLiteral("model"), QStringLiteral("answers"),
                      QStringLiteral("invalid"), QStringLiteral("prompt_tokens"), QStringLiteral("completion_tokens"),
                      QStringLiteral("cost"), QStringLiteral("order_pairs"), QStringLiteral("order_dependent")});
        for (const auto& l : m_data.llm)
            lines << model::csvRow({l.name, l.model, QString::number(l.answers), QString::number(l.invalid),
                          QString::number(l.promptTokens), QString::number(l.completionTokens),
                          QString::number(l.cost, 'g', 10), QString::number(l.orderPairs),
                          QString::number(l.orderDependent)});
        break;
    default: break;
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

bool Dashboard::exportCurrent(const QString& imagePath, const QString& csvPath)
{
    // The Crowd and Calibration tabs export their chart, not their controls.
    QWidget* page = m_tabs->currentIndex() == TabCrowd         ? m_crowdPage->currentChart()
                    : m_tabs->currentIndex() == TabCalibration ? m_calibrationPage->currentChart()
                                                               : m_tabs->currentWidget();
    bool ok = true;
    if (!imagePath.isEmpty()) {
        if (imagePath.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive)) {
            QSvgGenerator svg;
            svg.setFileName(imagePath);
            svg.setSize(page->size());
            svg.setViewBox(QRect(QPoint(0, 0), page->size()));
            svg.setTitle(m_tabs->tabText(m_tabs->currentIndex()));
            QPainter p(&svg);
            page->render(&p);
            ok = p.end();
        } else {
            ok = page->grab().save(imagePath);
        }
    }
    if (ok && !csvPath.isEmpty()) {
        QSaveFile f(csvPath);
        ok = f.open(QIODevice::WriteOnly) && f.write(csvOf(m_tabs->currentIndex()).toUtf8()) >= 0 && f.commit();
    }
    return ok;
}

void Dashboard::exportDialog()
{
    const QString base = m_tabs->currentIndex() == TabCrowd
        ? m_crowdPage->currentChartName()
        : m_tabs->tabText(m_tabs->currentIndex()).toLower().replace(QLatin1Char(' '), QLatin1Char('-'));
    const QString image = QFileDialog::getSaveFileName(this, tr("Export chart"), base + QStringLiteral(".png"),
                                                       tr("PNG image (*.png);;SVG image (*.svg)"));
    if (image.isEmpty())
        return;
    const QString csv = image.left(image.lastIndexOf(QLatin1Char('.'))) + QStringLiteral(".csv");
    m_status->setText(exportCurrent(image, csv) ? tr("Saved %1 and %2").arg(image, csv) : tr("Export failed"));
}

} // namespace chorus::ui
