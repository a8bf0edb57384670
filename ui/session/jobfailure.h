#pragma once

#include "error.h"

#include <QString>
#include <exception>
#include <new>

namespace sparsity::ui {

// Why a background job produced nothing: a message for the user, or a cancellation.
struct JobFailure
{
    QString error; // empty when the job succeeded or was cancelled
    bool cancelled = false;
};

// Runs work on a worker thread and turns any exception into a JobFailure, so no exception
// crosses into Qt's future machinery. Returns an empty failure when work returned normally.
template <typename Work> JobFailure runCatchingFailure(Work&& work)
{
    JobFailure failure;
    try {
        work();
    } catch (const core::Error& error) {
        failure.cancelled = error.code() == core::ErrorCode::Cancelled;
        failure.error = error.message();
    } catch (const std::bad_alloc&) {
        failure.error = QStringLiteral("Out of memory.");
    } catch (const std::exception& error) {
        failure.error = QString::fromLocal8Bit(error.what());
    }
    return failure;
}

} // namespace sparsity::ui
