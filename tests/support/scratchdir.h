#pragma once
// A fresh scratch folder for each test function: a test class derives from ScratchDirTest and
// calls newScratchDir() from its init() slot (the base is header-only without Q_OBJECT, so it
// has no slots of its own).

#include <QObject>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

namespace chorus::test {

class ScratchDirTest : public QObject
{
protected:
    /// Replaces m_dir with a new empty temporary folder (the previous one is removed); a folder
    /// that cannot be made fails the current test function.
    void newScratchDir()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
    }

    std::unique_ptr<QTemporaryDir> m_dir;
};

} // namespace chorus::test
