#pragma once
// What a project holds as the reviewers' decisions, read back through the store.

#include "projectstore.h"

#include <QMap>
#include <QSqlQuery>
#include <QString>
#include <QVariant>

namespace chorus::test {

/// Item ext id -> label name of the item's latest decision in the project at `location`
/// (empty when that decision cleared the label); items without decisions are absent.
inline QMap<QString, QString> storedLabels(const QString& location)
{
    model::ProjectStore store;
    store.open(location);
    QMap<QString, QString> out;
    QSqlQuery q = store.exec(QStringLiteral(
        "SELECT i.ext_id, l.name FROM decisions d JOIN items i ON i.id = d.item_id LEFT JOIN labels l ON l.id = d.label_id "
        "WHERE d.id = (SELECT MAX(id) FROM decisions e WHERE e.item_id = d.item_id)"));
    while (q.next())
        out.insert(q.value(0).toString(), q.value(1).toString());
    return out;
}

} // namespace chorus::test
