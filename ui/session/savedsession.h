#pragma once

#include "io/fileidentity.h"
#include "mask/sparsityparams.h"
#include "ranking/modelscope.h"

#include <QString>
#include <map>
#include <optional>

namespace sparsity::ui {

// What a session file keeps of a window: the file (and its identity then), the layer shown,
// each layer's parameters, the scope and bounds, the view. A small JSON document, written
// atomically; the last one is kept in QStandardPaths::AppDataLocation. Any thread (values).
struct SavedSession
{
    QString filePath; // absolute; empty with demo
    bool demo = false;
    std::optional<core::FileIdentity> identity;
    QString currentLayer;
    std::map<QString, core::SparsityParams> layerParams; // layers given their own parameters
    // Model scope: the model's parameters and the per-layer bounds.
    std::optional<core::SparsityParams> modelParams;
    std::optional<core::ModelBounds> modelBounds;
    QString viewKind; // "weights", "block-norms", "mask", "mask-over-weights"

    QByteArray toJson() const;
    // Throws core::Error(InvalidInput) naming `source` and what is wrong.
    static SavedSession fromJson(const QByteArray& json, const QString& source);

    // Atomic (temporary file, then rename); throws core::Error(Io) naming the path.
    void write(const QString& path) const;
    // Throws core::Error naming the path: missing, unreadable or not a session.
    static SavedSession read(const QString& path);

    // Where the last session is kept: AppDataLocation/last-session.json.
    static QString lastSessionPath();
};

} // namespace sparsity::ui
