#pragma once
// Base of the test classes that run chorus-cli on files of their own: the path of chorus-cli,
// a scratch folder, writing files there and running chorus-cli for its JSON.

#include "clirun.h"

#include <QFile>
#include <QFileInfo>
#include <QObject>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

namespace chorus::test {

class CliTestCase : public QObject
{
protected:
    /// Finds chorus-cli and checks the scratch folder; call from initTestCase.
    void setUpCli()
    {
        m_cli = qEnvironmentVariable("CHORUS_BIN_DIR") + QStringLiteral("/chorus-cli");
        QVERIFY2(QFileInfo::exists(m_cli), "CHORUS_BIN_DIR must name the directory of chorus-cli");
        QVERIFY(m_dir.isValid());
    }

    /// Writes `data` to `name` in the scratch folder, replacing it.
    void write(const QString& name, const QByteArray& data)
    {
        QFile f(path(name));
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size());
    }

    QString path(const QString& name) const { return m_dir.filePath(name); }

    /// chorus-cli's JSON output for args (discarded when it printed none), two minutes at most.
    nlohmann::json json(const QStringList& args) { return cliJson(args, 120000); }

    QString m_cli;
    QTemporaryDir m_dir;
};

} // namespace chorus::test
