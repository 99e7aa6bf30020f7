#pragma once
// Parsers of the individual import formats. Each reads one file and feeds the writer.

#include "importwriter.h"

#include <nlohmann/json.hpp>

#include <QHash>

#include <functional>
#include <string>

namespace chorus::model::formats {

/// Texts and metadata gathered for the items of one import (per-item columns of a long CSV, the
/// items file), written together at the end so that both sources merge: a metadata key set
/// twice keeps the later value, and the items file is read after the data file.
class ItemExtras
{
public:
    void setText(qint64 item, const QString& text) { m_items[item].text = text; }
    void setMeta(qint64 item, const std::string& key, const nlohmann::json& value) { m_items[item].meta[key] = value; }
    /// Writes every item's text and metadata (replacing the stored metadata of that item).
    void write(ImportWriter& w) const;

private:
    struct Extra
    {
        QString text;
        nlohmann::json meta = nlohmann::json::object();
    };
    QHash<qint64, Extra> m_items;
};

void importJsonl(ImportWriter& w, const QString& file);
void importChaosNli(ImportWriter& w, const QString& file);
void importLongCsv(ImportWriter& w, const QString& file, ItemExtras& extras);
void importWideCsv(ImportWriter& w, const QString& file);
void importLabelStudio(ImportWriter& w, const QString& file);
/// Reads an items file (ImportOptions::itemsFile) for the items the data file named.
void importItemsFile(ImportWriter& w, const QString& itemsFile, const QString& dataFile, ItemExtras& extras);

/// Runs fn, giving the file name to CsvReader's "line N: problem" errors ("FILE:N: problem").
template <typename Fn>
void withCsvErrors(const QString& file, Fn&& fn)
{
    try {
        fn();
    } catch (const CanceledError&) {
        throw;
    } catch (const Error& e) {
        if (e.message().startsWith(QLatin1String("line ")))
            throw Error(file + QLatin1Char(':') + e.message().mid(5));
        throw;
    }
}

/// The delimiter of one CSV file of the import: ImportOptions::delimiter, else detected from
/// the device's next bytes (the device is left where it was).
char delimiterOf(const ImportWriter& w, QIODevice* device, const QString& file);

/// A JSON scalar as text (numbers without exponent noise, booleans as true/false); "" otherwise.
QString jsonString(const nlohmann::json& v);
/// Reads a JSON-lines file (encoding checked, blank lines skipped, duplicate keys refused) and
/// hands each object to fn with the writer's location set to its line. Sets *encoding when given.
void forEachJsonLine(ImportWriter& w, const QString& file, const std::function<void(const nlohmann::json&)>& fn,
                     QString* encoding = nullptr);

} // namespace chorus::model::formats
