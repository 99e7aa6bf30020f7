#pragma once

#include <QStringList>

namespace chorus::model {

/// Portable DDL of each schema version step: migrationSteps()[v-1] upgrades a project from
/// version v-1 to v (step 1 creates the schema from nothing).
const QList<QStringList>& migrationSteps();

} // namespace chorus::model
