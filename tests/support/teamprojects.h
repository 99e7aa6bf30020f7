#pragma once
// Team review test projects (issue #20): a project with team settings, and on the test server
// its team roles and reviewer logins, for the tests of My queue, the Team panel and live
// updates. Header-only: the tests that include it link chorus_model.

#include "importer.h"
#include "projectstore.h"
#include "teamreview.h"
#include "teamroles.h"

#include <QString>
#include <QStringList>

namespace chorus::test {

/// A test-server URI (whose login is the fixture's superuser chorus_admin) as another login.
inline QString asLogin(const QString& uri, const QString& login)
{
    QString u = uri;
    u.replace(QStringLiteral("chorus_admin@"), login + QLatin1Char('@'));
    return u;
}

/// Creates the project at location from dataFile with the given team settings. On a server it
/// also makes the team roles (team init) and each of reviewers a login with the reviewer role.
inline void makeTeamProject(const QString& location, const QString& dataFile, int overlap, int leaseMinutes,
                            const QStringList& reviewers = {})
{
    model::ProjectStore s;
    s.open(location, model::ProjectStore::Mode::CreateNew);
    model::importFile(s, dataFile);
    model::TeamSettings st;
    st.overlap = overlap;
    st.leaseMinutes = leaseMinutes;
    st.order = model::TeamSettings::Order::Queue;
    model::setTeamSettings(s, st);
    if (!s.isServer())
        return;
    model::initTeam(s);
    for (const QString& login : reviewers) {
        s.exec(QStringLiteral("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '%1') THEN "
                              "CREATE ROLE %1 LOGIN; END IF; END $$")
                   .arg(login));
        model::addTeamMember(s, login, model::TeamRole::Reviewer);
    }
}

} // namespace chorus::test
