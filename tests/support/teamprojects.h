#pragma once
// Team review test projects (issue #20): a project with team settings, and on the test server
// its team roles and reviewer logins, for the tests of My queue, the Team panel and live
// updates. Header-only: the tests that include it link chorus_model.

#include "files.h"
#include "testprojects.h"

#include "importer.h"
#include "projectstore.h"
#include "teamreview.h"
#include "teamroles.h"

#include <QPair>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

namespace chorus::test {

/// A test-server URI (whose login is the fixture's superuser chorus_admin) as another login.
inline QString asLogin(const QString& uri, const QString& login)
{
    QString u = uri;
    u.replace(QStringLiteral("chorus_admin@"), login + QLatin1Char('@'));
    return u;
}

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

inline void addReviewers(model::ProjectStore& admin, const QStringList& logins)
{
    QList<QPair<QString, model::TeamRole>> withRole;
    for (const QString& login : logins)
        withRole.append({login, model::TeamRole::Reviewer});
    addLogins(admin, withRole);
}

/// Creates the project at location from dataFile with the team settings st. On a server it
/// also makes the team roles (team init) and each of reviewers a login with the reviewer role.
inline void createTeamProject(const QString& location, const QString& dataFile, const model::TeamSettings& st,
                              const QStringList& reviewers = {})
{
    model::ProjectStore s;
    s.open(location, model::ProjectStore::Mode::CreateNew);
    model::importFile(s, dataFile);
    model::setTeamSettings(s, st);
    if (!s.isServer())
        return;
    model::initTeam(s);
    addReviewers(s, reviewers);
}

/// Team settings with the given overlap and lease, the rest default.
inline model::TeamSettings overlapAndLease(int overlap, int leaseMinutes)
{
    model::TeamSettings st;
    st.overlap = overlap;
    st.leaseMinutes = leaseMinutes;
    return st;
}

/// Creates the project at location from dataFile with the given overlap and lease in queue
/// order; on a server with the team roles and `reviewers` as reviewer logins.
inline void makeTeamProject(const QString& location, const QString& dataFile, int overlap, int leaseMinutes,
                            const QStringList& reviewers = {})
{
    model::TeamSettings st = overlapAndLease(overlap, leaseMinutes);
    st.order = model::TeamSettings::Order::Queue;
    createTeamProject(location, dataFile, st, reviewers);
}

/// Writes dir/fileName, a long CSV of n items r1..rn in that order with one LLM label each
/// (annotator m1: yes, except every third item no), and returns its path.
inline QString writeTeamItemsCsv(const QTemporaryDir& dir, const QString& fileName, int n)
{
    QByteArray csv = "item,annotator,label\n";
    for (int i = 1; i <= n; ++i)
        csv += "r" + QByteArray::number(i) + ",m1," + (i % 3 ? "yes" : "no") + "\n";
    const QString file = dir.filePath(fileName);
    if (!writeFile(file, csv))
        qFatal("cannot write %s", qPrintable(file));
    return file;
}

/// A server project of the n items of writeTeamItemsCsv with the given overlap and lease
/// (default order), team roles, and `logins` as reviewers. Returns its URI (as the fixture's
/// superuser).
inline QString serverTeamProject(const QTemporaryDir& dir, const QString& name, int n, int overlap, int leaseMinutes,
                                 const QStringList& logins)
{
    const QString uri = serverProjectLocation(dir, name + QStringLiteral(".chorus"));
    const QString file = writeTeamItemsCsv(dir, name + QStringLiteral(".csv"), n);
    createTeamProject(uri, file, overlapAndLease(overlap, leaseMinutes), logins);
    return uri;
}

} // namespace chorus::test
