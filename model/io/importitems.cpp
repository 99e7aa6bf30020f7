// Items files (chorus-cli import --items): texts and metadata for the items a data file names,
// and the item extras both sources collect.

#include "csvlayout.h"
#include "csvreader.h"
#include "importformats.h"
#include "textfile.h"

#include <QFileInfo>
#include <QSet>

#include <optional>

namespace chorus::model::formats {

namespace {

// Keys of the native jsonl that carry answers rather than item texts. An items file gives texts
// and metadata only, so these are reported as ignored instead of being stored as metadata.
bool isAnswerKey(const std::string& k)
{
    return k == "labels" || k == "probs" || k == "scores" || k == "raw" || k == "gold" || k == "human_counts"
           || k == "label_set" || k == "annotators";
}

} // namespace

char delimiterOf(const ImportWriter& w, QIODevice* device, const QString& file)
{
    return w.options().delimiter ? w.options().delimiter : detectDelimiter(device, file);
}

void ItemExtras::write(ImportWriter& w) const
{
    for (auto it = m_items.cbegin(); it != m_items.cend(); ++it)
        w.setItemTextAndMeta(it.key(), it->text, it->meta.empty() ? QString() : QString::fromStdString(it->meta.dump()));
}

void importItemsFile(ImportWriter& w, const QString& itemsFile, const QString& dataFile, ItemExtras& extras)
{
    // Ids must be items of the data file. An id the answers do not have is far more often a
    // mismatch (another export, "007" against "7", a stray space) than an item meant to stay
    // unlabeled, and adding it would hide the mismatch among thousands of texts; items without
    // labels are imported on their own, as jsonl lines with "id" and "text".
    QSet<QString> seen;
    auto itemFor = [&](const QString& id) -> qint64 {
        if (id.isEmpty())
            w.fail(QStringLiteral("empty item id"));
        if (seen.contains(id))
            w.fail(QStringLiteral("item \"%1\" appears twice").arg(id));
        seen.insert(id);
        const qint64 item = w.importedItem(id);
        if (item < 0)
            w.fail(QStringLiteral("item \"%1\" has no annotations in %2 (an items file gives texts to the items of "
                                  "the data file; import items without labels on their own, as jsonl lines with "
                                  "\"id\" and \"text\")")
                       .arg(id, dataFile));
        ++w.report().itemTexts;
        return item;
    };

    const QString ext = QFileInfo(itemsFile).suffix().toLower();
    if (ext == QLatin1String("jsonl") || ext == QLatin1String("ndjson") || ext == QLatin1String("json")) {
        QStringList ignoredKeys;
        forEachJsonLine(w, itemsFile, [&](const nlohmann::json& j) {
            if (!j.contains("id") || jsonString(j["id"]).isEmpty())
                w.fail(QStringLiteral("missing \"id\""));
            const qint64 item = itemFor(jsonString(j["id"]));
            for (const auto& [k, v] : j.items()) {
                if (k == "id") {
                    continue;
                } else if (k == "text") {
                    if (!v.is_string())
                        w.fail(QStringLiteral("\"text\" must be a string"));
                    extras.setText(item, QString::fromStdString(v.get<std::string>()));
                } else if (k == "meta") {
                    if (v.is_null())
                        continue;
                    if (!v.is_object())
                        w.fail(QStringLiteral("\"meta\" must be an object"));
                    for (const auto& [mk, mv] : v.items())
                        extras.setMeta(item, mk, mv);
                } else if (isAnswerKey(k)) {
                    const QString key = QString::fromStdString(k);
                    if (!ignoredKeys.contains(key))
                        ignoredKeys << key;
                } else {
                    extras.setMeta(item, k, v);
                }
            }
        });
        for (const QString& k : ignoredKeys)
            w.report().ignored << QStringLiteral("key \"%1\" of %2: an items file gives texts and metadata only "
                                                 "(import it as jsonl to read answers)")
                                      .arg(k, itemsFile);
    } else if (ext == QLatin1String("csv") || ext == QLatin1String("tsv") || ext == QLatin1String("txt")) {
        TextFile text(itemsFile);
        CsvReader csv(text.device(), delimiterOf(w, text.device(), itemsFile));
        csv.setCheckUtf8(!text.converted());
        withCsvErrors(itemsFile, [&] {
            QStringList row;
            std::optional<ItemsCsvLayout> layout;
            while (csv.next(row)) {
                w.setLocation(itemsFile, csv.line());
                if (!layout) {
                    layout = itemsCsvLayout(row);
                    if (!layout)
                        w.fail(QStringLiteral("expected a header naming the id column (id, item, item_id, task or "
                                              "task_id) and, optionally, a \"text\" column"));
                    for (const int c : layout->others)
                        if (layout->header[c].isEmpty())
                            w.report().ignored
                                << QStringLiteral("column %1 of %2: no name in the header").arg(c + 1).arg(itemsFile);
                    continue;
                }
                if (row.size() != layout->header.size())
                    w.fail(QStringLiteral("expected %1 columns (%2), found %3")
                               .arg(layout->header.size())
                               .arg(layout->header.join(QLatin1Char(',')))
                               .arg(row.size()));
                const qint64 item = itemFor(row[layout->id]);
                if (layout->text >= 0)
                    extras.setText(item, row[layout->text]);
                for (const int c : layout->others)
                    if (!row[c].isEmpty() && !layout->header[c].isEmpty())
                        extras.setMeta(item, layout->header[c].toStdString(), row[c].toStdString());
            }
        });
    } else {
        w.setLocation(itemsFile, 0);
        w.fail(QStringLiteral("an items file is CSV (.csv, .tsv, .txt) or JSON lines (.jsonl, .ndjson, .json), not "
                              "\"%1\"")
                   .arg(ext));
    }
    if (seen.isEmpty()) {
        w.setLocation(itemsFile, 0);
        w.fail(QStringLiteral("no items found"));
    }
}

} // namespace chorus::model::formats
