#include "crowdjobs.h"

#include "jobsupport.h"

#include <QPromise>
#include <QtConcurrent>

namespace chorus::model {

QFuture<JobResult<agg::CrowdDesign>> crowdDesignAsync(QThreadPool* pool, agg::LabelMatrix matrix,
                                                      std::vector<int32_t> gold, agg::CrowdOptions options)
{
    return QtConcurrent::run(pool, [m = std::move(matrix), g = std::move(gold), o = std::move(options)](
                                       QPromise<JobResult<agg::CrowdDesign>>& promise) {
        promise.setProgressRange(0, 1000);
        detail::guarded(promise, [&] { return agg::designCrowd(m, g, o, detail::hooksOf(promise)); });
    });
}

} // namespace chorus::model
