// libFuzzer target: the "long-csv" importer (model/io/importer.h).
#include "fuzz_import.h"

CHORUS_IMPORT_FUZZER("long-csv", "input.csv")
