#include "cli/capture_reader.hpp"

#include <pcap/pcap.h>

#include <utility>

namespace dsmip::cli {

struct CaptureReader::Handle {
  pcap_t* pcap = nullptr;
  ~Handle() {
    if (pcap != nullptr) pcap_close(pcap);
  }
};

CaptureReader::CaptureReader(std::unique_ptr<Handle> handle, std::uint32_t link_type)
    : handle_(std::move(handle)), link_type_(link_type) {}

CaptureReader::~CaptureReader() = default;

Result<std::unique_ptr<CaptureReader>> CaptureReader::open(const std::string& path) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  auto handle = std::make_unique<Handle>();
  handle->pcap =
      pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (handle->pcap == nullptr) return makeError(ErrorCode::InvalidArgument, errbuf);
  const int link_type = pcap_datalink(handle->pcap);
  return std::unique_ptr<CaptureReader>(
      new CaptureReader(std::move(handle), static_cast<std::uint32_t>(link_type)));
}

CaptureReader::Next CaptureReader::next(CapturedFrame& frame, std::string& error) {
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  const int rc = pcap_next_ex(handle_->pcap, &header, &data);
  if (rc == PCAP_ERROR_BREAK) return Next::End;  // -2: no more packets in the file
  if (rc != 1) {
    error = pcap_geterr(handle_->pcap);
    return Next::Error;
  }
  frame.data = ByteView(data, header->caplen);
  frame.original_length = header->len;
  frame.seconds = header->ts.tv_sec;
  frame.nanoseconds = static_cast<std::uint32_t>(header->ts.tv_usec);  // nanoseconds here
  return Next::Frame;
}

}  // namespace dsmip::cli
