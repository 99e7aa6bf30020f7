// libFuzzer target: the label normaliser (model/labelnormalizer.h). The input is read as
// UTF-8 lines: the first line is a tab-separated label set; "=raw<TAB>label" adds a mapping;
// "!" closes the set; any other line is resolved. Besides crashes it checks the documented
// contracts: key() is clean() case-folded, clean() is idempotent, a resolved label is in the
// label set, and a New label is remembered (resolving it again gives Known, same label).
#include "fuzzsupport.h"
#include "labelnormalizer.h"

#include <QStringList>

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
{
    chorus::fuzz::initialize(argc, argv);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using chorus::model::LabelNormalizer;
    const QString text = QString::fromUtf8(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    const QStringList lines = text.split(QLatin1Char('\n'));
    LabelNormalizer n;
    // setLabels requires distinct keys: keep the first label of each key.
    QStringList labels, keys;
    for (const QString& l : lines.value(0).split(QLatin1Char('\t'), Qt::SkipEmptyParts)) {
        const QString k = LabelNormalizer::key(l);
        if (!k.isEmpty() && !keys.contains(k) && l != chorus::model::kInvalidLabelName) {
            labels << l;
            keys << k;
        }
    }
    n.setLabels(labels);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QString& line = lines[i];
        if (line == QLatin1String("!")) {
            n.setClosed(true);
            continue;
        }
        if (line.startsWith(QLatin1Char('='))) {
            const QStringList parts = line.mid(1).split(QLatin1Char('\t'));
            if (parts.size() == 2 && !LabelNormalizer::key(parts[1]).isEmpty())
                n.addMapping(parts[0], parts[1]);
            continue;
        }
        const QString clean = LabelNormalizer::clean(line);
        if (LabelNormalizer::key(line) != clean.toCaseFolded())
            abort();
        if (LabelNormalizer::clean(clean) != clean)
            abort();
        const LabelNormalizer::Result r = n.resolve(line);
        if (r.outcome == LabelNormalizer::Outcome::Invalid)
            continue;
        if (r.label.isEmpty() || !n.labels().contains(r.label))
            abort();
        const LabelNormalizer::Result again = n.resolve(line);
        if (again.outcome != LabelNormalizer::Outcome::Known || again.label != r.label)
            abort();
    }
    return 0;
}
