// sparsity-explorer: the GUI. Opens FILE.h5 (the demo weights without one), optionally selects
// a layer, and with --screenshot grabs the window once all work is idle and exits.
#include "io/tensorfile.h"
#include "mainwindow/language.h"
#include "mainwindow/mainwindow.h"
#include "session/session.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QIcon>
#include <QPixmap>
#include <QTextStream>
#include <QTimer>
#include <cstdio>
#include <memory>

namespace {

// Grabs the window once nothing has been running for a few checks in a row (results arrive
// in stages: mask, heatmap source, image, histogram), or gives up after a minute.
void screenshotWhenIdle(sparsity::ui::MainWindow& window, const QString& output)
{
    auto* timer = new QTimer(&window);
    // Shared with the timer's slot: a run that ends otherwise (failScreenshotOnError) must not
    // leak it.
    auto clock = std::make_shared<QElapsedTimer>();
    clock->start();
    auto idleChecks = std::make_shared<int>(0);
    timer->setInterval(50);
    QObject::connect(timer, &QTimer::timeout, &window, [&window, timer, clock, idleChecks, output] {
        *idleChecks = window.isIdle() ? *idleChecks + 1 : 0;
        const bool timedOut = clock->elapsed() > 60000;
        if (*idleChecks < 4 && !timedOut)
            return;
        timer->stop();
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

// A file or layer that cannot be shown ends a screenshot run with its message and exit 1:
// a script must not take a picture of an error dialog for the picture it asked for.
void failScreenshotOnError(sparsity::ui::MainWindow& window)
{
    const auto fail = [](const QString& message) {
        QTextStream(stderr) << "sparsity-explorer: " << message << '\n';
        QCoreApplication::exit(1);
    };
    QObject::connect(window.session(), &sparsity::ui::Session::fileFailed, &window,
                     [fail](const QString& path, const QString& message) {
                         fail(message.isEmpty() ? path + QStringLiteral(": cannot be opened")
                                                : message);
                     });
    QObject::connect(window.session(), &sparsity::ui::Session::layerFailed, &window,
                     [fail](const QString& layer, const QString& message) {
                         fail(QStringLiteral("dataset '%1': %2").arg(layer, message));
                     });
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication::setOrganizationName(QStringLiteral("SparsityExplorer"));
    QCoreApplication::setApplicationName(QStringLiteral("sparsity-explorer"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SPARSITY_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Explore block weight sparsity of neural-network layers and export the masks."));
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    parser.addPositionalArgument(
        QStringLiteral("FILE"),
        QStringLiteral("Weights to open: HDF5 (.h5, .hdf5, .keras), safetensors (.safetensors, "
                       "or a sharded checkpoint's .safetensors.index.json) or NumPy (.npy, .npz). "
                       "Default: the demo weights."));
    const QCommandLineOption layerOption(
        QStringLiteral("layer"), QStringLiteral("Dataset to show first, e.g. /mlp/fc2/weight."),
        QStringLiteral("PATH"));
    const QCommandLineOption screenshotOption(
        QStringLiteral("screenshot"),
        QStringLiteral("Save the window as PNG once everything is computed, then exit (exit 1 "
                       "if the file or layer cannot be shown)."),
        QStringLiteral("OUT.png"));
    parser.addOption(layerOption);
    parser.addOption(screenshotOption);
    // Parsed before the QApplication exists, which needs a display: --help, --version and
    // command-line mistakes must work without one (over ssh, in scripts).
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    if (!parser.parse(arguments)) {
        QTextStream(stderr) << "sparsity-explorer: " << parser.errorText() << '\n';
        return 2;
    }
    if (parser.isSet(helpOption)) {
        // Before the QApplication exists Qt cannot name the program and writes a placeholder.
        QTextStream(stdout) << parser.helpText().replace(QStringLiteral("<executable_name>"),
                                                         QStringLiteral("sparsity-explorer"));
        return 0;
    }
    if (parser.isSet(versionOption)) {
        QTextStream(stdout) << "sparsity-explorer " << SPARSITY_VERSION << '\n';
        return 0;
    }
    if (parser.positionalArguments().size() > 1) {
        QTextStream(stderr) << "sparsity-explorer: at most one file\n";
        return 2;
    }

    QApplication app(argc, argv);
    // The HDF5 reader process starts while the window is built, not when a file is opened.
    sparsity::core::prepareToOpenTensorFiles();
    QGuiApplication::setApplicationDisplayName(QStringLiteral("Sparsity Explorer"));
    QGuiApplication::setDesktopFileName(QStringLiteral("sparsity-explorer"));
    // Without a desktop's icon theme (a bare X server), take the toolbar icons from Adwaita.
    QIcon::setFallbackThemeName(QStringLiteral("Adwaita"));

    // Before the window exists, so that it is built in that language: the choice of View >
    // Language, else the system's (LANGUAGE, LC_ALL, LANG: zh_* gives Chinese).
    sparsity::ui::Language::apply(sparsity::ui::Language::startupCode());
    sparsity::ui::MainWindow window; // registers the embedded resources
    QIcon icon(QStringLiteral(":/icons/sparsity-explorer-256.png"));
    icon.addFile(QStringLiteral(":/icons/sparsity-explorer-64.png"));
    icon.addFile(QStringLiteral(":/icons/sparsity-explorer-32.png"));
    QApplication::setWindowIcon(icon);
    const bool screenshot = parser.isSet(screenshotOption);
    if (!screenshot)
        window.restoreSettings(); // a screenshot wants the default layout
    else
        failScreenshotOnError(window);
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
