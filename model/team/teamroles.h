#pragma once
// Who may do what in a server project (issue #19): PostgreSQL roles, so that authentication and
// permissions are the server's. Each project has three group roles (NOLOGIN):
//   chorus_<project>_manager      owns the project's schema and tables: import, aggregate,
//                                 export, manage reviewers;
//   chorus_<project>_adjudicator  reads everything, writes decisions as itself;
//   chorus_<project>_reviewer     reads everything, writes decisions as itself.
// Login roles are granted one of them. Row-level security lets a decision in only with
// author = current_user; the append-only trigger refuses UPDATE and DELETE of decisions to
// everyone (docs/server-projects.md).

#include "projectstore.h"

#include <QList>
#include <QPair>
#include <QString>

namespace chorus::model {

enum class TeamRole { Manager, Adjudicator, Reviewer };
QString teamRoleName(TeamRole role);                        ///< "manager", ...
TeamRole teamRoleFromName(const QString& name, bool* ok);   ///< inverse of teamRoleName
/// The PostgreSQL group role of a project: chorus_<project>_<role>.
QString projectRoleName(const QString& project, TeamRole role);

/// Creates the project's three group roles when missing, hands the schema and its tables to the
/// manager role, and grants the others what they may do. Idempotent. Needs a connection with
/// the CREATEROLE privilege that owns the project (its creator, or a superuser); throws Error
/// saying so otherwise.
void initTeam(ProjectStore& store);

/// Grants an existing login role one of the project's roles (and revokes the other two, so a
/// login has one role per project). Throws Error when the login or the team roles are missing.
void addTeamMember(ProjectStore& store, const QString& login, TeamRole role);

/// The logins holding a role in this project, sorted by name.
QList<QPair<QString, TeamRole>> teamMembers(ProjectStore& store);

/// The role the current connection acts with in this project: its own team role, Manager for
/// the schema's owner or a superuser, or no value when it has none.
std::optional<TeamRole> currentTeamRole(ProjectStore& store);

} // namespace chorus::model
