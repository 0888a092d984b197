// Fuzz target for the packet dissector of `dsmip decode` (wire/dissect.hpp), which reaches every
// parser entry point of the suite through its demultiplexing, and for both renderings.
//
// Input: octet 0 selects the link type (0 raw IP, 1 Ethernet, 2 Linux SLL, 3 Linux SLL2, 4 IPv4,
// 5 IPv6, 6 BSD null, 7 OpenBSD loop, 8 an unsupported type; modulo 9), octet 1 holds option
// bits (1: no checksum verification, 2: depth limit 2, 4: m6t also on 4191, 8: DSMIPv6 on 434),
// the rest is the frame. Seeds (tests/fuzz/corpus/dissect/) are the suite's packets, written by
// make_suite_capture.
//
// Invariants checked: offsets stay inside the frame, the JSON rendering is one valid JSON
// document on one line, and the text rendering starts with the summary line.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/bytes.hpp"
#include "wire/dissect.hpp"
#include "wire/dissect_render.hpp"

namespace {

using namespace dsmip;

void check(bool condition) {
  if (!condition) std::abort();
}

// A strict JSON syntax check (RFC 8259), enough to prove the renderer's output parses.
class JsonChecker {
 public:
  explicit JsonChecker(std::string_view text) : text_(text) {}

  bool document() {
    skipSpace();
    if (!value(0)) return false;
    skipSpace();
    return pos_ == text_.size();
  }

 private:
  bool value(int depth) {
    if (depth > 64 || pos_ >= text_.size()) return false;
    switch (text_[pos_]) {
      case '{':
        return object(depth);
      case '[':
        return array(depth);
      case '"':
        return string();
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return number();
    }
  }
  bool object(int depth) {
    ++pos_;
    skipSpace();
    if (peek() == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      skipSpace();
      if (!string()) return false;
      skipSpace();
      if (peek() != ':') return false;
      ++pos_;
      skipSpace();
      if (!value(depth + 1)) return false;
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}') return false;
      ++pos_;
      return true;
    }
  }
  bool array(int depth) {
    ++pos_;
    skipSpace();
    if (peek() == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      skipSpace();
      if (!value(depth + 1)) return false;
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != ']') return false;
      ++pos_;
      return true;
    }
  }
  bool string() {
    if (peek() != '"') return false;
    ++pos_;
    while (pos_ < text_.size()) {
      const auto c = static_cast<unsigned char>(text_[pos_++]);
      if (c == '"') return true;
      if (c < 0x20 || c >= 0x80) return false;  // the renderer escapes these
      if (c == '\\') {
        if (pos_ >= text_.size()) return false;
        const char e = text_[pos_++];
        if (e == 'u') {
          for (int i = 0; i < 4; ++i) {
            if (pos_ >= text_.size() || !isHex(text_[pos_++])) return false;
          }
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return false;
        }
      }
    }
    return false;
  }
  bool number() {
    const std::size_t start = pos_;
    if (peek() == '-') ++pos_;
    if (!isDigit(peek())) return false;
    if (peek() == '0') {
      ++pos_;
    } else {
      while (isDigit(peek())) ++pos_;
    }
    if (peek() == '.') {
      ++pos_;
      if (!isDigit(peek())) return false;
      while (isDigit(peek())) ++pos_;
    }
    return pos_ > start;
  }
  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  void skipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n')) ++pos_;
  }
  [[nodiscard]] char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  static bool isDigit(char c) { return c >= '0' && c <= '9'; }
  static bool isHex(char c) {
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

constexpr std::array<std::uint32_t, 9> kLinkTypes = {
    wire::link_type::kRaw,       wire::link_type::kEthernet, wire::link_type::kLinuxSll,
    wire::link_type::kLinuxSll2, wire::link_type::kIpv4,     wire::link_type::kIpv6,
    wire::link_type::kNull,      wire::link_type::kLoop,     147};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint32_t link = kLinkTypes[data[0] % kLinkTypes.size()];
  const std::uint8_t bits = data[1];
  const ByteView frame(data + 2, size - 2);

  wire::DissectOptions options;
  options.verify_checksums = (bits & 1) == 0;
  if ((bits & 2) != 0) options.max_depth = 2;
  if ((bits & 4) != 0) options.m6t_ports.push_back(4191);
  if ((bits & 8) != 0) options.dsmip6_port = 434;

  const wire::Dissection d = wire::dissectFrame(link, frame, options);
  check(d.length == frame.size());
  for (const auto& layer : d.layers) check(layer.offset <= frame.size());
  if (d.error) {
    check(d.error->offset <= frame.size());
    check(!d.error->layer.empty());
  }
  if (!options.verify_checksums) {
    for (const auto& layer : d.layers) check(layer.find("checksum_status") == nullptr);
  }

  wire::FrameInfo info;
  info.number = 1;
  info.input = "fuzz";
  info.time = 0.5;
  const std::string json = wire::renderDissectionJson(info, d);
  check(!json.empty() && json.back() == '\n');
  check(json.find('\n') == json.size() - 1);
  check(JsonChecker(std::string_view(json).substr(0, json.size() - 1)).document());

  const std::string text = wire::renderDissectionText(info, d);
  const std::string first = wire::renderDissectionText(info, d, true);
  check(text.compare(0, first.size(), first) == 0);
  check(first.find('\n') == first.size() - 1);
  return 0;
}
