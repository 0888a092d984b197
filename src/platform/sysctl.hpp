#pragma once
// Kernel parameters under /proc/sys (forwarding, proxy_ndp, proxy_arp, accept_local, rp_filter,
// …). /proc/sys/net shows the network namespace of the thread that opens the file, so these
// functions act on the namespace the caller is in.

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace dsmip::platform {

/// The file of a key: "net/ipv6/conf/all/forwarding" or the sysctl(8) form
/// "net.ipv6.conf.all.forwarding" (dots are only converted when the key has no '/', so
/// interface names with dots, like VLAN "eth0.100", need the slash form).
/// Empty if the key is malformed (empty, absolute, or with an empty, "." or ".." part).
[[nodiscard]] std::string sysctlPath(std::string_view key);

/// The value, without the trailing newline. ENOENT if the key does not exist.
[[nodiscard]] Result<std::string> readSysctl(std::string_view key);
/// Writes a value. ENOENT if the key does not exist, EINVAL if the kernel rejects the value.
[[nodiscard]] Status writeSysctl(std::string_view key, std::string_view value);

/// "net/ipv4/conf/<interface>/<setting>" ("all" and "default" are interfaces here too).
[[nodiscard]] std::string ipv4ConfKey(std::string_view interface, std::string_view setting);
/// "net/ipv6/conf/<interface>/<setting>"
[[nodiscard]] std::string ipv6ConfKey(std::string_view interface, std::string_view setting);
/// "net/ipv4/neigh/<interface>/<setting>" (e.g. proxy_delay)
[[nodiscard]] std::string ipv4NeighKey(std::string_view interface, std::string_view setting);
/// "net/ipv6/neigh/<interface>/<setting>"
[[nodiscard]] std::string ipv6NeighKey(std::string_view interface, std::string_view setting);

}  // namespace dsmip::platform
