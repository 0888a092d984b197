// Small out-of-line pieces of common/: errors, hex, logging state, assertion failure.
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "common/assert.hpp"
#include "common/bytes.hpp"
#include "common/log.hpp"
#include "common/result.hpp"

namespace dsmip {

namespace detail {
void assertionFailed(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "dsmip: internal check failed: %s (%s:%d)\n", expr, file, line);
  std::abort();
}
}  // namespace detail

std::string_view errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::Ok:
      return "ok";
    case ErrorCode::Truncated:
      return "truncated";
    case ErrorCode::BadLength:
      return "bad-length";
    case ErrorCode::BadVersion:
      return "bad-version";
    case ErrorCode::BadChecksum:
      return "bad-checksum";
    case ErrorCode::BadValue:
      return "bad-value";
    case ErrorCode::BadAlignment:
      return "bad-alignment";
    case ErrorCode::Unsupported:
      return "unsupported";
    case ErrorCode::UnknownType:
      return "unknown-type";
    case ErrorCode::NoSpace:
      return "no-space";
    case ErrorCode::InvalidArgument:
      return "invalid-argument";
    case ErrorCode::NotFound:
      return "not-found";
    case ErrorCode::AlreadyExists:
      return "already-exists";
    case ErrorCode::SystemError:
      return "system-error";
    case ErrorCode::Timeout:
      return "timeout";
    case ErrorCode::PermissionDenied:
      return "permission-denied";
  }
  return "unknown";
}

std::string Error::toString() const {
  std::string s(errorCodeName(code));
  const bool parse = code == ErrorCode::Truncated || code == ErrorCode::BadLength ||
                     code == ErrorCode::BadVersion || code == ErrorCode::BadChecksum ||
                     code == ErrorCode::BadValue || code == ErrorCode::BadAlignment ||
                     code == ErrorCode::UnknownType || code == ErrorCode::Unsupported;
  if (parse) s += " at offset " + std::to_string(offset);
  if (!reason.empty()) {
    s += ": ";
    s += reason;
  }
  if (!detail.empty()) {
    s += reason.empty() ? ": " : " (";
    s += detail;
    if (!reason.empty()) s += ")";
  }
  if (system_errno != 0) s += " (errno " + std::to_string(system_errno) + ")";
  return s;
}

std::string toHex(ByteView bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    s.push_back(kHex[b >> 4]);
    s.push_back(kHex[b & 0xF]);
  }
  return s;
}

bool fromHex(std::string_view text, Bytes& out) {
  out.clear();
  int high = -1;
  for (char c : text) {
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else if (c == ' ' || c == '\t' || c == ':' || c == '\n' || c == '\r') {
      continue;
    } else {
      return false;
    }
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>((high << 4) | v));
      high = -1;
    }
  }
  return high < 0;
}

std::string_view logLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::Debug:
      return "debug";
    case LogLevel::Info:
      return "info";
    case LogLevel::Warn:
      return "warn";
    case LogLevel::Error:
      return "error";
  }
  return "info";
}

bool parseLogLevel(std::string_view text, LogLevel& out) {
  if (text == "debug") {
    out = LogLevel::Debug;
  } else if (text == "info") {
    out = LogLevel::Info;
  } else if (text == "warn" || text == "warning") {
    out = LogLevel::Warn;
  } else if (text == "error") {
    out = LogLevel::Error;
  } else {
    return false;
  }
  return true;
}

namespace log {
namespace {
struct State {
  LogLevel level = LogLevel::Info;
  Sink sink;
};
State& state() {
  static State s;
  return s;
}
}  // namespace

void setSink(Sink sink) { state().sink = std::move(sink); }
void setLevel(LogLevel level) { state().level = level; }
LogLevel level() { return state().level; }
bool enabled(LogLevel level) { return level >= state().level; }
void write(LogLevel level, std::string_view message) {
  if (state().sink) {
    state().sink(level, message);
    return;
  }
  std::fprintf(stderr, "%.*s %.*s\n", static_cast<int>(logLevelName(level).size()),
               logLevelName(level).data(), static_cast<int>(message.size()), message.data());
}
}  // namespace log

}  // namespace dsmip
