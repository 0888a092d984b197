// Fuzz target for the ESP module: open() and Ipsec::inbound()/inboundEsp() on arbitrary bytes
// against fixed SAs of each suite, and outbound → inbound round trips that must give back the
// packet unchanged (which reaches the parsing after decryption, where forged input cannot go).
//
// Input: first octet = selector (mode = low 3 bits, suite = next 2 bits), the rest = data.
//   mode 0: esp::open() on the data as an ESP packet (inbound SA, SPI 0x1001)
//   mode 1: Ipsec::inbound() on the data as an IP packet
//   mode 2: Ipsec::inboundEsp() on the data (ESP-in-UDP payload)
//   mode 3: the data as an upper-layer payload from the home address (protocol = data[0]),
//           outbound at the MN then inbound at the HA: must come back byte for byte
//   mode 4: the data as a whole IP packet, outbound then inbound; if protected and accepted,
//           it must come back byte for byte
// Anti-replay is off on the receiving SAs so that a valid seed verifies on every run.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "common/bytes.hpp"
#include "common/random.hpp"
#include "esp/esp.hpp"
#include "esp/ipsec.hpp"

namespace {

using namespace dsmip;
using namespace dsmip::esp;

constexpr std::uint32_t kBuSpi = 0x1001;
constexpr std::uint32_t kBaSpi = 0x1002;
constexpr std::uint32_t kUpSpi = 0x2001;
constexpr std::uint32_t kDownSpi = 0x2002;

const Ipv6Address kHoa = *Ipv6Address::parse("2001:db8:1::100");
const Ipv6Address kHa = *Ipv6Address::parse("2001:db8:1::1");
const Ipv6Address kCoa = *Ipv6Address::parse("2001:db8:77::5");

Bytes hex(const char* text) {
  Bytes b;
  if (!fromHex(text, b)) std::abort();
  return b;
}

SaParameters params(Suite suite, std::uint32_t spi, Direction direction) {
  SaParameters p;
  p.spi = spi;
  p.direction = direction;
  p.suite = suite;
  p.replay_window = 0;
  switch (suite) {
    case Suite::AesCbcHmacSha256:
      p.encryption_key = SecretBytes{hex("000102030405060708090a0b0c0d0e0f")};
      p.integrity_key =
          SecretBytes{hex("a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf")};
      break;
    case Suite::AesGcm16:
      p.encryption_key = SecretBytes{hex("303132333435363738393a3b3c3d3e3fcafebabe")};
      break;
    case Suite::NullHmacSha256:
      p.integrity_key =
          SecretBytes{hex("a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf")};
      break;
  }
  return p;
}

PolicyEntry protect(const char* name, AddressRange local, AddressRange remote,
                    std::optional<std::uint8_t> protocol, std::uint32_t out, std::uint32_t in) {
  PolicyEntry e;
  e.name = name;
  e.selector.local = std::move(local);
  e.selector.remote = std::move(remote);
  e.selector.protocol = protocol;
  e.action = PolicyAction::Protect;
  e.outbound_spi = out;
  e.inbound_spi = in;
  return e;
}

struct Node {
  SeededRandom random{1};
  Ipsec mn{random};
  Ipsec ha{random};
};

// One MN/HA pair per suite: BU/BA transport, payload tunnel, the rest bypassed.
struct Fixture {
  Fixture() {
    for (Suite s : {Suite::AesCbcHmacSha256, Suite::AesGcm16, Suite::NullHmacSha256}) {
      auto node = std::make_unique<Node>();
      auto tunnel = [&](std::uint32_t spi, Direction d, const Ipv6Address& local,
                        const Ipv6Address& remote) {
        SaParameters p = params(s, spi, d);
        p.mode = Mode::Tunnel;
        p.tunnel = TunnelEndpoints{local, remote};
        return p;
      };
      bool ok = true;
      ok = ok && node->mn.sad().add(params(s, kBuSpi, Direction::Outbound), TimePoint{});
      ok = ok && node->mn.sad().add(params(s, kBaSpi, Direction::Inbound), TimePoint{});
      ok = ok && node->mn.sad().add(tunnel(kUpSpi, Direction::Outbound, kCoa, kHa), TimePoint{});
      ok = ok && node->mn.sad().add(tunnel(kDownSpi, Direction::Inbound, kCoa, kHa), TimePoint{});
      ok = ok && node->ha.sad().add(params(s, kBuSpi, Direction::Inbound), TimePoint{});
      ok = ok && node->ha.sad().add(params(s, kBaSpi, Direction::Outbound), TimePoint{});
      ok = ok && node->ha.sad().add(tunnel(kUpSpi, Direction::Inbound, kHa, kCoa), TimePoint{});
      ok = ok && node->ha.sad().add(tunnel(kDownSpi, Direction::Outbound, kHa, kCoa), TimePoint{});
      PolicyEntry mn_bu = protect("bu-ba", AddressRange::single(kHoa), AddressRange::single(kHa),
                                  135, kBuSpi, kBaSpi);
      mn_bu.selector.local_message = MessageRange::type(5);
      mn_bu.selector.remote_message = MessageRange::type(6);
      PolicyEntry ha_bu = protect("bu-ba", AddressRange::single(kHa), AddressRange::single(kHoa),
                                  135, kBaSpi, kBuSpi);
      ha_bu.selector.local_message = MessageRange::type(6);
      ha_bu.selector.remote_message = MessageRange::type(5);
      PolicyEntry rest;
      rest.name = "rest";
      rest.action = PolicyAction::Bypass;
      ok = ok && node->mn.spd().add(mn_bu);
      ok = ok && node->mn.spd().add(protect("payload", AddressRange::single(kHoa),
                                            AddressRange::any(), std::nullopt, kUpSpi, kDownSpi));
      ok = ok && node->mn.spd().add(rest);
      ok = ok && node->ha.spd().add(ha_bu);
      ok = ok &&
           node->ha.spd().add(protect("payload", AddressRange::any(), AddressRange::single(kHoa),
                                      std::nullopt, kDownSpi, kUpSpi));
      ok = ok && node->ha.spd().add(rest);
      if (!ok) std::abort();
      auto in = SecurityAssociation::create(params(s, kBuSpi, Direction::Inbound), TimePoint{});
      if (!in) std::abort();
      bare_inbound.push_back(std::make_unique<SecurityAssociation>(std::move(*in)));
      nodes.push_back(std::move(node));
    }
  }
  std::vector<std::unique_ptr<Node>> nodes;
  std::vector<std::unique_ptr<SecurityAssociation>> bare_inbound;
};

void roundTrip(Node& node, PacketBuffer& packet, const Bytes& original) {
  const OutboundResult out = node.mn.outbound(packet, TimePoint{});
  if (out.verdict != OutboundVerdict::Protected) return;
  const InboundResult in = node.ha.inbound(packet, TimePoint{});
  // Whatever the MN protects under this mirrored policy, the HA must accept unchanged.
  if (in.verdict != InboundVerdict::Accepted) std::abort();
  if (packet.size() != original.size() ||
      std::memcmp(packet.data().data(), original.data(), original.size()) != 0) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture fixture;
  if (size == 0) return 0;
  const unsigned mode = data[0] & 0x07u;
  const std::size_t suite_index = ((data[0] >> 3) & 0x03u) % 3;
  Node& node = *fixture.nodes[suite_index];
  const ByteView input(data + 1, size - 1);
  PacketBuffer packet;
  if (input.size() > packet.capacity() - PacketBuffer::kDefaultHeadroom) return 0;
  switch (mode) {
    case 0:
      if (!packet.assign(input)) return 0;
      (void)open(*fixture.bare_inbound[suite_index], packet, 0, TimePoint{});
      break;
    case 1:
      if (!packet.assign(input)) return 0;
      (void)node.ha.inbound(packet, TimePoint{});
      break;
    case 2:
      if (!packet.assign(input)) return 0;
      (void)node.ha.inboundEsp(packet, TimePoint{});
      break;
    case 3: {
      if (input.empty() || input.size() > 60000) return 0;
      // IPv6(HoA → HA) / upper layer of protocol input[0] with the rest as its bytes.
      Bytes ip(40, 0);
      const std::size_t upper = input.size() - 1;
      ip[0] = 0x60;
      ip[4] = static_cast<std::uint8_t>(upper >> 8);
      ip[5] = static_cast<std::uint8_t>(upper);
      ip[6] = input[0];
      ip[7] = 64;
      std::memcpy(ip.data() + 8, kHoa.bytes.data(), 16);
      std::memcpy(ip.data() + 24, kHa.bytes.data(), 16);
      ip.insert(ip.end(), input.begin() + 1, input.end());
      if (!packet.assign(ip)) return 0;
      roundTrip(node, packet, ip);
      break;
    }
    default: {
      const Bytes original(input.begin(), input.end());
      if (!packet.assign(input)) return 0;
      roundTrip(node, packet, original);
      break;
    }
  }
  return 0;
}
