#include "location.h"
#include "mainwindow.h"
#include "pairwisepage.h"
#include "screenshots.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFile>
#include <QFileInfo>
#include <QScreen>
#include <QSettings>
#include <QTemporaryDir>

#include <cstdio>
#include <memory>

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Chorus"));
    QApplication::setApplicationName(QStringLiteral("Chorus"));
    QApplication::setApplicationVersion(QStringLiteral(CHORUS_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("io.github.chorus.Chorus"));
    QApplication::setWindowIcon(chorus::ui::applicationIcon());

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Review, aggregate and curate labels from a crowd of LLMs and humans."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("PROJECT"),
                                 QStringLiteral("Project to open (a .chorus file, or a server project "
                                                "postgresql://[user@]host[:port]/database?project=NAME), or a data "
                                                "file to import."));
    const QCommandLineOption screenshots(QStringLiteral("screenshots"),
                                         QStringLiteral("Save PNGs of the main views into DIR and quit (works on a copy of a "
                                                                        "project file; a server project is used as it is)."),
                                         QStringLiteral("DIR"));
    parser.addOption(screenshots);
    const QCommandLineOption pairwise(QStringLiteral("pairwise"),
                                      QStringLiteral("Open a file of pairwise judgments in the Pairwise tab."),
                                      QStringLiteral("FILE"));
    parser.addOption(pairwise);
    parser.process(app);

    // Screenshot mode runs an aggregation and saves it: it works on a copy of the project and
    // with its own settings, so neither the user's project nor their window layout and recent
    // files change.
    const bool shooting = parser.isSet(screenshots);
    std::unique_ptr<QTemporaryDir> shotDir;  // only in screenshot mode: it creates a directory
    if (shooting) {
        QApplication::setApplicationName(QStringLiteral("Chorus-screenshots"));
        shotDir = std::make_unique<QTemporaryDir>();
    }

    chorus::ui::MainWindow window;
    // Screenshots show the window as it fills the screen (scripts/screenshot.sh sets the screen
    // size with CHORUS_SCREEN); there is no window manager under Xvfb to maximise it.
    if (shooting && window.screen())
        window.setGeometry(window.screen()->availableGeometry());
    window.show();
    const QStringList args = parser.positionalArguments();
    QString target = args.value(0);
    if (shooting && target.endsWith(QLatin1String(".chorus"))) {
        const QString copy = shotDir->filePath(QFileInfo(target).fileName());
        if (!shotDir->isValid() || !QFile::copy(target, copy)) {
            std::fprintf(stderr, "chorus: cannot copy %s for the screenshots\n", qPrintable(target));
            return 1;
        }
        QFile::setPermissions(copy, QFile::permissions(copy) | QFileDevice::WriteOwner);
        target = copy;
    }
    // `chorus --pairwise FILE` opens that file and nothing else: no last project behind it.
    if (target.isEmpty() && !shooting && !parser.isSet(pairwise)) {
        const QString last = QSettings().value(QStringLiteral("project/last")).toString();
        if (!last.isEmpty() && (chorus::model::ProjectLocation::isServerUri(last) || QFileInfo::exists(last)))
            target = last;
    }
    if (chorus::model::ProjectLocation::isServerUri(target)) {
        // Reaching a server takes a moment, and one that is gone must not freeze the window:
        // screenshots need the project open before they start, everything else waits for nothing.
        if (shooting)
            window.openProject(target);
        else
            window.openProjectInBackground(target);
    } else if (!target.isEmpty()) {
        if (target.endsWith(QLatin1String(".chorus")))
            window.openProject(target);
        else
            window.importFile(target);
    }
    if (parser.isSet(pairwise)) {
        window.showPage(2);
        window.pairwisePage()->openFile(parser.value(pairwise));
    }
    if (parser.isSet(screenshots))
        chorus::ui::takeScreenshots(&window, parser.value(screenshots),
                                    [](bool ok) { QCoreApplication::exit(ok ? 0 : 1); });
    return app.exec();
}
