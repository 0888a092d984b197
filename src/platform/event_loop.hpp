#pragma once
// The single-threaded event loop every daemon runs: epoll for descriptors, one timerfd
// (CLOCK_MONOTONIC, absolute deadlines) behind any number of timers kept in a heap, and a
// signalfd for the signals a daemon handles (SIGTERM, SIGINT, SIGHUP).
//
// One round of run():
//   1. wait in epoll_wait until a descriptor is ready (the timerfd is armed at the earliest
//      timer deadline, so a due timer also ends the wait);
//   2. dispatch signals first (so that a stop request is seen before more work is done), then
//      descriptor events in the order epoll reported them, then every timer due at the time
//      read after step 1, in deadline order (equal deadlines: in the order they were armed);
//   3. re-program the timerfd once for the earliest remaining deadline.
// Callbacks may watch and unwatch descriptors, add, arm, cancel and remove timers (their own
// included) at any time: an event or timer cancelled by an earlier callback of the same round is
// not delivered, and a callback's std::function is destroyed only after the round.
// Level-triggered: a descriptor left readable is reported again next round.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "platform/fd.hpp"

namespace dsmip::platform {

/// What a descriptor is watched for. Errors and hang-ups are always reported.
enum class Interest : std::uint8_t { Read = 1, Write = 2, ReadWrite = 3 };

/// What happened on a watched descriptor.
struct IoEvents {
  bool readable = false;  // EPOLLIN / EPOLLPRI
  bool writable = false;  // EPOLLOUT
  bool error = false;     // EPOLLERR: for sockets with IP_RECVERR, the error queue has entries
  bool hangup = false;    // EPOLLHUP / EPOLLRDHUP
};

/// Names a timer of one EventLoop. A removed timer's id never names another timer.
struct TimerId {
  std::uint32_t index = 0;
  std::uint32_t generation = 0;
  friend bool operator==(const TimerId&, const TimerId&) = default;
};

class EventLoop {
 public:
  using IoCallback = std::function<void(IoEvents events)>;
  /// `now` is CLOCK_MONOTONIC read once for the round (≥ the timer's deadline).
  using TimerCallback = std::function<void(TimePoint now)>;
  using SignalCallback = std::function<void(int signal)>;

  /// Creates the epoll instance and the timerfd.
  [[nodiscard]] static Result<std::unique_ptr<EventLoop>> create();
  /// Closes the loop's descriptors and unblocks the signals it blocked.
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // --- descriptors ---------------------------------------------------------------------
  /// Watches `fd` (not owned; unwatch it before closing it). EEXIST if already watched.
  [[nodiscard]] Status watch(int fd, Interest interest, IoCallback callback);
  /// Changes what a watched descriptor is watched for (e.g. add Write while output is queued).
  [[nodiscard]] Status setInterest(int fd, Interest interest);
  /// Stops watching `fd`; pending events of this round are dropped. No-op if not watched.
  void unwatch(int fd);
  [[nodiscard]] bool watching(int fd) const;

  // --- timers --------------------------------------------------------------------------
  /// Creates a disarmed timer.
  [[nodiscard]] TimerId addTimer(TimerCallback callback);
  /// Arms (or re-arms, replacing the old deadline) a timer for an absolute CLOCK_MONOTONIC
  /// deadline; a deadline in the past fires in the next round. A timer fires once per arming.
  void armTimer(TimerId id, TimePoint deadline);
  /// Arms a timer for monotonicNow() + delay.
  void armTimerAfter(TimerId id, Duration delay);
  /// Disarms a timer (no-op if not armed); it can be armed again.
  void cancelTimer(TimerId id);
  /// Disarms and destroys a timer; its id becomes invalid. No-op for an invalid id.
  void removeTimer(TimerId id);
  /// The deadline of an armed timer; nullopt if disarmed or invalid.
  [[nodiscard]] std::optional<TimePoint> timerDeadline(TimerId id) const;

  // --- signals -------------------------------------------------------------------------
  /// Delivers `signal` (e.g. SIGTERM) to `callback` through the signalfd. The signal is blocked
  /// for the calling thread so that it is no longer delivered the default way; the loop must be
  /// created and used by the one thread the daemon runs. Replaces an earlier callback.
  [[nodiscard]] Status watchSignal(int signal, SignalCallback callback);

  // --- running -------------------------------------------------------------------------
  /// Runs rounds until stop() is called (returns after finishing that round). Fails only if
  /// epoll_wait fails.
  [[nodiscard]] Status run();
  /// Runs one round, waiting at most `max_wait` (nullopt: until something happens; 0: poll).
  [[nodiscard]] Status runOnce(std::optional<Duration> max_wait);
  /// Makes run() return after the current round. Safe from any callback (not from other
  /// threads or signal handlers: use watchSignal).
  void stop() { stop_requested_ = true; }
  [[nodiscard]] bool stopRequested() const { return stop_requested_; }

  /// Number of armed timers (for tests and statistics).
  [[nodiscard]] std::size_t armedTimers() const { return heap_.size(); }

 private:
  struct Watch {
    IoCallback callback;
    std::uint32_t generation = 0;
    bool active = false;
  };
  struct TimerSlot {
    TimerCallback callback;
    TimePoint deadline{};
    std::uint64_t sequence = 0;  // arming order, breaks deadline ties
    std::size_t heap_index = kNotInHeap;
    std::uint32_t generation = 0;
    bool in_use = false;
    bool fire_pending = false;  // taken from the heap this round, not yet fired
  };
  static constexpr std::size_t kNotInHeap = static_cast<std::size_t>(-1);

  EventLoop(UniqueFd epoll, UniqueFd timer);
  [[nodiscard]] TimerSlot* slot(TimerId id);
  [[nodiscard]] const TimerSlot* slot(TimerId id) const;
  [[nodiscard]] bool heapLess(std::size_t a, std::size_t b) const;
  void heapSwap(std::size_t a, std::size_t b);
  void heapUp(std::size_t i);
  void heapDown(std::size_t i);
  void heapRemove(std::uint32_t index);
  void dispatchSignals();
  void dispatchTimers(TimePoint now);
  void programTimerFd();

  UniqueFd epoll_;
  UniqueFd timer_fd_;
  UniqueFd signal_fd_;
  std::vector<Watch> watches_;  // indexed by descriptor number
  std::uint32_t watch_generation_ = 0;
  std::vector<TimerSlot> timers_;
  std::vector<std::uint32_t> free_timers_;
  std::vector<std::uint32_t> heap_;  // timer slot indices, earliest deadline on top
  std::vector<std::uint32_t> due_;   // timers taken from the heap this round
  std::uint64_t next_sequence_ = 0;
  std::optional<TimePoint> programmed_;  // what the timerfd is armed for
  std::vector<std::pair<int, SignalCallback>> signal_callbacks_;
  std::vector<int> blocked_signals_;  // blocked by us, unblocked in the destructor
  // Callbacks removed during a round; destroyed after it, never while one of them runs.
  std::vector<IoCallback> dead_io_;
  std::vector<TimerCallback> dead_timers_;
  bool stop_requested_ = false;
};

/// A timer owned by an object: removed from the loop when destroyed. Move-only.
class Timer {
 public:
  Timer() = default;
  Timer(EventLoop& loop, EventLoop::TimerCallback callback)
      : loop_(&loop), id_(loop.addTimer(std::move(callback))) {}
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  Timer(Timer&& other) noexcept : loop_(std::exchange(other.loop_, nullptr)), id_(other.id_) {}
  Timer& operator=(Timer&& other) noexcept {
    if (this != &other) {
      reset();
      loop_ = std::exchange(other.loop_, nullptr);
      id_ = other.id_;
    }
    return *this;
  }
  ~Timer() { reset(); }

  void arm(TimePoint deadline) { loop_->armTimer(id_, deadline); }
  void armAfter(Duration delay) { loop_->armTimerAfter(id_, delay); }
  void cancel() { loop_->cancelTimer(id_); }
  [[nodiscard]] bool armed() const { return loop_ && loop_->timerDeadline(id_).has_value(); }
  [[nodiscard]] std::optional<TimePoint> deadline() const {
    return loop_ ? loop_->timerDeadline(id_) : std::nullopt;
  }
  [[nodiscard]] TimerId id() const { return id_; }

 private:
  void reset() {
    if (loop_) loop_->removeTimer(id_);
    loop_ = nullptr;
  }
  EventLoop* loop_ = nullptr;
  TimerId id_{};
};

/// A descriptor watch owned by an object: unwatched when destroyed. Move-only.
class FdWatch {
 public:
  FdWatch() = default;
  FdWatch(const FdWatch&) = delete;
  FdWatch& operator=(const FdWatch&) = delete;
  FdWatch(FdWatch&& other) noexcept
      : loop_(std::exchange(other.loop_, nullptr)), fd_(std::exchange(other.fd_, -1)) {}
  FdWatch& operator=(FdWatch&& other) noexcept {
    if (this != &other) {
      reset();
      loop_ = std::exchange(other.loop_, nullptr);
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~FdWatch() { reset(); }

  /// Watches `fd` on `loop` (see EventLoop::watch).
  [[nodiscard]] static Result<FdWatch> create(EventLoop& loop, int fd, Interest interest,
                                              EventLoop::IoCallback callback) {
    if (auto s = loop.watch(fd, interest, std::move(callback)); !s) return Unexpected{s.error()};
    FdWatch w;
    w.loop_ = &loop;
    w.fd_ = fd;
    return w;
  }
  [[nodiscard]] Status setInterest(Interest interest) { return loop_->setInterest(fd_, interest); }
  [[nodiscard]] bool active() const { return loop_ != nullptr; }
  void reset() {
    if (loop_) loop_->unwatch(fd_);
    loop_ = nullptr;
    fd_ = -1;
  }

 private:
  EventLoop* loop_ = nullptr;
  int fd_ = -1;
};

}  // namespace dsmip::platform
