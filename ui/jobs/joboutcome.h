#pragma once

#include "error.h"
#include "jobfailure.h"

#include <QString>
#include <exception>
#include <new>
#include <type_traits>
#include <utility>
#include <variant>

namespace sparsity::ui {

// What a background job hands back to the UI thread: its value, or the failure that stopped it
// (an error to show, or a cancellation to keep quiet about). Made by runCatching() on the
// worker, read on the UI thread; a plain value.
template <typename T> class JobOutcome
{
public:
    JobOutcome(T value)
        : m_state(std::in_place_index<0>, std::move(value))
    {}
    JobOutcome(JobFailure failure)
        : m_state(std::in_place_index<1>, std::move(failure))
    {}

    bool hasValue() const { return m_state.index() == 0; }
    explicit operator bool() const { return hasValue(); }
    T& value() { return std::get<0>(m_state); }
    const T& value() const { return std::get<0>(m_state); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    bool isCancelled() const { return !hasValue() && failure().isCancelled(); }
    // Failed for a reason other than cancellation: error() says why.
    bool isError() const { return !hasValue() && !failure().isCancelled(); }
    const JobFailure& failure() const { return std::get<1>(m_state); }
    // Empty when the job has a value.
    QString error() const { return hasValue() ? QString() : failure().message; }

private:
    std::variant<T, JobFailure> m_state;
};

// Runs work() (on a worker thread) and turns what it returns or throws into a JobOutcome, so
// no exception leaves a pool job.
template <typename Work> auto runCatching(Work&& work) -> JobOutcome<std::invoke_result_t<Work&>>
{
    try {
        return work();
    } catch (const core::Error& error) {
        return JobFailure{error.code(), error.message()};
    } catch (const std::bad_alloc&) {
        return JobFailure{core::ErrorCode::OutOfMemory, QStringLiteral("Out of memory.")};
    } catch (const std::exception& error) {
        return JobFailure{std::nullopt, QString::fromLocal8Bit(error.what())};
    }
}

} // namespace sparsity::ui
