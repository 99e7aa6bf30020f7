#pragma once
// Where a project lives: a .chorus file (SQLite) or a schema in a PostgreSQL database, named by
// a URI postgresql://[user@]host[:port]/database?project=NAME[&libpq-parameter=value...].
// See docs/server-projects.md.

#include <QList>
#include <QPair>
#include <QString>

namespace chorus::model {

struct ProjectLocation
{
    enum class Kind { File, Server };
    Kind kind = Kind::File;

    QString path;  ///< File: the path as given

    // Server: the libpq connection parameters and the project (schema) name.
    QString host;      ///< name, address, or a socket folder (starts with '/'); empty: libpq's default
    int port = -1;     ///< -1: libpq's default
    QString user;      ///< empty: libpq's default (PGUSER, the login name)
    QString database;  ///< empty: libpq's default
    QString project;   ///< schema name (see isValidProjectName); empty when the URI names none
    /// Every other query parameter (sslmode, service, connect_timeout...), passed to libpq as is.
    QList<QPair<QString, QString>> options;

    bool isServer() const { return kind == Kind::Server; }
    /// The URI of a server location (never holding a password), or the file path.
    QString display() const;
    /// The same server and database with another project.
    ProjectLocation withProject(const QString& name) const;
    /// "user@host:port/database": the key under which a password typed in the GUI is kept.
    QString serverKey() const;

    /// True when text starts with postgresql:// or postgres://.
    static bool isServerUri(const QString& text);
    /// A file path or a server URI. Throws Error for a malformed URI, a password inside it
    /// (passwords come from PGPASSWORD, ~/.pgpass, a service file or the GUI's prompt, never
    /// from anything Chorus stores), or an invalid project name.
    static ProjectLocation parse(const QString& text);
};

/// Project names are PostgreSQL schema names Chorus can use without quoting surprises:
/// a lowercase letter, then lowercase letters, digits or '_', at most 40 characters (the team's
/// role names chorus_<project>_adjudicator must fit PostgreSQL's 63), not starting with "pg_"
/// and not "public" or "information_schema". Sets *why when invalid.
bool isValidProjectName(const QString& name, QString* why = nullptr);

/// A password typed in the GUI, kept in this process's memory only (never written anywhere)
/// for connections to serverKey(). An empty password forgets it.
void rememberServerPassword(const QString& serverKey, const QString& password);
QString rememberedServerPassword(const QString& serverKey);

} // namespace chorus::model
