#include "npyheader.h"

#include "error.h"

#include <QStringList>
#include <cstring>
#include <limits>
#include <memory>
#include <utility>

namespace sparsity::core::npy {

namespace {

[[noreturn]] void refuse(const QString& where, const QString& reason)
{
    throw Error(ErrorCode::InvalidInput, where + QStringLiteral(": ") + reason);
}

// A value of the Python literal subset a .npy header is written in.
struct Literal
{
    enum class Type
    {
        String,
        Integer,
        Bool,
        None,
        Tuple,
        List,
        Dict,
    };
    Type type = Type::None;
    QString text;                 // String
    std::int64_t integer = 0;     // Integer
    bool integerTooLarge = false; // Integer beyond int64
    bool boolean = false;         // Bool
    std::vector<Literal> items;   // Tuple, List; Dict: key, value, key, value...
};

QString typeText(Literal::Type type)
{
    switch (type) {
    case Literal::Type::String:
        return QStringLiteral("a string");
    case Literal::Type::Integer:
        return QStringLiteral("an integer");
    case Literal::Type::Bool:
        return QStringLiteral("a boolean");
    case Literal::Type::None:
        return QStringLiteral("None");
    case Literal::Type::Tuple:
        return QStringLiteral("a tuple");
    case Literal::Type::List:
        return QStringLiteral("a list");
    case Literal::Type::Dict:
        return QStringLiteral("a dict");
    }
    return {};
}

// Recursive descent over Python's literal syntax, limited to what numpy's headers can hold
// (strings without escapes, decimal integers, True/False/None, tuples, lists, dicts). Nesting
// is capped so that a hostile header cannot exhaust the stack.
class LiteralParser
{
public:
    LiteralParser(const QByteArray& text, bool utf8, QString where)
        : m_text(text)
        , m_utf8(utf8)
        , m_where(std::move(where))
    {}

    Literal parseDocument()
    {
        Literal value = parseValue(0);
        skipSpace();
        if (m_pos != m_text.size())
            fail(QStringLiteral("unexpected %1 after the header's dict").arg(describeHere()));
        return value;
    }

private:
    static constexpr int maxDepth = 32;

    [[noreturn]] void fail(const QString& reason) const
    {
        refuse(m_where, QStringLiteral("the .npy header is not a Python literal dict: %1 (at "
                                       "character %2 of the header)")
                            .arg(reason)
                            .arg(m_pos));
    }

    QString describeHere() const
    {
        if (m_pos >= m_text.size())
            return QStringLiteral("end of header");
        const auto byte = static_cast<unsigned char>(m_text[m_pos]);
        if (byte >= 0x20 && byte < 0x7f)
            return QStringLiteral("'%1'").arg(QLatin1Char(static_cast<char>(byte)));
        return QStringLiteral("byte 0x%1").arg(byte, 2, 16, QLatin1Char('0'));
    }

    char peek() const { return m_pos < m_text.size() ? m_text[m_pos] : '\0'; }
    bool atEnd() const { return m_pos >= m_text.size(); }

    // Python's whitespace between tokens (inside brackets, newlines are whitespace too).
    void skipSpace()
    {
        while (!atEnd()) {
            const char c = m_text[m_pos];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v')
                return;
            ++m_pos;
        }
    }

    void expect(char c)
    {
        skipSpace();
        if (peek() != c)
            fail(QStringLiteral("expected '%1', found %2")
                     .arg(QString(QLatin1Char(c)), describeHere()));
        ++m_pos;
    }

    Literal parseValue(int depth)
    {
        if (depth > maxDepth)
            fail(QStringLiteral("nested more than %1 levels deep").arg(maxDepth));
        skipSpace();
        const char c = peek();
        if (c == '{')
            return parseDict(depth);
        if (c == '(')
            return parseParenthesized(depth);
        if (c == '[')
            return parseList(depth);
        if (c == '\'' || c == '"')
            return parseString();
        if ((c >= '0' && c <= '9') || c == '-' || c == '+')
            return parseInteger();
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_')
            return parseName();
        fail(QStringLiteral("expected a value, found %1").arg(describeHere()));
    }

    // Items up to `close`, separated by commas, a trailing comma allowed. Returns whether a
    // comma was seen (which makes "(x,)" a tuple and "(x)" just x).
    bool parseItems(char close, int depth, std::vector<Literal>& items, bool pairs)
    {
        bool comma = false;
        skipSpace();
        while (peek() != close) {
            if (atEnd())
                fail(QStringLiteral("'%1' is missing").arg(QLatin1Char(close)));
            items.push_back(parseValue(depth + 1));
            if (pairs) {
                expect(':');
                items.push_back(parseValue(depth + 1));
            }
            skipSpace();
            if (peek() == ',') {
                ++m_pos;
                comma = true;
                skipSpace();
            } else if (peek() != close) {
                fail(QStringLiteral("expected ',' or '%1', found %2")
                         .arg(QString(QLatin1Char(close)), describeHere()));
            }
        }
        ++m_pos;
        return comma;
    }

    Literal parseDict(int depth)
    {
        ++m_pos;
        Literal value;
        value.type = Literal::Type::Dict;
        parseItems('}', depth, value.items, true);
        return value;
    }

    Literal parseList(int depth)
    {
        ++m_pos;
        Literal value;
        value.type = Literal::Type::List;
        parseItems(']', depth, value.items, false);
        return value;
    }

    Literal parseParenthesized(int depth)
    {
        ++m_pos;
        Literal value;
        value.type = Literal::Type::Tuple;
        const bool comma = parseItems(')', depth, value.items, false);
        // "(x)" is x itself in Python, not a tuple of one.
        if (value.items.size() == 1 && !comma)
            return std::move(value.items.front());
        return value;
    }

    Literal parseString()
    {
        const char quote = m_text[m_pos++];
        const qsizetype start = m_pos;
        while (!atEnd() && m_text[m_pos] != quote) {
            if (m_text[m_pos] == '\\')
                fail(QStringLiteral("escape sequences in strings are not supported"));
            if (m_text[m_pos] == '\n')
                break;
            ++m_pos;
        }
        if (atEnd() || m_text[m_pos] != quote)
            fail(QStringLiteral("a string is not closed"));
        const QByteArray bytes = m_text.mid(start, m_pos - start);
        ++m_pos;
        Literal value;
        value.type = Literal::Type::String;
        value.text = m_utf8 ? QString::fromUtf8(bytes) : QString::fromLatin1(bytes);
        return value;
    }

    Literal parseInteger()
    {
        bool negative = false;
        if (peek() == '-' || peek() == '+') {
            negative = peek() == '-';
            ++m_pos;
            skipSpace();
        }
        if (!(peek() >= '0' && peek() <= '9'))
            fail(QStringLiteral("expected a digit, found %1").arg(describeHere()));
        Literal value;
        value.type = Literal::Type::Integer;
        // Accumulate as a negative number so that int64's minimum is representable.
        std::int64_t magnitude = 0;
        while (peek() >= '0' && peek() <= '9') {
            const int digit = m_text[m_pos++] - '0';
            if (__builtin_mul_overflow(magnitude, 10, &magnitude) ||
                __builtin_sub_overflow(magnitude, digit, &magnitude))
                value.integerTooLarge = true;
        }
        // Python 2's long suffix, which numpy's own reader still filters out of old headers.
        if (peek() == 'L' || peek() == 'l')
            ++m_pos;
        const char next = peek();
        if (next == '.' || next == 'e' || next == 'E' || next == 'x' || next == 'X' ||
            next == '_' || next == 'j' || next == 'J' || (next >= 'A' && next <= 'Z') ||
            (next >= 'a' && next <= 'z'))
            fail(QStringLiteral("only decimal integers are supported as numbers"));
        if (!negative) {
            if (magnitude == std::numeric_limits<std::int64_t>::min())
                value.integerTooLarge = true;
            else
                magnitude = -magnitude;
        }
        value.integer = value.integerTooLarge ? 0 : magnitude;
        return value;
    }

    Literal parseName()
    {
        const qsizetype start = m_pos;
        while ((peek() >= 'A' && peek() <= 'Z') || (peek() >= 'a' && peek() <= 'z') ||
               (peek() >= '0' && peek() <= '9') || peek() == '_')
            ++m_pos;
        const QByteArray name = m_text.mid(start, m_pos - start);
        Literal value;
        if (name == "True" || name == "False") {
            value.type = Literal::Type::Bool;
            value.boolean = name == "True";
        } else if (name == "None") {
            value.type = Literal::Type::None;
        } else {
            m_pos = start;
            fail(QStringLiteral("'%1' is not a literal (only True, False and None are)")
                     .arg(QString::fromLatin1(name.left(40))));
        }
        return value;
    }

    const QByteArray& m_text;
    bool m_utf8;
    QString m_where;
    qsizetype m_pos = 0;
};

struct TypeCode
{
    char kind;
    int size;
};

// The dtype of a type string such as "<f4", "|b1", ">u8" or "|O". Type strings other than
// the simple ones name data that is not a tensor of numbers: they are described, not refused,
// so that the listing can say why such an array cannot be masked.
Dtype parseTypeString(const QString& text, const QString& where)
{
    const QByteArray bytes = text.toLatin1();
    const auto invalid = [&]() {
        refuse(where, QStringLiteral("'descr' %1 is not a NumPy type string such as '<f4'")
                          .arg(QLatin1Char('\'') + text.left(40) + QLatin1Char('\'')));
    };
    if (bytes.isEmpty() || text.size() > 64)
        invalid();
    Dtype dtype;
    qsizetype pos = 0;
    char order = '=';
    if (bytes[0] == '<' || bytes[0] == '>' || bytes[0] == '|' || bytes[0] == '=') {
        order = bytes[0];
        pos = 1;
    }
    // This machine is little-endian (as every platform the project builds for): '=' and '|'
    // are its order.
    dtype.bigEndian = order == '>';
    if (pos >= bytes.size())
        invalid();
    const char kind = bytes[pos++];
    // Datetimes carry a unit in brackets: "<M8[ns]".
    const qsizetype bracket = bytes.indexOf('[', pos);
    const QByteArray digits = bytes.mid(pos, bracket < 0 ? -1 : bracket - pos);
    int size = 0;
    for (const char c : digits) {
        if (c < '0' || c > '9' || size > 100000)
            invalid();
        size = size * 10 + (c - '0');
    }
    if (bracket >= 0 && (kind != 'M' && kind != 'm'))
        invalid();
    if (digits.isEmpty() && kind != 'O')
        invalid();
    dtype.size = size;
    const QString bits = QString::number(size * 8);
    switch (kind) {
    case 'f':
        if (size == 2 || size == 4 || size == 8) {
            dtype.kind = Kind::Float;
            dtype.name = QStringLiteral("float") + bits;
        } else if (size == 12 || size == 16) {
            dtype.name = QStringLiteral("float") + bits + QStringLiteral(" (long double)");
        } else {
            invalid();
        }
        break;
    case 'i':
    case 'u':
        if (size != 1 && size != 2 && size != 4 && size != 8)
            invalid();
        dtype.kind = kind == 'i' ? Kind::SignedInteger : Kind::UnsignedInteger;
        dtype.name = (kind == 'i' ? QStringLiteral("int") : QStringLiteral("uint")) + bits;
        break;
    case 'b':
        if (size != 1)
            invalid();
        dtype.kind = Kind::Bool;
        dtype.name = QStringLiteral("bool");
        break;
    case 'c':
        if (size != 8 && size != 16 && size != 24 && size != 32)
            invalid();
        dtype.name = QStringLiteral("complex") + bits;
        break;
    case 'O':
        if (size != 0 && size != 4 && size != 8)
            invalid();
        dtype.size = 0;
        dtype.name = QStringLiteral("object");
        break;
    case 'S':
    case 'a':
        dtype.name = QStringLiteral("bytes string");
        break;
    case 'U':
        // The count is of characters, each stored as 4 bytes of UTF-32.
        dtype.size = size * 4;
        dtype.name = QStringLiteral("unicode string");
        break;
    case 'V':
        dtype.name = QStringLiteral("void (raw bytes)");
        break;
    case 'M':
    case 'm':
        if (size != 8)
            invalid();
        dtype.name = kind == 'M' ? QStringLiteral("datetime64") : QStringLiteral("timedelta64");
        break;
    default:
        invalid();
    }
    if (dtype.kind == Kind::Unsupported)
        dtype.bigEndian = false;
    return dtype;
}

Dtype parseDescr(const Literal& descr, const QString& where)
{
    switch (descr.type) {
    case Literal::Type::String:
        return parseTypeString(descr.text, where);
    case Literal::Type::List: {
        // numpy writes a structured dtype as a list of (name, type[, shape]) fields.
        Dtype dtype;
        dtype.name = QStringLiteral("structured");
        return dtype;
    }
    case Literal::Type::Tuple: {
        Dtype dtype;
        dtype.name = QStringLiteral("sub-array");
        return dtype;
    }
    default:
        refuse(where, QStringLiteral("'descr' is %1, not a type string").arg(typeText(descr.type)));
    }
}

std::vector<std::int64_t> parseShape(const Literal& shape, const QString& where)
{
    if (shape.type != Literal::Type::Tuple)
        refuse(where,
               QStringLiteral("'shape' is %1, not a tuple of integers").arg(typeText(shape.type)));
    std::vector<std::int64_t> extents;
    for (const Literal& item : shape.items) {
        if (item.type != Literal::Type::Integer)
            refuse(where,
                   QStringLiteral("'shape' holds %1, not only integers").arg(typeText(item.type)));
        if (item.integerTooLarge || item.integer < 0)
            refuse(where, QStringLiteral("'shape' holds the dimension %1, which is %2")
                              .arg(item.integerTooLarge ? QStringLiteral("(too large)")
                                                        : QString::number(item.integer),
                                   item.integerTooLarge ? QStringLiteral("beyond 64 bits")
                                                        : QStringLiteral("negative")));
        extents.push_back(item.integer);
    }
    return extents;
}

std::uint32_t littleEndian(const char* bytes, int count)
{
    std::uint32_t value = 0;
    for (int i = count - 1; i >= 0; --i)
        value = (value << 8) | static_cast<unsigned char>(bytes[i]);
    return value;
}

} // namespace

std::int64_t Header::dataBytes() const
{
    if (dtype.size <= 0)
        return -1;
    std::int64_t bytes = dtype.size;
    for (const std::int64_t extent : shape) {
        if (__builtin_mul_overflow(bytes, extent, &bytes))
            return -1;
    }
    return bytes;
}

bool hasMagic(const char* bytes, std::int64_t size)
{
    return size >= magicBytes && std::memcmp(bytes, magic, magicBytes) == 0;
}

std::int64_t headerEnd(const char* bytes, std::int64_t size, const QString& where)
{
    if (!hasMagic(bytes, size))
        refuse(where, QStringLiteral("not a NumPy .npy array: it does not start with the magic "
                                     "string \\x93NUMPY"));
    if (size < 10)
        refuse(where, QStringLiteral("the .npy preamble is cut short (truncated file?)"));
    const int major = static_cast<unsigned char>(bytes[6]);
    const int minor = static_cast<unsigned char>(bytes[7]);
    if ((major != 1 && major != 2 && major != 3) || minor != 0)
        refuse(where, QStringLiteral(".npy format version %1.%2 is not supported (only 1.0, 2.0 "
                                     "and 3.0 exist)")
                          .arg(major)
                          .arg(minor));
    const int lengthBytes = major == 1 ? 2 : 4;
    if (size < 8 + lengthBytes)
        refuse(where, QStringLiteral("the .npy preamble is cut short (truncated file?)"));
    const std::int64_t length = littleEndian(bytes + 8, lengthBytes);
    if (length > maxHeaderBytes)
        refuse(where, QStringLiteral("the .npy header says it is %1 bytes long; more than %2 bytes "
                                     "is refused (numpy writes about 128: the file is damaged or "
                                     "not made by numpy)")
                          .arg(length)
                          .arg(maxHeaderBytes));
    return 8 + lengthBytes + length;
}

Header parseHeader(const char* bytes, std::int64_t size, const QString& where)
{
    const std::int64_t end = headerEnd(bytes, size, where);
    if (size < end)
        refuse(where, QStringLiteral("the .npy header is cut short: it is %1 bytes long, only %2 "
                                     "are there (truncated file?)")
                          .arg(end)
                          .arg(size));
    const int major = static_cast<unsigned char>(bytes[6]);
    const std::int64_t textStart = major == 1 ? 10 : 12;
    // Versions 1.0 and 2.0 are Latin-1, 3.0 is UTF-8 (numpy.lib.format).
    Header header = parseHeaderText(
        QByteArray(bytes + textStart, static_cast<qsizetype>(end - textStart)), major == 3, where);
    header.dataOffset = end;
    return header;
}

Header parseHeaderText(const QByteArray& text, bool utf8, const QString& where)
{
    const Literal document = LiteralParser(text, utf8, where).parseDocument();
    if (document.type != Literal::Type::Dict)
        refuse(where,
               QStringLiteral("the .npy header is %1, not a dict").arg(typeText(document.type)));
    const Literal* descr = nullptr;
    const Literal* fortranOrder = nullptr;
    const Literal* shape = nullptr;
    for (std::size_t i = 0; i + 1 < document.items.size(); i += 2) {
        const Literal& key = document.items[i];
        if (key.type != Literal::Type::String)
            refuse(where, QStringLiteral("the .npy header has %1 as a key; its keys are 'descr', "
                                         "'fortran_order' and 'shape'")
                              .arg(typeText(key.type)));
        const Literal** slot = key.text == QLatin1String("descr")           ? &descr
                               : key.text == QLatin1String("fortran_order") ? &fortranOrder
                               : key.text == QLatin1String("shape")         ? &shape
                                                                            : nullptr;
        if (slot == nullptr)
            refuse(where, QStringLiteral("the .npy header has the unknown key '%1'; its keys are "
                                         "'descr', 'fortran_order' and 'shape'")
                              .arg(key.text.left(40)));
        if (*slot != nullptr)
            refuse(where, QStringLiteral("the .npy header has the key '%1' twice").arg(key.text));
        *slot = &document.items[i + 1];
    }
    QStringList missing;
    if (descr == nullptr)
        missing << QStringLiteral("'descr'");
    if (fortranOrder == nullptr)
        missing << QStringLiteral("'fortran_order'");
    if (shape == nullptr)
        missing << QStringLiteral("'shape'");
    if (!missing.isEmpty())
        refuse(where,
               QStringLiteral("the .npy header lacks %1").arg(missing.join(QStringLiteral(", "))));
    if (fortranOrder->type != Literal::Type::Bool)
        refuse(where, QStringLiteral("'fortran_order' is %1, not True or False")
                          .arg(typeText(fortranOrder->type)));

    Header header;
    header.dtype = parseDescr(*descr, where);
    header.fortranOrder = fortranOrder->boolean;
    header.shape = parseShape(*shape, where);
    return header;
}

} // namespace sparsity::core::npy
