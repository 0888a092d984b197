#include "lab/report.hpp"

#include <gtest/gtest.h>

#include "lab/svg.hpp"

namespace dsmip::lab {
namespace {

using std::chrono::milliseconds;

ScenarioResult result() {
  ScenarioResult r;
  r.name = "m6t";
  r.title = "m6t alone";
  r.families = {Family::Ipv6};
  HandoverResult h;
  h.attachment = 1;
  h.from = "v4pub";
  h.to = "nat-a";
  h.mechanism = "m6t";
  h.recovered = true;
  h.within_bound = true;
  h.tcp_ok = true;
  h.bound = std::chrono::seconds(3);
  h.interruption = milliseconds(115);
  h.recovery = milliseconds(120);
  h.lost = 13;
  HandoverResult initial;
  initial.initial = true;
  initial.to = "v4pub";
  initial.mechanism = "m6t";
  initial.recovered = true;
  initial.within_bound = true;
  r.handovers = {initial, h};
  AttachmentResult a;
  a.network = "v4pub";
  a.mechanism = "m6t";
  a.overhead_ipv6.to_mn = 28;
  AttachmentResult b = a;
  b.network = "nat-a";
  r.attachments = {a, b};
  r.checks = {true, true, true, true, std::nullopt};
  return r;
}

TEST(Report, FormatsDurationsAndBytes) {
  EXPECT_EQ(formatDuration(std::nullopt), "—");
  EXPECT_EQ(formatDuration(milliseconds(312)), "312 ms");
  EXPECT_EQ(formatDuration(milliseconds(1250)), "1250 ms");
  EXPECT_EQ(formatDuration(milliseconds(12500)), "12.50 s");
  EXPECT_EQ(formatDuration(std::chrono::microseconds(897)), "897 µs");
  EXPECT_EQ(formatDuration(-milliseconds(2)), "-2.00 ms");
  EXPECT_EQ(formatBytes(68), "68 B");
  EXPECT_EQ(formatBytes(38000), "38.0 kB");
  EXPECT_EQ(formatBytes(4254000), "4.25 MB");
}

TEST(Report, HandoverLineSaysWhereWhatAndHowLong) {
  const std::string line = handoverLine(result().handovers[1]);
  EXPECT_NE(line.find("v4pub → nat-a"), std::string::npos) << line;
  EXPECT_NE(line.find("115 ms"), std::string::npos) << line;
  EXPECT_NE(line.find("13 probes lost"), std::string::npos) << line;
}

TEST(Report, JsonCarriesTheChecksAndTheVerdict) {
  LabReport report;
  report.version = "1.2.3";
  report.scenarios = {result()};
  report.mechanisms = summarise(report.scenarios);
  EXPECT_TRUE(report.ok());
  const auto j = reportJson(report);
  EXPECT_EQ(j["dsmip_version"], "1.2.3");
  EXPECT_EQ(j["ok"], true);
  ASSERT_EQ(j["scenarios"].size(), 1u);
  EXPECT_EQ(j["scenarios"][0]["checks"]["no_loss_outside_handovers"], true);
  EXPECT_EQ(j["scenarios"][0]["handovers"][1]["lost"], 13);
  EXPECT_DOUBLE_EQ(j["scenarios"][0]["handovers"][1]["interruption_s"].get<double>(), 0.115);
  ASSERT_EQ(j["mechanisms"].size(), 1u);
  EXPECT_EQ(j["mechanisms"][0]["mechanism"], "m6t");
  EXPECT_EQ(j["mechanisms"][0]["handovers"], 1);
  EXPECT_EQ(j["mechanisms"][0]["overhead_bytes"]["ipv6"], 28);

  EXPECT_TRUE(j["not_available"].empty());
  report.unavailable = {{"DSMIPv4 over UDP (NAT)", "needs mip4-ha"}};
  EXPECT_EQ(reportJson(report)["not_available"][0]["mechanism"], "DSMIPv4 over UDP (NAT)");
  EXPECT_TRUE(report.ok());  // what is not shown does not fail what is
  EXPECT_NE(unavailableText(report.unavailable).find("DSMIPv4 over UDP (NAT)"), std::string::npos);
  EXPECT_EQ(unavailableText({}), "");

  report.scenarios[0].checks.no_loss_outside_handovers = false;
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(reportJson(report)["ok"], false);
  report.scenarios[0].checks.no_loss_outside_handovers = true;
  report.failure = "interrupted (SIGINT)";
  EXPECT_FALSE(report.ok());
}

TEST(Report, SummaryTableHasARowPerMechanism) {
  const auto rows = summarise({result()});
  const std::string table = summaryTable(rows);
  EXPECT_NE(table.find("\nm6t "), std::string::npos) << table;
  EXPECT_NE(table.find("115 ms"), std::string::npos) << table;
}

TEST(Svg, EscapesAndWritesOneDocument) {
  EXPECT_EQ(xmlEscape("a<b & \"c\">"), "a&lt;b &amp; &quot;c&quot;&gt;");
  ScenarioRecord record;
  record.name = "m6t";
  record.title = "m6t <alone>";
  record.started = TimePoint{} + std::chrono::seconds(1);
  record.ended = record.started + std::chrono::seconds(4);
  AttachmentRecord a;
  a.network = "v4pub";
  a.mechanism = "m6t";
  a.moved = record.started;
  a.left = record.ended;
  record.attachments = {a};
  const std::string svg = renderSvg({record}, {result()});
  EXPECT_EQ(svg.rfind("<?xml", 0) == 0 || svg.rfind("<svg", 0) == 0, true) << svg.substr(0, 40);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_EQ(svg.find("<alone>"), std::string::npos) << "unescaped text";
  EXPECT_NE(svg.find("v4pub"), std::string::npos);
}

}  // namespace
}  // namespace dsmip::lab
