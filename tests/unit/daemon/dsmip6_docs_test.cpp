// docs/dsmip6.md lists every key of `dsmip ha` (top level and [[mobile_node]]) and `dsmip mn`
// with its default, and every drop reason and signalling drop: checked against the option
// tables and the cores' name functions, so that the documentation cannot drift from the code.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "daemon/ha_config.hpp"
#include "daemon/mn_config.hpp"
#include "dsmip6/signalling.hpp"
#include "dsmip6/tunnel.hpp"
#include "test_support/environment.hpp"

namespace dsmip::daemon {
namespace {

std::string readDoc() {
  std::ifstream in(dsmip::test::sourceDir() + "/docs/dsmip6.md");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void expectEveryRowIn(const std::string& table, const std::string& doc, int min_rows) {
  std::istringstream lines(table);
  std::string line;
  int rows = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    ++rows;
    EXPECT_NE(doc.find(line), std::string::npos) << "docs/dsmip6.md lacks the row:\n" << line;
  }
  EXPECT_GT(rows, min_rows);
}

TEST(Dsmip6DocsTest, HomeAgentKeysAreDocumented) {
  HaDaemonConfig config = defaultHaConfig();
  OptionTable table("ha");
  declareHaOptions(table, config);
  expectEveryRowIn(table.markdownTable(), readDoc(), 20);
}

TEST(Dsmip6DocsTest, MobileNodePolicyKeysAreDocumented) {
  dsmip6::MobileNodePolicy policy;
  OptionTable table("ha [[mobile_node]]");
  declareMobileNodeOptions(table, policy);
  expectEveryRowIn(table.markdownTable(), readDoc(), 3);
}

TEST(Dsmip6DocsTest, MobileNodeKeysAreDocumented) {
  MnDaemonConfig config = defaultMnConfig();
  OptionTable table("mn");
  declareMnOptions(table, config);
  expectEveryRowIn(table.markdownTable(), readDoc(), 15);
}

TEST(Dsmip6DocsTest, EveryDropReasonIsDocumented) {
  const std::string doc = readDoc();
  for (std::size_t i = 1; i < dsmip6::kDropReasonCount; ++i) {
    const std::string name(dsmip6::dropReasonName(static_cast<dsmip6::DropReason>(i)));
    EXPECT_NE(doc.find("`" + name + "`"), std::string::npos) << name;
  }
  for (std::size_t i = 1; i < dsmip6::kSignallingDropCount; ++i) {
    const std::string name(dsmip6::signallingDropName(static_cast<dsmip6::SignallingDrop>(i)));
    EXPECT_NE(doc.find("`" + name + "`"), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace dsmip::daemon
