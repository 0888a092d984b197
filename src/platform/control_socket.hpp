#pragma once
// The daemons' local control channel: a Unix-domain stream socket on which each connection
// carries one request line and gets one response, after which the server closes it. The
// protocol's content (`show`, `status --json`, …) is the daemon's; this is only the transport.

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "common/time.hpp"
#include "platform/event_loop.hpp"
#include "platform/fd.hpp"

namespace dsmip::platform {

struct ControlServerOptions {
  mode_t mode = 0660;                                 // permissions of the socket file
  std::size_t max_request_bytes = 64 * 1024;          // longer requests get an error response
  Duration client_timeout = std::chrono::seconds(5);  // a connection idle this long is closed
  std::size_t max_connections = 32;                   // more are refused (closed at once)
};

/// Serves the control socket from the EventLoop. The request is the bytes up to the first
/// newline (or to the client's end of stream), without the newline; the handler's return value
/// is sent back verbatim and the connection closed.
class ControlServer {
 public:
  using Handler = std::function<std::string(std::string_view request)>;

  /// Binds `path`. A stale socket file (nobody accepting) is removed first; a live one is an
  /// error (EADDRINUSE: another instance is running), as is a non-socket file at the path.
  [[nodiscard]] static Result<std::unique_ptr<ControlServer>> create(
      EventLoop& loop, std::string path, Handler handler, const ControlServerOptions& options = {});
  /// Closes every connection and removes the socket file (if it is still ours).
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::size_t connections() const { return connections_.size(); }
  [[nodiscard]] std::uint64_t requestsServed() const { return requests_served_; }

 private:
  struct Connection {
    UniqueFd fd;
    FdWatch watch;
    Timer deadline;
    std::string input;
    std::string output;
    std::size_t written = 0;
    bool responding = false;
  };
  ControlServer(EventLoop& loop, std::string path, Handler handler, ControlServerOptions options,
                UniqueFd listener);
  void onAccept();
  void onConnection(int fd, IoEvents events);
  // Reads what is available; true when the request is complete.
  bool readRequest(Connection& c, bool& failed);
  // Writes what the socket takes; true when everything was written.
  bool writeResponse(Connection& c, bool& failed);
  void close(int fd);

  EventLoop* loop_;
  std::string path_;
  Handler handler_;
  ControlServerOptions options_;
  UniqueFd listener_;
  FdWatch listener_watch_;
  dev_t device_ = 0;  // identity of our socket file, so that we never remove another's
  ino_t inode_ = 0;
  std::map<int, std::unique_ptr<Connection>> connections_;
  std::uint64_t requests_served_ = 0;
};

/// Sends one request to the control socket at `path` and returns the whole response. Blocking,
/// bounded by `timeout`. A missing socket or nobody listening gives an error whose text asks
/// whether the daemon is running.
[[nodiscard]] Result<std::string> controlRequest(const std::string& path, std::string_view request,
                                                 Duration timeout);

}  // namespace dsmip::platform
