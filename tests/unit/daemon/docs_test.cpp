// docs/m6t.md lists every flag of the m6t daemons with its default: checked against the option
// tables, so that the documentation cannot drift from the code.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "daemon/m6t_client_daemon.hpp"
#include "daemon/m6t_gateway_daemon.hpp"
#include "test_support/environment.hpp"

namespace dsmip::daemon {
namespace {

std::string readDoc(const std::string& relative) {
  std::ifstream in(dsmip::test::sourceDir() + "/" + relative);
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
    EXPECT_NE(doc.find(line), std::string::npos) << "docs/m6t.md lacks the row:\n" << line;
  }
  EXPECT_GT(rows, 10);
}

TEST(DocsTest, GatewayFlagsAreDocumented) {
  GatewayDaemonConfig config = defaultGatewayConfig();
  OptionTable table("m6t-gateway");
  declareGatewayOptions(table, config);
  expectEveryRowIn(table.markdownTable(), readDoc("docs/m6t.md"));
}

TEST(DocsTest, ClientFlagsAreDocumented) {
  ClientDaemonConfig config = defaultClientConfig();
  OptionTable table("m6t-client");
  declareClientOptions(table, config);
  expectEveryRowIn(table.markdownTable(), readDoc("docs/m6t.md"));
}

TEST(DocsTest, EveryDropReasonAndCounterIsDocumented) {
  const std::string doc = readDoc("docs/m6t.md");
  for (std::size_t i = 1; i < static_cast<std::size_t>(m6t::GatewayDrop::kCount); ++i) {
    const std::string name(m6t::gatewayDropName(static_cast<m6t::GatewayDrop>(i)));
    EXPECT_NE(doc.find("`" + name + "`"), std::string::npos) << name;
  }
  for (std::size_t i = 1; i < static_cast<std::size_t>(m6t::ClientDrop::kCount); ++i) {
    const std::string name(m6t::clientDropName(static_cast<m6t::ClientDrop>(i)));
    EXPECT_NE(doc.find("`" + name + "`"), std::string::npos) << name;
  }
  m6t::GatewayStats{}.forEachCounter([&](const char* name, std::uint64_t) {
    EXPECT_NE(doc.find(std::string("`") + name + "`"), std::string::npos) << name;
  });
  m6t::ClientStats{}.forEachCounter([&](const char* name, std::uint64_t) {
    EXPECT_NE(doc.find(std::string("`") + name + "`"), std::string::npos) << name;
  });
}

}  // namespace
}  // namespace dsmip::daemon
