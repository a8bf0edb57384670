// sparsity-explorer: the GUI. Opens FILE.h5 (the demo weights without one), optionally selects
// a layer, and with --screenshot grabs the window once all work is idle and exits.
#include "mainwindow/mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QIcon>
#include <QPixmap>
#include <QTextStream>
#include <QTimer>
#include <cstdio>

namespace {

// Grabs the window once nothing has been running for a few checks in a row (results arrive
// in stages: mask, heatmap source, image, histogram), or gives up after a minute.
void screenshotWhenIdle(sparsity::ui::MainWindow& window, const QString& output)
{
    auto* timer = new QTimer(&window);
    auto* clock = new QElapsedTimer;
    clock->start();
    auto idleChecks = std::make_shared<int>(0);
    timer->setInterval(50);
    QObject::connect(timer, &QTimer::timeout, &window, [&window, timer, clock, idleChecks, output] {
        *idleChecks = window.isIdle() ? *idleChecks + 1 : 0;
        const bool timedOut = clock->elapsed() > 60000;
        if (*idleChecks < 4 && !timedOut)
            return;
        timer->stop();
        delete clock;
        QTextStream err(stderr);
        if (timedOut)
            err << "sparsity-explorer: still busy after 60 s; taking the screenshot anyway\n";
        const bool saved = window.grab().save(output, "PNG");
        if (!saved)
            err << "sparsity-explorer: cannot write " << output << '\n';
        err.flush();
        QCoreApplication::exit(saved ? 0 : 1);
    });
    timer->start();
}

} // namespace

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("SparsityExplorer"));
    QCoreApplication::setApplicationName(QStringLiteral("sparsity-explorer"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SPARSITY_VERSION));
    QGuiApplication::setApplicationDisplayName(QStringLiteral("Sparsity Explorer"));
    QGuiApplication::setDesktopFileName(QStringLiteral("sparsity-explorer"));
    // Without a desktop's icon theme (a bare X server), take the toolbar icons from Adwaita.
    QIcon::setFallbackThemeName(QStringLiteral("Adwaita"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Explore block weight sparsity of neural-network layers and export the masks."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(
        QStringLiteral("FILE.h5"),
        QStringLiteral("HDF5 file of weights (default: the demo weights)."));
    const QCommandLineOption layerOption(
        QStringLiteral("layer"), QStringLiteral("Dataset to show first, e.g. /mlp/fc2/weight."),
        QStringLiteral("PATH"));
    const QCommandLineOption screenshotOption(
        QStringLiteral("screenshot"),
        QStringLiteral("Save the window as PNG once everything is computed, then exit."),
        QStringLiteral("OUT.png"));
    parser.addOption(layerOption);
    parser.addOption(screenshotOption);
    parser.process(app);
    if (parser.positionalArguments().size() > 1) {
        QTextStream(stderr) << "sparsity-explorer: at most one file\n";
        return 2;
    }

    sparsity::ui::MainWindow window; // registers the embedded resources
    QIcon icon(QStringLiteral(":/icons/sparsity-explorer-256.png"));
    icon.addFile(QStringLiteral(":/icons/sparsity-explorer-64.png"));
    icon.addFile(QStringLiteral(":/icons/sparsity-explorer-32.png"));
    QApplication::setWindowIcon(icon);
    const bool screenshot = parser.isSet(screenshotOption);
    if (!screenshot)
        window.restoreSettings(); // a screenshot wants the default layout
    window.show();

    const QString layer = parser.value(layerOption);
    if (parser.positionalArguments().isEmpty())
        window.openDemo(layer);
    else
        window.openFile(parser.positionalArguments().first(), layer);

    if (screenshot)
        screenshotWhenIdle(window, parser.value(screenshotOption));
    return QApplication::exec();
}
