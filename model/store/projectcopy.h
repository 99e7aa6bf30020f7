#pragma once
// Copying a whole project between engines: `chorus-cli push FILE URI` (a file onto a server)
// and `chorus-cli pull URI FILE` (back). Every table, every id, the decision history and saved
// runs; the copy's info and exports equal the original's.

#include "projectstore.h"

#include <functional>

namespace chorus::model {

/// Copies every row of `from` into `to`, which must be a new, empty project of the same schema
/// version; ids are kept. One transaction in `to`: on an error (or isCanceled() returning true,
/// CanceledError) nothing of the copy remains. progress(done, total) counts tables.
void copyProject(ProjectStore& from, ProjectStore& to, const std::function<bool()>& isCanceled = {},
                 const std::function<void(int, int)>& progress = {});

/// Copies the project file `file` to the server project `uri`. Refuses an existing server
/// project unless replace. The copy is made under a scratch name and renamed when complete, so
/// a failed or interrupted push leaves the server as it was (a replaced project too).
void pushProject(const QString& file, const QString& uri, bool replace,
                 const std::function<void(int, int)>& progress = {});

/// Copies the server project `uri` to the file `file` (refused when it exists unless replace),
/// written under another name next to it and renamed when complete.
void pullProject(const QString& uri, const QString& file, bool replace,
                 const std::function<void(int, int)>& progress = {});

} // namespace chorus::model
