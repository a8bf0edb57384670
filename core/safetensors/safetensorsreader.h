#pragma once

#include "io/tensorreader.h"

#include <QByteArray>
#include <memory>
#include <optional>
#include <vector>

namespace sparsity::core {

struct SafetensorsTensor;

// The TensorReader of safetensors files (docs/SPEC.md "Files read"): one `.safetensors` file,
// or a sharded checkpoint opened through its `*.safetensors.index.json`, whose shards' tensors
// are presented as one file in tensor-name order. Files are memory-mapped read-only and never
// written; the header is untrusted and checked in full when the file is opened. A tensor's
// path is "/" + its name. Use a reader from one thread at a time.
class SafetensorsReader final : public TensorReader
{
public:
    // Opens a `.safetensors` file, or an index when the name ends in ".json". Throws Error(Io)
    // for a path that cannot be read and for a header or index that breaks the format; the
    // message names the file (the index and the shard) and the tensor where one is involved.
    static std::unique_ptr<SafetensorsReader> open(const QString& path);
    // Reads the bytes of one `.safetensors` file held in memory (copied; nothing on disk is
    // touched); name stands for the file in messages. Throws like open().
    static std::unique_ptr<SafetensorsReader> openImage(const QByteArray& image,
                                                        const QString& name);
    // Whether the first bytes of a file look like safetensors: a header that begins with '{'
    // right after the 8-byte length, or JSON text (an index) starting with '{'.
    static bool hasSignature(const QByteArray& head);
    // Whether the name ends in ".safetensors" or ".safetensors.index.json".
    static bool hasFileName(const QString& path);
    ~SafetensorsReader() override;

    QString path() const override { return m_path; }
    // The file named by path() (the index of a sharded checkpoint); every call also checks
    // each shard.
    FileIdentity identity() const override;
    void setMemoryLimit(std::uint64_t bytes) override { m_memoryLimit = bytes; }

    // Only datasets: a name with '/' in it is not split into groups.
    std::vector<DatasetInfo> listTree() const override;
    DatasetInfo describe(const QString& datasetPath) const override;
    // Converts from the mapped bytes in slabs, checking for cancellation between them and
    // handing each slab's pages back to the page cache (the process then holds the values
    // and one slab, not the tensor twice); float16 and bfloat16 are widened exactly.
    WeightTensor readTensor(const QString& datasetPath,
                            const ExecutionContext& context) const override;
    // Converts slab by slab as readTensor does, handing back each slab's mapped pages, and
    // scatters each slab into the matrix (MatrixMapping::scatterSlab).
    WeightTensor readMatrixOrder(const QString& datasetPath, const MatrixMapping& mapping,
                                 const ExecutionContext& context) const override;
    // No attributes, so never Keras's markers.
    bool hasKerasMarkers() const override { return false; }

    // One mapped file and one listed tensor; defined and used in the .cpp only.
    struct Shard;
    struct Entry;

private:
    SafetensorsReader(QString path, std::optional<FileIdentity> identity);
    // Takes a shard's tensors into the listing.
    void addShard(std::unique_ptr<Shard> shard, const std::vector<SafetensorsTensor>& tensors);
    // Throws Error(Io) "<file>: <action>: the file was ..." when the file or a shard changed.
    void throwIfChanged(const QString& action) const;
    const Entry& entryFor(const QString& datasetPath) const;

    QString m_path;
    std::optional<FileIdentity> m_identity;
    std::vector<std::unique_ptr<Shard>> m_shards;
    std::vector<Entry> m_entries; // name order
    std::uint64_t m_memoryLimit = 0;
};

} // namespace sparsity::core
