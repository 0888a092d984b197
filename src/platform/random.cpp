// getrandom(2).
#include "platform/random.hpp"

#include <sys/random.h>

#include <cerrno>

#include "common/assert.hpp"

namespace dsmip::platform {

void SystemRandom::fill(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      DSMIP_CHECK(errno == EINTR);
      continue;
    }
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace dsmip::platform
