#include "projectcopy.h"

#include "bulkwriter.h"
#include "dialect.h"
#include "pgcopy.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QFileInfo>
#include <QUuid>

#include <filesystem>

#include <memory>
#include <vector>

namespace chorus::model {

namespace {

// Column types of the copy: integer, real (double), text, blob (bytea on the server).
using Type = BulkWriter::Type;

struct Column
{
    const char* name;
    Type type;
};

struct Table
{
    const char* name;
    std::vector<Column> columns;
    const char* order;  // the primary key: rows go out in key order
    bool autoId;        // an `id` numbered by the database, to be continued after the copy
};

// Every table of model/store/schema.cpp in an order that satisfies the foreign keys. A column
// the source has and this list does not is an error (copyProject checks), so a schema change
// cannot be dropped silently by push or pull.
const std::vector<Table>& tables()
{
    using T = Type;
    static const std::vector<Table> t = {
        {"labels", {{"id", T::Int}, {"name", T::Text}, {"position", T::Int}}, "id", true},
        {"items", {{"id", T::Int}, {"ext_id", T::Text}, {"text", T::Text}, {"meta", T::Text}}, "id", true},
        {"annotators", {{"id", T::Int}, {"name", T::Text}, {"kind", T::Text}, {"cost_per_item", T::Real}}, "id", true},
        {"annotations",
         {{"item_id", T::Int}, {"annotator_id", T::Int}, {"label_id", T::Int}, {"raw", T::Text}, {"probs", T::Text},
          {"score", T::Real}},
         "item_id, annotator_id",
         false},
        {"gold", {{"item_id", T::Int}, {"label_id", T::Int}}, "item_id", false},
        {"human_counts", {{"item_id", T::Int}, {"label_id", T::Int}, {"count", T::Int}}, "item_id, label_id", false},
        {"decisions",
         {{"id", T::Int}, {"item_id", T::Int}, {"action", T::Text}, {"label_id", T::Int}, {"status", T::Text},
          {"note", T::Text}, {"author", T::Text}, {"created_at", T::Text}, {"uuid", T::Text}},
         "id",
         true},
        {"claims",
         {{"item_id", T::Int}, {"reviewer", T::Text}, {"claimed_at", T::Text}, {"expires_at", T::Text}},
         "item_id, reviewer",
         false},
        {"runs",
         {{"id", T::Int}, {"method", T::Text}, {"params", T::Text}, {"created_at", T::Text}, {"iterations", T::Int},
          {"converged", T::Int}, {"seconds", T::Real}, {"log_likelihood", T::Text}, {"labels", T::Text},
          {"tied_items", T::Int}},
         "id",
         true},
        {"run_items",
         {{"run_id", T::Int}, {"item_id", T::Int}, {"label_id", T::Int}, {"confidence", T::Real}, {"posterior", T::Blob}},
         "run_id, item_id",
         false},
        {"run_annotators", {{"run_id", T::Int}, {"annotator_id", T::Int}, {"competence", T::Real}}, "run_id, annotator_id", false},
        {"llm_annotators", {{"annotator_id", T::Int}, {"config", T::Text}, {"updated_at", T::Text}}, "annotator_id", false},
        {"llm_answers",
         {{"id", T::Int}, {"annotator_id", T::Int}, {"item_id", T::Int}, {"variant", T::Text}, {"label_id", T::Int},
          {"raw", T::Text}, {"logprobs", T::Text}, {"prompt_tokens", T::Int}, {"completion_tokens", T::Int},
          {"usage_estimated", T::Int}, {"cost", T::Real}, {"created_at", T::Text}},
         "id",
         true},
    };
    return t;
}

QString columnList(const Table& t)
{
    QStringList names;
    for (const Column& c : t.columns)
        names << QLatin1String(c.name);
    return names.join(QStringLiteral(", "));
}

// The source's columns of a table, to compare with the list above.
QStringList sourceColumns(ProjectStore& from, const Table& t)
{
    QSqlQuery q = from.exec(QStringLiteral("SELECT * FROM %1 WHERE 1 = 0").arg(QLatin1String(t.name)));
    QStringList out;
    const QSqlRecord r = q.record();
    for (int i = 0; i < r.count(); ++i)
        out << r.fieldName(i);
    return out;
}

// One value of a row as the type the column has (a null stays null).
QVariant typed(const QVariant& v, Type type)
{
    if (v.isNull())
        return QVariant();
    switch (type) {
    case Type::Int: return v.toLongLong();
    case Type::Real: return v.toDouble();
    case Type::Text: return v.toString();
    case Type::Blob: return v.toByteArray();
    }
    return v;
}

// Reads a table's rows from either engine as typed QVariants.
class Rows
{
public:
    Rows(ProjectStore& from, const Table& t) : m_table(t)
    {
        const QString sql = QStringLiteral("SELECT %1 FROM %2 ORDER BY %3")
                                .arg(columnList(t), QLatin1String(t.name), QLatin1String(t.order));
        if (postgresHandle(from.db())) {
            m_copy = std::make_unique<PgCopyOut>(from.db(), sql.toUtf8(), from.path());
        } else {
            m_query = QSqlQuery(from.db());
            m_query.setForwardOnly(true);
            if (!m_query.exec(sql))
                throw Error(QStringLiteral("%1: SQL error: %2").arg(from.path(), m_query.lastError().text()));
        }
    }
    bool next() { return m_copy ? m_copy->next() : m_query.next(); }
    QVariant value(int c) const
    {
        const Type type = m_table.columns[static_cast<size_t>(c)].type;
        if (!m_copy)
            return typed(m_query.value(c), type);
        if (m_copy->isNull(c))
            return typed(QVariant(), type);
        switch (type) {
        case Type::Int: return m_copy->integer(c);
        case Type::Real: return m_copy->real(c);
        case Type::Text: return m_copy->text(c);
        case Type::Blob: return m_copy->bytes(c);
        }
        return {};
    }

private:
    const Table& m_table;
    std::unique_ptr<PgCopyOut> m_copy;
    QSqlQuery m_query;
};

void writeTable(ProjectStore& from, ProjectStore& to, const Table& t, const std::function<bool()>& isCanceled)
{
    Rows rows(from, t);
    BulkWriter::Columns columns;
    for (const Column& c : t.columns)
        columns.append({QLatin1String(c.name), c.type});
    BulkWriter out(to, QLatin1String(t.name), columns);
    const int n = static_cast<int>(t.columns.size());
    qint64 count = 0;
    while (rows.next()) {
        for (int c = 0; c < n; ++c)
            out.add(rows.value(c));
        out.endRow();
        if ((++count & 0xFFFF) == 0 && isCanceled && isCanceled())
            throw CanceledError();
    }
    out.finish();
}

} // namespace

void copyProject(ProjectStore& from, ProjectStore& to, const std::function<bool()>& isCanceled,
                 const std::function<void(int, int)>& progress)
{
    const int fromVersion = from.info().schemaVersion;
    if (fromVersion != ProjectStore::kSchemaVersion || to.info().schemaVersion != ProjectStore::kSchemaVersion)
        throw Error(QStringLiteral("%1: project schema %2, expected %3").arg(from.path()).arg(fromVersion).arg(ProjectStore::kSchemaVersion));
    if (to.info().items > 0 || to.info().labels > 0 || to.info().annotators > 0)
        throw Error(QStringLiteral("%1: the target project is not empty").arg(to.path()));
    for (const Table& t : tables()) {
        QStringList expected;
        for (const Column& c : t.columns)
            expected << QLatin1String(c.name);
        const QStringList actual = sourceColumns(from, t);
        if (actual != expected)
            throw Error(QStringLiteral("%1: table %2 has columns (%3); this version of Chorus copies (%4)")
                            .arg(from.path(), QLatin1String(t.name), actual.join(QStringLiteral(", ")),
                                 expected.join(QStringLiteral(", "))));
    }
    // Meta values (label set closed, creation time...) first, as upserts: the target's
    // migration wrote its own.
    QList<QPair<QString, QString>> meta;
    {
        QSqlQuery q = from.exec(QStringLiteral("SELECT key, value FROM meta ORDER BY key"));
        while (q.next())
            meta.append({q.value(0).toString(), q.value(1).toString()});
    }
    const Dialect& dialect = to.dialect();
    QStringList bulkTables;
    for (const Table& t : tables())
        bulkTables << QLatin1String(t.name);
    const int total = static_cast<int>(tables().size());
    to.transaction([&] {
        for (const QString& s : dialect.bulkBegin(bulkTables))
            to.exec(s);
        for (const auto& [key, value] : meta)
            to.setMetaValue(key, value);
        int done = 0;
        for (const Table& t : tables()) {
            writeTable(from, to, t, isCanceled);
            if (t.autoId)
                for (const QString& s : dialect.afterExplicitIds(QLatin1String(t.name)))
                    to.exec(s);
            if (progress)
                progress(++done, total);
        }
        for (const QString& s : dialect.bulkEnd(bulkTables))
            to.exec(s);
    });
}

void pushProject(const QString& file, const QString& uri, bool replace, const std::function<void(int, int)>& progress)
{
    const ProjectLocation target = ProjectLocation::parse(uri);
    if (!target.isServer() || target.project.isEmpty())
        throw Error(QStringLiteral("%1: not a server project URI (postgresql://[user@]host[:port]/database?project=NAME)").arg(uri));
    ProjectStore from;
    from.open(file);
    if (from.isServer())
        throw Error(QStringLiteral("%1: not a project file").arg(file));
    if (!replace && ProjectStore::projectExists(uri))
        throw Error(QStringLiteral("%1: project \"%2\" already exists; --replace replaces it").arg(target.display(), target.project));
    const QString scratchName = QStringLiteral("chorus_push_%1").arg(QUuid::createUuid().toString(QUuid::Id128).left(16));
    const QString scratch = target.withProject(scratchName).display();
    try {
        ProjectStore to;
        to.open(scratch, ProjectStore::Mode::CreateNew);
        copyProject(from, to, {}, progress);
        to.transaction([&] {
            if (replace)
                to.exec(QStringLiteral("DROP SCHEMA IF EXISTS %1 CASCADE").arg(quotedIdentifier(target.project)));
            to.exec(QStringLiteral("ALTER SCHEMA %1 RENAME TO %2")
                        .arg(quotedIdentifier(scratchName), quotedIdentifier(target.project)));
        });
    } catch (...) {
        ProjectStore::removeProject(scratch);
        throw;
    }
}

void pullProject(const QString& uri, const QString& file, bool replace, const std::function<void(int, int)>& progress)
{
    if (ProjectLocation::isServerUri(file))
        throw Error(QStringLiteral("%1: not a file path").arg(file));
    if (QFileInfo::exists(file) && !replace)
        throw Error(QStringLiteral("%1: file already exists; --replace replaces it").arg(file));
    ProjectStore from;
    from.open(uri);
    if (!from.isServer())
        throw Error(QStringLiteral("%1: not a server project URI").arg(uri));
    const QString partial = file + QStringLiteral(".pulling-") + QUuid::createUuid().toString(QUuid::Id128).left(8);
    try {
        {
            ProjectStore to;
            to.open(partial, ProjectStore::Mode::CreateNew);
            copyProject(from, to, {}, progress);
        }  // closed: SQLite folds its WAL back into the file
        std::error_code ec;
        std::filesystem::rename(partial.toStdString(), file.toStdString(), ec);
        if (ec)
            throw Error(QStringLiteral("%1: cannot write: %2").arg(file, QString::fromStdString(ec.message())));
    } catch (...) {
        ProjectStore::removeProject(partial);
        throw;
    }
}

} // namespace chorus::model
