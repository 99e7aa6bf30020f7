// Code shape (issue #22): no product function is longer than about 120 lines without a reason
// written next to it. The scanner is a brace matcher over the sources with comments, string and
// character literals blanked out: a body that opens where only namespaces and classes enclose it,
// after a header that ends like a function's ("...)", "...) const", "...) override",
// "...) : m_a(a)"), is a function; blocks inside it (lambdas, loops) belong to it.
//
// A function may be longer when a comment just above it says why, starting "long:".

#include <QDirIterator>
#include <QFile>
#include <QRegularExpression>
#include <QTest>

#include <algorithm>

namespace {

constexpr int kMaxLines = 120;

struct FunctionSpan
{
    int firstLine = 0;  ///< 1-based line of the opening brace
    int lines = 0;      ///< from the opening to the closing brace, both counted
    QString header;     ///< the last line of the text before the brace
};

// Comments, string and character literals (raw strings too) replaced by spaces, line breaks kept.
QString blanked(const QString& src)
{
    QString out = src;
    const qsizetype n = src.size();
    auto blank = [&](qsizetype from, qsizetype to) {
        for (qsizetype k = from; k < to && k < n; ++k)
            if (out[k] != QLatin1Char('\n'))
                out[k] = QLatin1Char(' ');
    };
    qsizetype i = 0;
    while (i < n) {
        const QChar c = src[i];
        if (src.mid(i, 2) == QLatin1String("//")) {
            qsizetype j = src.indexOf(QLatin1Char('\n'), i);
            j = j < 0 ? n : j;
            blank(i, j);
            i = j;
        } else if (src.mid(i, 2) == QLatin1String("/*")) {
            qsizetype j = src.indexOf(QLatin1String("*/"), i + 2);
            j = j < 0 ? n : j + 2;
            blank(i, j);
            i = j;
        } else if (src.mid(i, 2) == QLatin1String("R\"") && (i == 0 || !src[i - 1].isLetterOrNumber())) {
            const qsizetype open = src.indexOf(QLatin1Char('('), i);
            const QString close = QLatin1Char(')') + src.mid(i + 2, open - i - 2) + QLatin1Char('"');
            qsizetype j = src.indexOf(close, open);
            j = j < 0 ? n : j + close.size();
            blank(i, j);
            i = j;
        } else if (c == QLatin1Char('"') || (c == QLatin1Char('\'') && (i == 0 || !src[i - 1].isLetterOrNumber()))) {
            qsizetype j = i + 1;
            while (j < n && src[j] != c)
                j += src[j] == QLatin1Char('\\') ? 2 : 1;
            blank(i, j + 1);
            i = j + 1;
        } else {
            ++i;
        }
    }
    return out;
}

// Every function body in src, with its length in lines.
QList<FunctionSpan> functionSpans(const QString& source)
{
    static const QRegularExpression nsHead(QStringLiteral("\\bnamespace\\b"));
    static const QRegularExpression classHead(QStringLiteral("\\b(class|struct|enum|union)\\b[^()]*$"));
    static const QRegularExpression fnHead(
        QStringLiteral("\\)\\s*(const|noexcept|override|final|mutable|\\s)*(->[^;{}]*)?$|\\)\\s*:[^;]*$"));
    enum class Kind { Namespace, Class, Function, Block };
    struct Open
    {
        Kind kind;
        int line;
        QString header;
    };
    const QString s = blanked(source);
    QList<Open> stack;
    QList<FunctionSpan> out;
    qsizetype last = 0;
    int line = 1;
    for (qsizetype i = 0; i < s.size(); ++i) {
        const QChar c = s[i];
        if (c == QLatin1Char('\n')) {
            ++line;
        } else if (c == QLatin1Char('{')) {
            const QString head = s.mid(last, i - last).trimmed();
            const bool outer = std::all_of(stack.cbegin(), stack.cend(),
                                           [](const Open& o) { return o.kind == Kind::Namespace || o.kind == Kind::Class; });
            Kind kind = Kind::Block;
            if (nsHead.match(head).hasMatch())
                kind = Kind::Namespace;
            else if (classHead.match(head).hasMatch())
                kind = Kind::Class;
            else if (outer && fnHead.match(head).hasMatch())
                kind = Kind::Function;
            stack.append({kind, line, head.section(QLatin1Char('\n'), -1).trimmed()});
            last = i + 1;
        } else if (c == QLatin1Char('}')) {
            if (!stack.isEmpty()) {
                const Open o = stack.takeLast();
                if (o.kind == Kind::Function)
                    out.append({o.line, line - o.line + 1, o.header});
            }
            last = i + 1;
        } else if (c == QLatin1Char(';')) {
            last = i + 1;
        }
    }
    return out;
}

// A "long:" reason on the brace's line or one of the eight lines above it (the header and the
// comment over it).
bool hasReason(const QStringList& lines, int braceLine)
{
    for (int k = braceLine - 1; k >= 0 && k >= braceLine - 9; --k)
        if (lines.value(k).contains(QLatin1String("long:")))
            return true;
    return false;
}

} // namespace

class TestFunctionLengths : public QObject
{
    Q_OBJECT

private slots:
    // The scanner on a source whose function lengths are counted by hand below.
    void scannerCountsByHand()
    {
        const QString src = QStringLiteral(
            "namespace a {\n"                            // 1
            "// { a brace in a comment\n"                // 2
            "int f(int x)\n"                             // 3
            "{\n"                                        // 4  f opens
            "    auto g = [](int y) { return y; };\n"    // 5  lambda: part of f
            "    if (x) {\n"                             // 6
            "        return g(\"}\");\n"                 // 7  brace in a string
            "    }\n"                                    // 8
            "    return '{';\n"                          // 9
            "}\n"                                        // 10 f closes: 7 lines
            "struct S {\n"                               // 11
            "    S() : m(1) {}\n"                        // 12 one line
            "    int get() const\n"                      // 13
            "    {\n"                                    // 14
            "        return m;\n"                        // 15
            "    }\n"                                    // 16 get: 3 lines
            "    int m;\n"                               // 17
            "};\n"                                       // 18
            "int table[] = {1, 2};\n"                    // 19 not a function
            "}\n");                                      // 20
        const QList<FunctionSpan> spans = functionSpans(src);
        QCOMPARE(spans.size(), 3);
        QCOMPARE(spans[0].firstLine, 4);
        QCOMPARE(spans[0].lines, 7);
        QCOMPARE(spans[1].firstLine, 12);
        QCOMPARE(spans[1].lines, 1);
        QCOMPARE(spans[2].firstLine, 14);
        QCOMPARE(spans[2].lines, 3);
        QVERIFY(spans[2].header.contains(QLatin1String("get() const")));
    }

    void reasonIsFoundAboveTheFunction()
    {
        const QStringList lines = {QStringLiteral("// long: one switch over every column, read top to bottom"),
                                   QStringLiteral("void f()"), QStringLiteral("{")};
        QVERIFY(hasReason(lines, 3));
        QVERIFY(!hasReason({QStringLiteral("void f()"), QStringLiteral("{")}, 2));
    }

    // The product code: app/, ui/, model/, aggregation/.
    void noLongFunctionWithoutAReason()
    {
        QStringList tooLong;
        int files = 0;
        for (const char* dir : {"app", "ui", "model", "aggregation"}) {
            QDirIterator it(QStringLiteral(CHORUS_SOURCE_DIR "/") + QLatin1String(dir),
                            {QStringLiteral("*.cpp"), QStringLiteral("*.h")}, QDir::Files, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QString path = it.next();
                QFile f(path);
                QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(path));
                const QString text = QString::fromUtf8(f.readAll());
                ++files;
                const QStringList lines = text.split(QLatin1Char('\n'));
                for (const FunctionSpan& fn : functionSpans(text))
                    if (fn.lines > kMaxLines && !hasReason(lines, fn.firstLine))
                        tooLong << QStringLiteral("%1:%2: %3 lines: %4")
                                       .arg(path.mid(qsizetype(sizeof(CHORUS_SOURCE_DIR))))
                                       .arg(fn.firstLine)
                                       .arg(fn.lines)
                                       .arg(fn.header);
            }
        }
        QVERIFY2(files > 100, "the product sources were not found");
        QVERIFY2(tooLong.isEmpty(), qPrintable(QStringLiteral("functions over %1 lines without a \"long:\" reason:\n")
                                                    .arg(kMaxLines)
                                               + tooLong.join(QLatin1Char('\n'))));
    }
};

QTEST_GUILESS_MAIN(TestFunctionLengths)
#include "tst_functionlengths.moc"
