#include "m6t/state_table.hpp"

#include <algorithm>
#include <functional>

namespace dsmip::m6t {

namespace {
constexpr std::size_t kInitialIndexSize = 1024;
// The index grows when more than 3/4 full: probe sequences stay short with linear probing.
bool overLoaded(std::size_t entries, std::size_t capacity) { return entries * 4 > capacity * 3; }
bool heapLater(const auto& a, const auto& b) { return a.due > b.due; }
}  // namespace

void StateTable::RefQueue::push(Ref r) {
  if (count_ == items_.size()) {
    // Grow: unroll the ring into a vector twice as large.
    std::vector<Ref> bigger(std::max<std::size_t>(64, items_.size() * 2));
    for (std::size_t i = 0; i < count_; ++i) bigger[i] = items_[(head_ + i) % items_.size()];
    items_ = std::move(bigger);
    head_ = 0;
  }
  items_[(head_ + count_) % items_.size()] = r;
  ++count_;
}

void StateTable::RefQueue::pop() {
  head_ = (head_ + 1) % items_.size();
  --count_;
}

StateTable::StateTable(SipKey key, std::size_t max_states)
    : key_(key), max_states_(max_states), index_(kInitialIndexSize) {}

std::size_t StateTable::findIndexPosition(const Ipv6Address& a, std::uint64_t h) const {
  const std::size_t mask = index_.size() - 1;
  const auto tag = static_cast<std::uint32_t>(h >> 32);
  for (std::size_t pos = h & mask;; pos = (pos + 1) & mask) {
    const IndexEntry& e = index_[pos];
    if (e.slot_plus_one == 0) return index_.size();
    if (e.hash == tag && slab_[e.slot_plus_one - 1].state.mobile_node == a) return pos;
  }
}

GatewayState* StateTable::find(const Ipv6Address& mobile_node) {
  const std::size_t pos = findIndexPosition(mobile_node, hashOf(mobile_node));
  return pos == index_.size() ? nullptr : &slab_[index_[pos].slot_plus_one - 1].state;
}

const GatewayState* StateTable::find(const Ipv6Address& mobile_node) const {
  const std::size_t pos = findIndexPosition(mobile_node, hashOf(mobile_node));
  return pos == index_.size() ? nullptr : &slab_[index_[pos].slot_plus_one - 1].state;
}

void StateTable::indexInsert(std::uint64_t h, std::uint32_t slot) {
  const std::size_t mask = index_.size() - 1;
  std::size_t pos = h & mask;
  while (index_[pos].slot_plus_one != 0) pos = (pos + 1) & mask;
  index_[pos] = IndexEntry{static_cast<std::uint32_t>(h >> 32), slot + 1};
}

void StateTable::growIndex() {
  std::vector<IndexEntry> old(index_.size() * 2);
  old.swap(index_);
  for (const IndexEntry& e : old) {
    if (e.slot_plus_one == 0) continue;
    indexInsert(hashOf(slab_[e.slot_plus_one - 1].state.mobile_node), e.slot_plus_one - 1);
  }
}

void StateTable::indexErase(std::size_t position) {
  // Backward-shift deletion: pull later entries of the probe run into the hole so that no
  // tombstone is needed and lookups stay exact.
  const std::size_t mask = index_.size() - 1;
  std::size_t hole = position;
  for (std::size_t next = (hole + 1) & mask; index_[next].slot_plus_one != 0;
       next = (next + 1) & mask) {
    const std::size_t home = hashOf(slab_[index_[next].slot_plus_one - 1].state.mobile_node) & mask;
    // Distance from home to next versus from home to the hole, on the ring.
    if (((next - home) & mask) >= ((next - hole) & mask)) {
      index_[hole] = index_[next];
      hole = next;
    }
  }
  index_[hole] = IndexEntry{};
}

GatewayState& StateTable::insertTemporary(const GatewayState& state) {
  DSMIP_CHECK(size_ < max_states_);
  if (overLoaded(size_ + 1, index_.size())) growIndex();
  std::uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(slab_.size());
    slab_.emplace_back();
  }
  Slot& s = slab_[slot];
  s.state = state;
  s.state.kind = StateKind::Temporary;
  s.used = true;
  indexInsert(hashOf(state.mobile_node), slot);
  ++size_;
  ++temporary_count_;
  temporaries_.push(Ref{slot, s.generation});
  return s.state;
}

void StateTable::activate(const Ipv6Address& mobile_node, TimePoint deadline) {
  const std::size_t pos = findIndexPosition(mobile_node, hashOf(mobile_node));
  if (pos == index_.size()) return;
  const std::uint32_t slot = index_[pos].slot_plus_one - 1;
  GatewayState& state = slab_[slot].state;
  if (state.kind == StateKind::Active) return;
  state.kind = StateKind::Active;
  --temporary_count_;
  heapPush(HeapEntry{deadline, Ref{slot, slab_[slot].generation}});
  dropStaleTemporaries();
}

void StateTable::dropStaleTemporaries() {
  while (!temporaries_.empty()) {
    const Ref r = temporaries_.front();
    if (live(r) && slab_[r.slot].state.kind == StateKind::Temporary) return;
    temporaries_.pop();
  }
}

std::optional<GatewayState> StateTable::evictOldestTemporary() {
  dropStaleTemporaries();
  if (temporaries_.empty()) return std::nullopt;
  const Ref r = temporaries_.front();
  temporaries_.pop();
  GatewayState copy = slab_[r.slot].state;
  remove(r.slot);
  dropStaleTemporaries();
  return copy;
}

void StateTable::remove(std::uint32_t slot) {
  Slot& s = slab_[slot];
  const std::size_t pos = findIndexPosition(s.state.mobile_node, hashOf(s.state.mobile_node));
  DSMIP_CHECK(pos != index_.size());
  indexErase(pos);
  if (s.state.kind == StateKind::Temporary) --temporary_count_;
  s.used = false;
  ++s.generation;
  --size_;
  free_slots_.push_back(slot);
}

std::optional<TimePoint> StateTable::nextDeadline(Duration temporary_lifetime) const {
  std::optional<TimePoint> next;
  if (!temporaries_.empty()) {
    const Ref r = temporaries_.front();
    // A stale front entry is due at once so that expire() drops it.
    next = live(r) ? slab_[r.slot].state.created + temporary_lifetime : TimePoint{};
  }
  if (!active_heap_.empty()) next = earliest(next, active_heap_.front().due);
  return next;
}

void StateTable::rescheduleActive(Duration active_lifetime) {
  std::vector<HeapEntry> entries;
  entries.reserve(active_heap_.size());
  for (const HeapEntry& e : active_heap_) {
    if (!live(e.ref)) continue;  // stale: the state is gone
    entries.push_back(HeapEntry{slab_[e.ref.slot].state.last_activity + active_lifetime, e.ref});
  }
  active_heap_ = std::move(entries);
  std::make_heap(active_heap_.begin(), active_heap_.end(),
                 [](const HeapEntry& a, const HeapEntry& b) { return heapLater(a, b); });
}

void StateTable::heapPush(HeapEntry e) {
  active_heap_.push_back(e);
  std::push_heap(active_heap_.begin(), active_heap_.end(),
                 [](const HeapEntry& a, const HeapEntry& b) { return heapLater(a, b); });
}

StateTable::HeapEntry StateTable::heapPop() {
  std::pop_heap(active_heap_.begin(), active_heap_.end(),
                [](const HeapEntry& a, const HeapEntry& b) { return heapLater(a, b); });
  const HeapEntry e = active_heap_.back();
  active_heap_.pop_back();
  return e;
}

StateTableMemory StateTable::memory() const {
  StateTableMemory m;
  m.slab_bytes = slab_.capacity() * sizeof(Slot) + free_slots_.capacity() * sizeof(std::uint32_t);
  m.index_bytes = index_.capacity() * sizeof(IndexEntry);
  m.expiry_bytes = temporaries_.capacityBytes() + active_heap_.capacity() * sizeof(HeapEntry);
  return m;
}

}  // namespace dsmip::m6t
