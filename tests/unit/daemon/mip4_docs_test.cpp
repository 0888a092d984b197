// docs/dsmip4.md lists every flag and key of the DSMIPv4 daemons with its default, every counter
// and every drop reason of `dsmip show`: checked against the option tables and the status
// builders, so that the documentation cannot drift from the code.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "daemon/mip4_config.hpp"
#include "daemon/mip4_status.hpp"
#include "test_support/environment.hpp"

namespace dsmip::daemon {
namespace {

std::string readDoc() {
  std::ifstream in(dsmip::test::sourceDir() + "/docs/dsmip4.md");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void expectEveryRowIn(const std::string& table, const std::string& doc) {
  std::istringstream lines(table);
  std::string line;
  int rows = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    ++rows;
    EXPECT_NE(doc.find(line), std::string::npos) << "docs/dsmip4.md lacks the row:\n" << line;
  }
  EXPECT_GT(rows, 10);
}

TEST(Mip4DocsTest, HomeAgentFlagsAndMobileNodeTablesAreDocumented) {
  HomeAgentDaemonConfig config = defaultHomeAgentDaemonConfig();
  OptionTable table("mip4-ha");
  declareHomeAgentOptions(table, config);
  expectEveryRowIn(table.markdownTable(), readDoc());
}

TEST(Mip4DocsTest, MobileNodeFlagsAreDocumented) {
  MobileNodeDaemonConfig config = defaultMobileNodeDaemonConfig();
  OptionTable table("mip4-mn");
  declareMobileNodeOptions(table, config);
  expectEveryRowIn(table.markdownTable(), readDoc());
}

TEST(Mip4DocsTest, EveryCounterAndDropReasonIsDocumented) {
  const std::string doc = readDoc();
  auto expectNames = [&](const nlohmann::json& object) {
    for (const auto& [name, value] : object.items()) {
      EXPECT_NE(doc.find("`" + name + "`"), std::string::npos) << name;
    }
  };
  expectNames(homeAgentCounters(dsmip4::HomeAgentStats{}));
  expectNames(mobileNodeCounters(dsmip4::MobileNodeStats{}));
  for (std::size_t i = 0; i < dsmip4::kDropReasonCount; ++i) {
    const std::string name(dsmip4::dropReasonName(static_cast<dsmip4::DropReason>(i)));
    EXPECT_NE(doc.find("`" + name + "`"), std::string::npos) << name;
  }
  for (std::size_t i = 0; i < dsmip4::kRequestDiscardCount; ++i) {
    const std::string name(dsmip4::requestDiscardName(static_cast<dsmip4::RequestDiscard>(i)));
    EXPECT_NE(doc.find("`" + name + "`"), std::string::npos) << name;
  }
  for (std::size_t i = 0; i < dsmip4::kReplyDiscardCount; ++i) {
    const std::string name(dsmip4::replyDiscardName(static_cast<dsmip4::ReplyDiscard>(i)));
    EXPECT_NE(doc.find("`" + name + "`"), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace dsmip::daemon
