#pragma once

#include <QString>
#include <stdexcept>

namespace sparsity::core {

// What went wrong, coarse enough for a caller to decide how to react.
enum class ErrorCode
{
    InvalidParameter, // a SparsityParams value outside the contract of docs/SPEC.md
    InvalidInput,     // the file or dataset cannot be used (type, rank, size, content)
    OutputExists,     // the output file exists and the caller did not allow replacing it
    Io,               // the file system or the HDF5 library failed
    OutOfMemory,      // the data would not fit in memory; refused before allocating
    Cancelled,        // the caller asked to stop
};

// The one exception type that leaves core. The message is complete and meant for a person:
// it names the file, the dataset and the cause where they are known. Any thread may throw it.
class Error : public std::runtime_error
{
public:
    Error(ErrorCode code, const QString& message);

    ErrorCode code() const { return m_code; }
    QString message() const { return m_message; }

private:
    ErrorCode m_code;
    QString m_message;
};

// The C library's text for an errno value, for the cause part of a message.
QString errnoText(int error);

} // namespace sparsity::core
