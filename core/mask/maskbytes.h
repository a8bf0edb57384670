#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace sparsity::core {

// Allocates without value-initializing: a mask buffer is written in full by the mask pass, so
// zero-filling it first would be a wasted pass over memory.
template <typename T> struct DefaultInitAllocator : std::allocator<T>
{
    template <typename U> struct rebind
    {
        using other = DefaultInitAllocator<U>;
    };
    using std::allocator<T>::allocator;
    template <typename U> void construct(U* p) noexcept { ::new (static_cast<void*>(p)) U; }
    template <typename U, typename... Args> void construct(U* p, Args&&... args)
    {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
};

// An element mask, row-major in the tensor's shape: 1 = keep, 0 = pruned.
using MaskBytes = std::vector<std::uint8_t, DefaultInitAllocator<std::uint8_t>>;

} // namespace sparsity::core
