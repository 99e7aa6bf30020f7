// chorus-cli commands for projects on a PostgreSQL server (issue #19, docs/server-projects.md):
// projects (list), push (file -> server), pull (server -> file).

#include "cli.h"
#include "cli_options.h"

#include "projectcopy.h"
#include "teamreview.h"
#include "teamroles.h"

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
    const QString uri = parsePositionals(p, args, {opt::json(QStringLiteral("Print JSON."))},
                                         {{QStringLiteral("URI"), QStringLiteral("postgresql://[user@]host[:port]/database")}},
                                         QStringLiteral("chorus-cli projects URI [--json]"))[0];
    serverLocation(uri, false);
    const QStringList names = model::ProjectStore::serverProjects(uri);
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
    const QStringList pos = parsePositionals(p, args,
                                             {{QStringLiteral("replace"), QStringLiteral("Replace a server project of that name.")}},
                                             {{QStringLiteral("FILE"), QStringLiteral("Project file.")},
                                              {QStringLiteral("URI"), QStringLiteral("Server project URI.")}},
                                             QStringLiteral("chorus-cli push FILE URI [--replace]"));
    const QString file = pos[0], uri = pos[1];
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
    const QStringList pos = parsePositionals(p, args, {{QStringLiteral("replace"), QStringLiteral("Replace FILE if it exists.")}},
                                             {{QStringLiteral("URI"), QStringLiteral("Server project URI.")},
                                              {QStringLiteral("FILE"), QStringLiteral("Project file to write.")}},
                                             QStringLiteral("chorus-cli pull URI FILE [--replace]"));
    const QString uri = pos[0], file = pos[1];
    serverLocation(uri, true);
    if (model::ProjectLocation::isServerUri(file))
        throw UsageError{QStringLiteral("FILE must be a file path (push copies a file to a server)")};

    model::pullProject(uri, file, p.isSet(QStringLiteral("replace")),
                       [](int done, int total) { err(progressLine(done, total)); });
    err(QStringLiteral("%1 -> %2").arg(model::ProjectLocation::parse(uri).display(), file));
    return kOk;
}

} // namespace chorus::cli

namespace chorus::cli {

int cmdTeam(const QStringList& args)
{
    if (args.value(1) == QLatin1String("settings")) {  // its own options (team review, cli_team.cpp)
        QStringList rest = args;
        rest.removeAt(1);
        rest[0] = QStringLiteral("chorus-cli team settings");
        return cmdTeamSettings(rest);
    }
    QCommandLineParser p;
    p.addOption({QStringLiteral("role"), QStringLiteral("manager, adjudicator or reviewer."), QStringLiteral("ROLE")});
    p.addOption({QStringLiteral("name"), QStringLiteral("The member's display name (team add)."), QStringLiteral("NAME")});
    p.addOption({QStringLiteral("json"), QStringLiteral("Print JSON (team list).")});
    p.addPositionalArgument(QStringLiteral("ACTION"), QStringLiteral("init, add or list."));
    p.addPositionalArgument(QStringLiteral("URI"), QStringLiteral("Server project URI."));
    p.addPositionalArgument(QStringLiteral("LOGIN"), QStringLiteral("A login role of the server (add)."));
    const QString synopsis = QStringLiteral("chorus-cli team init URI | team add URI LOGIN --role manager|adjudicator|reviewer "
                                            "[--name NAME] | team list URI [--json]");
    parseOrThrow(p, args, synopsis);
    const QStringList pos = p.positionalArguments();
    if (pos.size() < 2)
        throw UsageError{QStringLiteral("expected ACTION and URI\nusage: ") + synopsis};
    const QString action = pos[0];
    serverLocation(pos[1], true);
    if (action == QLatin1String("add")) {
        if (!p.isSet(QStringLiteral("role")))
            throw UsageError{QStringLiteral("team add needs --role manager, adjudicator or reviewer")};
        if (pos.size() != 3)
            throw UsageError{QStringLiteral("team add takes URI and LOGIN")};
        bool ok = false;
        const model::TeamRole role = model::teamRoleFromName(p.value(QStringLiteral("role")), &ok);
        if (!ok)
            throw UsageError{QStringLiteral("--role must be manager, adjudicator or reviewer")};
        model::ProjectStore store;
        store.open(pos[1]);
        model::addTeamMember(store, pos[2], role);
        if (p.isSet(QStringLiteral("name")))
            model::setDisplayName(store, pos[2], p.value(QStringLiteral("name")));
        err(QStringLiteral("%1 is %2 of %3").arg(pos[2], model::teamRoleName(role), store.location().project));
        return kOk;
    }
    if (action != QLatin1String("init") && action != QLatin1String("list"))
        throw UsageError{QStringLiteral("unknown team action \"%1\" (init, add or list)").arg(action)};
    if (pos.size() != 2)
        throw UsageError{QStringLiteral("team %1 takes URI only").arg(action)};
    model::ProjectStore store;
    store.open(pos[1]);
    if (action == QLatin1String("init")) {
        model::initTeam(store);
        err(QStringLiteral("team roles of %1: %2, %3, %4")
                .arg(store.location().project, model::projectRoleName(store.location().project, model::TeamRole::Manager),
                     model::projectRoleName(store.location().project, model::TeamRole::Adjudicator),
                     model::projectRoleName(store.location().project, model::TeamRole::Reviewer)));
        return kOk;
    }
    if (action == QLatin1String("list")) {
        const auto members = model::teamMembers(store);
        const QHash<QString, QString> names = model::displayNames(store);
        if (p.isSet(QStringLiteral("json"))) {
            nlohmann::ordered_json j = nlohmann::ordered_json::array();
            for (const auto& [login, role] : members)
                j.push_back({{"login", login.toStdString()},
                             {"name", names.value(login, login).toStdString()},
                             {"role", model::teamRoleName(role).toStdString()}});
            out(QByteArray::fromStdString(j.dump()) + '\n');
        } else {
            for (const auto& [login, role] : members)
                out((login + QLatin1Char('\t') + model::teamRoleName(role) + QLatin1Char('\t') + names.value(login, login))
                        .toUtf8()
                    + '\n');
        }
        return kOk;
    }
    throw UsageError{QStringLiteral("unknown team action \"%1\" (init, add or list)").arg(action)};
}

} // namespace chorus::cli
