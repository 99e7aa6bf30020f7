#pragma once
// Crowd design on a worker thread, for the Insights Crowd tab (issue #21): agg::designCrowd()
// run with QtConcurrent::run on copies of the matrix and gold, polling QPromise::isCanceled()
// through agg::RunHooks and reporting progress in per-mille (0..1000), like statsjobs.h. A
// canceled job adds a result with canceled set (detail::guarded).

#include "crowd.h"
#include "jobresult.h"

#include <QFuture>
#include <QThreadPool>

#include <vector>

namespace chorus::model {

/// designCrowd(matrix, gold, options) on a worker thread of pool.
QFuture<JobResult<agg::CrowdDesign>> crowdDesignAsync(QThreadPool* pool, agg::LabelMatrix matrix,
                                                      std::vector<int32_t> gold, agg::CrowdOptions options);

} // namespace chorus::model
