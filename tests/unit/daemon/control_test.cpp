#include "daemon/control.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace dsmip::daemon {
namespace {

using nlohmann::json;

TEST(ControlRequestTest, ParsesJsonObjects) {
  auto r = parseControlRequest(R"({"command": "show", "limit": 3})"
                               "\n");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->command, "show");
  EXPECT_EQ(r->arguments["limit"], 3);
}

TEST(ControlRequestTest, AcceptsABareWord) {
  auto r = parseControlRequest("show\n");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->command, "show");
}

TEST(ControlRequestTest, Rejections) {
  EXPECT_FALSE(parseControlRequest("{not json").has_value());
  EXPECT_FALSE(parseControlRequest("[1,2]").has_value());
  EXPECT_FALSE(parseControlRequest(R"({"cmd": "show"})").has_value());
  EXPECT_FALSE(parseControlRequest(R"({"command": 5})").has_value());
  EXPECT_FALSE(parseControlRequest("rm -rf /").has_value());
}

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest() {
    d_.add("echo", "returns its arguments", [](const json& args) { return args; });
    d_.add("count", "needs a number", [](const json& args) {
      return json{{"n", unsignedArgument(args, "n", 5)}};
    });
    d_.add("broken", "fails",
           [](const json&) -> json { throw std::runtime_error("disk on fire"); });
  }
  json call(std::string_view request) { return json::parse(d_.handle(request)); }
  ControlDispatcher d_;
};

TEST_F(DispatcherTest, RunsTheCommand) {
  EXPECT_EQ(call(R"({"command":"echo","x":1})")["x"], 1);
  EXPECT_EQ(call("count")["n"], 5);
  EXPECT_EQ(call(R"({"command":"count","n":9})")["n"], 9);
}

TEST_F(DispatcherTest, HelpListsTheCommands) {
  json help = call("help");
  EXPECT_EQ(help["commands"]["echo"], "returns its arguments");
  EXPECT_TRUE(help["commands"].contains("help"));
}

TEST_F(DispatcherTest, ErrorsAreJson) {
  EXPECT_EQ(call("nope")["error"], "unknown command 'nope' (try \"help\")");
  EXPECT_EQ(call("{oops")["error"], "request is not valid JSON");
  EXPECT_EQ(call(R"({"command":"count","n":-1})")["error"],
            "argument \"n\" must be a non-negative integer");
  EXPECT_EQ(call("broken")["error"], "broken failed: disk on fire");
}

}  // namespace
}  // namespace dsmip::daemon
