#include "safetensorsreader.h"

#include "error.h"
#include "io/datasetchecks.h"
#include "io/matrixread.h"
#include "safetensorsheader.h"
#include "tensor/halffloat.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QSet>
#include <algorithm>
#include <bit>
#include <cstring>
#include <map>
#include <sys/mman.h>
#include <unistd.h>

namespace sparsity::core {

namespace {

// Values converted between two cancellation checks: 4 to 8 MiB of output.
constexpr std::size_t slabElements = std::size_t{1} << 20;

template <typename U> U fromLittleEndian(U raw)
{
    if constexpr (std::endian::native == std::endian::big && sizeof(U) > 1) {
        if constexpr (sizeof(U) == 2)
            return static_cast<U>(__builtin_bswap16(raw));
        else if constexpr (sizeof(U) == 4)
            return static_cast<U>(__builtin_bswap32(raw));
        else
            return static_cast<U>(__builtin_bswap64(raw));
    }
    return raw;
}

// Converts `count` stored values (little-endian, unaligned) at `source` into `target`.
template <typename Stored, typename T, typename Convert>
void convertValues(const uchar* source, T* target, std::size_t count, Convert convert)
{
    for (std::size_t i = 0; i < count; ++i) {
        Stored raw;
        std::memcpy(&raw, source + i * sizeof(Stored), sizeof(Stored));
        target[i] = convert(fromLittleEndian(raw));
    }
}

template <typename T>
void convertSlab(SafetensorsDtype dtype, const uchar* source, T* target, std::size_t count,
                 std::vector<std::uint16_t>& halves)
{
    switch (dtype) {
    case SafetensorsDtype::F64:
        convertValues<std::uint64_t>(source, target, count, [](std::uint64_t bits) {
            return static_cast<T>(std::bit_cast<double>(bits));
        });
        break;
    case SafetensorsDtype::F32:
        convertValues<std::uint32_t>(source, target, count, [](std::uint32_t bits) {
            return static_cast<T>(std::bit_cast<float>(bits));
        });
        break;
    case SafetensorsDtype::F16:
        if constexpr (std::is_same_v<T, float>) {
            // halffloat's loop vectorizes over aligned halves; copy the slab there first.
            halves.resize(count);
            convertValues<std::uint16_t>(source, halves.data(), count,
                                         [](std::uint16_t bits) { return bits; });
            widenHalves(halves.data(), target, count);
        }
        break;
    case SafetensorsDtype::BF16:
        // bfloat16 is the upper half of a float32: widening is exact.
        convertValues<std::uint16_t>(source, target, count, [](std::uint16_t bits) {
            return static_cast<T>(std::bit_cast<float>(std::uint32_t{bits} << 16));
        });
        break;
    case SafetensorsDtype::I64:
        convertValues<std::int64_t>(source, target, count,
                                    [](std::int64_t v) { return static_cast<T>(v); });
        break;
    case SafetensorsDtype::I32:
        convertValues<std::int32_t>(source, target, count,
                                    [](std::int32_t v) { return static_cast<T>(v); });
        break;
    case SafetensorsDtype::I16:
        convertValues<std::int16_t>(source, target, count,
                                    [](std::int16_t v) { return static_cast<T>(v); });
        break;
    case SafetensorsDtype::I8:
        convertValues<std::int8_t>(source, target, count,
                                   [](std::int8_t v) { return static_cast<T>(v); });
        break;
    case SafetensorsDtype::U64:
        convertValues<std::uint64_t>(source, target, count,
                                     [](std::uint64_t v) { return static_cast<T>(v); });
        break;
    case SafetensorsDtype::U32:
        convertValues<std::uint32_t>(source, target, count,
                                     [](std::uint32_t v) { return static_cast<T>(v); });
        break;
    case SafetensorsDtype::U16:
        convertValues<std::uint16_t>(source, target, count,
                                     [](std::uint16_t v) { return static_cast<T>(v); });
        break;
    case SafetensorsDtype::U8:
        convertValues<std::uint8_t>(source, target, count,
                                    [](std::uint8_t v) { return static_cast<T>(v); });
        break;
    case SafetensorsDtype::Bool:
        // Any byte other than 0 is true, as numpy and PyTorch read it.
        convertValues<std::uint8_t>(source, target, count,
                                    [](std::uint8_t v) { return static_cast<T>(v != 0); });
        break;
    }
}

// Gives the pages of a file mapping that lie wholly inside [begin, end) back to the page
// cache: they stay cached, but no longer count in the process's memory, so reading a tensor
// holds its converted values and one slab of the file, not the whole tensor twice.
void releaseMappedPages(const uchar* begin, const uchar* end)
{
    static const auto pageSize = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    const std::uintptr_t first =
        (reinterpret_cast<std::uintptr_t>(begin) + pageSize - 1) & ~(pageSize - 1);
    const std::uintptr_t last = reinterpret_cast<std::uintptr_t>(end) & ~(pageSize - 1);
    if (last > first)
        ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

// fileMapped: source lies in a read-only file mapping (never an image in memory, whose pages
// MADV_DONTNEED would zero).
template <typename T>
WeightTensor convertTensor(const SafetensorsTensor& tensor, const uchar* source, bool fileMapped,
                           const ExecutionContext& context)
{
    const std::size_t count = static_cast<std::size_t>(elementCountOf(tensor.shape));
    const std::size_t stride = static_cast<std::size_t>(dtypeInfo(tensor.dtype).size);
    LargeVector<T> values(count);
    std::vector<std::uint16_t> halves;
    for (std::size_t first = 0; first < count; first += slabElements) {
        context.throwIfCancelled();
        const std::size_t slab = std::min(slabElements, count - first);
        const uchar* const slabSource = source + first * stride;
        convertSlab(tensor.dtype, slabSource, values.data() + first, slab, halves);
        if (fileMapped)
            releaseMappedPages(slabSource, slabSource + slab * stride);
    }
    context.throwIfCancelled();
    return WeightTensor(tensor.shape, std::move(values));
}

// The tensor straight into the matrix order of `mapping`: each slab is converted into a small
// buffer, its mapped pages are handed back, and it is scattered into the matrix, so that the
// process holds the matrix and one slab, never the tensor in its stored order too. The values
// are convertTensor's: the same conversion, only placed elsewhere.
template <typename T>
WeightTensor streamMatrix(const SafetensorsTensor& tensor, const uchar* source, bool fileMapped,
                          const MatrixMapping& mapping, const ExecutionContext& context)
{
    const auto count = static_cast<std::size_t>(elementCountOf(tensor.shape));
    const auto stride = static_cast<std::size_t>(dtypeInfo(tensor.dtype).size);
    const auto slabElements = static_cast<std::size_t>(matrixSlabElements(mapping, sizeof(T)));
    LargeVector<T> matrix(count);
    std::vector<T> slab(std::min(slabElements, count));
    std::vector<std::uint16_t> halves;
    for (std::size_t first = 0; first < count; first += slabElements) {
        context.throwIfCancelled();
        const std::size_t size = std::min(slabElements, count - first);
        const uchar* const slabSource = source + first * stride;
        convertSlab(tensor.dtype, slabSource, slab.data(), size, halves);
        if (fileMapped)
            releaseMappedPages(slabSource, slabSource + size * stride);
        mapping.scatterSlab(std::span<const T>(slab.data(), size), static_cast<std::int64_t>(first),
                            std::span<T>(matrix), context);
    }
    context.throwIfCancelled();
    return WeightTensor(mapping.matrixTensorShape(), std::move(matrix));
}

DatasetInfo datasetInfoOf(const SafetensorsTensor& tensor)
{
    const SafetensorsDtypeInfo& type = dtypeInfo(tensor.dtype);
    DatasetInfo info;
    info.path = safetensorsDatasetPath(tensor.name);
    info.kind = NodeKind::Dataset;
    info.shape = tensor.shape;
    info.elementClass = type.elementClass;
    info.typeName = QLatin1String(type.typeName);
    info.elementSize = type.size;
    info.storageBytes = static_cast<std::int64_t>(tensor.end - tensor.begin);
    applyDatasetRules(info);
    return info;
}

bool isIndexName(const QString& path)
{
    return path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive);
}

} // namespace

struct SafetensorsReader::Shard
{
    QString path; // as named in messages
    // The file as opened; none for an image in memory.
    std::optional<FileIdentity> identity;
    std::unique_ptr<QFile> file; // holds the mapping of a file on disk
    QByteArray image;            // or the bytes of an image
    const uchar* bytes = nullptr;
    std::uint64_t size = 0;
    std::uint64_t dataStart = 0;

    // Checks the header of `bytes` and returns its tensors.
    std::vector<SafetensorsTensor> parse()
    {
        const QByteArrayView start(
            bytes, static_cast<qsizetype>(std::min<std::uint64_t>(size, safetensorsLengthBytes)));
        const std::uint64_t headerLength = safetensorsHeaderLength(start, size, path);
        dataStart = safetensorsLengthBytes + headerLength;
        const QByteArrayView header(bytes + safetensorsLengthBytes,
                                    static_cast<qsizetype>(headerLength));
        return parseSafetensorsHeader(header, size - dataStart, path);
    }
};

struct SafetensorsReader::Entry
{
    SafetensorsTensor tensor;
    DatasetInfo info;
    const Shard* shard = nullptr;
};

namespace {

struct OpenedShard
{
    std::unique_ptr<SafetensorsReader::Shard> shard;
    std::vector<SafetensorsTensor> tensors;
};

} // namespace

SafetensorsReader::SafetensorsReader(QString path, std::optional<FileIdentity> identity)
    : m_path(std::move(path))
    , m_identity(identity)
{}

SafetensorsReader::~SafetensorsReader() = default;

bool SafetensorsReader::hasSignature(const QByteArray& head)
{
    if (head.size() > 8 && head[8] == '{')
        return true;
    // An index: JSON text, perhaps after a byte order mark and white space.
    qsizetype i = head.startsWith("\xef\xbb\xbf") ? 3 : 0;
    while (i < head.size() && QByteArrayView(" \t\r\n").contains(head[i]))
        ++i;
    return i < head.size() && head[i] == '{';
}

bool SafetensorsReader::hasFileName(const QString& path)
{
    return path.endsWith(QLatin1String(".safetensors"), Qt::CaseInsensitive) ||
           path.endsWith(QLatin1String(".safetensors.index.json"), Qt::CaseInsensitive);
}

FileIdentity SafetensorsReader::identity() const
{
    return m_identity.value_or(FileIdentity{});
}

void SafetensorsReader::throwIfChanged(const QString& action) const
{
    const auto check = [&](const QString& file, const std::optional<FileIdentity>& identity) {
        if (!identity)
            return;
        if (const auto change = fileChangeSince(file, *identity))
            throw Error(ErrorCode::Io,
                        QStringLiteral("%1: %2: %3; open it again").arg(file, action, *change));
    };
    if (m_shards.empty() || m_shards.front()->path != m_path)
        check(m_path, m_identity);
    for (const auto& shard : m_shards)
        check(shard->path, shard->identity);
}

void SafetensorsReader::addShard(std::unique_ptr<Shard> shard,
                                 const std::vector<SafetensorsTensor>& tensors)
{
    for (const SafetensorsTensor& tensor : tensors)
        m_entries.push_back(Entry{tensor, datasetInfoOf(tensor), shard.get()});
    m_shards.push_back(std::move(shard));
}

namespace {

OpenedShard openShardFile(const QString& path)
{
    OpenedShard opened;
    opened.shard = std::make_unique<SafetensorsReader::Shard>();
    SafetensorsReader::Shard& shard = *opened.shard;
    shard.path = path;
    shard.identity = identifyInputFile(path, QStringLiteral("a safetensors file"));
    shard.file = std::make_unique<QFile>(path);
    if (!shard.file->open(QIODevice::ReadOnly))
        throw Error(ErrorCode::Io, path + QStringLiteral(": ") + shard.file->errorString());
    const qint64 size = shard.file->size();
    if (size < static_cast<qint64>(safetensorsLengthBytes)) {
        shard.size = static_cast<std::uint64_t>(std::max<qint64>(size, 0));
        opened.tensors = shard.parse(); // refuses the short file
    }
    // Read-only and shared: pages come from the page cache, nothing is ever written back.
    shard.bytes = shard.file->map(0, size);
    if (shard.bytes == nullptr)
        throw Error(ErrorCode::Io, path + QStringLiteral(": cannot map the file into memory: ") +
                                       shard.file->errorString());
    shard.size = static_cast<std::uint64_t>(size);
    opened.tensors = shard.parse();
    // Replaced between our checks and the mapping: we might hold another file than measured.
    if (const auto change = fileChangeSince(path, *shard.identity))
        throw Error(ErrorCode::Io,
                    QStringLiteral("%1: cannot open: %2; open it again").arg(path, *change));
    return opened;
}

} // namespace

std::unique_ptr<SafetensorsReader> SafetensorsReader::open(const QString& path)
{
    if (!isIndexName(path)) {
        OpenedShard opened = openShardFile(path);
        auto reader =
            std::unique_ptr<SafetensorsReader>(new SafetensorsReader(path, opened.shard->identity));
        reader->addShard(std::move(opened.shard), opened.tensors);
        return reader;
    }

    const FileIdentity identity = identifyInputFile(path, QStringLiteral("a safetensors index"));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw Error(ErrorCode::Io, path + QStringLiteral(": ") + file.errorString());
    if (file.size() > static_cast<qint64>(maxSafetensorsHeaderBytes))
        throw Error(ErrorCode::Io, path + QStringLiteral(": %1 bytes, over the 100 MB an index "
                                                         "may hold (is this a safetensors index?)")
                                              .arg(file.size()));
    const QByteArray json = file.readAll();
    const std::vector<std::pair<QString, QString>> weightMap = parseSafetensorsIndex(json, path);

    auto reader = std::unique_ptr<SafetensorsReader>(new SafetensorsReader(path, identity));
    // Each shard once, in shard-name order; its tensors must be exactly those the index lists
    // for it, so that no tensor is lost or found twice.
    std::map<QString, QSet<QString>> listedIn;
    QHash<QString, QString> shardOf;
    for (const auto& [name, shard] : weightMap) {
        listedIn[shard].insert(name);
        shardOf.insert(name, shard);
    }
    const QDir directory = QFileInfo(path).dir();
    for (const auto& [shardName, names] : listedIn) {
        OpenedShard opened;
        try {
            opened = openShardFile(directory.filePath(shardName));
        } catch (const Error& error) {
            throw Error(
                error.code(),
                QStringLiteral("%1: shard %2: %3").arg(path, quoted(shardName), error.message()));
        }
        QSet<QString> held;
        for (const SafetensorsTensor& tensor : opened.tensors) {
            held.insert(tensor.name);
            if (!names.contains(tensor.name)) {
                const QString elsewhere = shardOf.value(tensor.name);
                throw Error(
                    ErrorCode::Io,
                    QStringLiteral("%1: shard %2 holds tensor %3, which weight_map %4")
                        .arg(path, quoted(shardName), quoted(tensor.name),
                             elsewhere.isEmpty()
                                 ? QStringLiteral("does not list")
                                 : QStringLiteral("lists in shard %1").arg(quoted(elsewhere))));
            }
        }
        std::vector<QString> missing;
        for (const QString& name : names) {
            if (!held.contains(name))
                missing.push_back(name);
        }
        if (!missing.empty()) {
            const auto first =
                std::min_element(missing.begin(), missing.end(), safetensorsNameLess);
            throw Error(ErrorCode::Io,
                        QStringLiteral("%1: weight_map lists tensor %2 in shard %3, which does not "
                                       "hold it")
                            .arg(path, quoted(*first), quoted(shardName)));
        }
        reader->addShard(std::move(opened.shard), opened.tensors);
    }
    std::sort(reader->m_entries.begin(), reader->m_entries.end(),
              [](const Entry& a, const Entry& b) {
                  return safetensorsNameLess(a.tensor.name, b.tensor.name);
              });
    reader->throwIfChanged(QStringLiteral("cannot open"));
    return reader;
}

std::unique_ptr<SafetensorsReader> SafetensorsReader::openImage(const QByteArray& image,
                                                                const QString& name)
{
    if (image.isEmpty())
        throw Error(ErrorCode::Io, name + QStringLiteral(": the file is empty, not a safetensors "
                                                         "file"));
    auto shard = std::make_unique<Shard>();
    shard->path = name;
    // A deep copy: the caller's array may wrap bytes it does not own (QByteArray::fromRawData).
    shard->image = QByteArray(image.constData(), image.size());
    shard->bytes = reinterpret_cast<const uchar*>(shard->image.constData());
    shard->size = static_cast<std::uint64_t>(shard->image.size());
    const std::vector<SafetensorsTensor> tensors = shard->parse();
    auto reader = std::unique_ptr<SafetensorsReader>(new SafetensorsReader(name, std::nullopt));
    reader->addShard(std::move(shard), tensors);
    return reader;
}

std::vector<DatasetInfo> SafetensorsReader::listTree() const
{
    throwIfChanged(QStringLiteral("cannot list the file"));
    std::vector<DatasetInfo> list;
    list.reserve(m_entries.size());
    for (const Entry& entry : m_entries)
        list.push_back(entry.info);
    return list;
}

const SafetensorsReader::Entry& SafetensorsReader::entryFor(const QString& datasetPath) const
{
    const QString path = normalizeDatasetPath(datasetPath);
    if (path == QLatin1String("/"))
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: '/' is the root group, not a dataset").arg(m_path));
    // Entries are few (one per tensor) and kept in name order.
    const QString name = path.mid(1);
    const auto found = std::lower_bound(m_entries.begin(), m_entries.end(), name,
                                        [](const Entry& entry, const QString& wanted) {
                                            return safetensorsNameLess(entry.tensor.name, wanted);
                                        });
    if (found == m_entries.end() || found->tensor.name != name)
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: no dataset %2").arg(m_path, quoted(path)));
    return *found;
}

DatasetInfo SafetensorsReader::describe(const QString& datasetPath) const
{
    const Entry& entry = entryFor(datasetPath);
    throwIfChanged(QStringLiteral("cannot read dataset %1").arg(quoted(entry.info.path)));
    return entry.info;
}

WeightTensor SafetensorsReader::readTensor(const QString& datasetPath,
                                           const ExecutionContext& context) const
{
    const Entry& entry = entryFor(datasetPath);
    throwIfChanged(QStringLiteral("cannot read dataset %1").arg(quoted(entry.info.path)));
    checkReadable(m_path, entry.info);
    const bool asDouble = dtypeInfo(entry.tensor.dtype).readsAsDouble;
    checkFitsInMemory(m_path, entry.info, asDouble ? sizeof(double) : sizeof(float),
                      memoryBudget(m_memoryLimit));
    const uchar* source = entry.shard->bytes + entry.shard->dataStart + entry.tensor.begin;
    const bool fileMapped = entry.shard->file != nullptr;
    return asDouble ? convertTensor<double>(entry.tensor, source, fileMapped, context)
                    : convertTensor<float>(entry.tensor, source, fileMapped, context);
}

WeightTensor SafetensorsReader::readMatrixOrder(const QString& datasetPath,
                                                const MatrixMapping& mapping,
                                                const ExecutionContext& context) const
{
    const Entry& entry = entryFor(datasetPath);
    throwIfChanged(QStringLiteral("cannot read dataset %1").arg(quoted(entry.info.path)));
    checkReadable(m_path, entry.info);
    if (mapping.storedShape() != entry.info.shape)
        throw std::invalid_argument("SafetensorsReader: the mapping is not the dataset's shape");
    const bool asDouble = dtypeInfo(entry.tensor.dtype).readsAsDouble;
    checkFitsInMemory(m_path, entry.info, asDouble ? sizeof(double) : sizeof(float),
                      memoryBudget(m_memoryLimit));
    const uchar* source = entry.shard->bytes + entry.shard->dataStart + entry.tensor.begin;
    const bool fileMapped = entry.shard->file != nullptr;
    return asDouble ? streamMatrix<double>(entry.tensor, source, fileMapped, mapping, context)
                    : streamMatrix<float>(entry.tensor, source, fileMapped, mapping, context);
}

} // namespace sparsity::core
