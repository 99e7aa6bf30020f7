#pragma once
// Helpers shared by the import tests: paths, and independent reads of a project (through a raw
// connection, not ProjectStore) and of source files (a simple parse, not the importer).

#include "files.h"
#include "newproject.h"
#include "importer.h"
#include "projectdump.h"
#include "scratchdir.h"
#include "testprojects.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QStringList>
#include <QTemporaryDir>

#include <functional>

namespace chorus::test {


inline QString testData(const QString& name)
{
    return QStringLiteral(CHORUS_TEST_DATA "/import/") + name;
}

// Shows a raw cell: <null> for NULL, the text with newlines as \n otherwise.
inline QString shown(const QVariant& v)
{
    if (v.isNull())
        return QStringLiteral("<null>");
    return v.toString().replace(QLatin1Char('\n'), QStringLiteral("\\n"));
}

// "item|annotator|label-or-INVALID|raw", sorted, read through a raw connection.
inline QStringList annotationRows(const QString& project)
{
    QStringList out;
    withRawConnection(project, [&](QSqlDatabase& db) {
        QSqlQuery q(db);
        q.exec(QStringLiteral("SELECT i.ext_id, a.name, COALESCE(l.name, 'INVALID'), n.raw FROM annotations n "
                              "JOIN items i ON i.id = n.item_id JOIN annotators a ON a.id = n.annotator_id "
                              "LEFT JOIN labels l ON l.id = n.label_id"));
        while (q.next())
            out << QStringLiteral("%1|%2|%3|%4").arg(q.value(0).toString(), q.value(1).toString(),
                                                     q.value(2).toString(), shown(q.value(3)));
    });
    out.sort();
    return out;
}

inline QStringList queryRows(const QString& project, const QString& sql)
{
    QStringList out;
    withRawConnection(project, [&](QSqlDatabase& db) {
        QSqlQuery q(db);
        if (!q.exec(sql))
            qWarning() << q.lastError().text();
        while (q.next()) {
            QStringList cells;
            for (int i = 0; i < q.record().count(); ++i)
                cells << shown(q.value(i));
            out << cells.join(QLatin1Char('|'));
        }
    });
    out.sort();
    return out;
}

inline QStringList labelsOf(const QString& project)
{
    QStringList out;
    withRawConnection(project, [&](QSqlDatabase& db) {
        QSqlQuery q(db);
        q.exec(QStringLiteral("SELECT name FROM labels ORDER BY position, id"));
        while (q.next())
            out << q.value(0).toString();
    });
    return out;
}

// Reads a small CSV file without quotes (the shared datasets have none; checked) as rows.
inline QList<QStringList> simpleCsv(const QString& path, bool skipHeader)
{
    QList<QStringList> rows;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return rows;
    const QByteArray all = f.readAll();
    if (all.contains('"'))
        qFatal("%s has quotes; the simple parse in this test does not handle them", qPrintable(path));
    bool first = true;
    for (const QByteArray& line : all.split('\n')) {
        const QByteArray l = line.trimmed();
        if (l.isEmpty())
            continue;
        if (first && skipHeader) {
            first = false;
            continue;
        }
        first = false;
        rows << QString::fromUtf8(l).split(QLatin1Char(','));
    }
    return rows;
}

// A minimal RFC 4180 reader written for the tests (not the project's CsvReader): fields
// separated by commas, records by LF; a quoted field may hold commas, CR, LF and "" for ".
inline QList<QStringList> parseCsv(const QByteArray& bytes)
{
    const QString text = QString::fromUtf8(bytes);
    QList<QStringList> rows;
    QStringList row;
    QString field;
    bool quoted = false;
    for (qsizetype k = 0; k < text.size(); ++k) {
        const QChar c = text[k];
        if (quoted) {
            if (c == QLatin1Char('"') && k + 1 < text.size() && text[k + 1] == QLatin1Char('"')) {
                field += c;
                ++k;
            } else if (c == QLatin1Char('"')) {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == QLatin1Char('"')) {
            quoted = true;
        } else if (c == QLatin1Char(',')) {
            row << field;
            field.clear();
        } else if (c == QLatin1Char('\n')) {
            row << field;
            rows << row;
            row.clear();
            field.clear();
        } else {
            field += c;
        }
    }
    return rows;
}

inline QStringList idsOf(const QList<QJsonObject>& lines)
{
    QStringList out;
    for (const QJsonObject& o : lines)
        out << o.value(QStringLiteral("id")).toString();
    return out;
}

inline QList<QJsonObject> jsonLines(const QString& path)
{
    QList<QJsonObject> out;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return out;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (!line.trimmed().isEmpty())
            out << QJsonDocument::fromJson(line).object();
    return out;
}

inline QString jsonId(const QJsonValue& v)
{
    return v.isString() ? v.toString() : QString::number(v.toInteger());
}


/// Base of the import test classes: a fresh scratch folder per test function (init()), files
/// written into it, and imports into new projects: a name ending in ".chorus" is a project, a
/// file there or, in the _pg run of a test, a project on the test server (testprojects.h).
class ImportTestBase : public ScratchDirTest
{
protected:
    QString path(const QString& name) const { return pathOrProject(*m_dir, name); }
    QString write(const QString& name, const QByteArray& content)
    {
        const QString p = path(name);
        if (!writeFile(p, content))
            qFatal("cannot write %s", qPrintable(p));
        return p;
    }
    // Imports into a new project file and returns the report; the store is closed afterwards.
    model::ImportReport importNew(const QString& project, const QString& file, const model::ImportOptions& o = {})
    {
        return importIntoNewProject(project, file, o);
    }
    /// The project `name` (a ".chorus" name) made from the jsonl `content`, written next to it
    /// under the same name with ".jsonl", and then `fill` run on its open store: made on the first
    /// call in a test function, afterwards returned as it is.
    QString fixtureProject(const QString& name, const QByteArray& content,
                           const std::function<void(model::ProjectStore&)>& fill)
    {
        const QString p = path(name);
        if (model::ProjectStore::projectExists(p))
            return p;
        model::ProjectStore s;
        s.open(p, model::ProjectStore::Mode::CreateNew);
        model::importFile(s, write(QFileInfo(name).completeBaseName() + QStringLiteral(".jsonl"), content));
        fill(s);
        return p;
    }
};

} // namespace chorus::test
