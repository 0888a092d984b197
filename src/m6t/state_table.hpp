#pragma once
// The gateway's state table (m6t §2.4, §6.1.3; protocol reference §6.5), built to hold a
// million states in bounded memory:
//
//  * a slab of fixed-size records (a vector, freed slots reused through a free list);
//  * an open-addressing index (linear probing, backward-shift deletion, 8 octets per slot:
//    32 bits of a keyed SipHash and the slab slot) from the mobile node's IPv6 address;
//  * expiry without scanning: temporary states all live for the same time, so a FIFO of them in
//    creation order is also their expiry order (and gives the oldest one to evict); active
//    states sit in a min-heap keyed by a deadline that is re-checked when it comes up
//    (traffic moves the real deadline forward without touching the heap).
//
// Expiry entries name a slot and its generation, so an entry whose state is gone is ignored.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/ip_address.hpp"
#include "common/time.hpp"
#include "m6t/keyed_hash.hpp"

namespace dsmip::m6t {

/// Index of a gateway listening socket (the order of --listen).
using SocketId = std::uint16_t;

/// Temporary: created by a valid packet from a MN; Active: the HA answered (m6t §2.4).
enum class StateKind : std::uint8_t { Temporary, Active };

/// One m6t state. The address binding {mobile_node, endpoint, socket} is never updated after
/// creation (m6t §2.4, §6.1.1).
struct GatewayState {
  Ipv6Address mobile_node;
  Ipv4Endpoint endpoint;  // the MN's IPv4 address and UDP port as seen by the gateway (NAT's)
  SocketId socket = 0;    // the listening socket the first packet came to
  StateKind kind = StateKind::Temporary;
  std::uint16_t path_mtu = 0;  // IPv4 path MTU learnt from ICMPv4 (0: none)
  TimePoint created{};
  TimePoint last_activity{};  // last packet in either direction (data or keep-alive)
  TimePoint path_mtu_learnt{};
  std::uint64_t packets_from_mn = 0;
  std::uint64_t bytes_from_mn = 0;
  std::uint64_t packets_to_mn = 0;
  std::uint64_t bytes_to_mn = 0;
};

/// Sizes of the table's parts, for `dsmip show` and the benchmark.
struct StateTableMemory {
  std::size_t slab_bytes = 0;
  std::size_t index_bytes = 0;
  std::size_t expiry_bytes = 0;
  [[nodiscard]] std::size_t total() const { return slab_bytes + index_bytes + expiry_bytes; }
};

class StateTable {
 public:
  /// `max_states` bounds the table (the caller refuses or evicts beyond it).
  StateTable(SipKey key, std::size_t max_states);

  [[nodiscard]] GatewayState* find(const Ipv6Address& mobile_node);
  [[nodiscard]] const GatewayState* find(const Ipv6Address& mobile_node) const;

  /// Inserts a temporary state (its address must not be present and size() < maxStates()).
  GatewayState& insertTemporary(const GatewayState& state);
  /// Marks the temporary state of `mobile_node` active and schedules its expiry check at
  /// `deadline`; no effect if it is absent or already active.
  void activate(const Ipv6Address& mobile_node, TimePoint deadline);
  /// Removes the oldest temporary state, returning a copy of it; nullopt if there is none.
  std::optional<GatewayState> evictOldestTemporary();

  /// Removes every state whose lifetime ended at `now` and calls `on_expired(state)` for each
  /// before removal. A temporary state lives `temporary_lifetime` from its creation; an active
  /// one `active_lifetime` from its last activity.
  template <typename F>
  void expire(TimePoint now, Duration temporary_lifetime, Duration active_lifetime, F&& on_expired);

  /// Schedules every active state's expiry check at its last activity + `active_lifetime` (a
  /// reloaded, possibly shorter, lifetime; a longer one needs no call).
  void rescheduleActive(Duration active_lifetime);

  /// When expire() next has something to do (possibly early: stale entries are dropped then).
  [[nodiscard]] std::optional<TimePoint> nextDeadline(Duration temporary_lifetime) const;

  template <typename F>
  void forEach(F&& f) const {
    for (const Slot& s : slab_) {
      if (s.used) f(s.state);
    }
  }

  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::size_t temporaryCount() const { return temporary_count_; }
  [[nodiscard]] std::size_t activeCount() const { return size_ - temporary_count_; }
  [[nodiscard]] std::size_t maxStates() const { return max_states_; }
  [[nodiscard]] StateTableMemory memory() const;

 private:
  struct Slot {
    GatewayState state;
    std::uint32_t generation = 0;
    bool used = false;
  };
  struct IndexEntry {
    std::uint32_t hash = 0;
    std::uint32_t slot_plus_one = 0;  // 0: empty
  };
  struct Ref {
    std::uint32_t slot = 0;
    std::uint32_t generation = 0;
  };
  struct HeapEntry {
    TimePoint due{};
    Ref ref;
  };
  /// A growable ring buffer of Refs (the temporary FIFO): no allocation per operation.
  class RefQueue {
   public:
    void push(Ref r);
    [[nodiscard]] const Ref& front() const { return items_[head_]; }
    void pop();
    [[nodiscard]] bool empty() const { return count_ == 0; }
    [[nodiscard]] std::size_t capacityBytes() const { return items_.capacity() * sizeof(Ref); }

   private:
    std::vector<Ref> items_;
    std::size_t head_ = 0;
    std::size_t count_ = 0;
  };

  [[nodiscard]] std::uint64_t hashOf(const Ipv6Address& a) const { return hashAddress(key_, a); }
  [[nodiscard]] std::size_t findIndexPosition(const Ipv6Address& a, std::uint64_t h) const;
  void indexInsert(std::uint64_t h, std::uint32_t slot);
  void indexErase(std::size_t position);
  void growIndex();
  [[nodiscard]] bool live(const Ref& r) const {
    return r.slot < slab_.size() && slab_[r.slot].used && slab_[r.slot].generation == r.generation;
  }
  void remove(std::uint32_t slot);
  void dropStaleTemporaries();
  void heapPush(HeapEntry e);
  HeapEntry heapPop();

  SipKey key_;
  std::size_t max_states_;
  std::vector<Slot> slab_;
  std::vector<std::uint32_t> free_slots_;
  std::vector<IndexEntry> index_;  // power-of-two size
  std::size_t size_ = 0;
  std::size_t temporary_count_ = 0;
  RefQueue temporaries_;
  std::vector<HeapEntry> active_heap_;
};

template <typename F>
void StateTable::expire(TimePoint now, Duration temporary_lifetime, Duration active_lifetime,
                        F&& on_expired) {
  while (!temporaries_.empty()) {
    const Ref r = temporaries_.front();
    if (live(r) && slab_[r.slot].state.kind == StateKind::Temporary) {
      if (slab_[r.slot].state.created + temporary_lifetime > now) break;
      on_expired(static_cast<const GatewayState&>(slab_[r.slot].state));
      remove(r.slot);
    }
    temporaries_.pop();
  }
  while (!active_heap_.empty() && active_heap_.front().due <= now) {
    const HeapEntry e = heapPop();
    if (!live(e.ref)) continue;
    const GatewayState& s = slab_[e.ref.slot].state;
    const TimePoint deadline = s.last_activity + active_lifetime;
    if (deadline > now) {
      heapPush(HeapEntry{deadline, e.ref});  // traffic kept it alive: check again then
      continue;
    }
    on_expired(s);
    remove(e.ref.slot);
  }
}

}  // namespace dsmip::m6t
