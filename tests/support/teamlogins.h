#pragma once
// Team tests on the PostgreSQL test server: logins with a role in a project, and the project's
// URI as one of them (the test server trusts its socket, so a login needs no password).

#include "projectstore.h"
#include "teamroles.h"

#include <QPair>
#include <QString>

namespace chorus::test {

/// Creates each login when missing and gives it its role in the project open in `admin`.
inline void addLogins(model::ProjectStore& admin, const QList<QPair<QString, model::TeamRole>>& logins)
{
    for (const auto& [login, role] : logins) {
        // The login is a fixed name written in the test (DO blocks take no parameters).
        admin.exec(QStringLiteral("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '%1') THEN "
                                  "CREATE ROLE %1 LOGIN; END IF; END $$")
                       .arg(login));
        model::addTeamMember(admin, login, role);
    }
}

/// The test server project `uri` (made as the test server's superuser) as `login`.
inline QString asLogin(QString uri, const QString& login)
{
    return uri.replace(QStringLiteral("chorus_admin@"), login + QLatin1Char('@'));
}

} // namespace chorus::test
