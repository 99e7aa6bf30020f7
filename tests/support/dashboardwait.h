#pragma once
// Waiting for the Insights dashboard: a tab computes its part when shown (ui/dashboard.h).

#include "dashboard.h"

#include <QSignalSpy>

namespace chorus::test {

/// Waits until the dashboard has computed `parts`; false after 120 s without a new result.
inline bool waitForParts(ui::Dashboard* d, model::DashboardParts parts)
{
    QSignalSpy ready(d, &ui::Dashboard::ready);
    while ((d->computedParts() & parts) != parts)
        if (!ready.wait(120000))
            return false;
    return true;
}

} // namespace chorus::test
