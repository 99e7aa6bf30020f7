#include "bulkwriter.h"

#include "pgcopy.h"

#include <QSqlError>

namespace chorus::model {

BulkWriter::BulkWriter(ProjectStore& store, const QString& table, const Columns& columns)
    : m_store(store), m_table(table), m_columns(columns)
{
    QStringList names, marks;
    for (const auto& [name, type] : columns) {
        names << name;
        marks << QStringLiteral("?");
    }
    if (postgresHandle(store.db())) {
        m_copy = std::make_unique<PgCopyIn>(
            store.db(), QStringLiteral("COPY %1 (%2) FROM STDIN").arg(table, names.join(QStringLiteral(", "))).toUtf8(),
            store.path());
        return;
    }
    m_insert = QSqlQuery(store.db());
    if (!m_insert.prepare(QStringLiteral("INSERT INTO %1 (%2) VALUES (%3)")
                              .arg(table, names.join(QStringLiteral(", ")), marks.join(QStringLiteral(", ")))))
        throw Error(QStringLiteral("%1: SQL error: %2").arg(store.path(), m_insert.lastError().text()));
}

BulkWriter::~BulkWriter() = default;

void BulkWriter::add(const QVariant& v)
{
    const Type type = m_columns[m_column].second;
    if (m_copy) {
        if (v.isNull()) {
            m_copy->addNull();
        } else {
            switch (type) {
            case Type::Int: m_copy->add(v.toLongLong()); break;
            case Type::Real: m_copy->add(v.toDouble()); break;
            case Type::Text: m_copy->add(v.toString()); break;
            case Type::Blob: m_copy->add(v.toByteArray(), false); break;
            }
        }
    } else if (v.isNull()) {
        static const QMetaType::Type nullTypes[] = {QMetaType::LongLong, QMetaType::Double, QMetaType::QString,
                                                   QMetaType::QByteArray};
        m_insert.bindValue(m_column, QVariant(QMetaType(nullTypes[static_cast<int>(type)])));
    } else {
        switch (type) {
        case Type::Int: m_insert.bindValue(m_column, v.toLongLong()); break;
        case Type::Real: m_insert.bindValue(m_column, v.toDouble()); break;
        case Type::Text: m_insert.bindValue(m_column, v.toString()); break;
        case Type::Blob: m_insert.bindValue(m_column, v.toByteArray()); break;
        }
    }
    ++m_column;
}

void BulkWriter::endRow()
{
    m_column = 0;
    if (m_copy) {
        m_copy->endRow();
        return;
    }
    if (!m_insert.exec())
        throw Error(QStringLiteral("%1: cannot write %2: %3").arg(m_store.path(), m_table, m_insert.lastError().text()));
}

void BulkWriter::finish()
{
    if (m_copy)
        m_copy->finish();
    m_insert = QSqlQuery();
}

} // namespace chorus::model
