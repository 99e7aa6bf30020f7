// libFuzzer target: the "chaosnli" importer (model/io/importer.h).
#include "fuzz_import.h"

CHORUS_IMPORT_FUZZER("chaosnli", "input.jsonl")
