#include "maskexportflow.h"

#include "errordialog.h"
#include "export/maskexport.h"
#include "exportprogress.h"
#include "session/demofile.h"
#include "session/maskexportjob.h"
#include "session/session.h"

#include <QDir>
#include <QFileInfo>
#include <QMainWindow>
#include <QMessageBox>
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
    , m_progress(window, QStringLiteral("exportProgress"), tr("Export Masks"))
{
    connect(m_job, &MaskExportJob::progress, this,
            [this](int index, int count, const QString& path) {
                m_progress.advance(
                    index, count,
                    index < count ? tr("Masking %1 (%2 of %3)…").arg(path).arg(index + 1).arg(count)
                                  : QString());
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
    m_progress.begin(tr("Exporting masks…"), static_cast<int>(request.layers.size()),
                     [this] { m_job->cancel(); });
    m_job->start(request);
    Q_EMIT runningChanged();
}

void MaskExportFlow::endRun()
{
    m_progress.end();
    Q_EMIT runningChanged();
}

void MaskExportFlow::askToOverwrite(const core::ExportRequest& request)
{
    m_overwriteQuestion = askToReplaceFile(
        m_window, QStringLiteral("overwriteQuestion"),
        tr("%1 already exists. Replace it with the new masks?"), request.outputPath,
        [this, request](bool replace) {
            if (replace && !m_job->isRunning()) {
                core::ExportRequest again = request;
                again.overwrite = true;
                run(again);
                return;
            }
            showStatus(
                tr("Not exported; %1 was kept.").arg(QDir::toNativeSeparators(request.outputPath)));
            Q_EMIT masksExported(request.outputPath, false);
        });
}

void MaskExportFlow::showStatus(const QString& message)
{
    m_window->statusBar()->showMessage(message, 8000);
}

} // namespace sparsity::ui
