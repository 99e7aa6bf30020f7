#pragma once
// The checks the fuzz targets run on one input, without libFuzzer: tests/model/
// tst_fuzzregressions.cpp replays every saved crash input (tests/data/fuzz/) through them.
// Each returns an empty string when the input was handled correctly, else what went wrong.

#include "errors.h"
#include "importer.h"
#include "labelnormalizer.h"
#include "snapshot.h"

#include <QByteArray>
#include <QStringList>

namespace chorus::fuzz {

/// Imports file (in `format`) into a fresh in-memory project. model::Error is the expected way
/// to reject input, and must leave the project empty (imports are all-or-nothing); a clean
/// import must read back as a snapshot with as many items as info() counts and pass
/// PRAGMA integrity_check. Other exceptions propagate (a finding too).
inline QString checkImport(const QString& format, const QString& file)
{
    model::ProjectStore store;
    store.openInMemory();
    model::ImportOptions options;
    options.format = format;
    try {
        model::importFile(store, file, options);
    } catch (const model::Error&) {
        const model::ProjectInfo info = store.info();
        if (info.items != 0 || info.annotations != 0)
            return QStringLiteral("a rejected import left data behind");
        return {};
    }
    const model::Snapshot s = model::loadSnapshot(store);
    if (s.numItems() != static_cast<int>(store.info().items))
        return QStringLiteral("snapshot item count differs from the store's");
    const QString integrity = store.integrityCheck();
    if (!integrity.isEmpty())
        return QStringLiteral("integrity check: ") + integrity;
    return {};
}

/// Reads data as UTF-8 lines: the first line is a tab-separated label set; "=raw<TAB>label" adds
/// a mapping; "!" closes the set; any other line is resolved. Checks the documented contracts:
/// key() is clean() case-folded, clean() is idempotent, a resolved label is in the label set
/// and is never the reserved INVALID, and a New label is remembered (resolving the same raw
/// string again gives Known, same label).
inline QString checkLabelNormalizer(const QByteArray& data)
{
    using model::LabelNormalizer;
    const QStringList lines = QString::fromUtf8(data).split(QLatin1Char('\n'));
    LabelNormalizer n;
    // setLabels requires distinct keys: keep the first label of each key.
    QStringList labels, keys;
    for (const QString& l : lines.value(0).split(QLatin1Char('\t'), Qt::SkipEmptyParts)) {
        const QString k = LabelNormalizer::key(l);
        if (!k.isEmpty() && !keys.contains(k) && LabelNormalizer::clean(l) != model::kInvalidLabelName) {
            labels << l;
            keys << k;
        }
    }
    n.setLabels(labels);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QString& line = lines[i];
        const QString where = QStringLiteral("line %1: ").arg(i + 1);
        if (line == QLatin1String("!")) {
            n.setClosed(true);
            continue;
        }
        if (line.startsWith(QLatin1Char('='))) {
            const QStringList parts = line.mid(1).split(QLatin1Char('\t'));
            if (parts.size() == 2 && !LabelNormalizer::key(parts[1]).isEmpty()
                && LabelNormalizer::clean(parts[1]) != model::kInvalidLabelName)
                n.addMapping(parts[0], parts[1]);
            continue;
        }
        const QString clean = LabelNormalizer::clean(line);
        if (LabelNormalizer::key(line) != clean.toCaseFolded())
            return where + QStringLiteral("key() is not clean() case-folded");
        if (LabelNormalizer::clean(clean) != clean)
            return where + QStringLiteral("clean() is not idempotent");
        const LabelNormalizer::Result r = n.resolve(line);
        if (r.outcome == LabelNormalizer::Outcome::Invalid)
            continue;
        if (r.label.isEmpty() || !n.labels().contains(r.label))
            return where + QStringLiteral("resolved label \"%1\" is not in the label set").arg(r.label);
        if (r.label == model::kInvalidLabelName)
            return where + QStringLiteral("resolved to the reserved name INVALID as a label");
        const LabelNormalizer::Result again = n.resolve(line);
        if (again.outcome != LabelNormalizer::Outcome::Known || again.label != r.label)
            return where + QStringLiteral("resolves to \"%1\" first, then differently").arg(r.label);
    }
    return {};
}

} // namespace chorus::fuzz
