#pragma once
// Base of the GUI tests on server projects (tst_serverproject, tst_teamlive): test settings,
// the test server's URI, a scratch folder, and the server projects a test case made, removed at
// its end whether it passed or not. Its meta-object (the initTestCase() / cleanupTestCase()
// slots, which QTest runs for the derived class) is compiled once in chorus_uifixtures.

#include "mainwindowfixture.h"
#include "projectstore.h"
#include "testprojects.h"

#include <QObject>
#include <QSettings>
#include <QStringList>
#include <QTemporaryDir>
#include <QtTest>

namespace chorus::test {

class ServerGuiTest : public QObject
{
    Q_OBJECT

protected:
    QTemporaryDir m_dir;
    QString m_base;  ///< the test server's database URI (Unix socket, no password needed)

    /// Remembers the server project at `location` for removal at the end; returns location.
    QString removedAtEnd(const QString& location)
    {
        m_created << location;
        return location;
    }

private slots:
    void initTestCase()
    {
        useTestSettings();
        QSettings().clear();
        m_base = serverUri();
        if (m_base.isEmpty())
            QSKIP("no test server (run through ctest, which starts one: CHORUS_TEST_PG_STATE)");
        QVERIFY(m_dir.isValid());
    }

    void cleanupTestCase()
    {
        for (const QString& location : std::as_const(m_created))
            model::ProjectStore::removeProject(location);
    }

private:
    QStringList m_created;
};

} // namespace chorus::test
