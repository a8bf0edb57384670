#pragma once

#include "error.h"

#include <QString>
#include <optional>

namespace sparsity::ui {

// Why a background job produced no value: the core's error code when it threw core::Error
// (Cancelled when it was asked to stop), and a message for the user. A plain value; any thread.
struct JobFailure
{
    std::optional<core::ErrorCode> code; // nullopt for exceptions from outside core
    QString message;

    bool isCancelled() const { return code == core::ErrorCode::Cancelled; }
};

} // namespace sparsity::ui
