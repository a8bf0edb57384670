#include "maskexportflow.h"

#include "errordialog.h"
#include "export/maskexport.h"
#include "session/demofile.h"
#include "session/maskexportjob.h"
#include "session/session.h"

#include <QDir>
#include <QFileInfo>
#include <QMainWindow>
#include <QMessageBox>
#include <QProgressDialog>
#include <QStatusBar>

namespace sparsity::ui {

core::ExportRequest MaskExportFlow::requestFor(const Session& session, const QString& outputPath,
                                               bool allLayers)
{
    const std::optional<core::ModelScopeRequest> modelScope = session.modelScope();
    const QStringList layers = allLayers || modelScope ? session.sparsifiableLayers()
                                                       : QStringList{session.currentLayer()};
    core::ExportRequest request;
    request.inputPath = session.filePath();
    request.outputPath = QFileInfo(outputPath).absoluteFilePath();
    // The masks must be those of the weights on screen, not of a file put there since.
    request.expectedInput = session.fileIdentity();
    // The demo's readable copy is a temporary file: its masks name the demo instead.
    if (session.isDemo())
        request.sourceName = DemoFile::displayName();
    for (const QString& layer : layers)
        if (!layer.isEmpty())
            request.layers.push_back(
                core::LayerRequest{layer, session.params(layer), session.orientation(layer)});
    request.modelScope = modelScope;
    return request;
}

MaskExportFlow::MaskExportFlow(QThreadPool* ioPool, QThreadPool* computePool, QMainWindow* window)
    : QObject(window)
    , m_window(window)
    , m_job(new MaskExportJob(ioPool, computePool, this))
{
    connect(m_job, &MaskExportJob::progress, this,
            [this](int index, int count, const QString& path) {
                if (!m_progress)
                    return;
                m_progress->setMaximum(count);
                m_progress->setValue(index);
                if (index < count)
                    m_progress->setLabelText(
                        tr("Masking %1 (%2 of %3)…").arg(path).arg(index + 1).arg(count));
            });
    connect(m_job, &MaskExportJob::finished, this,
            [this](const std::vector<core::LayerReport>& reports) {
                endRun();
                showStatus(tr("Wrote %n mask(s) to %1", nullptr, static_cast<int>(reports.size()))
                               .arg(QDir::toNativeSeparators(m_outputPath)));
                Q_EMIT masksExported(m_outputPath, true);
            });
    connect(m_job, &MaskExportJob::cancelled, this, [this] {
        endRun();
        showStatus(tr("Export cancelled; no file was written."));
        Q_EMIT masksExported(m_outputPath, false);
    });
    connect(m_job, &MaskExportJob::failed, this, [this](const QString& message) {
        endRun();
        showErrorDialog(m_window, tr("The masks were not exported"), message);
        Q_EMIT masksExported(m_outputPath, false);
    });
    connect(m_job, &MaskExportJob::outputExists, this, [this](const core::ExportRequest& request) {
        endRun();
        askToOverwrite(request);
    });
}

MaskExportFlow::~MaskExportFlow()
{
    m_job->cancel();
    delete m_job;
}

void MaskExportFlow::start(const core::ExportRequest& request)
{
    if (!isBusy())
        run(request);
}

void MaskExportFlow::cancel()
{
    m_job->cancel();
}

bool MaskExportFlow::isRunning() const
{
    return m_job->isRunning();
}

bool MaskExportFlow::isBusy() const
{
    return m_job->isRunning() || m_overwriteQuestion;
}

void MaskExportFlow::run(const core::ExportRequest& request)
{
    m_outputPath = request.outputPath;
    const int layerCount = static_cast<int>(request.layers.size());
    m_progress = new QProgressDialog(tr("Exporting masks…"), tr("Cancel"), 0, layerCount, m_window);
    m_progress->setObjectName(QStringLiteral("exportProgress"));
    m_progress->setWindowTitle(tr("Export Masks"));
    m_progress->setWindowModality(Qt::WindowModal);
    m_progress->setAutoClose(false);
    m_progress->setAutoReset(false);
    m_progress->setMinimumDuration(300); // a quick export should not flash a dialog
    m_progress->setValue(0);
    connect(m_progress, &QProgressDialog::canceled, this, [this] {
        m_job->cancel();
        if (m_progress)
            m_progress->setLabelText(tr("Cancelling…"));
    });
    m_job->start(request);
    Q_EMIT runningChanged();
}

void MaskExportFlow::endRun()
{
    if (m_progress) {
        m_progress->close();
        m_progress->deleteLater();
        m_progress = nullptr;
    }
    Q_EMIT runningChanged();
}

void MaskExportFlow::askToOverwrite(const core::ExportRequest& request)
{
    // Window-modal and non-blocking, like the error dialogs: this runs in a job continuation.
    auto* box = new QMessageBox(QMessageBox::Question, tr("Overwrite File?"),
                                tr("%1 already exists. Replace it with the new masks?")
                                    .arg(QDir::toNativeSeparators(request.outputPath)),
                                QMessageBox::Yes | QMessageBox::No, m_window);
    box->setDefaultButton(QMessageBox::No);
    box->setObjectName(QStringLiteral("overwriteQuestion"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setWindowModality(Qt::WindowModal);
    connect(box, &QMessageBox::finished, this, [this, box, request] {
        if (box->clickedButton() == box->button(QMessageBox::Yes) && !m_job->isRunning()) {
            core::ExportRequest replace = request;
            replace.overwrite = true;
            run(replace);
            return;
        }
        showStatus(
            tr("Not exported; %1 was kept.").arg(QDir::toNativeSeparators(request.outputPath)));
        Q_EMIT masksExported(request.outputPath, false);
    });
    m_overwriteQuestion = box;
    box->open();
}

void MaskExportFlow::showStatus(const QString& message)
{
    m_window->statusBar()->showMessage(message, 8000);
}

} // namespace sparsity::ui
