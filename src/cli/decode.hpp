#pragma once
// `dsmip decode`: reads captures (pcap / pcapng through libpcap) or packets given as hex, and
// prints each packet dissected down to the mobility messages (wire/dissect.hpp), as text or as
// one JSON object per packet (docs/decode.md).

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"
#include "wire/dissect.hpp"

namespace dsmip::cli {

/// Exit codes of `dsmip decode`.
inline constexpr int kDecodeAllDecoded = 0;
inline constexpr int kDecodeSomeFailed = 1;  // a packet did not decode, or a capture is damaged
inline constexpr int kDecodeUsageError = 2;  // bad command line: bad hex, unreadable file, ...

/// What hex packets start with (--link): "auto" tells IPv4 from IPv6 by the version nibble.
inline constexpr std::string_view kHexLinkNames[] = {"auto",     "ipv4", "ipv6",
                                                     "ethernet", "sll",  "sll2"};

struct DecodeSettings {
  std::vector<std::string> inputs;  // capture files; "-" reads hex packets from standard input
  std::vector<std::string> hex;     // --hex: one packet per element
  std::string link = "auto";        // for hex packets: one of kHexLinkNames
  bool json = false;
  bool summary_only = false;
  wire::DissectOptions dissect;
};

/// Runs the command: `in` is standard input (for "-"), `out` receives the decoded packets,
/// `err` the messages about the command line and unreadable inputs. Every input is checked
/// (hex parsed, files opened) before anything is printed. Returns kDecodeAllDecoded,
/// kDecodeSomeFailed or kDecodeUsageError.
int runDecode(const DecodeSettings& settings, std::istream& in, std::ostream& out,
              std::ostream& err);

/// One packet written as hex: pairs of hex digits, optionally led by "0x", with spaces, tabs
/// and ':' ignored. nullopt if anything else appears, the digit count is odd, or it is empty.
std::optional<Bytes> parseHexPacket(std::string_view text);

/// The link type a --link name stands for (LINKTYPE_ value); nullopt for "auto" and for names
/// not in kHexLinkNames.
std::optional<std::uint32_t> hexLinkType(std::string_view name);

}  // namespace dsmip::cli
