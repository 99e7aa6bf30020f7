#pragma once
// The set-up most GUI tests share: one project in a temporary folder that lives as long as the
// test object, with QStandardPaths' test mode on from the start (the settings and recent files
// the main window writes are not the user's). A test class derives from GuiProjectTest and makes
// m_project from its initTestCase() slot (the base is header-only without Q_OBJECT, so it has
// no slots of its own).

#include "guiprojects.h"
#include "newproject.h"

#include <QByteArray>
#include <QObject>
#include <QStandardPaths>
#include <QString>
#include <QTemporaryDir>
#include <QtTest>

namespace chorus::test {

class GuiProjectTest : public QObject
{
protected:
    GuiProjectTest() { QStandardPaths::setTestModeEnabled(true); }

    /// m_project: a new project `projectName` in m_dir with `file` imported (with `o`); fails
    /// the calling test function when m_dir could not be made.
    void makeProjectFromFile(const QString& projectName, const QString& file, const model::ImportOptions& o = {})
    {
        QVERIFY(m_dir.isValid());
        m_project = m_dir.filePath(projectName);
        importIntoNewProject(m_project, file, o);
    }

    /// m_project: `data` written to the file `dataName` in m_dir and imported (with `o`) into a
    /// new project `projectName` there; fails the calling test function when it could not be made.
    void makeProjectFromData(const QString& dataName, const QByteArray& data, const QString& projectName,
                             const model::ImportOptions& o = {})
    {
        m_project = projectFromData(m_dir, dataName, data, projectName, o);
        QVERIFY(!m_project.isEmpty());
    }

    QTemporaryDir m_dir;
    QString m_project;
};

} // namespace chorus::test
