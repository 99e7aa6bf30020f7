#include "importtarget.h"

#include "labelorder.h"

#include <QSqlError>

namespace chorus::model {

std::unique_ptr<ImportTarget> makeProjectImportTarget(ProjectStore& store)
{
    if (store.isServer())
        return std::make_unique<PgImportTarget>(store);
    return std::make_unique<SqliteImportTarget>(store);
}

namespace {

// Rows of (id, name) as name -> id.
QHash<QString, qint64> idsByName(ProjectStore& store, const QString& sql)
{
    QHash<QString, qint64> out;
    QSqlQuery q = store.exec(sql);
    while (q.next())
        out.insert(q.value(1).toString(), q.value(0).toLongLong());
    return out;
}

} // namespace

QHash<QString, qint64> ProjectImportTarget::existingItems()
{
    return idsByName(m_store, QStringLiteral("SELECT id, ext_id FROM items"));
}

QHash<QString, qint64> ProjectImportTarget::existingAnnotators()
{
    return idsByName(m_store, QStringLiteral("SELECT id, name FROM annotators"));
}

QList<QPair<QString, qint64>> ProjectImportTarget::existingLabels()
{
    QList<QPair<QString, qint64>> out;
    QSqlQuery q = m_store.exec(QStringLiteral("SELECT id, name FROM labels ORDER BY position, id"));
    while (q.next())
        out.append({q.value(1).toString(), q.value(0).toLongLong()});
    return out;
}

void ProjectImportTarget::declareLabelOrder(const QStringList& declared)
{
    model::declareLabelOrder(m_store, declared);
}

void ProjectImportTarget::canonicalizeLabelOrder()
{
    model::canonicalizeLabelOrder(m_store);
}

qint64 ProjectImportTarget::addAnnotator(const QString& name, AnnotatorKind kind, std::optional<double> costPerItem)
{
    return m_store.insertReturningId(
        QStringLiteral("INSERT INTO annotators (name, kind, cost_per_item) VALUES (?, ?, ?)"),
        {name, kindName(kind), costPerItem ? QVariant(*costPerItem) : QVariant(QMetaType(QMetaType::Double))});
}

void ProjectImportTarget::updateStoredItem(qint64 item, const QString& text, const QString& metaJson)
{
    if (text.isEmpty() && metaJson.isEmpty())
        return;
    if (!m_updPrepared) {
        m_updItem = QSqlQuery(m_store.db());
        if (!m_updItem.prepare(QStringLiteral("UPDATE items SET text = CASE WHEN ? = '' THEN text ELSE ? END, "
                                              "meta = COALESCE(?, meta) WHERE id = ?")))
            throw Error(QStringLiteral("%1: SQL error: %2").arg(m_store.path(), m_updItem.lastError().text()));
        m_updPrepared = true;
    }
    const QString t = text.isNull() ? QStringLiteral("") : text;
    m_updItem.bindValue(0, t);
    m_updItem.bindValue(1, t);
    m_updItem.bindValue(2, metaJson.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(metaJson));
    m_updItem.bindValue(3, item);
    if (!m_updItem.exec())
        throw Error(m_updItem.lastError().text());
}

} // namespace chorus::model

namespace chorus::model {

void ProjectImportTarget::releaseStatements()
{
    m_updItem = QSqlQuery();
    m_updPrepared = false;
}

} // namespace chorus::model
