#include "safetensorsmaskwriter.h"

#include "error.h"
#include "io/atomicoutput.h"
#include "io/datasetchecks.h"
#include "io/datasetinfo.h"
#include "safetensorsheader.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryFile>
#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace sparsity::core {

namespace {

// Masks are written and copied in pieces of this size, with a cancellation check between.
constexpr qint64 pieceBytes = qint64{16} << 20;

// The shortest text that reads back as the same double ("0.1", "0.30000000000000004").
QString numberText(double value)
{
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return QString::fromLatin1(buffer, result.ptr - buffer);
}

} // namespace

SafetensorsMaskWriter::SafetensorsMaskWriter(std::unique_ptr<AtomicOutput> output,
                                             std::unique_ptr<QTemporaryFile> scratch)
    : m_output(std::move(output))
    , m_scratch(std::move(scratch))
{}

SafetensorsMaskWriter::~SafetensorsMaskWriter() = default;

QString SafetensorsMaskWriter::outputPath() const
{
    return m_output->outputPath();
}

QString SafetensorsMaskWriter::temporaryPath() const
{
    return m_output->temporaryPath();
}

std::unique_ptr<SafetensorsMaskWriter>
SafetensorsMaskWriter::create(const QString& outputPath, const QString& inputPath, bool overwrite)
{
    auto output = AtomicOutput::create(outputPath, inputPath, overwrite);
    // Hidden beside the output like the AtomicOutput's file, so that it lands on the same
    // file system; QTemporaryFile removes it when the writer goes, committed or not.
    const QFileInfo target(outputPath);
    auto scratch = std::make_unique<QTemporaryFile>(
        target.absoluteDir().filePath(QStringLiteral(".%1.XXXXXX.data").arg(target.fileName())));
    if (!scratch->open())
        throw Error(ErrorCode::Io, QStringLiteral("%1: cannot create a scratch file beside it: %2")
                                       .arg(outputPath, scratch->errorString()));
    std::unique_ptr<SafetensorsMaskWriter> writer(
        new SafetensorsMaskWriter(std::move(output), std::move(scratch)));
    writer->m_metadata.insert(QStringLiteral("generator"), generatorName());
    return writer;
}

void SafetensorsMaskWriter::fail(const QString& what, const QString& cause)
{
    throw Error(ErrorCode::Io, QStringLiteral("%1: %2: %3").arg(outputPath(), what, cause));
}

void SafetensorsMaskWriter::writeMask(const QString& datasetPath,
                                      const std::vector<std::int64_t>& shape,
                                      std::span<const std::uint8_t> mask,
                                      const MaskAttributes& attributes,
                                      const ExecutionContext& context)
{
    if (m_output->isCommitted() || m_broken)
        throw std::logic_error("SafetensorsMaskWriter::writeMask after commit or failure");
    if (shape.empty())
        throw std::invalid_argument("SafetensorsMaskWriter::writeMask: a mask needs rank >= 1");
    std::int64_t elements = 1;
    for (const std::int64_t extent : shape) {
        if (extent < 1 || __builtin_mul_overflow(elements, extent, &elements))
            throw std::invalid_argument("SafetensorsMaskWriter::writeMask: invalid shape");
    }
    if (static_cast<std::uint64_t>(elements) != mask.size())
        throw std::invalid_argument(
            "SafetensorsMaskWriter::writeMask: shape does not match mask size");
    const QString path = normalizeDatasetPath(datasetPath);
    if (path == QLatin1String("/"))
        throw std::invalid_argument("SafetensorsMaskWriter::writeMask: empty dataset path");
    const QString name = path.mid(1);
    if (std::any_of(m_tensors.begin(), m_tensors.end(),
                    [&](const Tensor& tensor) { return tensor.name == name; }))
        throw std::invalid_argument("SafetensorsMaskWriter::writeMask: mask written twice");

    // A mask cut short by a cancel or a failed write is taken back off the scratch file; if
    // even that fails, nothing may be committed.
    const qint64 start = static_cast<qint64>(m_dataBytes);
    const auto takeBack = [&] {
        if (!m_scratch->resize(start) || !m_scratch->seek(start))
            m_broken = true;
    };
    try {
        for (std::size_t done = 0; done < mask.size();) {
            context.throwIfCancelled();
            const auto piece = static_cast<qint64>(
                std::min<std::size_t>(static_cast<std::size_t>(pieceBytes), mask.size() - done));
            if (m_scratch->write(reinterpret_cast<const char*>(mask.data() + done), piece) != piece)
                fail(QStringLiteral("cannot write mask %1").arg(quoted(path)),
                     m_scratch->errorString());
            done += static_cast<std::size_t>(piece);
        }
    } catch (...) {
        takeBack();
        throw;
    }

    m_tensors.push_back(Tensor{name, shape, m_dataBytes, m_dataBytes + mask.size()});
    m_dataBytes += mask.size();
    const auto attribute = [&](const char* key, const QString& value) {
        m_metadata.insert(name + QLatin1Char('/') + QLatin1String(key), value);
    };
    const SparsityParams& params = attributes.params;
    attribute("sparsity_level", numberText(params.level));
    attribute("sparse_block_shape",
              QStringLiteral("[%1, %2]").arg(params.block.rows).arg(params.block.cols));
    attribute("zeros_per_block", QString::number(params.effectiveZerosPerBlock()));
    attribute("norm", normName(params.norm));
    attribute("achieved_sparsity", numberText(attributes.achievedSparsity));
    attribute("source_file", attributes.sourceFile);
    attribute("source_dataset", attributes.sourceDataset);
    attribute("scope", attributes.scope);
    attribute("min_level", numberText(attributes.minLevel));
    attribute("max_level", numberText(attributes.maxLevel));
    attribute("layout", layoutName(attributes.layout));
    attribute("view", viewName(attributes.view));
    attribute("matrix_shape",
              QStringLiteral("[%1, %2]").arg(attributes.matrixRows).arg(attributes.matrixCols));
}

void SafetensorsMaskWriter::commit()
{
    if (m_output->isCommitted() || !m_scratch)
        throw std::logic_error("SafetensorsMaskWriter::commit called twice");
    if (m_broken) {
        m_output->discard();
        throw Error(ErrorCode::Io,
                    outputPath() +
                        QStringLiteral(": not written, an earlier mask failed to write"));
    }
    try {
        QJsonObject header;
        header.insert(QStringLiteral("__metadata__"), m_metadata);
        for (const Tensor& tensor : m_tensors) {
            QJsonArray shape;
            for (const std::int64_t extent : tensor.shape)
                shape.append(static_cast<qint64>(extent));
            header.insert(tensor.name, QJsonObject{{QStringLiteral("dtype"), QStringLiteral("U8")},
                                                   {QStringLiteral("shape"), shape},
                                                   {QStringLiteral("data_offsets"),
                                                    QJsonArray{static_cast<qint64>(tensor.begin),
                                                               static_cast<qint64>(tensor.end)}}});
        }
        QByteArray text = QJsonDocument(header).toJson(QJsonDocument::Compact);
        // Padded with spaces to a multiple of 8, as the reference writer does, so that the data
        // starts aligned.
        text.append((8 - text.size() % 8) % 8, ' ');
        if (static_cast<std::uint64_t>(text.size()) > maxSafetensorsHeaderBytes)
            fail(QStringLiteral("cannot write"),
                 QStringLiteral("the header would be over the format's limit of 100 MB"));

        QFile file(temporaryPath());
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            fail(QStringLiteral("cannot write %1").arg(temporaryPath()), file.errorString());
        QByteArray length(8, '\0');
        for (int i = 0; i < 8; ++i)
            length[i] =
                static_cast<char>((static_cast<std::uint64_t>(text.size()) >> (8 * i)) & 0xff);
        if (file.write(length) != length.size() || file.write(text) != text.size())
            fail(QStringLiteral("cannot write %1").arg(temporaryPath()), file.errorString());
        if (!m_scratch->flush() || !m_scratch->seek(0))
            fail(QStringLiteral("cannot read back the masks"), m_scratch->errorString());
        QByteArray piece;
        for (qint64 copied = 0; copied < static_cast<qint64>(m_dataBytes);) {
            piece =
                m_scratch->read(std::min(pieceBytes, static_cast<qint64>(m_dataBytes) - copied));
            if (piece.isEmpty())
                fail(QStringLiteral("cannot read back the masks"), m_scratch->errorString());
            if (file.write(piece) != piece.size())
                fail(QStringLiteral("cannot write %1").arg(temporaryPath()), file.errorString());
            copied += piece.size();
        }
        if (!file.flush())
            fail(QStringLiteral("cannot write %1").arg(temporaryPath()), file.errorString());
        file.close();
        if (file.error() != QFileDevice::NoError)
            fail(QStringLiteral("cannot write %1").arg(temporaryPath()), file.errorString());
    } catch (...) {
        m_broken = true;
        m_output->discard();
        throw;
    }
    m_scratch.reset();
    m_output->commit();
}

} // namespace sparsity::core
