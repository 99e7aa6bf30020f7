#include "teamroles.h"

#include "dialect.h"
#include "enumnames.h"

#include <QSqlQuery>

#include <optional>

namespace chorus::model {

namespace {

constexpr EnumName<TeamRole> kRoleNames[] = {
    {TeamRole::Manager, "manager"}, {TeamRole::Adjudicator, "adjudicator"}, {TeamRole::Reviewer, "reviewer"}};

// Every table of the project (model/store/schema.cpp), read from the catalog so that a later
// migration's tables are covered too.
QStringList projectTables(ProjectStore& store)
{
    QStringList out;
    QSqlQuery q = store.exec(QStringLiteral("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                                            "ORDER BY tablename"));
    while (q.next())
        out << q.value(0).toString();
    return out;
}

void requireServer(ProjectStore& store)
{
    if (!store.isServer())
        throw Error(QStringLiteral("%1: teams are for projects on a PostgreSQL server (chorus-cli push copies a "
                                   "project file there)")
                        .arg(store.path()));
}

QString id(const QString& name)
{
    return quotedIdentifier(name);
}

} // namespace

QString teamRoleName(TeamRole role)
{
    return nameIn(kRoleNames, role);
}

TeamRole teamRoleFromName(const QString& name, bool* ok)
{
    const std::optional<TeamRole> role = valueIn(kRoleNames, name);
    *ok = role.has_value();
    return role.value_or(TeamRole::Reviewer);
}

QString projectRoleName(const QString& project, TeamRole role)
{
    return QStringLiteral("chorus_%1_%2").arg(project, teamRoleName(role));
}

namespace {

// Blind review (TeamSettings::Blind, docs/team.md), enforced by the server for reviewers' logins:
// with blind "reviewers" a reviewer reads only its own decisions on an item until the item has
// its `overlap` reviewers; with "all" also no LLM label, saved consensus, human counts or gold of
// an item until it is complete or the reviewer has decided it. The settings are read when a
// query runs, so changing them needs no new policies. The two helper functions run as their
// owner, the manager role, which is not bound by row-level security: the policies of a table
// can then look at decisions and meta without recursing into their own policies.
void createBlindPolicies(ProjectStore& store, const QString& schema, const QString& manager, const QString& deciders,
                         const QString& reviewer)
{
    store.exec(QStringLiteral("CREATE OR REPLACE FUNCTION chorus_blind() RETURNS text LANGUAGE sql STABLE SECURITY "
                              "DEFINER SET search_path = %1 AS $$ SELECT COALESCE((SELECT value FROM meta WHERE key = "
                              "'team_blind'), 'none') $$")
                   .arg(schema));
    store.exec(QStringLiteral("CREATE OR REPLACE FUNCTION chorus_complete_items() RETURNS SETOF bigint LANGUAGE sql STABLE "
                              "SECURITY DEFINER SET search_path = %1 AS $$ SELECT item_id FROM decisions WHERE action <> "
                              "'adjudicate' GROUP BY item_id HAVING COUNT(DISTINCT author) >= COALESCE((SELECT "
                              "value::int FROM meta WHERE key = 'team_overlap'), 1) $$")
                   .arg(schema));
    for (const char* f : {"chorus_blind()", "chorus_complete_items()"}) {
        store.exec(QStringLiteral("ALTER FUNCTION %1 OWNER TO %2").arg(QLatin1String(f), manager));
        store.exec(QStringLiteral("REVOKE ALL ON FUNCTION %1 FROM PUBLIC").arg(QLatin1String(f)));
        store.exec(QStringLiteral("GRANT EXECUTE ON FUNCTION %1 TO %2, %3").arg(QLatin1String(f), deciders, reviewer));
    }
    // Decisions: adjudicators and managers read all; a reviewer its own, and the others' once
    // the item is complete or nothing is blind.
    store.exec(QStringLiteral("DROP POLICY IF EXISTS decisions_read_all ON decisions"));
    store.exec(QStringLiteral("DROP POLICY IF EXISTS decisions_read_blind ON decisions"));
    store.exec(QStringLiteral("CREATE POLICY decisions_read_all ON decisions FOR SELECT TO %1 USING (true)").arg(deciders));
    store.exec(QStringLiteral("CREATE POLICY decisions_read_blind ON decisions FOR SELECT TO %1 USING (author = "
                              "current_user OR (SELECT chorus_blind()) = 'none' OR item_id IN (SELECT "
                              "chorus_complete_items()))")
                   .arg(reviewer));
    // What the LLMs and the methods said, and the truth, per item: hidden from a reviewer in
    // blind "all" until the item is complete or the reviewer has decided it.
    for (const char* table : {"annotations", "llm_answers", "run_items", "human_counts", "gold"}) {
        const QString t = QLatin1String(table);
        store.exec(QStringLiteral("ALTER TABLE %1 ENABLE ROW LEVEL SECURITY").arg(t));
        store.exec(QStringLiteral("DROP POLICY IF EXISTS %1_read_all ON %1").arg(t));
        store.exec(QStringLiteral("DROP POLICY IF EXISTS %1_read_blind ON %1").arg(t));
        store.exec(QStringLiteral("CREATE POLICY %1_read_all ON %1 FOR SELECT TO %2 USING (true)").arg(t, deciders));
        store.exec(QStringLiteral("CREATE POLICY %1_read_blind ON %1 FOR SELECT TO %2 USING ((SELECT chorus_blind()) <> "
                                  "'all' OR item_id IN (SELECT chorus_complete_items()) OR item_id IN (SELECT item_id "
                                  "FROM decisions WHERE author = current_user))")
                       .arg(t, reviewer));
    }
}

} // namespace

void initTeam(ProjectStore& store)
{
    requireServer(store);
    const QString project = store.location().project;
    const QString manager = projectRoleName(project, TeamRole::Manager);
    const QString adjudicator = projectRoleName(project, TeamRole::Adjudicator);
    const QString reviewer = projectRoleName(project, TeamRole::Reviewer);
    const QString schema = id(project);
    try {
        store.transaction([&] {
            for (const auto& [r, name] : kRoleNames) {
                const QString role = projectRoleName(project, r);
                if (!store.scalar(QStringLiteral("SELECT 1 FROM pg_roles WHERE rolname = ?"), {role}).isValid())
                    store.exec(QStringLiteral("CREATE ROLE %1 NOLOGIN").arg(id(role)));
            }
            // The creator keeps managing the project through the manager role.
            store.exec(QStringLiteral("GRANT %1 TO CURRENT_USER").arg(id(manager)));
            store.exec(QStringLiteral("ALTER SCHEMA %1 OWNER TO %2").arg(schema, id(manager)));
            const QStringList tables = projectTables(store);
            for (const QString& t : tables)
                store.exec(QStringLiteral("ALTER TABLE %1 OWNER TO %2").arg(id(t), id(manager)));
            store.exec(QStringLiteral("ALTER FUNCTION decisions_append_only() OWNER TO %1").arg(id(manager)));
            // Live updates (docs/team.md): a project made before them gets them here too.
            for (const QString& sql : store.dialect().liveNotifications())
                store.exec(sql);
            store.exec(QStringLiteral("ALTER FUNCTION chorus_live_notify() OWNER TO %1").arg(id(manager)));
            for (const QString& role : {adjudicator, reviewer}) {
                store.exec(QStringLiteral("GRANT USAGE ON SCHEMA %1 TO %2").arg(schema, id(role)));
                store.exec(QStringLiteral("REVOKE ALL ON ALL TABLES IN SCHEMA %1 FROM %2").arg(schema, id(role)));
                store.exec(QStringLiteral("GRANT SELECT ON ALL TABLES IN SCHEMA %1 TO %2").arg(schema, id(role)));
                store.exec(QStringLiteral("GRANT INSERT ON decisions TO %1").arg(id(role)));
                // Claims (team review): a reviewer takes, renews and gives back its own.
                store.exec(QStringLiteral("GRANT INSERT, UPDATE, DELETE ON claims TO %1").arg(id(role)));
            }
            // Everyone reads every decision and claim. A decision goes in only under its writer's
            // name (UPDATE and DELETE are refused to all by the append-only trigger), and an
            // adjudication (action 'adjudicate', adjudication.h) only from an adjudicator or a
            // manager; a claim is changed only by its reviewer. The owner is not bound by them.
            const QString deciders = id(adjudicator) + QLatin1String(", ") + id(manager);
            const struct
            {
                const char* table;
                const char* name;
                QString rule;
            } policies[] = {
                {"decisions", "own", QStringLiteral("FOR INSERT TO %1 WITH CHECK (author = current_user)").arg(deciders)},
                {"decisions", "review",
                 QStringLiteral("FOR INSERT TO %1 WITH CHECK (author = current_user AND action <> 'adjudicate')")
                     .arg(id(reviewer))},
                {"claims", "own", QStringLiteral("FOR ALL USING (reviewer = current_user) WITH CHECK (reviewer = current_user)")}};
            for (const char* table : {"decisions", "claims"}) {
                const QString t = QLatin1String(table);
                store.exec(QStringLiteral("ALTER TABLE %1 ENABLE ROW LEVEL SECURITY").arg(t));
                for (const char* name : {"read", "own", "review"})
                    store.exec(QStringLiteral("DROP POLICY IF EXISTS %1_%2 ON %1").arg(t, QLatin1String(name)));
            }
            store.exec(QStringLiteral("CREATE POLICY claims_read ON claims FOR SELECT USING (true)"));
            for (const auto& [table, name, rule] : policies)
                store.exec(QStringLiteral("CREATE POLICY %1_%2 ON %1 %3").arg(QLatin1String(table), QLatin1String(name), rule));
            createBlindPolicies(store, schema, id(manager), deciders, id(reviewer));
        });
    } catch (const Error& e) {
        if (e.message().contains(QLatin1String("permission denied")) || e.message().contains(QLatin1String("must be owner"))
            || e.message().contains(QLatin1String("must have")))
            throw Error(QStringLiteral("%1: team init needs a connection that owns the project and may create roles "
                                       "(CREATEROLE), e.g. the project's creator or a superuser: %2")
                            .arg(store.path(), e.message()));
        throw;
    }
}

void addTeamMember(ProjectStore& store, const QString& login, TeamRole role)
{
    requireServer(store);
    const QString project = store.location().project;
    if (login.trimmed().isEmpty())
        throw Error(QStringLiteral("the login name is empty"));
    if (!store.scalar(QStringLiteral("SELECT 1 FROM pg_roles WHERE rolname = ?"), {login}).isValid())
        throw Error(QStringLiteral("%1: the server has no login \"%2\"; create it first (CREATE ROLE ... LOGIN, with "
                                   "a password or another authentication method)")
                        .arg(store.path(), login));
    for (const auto& [r, name] : kRoleNames)
        if (!store.scalar(QStringLiteral("SELECT 1 FROM pg_roles WHERE rolname = ?"), {projectRoleName(project, r)}).isValid())
            throw Error(QStringLiteral("%1: the project has no team roles yet; run chorus-cli team init first").arg(store.path()));
    store.transaction([&] {
        for (const auto& [r, name] : kRoleNames) {
            const QString group = id(projectRoleName(project, r));
            if (r == role)
                store.exec(QStringLiteral("GRANT %1 TO %2").arg(group, id(login)));
            else if (store.scalar(QStringLiteral("SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                                                 "JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = ? AND u.rolname = ?"),
                                  {projectRoleName(project, r), login})
                         .isValid())
                store.exec(QStringLiteral("REVOKE %1 FROM %2").arg(group, id(login)));
        }
    });
}

QList<QPair<QString, TeamRole>> teamMembers(ProjectStore& store)
{
    requireServer(store);
    const QString project = store.location().project;
    QList<QPair<QString, TeamRole>> out;
    for (const auto& [r, name] : kRoleNames) {
        QSqlQuery q = store.exec(QStringLiteral("SELECT u.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                                                "JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = ? AND u.rolcanlogin"),
                                 {projectRoleName(project, r)});
        while (q.next())
            out.append({q.value(0).toString(), r});
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
}

std::optional<TeamRole> currentTeamRole(ProjectStore& store)
{
    if (!store.isServer())
        return TeamRole::Manager;
    const QString project = store.location().project;
    if (store.scalar(QStringLiteral("SELECT 1 FROM pg_namespace WHERE nspname = ? AND "
                                    "(pg_has_role(current_user, nspowner, 'USAGE') OR "
                                    "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user))"),
                     {project})
            .isValid())
        return TeamRole::Manager;
    for (TeamRole r : {TeamRole::Adjudicator, TeamRole::Reviewer}) {
        const QString role = projectRoleName(project, r);
        if (store.scalar(QStringLiteral("SELECT 1 FROM pg_roles WHERE rolname = ? AND pg_has_role(current_user, oid, 'MEMBER')"),
                         {role})
                .isValid())
            return r;
    }
    return std::nullopt;
}

} // namespace chorus::model
