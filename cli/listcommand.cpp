#include "listcommand.h"

#include "datasetselection.h"
#include "error.h"
#include "io/matrixread.h"
#include "io/tensorfile.h"
#include "jsonoutput.h"
#include "texttable.h"

#include <QSet>
#include <limits>

namespace sparsity::cli {
namespace {

QString kindText(const core::DatasetInfo& info)
{
    switch (info.kind) {
    case core::NodeKind::Group:
        return QStringLiteral("group");
    case core::NodeKind::Dataset:
        return QStringLiteral("dataset");
    case core::NodeKind::DanglingLink:
        return QStringLiteral("broken link");
    case core::NodeKind::Other:
        break;
    }
    return QStringLiteral("other");
}

// The kind as a JSON identifier.
QString kindKey(const core::DatasetInfo& info)
{
    return info.kind == core::NodeKind::DanglingLink ? QStringLiteral("broken_link")
                                                     : kindText(info);
}

QString statusText(const core::DatasetInfo& info)
{
    if (info.kind == core::NodeKind::Group)
        return QString();
    if (info.isDefaultSelection())
        return QStringLiteral("yes");
    if (info.canSparsifyWhenNamed()) {
        const QString why =
            info.reason.isEmpty() && info.elementClass == core::ElementClass::Integer
                ? QStringLiteral("integer data")
                : info.reason;
        return QStringLiteral("when named (%1)").arg(why);
    }
    return QStringLiteral("no: %1").arg(info.reason);
}

// The entries --dataset keeps: a path names its entry, whatever its kind; a pattern keeps the
// datasets and links whose path it matches (cli/datasetselection.h). Throws core::Error naming
// the file and the value that keeps nothing.
std::vector<core::DatasetInfo> filterEntries(const std::vector<core::DatasetInfo>& tree,
                                             const ListOptions& options)
{
    if (options.datasets.isEmpty())
        return tree;
    QSet<QString> listed;
    for (const core::DatasetInfo& info : tree)
        listed.insert(info.path);
    QSet<QString> kept;
    for (const QString& value : options.datasets) {
        const QString path = core::normalizeDatasetPath(value);
        if (!isDatasetPattern(value) || listed.contains(path)) {
            if (!listed.contains(path))
                throw core::Error(
                    core::ErrorCode::InvalidInput,
                    QStringLiteral("%1: no dataset, group or link '%2'").arg(options.input, path));
            kept.insert(path);
            continue;
        }
        const DatasetPattern pattern(value);
        bool any = false;
        for (const core::DatasetInfo& info : tree)
            if (info.kind != core::NodeKind::Group && pattern.matches(info.path)) {
                kept.insert(info.path);
                any = true;
            }
        if (!any)
            throw core::Error(
                core::ErrorCode::InvalidInput,
                QStringLiteral("%1: --dataset '%2' matches no dataset").arg(options.input, value));
    }
    std::vector<core::DatasetInfo> entries;
    for (const core::DatasetInfo& info : tree)
        if (kept.contains(info.path))
            entries.push_back(info);
    return entries;
}

QJsonObject jsonEntry(const core::DatasetInfo& info)
{
    QJsonObject entry{{QStringLiteral("path"), info.path}, {QStringLiteral("kind"), kindKey(info)}};
    if (info.kind == core::NodeKind::Group)
        return entry;
    if (info.kind == core::NodeKind::DanglingLink)
        entry.insert(QStringLiteral("link_target"), info.linkTarget);
    if (info.kind == core::NodeKind::Dataset) {
        entry.insert(QStringLiteral("shape"),
                     json::shape(info.nullDataspace ? std::vector<std::int64_t>{} : info.shape));
        entry.insert(QStringLiteral("null_dataspace"), info.nullDataspace);
        entry.insert(QStringLiteral("type"), info.typeName);
        entry.insert(QStringLiteral("elements"), json::count(info.elementCount()));
        entry.insert(QStringLiteral("storage_bytes"), json::count(info.storageBytes));
    }
    const QString maskable = info.isDefaultSelection()     ? QStringLiteral("yes")
                             : info.canSparsifyWhenNamed() ? QStringLiteral("when_named")
                                                           : QStringLiteral("no");
    entry.insert(QStringLiteral("maskable"), maskable);
    QString why = info.reason;
    if (why.isEmpty() && maskable == QLatin1String("when_named") &&
        info.elementClass == core::ElementClass::Integer)
        why = QStringLiteral("integer data");
    entry.insert(QStringLiteral("reason"), why);
    return entry;
}

// The layout in force for the whole file, and why (docs/SPEC.md "Layout").
QString layoutLine(const core::TensorOrientation& orientation, bool kerasFile)
{
    const core::Layout layout = core::resolveLayout(orientation.layout, kerasFile);
    QString why;
    if (orientation.layout == core::Layout::Auto)
        why = kerasFile ? QStringLiteral(" (auto: the file has Keras's keras_version or "
                                         "layer_names attribute)")
                        : QStringLiteral(" (auto: no Keras attributes)");
    return QStringLiteral("layout %1%2, view %3\n")
        .arg(core::layoutName(layout), why, core::viewName(orientation.view));
}

// The matrix a dataset is masked as, "16x72"; empty where nothing can be masked.
QString matrixText(const core::DatasetInfo& info, const core::TensorOrientation& orientation,
                   bool kerasFile)
{
    // A declared shape whose element count saturates is refused anyway; its matrix would
    // overflow.
    if (info.kind != core::NodeKind::Dataset || !info.canSparsifyWhenNamed() ||
        info.elementCount() == std::numeric_limits<std::int64_t>::max())
        return {};
    return core::mappingFor(info.shape, orientation, kerasFile).matrixShapeText();
}

} // namespace

int runList(const ListOptions& options, QTextStream& out, QTextStream& err)
{
    try {
        const auto reader = core::openTensorFile(options.input);
        const auto tree = filterEntries(reader->listTree(), options);
        const bool kerasFile = reader->hasKerasMarkers();
        int datasets = 0, maskable = 0;
        for (const core::DatasetInfo& info : tree) {
            datasets += info.kind == core::NodeKind::Dataset ? 1 : 0;
            maskable += info.isDefaultSelection() ? 1 : 0;
        }
        if (options.json) {
            QJsonArray entries;
            for (const core::DatasetInfo& info : tree)
                entries.append(jsonEntry(info));
            json::print(out, QJsonObject{{QStringLiteral("input"), options.input},
                                         {QStringLiteral("entries"), entries},
                                         {QStringLiteral("datasets"), datasets},
                                         {QStringLiteral("maskable_by_default"), maskable}});
            return ExitSuccess;
        }
        TextTable table;
        table.addColumn(QStringLiteral("path"));
        table.addColumn(QStringLiteral("kind"));
        table.addColumn(QStringLiteral("shape"), TextTable::Align::Right);
        table.addColumn(QStringLiteral("matrix"), TextTable::Align::Right);
        table.addColumn(QStringLiteral("type"));
        table.addColumn(QStringLiteral("size"), TextTable::Align::Right);
        table.addColumn(QStringLiteral("maskable"));
        for (const core::DatasetInfo& info : tree) {
            const bool isData = info.kind == core::NodeKind::Dataset;
            QString path = info.path;
            if (info.kind == core::NodeKind::DanglingLink && !info.linkTarget.isEmpty())
                path += QStringLiteral(" -> ") + info.linkTarget;
            table.addRow({path, kindText(info), isData ? info.shapeText() : QString(),
                          matrixText(info, options.orientation, kerasFile),
                          isData ? info.typeName : QString(),
                          isData ? humanBytes(info.storageBytes) : QString(), statusText(info)});
        }
        out << options.input << QLatin1Char('\n') << layoutLine(options.orientation, kerasFile)
            << table.render()
            << QStringLiteral("%1 %2, %3 maskable by default\n")
                   .arg(datasets)
                   .arg(datasets == 1 ? QStringLiteral("dataset") : QStringLiteral("datasets"))
                   .arg(maskable);
        return ExitSuccess;
    } catch (const core::Error& e) {
        return reportFailure(e, QString(), err, false);
    }
}

} // namespace sparsity::cli
