// nftables tables through libnftables, in a private network namespace: created with their
// rules, replaced when left over, deleted by remove() and by the destructor; errors carry
// libnftables' message.
#include "platform/nftables.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

#include "test_support/environment.hpp"
#include "test_support/netns.hpp"

namespace dsmip::platform {
namespace {

class NftablesTest : public test::NetnsTest {};

std::string listRuleset() {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen("nft list ruleset 2>&1", "r"), ::pclose);
  if (!pipe) return out;
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), pipe.get()) != nullptr) out += buffer;
  return out;
}

TEST_F(NftablesTest, TableLivesAsLongAsItsOwner) {
  DSMIP_REQUIRE_TOOL("nft");
  {
    auto table = NftTable::create(NftFamily::Ip6, "dsmip_test",
                                  "  chain output {\n    type filter hook output priority 0;\n"
                                  "    icmpv6 type parameter-problem counter drop\n  }");
    ASSERT_TRUE(table) << table.error().toString();
    EXPECT_TRUE(table->installed());
    EXPECT_EQ(table->qualifiedName(), "ip6 dsmip_test");
    const std::string ruleset = listRuleset();
    EXPECT_NE(ruleset.find("table ip6 dsmip_test"), std::string::npos) << ruleset;
    EXPECT_NE(ruleset.find("parameter-problem"), std::string::npos) << ruleset;
    // A second instance replaces the first's table instead of failing or doubling the rule.
    auto again = NftTable::create(NftFamily::Ip6, "dsmip_test",
                                  "  chain output {\n    type filter hook output priority 0;\n"
                                  "    icmpv6 type echo-request counter accept\n  }");
    ASSERT_TRUE(again) << again.error().toString();
    const std::string replaced = listRuleset();
    EXPECT_EQ(replaced.find("parameter-problem"), std::string::npos) << replaced;
    EXPECT_NE(replaced.find("echo-request"), std::string::npos) << replaced;
    ASSERT_TRUE(again->remove());
    EXPECT_FALSE(again->installed());
    EXPECT_TRUE(again->remove());  // idempotent
    EXPECT_EQ(listRuleset().find("dsmip_test"), std::string::npos);
    // `table` still believes it owns the (now deleted) table: its removal fails quietly.
  }
  auto moved_from = NftTable::create(NftFamily::Inet, "dsmip_test2", "  chain c {\n  }");
  ASSERT_TRUE(moved_from);
  {
    NftTable owner = std::move(*moved_from);
    EXPECT_FALSE(moved_from->installed());
    EXPECT_NE(listRuleset().find("table inet dsmip_test2"), std::string::npos);
  }
  EXPECT_EQ(listRuleset().find("dsmip_test2"), std::string::npos) << "the destructor deletes it";
}

TEST_F(NftablesTest, ErrorsCarryTheMessage) {
  auto bad = NftTable::create(NftFamily::Ip6, "dsmip_bad", "  chain c {\n    no such rule\n  }");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().detail.find("nftables:"), std::string::npos) << bad.error().detail;
  EXPECT_NE(bad.error().detail.find("syntax error"), std::string::npos) << bad.error().detail;
  EXPECT_EQ(listRuleset().find("dsmip_bad"), std::string::npos);
}

}  // namespace
}  // namespace dsmip::platform
