#include "error.h"

#include <cstring>

namespace sparsity::core {

Error::Error(ErrorCode code, const QString& message)
    : std::runtime_error(message.toStdString())
    , m_code(code)
    , m_message(message)
{}

QString errnoText(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

} // namespace sparsity::core
