#include "cli/decode.hpp"

#include <fmt/format.h>

#include <istream>
#include <memory>
#include <ostream>
#include <utility>

#include "cli/capture_reader.hpp"
#include "wire/dissect_render.hpp"

namespace dsmip::cli {
namespace {

// Writes one decoded frame; returns whether it decoded completely.
class FramePrinter {
 public:
  FramePrinter(const DecodeSettings& settings, std::ostream& out)
      : settings_(settings), out_(out) {}

  bool print(const wire::FrameInfo& info, const wire::Dissection& d) {
    if (settings_.json) {
      out_ << wire::renderDissectionJson(info, d);
    } else {
      out_ << wire::renderDissectionText(info, d, settings_.summary_only);
    }
    out_.flush();
    return d.ok();
  }

 private:
  const DecodeSettings& settings_;
  std::ostream& out_;
};

wire::Dissection dissectHex(const DecodeSettings& settings, ByteView packet) {
  if (const auto link = hexLinkType(settings.link)) {
    return wire::dissectFrame(*link, packet, settings.dissect);
  }
  return wire::dissectIpPacket(packet, settings.dissect);
}

std::string shorten(std::string_view text) {
  constexpr std::size_t kMax = 40;
  if (text.size() <= kMax) return std::string(text);
  return std::string(text.substr(0, kMax)) + "...";
}

}  // namespace

std::optional<Bytes> parseHexPacket(std::string_view text) {
  // Leading and trailing blanks, then an optional 0x.
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == '\n')) {
    text.remove_suffix(1);
  }
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
  }
  Bytes out;
  if (!fromHex(text, out) || out.empty()) return std::nullopt;
  return out;
}

std::optional<std::uint32_t> hexLinkType(std::string_view name) {
  if (name == "ipv4") return wire::link_type::kIpv4;
  if (name == "ipv6") return wire::link_type::kIpv6;
  if (name == "ethernet") return wire::link_type::kEthernet;
  if (name == "sll") return wire::link_type::kLinuxSll;
  if (name == "sll2") return wire::link_type::kLinuxSll2;
  return std::nullopt;
}

int runDecode(const DecodeSettings& settings, std::istream& in, std::ostream& out,
              std::ostream& err) {
  bool known_link = false;
  for (std::string_view name : kHexLinkNames) known_link = known_link || name == settings.link;
  if (!known_link) {
    err << fmt::format(
        "dsmip decode: --link {}: expected one of auto, ipv4, ipv6, ethernet, "
        "sll, sll2\n",
        settings.link);
    return kDecodeUsageError;
  }
  if (settings.inputs.empty() && settings.hex.empty()) {
    err << "dsmip decode: nothing to decode: give capture files, - (hex packets on standard "
           "input) or --hex\n";
    return kDecodeUsageError;
  }

  // Check every input before printing anything.
  std::vector<Bytes> hex_packets;
  for (std::size_t i = 0; i < settings.hex.size(); ++i) {
    auto packet = parseHexPacket(settings.hex[i]);
    if (!packet) {
      err << fmt::format("dsmip decode: --hex argument {} is not a packet in hex: '{}'\n", i + 1,
                         shorten(settings.hex[i]));
      return kDecodeUsageError;
    }
    hex_packets.push_back(std::move(*packet));
  }
  std::vector<std::unique_ptr<CaptureReader>> readers;
  std::size_t stdin_count = 0;
  for (const std::string& input : settings.inputs) {
    if (input == "-") {
      if (++stdin_count > 1) {
        err << "dsmip decode: standard input (-) given more than once\n";
        return kDecodeUsageError;
      }
      readers.push_back(nullptr);
      continue;
    }
    auto reader = CaptureReader::open(input);
    if (!reader) {
      err << fmt::format("dsmip decode: cannot read capture '{}': {}\n", input,
                         reader.error().detail);
      return kDecodeUsageError;
    }
    if (!wire::isSupportedLinkType((*reader)->linkType())) {
      // Not fatal: every frame will be reported as undecodable, which says the same per packet.
      err << fmt::format("dsmip decode: '{}': link-layer type {} is not supported\n", input,
                         (*reader)->linkType());
    }
    readers.push_back(std::move(*reader));
  }

  FramePrinter printer(settings, out);
  bool all_ok = true;
  const bool headers = !settings.json && settings.inputs.size() + (hex_packets.empty() ? 0 : 1) > 1;

  for (std::size_t i = 0; i < settings.inputs.size(); ++i) {
    const std::string& input = settings.inputs[i];
    if (readers[i] == nullptr) {
      if (headers) out << "== standard input (hex)\n";
      std::string line;
      std::size_t line_number = 0;
      std::size_t number = 0;
      while (std::getline(in, line)) {
        ++line_number;
        const std::size_t first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos || line[first] == '#') continue;
        auto packet = parseHexPacket(line);
        if (!packet) {
          err << fmt::format("dsmip decode: standard input line {} is not a packet in hex: '{}'\n",
                             line_number, shorten(line));
          return kDecodeUsageError;
        }
        wire::FrameInfo info;
        info.number = ++number;
        info.input = "stdin";
        all_ok = printer.print(info, dissectHex(settings, *packet)) && all_ok;
      }
      continue;
    }
    CaptureReader& reader = *readers[i];
    if (headers) {
      out << fmt::format("== {} ({})\n", input, wire::linkTypeName(reader.linkType()));
    }
    CapturedFrame frame;
    std::string error;
    std::size_t number = 0;
    std::optional<std::pair<std::int64_t, std::uint32_t>> first;
    while (true) {
      const CaptureReader::Next next = reader.next(frame, error);
      if (next == CaptureReader::Next::End) break;
      if (next == CaptureReader::Next::Error) {
        err << fmt::format("dsmip decode: '{}': after {} packets: {}\n", input, number, error);
        all_ok = false;
        break;
      }
      if (!first) first = std::make_pair(frame.seconds, frame.nanoseconds);
      wire::FrameInfo info;
      info.number = ++number;
      info.input = input;
      info.timestamp =
          static_cast<double>(frame.seconds) + static_cast<double>(frame.nanoseconds) * 1e-9;
      info.time =
          static_cast<double>(frame.seconds - first->first) +
          (static_cast<double>(frame.nanoseconds) - static_cast<double>(first->second)) * 1e-9;
      if (frame.original_length != frame.data.size()) info.original_length = frame.original_length;
      all_ok = printer.print(info,
                             wire::dissectFrame(reader.linkType(), frame.data, settings.dissect)) &&
               all_ok;
    }
  }
  if (!hex_packets.empty()) {
    if (headers) out << "== --hex\n";
    std::size_t number = 0;
    for (const Bytes& packet : hex_packets) {
      wire::FrameInfo info;
      info.number = ++number;
      info.input = "hex";
      all_ok = printer.print(info, dissectHex(settings, packet)) && all_ok;
    }
  }
  return all_ok ? kDecodeAllDecoded : kDecodeSomeFailed;
}

}  // namespace dsmip::cli
