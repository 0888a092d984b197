#include "lab/system.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "common/assert.hpp"

namespace dsmip::lab {

using platform::osError;
using platform::UniqueFd;

Result<Namespace> Namespace::open(const std::string& name) {
  const std::string path = "/run/netns/" + name;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return osError("open network namespace", errno, path);
  return Namespace(name, UniqueFd(fd));
}

Result<NamespaceScope> NamespaceScope::enter(const Namespace& ns) {
  const int previous = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (previous < 0) return osError("open own network namespace", errno);
  UniqueFd previous_fd(previous);
  if (::setns(ns.fd(), CLONE_NEWNET) != 0) return osError("setns", errno, ns.name());
  return NamespaceScope(std::move(previous_fd));
}

NamespaceScope::~NamespaceScope() {
  if (!previous_) return;
  // Going on in the wrong namespace would build the lab into the host: never.
  DSMIP_CHECK(::setns(previous_.get(), CLONE_NEWNET) == 0);
}

Status writeSysctl(const Namespace& ns, const std::string& key, const std::string& value) {
  return inNamespace(ns, [&]() -> Status {
    const std::string path = "/proc/sys/" + key;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return osError("open sysctl", errno, path);
    UniqueFd owner(fd);
    const ssize_t n = ::write(fd, value.data(), value.size());
    if (n != static_cast<ssize_t>(value.size())) {
      return osError("write sysctl", n < 0 ? errno : EIO, path + " = " + value);
    }
    return {};
  });
}

namespace {

// In a child between fork and exec: the signals the lab blocked (its signalfd) and ignored
// are given back their defaults.
void resetSignals() {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD, SIGQUIT}) ::signal(sig, SIG_DFL);
}

std::vector<char*> argvPointers(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  out.reserve(argv.size() + 1);
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

int decodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

int pidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

}  // namespace

Result<CommandResult> runCommand(const std::vector<std::string>& argv, const std::string& input,
                                 Duration timeout) {
  if (argv.empty()) return makeError(ErrorCode::InvalidArgument, "empty command");
  int out_pipe[2];
  int in_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return osError("pipe", errno);
  UniqueFd out_read(out_pipe[0]);
  UniqueFd out_write(out_pipe[1]);
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) return osError("pipe", errno);
  UniqueFd in_read(in_pipe[0]);
  UniqueFd in_write(in_pipe[1]);
  auto args = argvPointers(argv);
  const pid_t pid = ::fork();
  if (pid < 0) return osError("fork", errno);
  if (pid == 0) {
    resetSignals();
    ::dup2(in_read.get(), STDIN_FILENO);
    ::dup2(out_write.get(), STDOUT_FILENO);
    ::dup2(out_write.get(), STDERR_FILENO);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  in_read.reset();
  out_write.reset();
  // Inputs are small (nft rules): written whole before reading.
  std::size_t written = 0;
  while (written < input.size()) {
    const ssize_t n = ::write(in_write.get(), input.data() + written, input.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  in_write.reset();
  CommandResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  char buffer[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{out_read.get(), POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      timed_out = r == 0;
      break;
    }
    const ssize_t n = ::read(out_read.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    result.output.append(buffer, static_cast<std::size_t>(n));
  }
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return makeError(ErrorCode::Timeout, fmt::format("'{}' did not finish in time", joined(argv)));
  }
  result.status = decodeStatus(status);
  return result;
}

Status runChecked(const std::vector<std::string>& argv, const std::string& input) {
  auto r = runCommand(argv, input);
  if (!r) return Unexpected{r.error()};
  if (r->status != 0) {
    std::string output = r->output;
    while (!output.empty() && output.back() == '\n') output.pop_back();
    return makeError(ErrorCode::SystemError,
                     fmt::format("'{}' failed (status {}): {}", joined(argv), r->status, output));
  }
  return {};
}

bool haveTool(const std::string& tool) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    const std::string candidate = dir + "/" + tool;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
  }
  return false;
}

Result<std::string> selfExecutable() {
  char buffer[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n <= 0) return osError("readlink /proc/self/exe", errno);
  return std::string(buffer, static_cast<std::size_t>(n));
}

Supervisor::Supervisor(platform::EventLoop& loop,
                       std::function<void(const std::string&, int)> on_exit)
    : loop_(loop), on_exit_(std::move(on_exit)) {}

Supervisor::~Supervisor() { stopAll(); }

Result<pid_t> Supervisor::start(const ProcessSpec& spec) {
  const pid_t parent = ::getpid();
  auto args = argvPointers(spec.argv);
  const int log_fd = ::open(spec.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return osError("open log", errno, spec.log_path);
  UniqueFd log(log_fd);
  const pid_t pid = ::fork();
  if (pid < 0) return osError("fork", errno);
  if (pid == 0) {
    ::setpgid(0, 0);
    if (spec.die_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) _exit(1);  // the lab died before the prctl
    }
    resetSignals();
    if (spec.ns != nullptr && ::setns(spec.ns->fd(), CLONE_NEWNET) != 0) _exit(126);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::dup2(log.get(), STDOUT_FILENO);
    ::dup2(log.get(), STDERR_FILENO);
    ::execv(spec.executable.c_str(), args.data());
    _exit(127);
  }
  auto child = std::make_unique<Child>();
  child->name = spec.name;
  child->pid = pid;
  const int pidfd = pidfdOpen(pid);
  if (pidfd < 0) {
    const int err = errno;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return osError("pidfd_open", err, spec.name);
  }
  child->pidfd = UniqueFd(pidfd);
  auto watch = platform::FdWatch::create(loop_, pidfd, platform::Interest::Read,
                                         [this, pid](platform::IoEvents) { onChildReadable(pid); });
  if (!watch) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return Unexpected{watch.error()};
  }
  child->watch = std::move(*watch);
  children_.push_back(std::move(child));
  return pid;
}

void Supervisor::onChildReadable(pid_t pid) {
  for (auto it = children_.begin(); it != children_.end(); ++it) {
    if ((*it)->pid != pid) continue;
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) != pid) return;
    const std::string name = (*it)->name;
    children_.erase(it);
    if (on_exit_) on_exit_(name, decodeStatus(status));
    return;
  }
}

int Supervisor::stop(pid_t pid, Duration grace) {
  for (auto it = children_.begin(); it != children_.end(); ++it) {
    if ((*it)->pid != pid) continue;
    Child& c = **it;
    c.watch.reset();
    ::kill(pid, SIGTERM);
    pollfd p{c.pidfd.get(), POLLIN, 0};
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(grace).count();
    int r = 0;
    do {
      r = ::poll(&p, 1, static_cast<int>(ms));
    } while (r < 0 && errno == EINTR);
    if (r == 0) ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    children_.erase(it);
    return decodeStatus(status);
  }
  return -1;
}

void Supervisor::stopAll() {
  while (!children_.empty()) stop(children_.back()->pid);
}

void Supervisor::release() { children_.clear(); }

bool Supervisor::running(pid_t pid) const {
  for (const auto& c : children_) {
    if (c->pid == pid) return true;
  }
  return false;
}

std::vector<pid_t> Supervisor::pids() const {
  std::vector<pid_t> out;
  for (const auto& c : children_) out.push_back(c->pid);
  return out;
}

std::string namespacePrefix(pid_t pid) { return fmt::format("dsmip-lab-{}-", pid); }

namespace {

// True if `pid` is a running `dsmip lab`.
bool labRunning(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return false;
  std::ifstream in(fmt::format("/proc/{}/cmdline", pid));
  std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return cmdline.find(std::string("lab") + '\0') != std::string::npos;
}

}  // namespace

std::map<pid_t, std::vector<std::string>> leftoverNamespaces(bool include_running) {
  std::map<pid_t, std::vector<std::string>> out;
  DIR* dir = ::opendir("/run/netns");
  if (dir == nullptr) return out;
  const std::string prefix = "dsmip-lab-";
  while (dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name.rfind(prefix, 0) != 0) continue;
    const std::size_t dash = name.find('-', prefix.size());
    if (dash == std::string::npos) continue;
    pid_t pid = 0;
    try {
      pid = static_cast<pid_t>(std::stol(name.substr(prefix.size(), dash - prefix.size())));
    } catch (const std::exception&) {
      continue;
    }
    if (!include_running && pid != ::getpid() && labRunning(pid)) continue;
    if (!include_running && pid == ::getpid()) continue;
    out[pid].push_back(name);
  }
  ::closedir(dir);
  return out;
}

std::vector<std::string> removeNamespaces(const std::vector<std::string>& names) {
  std::vector<std::string> failures;
  for (const std::string& name : names) {
    // Processes left inside (daemons of a --keep run) first: a namespace with a process in it
    // lives on after `ip netns del`.
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto pids = runCommand({"ip", "netns", "pids", name});
      if (!pids || pids->status != 0 || pids->output.empty()) break;
      std::stringstream list(pids->output);
      std::vector<pid_t> victims;
      long value = 0;
      while (list >> value) victims.push_back(static_cast<pid_t>(value));
      for (pid_t p : victims) ::kill(p, attempt == 0 ? SIGTERM : SIGKILL);
      for (int wait = 0; wait < 100; ++wait) {
        bool alive = false;
        for (pid_t p : victims) alive = alive || ::kill(p, 0) == 0;
        if (!alive) break;
        ::usleep(20000);
      }
    }
    if (Status s = runChecked({"ip", "netns", "del", name}); !s) {
      failures.push_back(s.error().detail);
    }
  }
  return failures;
}

}  // namespace dsmip::lab
