#include "isolatedhdf5reader.h"

#include "error.h"
#include "hdf5/hdf5dataset.h"
#include "io/datasetchecks.h"
#include "readerprocess.h"
#include "tensor/matrixmapping.h"

#include <QFileInfo>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace sparsity::core {

using namespace readerchild;

namespace {

// Address space a request may add to the process's (docs/SPEC.md "How HDF5 files are read").
constexpr std::uint64_t openAllowance = 256 * mib;
constexpr std::uint64_t listAllowance = 1024 * mib;
constexpr std::uint64_t readSlack = 256 * mib;

} // namespace

void IsolatedHdf5Reader::startSpare()
{
    keepSpareReaderProcess();
}

QString IsolatedHdf5Reader::readerProgram()
{
    return readerchild::readerProgram();
}

IsolatedHdf5Reader::IsolatedHdf5Reader(QString path, FileIdentity identity)
    : m_path(std::move(path))
    , m_absolutePath(QFileInfo(m_path).absoluteFilePath())
    , m_identity(identity)
{}

IsolatedHdf5Reader::~IsolatedHdf5Reader() = default;

std::unique_ptr<IsolatedHdf5Reader> IsolatedHdf5Reader::open(const QString& path)
{
    // Our own checks first, in this process: they need no HDF5 and give the clearest messages.
    const FileIdentity opened = identifyInputFile(path, QStringLiteral("an HDF5 file"));
    auto reader = std::unique_ptr<IsolatedHdf5Reader>(new IsolatedHdf5Reader(path, opened));
    reader->process();
    reader->throwIfChanged(QStringLiteral("cannot open"));
    return reader;
}

void IsolatedHdf5Reader::throwIfChanged(const QString& action) const
{
    if (const auto change =
            fileChangeSince(m_absolutePath, m_identity,
                            m_swmr ? FileChanges::OnlyReplacement : FileChanges::AnyChange))
        throw Error(ErrorCode::Io,
                    QStringLiteral("%1: %2: %3; open it again").arg(m_path, action, *change));
}

ReaderProcess& IsolatedHdf5Reader::process() const
{
    if (m_process)
        return *m_process;
    m_process = takeReaderProcess(m_path);
    Encoder encoder;
    // The process works in "/": it opens the absolute path and names the file as given.
    encoder.bytes(QFile::encodeName(m_absolutePath));
    encoder.string(m_path);
    try {
        const Frame reply =
            exchange(m_process, m_path,
                     {MessageType::Open, encoder.payload(), -1, QStringLiteral("opening the file"),
                      limited(openTime), openAllowance, nullptr});
        Decoder decoder(reply.payload);
        const auto keras = decoder.u8();
        const auto swmr = decoder.u8();
        if (reply.type != MessageType::Done || !keras || !swmr || *keras > 1 || *swmr > 1 ||
            !decoder.finished())
            throw Error(ErrorCode::InvalidInput,
                        m_path + QStringLiteral(": the HDF5 reader process sent an invalid reply "
                                                "while opening the file and was stopped: the "
                                                "file is damaged or crafted"));
        m_kerasMarkers = *keras == 1;
        m_swmr = *swmr == 1;
    } catch (...) {
        m_process.reset();
        throw;
    }
    return *m_process;
}

bool IsolatedHdf5Reader::hasKerasMarkers() const
{
    const std::lock_guard lock(m_mutex);
    throwIfChanged(QStringLiteral("cannot read the file's attributes"));
    process();
    return m_kerasMarkers;
}

std::vector<DatasetInfo> IsolatedHdf5Reader::listTree() const
{
    const std::lock_guard lock(m_mutex);
    throwIfChanged(QStringLiteral("cannot list the file"));
    process();
    const Frame reply = exchange(m_process, m_path,
                                 {MessageType::List,
                                  {},
                                  -1,
                                  QStringLiteral("listing the file"),
                                  limited(listTime),
                                  listAllowance,
                                  nullptr});
    Decoder decoder(reply.payload);
    const auto count = decoder.u32();
    std::vector<DatasetInfo> tree;
    // Every entry takes more than 32 bytes: a count beyond that is a lie, not a reason to
    // reserve memory.
    bool valid = reply.type == MessageType::Listing && count &&
                 *count <= static_cast<std::uint64_t>(decoder.remaining()) / 32;
    for (std::uint32_t i = 0; valid && i < *count; ++i) {
        auto info = decoder.info();
        valid = info.has_value();
        if (valid)
            tree.push_back(std::move(*info));
    }
    if (!valid || !decoder.finished()) {
        m_process.reset();
        throw Error(ErrorCode::InvalidInput,
                    m_path + QStringLiteral(": the HDF5 reader process sent an invalid reply "
                                            "while listing the file and was stopped: the file is "
                                            "damaged or crafted"));
    }
    return tree;
}

DatasetInfo IsolatedHdf5Reader::describe(const QString& datasetPath) const
{
    const std::lock_guard lock(m_mutex);
    const QString path = normalizeDatasetPath(datasetPath);
    throwIfChanged(QStringLiteral("cannot read dataset %1").arg(quoted(path)));
    process();
    Encoder encoder;
    encoder.string(path);
    const QString action = QStringLiteral("describing dataset %1").arg(quoted(path));
    const Frame reply = exchange(m_process, m_path,
                                 {MessageType::Describe, encoder.payload(), -1, action,
                                  limited(openTime), openAllowance, nullptr});
    Decoder decoder(reply.payload);
    auto info = decoder.info();
    if (reply.type != MessageType::Info || !info || !decoder.finished() ||
        info->kind != NodeKind::Dataset || info->path != path) {
        m_process.reset();
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: the HDF5 reader process sent an invalid reply while %2 "
                                   "and was stopped: the file is damaged or crafted")
                        .arg(m_path, action));
    }
    return *info;
}

WeightTensor IsolatedHdf5Reader::readTensor(const QString& datasetPath,
                                            const ExecutionContext& context) const
{
    return readInto(datasetPath, nullptr, context);
}

WeightTensor IsolatedHdf5Reader::readMatrixOrder(const QString& datasetPath,
                                                 const MatrixMapping& mapping,
                                                 const ExecutionContext& context) const
{
    return readInto(datasetPath, &mapping, context);
}

WeightTensor IsolatedHdf5Reader::readInto(const QString& datasetPath, const MatrixMapping* mapping,
                                          const ExecutionContext& context) const
{
    const std::lock_guard lock(m_mutex);
    // The description comes from the process, so it is checked here as if it were the file:
    // readable, and within this process's memory budget, before anything is allocated.
    const DatasetInfo info = describe(datasetPath);
    checkReadable(m_path, info);
    if (mapping && mapping->storedShape() != info.shape)
        throw std::invalid_argument("IsolatedHdf5Reader: the mapping is not the dataset's shape");
    const bool asDouble = readsAsDouble(info);
    checkFitsInMemory(m_path, info, asDouble ? sizeof(double) : sizeof(float),
                      memoryBudget(m_memoryLimit));
    const auto elements = static_cast<std::size_t>(elementCountOf(info.shape));
    context.throwIfCancelled();
    // The tensor's own memory, private to this process (huge pages, LargeVector). Each slab is
    // copied into its place in stored order, or scattered into matrix order, while the process
    // fills the window's other buffer: the stored-order tensor is never held whole beside the
    // matrix.
    const auto read = [&]<typename T>(LargeVector<T> values) {
        const std::uint64_t rowElements =
            info.shape.empty() || info.shape[0] == 0
                ? 0
                : elements / static_cast<std::uint64_t>(info.shape[0]);
        const std::span<T> target(values.data(), elements);
        readSlabs(info, context,
                  [&](std::uint64_t firstRow, std::uint64_t, std::span<const std::byte> bytes) {
                      const std::span<const T> slab(reinterpret_cast<const T*>(bytes.data()),
                                                    bytes.size() / sizeof(T));
                      const std::uint64_t first = firstRow * rowElements;
                      if (mapping)
                          mapping->scatterSlab(slab, static_cast<std::int64_t>(first), target,
                                               context);
                      else
                          std::memcpy(target.data() + first, slab.data(), slab.size_bytes());
                  });
        return WeightTensor(mapping ? mapping->matrixTensorShape() : info.shape, std::move(values));
    };
    try {
        if (asDouble)
            return read(LargeVector<double>(elements));
        return read(LargeVector<float>(elements));
    } catch (const std::bad_alloc&) {
        throw Error(ErrorCode::OutOfMemory,
                    QStringLiteral("%1: dataset %2 (shape %3, %4) does not fit in memory")
                        .arg(m_path, quoted(info.path), info.shapeText(), info.typeName));
    }
}

void IsolatedHdf5Reader::readSlabs(const DatasetInfo& info, const ExecutionContext& context,
                                   const SlabSink& sink) const
{
    const std::lock_guard lock(m_mutex);
    checkReadable(m_path, info);
    const bool asDouble = readsAsDouble(info);
    const std::size_t valueBytes = asDouble ? sizeof(double) : sizeof(float);
    const std::uint64_t budget = memoryBudget(m_memoryLimit);
    checkFitsInMemory(m_path, info, valueBytes, budget);
    const auto rows = static_cast<std::uint64_t>(info.shape[0]);
    const std::uint64_t bytes =
        static_cast<std::uint64_t>(elementCountOf(info.shape)) * valueBytes; // checked above
    const std::uint64_t rowBytes = bytes / rows;
    const QString action = QStringLiteral("reading dataset %1").arg(quoted(info.path));
    context.throwIfCancelled();

    Encoder encoder;
    encoder.string(info.path);
    encoder.u8(asDouble ? 1 : 0);
    encoder.u32(static_cast<std::uint32_t>(info.shape.size()));
    for (const std::int64_t extent : info.shape)
        encoder.i64(extent);
    encoder.u64(bytes);
    encoder.u64(budget);
    // The values live here, not in the process: what it may add is for HDF5 (a chunk, up to
    // the whole dataset's, and its compressed bytes; a band of chunks in the cache) and slack.
    const std::uint64_t storage = static_cast<std::uint64_t>(info.storageBytes);
    const std::uint64_t allowance = std::min(storage, budget) + readSlack;
    const auto time = limited(std::chrono::duration_cast<std::chrono::milliseconds>(
        readBaseTime + std::chrono::seconds(bytes / slowReadBytesPerSecond)));
    const Exchange request{MessageType::Read, encoder.payload(), -1, action, time,
                           allowance,         &context};
    throwIfChanged(QStringLiteral("cannot read dataset %1").arg(quoted(info.path)));
    process();
    if (m_process->windowBufferBytes() < rowBytes) {
        // A row larger than a buffer: a window of one row per buffer (rare: rows of more
        // than 2 M floats, whose slabs are large enough at one row each).
        if (!m_process->setWindow(rowBytes, m_path)) {
            const int status = m_process->reap();
            m_process.reset();
            throwFailure(m_path, action, Failure::Ended, status, time, allowance);
        }
    }
    const auto deadline = Clock::now() + time;
    std::uint64_t nextRow = 0;
    std::uint64_t slabIndex = 0;
    // Errors of the process stop it (receiveReply); a Failure it reports leaves it between
    // requests (it takes every Release back before it answers).
    Frame reply = exchange(m_process, m_path, request);
    // Every slab is checked against the dataset before a byte of it is used: the next rows in
    // order, within the dataset, in the buffer whose turn it is, no larger than it.
    while (reply.type == MessageType::Slab) {
        Decoder decoder(reply.payload);
        const auto firstRow = decoder.u64();
        const auto slabRows = decoder.u64();
        const auto buffer = decoder.u32();
        const auto slabBytes = decoder.u64();
        if (!firstRow || !slabRows || !buffer || !slabBytes || !decoder.finished() ||
            *firstRow != nextRow || *slabRows == 0 || *slabRows > rows - nextRow ||
            *buffer != slabIndex % windowBuffers || *slabBytes != *slabRows * rowBytes ||
            *slabBytes > m_process->windowBufferBytes())
            throwInvalid(m_process, m_path, request);
        try {
            sink(*firstRow, *slabRows,
                 std::span<const std::byte>(
                     reinterpret_cast<const std::byte*>(m_process->windowBuffer(*buffer)),
                     *slabBytes));
        } catch (...) {
            m_process.reset(); // the process is in the middle of the read
            throw;
        }
        nextRow += *slabRows;
        ++slabIndex;
        Encoder release;
        release.u32(*buffer);
        sendWithin(m_process, m_path, request, MessageType::Release, release.payload());
        reply = receiveReply(m_process, m_path, request, deadline);
    }
    if (reply.type != MessageType::Done || !reply.payload.isEmpty() || nextRow != rows)
        throwInvalid(m_process, m_path, request);
}

} // namespace sparsity::core
