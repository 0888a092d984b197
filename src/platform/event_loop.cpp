// EventLoop: epoll + one timerfd behind a heap of timers + signalfd.
#include "platform/event_loop.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <limits>

#include "common/assert.hpp"
#include "platform/clock.hpp"

namespace dsmip::platform {

namespace {

// epoll data of the loop's own descriptors; watched descriptors use (generation << 32 | fd),
// and generations start at 1, so these cannot collide.
constexpr std::uint64_t kTimerToken = 0;
constexpr std::uint64_t kSignalToken = 1;

constexpr int kMaxEventsPerRound = 64;

std::uint32_t epollMask(Interest interest) {
  std::uint32_t mask = EPOLLRDHUP;
  if (interest == Interest::Read || interest == Interest::ReadWrite) mask |= EPOLLIN | EPOLLPRI;
  if (interest == Interest::Write || interest == Interest::ReadWrite) mask |= EPOLLOUT;
  return mask;
}

timespec toTimespec(TimePoint t) {
  // A zero it_value would disarm the timerfd: deadlines at or before the clock's origin are
  // clamped to 1 ns, which is in the past anyway and fires at once.
  std::int64_t ns = t.time_since_epoch().count();
  if (ns <= 0) ns = 1;
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  return ts;
}

}  // namespace

Result<std::unique_ptr<EventLoop>> EventLoop::create() {
  UniqueFd epoll{::epoll_create1(EPOLL_CLOEXEC)};
  if (!epoll) return osError("epoll_create1", errno);
  UniqueFd timer{::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)};
  if (!timer) return osError("timerfd_create", errno);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kTimerToken;
  if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, timer.get(), &ev) == -1) {
    return osError("epoll_ctl(timerfd)", errno);
  }
  return std::unique_ptr<EventLoop>(new EventLoop(std::move(epoll), std::move(timer)));
}

EventLoop::EventLoop(UniqueFd epoll, UniqueFd timer)
    : epoll_(std::move(epoll)), timer_fd_(std::move(timer)) {}

EventLoop::~EventLoop() {
  if (blocked_signals_.empty()) return;
  // Consume what is pending so that unblocking does not deliver it with the default action
  // (which for SIGTERM would kill a process that is shutting down cleanly anyway).
  if (signal_fd_) {
    signalfd_siginfo info{};
    while (::read(signal_fd_.get(), &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info))) {
    }
  }
  sigset_t set;
  sigemptyset(&set);
  for (const int s : blocked_signals_) sigaddset(&set, s);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

// --- descriptors --------------------------------------------------------------------------

Status EventLoop::watch(int fd, Interest interest, IoCallback callback) {
  if (fd < 0) return osError("event loop: watch", EBADF);
  const auto index = static_cast<std::size_t>(fd);
  if (index >= watches_.size()) watches_.resize(index + 1);
  Watch& w = watches_[index];
  if (w.active) return osError("event loop: watch", EEXIST, "descriptor already watched");
  if (++watch_generation_ == 0) watch_generation_ = 1;
  epoll_event ev{};
  ev.events = epollMask(interest);
  ev.data.u64 = (std::uint64_t{watch_generation_} << 32) | static_cast<std::uint32_t>(fd);
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) == -1) {
    return osError("epoll_ctl(ADD)", errno);
  }
  // A callback of an earlier watch of this fd, unwatched this round, may still be running.
  if (w.callback) dead_io_.push_back(std::move(w.callback));
  w.callback = std::move(callback);
  w.generation = watch_generation_;
  w.active = true;
  return {};
}

Status EventLoop::setInterest(int fd, Interest interest) {
  if (!watching(fd)) return osError("event loop: set interest", ENOENT, "descriptor not watched");
  const Watch& w = watches_[static_cast<std::size_t>(fd)];
  epoll_event ev{};
  ev.events = epollMask(interest);
  ev.data.u64 = (std::uint64_t{w.generation} << 32) | static_cast<std::uint32_t>(fd);
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev) == -1) {
    return osError("epoll_ctl(MOD)", errno);
  }
  return {};
}

void EventLoop::unwatch(int fd) {
  if (!watching(fd)) return;
  Watch& w = watches_[static_cast<std::size_t>(fd)];
  // Fails only if the descriptor was already closed, which removed it from the set anyway.
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  w.active = false;
  if (w.callback) dead_io_.push_back(std::move(w.callback));
  w.callback = nullptr;
}

bool EventLoop::watching(int fd) const {
  return fd >= 0 && static_cast<std::size_t>(fd) < watches_.size() &&
         watches_[static_cast<std::size_t>(fd)].active;
}

// --- timers -------------------------------------------------------------------------------

TimerId EventLoop::addTimer(TimerCallback callback) {
  std::uint32_t index = 0;
  if (!free_timers_.empty()) {
    index = free_timers_.back();
    free_timers_.pop_back();
  } else {
    DSMIP_CHECK(timers_.size() < std::numeric_limits<std::uint32_t>::max());
    index = static_cast<std::uint32_t>(timers_.size());
    timers_.emplace_back();
  }
  TimerSlot& t = timers_[index];
  t.callback = std::move(callback);
  t.in_use = true;
  t.fire_pending = false;
  t.heap_index = kNotInHeap;
  return TimerId{index, t.generation};
}

EventLoop::TimerSlot* EventLoop::slot(TimerId id) {
  if (id.index >= timers_.size()) return nullptr;
  TimerSlot& t = timers_[id.index];
  return (t.in_use && t.generation == id.generation) ? &t : nullptr;
}

const EventLoop::TimerSlot* EventLoop::slot(TimerId id) const {
  if (id.index >= timers_.size()) return nullptr;
  const TimerSlot& t = timers_[id.index];
  return (t.in_use && t.generation == id.generation) ? &t : nullptr;
}

void EventLoop::armTimer(TimerId id, TimePoint deadline) {
  TimerSlot* t = slot(id);
  DSMIP_ASSERT(t != nullptr);
  if (t == nullptr) return;
  t->fire_pending = false;
  t->deadline = deadline;
  t->sequence = next_sequence_++;
  if (t->heap_index == kNotInHeap) {
    t->heap_index = heap_.size();
    heap_.push_back(id.index);
    heapUp(t->heap_index);
  } else {
    // The new deadline may be earlier or later than the old one.
    const std::size_t at = t->heap_index;
    heapUp(at);
    heapDown(timers_[id.index].heap_index);
  }
}

void EventLoop::armTimerAfter(TimerId id, Duration delay) { armTimer(id, monotonicNow() + delay); }

void EventLoop::cancelTimer(TimerId id) {
  TimerSlot* t = slot(id);
  if (t == nullptr) return;
  t->fire_pending = false;
  if (t->heap_index != kNotInHeap) heapRemove(id.index);
}

void EventLoop::removeTimer(TimerId id) {
  TimerSlot* t = slot(id);
  if (t == nullptr) return;
  cancelTimer(id);
  if (t->callback) dead_timers_.push_back(std::move(t->callback));
  t->callback = nullptr;
  t->in_use = false;
  ++t->generation;
  free_timers_.push_back(id.index);
}

std::optional<TimePoint> EventLoop::timerDeadline(TimerId id) const {
  const TimerSlot* t = slot(id);
  if (t == nullptr || t->heap_index == kNotInHeap) return std::nullopt;
  return t->deadline;
}

bool EventLoop::heapLess(std::size_t a, std::size_t b) const {
  const TimerSlot& x = timers_[heap_[a]];
  const TimerSlot& y = timers_[heap_[b]];
  if (x.deadline != y.deadline) return x.deadline < y.deadline;
  return x.sequence < y.sequence;
}

void EventLoop::heapSwap(std::size_t a, std::size_t b) {
  std::swap(heap_[a], heap_[b]);
  timers_[heap_[a]].heap_index = a;
  timers_[heap_[b]].heap_index = b;
}

void EventLoop::heapUp(std::size_t i) {
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (!heapLess(i, parent)) break;
    heapSwap(i, parent);
    i = parent;
  }
}

void EventLoop::heapDown(std::size_t i) {
  for (;;) {
    const std::size_t left = 2 * i + 1;
    const std::size_t right = left + 1;
    std::size_t smallest = i;
    if (left < heap_.size() && heapLess(left, smallest)) smallest = left;
    if (right < heap_.size() && heapLess(right, smallest)) smallest = right;
    if (smallest == i) return;
    heapSwap(i, smallest);
    i = smallest;
  }
}

void EventLoop::heapRemove(std::uint32_t index) {
  const std::size_t at = timers_[index].heap_index;
  const std::size_t last = heap_.size() - 1;
  if (at != last) heapSwap(at, last);
  heap_.pop_back();
  timers_[index].heap_index = kNotInHeap;
  if (at < heap_.size()) {
    heapUp(at);
    heapDown(timers_[heap_[at]].heap_index);
  }
}

// --- signals ------------------------------------------------------------------------------

Status EventLoop::watchSignal(int signal, SignalCallback callback) {
  sigset_t one;
  sigemptyset(&one);
  if (sigaddset(&one, signal) == -1) return osError("event loop: watch signal", EINVAL);
  sigset_t old;
  if (const int err = pthread_sigmask(SIG_BLOCK, &one, &old); err != 0) {
    return osError("pthread_sigmask", err);
  }
  const bool was_blocked = sigismember(&old, signal) == 1;
  if (!was_blocked && std::find(blocked_signals_.begin(), blocked_signals_.end(), signal) ==
                          blocked_signals_.end()) {
    blocked_signals_.push_back(signal);
  }

  auto it = std::find_if(signal_callbacks_.begin(), signal_callbacks_.end(),
                         [&](const auto& entry) { return entry.first == signal; });
  if (it != signal_callbacks_.end()) {
    it->second = std::move(callback);
    return {};
  }
  signal_callbacks_.emplace_back(signal, std::move(callback));

  sigset_t all;
  sigemptyset(&all);
  for (const auto& entry : signal_callbacks_) sigaddset(&all, entry.first);
  const int fd = ::signalfd(signal_fd_ ? signal_fd_.get() : -1, &all, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd == -1) {
    signal_callbacks_.pop_back();
    return osError("signalfd", errno);
  }
  if (!signal_fd_) {
    signal_fd_.reset(fd);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kSignalToken;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) == -1) {
      const int err = errno;
      signal_fd_.reset();
      signal_callbacks_.pop_back();
      return osError("epoll_ctl(signalfd)", err);
    }
  }
  return {};
}

void EventLoop::dispatchSignals() {
  for (;;) {
    signalfd_siginfo info{};
    const ssize_t n = retryOnEintr([&] { return ::read(signal_fd_.get(), &info, sizeof(info)); });
    if (n != static_cast<ssize_t>(sizeof(info))) return;  // EAGAIN: all consumed
    const int signal = static_cast<int>(info.ssi_signo);
    for (auto& entry : signal_callbacks_) {
      if (entry.first == signal) {
        // Copy: the callback may replace itself through watchSignal().
        SignalCallback callback = entry.second;
        if (callback) callback(signal);
        break;
      }
    }
  }
}

// --- running ------------------------------------------------------------------------------

Status EventLoop::run() {
  stop_requested_ = false;
  while (!stop_requested_) {
    if (auto s = runOnce(std::nullopt); !s) return s;
  }
  return {};
}

Status EventLoop::runOnce(std::optional<Duration> max_wait) {
  programTimerFd();
  int timeout_ms = -1;
  if (max_wait) {
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*max_wait).count();
    timeout_ms = static_cast<int>(std::clamp<std::int64_t>(ms, 0, std::numeric_limits<int>::max()));
  }
  std::array<epoll_event, kMaxEventsPerRound> events{};
  const int n = ::epoll_wait(epoll_.get(), events.data(), kMaxEventsPerRound, timeout_ms);
  if (n == -1) {
    // A signal not routed through the signalfd (e.g. SIGCHLD with a handler, or a debugger)
    // interrupted the wait: an empty round.
    if (errno == EINTR) return {};
    return osError("epoll_wait", errno);
  }
  const auto count = static_cast<std::size_t>(n);

  for (std::size_t i = 0; i < count; ++i) {
    if (events[i].data.u64 == kSignalToken) dispatchSignals();
  }
  bool timer_ready = false;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t token = events[i].data.u64;
    if (token == kSignalToken) continue;
    if (token == kTimerToken) {
      timer_ready = true;
      continue;
    }
    const auto fd = static_cast<std::size_t>(token & 0xFFFFFFFFu);
    const auto generation = static_cast<std::uint32_t>(token >> 32);
    if (fd >= watches_.size()) continue;
    Watch& w = watches_[fd];
    if (!w.active || w.generation != generation) continue;  // unwatched earlier this round
    const std::uint32_t e = events[i].events;
    IoEvents io;
    io.readable = (e & (EPOLLIN | EPOLLPRI)) != 0;
    io.writable = (e & EPOLLOUT) != 0;
    io.error = (e & EPOLLERR) != 0;
    io.hangup = (e & (EPOLLHUP | EPOLLRDHUP)) != 0;
    // The callback runs from a local: watching a higher descriptor may reallocate watches_,
    // and the callback may unwatch itself; either would destroy it while it runs.
    IoCallback callback = std::move(w.callback);
    callback(io);
    Watch& after = watches_[fd];
    if (after.active && after.generation == generation) {
      after.callback = std::move(callback);
    } else {
      dead_io_.push_back(std::move(callback));
    }
  }
  if (timer_ready) {
    std::uint64_t expirations = 0;
    // Drains the expiration count; EAGAIN if it was already read, which is fine.
    [[maybe_unused]] const ssize_t r = ::read(timer_fd_.get(), &expirations, sizeof(expirations));
    programmed_.reset();
  }
  dispatchTimers(monotonicNow());

  dead_io_.clear();
  dead_timers_.clear();
  return {};
}

void EventLoop::dispatchTimers(TimePoint now) {
  // Take every due timer first, so that a callback re-arming a timer for a time already past
  // cannot keep this round going forever: the re-armed timer fires next round.
  due_.clear();
  while (!heap_.empty() && timers_[heap_.front()].deadline <= now) {
    const std::uint32_t index = heap_.front();
    heapRemove(index);
    timers_[index].fire_pending = true;
    due_.push_back(index);
  }
  for (const std::uint32_t index : due_) {
    TimerSlot& t = timers_[index];
    // Cancelled, re-armed or removed by an earlier callback of this round.
    if (!t.in_use || !t.fire_pending) continue;
    t.fire_pending = false;
    // The callback runs from a local: adding a timer may reallocate timers_, and the callback
    // may remove its own timer; either would destroy it while it runs.
    const std::uint32_t generation = t.generation;
    TimerCallback callback = std::move(t.callback);
    callback(now);
    TimerSlot& after = timers_[index];
    if (after.in_use && after.generation == generation) {
      after.callback = std::move(callback);
    } else {
      dead_timers_.push_back(std::move(callback));
    }
  }
}

void EventLoop::programTimerFd() {
  std::optional<TimePoint> wanted;
  if (!heap_.empty()) wanted = timers_[heap_.front()].deadline;
  if (wanted == programmed_) return;
  itimerspec spec{};
  if (wanted) spec.it_value = toTimespec(*wanted);
  // Cannot fail with a valid timerfd and a normalised timespec.
  [[maybe_unused]] const int r =
      ::timerfd_settime(timer_fd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr);
  programmed_ = wanted;
}

}  // namespace dsmip::platform
