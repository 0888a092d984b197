#pragma once
// The lab's Linux side (not a daemon: a test harness): named network namespaces it can step
// into to open sockets there, external commands (`ip`, `nft` build the topology), the daemons
// it supervises, and the record of everything it created so that any exit — normal, Ctrl-C,
// SIGTERM, a failure — removes it again.
//
// Sockets opened while the thread is inside a namespace stay in that namespace: the lab enters
// a node's namespace only to open its sockets, then works on all of them from one event loop.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "platform/event_loop.hpp"
#include "platform/fd.hpp"

namespace dsmip::lab {

/// A named network namespace (/run/netns/NAME), held open by a descriptor.
class Namespace {
 public:
  [[nodiscard]] static Result<Namespace> open(const std::string& name);
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] int fd() const { return fd_.get(); }

 private:
  Namespace(std::string name, platform::UniqueFd fd) : name_(std::move(name)), fd_(std::move(fd)) {}
  std::string name_;
  platform::UniqueFd fd_;
};

/// Moves the calling thread into a namespace; back where it was when destroyed.
class NamespaceScope {
 public:
  [[nodiscard]] static Result<NamespaceScope> enter(const Namespace& ns);
  NamespaceScope(NamespaceScope&& other) noexcept : previous_(std::move(other.previous_)) {}
  NamespaceScope& operator=(NamespaceScope&&) = delete;
  NamespaceScope(const NamespaceScope&) = delete;
  ~NamespaceScope();

 private:
  explicit NamespaceScope(platform::UniqueFd previous) : previous_(std::move(previous)) {}
  platform::UniqueFd previous_;
};

/// Runs `f` inside `ns` and returns its result; the error of entering if that fails.
template <typename F>
auto inNamespace(const Namespace& ns, F&& f) -> decltype(f()) {
  auto scope = NamespaceScope::enter(ns);
  if (!scope) return Unexpected{scope.error()};
  return f();
}

/// Writes /proc/sys/<key> (e.g. "net/ipv4/ip_forward") inside `ns`.
[[nodiscard]] Status writeSysctl(const Namespace& ns, const std::string& key,
                                 const std::string& value);

struct CommandResult {
  int status = 0;      // exit status (128 + signal if killed)
  std::string output;  // stdout and stderr together
};

/// Runs argv[0] (looked up in PATH) with `input` on its stdin, bounded by `timeout`.
[[nodiscard]] Result<CommandResult> runCommand(const std::vector<std::string>& argv,
                                               const std::string& input = {},
                                               Duration timeout = std::chrono::seconds(10));
/// Same, and an error that quotes the command and its output unless it exited 0.
[[nodiscard]] Status runChecked(const std::vector<std::string>& argv,
                                const std::string& input = {});

/// True if `tool` is an executable in PATH.
[[nodiscard]] bool haveTool(const std::string& tool);

/// The running binary (/proc/self/exe), so that the lab starts the daemons of the very same
/// dsmip.
[[nodiscard]] Result<std::string> selfExecutable();

/// What to start.
struct ProcessSpec {
  std::string name;  // for messages ("m6t-client")
  const Namespace* ns = nullptr;
  std::string executable;
  std::vector<std::string> argv;  // argv[0] included
  std::string log_path;           // stdout and stderr
  bool die_with_parent = true;    // PR_SET_PDEATHSIG: SIGTERM when the lab dies
};

/// The daemons of the lab: started in their namespaces, in their own process group (a Ctrl-C
/// at the terminal reaches only the lab, which stops them in order), watched through pidfds,
/// stopped with SIGTERM (SIGKILL after a grace period).
class Supervisor {
 public:
  /// `on_exit(name, status)` is called from the loop when a started process exits on its own
  /// (not when stop() ended it).
  Supervisor(platform::EventLoop& loop, std::function<void(const std::string&, int)> on_exit);
  ~Supervisor();  // stops everything still running
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  [[nodiscard]] Result<pid_t> start(const ProcessSpec& spec);
  /// SIGTERM, then SIGKILL after `grace`; returns the exit status (128 + signal if killed).
  int stop(pid_t pid, Duration grace = std::chrono::seconds(5));
  /// Stops every process, the last started first.
  void stopAll();
  /// Forgets every process without stopping it (they outlive the lab: --keep).
  void release();
  [[nodiscard]] bool running(pid_t pid) const;
  [[nodiscard]] std::vector<pid_t> pids() const;

 private:
  struct Child {
    std::string name;
    pid_t pid = 0;
    platform::UniqueFd pidfd;
    platform::FdWatch watch;
  };
  void onChildReadable(pid_t pid);
  platform::EventLoop& loop_;
  std::function<void(const std::string&, int)> on_exit_;
  std::vector<std::unique_ptr<Child>> children_;
};

/// The prefix of the lab's namespaces: "dsmip-lab-<pid>-".
std::string namespacePrefix(pid_t pid);

/// Namespaces left by labs that are no longer running (killed with SIGKILL, or run with
/// --keep): their names, grouped by the lab's pid.
std::map<pid_t, std::vector<std::string>> leftoverNamespaces(bool include_running);

/// Kills every process inside each namespace and deletes it. Returns what failed (empty: all
/// removed).
std::vector<std::string> removeNamespaces(const std::vector<std::string>& names);

}  // namespace dsmip::lab
