#include "savedsession.h"

#include "error.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStandardPaths>
#include <cmath>

namespace sparsity::ui {
namespace {

// Bumped when a field changes meaning; a newer file is refused rather than misread.
constexpr int formatVersion = 1;

QJsonObject paramsToJson(const core::SparsityParams& params)
{
    QJsonObject object{{QStringLiteral("level"), params.level},
                       {QStringLiteral("block_rows"), qint64(params.block.rows)},
                       {QStringLiteral("block_cols"), qint64(params.block.cols)},
                       {QStringLiteral("norm"), core::normName(params.norm)}};
    if (params.zerosPerBlock)
        object.insert(QStringLiteral("zeros_per_block"), qint64(*params.zerosPerBlock));
    return object;
}

[[noreturn]] void refuse(const QString& source, const QString& problem)
{
    throw core::Error(
        core::ErrorCode::InvalidInput,
        QCoreApplication::translate("SavedSession", "%1: not a Sparsity Explorer session: %2")
            .arg(source, problem));
}

core::SparsityParams paramsFromJson(const QJsonValue& value, const QString& source,
                                    const QString& what)
{
    const QJsonObject object = value.toObject();
    const auto number = [&](const QString& key) {
        const QJsonValue v = object.value(key);
        if (!v.isDouble())
            refuse(source, QCoreApplication::translate("SavedSession", "%1 has no number \"%2\"")
                               .arg(what, key));
        return v.toDouble();
    };
    const auto integer = [&](const QString& key) {
        const double v = number(key);
        if (v != std::floor(v) || v < 0 || v > 1e15)
            refuse(source,
                   QCoreApplication::translate("SavedSession", "%1: \"%2\" is not a whole number")
                       .arg(what, key));
        return static_cast<std::int64_t>(v);
    };
    if (!value.isObject())
        refuse(source,
               QCoreApplication::translate("SavedSession", "%1 is not an object").arg(what));
    core::SparsityParams params;
    params.level = number(QStringLiteral("level"));
    params.block = core::BlockShape{integer(QStringLiteral("block_rows")),
                                    integer(QStringLiteral("block_cols"))};
    if (object.contains(QStringLiteral("zeros_per_block")))
        params.zerosPerBlock = integer(QStringLiteral("zeros_per_block"));
    const auto norm = core::parseNorm(object.value(QStringLiteral("norm")).toString());
    if (!norm)
        refuse(source,
               QCoreApplication::translate("SavedSession", "%1 has no norm \"l1\" or \"l2\"")
                   .arg(what));
    params.norm = *norm;
    if (const auto problem = params.validate())
        refuse(source, QStringLiteral("%1: %2").arg(what, *problem));
    return params;
}

} // namespace

QByteArray SavedSession::toJson() const
{
    QJsonObject root{{QStringLiteral("format"), QStringLiteral("sparsity-explorer-session")},
                     {QStringLiteral("version"), formatVersion}};
    if (demo)
        root.insert(QStringLiteral("demo"), true);
    else
        root.insert(QStringLiteral("file"), filePath);
    if (identity) {
        // Strings: 64-bit numbers do not survive JSON's doubles.
        root.insert(
            QStringLiteral("file_identity"),
            QJsonObject{{QStringLiteral("device"), QString::number(identity->device)},
                        {QStringLiteral("inode"), QString::number(identity->inode)},
                        {QStringLiteral("size"), QString::number(identity->size)},
                        {QStringLiteral("modified_ns"), QString::number(identity->modifiedNs)}});
    }
    root.insert(QStringLiteral("current_layer"), currentLayer);
    QJsonObject layers;
    for (const auto& [path, params] : layerParams)
        layers.insert(path, paramsToJson(params));
    root.insert(QStringLiteral("layers"), layers);
    if (modelParams && modelBounds) {
        QJsonObject model = paramsToJson(*modelParams);
        model.insert(QStringLiteral("min_level"), modelBounds->minLevel);
        model.insert(QStringLiteral("max_level"), modelBounds->maxLevel);
        root.insert(QStringLiteral("model_scope"), model);
    }
    root.insert(QStringLiteral("view"), viewKind);
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

SavedSession SavedSession::fromJson(const QByteArray& json, const QString& source)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (document.isNull())
        refuse(source, QCoreApplication::translate("SavedSession", "JSON error at byte %1: %2")
                           .arg(error.offset)
                           .arg(error.errorString()));
    const QJsonObject root = document.object();
    if (root.value(QStringLiteral("format")).toString() !=
        QStringLiteral("sparsity-explorer-session"))
        refuse(source, QCoreApplication::translate("SavedSession",
                                                   "no \"format\": \"sparsity-explorer-session\""));
    if (root.value(QStringLiteral("version")).toInt() != formatVersion)
        refuse(source, QCoreApplication::translate("SavedSession", "version %1 is not %2")
                           .arg(root.value(QStringLiteral("version")).toInt())
                           .arg(formatVersion));
    SavedSession session;
    session.demo = root.value(QStringLiteral("demo")).toBool();
    session.filePath = root.value(QStringLiteral("file")).toString();
    if (!session.demo && session.filePath.isEmpty())
        refuse(source, QCoreApplication::translate("SavedSession", "it names no file"));
    if (root.contains(QStringLiteral("file_identity"))) {
        const QJsonObject id = root.value(QStringLiteral("file_identity")).toObject();
        core::FileIdentity identity;
        identity.device = id.value(QStringLiteral("device")).toString().toULongLong();
        identity.inode = id.value(QStringLiteral("inode")).toString().toULongLong();
        identity.size = id.value(QStringLiteral("size")).toString().toLongLong();
        identity.modifiedNs = id.value(QStringLiteral("modified_ns")).toString().toLongLong();
        session.identity = identity;
    }
    session.currentLayer = root.value(QStringLiteral("current_layer")).toString();
    const QJsonObject layers = root.value(QStringLiteral("layers")).toObject();
    for (auto it = layers.begin(); it != layers.end(); ++it)
        session.layerParams.emplace(
            it.key(),
            paramsFromJson(it.value(), source,
                           QCoreApplication::translate("SavedSession", "layer %1").arg(it.key())));
    if (root.contains(QStringLiteral("model_scope"))) {
        const QJsonValue model = root.value(QStringLiteral("model_scope"));
        session.modelParams = paramsFromJson(model, source, QStringLiteral("model_scope"));
        core::ModelBounds bounds{model.toObject().value(QStringLiteral("min_level")).toDouble(0.0),
                                 model.toObject().value(QStringLiteral("max_level")).toDouble(1.0)};
        if (const auto problem = bounds.validate())
            refuse(source, QStringLiteral("model_scope: %1").arg(*problem));
        session.modelBounds = bounds;
    }
    session.viewKind = root.value(QStringLiteral("view")).toString();
    return session;
}

void SavedSession::write(const QString& path) const
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(toJson()) < 0 || !file.commit())
        throw core::Error(
            core::ErrorCode::Io,
            QCoreApplication::translate("SavedSession", "%1: cannot write the session: %2")
                .arg(QDir::toNativeSeparators(path), file.errorString()));
}

SavedSession SavedSession::read(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw core::Error(
            core::ErrorCode::Io,
            QCoreApplication::translate("SavedSession", "%1: cannot read the session: %2")
                .arg(QDir::toNativeSeparators(path), file.errorString()));
    // A session is a few kilobytes; a huge file is not one.
    if (file.size() > 16 * 1024 * 1024)
        refuse(QDir::toNativeSeparators(path),
               QCoreApplication::translate("SavedSession", "bigger than 16 MiB"));
    return fromJson(file.readAll(), QDir::toNativeSeparators(path));
}

QString SavedSession::lastSessionPath()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
        .filePath(QStringLiteral("last-session.json"));
}

} // namespace sparsity::ui
