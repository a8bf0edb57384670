#include "maskcommand.h"

#include "datasetselection.h"
#include "error.h"
#include "export/maskexport.h"
#include "export/pytorchscript.h"
#include "io/tensorfile.h"
#include "jsonoutput.h"
#include "ranking/configuration.h"
#include "ranking/sweep.h"
#include "texttable.h"

#include <QFileInfo>
#include <QHash>
#include <QLocale>
#include <QRegularExpression>
#include <QThreadPool>
#include <algorithm>
#include <cmath>

namespace sparsity::cli {

// The layers to mask: the named ones and those patterns match (cli/datasetselection.h), or by
// default every floating-point dataset of rank >= 2 (the rest are skipped with a note on err).
std::vector<core::LayerRequest> chooseLayers(const MaskOptions& options,
                                             const core::TensorReader& input, QTextStream& err)
{
    std::vector<core::LayerRequest> layers;
    if (!options.datasets.isEmpty()) {
        // Plain paths need no listing: the export checks each as it always did.
        const QStringList paths =
            hasDatasetPatterns(options.datasets)
                ? selectDatasets(options.datasets, input.listTree(), options.input, err)
                : options.datasets;
        for (const QString& path : paths)
            layers.push_back(
                {core::normalizeDatasetPath(path), options.params, options.orientation});
        return layers;
    }
    for (const core::DatasetInfo& info : input.listTree()) {
        if (info.kind == core::NodeKind::Group)
            continue;
        if (info.kind == core::NodeKind::Dataset && info.isDefaultSelection()) {
            layers.push_back({info.path, options.params, options.orientation});
            continue;
        }
        QString why = info.reason;
        // Integer datasets pass every rule but are not weights unless the user says so.
        if (why.isEmpty() && info.elementClass == core::ElementClass::Integer)
            why = QStringLiteral("integer data");
        if (info.kind == core::NodeKind::Dataset && info.canSparsifyWhenNamed())
            why += QStringLiteral(" (name it with --dataset to mask it)");
        err << "note: skipped " << info.path << ": " << why << Qt::endl;
    }
    if (layers.empty())
        throw core::Error(core::ErrorCode::InvalidInput,
                          QStringLiteral("%1: no floating-point dataset of rank >= 2 to mask")
                              .arg(options.input));
    return layers;
}

// Model scope takes the datasets in the order `list` prints them (docs/SPEC.md "Model scope"),
// whatever order --dataset named them in: that order breaks ties between datasets. A name the
// listing does not hold keeps its place after the listed ones; the export then says why.
void putInListOrder(std::vector<core::LayerRequest>& layers, const core::TensorReader& input)
{
    const auto tree = input.listTree();
    QHash<QString, qsizetype> position;
    for (qsizetype i = 0; i < qsizetype(tree.size()); ++i)
        position.insert(tree[std::size_t(i)].path, i);
    const auto rank = [&](const core::LayerRequest& layer) {
        return position.value(layer.datasetPath, qsizetype(tree.size()));
    };
    std::stable_sort(layers.begin(), layers.end(),
                     [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
}

namespace {

QString percent(double ratio)
{
    // Not finite only if the long double sums overflow (beyond 1e4932).
    if (!std::isfinite(ratio))
        return QStringLiteral("n/a");
    return QStringLiteral("%1%").arg(ratio * 100.0, 0, 'f', 2);
}

// All datasets together, as a sweep's model rows add them (docs/SPEC.md "Configurations and
// sweeps"): counts and energies added before the ratios are taken.
core::MaskStats totalOf(const std::vector<core::LayerReport>& reports)
{
    std::vector<core::MaskStats> layers;
    for (const core::LayerReport& report : reports)
        layers.push_back(report.stats);
    return core::combineStats(layers);
}

QString shortest(double value)
{
    return QString::number(value, 'g', QLocale::FloatingPointShortest);
}

// What was asked, above the table: "requested level  0.5 (50%; layer scope: ...)" and
// "configuration    2:4, l2 norm (1x4 blocks, 2 zeros per pruned block)".
QString summaryHeader(const MaskOptions& options)
{
    const core::SparsityParams& p = options.params;
    QString scope = QStringLiteral("layer scope: each dataset prunes this share of its blocks");
    if (options.modelScope)
        scope = QStringLiteral("model scope: the share of all datasets' blocks, each dataset "
                               "from %1 to %2 of its own")
                    .arg(shortest(options.modelScope->minLevel),
                         shortest(options.modelScope->maxLevel));
    const std::int64_t zeros = p.effectiveZerosPerBlock();
    const QString level =
        QStringLiteral("requested level  %1 (%2%; %3)\n")
            // 12 digits: 0.07 is "7%", not the product's "7.000000000000001%".
            .arg(shortest(p.level), QString::number(p.level * 100.0, 'g', 12), scope);
    const QString configuration =
        QStringLiteral("configuration    %1, %2 norm (%3x%4 blocks, %5 zero%6 per pruned block)\n")
            .arg(core::formatBlockSpec(p.block, p.zerosPerBlock), core::normName(p.norm))
            .arg(p.block.rows)
            .arg(p.block.cols)
            .arg(zeros)
            .arg(zeros == 1 ? QString() : QStringLiteral("s"));
    return level + configuration;
}

QJsonObject jsonSummary(const MaskOptions& options, const std::vector<core::LayerReport>& reports)
{
    const core::SparsityParams& p = options.params;
    QJsonArray datasets;
    for (const core::LayerReport& report : reports) {
        QJsonObject row{{QStringLiteral("dataset"), report.datasetPath},
                        {QStringLiteral("shape"), json::shape(report.shape)}};
        json::addStats(row, report.stats);
        datasets.append(row);
    }
    QJsonObject total;
    json::addStats(total, totalOf(reports));
    const core::ModelBounds bounds = options.modelScope.value_or(core::ModelBounds{});
    return QJsonObject{
        {QStringLiteral("input"), options.input},
        {QStringLiteral("output"),
         options.output.isEmpty() ? QJsonValue() : QJsonValue(options.output)},
        {QStringLiteral("dry_run"), options.dryRun},
        {QStringLiteral("written"), !options.dryRun},
        {QStringLiteral("scope"),
         options.modelScope ? QStringLiteral("model") : QStringLiteral("layer")},
        {QStringLiteral("level"), json::number(p.level)},
        {QStringLiteral("min_level"), json::number(bounds.minLevel)},
        {QStringLiteral("max_level"), json::number(bounds.maxLevel)},
        {QStringLiteral("configuration"), json::configuration(core::Configuration::of(p))},
        {QStringLiteral("datasets"), datasets},
        {QStringLiteral("total"), total}};
}

// An argument as a POSIX shell reads it back.
QString shellQuoted(const QString& text)
{
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_./:%+=,@-]+$"));
    if (plain.match(text).hasMatch())
        return text;
    QString quoted = text;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

// The command that writes the mask file the script compares with: this one, without
// --print-pytorch, in its canonical spelling.
QString maskCommand(const MaskOptions& options, const std::vector<core::LayerRequest>& layers)
{
    QStringList words{QStringLiteral("sparsity-cli"), QStringLiteral("mask"),
                      shellQuoted(options.input), QStringLiteral("-o"),
                      shellQuoted(options.output)};
    if (!options.datasets.isEmpty())
        for (const core::LayerRequest& layer : layers)
            words << QStringLiteral("--dataset") << shellQuoted(layer.datasetPath);
    words << QStringLiteral("--level")
          << QString::number(options.params.level, 'g', QLocale::FloatingPointShortest)
          << QStringLiteral("--block")
          << core::formatBlockSpec(options.params.block, options.params.zerosPerBlock)
          << QStringLiteral("--norm") << core::normName(options.params.norm);
    if (options.orientation.layout != core::Layout::Auto)
        words << QStringLiteral("--layout") << core::layoutName(options.orientation.layout);
    if (options.orientation.view != core::MatrixView::Flatten)
        words << QStringLiteral("--view") << core::viewName(options.orientation.view);
    if (options.modelScope)
        words << QStringLiteral("--scope model --min-level %1 --max-level %2")
                     .arg(QString::number(options.modelScope->minLevel, 'g',
                                          QLocale::FloatingPointShortest),
                          QString::number(options.modelScope->maxLevel, 'g',
                                          QLocale::FloatingPointShortest));
    return words.join(QLatin1Char(' '));
}

// --print-pytorch: the script for this run on out, a note on err that nothing was written. Reads
// only the file's listing (shapes and types), never the weights.
void printPytorchScript(const MaskOptions& options, const core::TensorReader& input,
                        std::vector<core::LayerRequest> layers, QTextStream& out, QTextStream& err)
{
    if (options.modelScope && !options.datasets.isEmpty())
        putInListOrder(layers, input);
    const core::TensorReader* const reader = &input;
    core::PytorchScriptRequest request;
    request.sourcePath = QFileInfo(options.input).absoluteFilePath();
    request.maskPath = QFileInfo(options.output).absoluteFilePath();
    request.maskOrigin = QStringLiteral("written by: %1").arg(maskCommand(options, layers));
    if (options.modelScope)
        request.modelScope = core::ModelScopeRequest{options.params.level, *options.modelScope};
    const core::Layout layout =
        core::resolveLayout(options.orientation.layout, reader->hasKerasMarkers());
    for (const core::LayerRequest& layer : layers) {
        const core::DatasetInfo info = reader->describe(layer.datasetPath);
        if (!info.canSparsifyWhenNamed())
            throw core::Error(core::ErrorCode::InvalidInput,
                              QStringLiteral("%1: dataset '%2' cannot be masked: %3")
                                  .arg(options.input, info.path, info.reason));
        request.layers.push_back(
            {info.path, info.shape, info.typeName, layer.params, layout, options.orientation.view});
    }
    out << core::pytorchScript(request) << Qt::flush;
    err << "note: printed a PyTorch script for " << request.layers.size() << " dataset"
        << (request.layers.size() == 1 ? "" : "s") << "; " << options.output
        << " was not written (run the command without --print-pytorch to write it)" << Qt::endl;
}

} // namespace

int runMask(const MaskOptions& options, QTextStream& out, QTextStream& err, bool errIsTerminal,
            const std::atomic<bool>* cancelled)
{
    try {
        core::ExportRequest request;
        request.inputPath = options.input;
        request.outputPath = options.output;
        request.overwrite = options.force;
        request.dryRun = options.dryRun;
        // Opened once: listed here, read by the export (one HDF5 reader process, not two).
        const std::shared_ptr<const core::TensorReader> input = core::openTensorFile(options.input);
        request.openedInput = input;
        request.layers = chooseLayers(options, *input, err);
        if (options.printPytorch) {
            printPytorchScript(options, *input, request.layers, out, err);
            return ExitSuccess;
        }
        if (options.modelScope) {
            request.modelScope = core::ModelScopeRequest{options.params.level, *options.modelScope};
            if (!options.datasets.isEmpty())
                putInListOrder(request.layers, *input);
        }

        QThreadPool pool;
        pool.setMaxThreadCount(options.threads);
        const core::ExecutionContext context{&pool, options.threads, cancelled};
        const bool showProgress = errIsTerminal && request.layers.size() > 1;
        const auto progress = [&](int index, int count, const QString& path) {
            if (!showProgress)
                return;
            if (index < count && options.modelScope) {
                // Model scope reads every dataset twice: to rank it, then to write its mask.
                const int layers = count / 2;
                const bool ranking = index < layers;
                err << QStringLiteral("\r\x1b[K[%1 %2/%3] %4")
                           .arg(ranking ? QStringLiteral("ranking") : QStringLiteral("writing"))
                           .arg(index % layers + 1)
                           .arg(layers)
                           .arg(path)
                    << Qt::flush;
            } else if (index < count)
                err << QStringLiteral("\r\x1b[K[%1/%2] %3").arg(index + 1).arg(count).arg(path)
                    << Qt::flush;
            else
                err << QStringLiteral("\r\x1b[K") << Qt::flush;
        };
        const auto reports = core::exportMasks(request, context, progress);

        for (const core::LayerReport& report : reports)
            if (report.stats.nonFiniteWeights > 0)
                err << "warning: " << report.datasetPath << " holds "
                    << report.stats.nonFiniteWeights
                    << " NaN or infinite weights (left out of the retained energy)" << Qt::endl;
        if (options.json) {
            json::print(out, jsonSummary(options, reports));
            if (options.dryRun)
                err << "note: dry run; nothing was written" << Qt::endl;
            return ExitSuccess;
        }

        TextTable table;
        table.addColumn(QStringLiteral("dataset"));
        table.addColumn(QStringLiteral("shape"), TextTable::Align::Right);
        table.addColumn(QStringLiteral("blocks"), TextTable::Align::Right);
        table.addColumn(QStringLiteral("pruned blocks"), TextTable::Align::Right);
        table.addColumn(QStringLiteral("sparsity"), TextTable::Align::Right);
        table.addColumn(QStringLiteral("retained energy"), TextTable::Align::Right);
        // Last, so that scripts reading the first columns by position keep working.
        table.addColumn(QStringLiteral("matrix"), TextTable::Align::Right);
        table.addColumn(QStringLiteral("layout"));
        for (const core::LayerReport& report : reports) {
            QStringList dims;
            for (auto d : report.shape)
                dims << QString::number(d);
            table.addRow(
                {report.datasetPath, dims.join(QLatin1Char('x')),
                 QString::number(report.stats.blocks), QString::number(report.stats.prunedBlocks),
                 percent(report.stats.achievedSparsity), percent(report.stats.retainedEnergy),
                 QStringLiteral("%1x%2").arg(report.matrixRows).arg(report.matrixCols),
                 core::layoutName(report.layout) + QLatin1Char('/') + core::viewName(report.view)});
            if (report.stats.nonFiniteWeights > 0)
                err << "warning: " << report.datasetPath << " holds "
                    << report.stats.nonFiniteWeights
                    << " NaN or infinite weights (left out of the retained energy)" << Qt::endl;
        }
        const core::MaskStats total = totalOf(reports);
        table.addRow({QStringLiteral("total"), QString(), QString::number(total.blocks),
                      QString::number(total.prunedBlocks), percent(total.achievedSparsity),
                      percent(total.retainedEnergy)});
        out << summaryHeader(options) << table.render();
        const QString masks = QStringLiteral("%1 mask%2")
                                  .arg(reports.size())
                                  .arg(reports.size() == 1 ? QString() : QStringLiteral("s"));
        if (options.dryRun)
            out << QStringLiteral("dry run: computed %1, wrote nothing\n").arg(masks);
        else
            out << QStringLiteral("wrote %1 to %2\n").arg(masks, options.output);
        return ExitSuccess;
    } catch (const core::Error& e) {
        return reportFailure(
            e, options.dryRun ? QString() : options.output + QStringLiteral(" was not written"),
            err, errIsTerminal);
    }
}

} // namespace sparsity::cli
