#include "safetensorsheader.h"

#include "error.h"
#include "io/datasetchecks.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QSet>
#include <QStringList>
#include <algorithm>
#include <array>
#include <optional>

namespace sparsity::core {

namespace {

constexpr std::array<std::pair<SafetensorsDtype, SafetensorsDtypeInfo>, 13> dtypes{{
    {SafetensorsDtype::F64, {"F64", "float64", 8, ElementClass::Float, true}},
    {SafetensorsDtype::F32, {"F32", "float32", 4, ElementClass::Float, false}},
    {SafetensorsDtype::F16, {"F16", "float16", 2, ElementClass::Float, false}},
    {SafetensorsDtype::BF16, {"BF16", "bfloat16", 2, ElementClass::Float, false}},
    {SafetensorsDtype::I64, {"I64", "int64", 8, ElementClass::Integer, true}},
    {SafetensorsDtype::I32, {"I32", "int32", 4, ElementClass::Integer, true}},
    {SafetensorsDtype::I16, {"I16", "int16", 2, ElementClass::Integer, false}},
    {SafetensorsDtype::I8, {"I8", "int8", 1, ElementClass::Integer, false}},
    {SafetensorsDtype::U64, {"U64", "uint64", 8, ElementClass::Integer, true}},
    {SafetensorsDtype::U32, {"U32", "uint32", 4, ElementClass::Integer, true}},
    {SafetensorsDtype::U16, {"U16", "uint16", 2, ElementClass::Integer, false}},
    {SafetensorsDtype::U8, {"U8", "uint8", 1, ElementClass::Integer, false}},
    // Bytes 0 and 1; listed as an integer type, so masked only when named.
    {SafetensorsDtype::Bool, {"BOOL", "bool", 1, ElementClass::Integer, false}},
}};

[[noreturn]] void refuse(const QString& fileName, const QString& reason)
{
    throw Error(ErrorCode::Io, fileName + QStringLiteral(": ") + reason);
}

[[noreturn]] void refuseTensor(const QString& fileName, const QString& tensor,
                               const QString& reason)
{
    refuse(fileName, QStringLiteral("tensor %1: %2").arg(quoted(tensor), reason));
}

// A key of a JSON object as QJsonDocument decodes it: `token` is the quoted string.
QString decodedKey(QByteArrayView token)
{
    const QByteArrayView inner = token.sliced(1, token.size() - 2);
    if (!inner.contains('\\'))
        return QString::fromUtf8(inner);
    QByteArray array;
    array.reserve(token.size() + 2);
    array.append('[').append(token.data(), token.size()).append(']');
    return QJsonDocument::fromJson(array).array().at(0).toString();
}

// QJsonDocument keeps one value of a key that an object repeats and drops the others, so a
// header naming a tensor twice would silently lose one. This scan of the (already parsed,
// hence well-formed) text finds such a key in any object: the keys from the outermost object
// down to the repeated one, or an empty list. Keys are compared decoded, as QJsonDocument
// compares them ("a" and "\u0061" are one key).
QStringList firstRepeatedKey(QByteArrayView json)
{
    struct Frame
    {
        bool object = false;
        bool expectKey = false;
        QSet<QString> keys;
        QString lastKey;
    };
    std::vector<Frame> stack;
    const qsizetype size = json.size();
    for (qsizetype i = 0; i < size; ++i) {
        const char c = json[i];
        if (c == '{' || c == '[') {
            stack.push_back(Frame{c == '{', c == '{', {}, {}});
        } else if (c == '}' || c == ']') {
            if (!stack.empty())
                stack.pop_back();
        } else if (c == ',') {
            if (!stack.empty() && stack.back().object)
                stack.back().expectKey = true;
        } else if (c == '"') {
            const qsizetype start = i++;
            while (i < size && json[i] != '"')
                i += json[i] == '\\' ? 2 : 1;
            if (i >= size)
                break;
            if (stack.empty() || !stack.back().object || !stack.back().expectKey)
                continue;
            Frame& frame = stack.back();
            frame.expectKey = false;
            frame.lastKey = decodedKey(json.sliced(start, i - start + 1));
            if (frame.keys.contains(frame.lastKey)) {
                QStringList path;
                for (const Frame& outer : stack) {
                    if (outer.object)
                        path << outer.lastKey;
                }
                return path;
            }
            frame.keys.insert(frame.lastKey);
        }
    }
    return {};
}

// The JSON text parsed as an object, or a refusal that says where it is malformed.
QJsonObject parseObject(QByteArrayView json, const QString& fileName, const QString& what)
{
    QJsonParseError parseError;
    const QJsonDocument document =
        QJsonDocument::fromJson(QByteArray::fromRawData(json.data(), json.size()), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        refuse(fileName, QStringLiteral("malformed JSON in the %1 at byte %2: %3")
                             .arg(what)
                             .arg(parseError.offset)
                             .arg(parseError.errorString()));
    if (!document.isObject())
        refuse(fileName, QStringLiteral("the %1 is not a JSON object").arg(what));
    return document.object();
}

// A JSON number that is a whole number in [0, 2^63); Qt keeps such numbers exact.
std::optional<std::uint64_t> nonNegativeInteger(const QJsonValue& value)
{
    if (!value.isDouble())
        return std::nullopt;
    const qint64 integer = value.toInteger(-1);
    if (integer < 0)
        return std::nullopt;
    return static_cast<std::uint64_t>(integer);
}

QString jsonText(const QJsonValue& value)
{
    QJsonArray wrapper{value};
    QString text = QString::fromUtf8(QJsonDocument(wrapper).toJson(QJsonDocument::Compact));
    text = text.mid(1, text.size() - 2);
    return text.size() > 60 ? text.left(57) + QStringLiteral("...") : text;
}

std::optional<SafetensorsDtype> dtypeNamed(const QString& code)
{
    for (const auto& [dtype, info] : dtypes) {
        if (code == QLatin1String(info.code))
            return dtype;
    }
    return std::nullopt;
}

// A name whose path "/" + name would not come back unchanged from normalizeDatasetPath cannot
// be asked for by path.
bool isUsableName(const QString& name)
{
    return !name.isEmpty() &&
           normalizeDatasetPath(QLatin1Char('/') + name) == QLatin1Char('/') + name;
}

SafetensorsTensor parseTensor(const QString& name, const QJsonValue& value, std::uint64_t dataBytes,
                              const QString& fileName)
{
    if (!isUsableName(name))
        refuseTensor(fileName, name,
                     QStringLiteral("the name is empty or has a '/' at its start or end or two "
                                    "in a row, so it cannot be a dataset path"));
    if (!value.isObject())
        refuseTensor(fileName, name, QStringLiteral("the entry is not a JSON object"));
    const QJsonObject entry = value.toObject();
    for (const char* field : {"dtype", "shape", "data_offsets"}) {
        if (!entry.contains(QLatin1String(field)))
            refuseTensor(fileName, name,
                         QStringLiteral("'%1' is missing").arg(QLatin1String(field)));
    }

    SafetensorsTensor tensor;
    tensor.name = name;
    const QJsonValue dtype = entry.value(QLatin1String("dtype"));
    const std::optional<SafetensorsDtype> known = dtypeNamed(dtype.toString());
    if (!dtype.isString() || !known)
        refuseTensor(fileName, name,
                     QStringLiteral("unknown dtype %1 (known: F64, F32, F16, BF16, I64, I32, I16, "
                                    "I8, U64, U32, U16, U8, BOOL)")
                         .arg(jsonText(dtype)));
    tensor.dtype = *known;

    const QJsonValue shape = entry.value(QLatin1String("shape"));
    if (!shape.isArray())
        refuseTensor(fileName, name,
                     QStringLiteral("shape %1 is not a list of sizes").arg(jsonText(shape)));
    std::uint64_t bytes = static_cast<std::uint64_t>(dtypeInfo(tensor.dtype).size);
    bool overflow = false;
    for (const QJsonValue extent : shape.toArray()) {
        const std::optional<std::uint64_t> size = nonNegativeInteger(extent);
        if (!size)
            refuseTensor(fileName, name,
                         QStringLiteral("shape %1 holds %2, not a non-negative integer")
                             .arg(jsonText(shape), jsonText(extent)));
        tensor.shape.push_back(static_cast<std::int64_t>(*size));
        overflow = overflow || __builtin_mul_overflow(bytes, *size, &bytes);
    }
    // A zero extent makes any product empty, even one that overflowed before it.
    if (std::find(tensor.shape.begin(), tensor.shape.end(), 0) != tensor.shape.end()) {
        overflow = false;
        bytes = 0;
    }
    if (overflow)
        refuseTensor(fileName, name,
                     QStringLiteral("shape %1 of %2 holds more bytes than 64 bits can count")
                         .arg(jsonText(shape), QLatin1String(dtypeInfo(tensor.dtype).code)));

    const QJsonValue offsets = entry.value(QLatin1String("data_offsets"));
    const QJsonArray pair = offsets.toArray();
    const std::optional<std::uint64_t> first =
        pair.size() == 2 ? nonNegativeInteger(pair.at(0)) : std::nullopt;
    const std::optional<std::uint64_t> last =
        pair.size() == 2 ? nonNegativeInteger(pair.at(1)) : std::nullopt;
    if (!offsets.isArray() || !first || !last)
        refuseTensor(fileName, name,
                     QStringLiteral("data_offsets %1 is not a pair of non-negative integers")
                         .arg(jsonText(offsets)));
    const std::uint64_t begin = first.value_or(0);
    const std::uint64_t end = last.value_or(0);
    if (begin > end)
        refuseTensor(
            fileName, name,
            QStringLiteral("data_offsets [%1, %2] end before they begin").arg(begin).arg(end));
    if (end > dataBytes)
        refuseTensor(fileName, name,
                     QStringLiteral("data_offsets [%1, %2] lie outside the data, which holds %3 "
                                    "bytes (is the file truncated?)")
                         .arg(begin)
                         .arg(end)
                         .arg(dataBytes));
    if (end - begin != bytes)
        refuseTensor(fileName, name,
                     QStringLiteral("data_offsets [%1, %2] hold %3 bytes, but shape %4 of %5 "
                                    "needs %6")
                         .arg(begin)
                         .arg(end)
                         .arg(end - begin)
                         .arg(jsonText(shape), QLatin1String(dtypeInfo(tensor.dtype).code))
                         .arg(bytes));
    tensor.begin = begin;
    tensor.end = end;
    return tensor;
}

} // namespace

const SafetensorsDtypeInfo& dtypeInfo(SafetensorsDtype dtype)
{
    for (const auto& [code, info] : dtypes) {
        if (code == dtype)
            return info;
    }
    return dtypes.front().second;
}

QString safetensorsDatasetPath(const QString& tensorName)
{
    return QLatin1Char('/') + tensorName;
}

bool safetensorsNameLess(const QString& a, const QString& b)
{
    return a.toUtf8() < b.toUtf8();
}

std::uint64_t safetensorsHeaderLength(QByteArrayView fileStart, std::uint64_t fileSize,
                                      const QString& fileName)
{
    if (fileSize < safetensorsLengthBytes ||
        fileStart.size() < static_cast<qsizetype>(safetensorsLengthBytes))
        refuse(fileName, QStringLiteral("%1 bytes, too short for a safetensors file (the header "
                                        "length alone takes 8)")
                             .arg(fileSize));
    std::uint64_t length = 0;
    for (int i = 7; i >= 0; --i)
        length = (length << 8) | static_cast<std::uint8_t>(fileStart[i]);
    if (length > maxSafetensorsHeaderBytes)
        refuse(fileName,
               QStringLiteral("the header length %1 is over the format's limit of 100 MB (is "
                              "this a safetensors file?)")
                   .arg(length));
    if (length > fileSize - safetensorsLengthBytes)
        refuse(fileName, QStringLiteral("the header length %1 runs past the end of the file (%2 "
                                        "bytes; is the file truncated?)")
                             .arg(length)
                             .arg(fileSize));
    return length;
}

std::vector<SafetensorsTensor> parseSafetensorsHeader(QByteArrayView json, std::uint64_t dataBytes,
                                                      const QString& fileName)
{
    const QJsonObject header = parseObject(json, fileName, QStringLiteral("header"));
    const QStringList repeated = firstRepeatedKey(json);
    if (repeated.size() == 1)
        refuseTensor(fileName, repeated.front(), QStringLiteral("the header names it twice"));
    if (!repeated.isEmpty())
        refuse(fileName, QStringLiteral("the header gives %1 twice in the entry %2")
                             .arg(quoted(repeated.back()), quoted(repeated.front())));

    std::vector<SafetensorsTensor> tensors;
    tensors.reserve(static_cast<std::size_t>(header.size()));
    for (auto it = header.begin(); it != header.end(); ++it) {
        if (it.key() == QLatin1String("__metadata__")) {
            // Free text for the writer's own use (string to string); nothing here reads it.
            if (!it.value().isObject())
                refuse(fileName, QStringLiteral("__metadata__ is not a JSON object"));
            continue;
        }
        tensors.push_back(parseTensor(it.key(), it.value(), dataBytes, fileName));
    }

    // Overlap: sorted by where they begin, a tensor with bytes must begin at or after the end
    // of every earlier one. Empty tensors hold no bytes and overlap nothing.
    std::vector<const SafetensorsTensor*> byOffset;
    for (const SafetensorsTensor& tensor : tensors) {
        if (tensor.end > tensor.begin)
            byOffset.push_back(&tensor);
    }
    std::sort(byOffset.begin(), byOffset.end(), [](const auto* a, const auto* b) {
        return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
    });
    const SafetensorsTensor* reaching = nullptr; // the earlier tensor that ends last
    for (const SafetensorsTensor* tensor : byOffset) {
        if (reaching != nullptr && tensor->begin < reaching->end)
            refuse(fileName,
                   QStringLiteral("tensors %1 (bytes %2 to %3) and %4 (bytes %5 to %6) overlap")
                       .arg(quoted(reaching->name))
                       .arg(reaching->begin)
                       .arg(reaching->end)
                       .arg(quoted(tensor->name))
                       .arg(tensor->begin)
                       .arg(tensor->end));
        if (reaching == nullptr || tensor->end > reaching->end)
            reaching = tensor;
    }

    std::sort(tensors.begin(), tensors.end(),
              [](const SafetensorsTensor& a, const SafetensorsTensor& b) {
                  return safetensorsNameLess(a.name, b.name);
              });
    return tensors;
}

std::vector<std::pair<QString, QString>> parseSafetensorsIndex(QByteArrayView json,
                                                               const QString& fileName)
{
    const QJsonObject index = parseObject(json, fileName, QStringLiteral("index"));
    const QStringList repeated = firstRepeatedKey(json);
    if (repeated.size() == 2 && repeated.front() == QLatin1String("weight_map"))
        refuseTensor(fileName, repeated.back(), QStringLiteral("weight_map names it twice"));
    if (repeated.size() == 1)
        refuse(fileName, QStringLiteral("the index gives %1 twice").arg(quoted(repeated.front())));
    if (!index.contains(QLatin1String("weight_map")))
        refuse(fileName, QStringLiteral("no weight_map: not a safetensors index"));
    const QJsonValue weightMap = index.value(QLatin1String("weight_map"));
    if (!weightMap.isObject())
        refuse(fileName, QStringLiteral("weight_map is not a JSON object"));

    std::vector<std::pair<QString, QString>> entries;
    const QJsonObject map = weightMap.toObject();
    for (auto it = map.begin(); it != map.end(); ++it) {
        const QString name = it.key();
        if (!it.value().isString())
            refuseTensor(
                fileName, name,
                QStringLiteral("its shard %1 is not a file name").arg(jsonText(it.value())));
        const QString shard = it.value().toString();
        // Shards lie beside the index: a checkpoint must not make us read files elsewhere.
        const QString cleaned = QDir::cleanPath(shard);
        const bool escapes = shard.isEmpty() || shard.contains(QChar(0)) ||
                             QDir::isAbsolutePath(shard) ||
                             shard.split(QLatin1Char('/')).contains(QStringLiteral("..")) ||
                             cleaned == QLatin1String(".");
        if (escapes)
            refuseTensor(fileName, name,
                         QStringLiteral("shard %1 is not a file name inside the index's directory")
                             .arg(jsonText(it.value())));
        entries.emplace_back(name, cleaned);
    }
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return safetensorsNameLess(a.first, b.first); });
    return entries;
}

} // namespace sparsity::core
