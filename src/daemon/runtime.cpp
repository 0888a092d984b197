#include "daemon/runtime.hpp"

#include <csignal>
#include <filesystem>

#include <fmt/format.h>

#include "common/log.hpp"
#include "daemon/options.hpp"

namespace dsmip::daemon {

std::string defaultControlPath(std::string_view daemon_name) {
  return fmt::format("{}/{}.sock", kControlDirectory, daemon_name);
}

Result<std::unique_ptr<DaemonRuntime>> DaemonRuntime::create(std::string name) {
  auto loop = platform::EventLoop::create();
  if (!loop) return Unexpected{loop.error()};
  auto netlink = platform::Netlink::open();
  if (!netlink) return Unexpected{netlink.error()};
  std::unique_ptr<DaemonRuntime> runtime(
      new DaemonRuntime(std::move(name), std::move(*loop), std::move(*netlink)));
  DaemonRuntime* self = runtime.get();
  for (int signal : {SIGTERM, SIGINT}) {
    Status s = self->loop_->watchSignal(signal, [self](int sig) {
      log::info("{} received: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
      self->loop_->stop();
    });
    if (!s) return Unexpected{s.error()};
  }
  Status s = self->loop_->watchSignal(SIGHUP, [self](int) {
    if (self->reload_) {
      log::info("SIGHUP received: reloading");
      self->reload_();
    } else {
      log::info(
          "SIGHUP received: {} has nothing to reload (restart it to change its "
          "configuration)",
          self->name_);
    }
  });
  if (!s) return Unexpected{s.error()};
  return runtime;
}

DaemonRuntime::DaemonRuntime(std::string name, std::unique_ptr<platform::EventLoop> loop,
                             platform::Netlink netlink)
    : name_(std::move(name)),
      loop_(std::move(loop)),
      netlink_(std::move(netlink)),
      installed_(std::make_unique<platform::InstalledState>(netlink_)) {}

DaemonRuntime::~DaemonRuntime() {
  control_.reset();
  installed_.reset();  // undoes anything left (errors ignored)
}

Status DaemonRuntime::serveControl(const std::string& path,
                                   platform::ControlServer::Handler handler) {
  std::error_code ec;
  const std::filesystem::path directory = std::filesystem::path(path).parent_path();
  if (!directory.empty()) std::filesystem::create_directories(directory, ec);
  auto server = platform::ControlServer::create(*loop_, path, std::move(handler));
  if (!server) return Unexpected{server.error()};
  control_ = std::move(*server);
  return {};
}

int DaemonRuntime::run() {
  int code = 0;
  if (Status s = loop_->run(); !s) {
    log::error("event loop failed: {}", s.error().toString());
    code = kExitRuntimeError;
  }
  control_.reset();
  for (auto& hook : stop_hooks_) hook();
  const std::size_t items = installed_->size();
  if (Status s = installed_->removeAll(); !s) {
    log::error("removing what {} installed failed: {}", name_, s.error().toString());
    code = kExitRuntimeError;
  } else {
    log::info("stopped; removed {} installed item{}", items, items == 1 ? "" : "s");
  }
  return code;
}

DeadlineTimer::DeadlineTimer(platform::EventLoop& loop, std::function<void(TimePoint now)> on_due)
    : timer_(loop, [this, on_due = std::move(on_due)](TimePoint now) {
        armed_.reset();
        on_due(now);
      }) {}

void DeadlineTimer::follow(std::optional<TimePoint> deadline) {
  // Nothing due, or due no earlier than what is armed: leave the timer as it is.
  if (!deadline || (armed_ && *armed_ <= *deadline)) return;
  armed_ = deadline;
  timer_.arm(*deadline);
}

}  // namespace dsmip::daemon
