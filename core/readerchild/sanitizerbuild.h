#pragma once

// Whether this build runs under a sanitizer. AddressSanitizer reserves terabytes of address
// space for its shadow memory and ThreadSanitizer as much, so the reader process cannot run
// under an address-space (or data) limit there; the sanitizer trees check the parent side and
// the protocol, the Release tree the limits (tests/README.md).

namespace sparsity::core::readerchild {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool sanitizerBuild = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool sanitizerBuild = true;
#else
inline constexpr bool sanitizerBuild = false;
#endif
#else
inline constexpr bool sanitizerBuild = false;
#endif

} // namespace sparsity::core::readerchild
