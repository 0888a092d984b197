// AF_PACKET receive sockets with classic BPF filters.
#include "platform/packet_socket.hpp"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "platform/socket_options.hpp"

namespace dsmip::platform {

namespace {

Status attachFilter(int fd, const BpfProgram& program) {
  if (program.empty() || program.size() > 0xFFFF) {
    return makeError(ErrorCode::InvalidArgument, "BPF program is empty or too long");
  }
  std::vector<sock_filter> code(program.size());
  for (std::size_t i = 0; i < program.size(); ++i) {
    code[i] = sock_filter{program[i].code, program[i].jt, program[i].jf, program[i].k};
  }
  sock_fprog fprog{};
  fprog.len = static_cast<unsigned short>(code.size());
  fprog.filter = code.data();
  if (::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) == -1) {
    return osError("setsockopt(SO_ATTACH_FILTER)", errno);
  }
  return {};
}

PacketType packetType(unsigned char t) {
  switch (t) {
    case PACKET_HOST:
      return PacketType::Host;
    case PACKET_BROADCAST:
      return PacketType::Broadcast;
    case PACKET_MULTICAST:
      return PacketType::Multicast;
    case PACKET_OTHERHOST:
      return PacketType::OtherHost;
    case PACKET_OUTGOING:
      return PacketType::Outgoing;
    default:
      return PacketType::Other;
  }
}

}  // namespace

Result<PacketSocket> PacketSocket::open(int ifindex, PacketProtocol protocol,
                                        const std::optional<BpfProgram>& filter,
                                        const PacketSocketOptions& options) {
  // Protocol 0 receives nothing until bind() names the real one, so the filter is in place
  // before the first packet can be queued.
  UniqueFd fd{::socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (!fd) return osError("socket(AF_PACKET)", errno);
  if (filter) {
    if (auto s = attachFilter(fd.get(), *filter); !s) return Unexpected{s.error()};
  }
  if (options.ignore_outgoing) {
    const int one = 1;
    if (::setsockopt(fd.get(), SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) == -1) {
      return osError("setsockopt(PACKET_IGNORE_OUTGOING)", errno);
    }
  }
  setSocketBuffers(fd.get(), options.buffer_bytes, true, false);
  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(static_cast<std::uint16_t>(protocol));
  address.sll_ifindex = ifindex;
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): sockaddr API
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == -1) {
    return osError("bind(AF_PACKET)", errno, "interface #" + std::to_string(ifindex));
  }
  return PacketSocket(std::move(fd));
}

Status PacketSocket::setFilter(const BpfProgram& program) {
  return attachFilter(fd_.get(), program);
}

Result<std::size_t> PacketSocket::receiveBatch(std::span<PacketBuffer> buffers,
                                               std::span<CapturedPacketInfo> meta,
                                               std::size_t headroom) {
  const std::size_t count = std::min({buffers.size(), meta.size(), MessageBatch::kMaxBatch});
  for (std::size_t i = 0; i < count; ++i) batch_->prepareReceive(i, buffers[i], headroom);
  auto received = batch_->receive(fd_.get(), count, "recvmmsg(AF_PACKET)");
  if (!received) return received;
  for (std::size_t i = 0; i < *received; ++i) {
    [[maybe_unused]] const bool fits = buffers[i].resize(batch_->length(i));
    CapturedPacketInfo& m = meta[i];
    m = CapturedPacketInfo{};
    m.truncated = batch_->truncated(i);
    if (batch_->peerLength(i) >= sizeof(sockaddr_ll) - sizeof(sockaddr_ll::sll_addr)) {
      sockaddr_ll from{};
      std::memcpy(&from, &batch_->peer(i), sizeof(from));
      m.ifindex = from.sll_ifindex;
      m.protocol = ntohs(from.sll_protocol);
      m.type = packetType(from.sll_pkttype);
    }
  }
  return received;
}

}  // namespace dsmip::platform
