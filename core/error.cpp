#include "error.h"

namespace sparsity::core {

Error::Error(ErrorCode code, const QString& message)
    : std::runtime_error(message.toStdString())
    , m_code(code)
    , m_message(message)
{}

} // namespace sparsity::core
