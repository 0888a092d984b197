// Host name resolution off the event loop: answers arrive in the loop's thread, a newer request
// supersedes an older one, failures and timeouts are reported, and host names are checked.
#include "platform/resolver.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "platform/clock.hpp"

namespace dsmip::platform {
namespace {

using namespace std::chrono_literals;

struct Answers {
  std::vector<Result<ResolvedHost>> results;
  std::vector<std::thread::id> threads;
};

// Runs the loop until `count` answers came or 5 s passed.
void runUntil(EventLoop& loop, const Answers& answers, std::size_t count) {
  const TimePoint give_up = monotonicNow() + 5s;
  while (answers.results.size() < count && monotonicNow() < give_up) {
    ASSERT_TRUE(loop.runOnce(50ms));
  }
}

TEST(ResolverTest, ResolvesInAWorkerAndAnswersInTheLoopThread) {
  auto loop = EventLoop::create();
  ASSERT_TRUE(loop);
  auto resolver = Resolver::create(**loop);
  ASSERT_TRUE(resolver);
  Answers answers;
  auto record = [&](Result<ResolvedHost> a) {
    answers.results.push_back(std::move(a));
    answers.threads.push_back(std::this_thread::get_id());
  };
  (*resolver)->resolve("localhost", 2s, record);
  EXPECT_TRUE((*resolver)->busy());
  runUntil(**loop, answers, 1);
  ASSERT_EQ(answers.results.size(), 1u);
  ASSERT_TRUE(answers.results[0]) << answers.results[0].error().toString();
  EXPECT_NE(std::find(answers.results[0]->ipv4.begin(), answers.results[0]->ipv4.end(),
                      *Ipv4Address::parse("127.0.0.1")),
            answers.results[0]->ipv4.end());
  EXPECT_EQ(answers.threads[0], std::this_thread::get_id());
  EXPECT_FALSE((*resolver)->busy());

  // Literals resolve to themselves, each family in its list, without duplicates.
  (*resolver)->resolve("2001:db8::7", 2s, record);
  runUntil(**loop, answers, 2);
  ASSERT_EQ(answers.results.size(), 2u);
  ASSERT_TRUE(answers.results[1]);
  EXPECT_EQ(answers.results[1]->ipv6, std::vector<Ipv6Address>{*Ipv6Address::parse("2001:db8::7")});
  EXPECT_TRUE(answers.results[1]->ipv4.empty());
}

TEST(ResolverTest, ANewRequestSupersedesTheOldOne) {
  auto loop = EventLoop::create();
  ASSERT_TRUE(loop);
  auto resolver = Resolver::create(**loop);
  ASSERT_TRUE(resolver);
  std::vector<std::string> answered;
  (*resolver)->resolve("192.0.2.1", 2s, [&](Result<ResolvedHost>) { answered.push_back("first"); });
  (*resolver)->resolve("192.0.2.2", 2s, [&](Result<ResolvedHost> a) {
    answered.push_back(a && !a->ipv4.empty() ? a->ipv4[0].toString() : "error");
  });
  const TimePoint give_up = monotonicNow() + 3s;
  while (monotonicNow() < give_up && answered.empty()) ASSERT_TRUE((*loop)->runOnce(50ms));
  // Let the first worker's late answer arrive too: it must be dropped.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE((*loop)->runOnce(20ms));
  EXPECT_EQ(answered, std::vector<std::string>{"192.0.2.2"});
}

TEST(ResolverTest, FailuresAreReported) {
  auto loop = EventLoop::create();
  ASSERT_TRUE(loop);
  auto resolver = Resolver::create(**loop);
  ASSERT_TRUE(resolver);
  Answers answers;
  // A name no resolver knows (RFC 6761 reserves .invalid); with a DNS server that does not
  // answer this is the timeout instead.
  (*resolver)->resolve("dsmip-test.invalid", 1500ms,
                       [&](Result<ResolvedHost> a) { answers.results.push_back(std::move(a)); });
  runUntil(**loop, answers, 1);
  ASSERT_EQ(answers.results.size(), 1u);
  EXPECT_FALSE(answers.results[0]);
}

TEST(ResolverTest, HostNames) {
  EXPECT_TRUE(isValidHostName("ha.example.org"));
  EXPECT_TRUE(isValidHostName("ha-1"));
  EXPECT_TRUE(isValidHostName("localhost"));
  EXPECT_FALSE(isValidHostName(""));
  EXPECT_FALSE(isValidHostName("ha..example"));
  EXPECT_FALSE(isValidHostName(".ha"));
  EXPECT_FALSE(isValidHostName("-ha"));
  EXPECT_FALSE(isValidHostName("ha example"));
  EXPECT_FALSE(isValidHostName("ha/1"));
  EXPECT_FALSE(isValidHostName(std::string(64, 'a')));
  EXPECT_TRUE(isValidHostName(std::string(63, 'a')));
}

}  // namespace
}  // namespace dsmip::platform
