#pragma once
// What a daemon changed in the system, so that it removes exactly that when it stops: every
// addition goes through InstalledState, which performs it and records how to undo it. Undo runs
// in reverse order (LIFO), tolerates things already gone (an interface that disappeared takes
// its addresses and routes with it), and is idempotent.

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/result.hpp"
#include "platform/netlink.hpp"

namespace dsmip::platform {

/// What to do when the thing to add already exists.
enum class IfExists : std::uint8_t {
  Fail,   // return the kernel's EEXIST; record nothing
  Keep,   // succeed; it was there before us, so it is not recorded and stays after us
  Adopt,  // succeed and record it: ours to remove (e.g. left behind by a crashed instance)
};

class InstalledState {
 public:
  /// `netlink` must outlive this object.
  explicit InstalledState(Netlink& netlink) : netlink_(&netlink) {}
  /// Undoes everything still recorded (errors are ignored here; call removeAll() first to see
  /// them).
  ~InstalledState();
  InstalledState(const InstalledState&) = delete;
  InstalledState& operator=(const InstalledState&) = delete;

  // --- additions: performed now, undone by removeAll() ---------------------------------
  [[nodiscard]] Status addAddress(int ifindex, const IpPrefix& address,
                                  const AddressOptions& options = {},
                                  IfExists if_exists = IfExists::Fail);
  /// Adds a route (WriteMode::Create); undo deletes it.
  [[nodiscard]] Status addRoute(const Route& route, IfExists if_exists = IfExists::Fail);
  /// Adds or replaces the route with the same key (destination, table, metric). If another
  /// route was replaced, undo puts that one back; otherwise undo deletes ours.
  [[nodiscard]] Status replaceRoute(const Route& route);
  [[nodiscard]] Status addProxyNeighbour(const ProxyNeighbour& entry,
                                         IfExists if_exists = IfExists::Fail);
  [[nodiscard]] Status addRule(const Rule& rule, IfExists if_exists = IfExists::Fail);
  /// Writes a sysctl; if the value changes, undo writes the old value back. Setting a value
  /// that is already in place records nothing.
  [[nodiscard]] Status setSysctl(const std::string& key, const std::string& value);

  // --- early removal of one recorded item (most recent match) ---------------------------
  // Each undoes the item now and forgets it; NotFound if it is not recorded. A thing already
  // gone from the kernel counts as removed.
  [[nodiscard]] Status removeAddress(int ifindex, const IpPrefix& address);
  [[nodiscard]] Status removeRoute(const Route& route);
  [[nodiscard]] Status removeProxyNeighbour(const ProxyNeighbour& entry);
  [[nodiscard]] Status removeRule(const Rule& rule);
  [[nodiscard]] Status restoreSysctl(const std::string& key);

  /// Undoes everything, newest first. Items already gone count as removed. Every item is
  /// attempted; the first real failure is returned, and the list is empty afterwards.
  [[nodiscard]] Status removeAll();
  /// Forgets everything without undoing it (the state is left in place on purpose).
  void release() { items_.clear(); }

  [[nodiscard]] std::size_t size() const { return items_.size(); }
  [[nodiscard]] bool empty() const { return items_.empty(); }
  /// One line per recorded item, oldest first ("route 10.0.0.0/8 dev #3 table 254", …).
  [[nodiscard]] std::vector<std::string> describe() const;

 private:
  struct AddressItem {
    int ifindex;
    IpPrefix address;
    friend bool operator==(const AddressItem&, const AddressItem&) = default;
  };
  struct RouteItem {
    Route route;
    std::optional<Route> replaced;  // put back on undo
    friend bool operator==(const RouteItem&, const RouteItem&) = default;
  };
  struct ProxyItem {
    ProxyNeighbour entry;
    friend bool operator==(const ProxyItem&, const ProxyItem&) = default;
  };
  struct RuleItem {
    Rule rule;
    friend bool operator==(const RuleItem&, const RuleItem&) = default;
  };
  struct SysctlItem {
    std::string key;
    std::string old_value;
    friend bool operator==(const SysctlItem&, const SysctlItem&) = default;
  };
  using Item = std::variant<AddressItem, RouteItem, ProxyItem, RuleItem, SysctlItem>;

  [[nodiscard]] Status undo(const Item& item);
  template <typename Match>
  [[nodiscard]] Status removeMatching(Match match);

  Netlink* netlink_;
  std::vector<Item> items_;
};

}  // namespace dsmip::platform
