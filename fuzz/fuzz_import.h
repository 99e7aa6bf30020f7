#pragma once
// One fuzz target per import format: the bytes go through a temp file into importFile() on a
// fresh in-memory project. A clean import is read back as a snapshot and checked for
// integrity; model::Error (a reported "file:line: problem") is the expected way to fail.
// Anything else -- a crash, a sanitizer report, another exception -- is a finding.

#include "fuzzsupport.h"
#include "importer.h"
#include "snapshot.h"

namespace chorus::fuzz {

inline int importOne(const char* format, const char* fileName, const uint8_t* data, size_t size)
{
    const QString file = writeInput(fileName, data, size);
    model::ProjectStore store;
    store.openInMemory();
    model::ImportOptions options;
    options.format = QString::fromLatin1(format);
    try {
        model::importFile(store, file, options);
    } catch (const model::Error&) {
        // Rejected input must leave the project as it was: still empty.
        if (store.info().items != 0 || store.info().annotations != 0)
            abort();
        return 0;
    }
    const model::Snapshot s = model::loadSnapshot(store);
    if (s.numItems() != static_cast<int>(store.info().items))
        abort();
    if (!store.integrityCheck().isEmpty())
        abort();
    return 0;
}

} // namespace chorus::fuzz

#define CHORUS_IMPORT_FUZZER(format, fileName)                                                    \
    extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)                                  \
    {                                                                                             \
        chorus::fuzz::initialize(argc, argv);                                                     \
        return 0;                                                                                 \
    }                                                                                             \
    extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)                       \
    {                                                                                             \
        return chorus::fuzz::importOne(format, fileName, data, size);                             \
    }
