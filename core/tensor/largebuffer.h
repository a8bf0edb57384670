#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <sys/mman.h>
#include <vector>

namespace sparsity::core {

// Allocator for the big per-layer buffers (weights, norms, masks). For buffers of 4 MiB and
// more, the 2 MiB-aligned interior is marked for transparent huge pages: a 64 MiB layer then
// costs a few dozen page faults instead of 16384, which otherwise rival the whole mask
// computation. The memory itself comes from the ordinary allocator (HDF5 reads into these
// buffers, and buffers mapped by hand made HDF5 1.10's free lists crash at exit).
// Elements are default-initialized (not zeroed): every buffer is written in full before use.
template <typename T> struct LargeBufferAllocator
{
    using value_type = T;
    static constexpr std::size_t hugePage = std::size_t{2} << 20;
    static constexpr std::size_t adviseThreshold = std::size_t{4} << 20;

    LargeBufferAllocator() = default;
    template <typename U> LargeBufferAllocator(const LargeBufferAllocator<U>&) noexcept {}

    T* allocate(std::size_t n)
    {
        T* p = std::allocator<T>().allocate(n);
        const std::size_t bytes = n * sizeof(T);
        if (bytes >= adviseThreshold) {
            const auto start = reinterpret_cast<std::uintptr_t>(p);
            const std::uintptr_t first = (start + hugePage - 1) & ~(hugePage - 1);
            const std::uintptr_t last = (start + bytes) & ~(hugePage - 1);
            if (last > first)
                madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
        }
        return p;
    }

    void deallocate(T* p, std::size_t n) noexcept { std::allocator<T>().deallocate(p, n); }

    template <typename U> void construct(U* p) noexcept { ::new (static_cast<void*>(p)) U; }
    template <typename U, typename... Args> void construct(U* p, Args&&... args)
    {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }

    template <typename U> bool operator==(const LargeBufferAllocator<U>&) const noexcept
    {
        return true;
    }
};

template <typename T> using LargeVector = std::vector<T, LargeBufferAllocator<T>>;

} // namespace sparsity::core
