// `dsmip show`: asks a daemon for its state over its control socket.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/subcommands.hpp"
#include "daemon/ha_status.hpp"
#include "daemon/m6t_status.hpp"
#include "daemon/mip4_status.hpp"
#include "daemon/mn_status.hpp"
#include "daemon/options.hpp"
#include "daemon/runtime.hpp"
#include "platform/control_socket.hpp"

namespace dsmip::cli {

namespace {

// The one control socket under /run/dsmip, when --control is not given.
Result<std::string> findControlSocket() {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(daemon::kControlDirectory, ec)) {
    if (entry.path().extension() == ".sock") found.push_back(entry.path().string());
  }
  if (found.size() == 1) return found.front();
  if (found.empty()) {
    return makeError(ErrorCode::NotFound, std::string("no control socket in ") +
                                              daemon::kControlDirectory +
                                              " (is a daemon running? give --control PATH)");
  }
  std::string list;
  for (const auto& f : found) list += " " + f;
  return makeError(ErrorCode::InvalidArgument,
                   "several daemons are running, choose one with --control:" + list);
}

}  // namespace

Runner addShowCommand(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("show", "Print a running daemon's state (through its control socket)");
  struct Options {
    std::string control;
    bool json = false;
    std::size_t limit = 0;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--control", o->control,
                  "the daemon's control socket (default: the only one in /run/dsmip)")
      ->type_name("PATH");
  cmd->add_flag("--json", o->json, "print the daemon's JSON answer as it is");
  cmd->add_option("--limit", o->limit,
                  "list at most N gateway states or home agent bindings (0: all)")
      ->type_name("N");
  return [o] {
    std::string path = o->control;
    if (path.empty()) {
      auto found = findControlSocket();
      if (!found) {
        std::fprintf(stderr, "dsmip show: %s\n", found.error().detail.c_str());
        return daemon::kExitRuntimeError;
      }
      path = *found;
    }
    nlohmann::json request{{"command", "show"}};
    if (o->limit > 0) request["limit"] = o->limit;
    auto response = platform::controlRequest(path, request.dump() + "\n", std::chrono::seconds(10));
    if (!response) {
      std::fprintf(stderr, "dsmip show: %s: %s\n", path.c_str(),
                   response.error().toString().c_str());
      return daemon::kExitRuntimeError;
    }
    const nlohmann::json status = nlohmann::json::parse(*response, nullptr, false);
    if (status.is_discarded()) {
      std::fprintf(stderr, "dsmip show: %s: the answer is not JSON\n", path.c_str());
      return daemon::kExitRuntimeError;
    }
    if (o->json) {
      std::printf("%s\n", response->c_str());
    } else {
      if (auto mip4 = daemon::renderMip4StatusText(status)) {
        std::fputs(mip4->c_str(), stdout);
      } else {
        const std::string kind = status.value("daemon", "");
        const std::string text = kind == "ha"   ? daemon::renderHaStatusText(status)
                                 : kind == "mn" ? daemon::renderMnStatusText(status)
                                                : daemon::renderStatusText(status);
        std::fputs(text.c_str(), stdout);
      }
      // Every daemon: its reloads (SIGHUP); `--json` has the running values under "config".
      if (const auto r = status.find("reload"); r != status.end() && r->is_object()) {
        const nlohmann::json& last = (*r)["last-reload"];
        std::printf("\nreloads: %llu ok, %llu failed%s%s%s%s\n",
                    static_cast<unsigned long long>(r->value("reloads-ok", 0ULL)),
                    static_cast<unsigned long long>(r->value("reloads-failed", 0ULL)),
                    last.is_string() ? "; last at " : "",
                    last.is_string() ? last.get<std::string>().c_str() : "",
                    last.is_string() ? ": " : "",
                    last.is_string() ? (*r)["last-reload-result"].get<std::string>().c_str() : "");
      }
    }
    return status.contains("error") ? daemon::kExitRuntimeError : 0;
  };
}

}  // namespace dsmip::cli
