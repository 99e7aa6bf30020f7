// libFuzzer target: pairwise judgments (model/io/pairwiseimport.h), CSV or -- when the first
// non-blank byte is '{' -- JSONL, through a temp file. Error is the expected way to fail;
// a result must be self-consistent.
#include "fuzzsupport.h"
#include "pairwiseimport.h"

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
{
    chorus::fuzz::initialize(argc, argv);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace chorus;
    const QString file = fuzz::writeInput("input.csv", data, size);
    try {
        const agg::PairwiseData d = model::readPairwiseFile(file);
        (void)d;
    } catch (const model::Error&) {
    }
    return 0;
}
