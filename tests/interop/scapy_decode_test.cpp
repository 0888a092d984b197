// Oracle in the other direction: scapy (an implementation nobody here wrote) builds a Binding
// Update, Binding Acknowledgement and Binding Error (its MIP6 layers; the DSMIPv6 options, which
// it lacks, as raw option bytes) and Mobile IPv4 registration messages; our dissector must read
// them to the field values scapy's own dissection gives (tests/interop/scapy_packets.py), MH
// checksums computed by scapy included.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "common/bytes.hpp"
#include "oracle_support.hpp"
#include "test_support/environment.hpp"
#include "wire/dissect.hpp"

namespace dsmip::interop {
namespace {

constexpr std::string_view kPython = "/usr/bin/python3";

bool haveScapy() {
  int status = -1;
  runCommand(std::string(kPython) + " -c 'import scapy.layers.inet6, scapy.layers.mobileip' " +
                 ">/dev/null 2>&1",
             &status);
  return status == 0;
}

TEST(ScapyDecodeTest, OurDissectorReadsScapysMobilityPacketsAsScapyDoes) {
  DSMIP_SKIP_UNLESS(haveScapy(), "/usr/bin/python3 with scapy (python3-scapy) is not installed");
  const std::string script = test::sourceDir() + "/tests/interop/scapy_packets.py";
  int status = -1;
  const std::string output =
      runCommand(std::string(kPython) + " '" + script + "' 2>/dev/null", &status);
  ASSERT_EQ(status, 0) << output;
  const auto document = nlohmann::json::parse(output, nullptr, false);
  ASSERT_FALSE(document.is_discarded()) << output;

  std::size_t packets = 0;
  std::size_t compared = 0;
  for (const auto& packet : document.at("packets")) {
    const std::string name = packet.at("name").get<std::string>();
    SCOPED_TRACE(name);
    Bytes bytes;
    ASSERT_TRUE(fromHex(packet.at("hex").get<std::string>(), bytes));
    const wire::Dissection d = wire::dissectIpPacket(bytes, wire::DissectOptions{});
    EXPECT_TRUE(d.ok()) << d.summary();
    EXPECT_TRUE(d.warnings.empty()) << (d.warnings.empty() ? "" : d.warnings.front());
    for (const auto& [path, value] : packet.at("expect").items()) {
      EXPECT_EQ(dissectedValue(d, path), value.get<std::string>()) << path;
      ++compared;
    }
    ++packets;
  }
  // BU, BA, BE, registration request and reply, each with its fields.
  EXPECT_EQ(packets, 5u);
  EXPECT_GE(compared, 60u);
}

}  // namespace
}  // namespace dsmip::interop
