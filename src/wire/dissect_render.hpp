#pragma once
// Text and JSON renderings of a Dissection (docs/decode.md documents both, with every JSON
// field name). Pure string building; the caller prints.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "wire/dissect.hpp"

namespace dsmip::wire {

/// Where a frame came from and when, for the first line of the text form and the JSON header.
struct FrameInfo {
  std::size_t number = 0;                      // 1-based, per input
  std::optional<double> time;                  // seconds since the input's first frame (captures)
  std::optional<double> timestamp;             // seconds since the Unix epoch (captures)
  std::optional<std::size_t> original_length;  // octets on the wire, if more than captured
  std::string input;                           // file name, "hex" or "stdin"
};

/// Text form: the line "#N TIME LEN SUMMARY" (TIME "-" when unknown, LEN the original length),
/// then, unless `summary_only`, one indented line per layer with its fields, one more indented
/// line per option / extension / list item, the warnings and the error. Ends with '\n'.
std::string renderDissectionText(const FrameInfo& info, const Dissection& dissection,
                                 bool summary_only = false);

/// JSON form: one object on one line (ending with '\n') with "packet", "input", "time",
/// "timestamp", "length", "captured_length", "link", "summary", "ok", "layers", "warnings" and,
/// on failure, "error": {"layer", "code", "reason", "offset"}.
std::string renderDissectionJson(const FrameInfo& info, const Dissection& dissection);

/// `text` as a JSON string literal, quotes included (control characters escaped as \u00XX).
std::string jsonString(std::string_view text);

}  // namespace dsmip::wire
