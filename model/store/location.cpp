#include "location.h"

#include "errors.h"

#include <QHash>
#include <QMutex>
#include <QRegularExpression>
#include <QUrl>
#include <QUrlQuery>

namespace chorus::model {

namespace {

Error badUri(const QString& text, const QString& why)
{
    return Error(QStringLiteral("%1: not a valid server project URI: %2\n"
                                "expected postgresql://[user@]host[:port]/database?project=NAME")
                     .arg(text, why));
}

Error passwordInUri(const QString& text)
{
    // The URI is repeated without its password.
    QString shown = QUrl(text).toString(QUrl::RemovePassword);
    const int at = int(shown.indexOf(QLatin1String("password=")));
    if (at >= 0)
        shown = shown.left(at) + QStringLiteral("password=***");
    Error e(QStringLiteral("%1: a password cannot be part of a project URI (it would be kept in the "
                           "recent-projects list and the shell history); give it through PGPASSWORD, "
                           "~/.pgpass or a service file, or type it when Chorus asks")
                .arg(shown));
    return e;
}

} // namespace

bool ProjectLocation::isServerUri(const QString& text)
{
    return text.startsWith(QLatin1String("postgresql://"), Qt::CaseInsensitive)
        || text.startsWith(QLatin1String("postgres://"), Qt::CaseInsensitive);
}

bool isValidProjectName(const QString& name, QString* why)
{
    static const QRegularExpression re(QStringLiteral("^[a-z][a-z0-9_]{0,39}$"));
    QString problem;
    if (name.isEmpty())
        problem = QStringLiteral("the project name is empty");
    else if (!re.match(name).hasMatch())
        problem = QStringLiteral("project name \"%1\" must start with a lowercase letter and hold only lowercase "
                                 "letters, digits and '_' (at most 40 characters)")
                      .arg(name);
    else if (name.startsWith(QLatin1String("pg_")) || name == QLatin1String("public")
             || name == QLatin1String("information_schema"))
        problem = QStringLiteral("project name \"%1\" is reserved by PostgreSQL").arg(name);
    if (why)
        *why = problem;
    return problem.isEmpty();
}

ProjectLocation ProjectLocation::parse(const QString& text)
{
    ProjectLocation loc;
    if (!isServerUri(text)) {
        loc.path = text;
        return loc;
    }
    loc.kind = Kind::Server;
    // libpq takes a socket folder percent-encoded in the host part (postgresql://%2Ftmp/db),
    // which QUrl refuses as a host name: it is set aside and put back below.
    static const QRegularExpression socketHost(QStringLiteral("^(postgres(?:ql)?://(?:[^@/?]*@)?)(%2[Ff][^:/?]*)"),
                                               QRegularExpression::CaseInsensitiveOption);
    QString forUrl = text;
    QString socketFolder;
    if (const auto m = socketHost.match(text); m.hasMatch()) {
        socketFolder = QUrl::fromPercentEncoding(m.captured(2).toUtf8());
        forUrl.replace(m.capturedStart(2), m.capturedLength(2), QStringLiteral("socket.invalid"));
    }
    const QUrl url(forUrl, QUrl::StrictMode);
    if (!url.isValid())
        throw badUri(text, url.errorString());
    if (!url.password().isEmpty())
        throw passwordInUri(text);
    loc.user = url.userName(QUrl::FullyDecoded);
    loc.host = socketFolder.isEmpty() ? url.host(QUrl::FullyDecoded) : socketFolder;
    loc.port = url.port(-1);
    QString db = url.path(QUrl::FullyDecoded);
    if (db.startsWith(QLatin1Char('/')))
        db.remove(0, 1);
    if (db.contains(QLatin1Char('/')))
        throw badUri(text, QStringLiteral("the path must be one database name"));
    loc.database = db;
    if (url.hasFragment())
        throw badUri(text, QStringLiteral("unexpected '#'"));
    const QUrlQuery query(url);
    for (const auto& [key, value] : query.queryItems(QUrl::FullyDecoded)) {
        if (key == QLatin1String("project")) {
            loc.project = value;
        } else if (key == QLatin1String("password")) {
            throw passwordInUri(text);
        } else if (key == QLatin1String("host")) {
            loc.host = value;
        } else if (key == QLatin1String("port")) {
            bool ok = false;
            loc.port = value.toInt(&ok);
            if (!ok || loc.port <= 0 || loc.port > 65535)
                throw badUri(text, QStringLiteral("port \"%1\" is not a port number").arg(value));
        } else if (key == QLatin1String("user")) {
            loc.user = value;
        } else if (key == QLatin1String("dbname")) {
            loc.database = value;
        } else {
            static const QRegularExpression keyRe(QStringLiteral("^[a-z_]+$"));
            if (!keyRe.match(key).hasMatch())
                throw badUri(text, QStringLiteral("\"%1\" is not a connection parameter").arg(key));
            // Qt's PostgreSQL driver joins its options with ';'.
            if (value.contains(QLatin1Char(';')))
                throw badUri(text, QStringLiteral("the value of %1 contains ';'").arg(key));
            loc.options.append({key, value});
        }
    }
    if (!loc.project.isEmpty()) {
        QString why;
        if (!isValidProjectName(loc.project, &why))
            throw badUri(text, why);
    }
    return loc;
}

QString ProjectLocation::display() const
{
    if (!isServer())
        return path;
    QUrl url;
    url.setScheme(QStringLiteral("postgresql"));
    // A socket folder goes in the query (a URI host cannot hold '/').
    const bool socketHost = host.startsWith(QLatin1Char('/'));
    if (!user.isEmpty())
        url.setUserName(user);
    url.setHost(socketHost ? QString() : host);
    if (port > 0 && !socketHost)
        url.setPort(port);
    url.setPath(QLatin1Char('/') + database);
    QUrlQuery q;
    if (socketHost) {
        q.addQueryItem(QStringLiteral("host"), host);
        if (port > 0)
            q.addQueryItem(QStringLiteral("port"), QString::number(port));
    }
    for (const auto& [k, v] : options)
        q.addQueryItem(k, v);
    if (!project.isEmpty())
        q.addQueryItem(QStringLiteral("project"), project);
    url.setQuery(q);
    QString s = url.toString(QUrl::PrettyDecoded);
    // QUrl writes an empty authority as "postgresql:/db"; libpq and people expect "postgresql:///db".
    if (!s.startsWith(QLatin1String("postgresql://")))
        s.replace(0, int(qstrlen("postgresql:")), QStringLiteral("postgresql://"));
    return s;
}

ProjectLocation ProjectLocation::withProject(const QString& name) const
{
    ProjectLocation l = *this;
    l.project = name;
    return l;
}

QString ProjectLocation::serverKey() const
{
    return QStringLiteral("%1@%2:%3/%4").arg(user, host, QString::number(port), database);
}

namespace {
QMutex g_passwordMutex;
QHash<QString, QString>& passwords()
{
    static QHash<QString, QString> p;
    return p;
}
} // namespace

void rememberServerPassword(const QString& serverKey, const QString& password)
{
    QMutexLocker lock(&g_passwordMutex);
    if (password.isEmpty())
        passwords().remove(serverKey);
    else
        passwords().insert(serverKey, password);
}

QString rememberedServerPassword(const QString& serverKey)
{
    QMutexLocker lock(&g_passwordMutex);
    return passwords().value(serverKey);
}

} // namespace chorus::model
