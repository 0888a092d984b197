#pragma once
// Reads pcap and pcapng files through libpcap (pcap_open_offline), frame by frame, with
// nanosecond timestamps.

#include <cstdint>
#include <memory>
#include <string>

#include "common/bytes.hpp"
#include "common/result.hpp"

namespace dsmip::cli {

/// One frame of a capture: a view of libpcap's buffer, valid until the next call to next().
struct CapturedFrame {
  ByteView data;                      // the captured octets
  std::uint32_t original_length = 0;  // octets on the wire
  std::int64_t seconds = 0;           // since the Unix epoch
  std::uint32_t nanoseconds = 0;
};

class CaptureReader {
 public:
  /// Opens a capture file. The error's detail carries libpcap's message.
  static Result<std::unique_ptr<CaptureReader>> open(const std::string& path);
  ~CaptureReader();
  CaptureReader(const CaptureReader&) = delete;
  CaptureReader& operator=(const CaptureReader&) = delete;

  /// The file's link-layer header type as libpcap reports it (DLT_ value).
  [[nodiscard]] std::uint32_t linkType() const { return link_type_; }

  enum class Next : std::uint8_t { Frame, End, Error };
  /// Reads the next frame. Error: the file is damaged or cut short; `error` says why.
  Next next(CapturedFrame& frame, std::string& error);

 private:
  struct Handle;
  explicit CaptureReader(std::unique_ptr<Handle> handle, std::uint32_t link_type);
  std::unique_ptr<Handle> handle_;
  std::uint32_t link_type_ = 0;
};

}  // namespace dsmip::cli
