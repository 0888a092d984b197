#pragma once
// Invariant checks. DSMIP_ASSERT is compiled out in release builds; DSMIP_CHECK always aborts,
// for cases where going on would corrupt state. Never use either on network or user input.

namespace dsmip::detail {
[[noreturn]] void assertionFailed(const char* expr, const char* file, int line);
}  // namespace dsmip::detail

#define DSMIP_CHECK(expr)                                                     \
  do {                                                                        \
    if (!(expr)) ::dsmip::detail::assertionFailed(#expr, __FILE__, __LINE__); \
  } while (false)

#ifdef NDEBUG
#define DSMIP_ASSERT(expr) \
  do {                     \
  } while (false)
#else
#define DSMIP_ASSERT(expr) DSMIP_CHECK(expr)
#endif
