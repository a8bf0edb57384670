#include "applycommand.h"

#include "error.h"
#include "export/prunedexport.h"
#include "io/tensorfile.h"
#include "jsonoutput.h"
#include "maskcommand.h"
#include "texttable.h"

#include <QJsonArray>
#include <QThreadPool>
#include <cmath>

namespace sparsity::cli {
namespace {

QString percentText(double ratio)
{
    if (!std::isfinite(ratio))
        return QStringLiteral("n/a");
    return QStringLiteral("%1%").arg(ratio * 100.0, 0, 'f', 2);
}

} // namespace

ApplySummary summarizeApply(const ApplyOptions& options, const core::ApplyReport& report)
{
    ApplySummary summary;
    summary.input = options.mask.input;
    summary.masksFile = options.masksFile;
    summary.filesWritten = report.filesWritten;
    for (const core::AppliedLayer& layer : report.layers) {
        ApplySummaryRow row;
        row.dataset = layer.datasetPath;
        row.shape = layer.shape;
        row.elements = layer.elements;
        row.zeroed = layer.prunedElements;
        row.sparsity =
            layer.elements > 0 ? double(layer.prunedElements) / double(layer.elements) : 0.0;
        if (layer.stats)
            row.retainedEnergy = layer.stats->retainedEnergy;
        summary.rows.push_back(std::move(row));
    }
    return summary;
}

void printApplySummary(const ApplySummary& summary, QTextStream& out)
{
    const bool computed = summary.masksFile.isEmpty();
    TextTable table;
    table.addColumn(QStringLiteral("dataset"));
    table.addColumn(QStringLiteral("shape"), TextTable::Align::Right);
    table.addColumn(QStringLiteral("elements"), TextTable::Align::Right);
    table.addColumn(QStringLiteral("zeroed"), TextTable::Align::Right);
    table.addColumn(QStringLiteral("sparsity"), TextTable::Align::Right);
    if (computed)
        table.addColumn(QStringLiteral("retained energy"), TextTable::Align::Right);
    for (const ApplySummaryRow& row : summary.rows) {
        QStringList dims;
        for (const std::int64_t d : row.shape)
            dims << QString::number(d);
        QStringList cells{row.dataset, dims.join(QLatin1Char('x')), QString::number(row.elements),
                          QString::number(row.zeroed), percentText(row.sparsity)};
        if (computed)
            cells << (row.retainedEnergy ? percentText(*row.retainedEnergy) : QString());
        table.addRow(cells);
    }
    out << table.render();
    const qsizetype count = qsizetype(summary.rows.size());
    out << QStringLiteral("wrote %1: %2 dataset%3 pruned")
               .arg(summary.filesWritten.value(0))
               .arg(count)
               .arg(count == 1 ? QString() : QStringLiteral("s"));
    if (summary.filesWritten.size() > 1)
        out << QStringLiteral(", %1 shards beside it").arg(summary.filesWritten.size() - 1);
    if (!summary.masksFile.isEmpty())
        out << QStringLiteral(" with the masks of %1").arg(summary.masksFile);
    out << "\n";
}

QJsonObject jsonApplySummary(const ApplySummary& summary)
{
    QJsonArray datasets;
    std::int64_t elements = 0, zeroed = 0;
    for (const ApplySummaryRow& row : summary.rows) {
        QJsonObject entry{{QStringLiteral("dataset"), row.dataset},
                          {QStringLiteral("shape"), json::shape(row.shape)},
                          {QStringLiteral("elements"), json::count(row.elements)},
                          {QStringLiteral("zeroed"), json::count(row.zeroed)},
                          {QStringLiteral("sparsity"), json::number(row.sparsity)}};
        if (row.retainedEnergy)
            entry.insert(QStringLiteral("retained_energy"), json::number(*row.retainedEnergy));
        datasets.append(entry);
        elements += row.elements;
        zeroed += row.zeroed;
    }
    const double sparsity = elements > 0 ? double(zeroed) / double(elements) : 0.0;
    return QJsonObject{
        {QStringLiteral("input"), summary.input},
        {QStringLiteral("output"), summary.filesWritten.value(0)},
        {QStringLiteral("files_written"), QJsonArray::fromStringList(summary.filesWritten)},
        {QStringLiteral("masks"),
         summary.masksFile.isEmpty() ? QJsonValue() : QJsonValue(summary.masksFile)},
        {QStringLiteral("datasets"), datasets},
        {QStringLiteral("total"),
         QJsonObject{{QStringLiteral("elements"), json::count(elements)},
                     {QStringLiteral("zeroed"), json::count(zeroed)},
                     {QStringLiteral("sparsity"), json::number(sparsity)}}}};
}

int runApply(const ApplyOptions& options, QTextStream& out, QTextStream& err, bool errIsTerminal,
             const std::atomic<bool>* cancelled)
{
    const MaskOptions& mask = options.mask;
    try {
        core::ApplyRequest request;
        request.outputPath = mask.output;
        request.maskFile = options.masksFile;
        request.masks.inputPath = mask.input;
        request.masks.overwrite = mask.force;
        // Opened once: listed here, read by the export (one HDF5 reader process, not two).
        const std::shared_ptr<const core::TensorReader> input = core::openTensorFile(mask.input);
        request.masks.openedInput = input;
        if (options.masksFile.isEmpty()) {
            request.masks.layers = chooseLayers(mask, *input, err);
            if (mask.modelScope) {
                request.masks.modelScope =
                    core::ModelScopeRequest{mask.params.level, *mask.modelScope};
                if (!mask.datasets.isEmpty())
                    putInListOrder(request.masks.layers, *input);
            }
        } else {
            for (const QString& path : mask.datasets)
                request.masks.layers.push_back({core::normalizeDatasetPath(path), {}, {}});
        }

        QThreadPool pool;
        pool.setMaxThreadCount(mask.threads);
        const core::ExecutionContext context{&pool, mask.threads, cancelled};
        const auto progress = [&](int index, int count, const QString& path) {
            if (!errIsTerminal || count < 2)
                return;
            if (index < count)
                err << QStringLiteral("\r\x1b[K[%1/%2] %3").arg(index + 1).arg(count).arg(path)
                    << Qt::flush;
            else
                err << QStringLiteral("\r\x1b[K") << Qt::flush;
        };
        const core::ApplyReport report = core::applyMasks(request, context, progress);
        for (const core::AppliedLayer& layer : report.layers)
            if (layer.stats && layer.stats->nonFiniteWeights > 0)
                err << "warning: " << layer.datasetPath << " holds "
                    << layer.stats->nonFiniteWeights
                    << " NaN or infinite weights (left out of the retained energy; pruned ones "
                       "are written as 0)"
                    << Qt::endl;
        if (mask.json)
            json::print(out, jsonApplySummary(summarizeApply(options, report)));
        else
            printApplySummary(summarizeApply(options, report), out);
        return ExitSuccess;
    } catch (const core::Error& e) {
        return reportFailure(e, mask.output + QStringLiteral(" was not written"), err,
                             errIsTerminal);
    }
}

} // namespace sparsity::cli
