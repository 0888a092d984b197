// Unix-domain control socket: server on the EventLoop, blocking client.
#include "platform/control_socket.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cstring>

#include "platform/clock.hpp"

namespace dsmip::platform {

namespace {

constexpr int kListenBacklog = 16;

// Reads and discards what the peer sent and we did not read (bounded). Closing a Unix stream
// socket with unread input makes the peer's next read fail with ECONNRESET, which would hide
// the response it has not read yet.
void discardInput(int fd) {
  std::array<char, 4096> sink{};
  for (int i = 0; i < 64; ++i) {
    if (::recv(fd, sink.data(), sink.size(), MSG_DONTWAIT) <= 0) return;
  }
}

Result<sockaddr_un> unixAddress(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(address.sun_path)) {
    return makeError(ErrorCode::InvalidArgument,
                     "control socket path '" + path + "' is empty or longer than " +
                         std::to_string(sizeof(address.sun_path) - 1) + " bytes");
  }
  std::memcpy(address.sun_path, path.data(), path.size());
  return address;
}

int connectUnix(int fd, const sockaddr_un& address) {
  return retryOnEintr([&] {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): sockaddr API
    return ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  });
}

// Removes a stale socket file at `path`; errors if something alive or not a socket is there.
Status clearStaleSocket(const std::string& path, const sockaddr_un& address) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == -1) {
    if (errno == ENOENT) return {};
    return osError("control socket: lstat", errno, path);
  }
  if (!S_ISSOCK(st.st_mode)) {
    return osError("control socket", EEXIST, path + " exists and is not a socket");
  }
  UniqueFd probe{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (!probe) return osError("socket(AF_UNIX)", errno);
  if (connectUnix(probe.get(), address) == 0) {
    return osError("control socket", EADDRINUSE, path + ": another daemon is listening on it");
  }
  if (errno != ECONNREFUSED) return osError("control socket: probe", errno, path);
  if (::unlink(path.c_str()) == -1 && errno != ENOENT) {
    return osError("control socket: remove stale", errno, path);
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<ControlServer>> ControlServer::create(EventLoop& loop, std::string path,
                                                             Handler handler,
                                                             const ControlServerOptions& options) {
  auto address = unixAddress(path);
  if (!address) return Unexpected{address.error()};
  if (auto s = clearStaleSocket(path, *address); !s) return Unexpected{s.error()};

  UniqueFd listener{::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (!listener) return osError("socket(AF_UNIX)", errno);
  // The umask decides the file's mode at bind(); narrow it so that the socket is never more
  // open than asked, even for the moment before chmod(). Daemons are single-threaded.
  const mode_t old_umask = ::umask(static_cast<mode_t>(~options.mode & 0777));
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): sockaddr API
  const int bound =
      ::bind(listener.get(), reinterpret_cast<const sockaddr*>(&*address), sizeof(*address));
  const int bind_errno = errno;
  ::umask(old_umask);
  if (bound == -1) return osError("bind(control socket)", bind_errno, path);
  if (::chmod(path.c_str(), options.mode) == -1) {
    const int err = errno;
    ::unlink(path.c_str());
    return osError("chmod(control socket)", err, path);
  }
  if (::listen(listener.get(), kListenBacklog) == -1) {
    const int err = errno;
    ::unlink(path.c_str());
    return osError("listen(control socket)", err, path);
  }
  std::unique_ptr<ControlServer> server(
      new ControlServer(loop, std::move(path), std::move(handler), options, std::move(listener)));
  struct stat st {};
  if (::stat(server->path_.c_str(), &st) == 0) {
    server->device_ = st.st_dev;
    server->inode_ = st.st_ino;
  }
  ControlServer* self = server.get();
  auto watch = FdWatch::create(loop, self->listener_.get(), Interest::Read,
                               [self](IoEvents) { self->onAccept(); });
  if (!watch) return Unexpected{watch.error()};
  server->listener_watch_ = std::move(*watch);
  return server;
}

ControlServer::ControlServer(EventLoop& loop, std::string path, Handler handler,
                             ControlServerOptions options, UniqueFd listener)
    : loop_(&loop),
      path_(std::move(path)),
      handler_(std::move(handler)),
      options_(options),
      listener_(std::move(listener)) {}

ControlServer::~ControlServer() {
  connections_.clear();
  listener_watch_.reset();
  listener_.reset();
  // Remove the file only if it is still the socket we created (a newer instance may have
  // replaced it after deciding ours was stale).
  struct stat st {};
  if (inode_ != 0 && ::lstat(path_.c_str(), &st) == 0 && st.st_dev == device_ &&
      st.st_ino == inode_) {
    ::unlink(path_.c_str());
  }
}

void ControlServer::onAccept() {
  for (;;) {
    UniqueFd fd{retryOnEintr([&] {
      return ::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    })};
    if (!fd) return;  // EAGAIN, or a connection that went away before accept
    if (connections_.size() >= options_.max_connections) {
      // Refused: a short answer the client will show, then closed (best effort, nonblocking).
      static constexpr std::string_view kBusy = "error: too many control connections\n";
      discardInput(fd.get());
      [[maybe_unused]] const ssize_t n =
          ::send(fd.get(), kBusy.data(), kBusy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      continue;
    }
    const int raw = fd.get();
    auto c = std::make_unique<Connection>();
    c->fd = std::move(fd);
    auto watch = FdWatch::create(*loop_, raw, Interest::Read,
                                 [this, raw](IoEvents events) { onConnection(raw, events); });
    if (!watch) continue;
    c->watch = std::move(*watch);
    c->deadline = Timer(*loop_, [this, raw](TimePoint) { close(raw); });
    c->deadline.armAfter(options_.client_timeout);
    connections_.emplace(raw, std::move(c));
  }
}

bool ControlServer::readRequest(Connection& c, bool& failed) {
  std::array<char, 4096> chunk{};
  for (;;) {
    const ssize_t n =
        retryOnEintr([&] { return ::recv(c.fd.get(), chunk.data(), chunk.size(), 0); });
    if (n < 0) {
      if (isWouldBlock(errno)) return false;
      failed = true;
      return false;
    }
    if (n == 0) return true;  // end of stream: the request is what was sent
    c.input.append(chunk.data(), static_cast<std::size_t>(n));
    if (c.input.find('\n') != std::string::npos) return true;
    if (c.input.size() > options_.max_request_bytes) return true;
  }
}

bool ControlServer::writeResponse(Connection& c, bool& failed) {
  while (c.written < c.output.size()) {
    const ssize_t n = retryOnEintr([&] {
      return ::send(c.fd.get(), c.output.data() + c.written, c.output.size() - c.written,
                    MSG_NOSIGNAL);
    });
    if (n < 0) {
      if (isWouldBlock(errno)) return false;
      failed = true;
      return false;
    }
    c.written += static_cast<std::size_t>(n);
  }
  return true;
}

void ControlServer::onConnection(int fd, IoEvents events) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  Connection& c = *it->second;
  bool failed = false;
  if (!c.responding) {
    if (!events.readable && events.hangup) {
      close(fd);
      return;
    }
    if (!readRequest(c, failed)) {
      if (failed) close(fd);
      return;
    }
    if (c.input.size() > options_.max_request_bytes) {
      c.output =
          "error: request longer than " + std::to_string(options_.max_request_bytes) + " bytes\n";
    } else {
      std::string_view request(c.input);
      request = request.substr(0, request.find('\n'));
      if (!request.empty() && request.back() == '\r') request.remove_suffix(1);
      c.output = handler_(request);
      ++requests_served_;
    }
    c.responding = true;
    // The handler may have stopped the loop or closed connections; `c` is still ours (only
    // this function and the timer close connections, and neither ran meanwhile).
  }
  if (writeResponse(c, failed) || failed) {
    close(fd);
    return;
  }
  if (auto s = c.watch.setInterest(Interest::Write); !s) close(fd);
}

void ControlServer::close(int fd) {
  discardInput(fd);
  connections_.erase(fd);
}

// --- client -------------------------------------------------------------------------------

Result<std::string> controlRequest(const std::string& path, std::string_view request,
                                   Duration timeout) {
  auto address = unixAddress(path);
  if (!address) return Unexpected{address.error()};
  UniqueFd fd{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (!fd) return osError("socket(AF_UNIX)", errno);
  if (connectUnix(fd.get(), *address) == -1) {
    const int err = errno;
    if (err == ENOENT || err == ECONNREFUSED) {
      return osError("control socket: connect", err,
                     path + ": no daemon listening (is the daemon running?)");
    }
    return osError("control socket: connect", err, path);
  }
  if (auto s = setNonBlocking(fd.get()); !s) return Unexpected{s.error()};

  const TimePoint deadline = monotonicNow() + timeout;
  // Waits for `events`; false on timeout.
  auto wait = [&](short events) -> Result<bool> {
    for (;;) {
      const Duration left = deadline - monotonicNow();
      if (left <= Duration::zero()) return false;
      pollfd p{fd.get(), events, 0};
      const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
      const int r = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(ms, 1 << 30)));
      if (r > 0) return true;
      if (r == -1 && errno != EINTR) return osError("poll(control socket)", errno);
    }
  };

  std::string message(request);
  if (message.empty() || message.back() != '\n') message += '\n';
  std::size_t sent = 0;
  while (sent < message.size()) {
    const ssize_t n = ::send(fd.get(), message.data() + sent, message.size() - sent, MSG_NOSIGNAL);
    if (n >= 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    // The server may answer and close before taking the whole request (e.g. when it refuses
    // the connection): read what it said.
    if (errno == EPIPE || errno == ECONNRESET) break;
    if (!isWouldBlock(errno)) return osError("control socket: send", errno, path);
    auto ready = wait(POLLOUT);
    if (!ready) return Unexpected{ready.error()};
    if (!*ready)
      return makeError(ErrorCode::Timeout, "control socket " + path + ": no answer in time");
  }
  ::shutdown(fd.get(), SHUT_WR);

  std::string response;
  std::array<char, 4096> chunk{};
  for (;;) {
    const ssize_t n = ::recv(fd.get(), chunk.data(), chunk.size(), 0);
    if (n > 0) {
      response.append(chunk.data(), static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) return response;
    if (errno == EINTR) continue;
    if (errno == ECONNRESET && !response.empty()) return response;
    if (!isWouldBlock(errno)) return osError("control socket: recv", errno, path);
    auto ready = wait(POLLIN);
    if (!ready) return Unexpected{ready.error()};
    if (!*ready)
      return makeError(ErrorCode::Timeout, "control socket " + path + ": no answer in time");
  }
}

}  // namespace dsmip::platform
