#include "jobcontrols.h"

#include <QLabel>
#include <QProgressBar>
#include <QPushButton>

namespace chorus::ui {

JobControls JobControls::make(QWidget* parent, const QString& cancelToolTip)
{
    JobControls c;
    c.status = new QLabel(parent);
    c.status->setTextFormat(Qt::PlainText);
    c.status->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    c.progress = new QProgressBar(parent);
    c.progress->setRange(0, 1000);
    c.progress->setMaximumWidth(160);
    c.progress->hide();
    c.cancel = new QPushButton(QPushButton::tr("Cancel"), parent);
    c.cancel->setToolTip(cancelToolTip);
    c.cancel->hide();
    return c;
}

void JobControls::running(const QString& text) const
{
    progress->setValue(0);
    progress->show();
    cancel->show();
    status->setText(text);
}

void JobControls::idle(const QString& text) const
{
    progress->hide();
    cancel->hide();
    if (!text.isEmpty())
        status->setText(text);
}

} // namespace chorus::ui
