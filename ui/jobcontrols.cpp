#include "jobcontrols.h"

#include <QFutureWatcher>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>

namespace chorus::ui {

JobControls JobControls::make(QWidget* parent, const QString& cancelToolTip, QFutureWatcherBase* watcher)
{
    JobControls c;
    c.watcher = watcher;
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
    QObject::connect(watcher, &QFutureWatcherBase::progressValueChanged, c.progress, &QProgressBar::setValue);
    QObject::connect(c.cancel, &QPushButton::clicked, c.cancel, [c] { c.cancelJob(); });
    return c;
}

void JobControls::running(const QString& text) const
{
    progress->setValue(0);
    progress->show();
    cancel->show();
    status->setText(text);
}

void JobControls::restart(const QString& text) const
{
    watcher->cancel();
    running(text);
}

void JobControls::idle(const QString& text) const
{
    progress->hide();
    cancel->hide();
    if (!text.isEmpty())
        status->setText(text);
}

} // namespace chorus::ui

namespace chorus::ui {

void JobControls::failed(bool canceled, const QString& text) const
{
    idle(canceled ? QPushButton::tr("Canceled") : text);
}

void JobControls::cancelJob() const
{
    if (!watcher->isRunning())
        return;
    watcher->cancel();
    idle(QPushButton::tr("Canceled"));
}

void JobControls::reset() const
{
    watcher->cancel();  // its finished() is ignored: the future reports isCanceled()
    idle();
}

} // namespace chorus::ui
