#pragma once

#include "export/pytorchscript.h"

#include <QString>

namespace sparsity::ui {

class Session;

// Edit > Copy as PyTorch: the script (core/export/pytorchscript.h) for the session's current
// layer with its parameters (in model scope, the model's level and bounds), comparing with the
// mask file at maskPath, which it says how to make when it does not exist yet. UI thread only
// (reads the session).
core::PytorchScriptRequest pytorchScriptRequest(const Session& session, const QString& maskPath);

} // namespace sparsity::ui
