#include "daemon/control.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace dsmip::daemon {

Result<ControlRequest> parseControlRequest(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  ControlRequest request;
  if (!text.empty() && text.front() != '{') {
    // A bare command word.
    for (char c : text) {
      if (!((c >= 'a' && c <= 'z') || c == '-' || (c >= '0' && c <= '9'))) {
        return makeError(ErrorCode::InvalidArgument, "request is neither JSON nor a command word");
      }
    }
    request.command = std::string(text);
    request.arguments["command"] = request.command;
    return request;
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return makeError(ErrorCode::InvalidArgument, "request is not valid JSON");
  if (!j.is_object()) return makeError(ErrorCode::InvalidArgument, "request is not a JSON object");
  auto it = j.find("command");
  if (it == j.end() || !it->is_string()) {
    return makeError(ErrorCode::InvalidArgument, "request has no \"command\" string");
  }
  request.command = it->get<std::string>();
  request.arguments = std::move(j);
  return request;
}

std::string controlError(std::string_view message) {
  return nlohmann::json{{"error", std::string(message)}}.dump();
}

void ControlDispatcher::add(std::string name, std::string help, Command command) {
  commands_[std::move(name)] = Entry{std::move(help), std::move(command)};
}

std::string ControlDispatcher::handle(std::string_view text) const {
  auto request = parseControlRequest(text);
  if (!request) return controlError(request.error().detail);
  if (request->command == "help") {
    nlohmann::json list = nlohmann::json::object();
    for (const auto& [name, entry] : commands_) list[name] = entry.help;
    list["help"] = "list the commands";
    return nlohmann::json{{"commands", list}}.dump();
  }
  auto it = commands_.find(request->command);
  if (it == commands_.end()) {
    return controlError(fmt::format("unknown command '{}' (try \"help\")", request->command));
  }
  try {
    nlohmann::json result = it->second.command(request->arguments);
    return result.dump();
  } catch (const std::invalid_argument& e) {
    return controlError(e.what());
  } catch (const std::exception& e) {
    return controlError(fmt::format("{} failed: {}", request->command, e.what()));
  }
}

std::uint64_t unsignedArgument(const nlohmann::json& arguments, const char* name,
                               std::uint64_t fallback) {
  auto it = arguments.find(name);
  if (it == arguments.end() || it->is_null()) return fallback;
  if (!it->is_number_unsigned()) {
    throw std::invalid_argument(
        fmt::format("argument \"{}\" must be a non-negative integer", name));
  }
  return it->get<std::uint64_t>();
}

}  // namespace dsmip::daemon
