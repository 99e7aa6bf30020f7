#pragma once
// A location that holds something other than a Chorus project (somebody else's SQLite file, a
// schema of another application) must be refused by every open mode that could otherwise use
// or take it over; shared by tst_projectstore (files) and tst_pgstore (server schemas).

#include "errors.h"
#include "projectstore.h"

#include <QStringList>
#include <QtTest>

namespace chorus::test {

/// Opens `location` with OpenExisting and with CreateOrOpen. Each must throw and leave the
/// store closed (otherwise the current test fails); returns the errors' messages.
inline QStringList refusedOpenMessages(const QString& location)
{
    QStringList messages;
    for (auto mode : {model::ProjectStore::Mode::OpenExisting, model::ProjectStore::Mode::CreateOrOpen}) {
        model::ProjectStore s;
        try {
            s.open(location, mode);
            QTest::qFail("a location that is not a Chorus project must be refused", __FILE__, __LINE__);
        } catch (const model::Error& e) {
            messages << e.message();
        }
        if (s.isOpen())
            QTest::qFail("the refused store must stay closed", __FILE__, __LINE__);
    }
    return messages;
}

} // namespace chorus::test
