#pragma once
// Parsers of the individual import formats. Each reads one file and feeds the writer.

#include "importwriter.h"

namespace chorus::model::formats {

void importJsonl(ImportWriter& w, const QString& file);
void importChaosNli(ImportWriter& w, const QString& file);
void importLongCsv(ImportWriter& w, const QString& file);
void importWideCsv(ImportWriter& w, const QString& file);
void importLabelStudio(ImportWriter& w, const QString& file);

} // namespace chorus::model::formats
