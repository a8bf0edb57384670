#pragma once

#include <QString>
#include <cstdint>
#include <vector>

namespace sparsity::core {

// What a path in a weight file leads to.
enum class NodeKind
{
    Group,
    Dataset,
    DanglingLink, // a soft or external link whose target does not resolve
    Other,        // committed datatypes and anything else that is not data
};

// The element class of a dataset, as far as sparsification cares.
enum class ElementClass
{
    Float,
    Integer,
    Other, // strings, compound, enum, variable-length, opaque, references, arrays, bitfields
};

// One entry of a file's tree, listed without reading any data. Plain value.
struct DatasetInfo
{
    QString path; // absolute, "/a/b/kernel"
    NodeKind kind = NodeKind::Other;
    std::vector<std::int64_t> shape; // datasets only; empty for scalar and null dataspaces
    bool nullDataspace = false;      // a dataset without any element (H5S_NULL), not a scalar
    ElementClass elementClass = ElementClass::Other;
    QString typeName;              // "float32", "int8", "string", "compound", ...
    std::int64_t elementSize = 0;  // bytes per element in the file
    std::int64_t storageBytes = 0; // elements * elementSize, the size of the data in memory
    bool sparsifiable = false;     // numeric, rank >= 2, not empty (io/datasetchecks.h)
    QString reason;                // why not, when !sparsifiable; empty otherwise
    QString linkTarget;            // for links: where they point
    // Why the reader cannot decode the stored values (e.g. a compression filter it lacks);
    // empty when it can. Part of `reason` (io/datasetchecks.h).
    QString decodeProblem;

    std::int64_t elementCount() const;
    // Default selection of the CLI and the GUI: floating point and sparsifiable.
    bool isDefaultSelection() const { return sparsifiable && elementClass == ElementClass::Float; }
    // Can be sparsified when a user names it: a dataset that passes the rules of
    // io/datasetchecks.h for rank >= 1.
    bool canSparsifyWhenNamed() const;
    QString shapeText() const; // "64x3x3x3", "scalar" or "null"
};

// Normalizes a user-supplied dataset path: leading "/" added, repeated and trailing "/" removed.
QString normalizeDatasetPath(const QString& path);

} // namespace sparsity::core
