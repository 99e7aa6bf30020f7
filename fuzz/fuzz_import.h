#pragma once
// One fuzz target per import format: the bytes go through a temp file into importFile() on a
// fresh in-memory project (checkImport in fuzzchecks.h). A crash, a sanitizer report, an
// exception other than model::Error or a failed check is a finding.

#include "fuzzchecks.h"
#include "fuzzsupport.h"

#define CHORUS_IMPORT_FUZZER(format, fileName)                                                    \
    extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)                                  \
    {                                                                                             \
        chorus::fuzz::initialize(argc, argv);                                                     \
        return 0;                                                                                 \
    }                                                                                             \
    extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)                       \
    {                                                                                             \
        const QString file = chorus::fuzz::writeInput(fileName, data, size);                      \
        chorus::fuzz::fail(chorus::fuzz::checkImport(QStringLiteral(format), file));              \
        return 0;                                                                                 \
    }
