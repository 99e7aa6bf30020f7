#pragma once
// The small projects the GUI tests open: data written to a temporary directory and imported
// into a new project beside it.

#include "files.h"
#include "newproject.h"

#include <QByteArray>
#include <QString>
#include <QTemporaryDir>

namespace chorus::test {

/// Writes `data` to the file `dataName` in `dir`, imports it (with `o`) into a new project
/// `projectName` in `dir` and returns the project's path; empty when `dir` is not valid or the
/// data file could not be written.
inline QString projectFromData(const QTemporaryDir& dir, const QString& dataName, const QByteArray& data,
                               const QString& projectName, const model::ImportOptions& o = {})
{
    const QString file = dir.filePath(dataName);
    if (!dir.isValid() || !writeFile(file, data))
        return {};
    const QString project = dir.filePath(projectName);
    importIntoNewProject(project, file, o);
    return project;
}

} // namespace chorus::test
