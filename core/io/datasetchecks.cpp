#include "datasetchecks.h"

#include "error.h"

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <limits>
#include <string>
#include <unistd.h>

namespace sparsity::core {

namespace {

std::uint64_t availableMemoryBytes()
{
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    std::uint64_t value = 0;
    std::string unit;
    while (meminfo >> key >> value) {
        std::getline(meminfo, unit);
        if (key == "MemAvailable:")
            return value * 1024;
    }
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long pageSize = sysconf(_SC_PAGESIZE);
    if (pages > 0 && pageSize > 0)
        return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(pageSize);
    return std::numeric_limits<std::uint64_t>::max();
}

QString gibText(double bytes)
{
    return QString::number(bytes / double(std::uint64_t{1} << 30), 'f', 1);
}

} // namespace

QString quoted(const QString& datasetPath)
{
    return QLatin1Char('\'') + datasetPath + QLatin1Char('\'');
}

QString datasetProblem(const DatasetInfo& info, int minimumRank)
{
    const bool numeric =
        info.elementClass == ElementClass::Float || info.elementClass == ElementClass::Integer;
    const auto rank = static_cast<int>(info.shape.size());
    const auto zeroDim = std::find(info.shape.begin(), info.shape.end(), 0);
    if (!numeric)
        return info.typeName + QStringLiteral(" data is not numeric");
    if (info.elementSize < 1 || info.elementSize > maxNumberBytes)
        return QStringLiteral("%1-byte numbers, wider than any number type (is the file damaged?)")
            .arg(info.elementSize);
    if (!info.decodeProblem.isEmpty())
        return info.decodeProblem;
    if (info.nullDataspace)
        return QStringLiteral("no data (null dataspace)");
    if (rank < minimumRank) {
        const QString needs = minimumRank == 1
                                  ? QStringLiteral("needs at least 1 dimension")
                                  : QStringLiteral("needs at least %1 dimensions").arg(minimumRank);
        return (rank == 0 ? QStringLiteral("rank 0 (scalar): ")
                          : QStringLiteral("rank %1: ").arg(rank)) +
               needs;
    }
    if (zeroDim != info.shape.end())
        return QStringLiteral("empty: dimension %1 has size 0")
            .arg(std::distance(info.shape.begin(), zeroDim));
    return {};
}

void applyDatasetRules(DatasetInfo& info)
{
    info.reason = datasetProblem(info, defaultMinimumRank);
    info.sparsifiable = info.reason.isEmpty();
}

void checkReadable(const QString& fileName, const DatasetInfo& info)
{
    const QString problem = datasetProblem(info, namedMinimumRank);
    if (!problem.isEmpty())
        throw Error(ErrorCode::InvalidInput, QStringLiteral("%1: dataset %2 cannot be read: %3")
                                                 .arg(fileName, quoted(info.path), problem));
}

std::uint64_t memoryBudget(std::uint64_t limit)
{
    return limit > 0 ? limit : availableMemoryBytes();
}

void checkFitsInMemory(const QString& fileName, const DatasetInfo& info, std::size_t valueBytes,
                       std::uint64_t budget)
{
    std::uint64_t bytes = 1;
    bool overflow = false;
    double approximateBytes = double(valueBytes);
    for (const std::int64_t extent : info.shape) {
        overflow =
            overflow || __builtin_mul_overflow(bytes, static_cast<std::uint64_t>(extent), &bytes);
        approximateBytes *= double(extent);
    }
    overflow = overflow || __builtin_mul_overflow(bytes, std::uint64_t{valueBytes}, &bytes);
    if (overflow || bytes > budget ||
        bytes > static_cast<std::uint64_t>(std::numeric_limits<std::ptrdiff_t>::max()))
        throw Error(ErrorCode::OutOfMemory,
                    QStringLiteral("%1: dataset %2 (shape %3, %4) needs %5 GiB of memory, more "
                                   "than the %6 GiB available")
                        .arg(fileName, quoted(info.path), info.shapeText(), info.typeName,
                             gibText(approximateBytes), gibText(double(budget))));
}

} // namespace sparsity::core
