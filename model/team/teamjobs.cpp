#include "teamjobs.h"

#include "jobsupport.h"

#include <QtConcurrent/QtConcurrentRun>

namespace chorus::model {

using detail::guarded;

QFuture<JobResult<QList<Claim>>> claimItemsAsync(QThreadPool* pool, const QString& location, int n)
{
    return QtConcurrent::run(pool, [location, n](QPromise<JobResult<QList<Claim>>>& promise) {
        guarded(promise, [&] {
            ProjectStore store;
            store.open(location);
            return claimItems(store, n);
        });
    });
}

QFuture<JobResult<TeamProgress>> teamProgressAsync(QThreadPool* pool, const QString& location)
{
    return QtConcurrent::run(pool, [location](QPromise<JobResult<TeamProgress>>& promise) {
        guarded(promise, [&] {
            ProjectStore store;
            store.open(location);
            return teamProgress(store);
        });
    });
}

QFuture<JobResult<QList<AdjudicationCase>>> adjudicationQueueAsync(QThreadPool* pool, const QString& location,
                                                                   bool includeDone)
{
    return QtConcurrent::run(pool, [location, includeDone](QPromise<JobResult<QList<AdjudicationCase>>>& promise) {
        guarded(promise, [&] {
            ProjectStore store;
            store.open(location);
            return adjudicationQueue(store, includeDone);
        });
    });
}

} // namespace chorus::model
