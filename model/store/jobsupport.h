#pragma once
// Internal helpers of the job launchers (jobs.cpp, statsjobs.cpp, llmstore.cpp): running a job body inside a
// QPromise with exceptions mapped to JobResult's error/canceled fields.

#include "errors.h"
#include "jobresult.h"

#include "aggregation.h"

#include <QPromise>

#include <exception>
#include <utility>

namespace chorus::model::detail {

/// Runs body and adds its value to promise, or a result whose `canceled` / `error` field says
/// why there is none (CanceledError and agg::Canceled -> canceled; Error and std::exception ->
/// error). QPromise drops the result when the future was already canceled.
template <typename T, typename Body>
void guarded(QPromise<JobResult<T>>& promise, Body&& body)
{
    JobResult<T> r;
    try {
        r.value = body();
    } catch (const CanceledError&) {
        r.canceled = true;
    } catch (const agg::Canceled&) {
        r.canceled = true;
    } catch (const Error& e) {
        r.error = e.message();
    } catch (const std::exception& e) {
        r.error = QString::fromUtf8(e.what());
    }
    promise.addResult(std::move(r));
}

/// RunHooks that poll promise.isCanceled() and map progress(done, total) onto the
/// promise's per-mille range (set by the caller with setProgressRange(0, 1000)).
template <typename T>
agg::RunHooks hooksOf(QPromise<T>& promise)
{
    agg::RunHooks hooks;
    hooks.isCanceled = [&promise] { return promise.isCanceled(); };
    hooks.progress = [&promise](int done, int total) {
        promise.setProgressValue(total > 0 ? static_cast<int>(1000LL * done / total) : 0);
    };
    return hooks;
}

} // namespace chorus::model::detail
