// libFuzzer target: the "labelstudio" importer (model/io/importer.h).
#include "fuzz_import.h"

CHORUS_IMPORT_FUZZER("labelstudio", "input.json")
