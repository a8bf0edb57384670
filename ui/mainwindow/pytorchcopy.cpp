#include "pytorchcopy.h"

#include "session/session.h"

#include <QCoreApplication>
#include <QFileInfo>

namespace sparsity::ui {

core::PytorchScriptRequest pytorchScriptRequest(const Session& session, const QString& maskPath)
{
    // The script is Python code in English; the sentences made here are translated like
    // every other text of the window.
    core::PytorchScriptRequest request;
    request.sourcePath = QFileInfo(session.filePath()).absoluteFilePath();
    request.maskPath = QFileInfo(maskPath).absoluteFilePath();
    request.maskOrigin =
        QFileInfo::exists(maskPath)
            ? QCoreApplication::translate("PytorchCopy",
                                          "exported with File > Export Masks in Sparsity Explorer")
            : QCoreApplication::translate(
                  "PytorchCopy", "not exported yet: export this layer there with File > Export "
                                 "Masks, then run this script");
    if (session.isDemo())
        request.notes << QCoreApplication::translate(
            "PytorchCopy", "The demo weights are a temporary copy that Sparsity Explorer removes "
                           "when it quits: point SOURCE at a lasting copy of digits.h5.");
    request.modelScope = session.modelScope();
    const QString layer = session.currentLayer();
    if (const auto info = session.info(layer))
        request.layers.push_back(
            {layer, info->shape, info->typeName, session.params(layer),
             core::resolveLayout(session.orientation(layer).layout, session.fileHasKerasMarkers()),
             session.orientation(layer).view});
    return request;
}

} // namespace sparsity::ui
