// Arrays of tables in daemon configuration files (`[[peer]]` sections): each table is read by
// its own OptionTable, with its own defaults, required keys and checks; errors name the table.
#include <gtest/gtest.h>

#include <memory>

#include "daemon/options.hpp"

namespace dsmip::daemon {
namespace {

using namespace std::chrono_literals;

struct Peer {
  std::optional<Ipv4Address> address;
  std::uint32_t weight = 7;
  std::vector<Ipv6Prefix> prefixes;
  Duration interval = 30s;
};

struct Config {
  std::string name = "default";
  struct Element {
    Peer peer;
    OptionTable table{"peer"};
  };
  std::vector<std::unique_ptr<Element>> peers;
  int resets = 0;
};

void declarePeer(OptionTable& t, Peer& p) {
  t.add("address", "IPV4", "the peer", &p.address, Validator<Ipv4Address>{}, Presence::Required)
      .add("weight", "N", "a weight", &p.weight, inRange<std::uint32_t>(1, 100))
      .addList("prefix", "IPV6/LEN", "prefixes", &p.prefixes)
      .add("interval", "DUR", "an interval", &p.interval)
      .addCheck([&p]() -> Status {
        if (p.weight == 13) return makeError(ErrorCode::InvalidArgument, "weight: unlucky");
        return {};
      });
}

class TableArrayTest : public ::testing::Test {
 protected:
  void declare(Presence presence) {
    TableArrayBinding b;
    b.reset = [this](std::size_t count) {
      ++c_.resets;
      c_.peers.clear();
      for (std::size_t i = 0; i < count; ++i) {
        c_.peers.push_back(std::make_unique<Config::Element>());
        declarePeer(c_.peers.back()->table, c_.peers.back()->peer);
      }
    };
    b.element = [this](std::size_t i) -> OptionTable& { return c_.peers.at(i)->table; };
    b.describe = [] {
      Config::Element scratch;
      declarePeer(scratch.table, scratch.peer);
      return scratch.table.options();
    };
    table_.add("name", "NAME", "a name", &c_.name)
        .addTableArray("peer", "one table per peer", std::move(b), presence);
  }
  Status resolve(std::string_view toml) { return table_.resolveWithToml(toml, "test.toml"); }
  Config c_;
  OptionTable table_{"test-daemon"};
};

TEST_F(TableArrayTest, EachTableIsReadWithItsOwnDefaults) {
  declare(Presence::Required);
  ASSERT_TRUE(resolve(R"(
name = "x"
[[peer]]
address = "192.0.2.1"
weight = 3
prefix = ["2001:db8::/32", "2001:db8:1::/48"]
[[peer]]
address = "192.0.2.2"
interval = "2s"
)"));
  EXPECT_EQ(c_.name, "x");
  ASSERT_EQ(c_.peers.size(), 2u);
  EXPECT_EQ(c_.peers[0]->peer.address, Ipv4Address::parse("192.0.2.1"));
  EXPECT_EQ(c_.peers[0]->peer.weight, 3u);
  EXPECT_EQ(c_.peers[0]->peer.prefixes.size(), 2u);
  EXPECT_EQ(c_.peers[0]->peer.interval, 30s);
  EXPECT_EQ(c_.peers[1]->peer.address, Ipv4Address::parse("192.0.2.2"));
  EXPECT_EQ(c_.peers[1]->peer.weight, 7u);  // its own default, not the first table's value
  EXPECT_TRUE(c_.peers[1]->peer.prefixes.empty());
  EXPECT_EQ(c_.peers[1]->peer.interval, 2s);
}

TEST_F(TableArrayTest, ErrorsNameTheTableAndTheKey) {
  declare(Presence::Required);
  Status s = resolve(
      "[[peer]]\naddress = \"192.0.2.1\"\n[[peer]]\naddress = \"192.0.2.2\"\n"
      "weight = 200\n");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().detail,
            "key 'weight' in [[peer]] #2 of test.toml: '200' must be between 1 and 100");
  s = resolve("[[peer]]\naddress = \"nope\"\n");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().detail,
            "key 'address' in [[peer]] #1 of test.toml: 'nope' is not an IPv4 address");
}

TEST_F(TableArrayTest, RequiredKeysUnknownKeysAndChecksOfATable) {
  declare(Presence::Required);
  Status s = resolve("[[peer]]\nweight = 3\n");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().detail, "[[peer]] #1 of test.toml: key 'address' is required");
  s = resolve("[[peer]]\naddress = \"192.0.2.1\"\ncolour = \"red\"\n");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().detail,
            "[[peer]] #1 of test.toml: unknown key 'colour' (its keys are: address, weight, "
            "prefix, interval)");
  s = resolve("[[peer]]\naddress = \"192.0.2.1\"\nweight = 13\n");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().detail, "key 'weight' in [[peer]] #1 of test.toml: unlucky");
}

TEST_F(TableArrayTest, RequiredArrayMustHaveATable) {
  declare(Presence::Required);
  Status s = resolve("name = \"x\"\n");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().detail, "peer: at least one [[peer]] table is required in test.toml");
  s = resolve("peer = []\n");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().detail, "key 'peer' in test.toml: at least one [[peer]] table is required");
}

TEST_F(TableArrayTest, NotAnArrayOfTablesIsAnError) {
  declare(Presence::Optional);
  Status s = resolve("peer = 5\n");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().detail,
            "key 'peer' in test.toml: must be an array of tables ([[peer]] "
            "sections)");
  s = resolve("peer = [1, 2]\n");
  EXPECT_FALSE(s);
}

TEST_F(TableArrayTest, OptionalArrayMayBeAbsentAndIsResetEachTime) {
  declare(Presence::Optional);
  ASSERT_TRUE(resolve("[[peer]]\naddress = \"192.0.2.1\"\n"));
  EXPECT_EQ(c_.peers.size(), 1u);
  ASSERT_TRUE(resolve("name = \"y\"\n"));
  EXPECT_TRUE(c_.peers.empty());
  EXPECT_EQ(c_.resets, 2);
}

TEST_F(TableArrayTest, ValueErrorsOfTheMainTableComeFirstAndNothingIsApplied) {
  declare(Presence::Required);
  // The scalar is valid, the table is not: the scalar keeps its default.
  Status s = resolve("name = \"changed\"\n[[peer]]\nweight = 3\n");
  ASSERT_FALSE(s);
  EXPECT_EQ(c_.name, "default");
}

TEST_F(TableArrayTest, DescribedForHelpAndDocumentation) {
  declare(Presence::Required);
  const auto arrays = table_.tableArrays();
  ASSERT_EQ(arrays.size(), 1u);
  EXPECT_EQ(arrays[0].name, "peer");
  EXPECT_TRUE(arrays[0].required);
  ASSERT_EQ(arrays[0].element_options.size(), 4u);
  EXPECT_EQ(arrays[0].element_options[1].name, "weight");
  EXPECT_EQ(arrays[0].element_options[1].default_text, "7");
  const std::string md = table_.markdownTable();
  EXPECT_NE(md.find("| — | `[[peer]]` (at least one) | — | restart | one table per peer |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| — | `[[peer]]` `weight` | `7` | (with the table) | a weight |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| — | `[[peer]]` `prefix` (list) | — | (with the table) | prefixes |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| — | `[[peer]]` `address` | required | (with the table) | the peer |"),
            std::string::npos)
      << md;
  // The table array is not an option: no flag, not in options().
  for (const OptionInfo& i : table_.options()) EXPECT_NE(i.name, "peer");
}

}  // namespace
}  // namespace dsmip::daemon
