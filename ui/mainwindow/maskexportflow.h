#pragma once

#include "exportprogress.h"

#include <QObject>
#include <QPointer>
#include <QString>

class QMainWindow;
class QMessageBox;
class QThreadPool;

namespace sparsity::core {
struct ExportRequest;
}

namespace sparsity::ui {

class MaskExportJob;
class Session;

// File > Export Masks once the request is made: runs a MaskExportJob on the given pools, shows
// its progress in a cancellable window-modal dialog (objectName "exportProgress"), asks before
// replacing an existing output ("overwriteQuestion"; Yes runs again allowed to replace it) and
// reports the outcome in the window's status bar or an error dialog. One export at a time.
// UI thread only.
class MaskExportFlow final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MaskExportFlow)

public:
    MaskExportFlow(QThreadPool* ioPool, QThreadPool* computePool, QMainWindow* window);
    // Stops a running export and waits for it: the pools it uses may go next.
    ~MaskExportFlow() override;

    // What File > Export Masks writes for the session's file: the current layer or every
    // default layer, each with its parameters; in model scope every default layer (a layer's
    // model-scope mask is its share of one ranking over all of them, whatever allLayers says)
    // with the one configuration and ExportRequest::modelScope set to the model level and
    // bounds. Only strings: the checks on the output are the job's, on the I/O thread.
    static core::ExportRequest requestFor(const Session& session, const QString& outputPath,
                                          bool allLayers);

    // Starts `request`; does nothing while an export runs or its overwrite question is open.
    void start(const core::ExportRequest& request);
    void cancel();
    bool isRunning() const;
    // An export runs or waits for the answer to its overwrite question.
    bool isBusy() const;

Q_SIGNALS:
    // The end of every export started: written false when it failed, was cancelled or the
    // existing output was kept.
    void masksExported(const QString& path, bool written);
    // An export started or ended (the window's actions and busy indicator follow it).
    void runningChanged();

private:
    void run(const core::ExportRequest& request);
    void askToOverwrite(const core::ExportRequest& request);
    void endRun();
    void showStatus(const QString& message);

    QMainWindow* m_window;
    MaskExportJob* m_job;
    ExportProgress m_progress;
    QPointer<QMessageBox> m_overwriteQuestion;
    QString m_outputPath;
};

} // namespace sparsity::ui
