#pragma once
// Team review on a project file with reviewers taking turns (the reviewer of a file is $USER),
// shared by tst_teamreview and tst_adjudication: a reviewer's decision, and the base class that
// gives each test a scratch folder and restores USER afterwards. The base's meta-object (its
// cleanup() slot) is compiled once in the chorus_teamfixtures library (tests/CMakeLists.txt).

#include "scratchdir.h"

#include "projectstore.h"
#include "teamreview.h"

#include <QString>

namespace chorus::test {

inline qint64 itemId(model::ProjectStore& s, const QString& ext)
{
    return s.scalar(QStringLiteral("SELECT id FROM items WHERE ext_id = ?"), {ext}).toLongLong();
}

inline qint64 labelId(model::ProjectStore& s, const QString& name)
{
    return s.scalar(QStringLiteral("SELECT id FROM labels WHERE name = ?"), {name}).toLongLong();
}

/// `who` labels `ext` with `label` ("flag" flags it) as $USER, with the given decision UUID (a
/// new one when empty).
inline model::DecisionOutcome review(model::ProjectStore& s, const QString& who, const QString& ext,
                                     const QString& label, const QString& uuid = {})
{
    qputenv("USER", who.toUtf8());
    model::Decision d;
    d.itemId = itemId(s, ext);
    if (label == QLatin1String("flag")) {
        d.action = QStringLiteral("flag");
        d.status = model::ReviewStatus::Flagged;
    } else {
        d.action = QStringLiteral("label");
        d.labelId = labelId(s, label);
        d.status = model::ReviewStatus::Reviewed;
    }
    return model::decideItem(s, d, uuid);
}

/// Base of the turn-taking tests: a new scratch folder per test function (ScratchDirTest's
/// init()), and USER set back to what it was after each (its cleanup()); m_projects numbers the
/// projects a test makes.
class TeamTurnsTest : public ScratchDirTest
{
    Q_OBJECT

protected:
    QByteArray m_user = qgetenv("USER");
    int m_projects = 0;

private slots:
    // QTest runs it after each test function of the derived class.
    void cleanup() { qputenv("USER", m_user); }
};

} // namespace chorus::test
