#pragma once
// Team review (issue #20): several reviewers on one project. The manager's settings (how many
// independent reviews an item needs, the order items are handed out in, what reviewers see, the
// lease length), claims (a reviewer's lease on a batch of items), decisions that carry a UUID so
// a resend never doubles them, and progress. Works on a file (one reviewer, the local user) and
// on a server (many, each the login the server authenticated). docs/team.md.

#include "projectstore.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

namespace chorus::model {

/// Per-project team settings, kept in the project's meta table.
struct TeamSettings
{
    enum class Order { Uncertainty, Queue, Random };
    enum class Blind { None, Reviewers, All };
    int overlap = 1;           ///< independent human reviews per item
    Order order = Order::Uncertainty;
    Blind blind = Blind::None;
    int leaseMinutes = 30;
    quint32 seed = 0;          ///< for Order::Random
    /// With overlap 1: an item whose reviewer's label differs from the consensus goes to
    /// adjudication (adjudication.h).
    bool adjudicateConsensus = false;
};
QString orderName(TeamSettings::Order o);
QString blindName(TeamSettings::Blind b);
/// Parse a name; throws Error listing the accepted names.
TeamSettings::Order orderFromName(const QString& name);
TeamSettings::Blind blindFromName(const QString& name);

TeamSettings teamSettings(ProjectStore& store);
/// Throws PermissionDeniedError on a server when the connection is not the project's manager.
void setTeamSettings(ProjectStore& store, const TeamSettings& settings);

/// The reviewer this connection writes as: the server login, or the local user of a file.
QString reviewerName(ProjectStore& store);

/// Reviewers' display names (kept in the project's meta table; the manager sets them, e.g. with
/// `chorus-cli team add ... --name`). displayName() falls back to the login.
void setDisplayName(ProjectStore& store, const QString& login, const QString& name);
QString displayName(ProjectStore& store, const QString& login);
QHash<QString, QString> displayNames(ProjectStore& store);  ///< login -> name, those set only

struct Claim
{
    qint64 itemId = 0;
    QString extId;
    QString expiresAt;  ///< ISO 8601 UTC with milliseconds
};

/// Claims up to n items for this connection's reviewer, in the settings' order, and renews
/// the reviewer's live claims. An item is handed out while it has fewer than `overlap`
/// distinct reviewers plus live claims of others, and never to a reviewer who decided on it or
/// holds a live claim on it. Claimers are serialised per project (a transaction-scoped lock on
/// a server; SQLite's write lock on a file), so two reviewers never take the last slot of an
/// item together. Returns the reviewer's live claims (old and new), in hand-out order.
QList<Claim> claimItems(ProjectStore& store, int n, const QDateTime& now = QDateTime::currentDateTimeUtc());

/// Renews the lease of the reviewer's live claims to now + leaseMinutes and returns them in
/// hand-out order, like claimItems(store, 0), but without the claimers' lock: it never waits
/// for another reviewer's claimItems, whose candidate query reads every item (seconds on a
/// large project). It only extends claims live at `now`, so a claimer that counted them as
/// live still counts right.
QList<Claim> renewClaims(ProjectStore& store, int leaseMinutes, const QDateTime& now = QDateTime::currentDateTimeUtc());

/// Ends the reviewer's claim on one item (itemId > 0) or on all its items. Returns how many.
int releaseClaims(ProjectStore& store, qint64 itemId = 0);

struct DecisionOutcome
{
    qint64 id = 0;          ///< the decision's id (an earlier one when the UUID was stored before)
    bool duplicate = false;  ///< the UUID was already stored: nothing new was written
    bool late = false;       ///< the item already had `overlap` other reviewers: kept, but reported
};

/// Appends the reviewer's decision (author = reviewerName) with its UUID (a new one when empty),
/// at most once per UUID, and ends the reviewer's claim on the item.
DecisionOutcome decideItem(ProjectStore& store, Decision d, const QString& uuid = {});

/// The one way a team decision is written: d as this connection's reviewer (author), with d.uuid
/// (a new one when empty) and now when d has no time, in one transaction that first looks the
/// UUID up (stored before: nothing written, outcome `duplicate`), then runs `alongside` (more
/// checks or writes of the same transaction), then inserts.
DecisionOutcome appendDecisionOnce(ProjectStore& store, Decision d,
                                   const std::function<void(DecisionOutcome&)>& alongside = {});

struct ReviewerProgress
{
    QString reviewer;
    qint64 decided = 0;       ///< distinct items with a decision by this reviewer
    qint64 decidedToday = 0;  ///< of those, first decided today (UTC)
    qint64 claimed = 0;       ///< live claims
};

struct TeamProgress
{
    qint64 items = 0;
    qint64 complete = 0;          ///< items with at least `overlap` distinct reviewers
    qint64 inAdjudication = 0;    ///< items waiting for an adjudicator (adjudication.h)
    qint64 adjudicated = 0;       ///< items with an adjudicator's final label
    qint64 remaining = 0;         ///< items short of `overlap` reviewers
    QList<ReviewerProgress> reviewers;  ///< sorted by name
};
TeamProgress teamProgress(ProjectStore& store, const QDateTime& now = QDateTime::currentDateTimeUtc());

} // namespace chorus::model
