#include "platform/resolver.hpp"

#include <netdb.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>
#include <utility>

#include "platform/socket_address.hpp"

namespace dsmip::platform {

// What a worker and the loop share: finished answers by generation, and the eventfd. Kept
// alive by the workers after the Resolver is gone.
struct Resolver::Shared {
  UniqueFd event;
  std::mutex mutex;
  std::vector<std::pair<std::uint64_t, Result<ResolvedHost>>> done;
};

namespace {

Result<ResolvedHost> lookUp(const std::string& name) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;  // one entry per address, not one per socket type
  addrinfo* list = nullptr;
  const int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &list);
  if (rc != 0) {
    const std::string reason = std::string("resolving '") + name + "': " + ::gai_strerror(rc);
    if (rc == EAI_NONAME || rc == EAI_NODATA) return makeError(ErrorCode::NotFound, reason);
    return makeError(ErrorCode::SystemError, reason);
  }
  ResolvedHost host;
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_addr == nullptr || ai->ai_addrlen > sizeof(sockaddr_storage)) continue;
    sockaddr_storage storage{};
    std::memcpy(&storage, ai->ai_addr, ai->ai_addrlen);
    auto endpoint = fromSocketAddress(storage, ai->ai_addrlen);
    if (!endpoint) continue;
    if (const auto* v6 = std::get_if<Ipv6Endpoint>(&*endpoint)) {
      if (std::find(host.ipv6.begin(), host.ipv6.end(), v6->address) == host.ipv6.end()) {
        host.ipv6.push_back(v6->address);
      }
    } else if (const auto* v4 = std::get_if<Ipv4Endpoint>(&*endpoint)) {
      if (std::find(host.ipv4.begin(), host.ipv4.end(), v4->address) == host.ipv4.end()) {
        host.ipv4.push_back(v4->address);
      }
    }
  }
  ::freeaddrinfo(list);
  return host;
}

}  // namespace

Result<std::unique_ptr<Resolver>> Resolver::create(EventLoop& loop) {
  auto shared = std::make_shared<Shared>();
  shared->event = UniqueFd{::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};
  if (!shared->event) return osError("eventfd", errno);
  std::unique_ptr<Resolver> resolver(new Resolver(loop, shared));
  Resolver* self = resolver.get();
  auto watch = FdWatch::create(loop, shared->event.get(), Interest::Read,
                               [self](IoEvents) { self->onReadable(); });
  if (!watch) return Unexpected{watch.error()};
  resolver->watch_ = std::move(*watch);
  return resolver;
}

Resolver::Resolver(EventLoop& loop, std::shared_ptr<Shared> shared)
    : loop_(loop), shared_(std::move(shared)), timeout_(loop, [this](TimePoint) {
        finish(osError("resolving the home agent's name", ETIMEDOUT, "no answer in time"));
      }) {}

Resolver::~Resolver() { watch_.reset(); }

void Resolver::resolve(std::string name, Duration timeout, Callback callback) {
  const std::uint64_t generation = ++generation_;
  callback_ = std::move(callback);
  timeout_.armAfter(timeout);
  std::thread([shared = shared_, name = std::move(name), generation] {
    Result<ResolvedHost> answer = lookUp(name);
    {
      std::lock_guard<std::mutex> lock(shared->mutex);
      shared->done.emplace_back(generation, std::move(answer));
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(shared->event.get(), &one, sizeof(one));
  }).detach();
}

void Resolver::onReadable() {
  std::uint64_t count = 0;
  [[maybe_unused]] const ssize_t n = ::read(shared_->event.get(), &count, sizeof(count));
  std::vector<std::pair<std::uint64_t, Result<ResolvedHost>>> done;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    done.swap(shared_->done);
  }
  for (auto& [generation, answer] : done) {
    if (generation == generation_ && callback_) finish(std::move(answer));
  }
}

void Resolver::finish(Result<ResolvedHost> answer) {
  timeout_.cancel();
  Callback callback = std::move(callback_);
  callback_ = nullptr;
  ++generation_;  // a late answer of this request is dropped
  if (callback) callback(std::move(answer));
}

bool isValidHostName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  std::size_t label = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok || ++label > 63) return false;
    if (c == '-' && label == 1) return false;
  }
  return true;
}

}  // namespace dsmip::platform
