#pragma once
// Many rows into one table of an open project, inside the caller's transaction: a prepared
// INSERT per row on a file, one COPY on a server (a round trip per row there made saving a
// 100,000-item run take seconds). Used by saved runs and by push/pull.

#include "projectstore.h"

#include <QList>
#include <QPair>
#include <QSqlQuery>

#include <memory>

namespace chorus::model {

class PgCopyIn;

class BulkWriter
{
public:
    enum class Type { Int, Real, Text, Blob };
    using Columns = QList<QPair<QString, Type>>;

    /// table and column names are the schema's own (never user text).
    BulkWriter(ProjectStore& store, const QString& table, const Columns& columns);
    ~BulkWriter();
    BulkWriter(const BulkWriter&) = delete;
    BulkWriter& operator=(const BulkWriter&) = delete;

    /// The next column of the current row; a null QVariant is NULL.
    void add(const QVariant& value);
    /// Ends the row (every column given); throws Error when the engine refused it.
    void endRow();
    /// Sends what is left; throws Error when the engine refused a row.
    void finish();

private:
    ProjectStore& m_store;
    QString m_table;
    Columns m_columns;
    int m_column = 0;
    std::unique_ptr<PgCopyIn> m_copy;
    QSqlQuery m_insert;
};

} // namespace chorus::model
