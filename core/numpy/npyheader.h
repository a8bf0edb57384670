#pragma once

// Internal to core/numpy: the preamble and header of a NumPy .npy array (format versions 1.0,
// 2.0 and 3.0, as numpy.lib.format writes and reads them). Pure functions, any thread; the
// bytes are untrusted and every refusal is an Error(InvalidInput) "<where>: <reason>".

#include <QByteArray>
#include <QString>
#include <cstdint>
#include <vector>

namespace sparsity::core::npy {

// The magic string every .npy array starts with.
inline constexpr char magic[] = "\x93NUMPY";
inline constexpr std::int64_t magicBytes = 6;
// Enough of the start to know the header's length in every version.
inline constexpr std::int64_t preambleBytes = 12;
// numpy writes headers of 128 bytes and a few more for many dimensions (numpy itself refuses
// more than 10000 by default): a longer one is a damaged or hostile file, and would only make
// the reader allocate for it.
inline constexpr std::int64_t maxHeaderBytes = std::int64_t{1} << 20;

// What the array's elements are.
enum class Kind
{
    Float,
    SignedInteger,
    UnsignedInteger,
    Bool,
    Unsupported, // object, structured, sub-array, strings, complex, datetimes, long double
};

struct Dtype
{
    Kind kind = Kind::Unsupported;
    int size = 0;           // bytes per element; 0 where it is not a fixed width (object)
    bool bigEndian = false; // the stored byte order ('>'; '=' and '|' are this machine's)
    QString name;           // "float32", "uint8", "bool", "object", "complex64", "structured"...

    bool isNumeric() const { return kind != Kind::Unsupported; }
};

struct Header
{
    Dtype dtype;
    bool fortranOrder = false;
    std::vector<std::int64_t> shape; // empty for a 0-d array
    std::int64_t dataOffset = 0;     // where the elements start, from the magic string

    // Bytes the elements take (elements x size); -1 when the type has no fixed size or the
    // product does not fit in int64.
    std::int64_t dataBytes() const;
};

// Whether `bytes` start with the .npy magic string.
bool hasMagic(const char* bytes, std::int64_t size);

// The offset of the first element (preamble plus header), read from the first `size` bytes
// (at least preambleBytes, or all there are). Refuses another magic, a version other than 1.0,
// 2.0 or 3.0, and a header over maxHeaderBytes.
std::int64_t headerEnd(const char* bytes, std::int64_t size, const QString& where);

// Parses the preamble and header in the first headerEnd() bytes of `bytes`: the Python literal
// dict {'descr': ..., 'fortran_order': ..., 'shape': ...} with numpy's spacing, key order and
// trailing commas, or any other Python spacing; anything else is refused with the reason.
Header parseHeader(const char* bytes, std::int64_t size, const QString& where);

// Parses the header text alone (what follows the length field), for the fuzz target.
Header parseHeaderText(const QByteArray& text, bool utf8, const QString& where);

} // namespace sparsity::core::npy
