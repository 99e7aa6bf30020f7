#pragma once
// Team review work that may scan the whole project, run off the GUI thread (house style): each
// job opens its own connection to the project (a connection belongs to its thread).

#include "adjudication.h"
#include "jobresult.h"
#include "teamreview.h"

#include <QFuture>
#include <QThreadPool>

namespace chorus::model {

/// claimItems(n) on a connection of the worker's own to location (same reviewer as the GUI:
/// the URI's login, or the local user of a file). The candidates' query reads every item.
QFuture<JobResult<QList<Claim>>> claimItemsAsync(QThreadPool* pool, const QString& location, int n);

/// teamProgress() on a connection of the worker's own (reads every decision).
QFuture<JobResult<TeamProgress>> teamProgressAsync(QThreadPool* pool, const QString& location);

/// adjudicationQueue() on a connection of the worker's own (reads every decision).
QFuture<JobResult<QList<AdjudicationCase>>> adjudicationQueueAsync(QThreadPool* pool, const QString& location,
                                                                   bool includeDone);

} // namespace chorus::model
