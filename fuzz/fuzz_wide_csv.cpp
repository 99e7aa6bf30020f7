// libFuzzer target: the "wide-csv" importer (model/io/importer.h).
#include "fuzz_import.h"

CHORUS_IMPORT_FUZZER("wide-csv", "input.csv")
