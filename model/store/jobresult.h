#pragma once
// The result of a job run off the GUI thread (house style: QtConcurrent::run with a QPromise):
// its value, or why there is none. At the bottom of model/ so that every wing's jobs share it.

#include <QString>

namespace chorus::model {

template <typename T>
struct JobResult
{
    T value{};
    QString error;
    bool canceled = false;
    bool ok() const { return error.isEmpty() && !canceled; }
};

} // namespace chorus::model
