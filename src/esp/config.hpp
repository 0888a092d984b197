#pragma once
// Manual keying configuration (RFC 4301 §4.5 manual SA and SPD management; RFC 6275 §5.1 and
// RFC 3776 §4.1 make manual SAs a MUST for Mobile IPv6): the configuration model and its
// validation, pure. The daemon's configuration layer maps its TOML tables onto SaConfig and
// PolicyConfig; every error names the SA or policy, the key and the reason, and never shows key
// material.
//
// Decision D7: manual keying uses aes-cbc-hmac-sha256 (or null-hmac-sha256 for debugging).
// aes-gcm-16 with a static key is refused: RFC 4106 §2 requires automated key management for
// AES-GCM, because a reused (key, nonce) pair — e.g. after a restart with the same manual key —
// breaks both confidentiality and integrity. The module itself implements AES-GCM fully; SAs made
// by a key exchange (SaParameters built directly) use it.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "esp/ipsec.hpp"
#include "esp/security_association.hpp"
#include "esp/spd.hpp"

namespace dsmip::esp {

struct LifetimeConfig {
  std::optional<std::int64_t> packets;  // absent or 0: no limit
  std::optional<std::int64_t> bytes;
  std::string time;  // parseDuration text: "3600", "1h", "30m"; empty: no limit
};

/// One manually keyed SA as written in the configuration.
struct SaConfig {
  std::string name;  // used in error messages ("sa \"bu-out\": ...")
  std::optional<std::int64_t> spi;
  std::string direction;           // "inbound" | "outbound"
  std::string mode = "transport";  // "transport" | "tunnel"
  std::string tunnel_local;        // tunnel mode: outer source for outbound, our address inbound
  std::string tunnel_remote;
  std::string suite;           // "aes-cbc-hmac-sha256" | "null-hmac-sha256" ("aes-gcm-16": refused)
  std::string encryption_key;  // hex (optional "0x", ':' and spaces ignored)
  std::string integrity_key;   // hex
  bool esn = false;
  /// Inbound anti-replay window in packets (0-4096, 0 = off). Absent: 64, the RFC 4303 §3.4.3
  /// default. RFC 4303 §3.3.3 warns that with manual keys the sender's counter must then survive
  /// restarts: the daemons persist their outbound sequence numbers (docs/ipsec.md).
  std::optional<std::int64_t> replay_window;
  LifetimeConfig soft_lifetime;
  LifetimeConfig hard_lifetime;
};

/// One SPD entry as written in the configuration.
struct PolicyConfig {
  std::string name;
  std::string local = "any";  // AddressRange::parse text
  std::string remote = "any";
  std::string protocol = "any";    // "any", "mh", "icmpv6", "icmp", "tcp", "udp", "sctp", or 0-255
  std::string local_port = "any";  // tcp/udp/sctp: "500", "1024-65535"
  std::string remote_port = "any";
  std::string local_mh_type = "any";    // mh: "bu", "ba", "5", "5-6" (types this node sends)
  std::string remote_mh_type = "any";   // mh: types this node receives
  std::string local_icmp_type = "any";  // icmpv6/icmp: "146", "mps", "128-129"
  std::string remote_icmp_type = "any";
  std::string local_icmp_code = "any";
  std::string remote_icmp_code = "any";
  std::string action;              // "protect" | "bypass" | "discard"
  std::string direction = "both";  // "both" | "outbound" | "inbound"
  std::optional<std::int64_t> outbound_spi;
  std::optional<std::int64_t> inbound_spi;
  bool enabled = true;
};

/// A validated configuration, ready to install.
struct EspConfiguration {
  std::vector<SaParameters> sas;
  std::vector<PolicyEntry> policies;
};

/// Builds one manually keyed SA (applies D7: aes-gcm-16 is refused citing RFC 4106 §2).
Result<SaParameters> buildManualSa(const SaConfig& config);
/// Builds one SPD entry.
Result<PolicyEntry> buildPolicy(const PolicyConfig& config);
/// Builds everything and checks cross-references: SPIs unique per direction, each protect entry's
/// outbound_spi names an outbound SA and inbound_spi an inbound SA, policy names unique.
Result<EspConfiguration> buildConfiguration(std::span<const SaConfig> sas,
                                            std::span<const PolicyConfig> policies);
/// Installs a configuration into an empty module (SAs start their lifetimes at `now`).
Status install(const EspConfiguration& config, Ipsec& ipsec, TimePoint now);

/// MH type names accepted in selectors (IANA "Mobility Header Types": brr 0, hoti 1, coti 2,
/// hot 3, cot 4, bu 5, ba 6, be 7) and ICMPv6 names (echo-request 128, echo-reply 129,
/// haad-request 144, haad-reply 145, mps 146, mpa 147). Numbers are always accepted.
std::optional<std::uint8_t> parseMessageTypeName(std::string_view protocol, std::string_view name);

}  // namespace dsmip::esp
