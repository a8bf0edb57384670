#include "sessionflow.h"

#include "error.h"
#include "errordialog.h"
#include "mainwindow.h"
#include "session/savedsession.h"
#include "windowsettings.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QPushButton>

namespace sparsity::ui {
namespace {

QString sessionFilter()
{
    return SessionFlow::tr("Sparsity Explorer sessions (*.json);;All files (*)");
}

QString fileNameOf(const SavedSession& saved)
{
    return saved.demo ? SessionFlow::tr("digits.h5 (demo)") : QFileInfo(saved.filePath).fileName();
}

} // namespace

SessionFlow::SessionFlow(MainWindow* window, QMenu* fileMenu, QAction* before)
    : QObject(window)
    , m_window(window)
    , m_banner(new QFrame(window))
    , m_bannerText(new QLabel(m_banner))
    , m_restoreButton(new QPushButton(m_banner))
    , m_dismissButton(new QPushButton(m_banner))
    , m_restoreLast(new QAction(window))
    , m_openSession(new QAction(window))
    , m_saveSession(new QAction(window))
{
    m_banner->setObjectName(QStringLiteral("sessionBanner"));
    m_banner->setFrameShape(QFrame::StyledPanel);
    m_banner->setAutoFillBackground(true);
    m_bannerText->setObjectName(QStringLiteral("sessionBannerText"));
    m_bannerText->setWordWrap(true);
    m_bannerText->setTextFormat(Qt::PlainText);
    m_restoreButton->setObjectName(QStringLiteral("restoreSessionButton"));
    m_dismissButton->setObjectName(QStringLiteral("dismissSessionButton"));
    auto* layout = new QHBoxLayout(m_banner);
    layout->setContentsMargins(8, 4, 8, 4);
    layout->addWidget(m_bannerText, 1);
    layout->addWidget(m_restoreButton);
    layout->addWidget(m_dismissButton);
    m_banner->hide();
    connect(m_restoreButton, &QPushButton::clicked, this,
            [this] { openSession(SavedSession::lastSessionPath()); });
    connect(m_dismissButton, &QPushButton::clicked, m_banner, &QWidget::hide);

    m_restoreLast->setObjectName(QStringLiteral("restoreLastSessionAction"));
    connect(m_restoreLast, &QAction::triggered, this,
            [this] { openSession(SavedSession::lastSessionPath()); });
    m_openSession->setObjectName(QStringLiteral("openSessionAction"));
    connect(m_openSession, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            m_window, tr("Open Session"), WindowSettings::lastDirectory(), sessionFilter());
        if (!path.isEmpty())
            openSession(path);
    });
    m_saveSession->setObjectName(QStringLiteral("saveSessionAction"));
    connect(m_saveSession, &QAction::triggered, this, [this] {
        const QString suggested =
            QDir(WindowSettings::lastDirectory()).filePath(QStringLiteral("session.json"));
        const QString path =
            QFileDialog::getSaveFileName(m_window, tr("Save Session"), suggested, sessionFilter());
        if (!path.isEmpty())
            saveSession(path);
    });
    connect(fileMenu, &QMenu::aboutToShow, this, [this] {
        m_restoreLast->setEnabled(QFileInfo::exists(SavedSession::lastSessionPath()));
        m_saveSession->setEnabled(!m_window->savedSession().currentLayer.isEmpty());
    });
    fileMenu->insertAction(before, m_restoreLast);
    fileMenu->insertAction(before, m_openSession);
    fileMenu->insertAction(before, m_saveSession);
    fileMenu->insertSeparator(before);

    connect(window, &MainWindow::sessionRestored, this, &SessionFlow::onRestored);
    retranslate();
}

void SessionFlow::retranslate()
{
    m_restoreButton->setText(tr("&Restore"));
    m_dismissButton->setText(m_restoreButton->isVisibleTo(m_banner) ? tr("Dismiss") : tr("OK"));
    m_restoreLast->setText(tr("Restore &Last Session"));
    m_restoreLast->setStatusTip(tr("Open the file of the last session with the parameters of "
                                   "each layer, the scope and the view as they were"));
    m_openSession->setText(tr("Open &Session…"));
    m_saveSession->setText(tr("Save Session &As…"));
    // An offer still open is asked again in the new language; a report of a restore stays.
    if (m_offering && m_banner->isVisibleTo(m_window))
        offerLastSession();
}

void SessionFlow::offerLastSession()
{
    const QString path = SavedSession::lastSessionPath();
    if (!QFileInfo::exists(path))
        return;
    try {
        const SavedSession saved = SavedSession::read(path);
        const QString layer =
            saved.currentLayer.isEmpty() ? QString() : tr(" (layer %1)").arg(saved.currentLayer);
        showBanner(tr("Restore your last session on %1%2?").arg(fileNameOf(saved), layer), true,
                   false);
        m_offering = true;
    } catch (const core::Error& error) {
        qWarning("%s", qPrintable(error.message()));
    }
}

bool SessionFlow::saveLastSession()
{
    const SavedSession saved = m_window->savedSession();
    // An untouched demo is not worth replacing the last real session with.
    if ((saved.filePath.isEmpty() && !saved.demo) ||
        (saved.demo && saved.layerParams.empty() && !saved.modelBounds))
        return false;
    try {
        saved.write(SavedSession::lastSessionPath());
        return true;
    } catch (const core::Error& error) {
        qWarning("%s", qPrintable(error.message()));
        return false;
    }
}

void SessionFlow::openSession(const QString& path)
{
    m_banner->hide();
    try {
        m_window->restoreSession(SavedSession::read(path));
    } catch (const core::Error& error) {
        showErrorDialog(m_window, tr("The session cannot be restored"), error.message());
    }
}

bool SessionFlow::saveSession(const QString& path)
{
    try {
        m_window->savedSession().write(path);
        WindowSettings::setLastDirectory(path);
        return true;
    } catch (const core::Error& error) {
        showErrorDialog(m_window, tr("The session was not saved"), error.message());
        return false;
    }
}

void SessionFlow::showBanner(const QString& text, bool offer, bool warning)
{
    m_offering = false;
    m_bannerText->setText(text);
    m_restoreButton->setVisible(offer);
    m_dismissButton->setText(offer ? tr("Dismiss") : tr("OK"));
    QPalette palette = m_banner->palette();
    palette.setColor(QPalette::Window, warning ? QColor(255, 236, 200) : QColor(222, 236, 252));
    palette.setColor(QPalette::WindowText, Qt::black);
    m_banner->setPalette(palette);
    m_banner->show();
}

void SessionFlow::onRestored(const QString& summary, const QStringList& problems)
{
    showBanner(problems.isEmpty() ? summary
                                  : summary + QLatin1Char(' ') + problems.join(QLatin1Char(' ')),
               false, !problems.isEmpty());
}

} // namespace sparsity::ui
