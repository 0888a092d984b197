#pragma once
// The run loop every daemon shares: the EventLoop, stop on SIGTERM/SIGINT (after which every
// system change recorded in the InstalledState undo list is removed), SIGHUP (a reload hook;
// logged when a daemon has none), the control socket, and DeadlineTimer, which keeps one timer
// on a core's nextDeadline(). A daemon creates the runtime, opens its devices and sockets,
// records its system changes through installed(), registers its descriptors on loop(), and
// calls run().

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "platform/control_socket.hpp"
#include "platform/event_loop.hpp"
#include "platform/installed_state.hpp"
#include "platform/netlink.hpp"

namespace dsmip::daemon {

/// Default directory of the control sockets.
inline constexpr const char* kControlDirectory = "/run/dsmip";

/// The default control socket of a daemon: /run/dsmip/<name>.sock.
std::string defaultControlPath(std::string_view daemon_name);

class DaemonRuntime {
 public:
  /// Creates the loop and the netlink socket and installs the signal handlers.
  [[nodiscard]] static Result<std::unique_ptr<DaemonRuntime>> create(std::string name);
  ~DaemonRuntime();
  DaemonRuntime(const DaemonRuntime&) = delete;
  DaemonRuntime& operator=(const DaemonRuntime&) = delete;

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] platform::EventLoop& loop() { return *loop_; }
  [[nodiscard]] platform::Netlink& netlink() { return netlink_; }
  /// The undo list: every system change goes through it.
  [[nodiscard]] platform::InstalledState& installed() { return *installed_; }

  /// Serves the control socket at `path` (its directory is created if missing).
  [[nodiscard]] Status serveControl(const std::string& path,
                                    platform::ControlServer::Handler handler);
  /// Called on SIGHUP.
  void onReload(std::function<void()> hook) { reload_ = std::move(hook); }
  /// Called when a stop signal arrived, before the undo list runs (a core's own stop()).
  void onStop(std::function<void()> hook) { stop_hooks_.push_back(std::move(hook)); }

  /// Runs until SIGTERM or SIGINT (or requestStop()), then stops serving the control socket,
  /// runs the stop hooks and undoes every recorded system change. Returns the exit code: 0, or
  /// kExitRuntimeError if the loop or the undo failed.
  [[nodiscard]] int run();
  void requestStop() { loop_->stop(); }

 private:
  DaemonRuntime(std::string name, std::unique_ptr<platform::EventLoop> loop,
                platform::Netlink netlink);

  std::string name_;
  std::unique_ptr<platform::EventLoop> loop_;
  platform::Netlink netlink_;
  std::unique_ptr<platform::InstalledState> installed_;
  std::unique_ptr<platform::ControlServer> control_;
  std::function<void()> reload_;
  std::vector<std::function<void()>> stop_hooks_;
};

/// Keeps one timer armed no later than a core's next deadline: call
/// follow(core.nextDeadline()) after handing the core anything. It re-arms only when the
/// deadline moves earlier (or nothing is armed): a deadline that moved later (traffic pushing a
/// keep-alive back, on every packet) costs nothing; the armed timer fires early, the core finds
/// nothing due, and follow() then arms the real deadline. Cores must accept early onTimer()
/// calls (they compare times, never count calls).
class DeadlineTimer {
 public:
  DeadlineTimer(platform::EventLoop& loop, std::function<void(TimePoint now)> on_due);
  DeadlineTimer(const DeadlineTimer&) = delete;
  DeadlineTimer& operator=(const DeadlineTimer&) = delete;
  void follow(std::optional<TimePoint> deadline);
  /// When the timer fires next (possibly before the core's deadline); nullopt if disarmed.
  [[nodiscard]] std::optional<TimePoint> deadline() const { return armed_; }

 private:
  platform::Timer timer_;
  std::optional<TimePoint> armed_;
};

}  // namespace dsmip::daemon
