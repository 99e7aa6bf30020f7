#pragma once
// main() of a test executable that is also its own child process: started as
// "<test> child-NAME ARG...", it runs that child mode (a reviewer process, a process to be
// killed) instead of the tests.

#include <QCoreApplication>
#include <QStringList>
#include <QtTest>

#include <cstdio>
#include <exception>
#include <functional>
#include <initializer_list>

namespace chorus::test {

struct ChildMode
{
    const char* name;                             ///< argv[1], e.g. "child-race"
    int argumentCount;                            ///< how many arguments follow the name
    std::function<int(const QStringList&)> run;   ///< gets those arguments; returns the exit code
};

/// Runs the child mode named by argv[1] when argv has its name and argument count, otherwise
/// the tests of TestClass. A child mode that throws prints "err <what>" and exits with 1.
template <class TestClass>
int runTestsOrChildMode(int argc, char** argv, std::initializer_list<ChildMode> modes)
{
    QCoreApplication app(argc, argv);
    for (const ChildMode& mode : modes) {
        if (argc == mode.argumentCount + 2 && qstrcmp(argv[1], mode.name) == 0) {
            QStringList args;
            for (int k = 2; k < argc; ++k)
                args << QString::fromLocal8Bit(argv[k]);
            try {
                return mode.run(args);
            } catch (const std::exception& e) {
                std::printf("err %s\n", e.what());
                return 1;
            }
        }
    }
    TestClass t;
    return QTest::qExec(&t, argc, argv);
}

} // namespace chorus::test
