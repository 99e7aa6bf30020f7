// libFuzzer target: the label normaliser (model/io/labelnormalizer.h); the input format and the
// contracts checked are described at checkLabelNormalizer in fuzzchecks.h.
#include "fuzzchecks.h"
#include "fuzzsupport.h"

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
{
    chorus::fuzz::initialize(argc, argv);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    chorus::fuzz::fail(chorus::fuzz::checkLabelNormalizer(
        QByteArray::fromRawData(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size))));
    return 0;
}
