// Control socket: one request line, one response, over a Unix socket served by the EventLoop;
// stale-file removal, refusal when another server is live, file mode, removal at the end, and
// the client's errors. The blocking client runs on a second thread while the loop runs here.
#include "platform/control_socket.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "platform/clock.hpp"

namespace dsmip::platform {
namespace {

using std::chrono::milliseconds;

class ControlSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = EventLoop::create();
    ASSERT_TRUE(l);
    loop_ = std::move(*l);
    path_ = (std::filesystem::temp_directory_path() /
             ("dsmip-ctl-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                .string();
    std::filesystem::remove(path_);
  }
  void TearDown() override { std::filesystem::remove(path_); }

  // Runs the loop until `done` is set by the client thread (bounded).
  void runUntil(const std::atomic<bool>& done) {
    const TimePoint deadline = monotonicNow() + std::chrono::seconds(10);
    while (!done && monotonicNow() < deadline) ASSERT_TRUE(loop_->runOnce(milliseconds(5)));
    EXPECT_TRUE(done) << "client did not finish in time";
  }

  std::unique_ptr<EventLoop> loop_;
  std::string path_;
};

TEST_F(ControlSocketTest, RequestLineGetsTheHandlersResponse) {
  std::vector<std::string> requests;
  auto server = ControlServer::create(*loop_, path_, [&](std::string_view request) {
    requests.emplace_back(request);
    return "you said: " + std::string(request) + "\n";
  });
  ASSERT_TRUE(server) << server.error().toString();
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);

  std::atomic<bool> done{false};
  Result<std::string> first;
  Result<std::string> second;
  std::thread client([&] {
    first = controlRequest(path_, "show bindings", std::chrono::seconds(5));
    second = controlRequest(path_, "status --json\n", std::chrono::seconds(5));
    done = true;
  });
  runUntil(done);
  client.join();
  ASSERT_TRUE(first) << first.error().toString();
  EXPECT_EQ(*first, "you said: show bindings\n");
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, "you said: status --json\n");
  EXPECT_EQ(requests, (std::vector<std::string>{"show bindings", "status --json"}));
  EXPECT_EQ((*server)->requestsServed(), 2u);
  // Served connections are closed and forgotten.
  ASSERT_TRUE(loop_->runOnce(milliseconds(0)));
  EXPECT_EQ((*server)->connections(), 0u);
}

TEST_F(ControlSocketTest, LargeResponseIsWrittenCompletely) {
  const std::string big(3 * 1024 * 1024, 'x');  // more than a socket buffer takes at once
  auto server = ControlServer::create(*loop_, path_, [&](std::string_view) { return big; });
  ASSERT_TRUE(server);
  std::atomic<bool> done{false};
  Result<std::string> response;
  std::thread client([&] {
    response = controlRequest(path_, "dump", std::chrono::seconds(10));
    done = true;
  });
  runUntil(done);
  client.join();
  ASSERT_TRUE(response) << response.error().toString();
  EXPECT_EQ(response->size(), big.size());
}

TEST_F(ControlSocketTest, OverlongRequestGetsAnError) {
  ControlServerOptions options;
  options.max_request_bytes = 16;
  int handled = 0;
  auto server = ControlServer::create(
      *loop_, path_,
      [&](std::string_view) {
        ++handled;
        return std::string("ok\n");
      },
      options);
  ASSERT_TRUE(server);
  std::atomic<bool> done{false};
  Result<std::string> response;
  std::thread client([&] {
    response = controlRequest(path_, std::string(100, 'a'), std::chrono::seconds(5));
    done = true;
  });
  runUntil(done);
  client.join();
  ASSERT_TRUE(response) << response.error().toString();
  EXPECT_EQ(response->rfind("error: request longer than 16 bytes", 0), 0u);
  EXPECT_EQ(handled, 0);
}

TEST_F(ControlSocketTest, StaleSocketFileIsReplacedAndRemovedAtTheEnd) {
  {
    // A socket file nobody listens on, as a crashed daemon leaves it.
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path_.data(), path_.size());
    ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)),
              0);  // NOLINT
    ::close(fd);
    ASSERT_TRUE(std::filesystem::exists(path_));
  }
  auto server = ControlServer::create(*loop_, path_, [](std::string_view) { return ""; });
  ASSERT_TRUE(server) << server.error().toString();
  server->reset();
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(ControlSocketTest, LiveServerIsNotReplaced) {
  auto first = ControlServer::create(*loop_, path_, [](std::string_view) { return ""; });
  ASSERT_TRUE(first);
  auto second = ControlServer::create(*loop_, path_, [](std::string_view) { return ""; });
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().system_errno, EADDRINUSE);
  EXPECT_TRUE(std::filesystem::exists(path_)) << "the live server's socket must stay";
}

TEST_F(ControlSocketTest, NonSocketFileIsNotRemoved) {
  { std::ofstream(path_) << "not a socket"; }
  auto server = ControlServer::create(*loop_, path_, [](std::string_view) { return ""; });
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().system_errno, EEXIST);
  EXPECT_TRUE(std::filesystem::exists(path_));
}

TEST_F(ControlSocketTest, ClientExplainsAMissingDaemon) {
  auto r = controlRequest(path_, "show", std::chrono::seconds(1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().system_errno, ENOENT);
  EXPECT_NE(r.error().toString().find("is the daemon running?"), std::string::npos)
      << r.error().toString();
  auto too_long = controlRequest(std::string(200, 'p'), "show", std::chrono::seconds(1));
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, ErrorCode::InvalidArgument);
}

TEST_F(ControlSocketTest, ClientTimesOutWhenTheServerDoesNotAnswer) {
  // A listening socket nobody serves: connect succeeds (backlog), no answer ever comes.
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path_.data(), path_.size());
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0);  // NOLINT
  ASSERT_EQ(::listen(fd, 4), 0);
  auto r = controlRequest(path_, "show", milliseconds(100));
  ::close(fd);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Timeout);
}

TEST_F(ControlSocketTest, ConnectionsBeyondTheLimitAreTurnedAway) {
  ControlServerOptions options;
  options.max_connections = 1;
  auto server = ControlServer::create(
      *loop_, path_, [](std::string_view) { return "ok\n"; }, options);
  ASSERT_TRUE(server);
  // A silent client holds the only slot.
  const int idle = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path_.data(), path_.size());
  ASSERT_EQ(::connect(idle, reinterpret_cast<const sockaddr*>(&address), sizeof(address)),
            0);  // NOLINT
  const TimePoint deadline = monotonicNow() + std::chrono::seconds(5);
  while ((*server)->connections() == 0 && monotonicNow() < deadline) {
    ASSERT_TRUE(loop_->runOnce(milliseconds(5)));
  }
  ASSERT_EQ((*server)->connections(), 1u);
  std::atomic<bool> done{false};
  Result<std::string> response;
  std::thread client([&] {
    response = controlRequest(path_, "show", std::chrono::seconds(5));
    done = true;
  });
  runUntil(done);
  client.join();
  ::close(idle);
  ASSERT_TRUE(response) << response.error().toString();
  EXPECT_EQ(*response, "error: too many control connections\n");
}

TEST_F(ControlSocketTest, IdleConnectionIsClosedAfterTheClientTimeout) {
  ControlServerOptions options;
  options.client_timeout = milliseconds(20);
  auto server = ControlServer::create(
      *loop_, path_, [](std::string_view) { return "x"; }, options);
  ASSERT_TRUE(server);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path_.data(), path_.size());
  ASSERT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)),
            0);  // NOLINT
  const TimePoint deadline = monotonicNow() + std::chrono::seconds(5);
  bool accepted = false;
  while (monotonicNow() < deadline) {
    ASSERT_TRUE(loop_->runOnce(milliseconds(5)));
    if ((*server)->connections() == 1) accepted = true;
    if (accepted && (*server)->connections() == 0) break;
  }
  EXPECT_TRUE(accepted);
  EXPECT_EQ((*server)->connections(), 0u);
  char c = 0;
  EXPECT_EQ(::recv(fd, &c, 1, 0), 0) << "server closed the idle connection";
  ::close(fd);
}

}  // namespace
}  // namespace dsmip::platform
