#include "esp/security_association.hpp"

#include <fmt/format.h>

#include <utility>

namespace dsmip::esp {

namespace {

Status checkLimits(const char* name, std::uint64_t soft, std::uint64_t hard) {
  if (soft != 0 && hard != 0 && soft >= hard) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("lifetime: soft {} limit ({}) must be below the hard limit ({})",
                                 name, soft, hard));
  }
  return {};
}

bool sameFamily(const IpAddress& a, const IpAddress& b) { return a.index() == b.index(); }

}  // namespace

std::string_view lifetimeStateName(LifetimeState state) {
  switch (state) {
    case LifetimeState::Valid:
      return "valid";
    case LifetimeState::SoftExpired:
      return "soft-expired";
    case LifetimeState::HardExpired:
      return "hard-expired";
  }
  return "unknown";
}

std::string_view expiryCauseName(ExpiryCause cause) {
  switch (cause) {
    case ExpiryCause::Packets:
      return "packets";
    case ExpiryCause::Bytes:
      return "bytes";
    case ExpiryCause::Time:
      return "time";
    case ExpiryCause::SequenceExhausted:
      return "sequence-exhausted";
  }
  return "unknown";
}

Status validateSaParameters(const SaParameters& params) {
  if (params.spi < 256) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("spi: {} is reserved (RFC 4303 §2.1: 0 is never sent, 1-255 are "
                                 "reserved by IANA); use 256 or more",
                                 params.spi));
  }
  if (params.mode == Mode::Tunnel) {
    if (!params.tunnel) {
      return makeError(ErrorCode::InvalidArgument,
                       "tunnel: a tunnel-mode SA needs local and remote tunnel addresses");
    }
    if (!sameFamily(params.tunnel->local, params.tunnel->remote)) {
      return makeError(ErrorCode::InvalidArgument,
                       "tunnel: local and remote tunnel addresses must be of one family");
    }
  } else if (params.tunnel) {
    return makeError(ErrorCode::InvalidArgument,
                     "tunnel: tunnel addresses are only for tunnel-mode SAs");
  }
  if (auto ok =
          checkKeyLengths(params.suite, params.encryption_key.size(), params.integrity_key.size());
      !ok) {
    return ok;
  }
  if (params.replay_window > ReplayWindow::kMaxSize) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("replay_window: {} exceeds the maximum of {} packets",
                                 params.replay_window, ReplayWindow::kMaxSize));
  }
  if (params.lifetime.soft.time < Duration::zero() ||
      params.lifetime.hard.time < Duration::zero()) {
    return makeError(ErrorCode::InvalidArgument, "lifetime: time limits cannot be negative");
  }
  if (auto ok = checkLimits("packets", params.lifetime.soft.packets, params.lifetime.hard.packets);
      !ok) {
    return ok;
  }
  if (auto ok = checkLimits("bytes", params.lifetime.soft.bytes, params.lifetime.hard.bytes); !ok) {
    return ok;
  }
  const auto soft_ns = static_cast<std::uint64_t>(params.lifetime.soft.time.count());
  const auto hard_ns = static_cast<std::uint64_t>(params.lifetime.hard.time.count());
  if (soft_ns != 0 && hard_ns != 0 && soft_ns >= hard_ns) {
    return makeError(ErrorCode::InvalidArgument,
                     "lifetime: soft time limit must be below the hard time limit");
  }
  if (!params.esn && params.initial_sequence > 0xFFFFFFFFu) {
    return makeError(ErrorCode::InvalidArgument,
                     "initial_sequence: exceeds 2^32 - 1 without extended sequence numbers");
  }
  return {};
}

Result<SecurityAssociation> SecurityAssociation::create(const SaParameters& params, TimePoint now) {
  if (auto ok = validateSaParameters(params); !ok) return Unexpected{ok.error()};
  auto cipher = EspCipher::create(params.suite, params.encryption_key, params.integrity_key,
                                  params.direction);
  if (!cipher) return Unexpected{cipher.error()};
  return SecurityAssociation{params, std::move(*cipher), now};
}

SecurityAssociation::SecurityAssociation(const SaParameters& params, EspCipher cipher,
                                         TimePoint now)
    : spi_(params.spi),
      direction_(params.direction),
      mode_(params.mode),
      tunnel_(params.tunnel),
      lifetime_(params.lifetime),
      installed_(now),
      cipher_(std::move(cipher)),
      window_(params.direction == Direction::Inbound ? params.replay_window : 0, params.esn),
      sent_(params.direction == Direction::Outbound ? params.initial_sequence : 0) {}

std::optional<TimePoint> SecurityAssociation::nextDeadline() const {
  if (state_ == LifetimeState::HardExpired) return std::nullopt;
  std::optional<TimePoint> next;
  if (state_ == LifetimeState::Valid && lifetime_.soft.time > Duration::zero()) {
    next = installed_ + lifetime_.soft.time;
  }
  if (lifetime_.hard.time > Duration::zero())
    next = earliest(next, installed_ + lifetime_.hard.time);
  return next;
}

void SecurityAssociation::expire(LifetimeState state, ExpiryCause cause, TimePoint now) {
  if (state <= state_) return;
  state_ = state;
  events_.push_back(SaEvent{spi_, direction_, state, cause, now});
}

void SecurityAssociation::onTimer(TimePoint now) {
  if (lifetime_.hard.time > Duration::zero() && now - installed_ >= lifetime_.hard.time) {
    expire(LifetimeState::HardExpired, ExpiryCause::Time, now);
  } else if (lifetime_.soft.time > Duration::zero() && now - installed_ >= lifetime_.soft.time) {
    expire(LifetimeState::SoftExpired, ExpiryCause::Time, now);
  }
}

bool SecurityAssociation::refuses(TimePoint now) {
  onTimer(now);
  return state_ == LifetimeState::HardExpired;
}

void SecurityAssociation::account(std::size_t payload_bytes, TimePoint now) {
  ++counters_.packets;
  counters_.bytes += payload_bytes;
  const LifetimeLimits& hard = lifetime_.hard;
  const LifetimeLimits& soft = lifetime_.soft;
  if (hard.packets != 0 && counters_.packets >= hard.packets) {
    expire(LifetimeState::HardExpired, ExpiryCause::Packets, now);
  } else if (hard.bytes != 0 && counters_.bytes >= hard.bytes) {
    expire(LifetimeState::HardExpired, ExpiryCause::Bytes, now);
  } else if (soft.packets != 0 && counters_.packets >= soft.packets) {
    expire(LifetimeState::SoftExpired, ExpiryCause::Packets, now);
  } else if (soft.bytes != 0 && counters_.bytes >= soft.bytes) {
    expire(LifetimeState::SoftExpired, ExpiryCause::Bytes, now);
  }
}

std::vector<SaEvent> SecurityAssociation::takeEvents() { return std::exchange(events_, {}); }

}  // namespace dsmip::esp
