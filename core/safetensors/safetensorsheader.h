#pragma once

// Internal to core/safetensors: the checks of an untrusted safetensors header and index
// (docs/SPEC.md "Files read"), on bytes in memory, apart from any file so that the fuzzer and
// the tests reach every refusal directly. Any thread: pure functions. Every refusal throws
// Error(Io) "<file>: <reason>", naming the tensor where one is involved.

#include "io/datasetinfo.h"

#include <QByteArrayView>
#include <QString>
#include <cstdint>
#include <utility>
#include <vector>

namespace sparsity::core {

// The element types of the format this reader knows.
enum class SafetensorsDtype
{
    F64,
    F32,
    F16,
    BF16,
    I64,
    I32,
    I16,
    I8,
    U64,
    U32,
    U16,
    U8,
    Bool,
};

struct SafetensorsDtypeInfo
{
    const char* code;     // as the header spells it: "BF16"
    const char* typeName; // as listings name it: "bfloat16"
    int size;             // bytes per element
    ElementClass elementClass;
    bool readsAsDouble; // held as double (float64, integers wider than 16 bits), else float
};

const SafetensorsDtypeInfo& dtypeInfo(SafetensorsDtype dtype);

// A safetensors file starts with the header's length as 8 little-endian bytes; the format
// caps the header at 100 MB (the reference implementation refuses longer ones).
inline constexpr std::uint64_t safetensorsLengthBytes = 8;
inline constexpr std::uint64_t maxSafetensorsHeaderBytes = 100'000'000;

// One tensor of a header, checked: a known dtype, a shape whose bytes fit in 64 bits and equal
// end - begin, and a byte range inside the data area (offsets count from its start).
struct SafetensorsTensor
{
    QString name;
    SafetensorsDtype dtype = SafetensorsDtype::F32;
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
};

// The header length stored in the first 8 bytes of a file of fileSize bytes. Refuses a file
// shorter than 8 bytes and a length past the end of the file or over the 100 MB cap.
std::uint64_t safetensorsHeaderLength(QByteArrayView fileStart, std::uint64_t fileSize,
                                      const QString& fileName);

// Parses the JSON header of a file whose data area holds dataBytes bytes, checks every entry
// and that no two tensors overlap or share a name, and returns the tensors in name order
// (UTF-8 byte order, as HDF5 orders names). `__metadata__` must be an object and is otherwise
// ignored.
std::vector<SafetensorsTensor> parseSafetensorsHeader(QByteArrayView json, std::uint64_t dataBytes,
                                                      const QString& fileName);

// Parses a sharded checkpoint's index (`{"metadata": ..., "weight_map": {name: shard}}`) and
// returns (tensor name, shard path) in name order; shard paths are cleaned relative paths
// that stay inside the index's directory (not absolute, no ".." component).
std::vector<std::pair<QString, QString>> parseSafetensorsIndex(QByteArrayView json,
                                                               const QString& fileName);

// The dataset path of a tensor: "/" + name.
QString safetensorsDatasetPath(const QString& tensorName);

// Orders names as the listings do: by their UTF-8 bytes.
bool safetensorsNameLess(const QString& a, const QString& b);

} // namespace sparsity::core
