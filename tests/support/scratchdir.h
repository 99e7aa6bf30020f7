#pragma once
// A fresh scratch folder for each test function: a test class derives from ScratchDirTest and
// finds m_dir new and empty in every test function (the base's init() slot makes it; a class
// that needs an init() of its own calls newScratchDir() from it). The base is moc'd once in the
// chorus_testfixtures library (tests/CMakeLists.txt).

#include <QObject>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

namespace chorus::test {

/// Replaces dir with a new empty temporary folder (the previous one is removed); a folder that
/// cannot be made fails the current test function. What every scratch-folder fixture calls.
inline void renewScratchDir(std::unique_ptr<QTemporaryDir>& dir)
{
    dir = std::make_unique<QTemporaryDir>();
    QVERIFY(dir->isValid());
}

class ScratchDirTest : public QObject
{
    Q_OBJECT

protected:
    /// A new empty m_dir (renewScratchDir).
    void newScratchDir() { renewScratchDir(m_dir); }

    std::unique_ptr<QTemporaryDir> m_dir;

private slots:
    // QTest runs it before each test function of the derived class (not a test function itself).
    void init() { newScratchDir(); }
};

} // namespace chorus::test
