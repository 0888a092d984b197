#pragma once
// Host name resolution (A and AAAA through getaddrinfo, so /etc/hosts and the system's DNS
// configuration apply) without blocking the event loop: each request runs getaddrinfo in a
// short-lived worker thread, and the answer is delivered by the EventLoop, in the loop's thread,
// through an eventfd. The daemon and its cores stay single-threaded; a worker that outlives its
// request (a slow DNS server after the timeout, or the daemon stopping) finishes on its own and
// its late answer is dropped.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "common/time.hpp"
#include "platform/event_loop.hpp"
#include "platform/fd.hpp"

namespace dsmip::platform {

/// The addresses a name resolved to, in the resolver's order, without duplicates.
struct ResolvedHost {
  std::vector<Ipv6Address> ipv6;
  std::vector<Ipv4Address> ipv4;
};

class Resolver {
 public:
  using Callback = std::function<void(Result<ResolvedHost> answer)>;

  [[nodiscard]] static Result<std::unique_ptr<Resolver>> create(EventLoop& loop);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  /// Resolves `name` (A and AAAA). `callback` runs in the loop's thread with the answer, or
  /// ETIMEDOUT after `timeout`, or the resolver's error (EAI_NONAME → NotFound). A new request
  /// supersedes one still running: only the newest is answered.
  void resolve(std::string name, Duration timeout, Callback callback);
  /// A request is running.
  [[nodiscard]] bool busy() const { return static_cast<bool>(callback_); }

 private:
  struct Shared;
  Resolver(EventLoop& loop, std::shared_ptr<Shared> shared);
  void onReadable();
  void finish(Result<ResolvedHost> answer);

  EventLoop& loop_;
  std::shared_ptr<Shared> shared_;
  FdWatch watch_;
  Timer timeout_;
  std::uint64_t generation_ = 0;
  Callback callback_;
};

/// True if `name` can be a host name (RFC 1123
/// letters, digits, hyphens and dots, labels of 1-63 characters, at most 253 characters).
[[nodiscard]] bool isValidHostName(std::string_view name);

}  // namespace dsmip::platform
