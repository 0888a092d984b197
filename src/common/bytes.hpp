#pragma once
// Byte-level reading and writing with bounds checks, and the packet buffer with headroom that
// lets encapsulation prepend outer headers without copying the payload.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/assert.hpp"

namespace dsmip {

using ByteView = std::span<const std::uint8_t>;
using MutableByteView = std::span<std::uint8_t>;
using Bytes = std::vector<std::uint8_t>;

/// Reads big-endian fields from a view. Every read is bounds-checked: after the first failure
/// the reader stays failed, reads yield zero or empty views, and ok() is false. Check ok()
/// before using what was read.
class ByteReader {
 public:
  explicit ByteReader(ByteView data, std::size_t base_offset = 0)
      : data_(data), base_offset_(base_offset) {}

  std::uint8_t u8() {
    if (!need(1)) return 0;
    return data_[pos_++];
  }
  std::uint16_t u16() {
    if (!need(2)) return 0;
    const auto v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  std::uint32_t u32() {
    if (!need(4)) return 0;
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | data_[pos_ + static_cast<std::size_t>(i)];
    pos_ += 4;
    return v;
  }
  std::uint64_t u64() {
    const std::uint64_t hi = u32();
    const std::uint64_t lo = u32();
    return (hi << 32) | lo;
  }
  /// A view of the next n bytes (empty on failure).
  ByteView bytes(std::size_t n) {
    if (!need(n)) return {};
    ByteView v = data_.subspan(pos_, n);
    pos_ += n;
    return v;
  }
  template <std::size_t N>
  std::array<std::uint8_t, N> array() {
    std::array<std::uint8_t, N> out{};
    ByteView v = bytes(N);
    if (!v.empty()) std::memcpy(out.data(), v.data(), N);
    return out;
  }
  void skip(std::size_t n) {
    if (need(n)) pos_ += n;
  }
  /// Peeks without consuming; 0 if past the end (does not fail the reader).
  [[nodiscard]] std::uint8_t peekU8(std::size_t ahead = 0) const {
    return pos_ + ahead < data_.size() ? data_[pos_ + ahead] : 0;
  }
  /// Everything not yet read; consumes it.
  ByteView rest() {
    ByteView v = data_.subspan(pos_);
    pos_ = data_.size();
    return v;
  }
  [[nodiscard]] ByteView remainingView() const { return data_.subspan(pos_); }
  [[nodiscard]] std::size_t remaining() const { return data_.size() - pos_; }
  /// Position within the reader's view.
  [[nodiscard]] std::size_t position() const { return pos_; }
  /// Position counted from the start of the enclosing structure (base + position), for errors.
  [[nodiscard]] std::size_t offset() const { return base_offset_ + pos_; }
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] bool atEnd() const { return pos_ == data_.size(); }

 private:
  bool need(std::size_t n) {
    if (!ok_ || n > data_.size() - pos_) {
      ok_ = false;
      return false;
    }
    return true;
  }
  ByteView data_;
  std::size_t pos_ = 0;
  std::size_t base_offset_ = 0;
  bool ok_ = true;
};

/// Writes big-endian fields into a caller's buffer. On overflow it stops writing and ok()
/// turns false; nothing is written past the end.
class ByteWriter {
 public:
  explicit ByteWriter(MutableByteView out) : out_(out) {}

  void u8(std::uint8_t v) {
    if (need(1)) out_[pos_++] = v;
  }
  void u16(std::uint16_t v) {
    if (!need(2)) return;
    out_[pos_] = static_cast<std::uint8_t>(v >> 8);
    out_[pos_ + 1] = static_cast<std::uint8_t>(v);
    pos_ += 2;
  }
  void u32(std::uint32_t v) {
    if (!need(4)) return;
    for (int i = 3; i >= 0; --i) {
      out_[pos_++] = static_cast<std::uint8_t>(v >> (8 * i));
    }
  }
  void u64(std::uint64_t v) {
    u32(static_cast<std::uint32_t>(v >> 32));
    u32(static_cast<std::uint32_t>(v));
  }
  void bytes(ByteView v) {
    if (!need(v.size())) return;
    if (!v.empty()) std::memcpy(out_.data() + pos_, v.data(), v.size());
    pos_ += v.size();
  }
  void zeros(std::size_t n) {
    if (!need(n)) return;
    std::memset(out_.data() + pos_, 0, n);
    pos_ += n;
  }
  /// Reserves n bytes to fill later (e.g. a length or checksum); returns their offset.
  std::size_t reserve(std::size_t n) {
    const std::size_t at = pos_;
    zeros(n);
    return at;
  }
  /// Overwrites already written bytes (lengths and checksums known only at the end).
  void patchU8(std::size_t at, std::uint8_t v) {
    if (ok_ && at + 1 <= pos_) out_[at] = v;
  }
  void patchU16(std::size_t at, std::uint16_t v) {
    if (ok_ && at + 2 <= pos_) {
      out_[at] = static_cast<std::uint8_t>(v >> 8);
      out_[at + 1] = static_cast<std::uint8_t>(v);
    }
  }
  void patchU32(std::size_t at, std::uint32_t v) {
    if (ok_ && at + 4 <= pos_) {
      for (std::size_t i = 0; i < 4; ++i)
        out_[at + i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
    }
  }
  /// Bytes written so far.
  [[nodiscard]] std::size_t size() const { return pos_; }
  [[nodiscard]] std::size_t capacity() const { return out_.size(); }
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] ByteView written() const { return ByteView(out_.data(), pos_); }
  [[nodiscard]] MutableByteView writtenMutable() const {
    return MutableByteView(out_.data(), pos_);
  }

 private:
  bool need(std::size_t n) {
    if (!ok_ || n > out_.size() - pos_) {
      ok_ = false;
      return false;
    }
    return true;
  }
  MutableByteView out_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

/// One packet in a buffer that keeps free space in front of it (headroom) so that outer headers
/// can be prepended in place, and free space behind it (tailroom) for trailers such as ESP's.
///
///   [ headroom | data ............ | tailroom ]
///   0          begin_              end_       capacity
class PacketBuffer {
 public:
  static constexpr std::size_t kDefaultHeadroom = 192;
  static constexpr std::size_t kDefaultCapacity = 65535 + 2 * kDefaultHeadroom;

  explicit PacketBuffer(std::size_t capacity = kDefaultCapacity,
                        std::size_t headroom = kDefaultHeadroom)
      : storage_(capacity), begin_(headroom), end_(headroom) {
    DSMIP_CHECK(headroom <= capacity);
  }

  /// Empties the buffer, keeping `headroom` bytes free in front.
  void reset(std::size_t headroom = kDefaultHeadroom) {
    DSMIP_CHECK(headroom <= storage_.size());
    begin_ = end_ = headroom;
  }
  /// Replaces the content with a copy of `bytes` after `headroom`; false if it does not fit.
  [[nodiscard]] bool assign(ByteView bytes, std::size_t headroom = kDefaultHeadroom) {
    if (headroom > storage_.size() || bytes.size() > storage_.size() - headroom) return false;
    begin_ = headroom;
    end_ = headroom + bytes.size();
    if (!bytes.empty()) std::memcpy(storage_.data() + begin_, bytes.data(), bytes.size());
    return true;
  }

  [[nodiscard]] ByteView data() const { return ByteView(storage_.data() + begin_, end_ - begin_); }
  [[nodiscard]] MutableByteView mutableData() {
    return MutableByteView(storage_.data() + begin_, end_ - begin_);
  }
  [[nodiscard]] std::size_t size() const { return end_ - begin_; }
  [[nodiscard]] bool empty() const { return end_ == begin_; }
  [[nodiscard]] std::size_t headroom() const { return begin_; }
  [[nodiscard]] std::size_t tailroom() const { return storage_.size() - end_; }
  [[nodiscard]] std::size_t capacity() const { return storage_.size(); }

  /// Grows the packet at the front by n bytes and returns them (uninitialised); an empty span
  /// if the headroom is too small.
  [[nodiscard]] MutableByteView prepend(std::size_t n) {
    if (n > begin_) return {};
    begin_ -= n;
    return MutableByteView(storage_.data() + begin_, n);
  }
  /// Grows the packet at the back by n bytes and returns them; empty span if no room.
  [[nodiscard]] MutableByteView append(std::size_t n) {
    if (n > tailroom()) return {};
    MutableByteView v(storage_.data() + end_, n);
    end_ += n;
    return v;
  }
  /// Removes n bytes from the front (decapsulation); false if the packet is shorter.
  [[nodiscard]] bool trimFront(std::size_t n) {
    if (n > size()) return false;
    begin_ += n;
    return true;
  }
  /// Removes n bytes from the back; false if the packet is shorter.
  [[nodiscard]] bool trimBack(std::size_t n) {
    if (n > size()) return false;
    end_ -= n;
    return true;
  }
  /// Sets the packet length (after writing into tailroom()); false if out of range.
  [[nodiscard]] bool resize(std::size_t n) {
    if (n > storage_.size() - begin_) return false;
    end_ = begin_ + n;
    return true;
  }
  /// The free space behind the packet, to be filled and then committed with append/resize.
  [[nodiscard]] MutableByteView tailSpace() {
    return MutableByteView(storage_.data() + end_, tailroom());
  }

 private:
  std::vector<std::uint8_t> storage_;
  std::size_t begin_;
  std::size_t end_;
};

/// Lower-case hex of the bytes ("3b02050…"), and the reverse (whitespace and ':' ignored).
std::string toHex(ByteView bytes);
bool fromHex(std::string_view text, Bytes& out);

}  // namespace dsmip
