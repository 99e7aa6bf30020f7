#include "jobs.h"

#include "crowdjobs.h"

#include "jobsupport.h"
#include "methods.h"

#include <QElapsedTimer>
#include <QPromise>
#include <QtConcurrent>

#include <nlohmann/json.hpp>

namespace chorus::model {

QStringList tiePolicyNames()
{
    return {QStringLiteral("first"), QStringLiteral("random"), QStringLiteral("unresolved")};
}


namespace {

using detail::guarded;

template <typename T>
std::function<void(qint64, qint64)> progressOf(QPromise<JobResult<T>>& promise)
{
    return [&promise](qint64 done, qint64 total) {
        promise.setProgressValue(total > 0 ? static_cast<int>(1000 * done / total) : 0);
    };
}

// An import or export on the pool: opens the project on the worker, hands the options its cancel
// flag and progress, and runs `work` (store, options) -> report.
template <typename Report, typename Options, typename Work>
QFuture<JobResult<Report>> fileJob(QThreadPool* pool, const QString& projectPath, ProjectStore::Mode mode,
                                   Options options, Work work)
{
    return QtConcurrent::run(pool, [projectPath, mode, options, work](QPromise<JobResult<Report>>& promise) mutable {
        promise.setProgressRange(0, 1000);
        guarded(promise, [&] {
            options.isCanceled = [&] { return promise.isCanceled(); };
            options.progress = progressOf(promise);
            ProjectStore store;
            store.open(projectPath, mode);
            return work(store, options);
        });
    });
}

} // namespace

QFuture<JobResult<Snapshot>> loadSnapshotAsync(QThreadPool* pool, const QString& projectPath)
{
    return QtConcurrent::run(pool, [projectPath](QPromise<JobResult<Snapshot>>& promise) {
        promise.setProgressRange(0, 1000);
        guarded(promise, [&] {
            ProjectStore store;
            store.open(projectPath);
            return loadSnapshot(store, [&] { return promise.isCanceled(); });
        });
    });
}

QFuture<JobResult<ImportReport>> importAsync(QThreadPool* pool, const QString& projectPath,
                                             const QString& file, ImportOptions options)
{
    return fileJob<ImportReport>(pool, projectPath, ProjectStore::Mode::CreateOrOpen, std::move(options),
                                 [file](ProjectStore& store, const ImportOptions& o) { return importFile(store, file, o); });
}

QFuture<JobResult<ExportReport>> exportAsync(QThreadPool* pool, const QString& projectPath,
                                             const QString& out, ExportOptions options)
{
    return fileJob<ExportReport>(pool, projectPath, ProjectStore::Mode::OpenExisting, std::move(options),
                                 [out](ProjectStore& store, const ExportOptions& o) { return exportProject(store, out, o); });
}

QFuture<JobResult<RunData>> aggregateAsync(QThreadPool* pool, const QString& projectPath, Snapshot snapshot,
                                           AggregationRequest request)
{
    return QtConcurrent::run(pool, [projectPath, s = std::move(snapshot), req = std::move(request)](
                                       QPromise<JobResult<RunData>>& promise) {
        promise.setProgressRange(0, 1000);
        guarded(promise, [&] {
            agg::AggregationInput in;
            in.matrix = &s.matrix;
            in.controls = req.controls;
            in.weights = req.weights;
            in.params = req.params;
            in.seed = req.seed;
            const agg::RunHooks hooks = detail::hooksOf(promise);
            QElapsedTimer timer;
            timer.start();
            const agg::AggregationResult result = req.annotators.empty()
                ? agg::aggregate(req.method.toStdString(), in, hooks)
                : aggregateMembers(req.method.toStdString(), in, req.annotators, hooks);
            const double seconds = timer.elapsed() / 1000.0;
            RunData run = runFromResult(s, req.method, result);
            run.summary.seconds = seconds;
            run.summary.params = req.paramsJson;
            if (req.save && !projectPath.isEmpty()) {
                if (promise.isCanceled())
                    throw CanceledError();
                ProjectStore store;
                store.open(projectPath);
                try {
                    run.summary.id = saveRun(store, s, req.method, req.paramsJson, result, seconds);
                    run.summary.createdAt = nowIso();
                } catch (const PermissionDeniedError&) {
                    // A reviewer of a server project sees the consensus; saving runs is the
                    // manager's (the run stays unsaved, id 0).
                }
            }
            return run;
        });
    });
}

} // namespace chorus::model
