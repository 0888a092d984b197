#pragma once
// Socket options shared by the socket wrappers of this folder.

#include <string>

#include "common/result.hpp"

namespace dsmip::platform {

/// Sets SO_RCVBUF and/or SO_SNDBUF to `bytes`, using the FORCE variants when privileged so
/// that net.core.rmem_max/wmem_max do not cap them. Best effort: if both variants fail the
/// default stays (a small buffer costs drops under load, not correctness).
void setSocketBuffers(int fd, int bytes, bool receive = true, bool send = true);

/// SO_BINDTODEVICE: only traffic of this interface is received, and sends leave through it.
/// An empty name does nothing.
[[nodiscard]] Status bindToDevice(int fd, const std::string& device);

}  // namespace dsmip::platform
