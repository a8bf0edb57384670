#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

#include <sys/mman.h>

namespace sparsity::core {

// Allocator for the big per-layer buffers (weights, norms, masks). Buffers of 4 MiB and more
// are mapped directly, aligned to 2 MiB and marked for transparent huge pages: a 64 MiB layer
// then costs 32 page faults instead of 16384, which otherwise rival the whole mask computation.
// Elements are default-initialized (not zeroed): every buffer is written in full before use.
template <typename T> struct LargeBufferAllocator
{
    using value_type = T;
    static constexpr std::size_t hugePage = std::size_t{2} << 20;
    static constexpr std::size_t mapThreshold = std::size_t{4} << 20;

    LargeBufferAllocator() = default;
    template <typename U> LargeBufferAllocator(const LargeBufferAllocator<U>&) noexcept {}

    T* allocate(std::size_t n)
    {
        const std::size_t bytes = n * sizeof(T);
        if (n > std::size_t(-1) / sizeof(T))
            throw std::bad_alloc();
        if (bytes < mapThreshold)
            return std::allocator<T>().allocate(n);
        const std::size_t mapped = bytes + hugePage;
        void* raw = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (raw == MAP_FAILED)
            throw std::bad_alloc();
        // Keep only the 2 MiB-aligned part, so whole huge pages can back it.
        const auto start = reinterpret_cast<std::uintptr_t>(raw);
        const std::uintptr_t aligned = (start + hugePage - 1) & ~(hugePage - 1);
        const std::size_t head = aligned - start;
        const std::size_t length = (bytes + hugePage - 1) & ~(hugePage - 1);
        if (head > 0)
            munmap(raw, head);
        if (mapped - head > length)
            munmap(reinterpret_cast<void*>(aligned + length), mapped - head - length);
        madvise(reinterpret_cast<void*>(aligned), length, MADV_HUGEPAGE);
        return reinterpret_cast<T*>(aligned);
    }

    void deallocate(T* p, std::size_t n) noexcept
    {
        const std::size_t bytes = n * sizeof(T);
        if (bytes < mapThreshold) {
            std::allocator<T>().deallocate(p, n);
            return;
        }
        munmap(p, (bytes + hugePage - 1) & ~(hugePage - 1));
    }

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
