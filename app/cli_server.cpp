// chorus-cli commands for projects on a PostgreSQL server (issue #19, docs/server-projects.md):
// projects (list), push (file -> server), pull (server -> file).

#include "cli.h"

#include "projectcopy.h"

#include <QCoreApplication>

#include <nlohmann/json.hpp>


namespace chorus::cli {

namespace {

model::ProjectLocation serverLocation(const QString& uri, bool needProject)
{
    if (!model::ProjectLocation::isServerUri(uri))
        throw UsageError{QStringLiteral("\"%1\" is not a server URI (postgresql://[user@]host[:port]/database?project=NAME)")
                             .arg(uri)};
    const model::ProjectLocation loc = model::ProjectLocation::parse(uri);
    if (needProject && loc.project.isEmpty())
        throw UsageError{QStringLiteral("%1: the URI names no project (add ?project=NAME)").arg(uri)};
    return loc;
}

QString progressLine(int done, int total)
{
    return QStringLiteral("%1/%2 tables").arg(done).arg(total);
}

} // namespace

int cmdProjects(const QStringList& args)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("json"), QStringLiteral("Print JSON.")});
    p.addPositionalArgument(QStringLiteral("URI"), QStringLiteral("postgresql://[user@]host[:port]/database"));
    parseOrThrow(p, args, QStringLiteral("chorus-cli projects URI [--json]"));
    if (p.positionalArguments().size() != 1)
        throw UsageError{QStringLiteral("expected URI")};
    serverLocation(p.positionalArguments()[0], false);
    const QStringList names = model::ProjectStore::serverProjects(p.positionalArguments()[0]);
    if (p.isSet(QStringLiteral("json"))) {
        nlohmann::json j = nlohmann::json::array();
        for (const QString& n : names)
            j.push_back(n.toStdString());
        out(QByteArray::fromStdString(j.dump()) + '\n');
    } else {
        for (const QString& n : names)
            out(n.toUtf8() + '\n');
    }
    return kOk;
}

int cmdPush(const QStringList& args)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("replace"), QStringLiteral("Replace a server project of that name.")});
    p.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("Project file."));
    p.addPositionalArgument(QStringLiteral("URI"), QStringLiteral("Server project URI."));
    parseOrThrow(p, args, QStringLiteral("chorus-cli push FILE URI [--replace]"));
    if (p.positionalArguments().size() != 2)
        throw UsageError{QStringLiteral("expected FILE and URI")};
    const QString file = p.positionalArguments()[0], uri = p.positionalArguments()[1];
    if (model::ProjectLocation::isServerUri(file))
        throw UsageError{QStringLiteral("FILE must be a project file (pull copies a server project to a file)")};
    const model::ProjectLocation target = serverLocation(uri, true);
    model::pushProject(file, uri, p.isSet(QStringLiteral("replace")),
                       [](int done, int total) { err(progressLine(done, total)); });
    err(QStringLiteral("%1 -> %2").arg(file, target.display()));
    return kOk;
}

int cmdPull(const QStringList& args)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("replace"), QStringLiteral("Replace FILE if it exists.")});
    p.addPositionalArgument(QStringLiteral("URI"), QStringLiteral("Server project URI."));
    p.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("Project file to write."));
    parseOrThrow(p, args, QStringLiteral("chorus-cli pull URI FILE [--replace]"));
    if (p.positionalArguments().size() != 2)
        throw UsageError{QStringLiteral("expected URI and FILE")};
    const QString uri = p.positionalArguments()[0], file = p.positionalArguments()[1];
    serverLocation(uri, true);
    if (model::ProjectLocation::isServerUri(file))
        throw UsageError{QStringLiteral("FILE must be a file path (push copies a file to a server)")};

    model::pullProject(uri, file, p.isSet(QStringLiteral("replace")),
                       [](int done, int total) { err(progressLine(done, total)); });
    err(QStringLiteral("%1 -> %2").arg(model::ProjectLocation::parse(uri).display(), file));
    return kOk;
}

} // namespace chorus::cli
