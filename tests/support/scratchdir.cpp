// The one translation unit of ScratchDirTest's meta-object (its init() slot): AUTOMOC compiles
// moc_scratchdir.cpp into chorus_testfixtures.
#include "scratchdir.h"
