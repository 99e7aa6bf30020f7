#pragma once
// Shared set-up of the LLM connector tests: a project imported from a few JSONL lines, item
// ids by external id.

#include "testprojects.h"
#include "importer.h"
#include "projectstore.h"

#include <QFile>
#include <QStringList>
#include <QTemporaryDir>

#include <vector>

namespace chorus::test {

/// Writes `jsonl` to dir/data.jsonl and imports it into a new project dir/p.chorus; returns the
/// project's path (empty when the data file cannot be written). Throws model::Error on a bad
/// import.
inline QString makeProject(const QTemporaryDir& dir, const char* jsonl)
{
    const QString data = dir.filePath(QStringLiteral("data.jsonl"));
    QFile f(data);
    if (!f.open(QIODevice::WriteOnly) || f.write(jsonl) < 0)
        return {};
    f.close();
    // A file, or in the _pg runs a server project (the LLM connector on PostgreSQL).
    const QString project = projectLocation(dir, QStringLiteral("p.chorus"));
    model::ProjectStore store;
    store.open(project, model::ProjectStore::Mode::CreateNew);
    model::importFile(store, data);
    return project;
}

/// Database ids of the items with these external ids, in that order (0 for an unknown id).
inline std::vector<qint64> itemIds(const QString& project, const QStringList& extIds)
{
    model::ProjectStore store;
    store.open(project);
    std::vector<qint64> ids;
    for (const QString& e : extIds)
        ids.push_back(store.scalar(QStringLiteral("SELECT id FROM items WHERE ext_id = ?"), {e}).toLongLong());
    return ids;
}

} // namespace chorus::test
