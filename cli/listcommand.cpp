#include "listcommand.h"

#include "error.h"
#include "io/matrixread.h"
#include "io/tensorfile.h"
#include "texttable.h"

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
        const auto tree = reader->listTree();
        const bool kerasFile = reader->hasKerasMarkers();
        TextTable table;
        table.addColumn(QStringLiteral("path"));
        table.addColumn(QStringLiteral("kind"));
        table.addColumn(QStringLiteral("shape"), TextTable::Align::Right);
        table.addColumn(QStringLiteral("matrix"), TextTable::Align::Right);
        table.addColumn(QStringLiteral("type"));
        table.addColumn(QStringLiteral("size"), TextTable::Align::Right);
        table.addColumn(QStringLiteral("maskable"));
        int datasets = 0, maskable = 0;
        for (const core::DatasetInfo& info : tree) {
            const bool isData = info.kind == core::NodeKind::Dataset;
            datasets += isData ? 1 : 0;
            maskable += info.isDefaultSelection() ? 1 : 0;
            QString path = info.path;
            if (info.kind == core::NodeKind::DanglingLink && !info.linkTarget.isEmpty())
                path += QStringLiteral(" -> ") + info.linkTarget;
            table.addRow({path, kindText(info), isData ? info.shapeText() : QString(),
                          matrixText(info, options.orientation, kerasFile),
                          isData ? info.typeName : QString(),
                          isData ? humanBytes(info.storageBytes) : QString(), statusText(info)});
        }
        out << options.input << QLatin1Char('\n')
            << layoutLine(options.orientation, kerasFile) << table.render()
            << QStringLiteral("%1 datasets, %2 maskable by default\n").arg(datasets).arg(maskable);
        return ExitSuccess;
    } catch (const core::Error& e) {
        err << "sparsity-cli: " << e.message() << Qt::endl;
        return ExitFailure;
    }
}

} // namespace sparsity::cli
