// The dashboard's "LLM runs" tab: what the LLM connector stored per LLM annotator (answers,
// INVALID share, tokens, cost) and the order-bias check (the share of items whose answer
// changed when the options were listed in reverse order).

#include "dashboard.h"

#include "pageparts.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>

namespace chorus::ui {

namespace {

// Wilson score interval for a binomial proportion (Wilson 1927), 95% (z = 1.96): better than
// the normal approximation for small n and rates near 0 or 1.
std::pair<double, double> wilson(qint64 k, qint64 n)
{
    if (n <= 0)
        return {std::nan(""), std::nan("")};
    const double z = 1.96, p = double(k) / double(n), nn = double(n);
    const double denom = 1 + z * z / nn;
    const double center = (p + z * z / (2 * nn)) / denom;
    const double half = z / denom * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn));
    return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

} // namespace

QWidget* Dashboard::createLlmTab()
{
    auto* page = new QWidget(this);
    m_llmSummary = plainTextLabel(page);
    m_llmTable = readOnlyTable(page);
    m_llmTable->setColumnCount(9);
    m_llmTable->setHorizontalHeaderLabels({tr("Annotator"), tr("Model"), tr("Answers"), tr("INVALID"), tr("Tokens"),
                                           tr("Cost"), tr("Asked in both orders"), tr("Order-dependent"),
                                           tr("95% interval")});
    m_llmTable->horizontalHeader()->setStretchLastSection(true);
    auto* l = new QVBoxLayout(page);
    l->addWidget(m_llmSummary);
    l->addWidget(m_llmTable, 1);
    return page;
}

void Dashboard::buildLlm()
{
    const auto& rows = m_data.llm;
    m_llmTable->setRowCount(static_cast<int>(rows.size()));
    double cost = 0;
    qint64 pairs = 0, dependent = 0;
    for (int r = 0; r < rows.size(); ++r) {
        const auto& s = rows[r];
        cost += s.cost;
        pairs += s.orderPairs;
        dependent += s.orderDependent;
        m_llmTable->setItem(r, 0, tableCell(s.name, false));
        m_llmTable->setItem(r, 1, tableCell(s.model, false));
        m_llmTable->setItem(r, 2, tableCell(QLocale().toString(s.answers), true));
        m_llmTable->setItem(r, 3, tableCell(s.answers > 0 ? QStringLiteral("%1%").arg(100.0 * s.invalid / s.answers, 0, 'f', 1)
                                                           : QString(), true));
        m_llmTable->setItem(r, 4, tableCell(QLocale().toString(s.promptTokens + s.completionTokens), true));
        m_llmTable->setItem(r, 5, tableCell(QString::number(s.cost, 'f', 4), true));
        m_llmTable->setItem(r, 6, tableCell(QLocale().toString(s.orderPairs), true));
        if (s.orderPairs > 0) {
            const auto [lo, hi] = wilson(s.orderDependent, s.orderPairs);
            m_llmTable->setItem(r, 7, tableCell(QStringLiteral("%1 (%2%)")
                                                    .arg(s.orderDependent)
                                                    .arg(100.0 * s.orderDependent / s.orderPairs, 0, 'f', 1), true));
            m_llmTable->setItem(r, 8, tableCell(QStringLiteral("%1–%2%").arg(100 * lo, 0, 'f', 1).arg(100 * hi, 0, 'f', 1), true));
        } else {
            m_llmTable->setItem(r, 7, tableCell(tr("not checked"), true));
            m_llmTable->setItem(r, 8, tableCell(QString(), true));
        }
    }
    m_llmTable->resizeColumnsToContents();
    if (rows.isEmpty()) {
        m_llmSummary->setText(tr("No LLM has been asked from Chorus yet. Use LLM ▸ Label with an LLM… (Ctrl+L) or "
                                 "`chorus-cli label`; answers imported from files are not listed here."));
    } else {
        QString text = tr("%n LLM annotator(s) asked from Chorus; %1 spent in total.", nullptr, int(rows.size()))
                           .arg(cost, 0, 'f', 4);
        if (pairs > 0)
            text += tr(" Order-bias check: %1 of %2 items (%3%) got a different answer when the options were "
                       "listed in reverse order.")
                        .arg(dependent)
                        .arg(pairs)
                        .arg(100.0 * dependent / pairs, 0, 'f', 1);
        m_llmSummary->setText(text);
    }
}

} // namespace chorus::ui
