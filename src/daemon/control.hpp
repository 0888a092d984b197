#pragma once
// The control protocol shared by the daemons: one JSON request per connection,
// {"command": "show", …arguments}, answered by one JSON object (the command's result, or
// {"error": "…"}). A bare word ("show") is accepted as {"command": "show"} for humans with
// socat. Handling is pure: a daemon builds a ControlDispatcher over its core and the platform
// layer's ControlServer calls handle(); tests call it with strings.

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.hpp"

namespace dsmip::daemon {

/// A request: the command and the whole request object (arguments beside "command").
struct ControlRequest {
  std::string command;
  nlohmann::json arguments = nlohmann::json::object();
};

/// Parses a request line. Errors: not JSON, not an object, no string "command".
[[nodiscard]] Result<ControlRequest> parseControlRequest(std::string_view text);

/// {"error": message} as text.
[[nodiscard]] std::string controlError(std::string_view message);

class ControlDispatcher {
 public:
  /// A command returns its result object, or throws std::invalid_argument for bad arguments
  /// (reported as {"error": …}).
  using Command = std::function<nlohmann::json(const nlohmann::json& arguments)>;

  /// Registers `name`. "help" is built in: it lists the commands.
  void add(std::string name, std::string help, Command command);
  /// Handles one request; never throws.
  [[nodiscard]] std::string handle(std::string_view request) const;

 private:
  struct Entry {
    std::string help;
    Command command;
  };
  std::map<std::string, Entry, std::less<>> commands_;
};

/// A non-negative integer argument, or `fallback` when absent; throws std::invalid_argument
/// naming the argument otherwise.
[[nodiscard]] std::uint64_t unsignedArgument(const nlohmann::json& arguments, const char* name,
                                             std::uint64_t fallback);

}  // namespace dsmip::daemon
