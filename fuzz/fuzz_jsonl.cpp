// libFuzzer target: the "jsonl" importer (model/io/importer.h).
#include "fuzz_import.h"

CHORUS_IMPORT_FUZZER("jsonl", "input.jsonl")
