#pragma once
// nftables rulesets a daemon installs for as long as it runs, through libnftables (the library
// behind nft(8); no process is started). A ruleset lives in one table of its own, so that removing
// it is "delete table" and cannot touch anyone else's rules.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace dsmip::platform {

/// The nftables families a table can belong to.
enum class NftFamily : std::uint8_t { Ip, Ip6, Inet };

/// Runs nft commands (the nft(8) language) in the caller's network namespace. The error detail
/// carries libnftables' message.
[[nodiscard]] Status runNftCommands(std::string_view commands);

/// A table created from a ruleset text and deleted by remove() or the destructor. Move-only.
class NftTable {
 public:
  NftTable() = default;
  /// Creates table `name` of `family` with `body` (chains and rules, the text between the
  /// table's braces). A table of that name left behind by a crashed instance is replaced.
  [[nodiscard]] static Result<NftTable> create(NftFamily family, std::string name,
                                               std::string_view body);
  NftTable(NftTable&& other) noexcept;
  NftTable& operator=(NftTable&& other) noexcept;
  NftTable(const NftTable&) = delete;
  NftTable& operator=(const NftTable&) = delete;
  ~NftTable();

  /// Deletes the table now (idempotent).
  [[nodiscard]] Status remove();
  [[nodiscard]] bool installed() const { return installed_; }
  /// "ip6 dsmip_mn0" as nft names it.
  [[nodiscard]] std::string qualifiedName() const;

 private:
  NftFamily family_ = NftFamily::Inet;
  std::string name_;
  bool installed_ = false;
};

}  // namespace dsmip::platform
