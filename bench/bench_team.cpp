// Team review on the GUI thread (issue #20, docs/team.md): how long the database calls that
// My queue makes synchronously take (renewing the lease, a decision through decideItem,
// re-reading the items another reviewer decided, giving the claims back), next to the ones it
// leaves to a worker (a refill, whose candidate query reads every item, and the Team panel's
// count, which reads every decision). A project of N items (3 LLM labels each) with 8
// reviewers: 7 others hold 20 claims each and have decided 2,000 items before the measured
// reviewer starts.
//   ./build/bench/bench_team LOCATION [items=100000] [repeats=200]
//       LOCATION: a new .chorus file, or a server URI of the superuser (a new project; the
//       reviewers are logins bench_rev0..7, made when missing). bench/bench_team.sh runs both.
// Prints median and 95th percentile wall milliseconds of each call.

#include "importer.h"
#include "teamjobs.h"
#include "teamqueue.h"
#include "teamreview.h"
#include "teamroles.h"
#include "workbench.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

using namespace chorus;
using namespace chorus::model;

namespace {

QString asLogin(const QString& uri, const QString& login)
{
    const int at = uri.indexOf(QLatin1Char('@'));
    const int scheme = uri.indexOf(QLatin1String("://")) + 3;
    return uri.left(scheme) + login + uri.mid(at);
}

struct Figures
{
    double median = 0, p95 = 0;
};

// fn timed, setup (when given) run before each call and not timed.
Figures timeIt(int repeats, const std::function<void(int)>& fn, const std::function<void()>& setup = {})
{
    std::vector<double> ms;
    for (int k = 0; k < repeats; ++k) {
        if (setup)
            setup();
        QElapsedTimer t;
        t.start();
        fn(k);
        ms.push_back(t.nsecsElapsed() / 1e6);
    }
    std::sort(ms.begin(), ms.end());
    return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 95 / 100)]};
}

void print(const char* what, const Figures& f)
{
    std::printf("%-52s median %8.2f ms   p95 %8.2f ms\n", what, f.median, f.p95);
    std::fflush(stdout);
}

Decision flagOf(qint64 item)
{
    Decision d;
    d.itemId = item;
    d.action = QStringLiteral("flag");
    d.status = ReviewStatus::Flagged;
    return d;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: bench_team LOCATION [items=100000] [repeats=200]\n");
        return 2;
    }
    const QString location = args[1];
    const int items = args.size() > 2 ? args[2].toInt() : 100000;
    const int repeats = args.size() > 3 ? args[3].toInt() : 200;
    const bool server = ProjectLocation::isServerUri(location);
    QTemporaryDir dir;
    try {
        QByteArray csv = "item,annotator,label\n";
        for (int i = 1; i <= items; ++i)
            for (int a = 0; a < 3; ++a)
                csv += "t" + QByteArray::number(i) + ",m" + QByteArray::number(a) + "," + ((i + a) % 4 ? "yes" : "no") + "\n";
        QFile f(dir.filePath(QStringLiteral("items.csv")));
        if (!f.open(QIODevice::WriteOnly) || f.write(csv) != csv.size())
            return 1;
        f.close();
        QStringList reviewers;
        for (int r = 0; r < 8; ++r)
            reviewers << QStringLiteral("bench_rev%1").arg(r);
        {
            ProjectStore s;
            s.open(location, ProjectStore::Mode::CreateNew);
            importFile(s, f.fileName());
            setTeamSettings(s, TeamSettings{});
            if (server) {
                initTeam(s);
                for (const QString& login : reviewers) {
                    s.exec(QStringLiteral("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '%1') THEN "
                                          "CREATE ROLE %1 LOGIN; END IF; END $$")
                               .arg(login));
                    addTeamMember(s, login, TeamRole::Reviewer);
                }
            }
        }
        auto open = [&](ProjectStore& s, int r) {
            if (server)
                s.open(asLogin(location, reviewers[r]));
            else {
                qputenv("USER", reviewers[r].toUtf8());
                s.open(location);
            }
        };
        // Seven others: 2,000 decisions between them, then 20 claims each.
        for (int r = 1; r < 8; ++r) {
            ProjectStore s;
            open(s, r);
            for (int done = 0; done < 2000 / 7;) {
                const QList<Claim> batch = claimItems(s, 20);
                for (const Claim& c : batch)
                    if (done++ < 2000 / 7)
                        decideItem(s, flagOf(c.itemId));
            }
            releaseClaims(s);
            claimItems(s, 20);
        }
        std::printf("%s project, %d items, 8 reviewers, %d repeats\n", server ? "server" : "file", items, repeats);
        ProjectStore me;
        open(me, 0);
        print("refill: claimItems(20) (worker)",
              timeIt(std::min(repeats, 20), [&](int) { claimItems(me, 20); }, [&] { releaseClaims(me); }));
        print("renew: claimItems(0), 20 live claims", timeIt(repeats, [&](int) { claimItems(me, 0); }));
        print("renew: renewClaims, 20 live claims (GUI thread)", timeIt(repeats, [&](int) { renewClaims(me, 30); }));
        QList<Claim> held = claimItems(me, 20);
        print("decideItem (GUI thread)", timeIt(repeats, [&](int) {
                  if (held.isEmpty())
                      held = claimItems(me, 20);
                  decideItem(me, flagOf(held.takeFirst().itemId));
              }));
        print("releaseClaims, 20 claims (GUI thread)",
              timeIt(std::min(repeats, 20), [&](int) { releaseClaims(me); }, [&] { claimItems(me, 20); }));
        print("teamProgress (worker)", timeIt(std::min(repeats, 10), [&](int) { teamProgress(me); }));
        Workbench wb;
        if (!server)
            qputenv("USER", reviewers[0].toUtf8());
        wb.openProject(server ? asLogin(location, reviewers[0]) : location);
        const auto& ids = wb.snapshot().itemIds;
        print("refreshItems, 1 item (GUI thread, a notification)",
              timeIt(repeats, [&](int k) { wb.refreshItems({ids[(k * 7919) % ids.size()]}); }));
        print("refreshItems, 20 items (GUI thread, a burst)", timeIt(repeats, [&](int k) {
                  QList<qint64> some;
                  for (int j = 0; j < 20; ++j)
                      some << ids[(k * 7919 + j * 104729) % ids.size()];
                  wb.refreshItems(some);
              }));
        print("refreshNewDecisions, nothing new (fallback timer)", timeIt(repeats, [&](int) { wb.refreshNewDecisions(); }));
        wb.closeProject();
        ProjectStore::removeProject(location);
    } catch (const Error& e) {
        std::fprintf(stderr, "bench_team: %s\n", e.what());
        ProjectStore::removeProject(location);
        return 1;
    }
    return 0;
}
