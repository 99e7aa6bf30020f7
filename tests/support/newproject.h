#pragma once
// A new project made from one data file, the set-up of most model and GUI tests.

#include "importer.h"
#include "projectstore.h"

#include <QString>

namespace chorus::test {

/// Creates a project at `location` (a file path or a server URI), imports `file` into it
/// with `o`, closes it, and returns the import's report.
inline model::ImportReport importIntoNewProject(const QString& location, const QString& file,
                                                const model::ImportOptions& o = {})
{
    model::ProjectStore store;
    store.open(location, model::ProjectStore::Mode::CreateNew);
    return model::importFile(store, file, o);
}

} // namespace chorus::test
