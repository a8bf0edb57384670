#include "sweepcommand.h"

#include "datasetselection.h"
#include "error.h"
#include "export/maskexport.h"
#include "io/datasetchecks.h"
#include "io/matrixread.h"
#include "io/tensorfile.h"
#include "jsonoutput.h"
#include "texttable.h"

#include <QRegularExpression>
#include <QSet>
#include <QThreadPool>
#include <cmath>

namespace sparsity::cli {
namespace {

// The word in the dataset column of the model rows. It cannot be mistaken for a dataset: a
// dataset path always starts with '/'.
const QString modelLabel = QStringLiteral("model");

// The datasets to sweep: the named ones in the order given (a pattern's matches in list order,
// cli/datasetselection.h), each checked as mask checks them before anything is read; or every
// floating-point dataset of rank >= 2 in list order (the rest are skipped with a note).
QStringList chooseDatasets(const SweepOptions& options, const core::TensorReader& reader,
                           QTextStream& notes)
{
    QStringList datasets;
    if (!options.datasets.isEmpty()) {
        QSet<QString> seen;
        const QStringList names =
            hasDatasetPatterns(options.datasets)
                ? selectDatasets(options.datasets, reader.listTree(), options.input, notes)
                : options.datasets;
        for (const QString& name : names) {
            const core::DatasetInfo info = reader.describe(core::normalizeDatasetPath(name));
            if (const QString problem = core::datasetProblem(info, core::namedMinimumRank);
                !problem.isEmpty())
                throw core::Error(core::ErrorCode::InvalidInput,
                                  QStringLiteral("%1: dataset %2 cannot be masked: %3")
                                      .arg(options.input, core::quoted(info.path), problem));
            if (seen.contains(info.path))
                throw core::Error(core::ErrorCode::InvalidParameter,
                                  QStringLiteral("%1: dataset %2 is requested twice")
                                      .arg(options.input, core::quoted(info.path)));
            seen.insert(info.path);
            datasets << info.path;
        }
        return datasets;
    }
    for (const core::DatasetInfo& info : reader.listTree()) {
        if (info.kind == core::NodeKind::Group)
            continue;
        if (info.kind == core::NodeKind::Dataset && info.isDefaultSelection()) {
            datasets << info.path;
            continue;
        }
        QString why = info.reason;
        // Integer datasets pass every rule but are not weights unless the user says so.
        if (why.isEmpty() && info.elementClass == core::ElementClass::Integer)
            why = QStringLiteral("integer data");
        if (info.kind == core::NodeKind::Dataset && info.canSparsifyWhenNamed())
            why += QStringLiteral(" (name it with --dataset to sweep it)");
        notes << "note: skipped " << info.path << ": " << why << Qt::endl;
    }
    if (datasets.isEmpty())
        throw core::Error(core::ErrorCode::InvalidInput,
                          QStringLiteral("%1: no floating-point dataset of rank >= 2 to sweep")
                              .arg(options.input));
    return datasets;
}

// Shortest text that parses back to the same double ("0.07", not "0.070000000000000007").
QString fullPrecision(double value)
{
    return QString::number(value, 'g', QLocale::FloatingPointShortest);
}

QString percent(double ratio)
{
    // Not finite only if the long double sums overflow (beyond 1e4932).
    if (!std::isfinite(ratio))
        return QStringLiteral("n/a");
    return QStringLiteral("%1%").arg(ratio * 100.0, 0, 'f', 2);
}

QString datasetLabel(const core::SweepRow& row)
{
    return row.dataset.isEmpty() ? modelLabel : row.dataset;
}

// RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled.
QString csvField(const QString& text)
{
    static const QRegularExpression special(QStringLiteral("[\",\r\n]"));
    if (!text.contains(special))
        return text;
    QString quoted = text;
    quoted.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

QString formatTable(const SweepResult& result)
{
    TextTable table;
    table.addColumn(QStringLiteral("dataset"));
    table.addColumn(QStringLiteral("config"));
    table.addColumn(QStringLiteral("norm"));
    const auto right = TextTable::Align::Right;
    for (const char* header : {"level", "blocks", "pruned blocks", "zeros", "elements",
                               "achieved sparsity", "retained energy", "retained L1"})
        table.addColumn(QLatin1String(header), right);
    for (const core::SweepRow& row : result.rows) {
        const core::MaskStats& s = row.stats;
        table.addRow({datasetLabel(row), core::formatBlockSpec(row.configuration),
                      core::normName(row.configuration.norm), fullPrecision(row.level),
                      QString::number(s.blocks), QString::number(s.prunedBlocks),
                      QString::number(s.zeros), QString::number(s.elements),
                      percent(s.achievedSparsity), percent(s.retainedEnergy),
                      percent(s.retainedL1)});
    }
    return table.render();
}

QString formatCsv(const SweepResult& result)
{
    QString text = QStringLiteral("dataset,config,norm,level,blocks,pruned_blocks,zeros,elements,"
                                  "achieved_sparsity,retained_energy,retained_l1\n");
    for (const core::SweepRow& row : result.rows) {
        const core::MaskStats& s = row.stats;
        const QStringList fields{csvField(datasetLabel(row)),
                                 core::formatBlockSpec(row.configuration),
                                 core::normName(row.configuration.norm),
                                 fullPrecision(row.level),
                                 QString::number(s.blocks),
                                 QString::number(s.prunedBlocks),
                                 QString::number(s.zeros),
                                 QString::number(s.elements),
                                 fullPrecision(s.achievedSparsity),
                                 fullPrecision(s.retainedEnergy),
                                 fullPrecision(s.retainedL1)};
        text += fields.join(QLatin1Char(',')) + QLatin1Char('\n');
    }
    return text;
}

QString formatJson(const SweepResult& result)
{
    QJsonArray configurations;
    for (const core::Configuration& c : result.configurations)
        configurations.append(json::configuration(c));
    QJsonArray levels;
    for (double level : result.levels)
        levels.append(json::number(level));
    QJsonArray rows;
    for (const core::SweepRow& row : result.rows) {
        QJsonObject object{{QStringLiteral("dataset"), datasetLabel(row)},
                           {QStringLiteral("config"), core::formatBlockSpec(row.configuration)},
                           {QStringLiteral("norm"), core::normName(row.configuration.norm)},
                           {QStringLiteral("level"), json::number(row.level)}};
        json::addStats(object, row.stats);
        rows.append(object);
    }
    const QJsonObject document{
        {QStringLiteral("input"), result.input},
        {QStringLiteral("configurations"), configurations},
        {QStringLiteral("levels"), levels},
        {QStringLiteral("datasets"), QJsonArray::fromStringList(result.datasets)},
        {QStringLiteral("rows"), rows}};
    QString text;
    QTextStream stream(&text);
    json::print(stream, document);
    return text;
}

} // namespace

SweepResult computeSweep(const SweepOptions& options, const core::ExecutionContext& context,
                         QTextStream& notes, const SweepProgress& progress)
{
    SweepResult result;
    result.input = options.input;
    result.configurations = options.configurations;
    result.levels = options.levels;
    const auto reader = core::openTensorFile(options.input);
    result.datasets = chooseDatasets(options, *reader, notes);

    const std::size_t configurationCount = options.configurations.size();
    const std::size_t datasetCount = static_cast<std::size_t>(result.datasets.size());
    // statistics[configuration][dataset][level]: all a sweep keeps of a dataset once it moves on.
    std::vector<std::vector<std::vector<core::MaskStats>>> statistics(
        configurationCount, std::vector<std::vector<core::MaskStats>>(datasetCount));
    result.nonFiniteWeights.assign(datasetCount, 0);
    // The same matrices as `mask` with the same --layout and --view (docs/SPEC.md "Layout").
    const bool kerasFile = reader->hasKerasMarkers();
    for (std::size_t d = 0; d < datasetCount; ++d) {
        const QString& path = result.datasets[static_cast<qsizetype>(d)];
        if (progress)
            progress(static_cast<int>(d), static_cast<int>(datasetCount), path);
        context.throwIfCancelled();
        // Scoped to this iteration: the weights are freed before the next read. A sweep needs
        // only as many thresholds as levels, so no block ranking is sorted (ranking/sweep.h).
        const core::MatrixRead read =
            core::readMatrix(*reader, path, options.orientation, kerasFile, context);
        std::vector<std::vector<core::MaskStats>> curves =
            core::sweepConfigurations(read.matrix, options.configurations, options.levels, context);
        for (std::size_t c = 0; c < configurationCount; ++c)
            statistics[c][d] = std::move(curves[c]);
        if (!statistics.empty() && !statistics[0][d].empty())
            result.nonFiniteWeights[d] = statistics[0][d].front().nonFiniteWeights;
    }
    if (progress)
        progress(static_cast<int>(datasetCount), static_cast<int>(datasetCount), QString());

    const std::size_t levelCount = options.levels.size();
    result.rows.reserve(configurationCount * (datasetCount + 1) * levelCount);
    std::vector<core::MaskStats> layers(datasetCount);
    for (std::size_t c = 0; c < configurationCount; ++c) {
        const core::Configuration& configuration = options.configurations[c];
        for (std::size_t d = 0; d < datasetCount; ++d)
            for (std::size_t l = 0; l < levelCount; ++l)
                result.rows.push_back({result.datasets[static_cast<qsizetype>(d)], configuration,
                                       options.levels[l], statistics[c][d][l]});
        for (std::size_t l = 0; l < levelCount; ++l) {
            for (std::size_t d = 0; d < datasetCount; ++d)
                layers[d] = statistics[c][d][l];
            result.rows.push_back(
                {QString(), configuration, options.levels[l], core::combineStats(layers)});
        }
    }
    return result;
}

QString formatSweep(const SweepResult& result, SweepFormat format)
{
    switch (format) {
    case SweepFormat::Csv:
        return formatCsv(result);
    case SweepFormat::Json:
        return formatJson(result);
    case SweepFormat::Table:
        break;
    }
    return formatTable(result);
}

int runSweep(const SweepOptions& options, QTextStream& out, QTextStream& err, bool errIsTerminal,
             const std::atomic<bool>* cancelled)
{
    try {
        QThreadPool pool;
        pool.setMaxThreadCount(options.threads);
        const core::ExecutionContext context{&pool, options.threads, cancelled};
        const auto progress = [&](int index, int count, const QString& path) {
            if (!errIsTerminal || count < 2)
                return;
            if (index < count)
                err << QStringLiteral("\r\x1b[K[%1/%2] %3").arg(index + 1).arg(count).arg(path)
                    << Qt::flush;
            else
                err << QStringLiteral("\r\x1b[K") << Qt::flush;
        };
        const SweepResult result = computeSweep(options, context, err, progress);
        for (qsizetype d = 0; d < result.datasets.size(); ++d)
            if (const std::int64_t bad = result.nonFiniteWeights[static_cast<std::size_t>(d)])
                err << "warning: " << result.datasets[d] << " holds " << bad
                    << " NaN or infinite weights (left out of the retained energy and L1)"
                    << Qt::endl;
        out << formatSweep(result, options.format) << Qt::flush;
        return ExitSuccess;
    } catch (const core::Error& e) {
        return reportFailure(e, QStringLiteral("the sweep was not printed"), err, errIsTerminal);
    }
}

} // namespace sparsity::cli
