#pragma once

#include "io/tensorreader.h"

#include <QByteArray>
#include <memory>
#include <optional>

namespace sparsity::core {

namespace npy {
class ByteSource;
}

// The TensorReader of NumPy files (docs/SPEC.md "Files read"): a .npy array (one dataset, "/"
// + the file's stem) or a .npz archive (a dataset per member, "/" + its name without ".npy";
// members in folders keep the folder path, and the folders are listed as groups). The format
// is told by content, whatever the name. Every header and the whole ZIP directory are read
// and checked when the file is opened; the data when a tensor is read. One thread at a time.
class NumpyReader final : public TensorReader
{
public:
    // Throws Error(Io) for a path that does not exist, is a directory or cannot be read, and
    // Error(InvalidInput) for a file that is not a well-formed .npy or .npz (the message says
    // what is wrong, naming the member).
    static std::unique_ptr<NumpyReader> open(const QString& path);
    // The same for the bytes of a file held in memory (shared, not copied); `name` stands for
    // the file in messages and gives the .npy dataset's name.
    static std::unique_ptr<NumpyReader> openImage(const QByteArray& image, const QString& name);
    // Whether the first bytes of a file are those of a .npy array or a ZIP archive.
    static bool hasSignature(const QByteArray& head);
    // Whether a file name ends in .npy or .npz: such a file is refused by this reader, with its
    // reason, rather than being tried as another format.
    static bool claimsName(const QString& path);
    ~NumpyReader() override;

    QString path() const override { return m_path; }
    FileIdentity identity() const override;
    void setMemoryLimit(std::uint64_t bytes) override { m_memoryLimit = bytes; }

    std::vector<DatasetInfo> listTree() const override;
    DatasetInfo describe(const QString& datasetPath) const override;
    // Stored data is read with pread in slabs, deflated members are inflated slab by slab into
    // the tensor; both are converted as they come (byte order, float16, integers, Fortran
    // order) and a member's CRC-32 is checked at the end.
    WeightTensor readTensor(const QString& datasetPath,
                            const ExecutionContext& context) const override;
    // The same slabs, converted in file order and scattered into the matrix as they come
    // (MatrixMapping::scatterSlab; a Fortran-order array's file order is column-major).
    WeightTensor readMatrixOrder(const QString& datasetPath, const MatrixMapping& mapping,
                                 const ExecutionContext& context) const override;
    // No attributes, so never Keras's markers.
    bool hasKerasMarkers() const override { return false; }

private:
    struct Contents;
    NumpyReader(QString path, std::unique_ptr<Contents> contents);
    static std::unique_ptr<NumpyReader> openSource(std::unique_ptr<npy::ByteSource> source,
                                                   const QString& name,
                                                   std::optional<FileIdentity> identity);
    void throwIfChanged(const QString& action) const;

    QString m_path;
    std::unique_ptr<Contents> m_contents;
    std::uint64_t m_memoryLimit = 0;
};

} // namespace sparsity::core
