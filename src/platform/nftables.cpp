#include "platform/nftables.hpp"

#include <nftables/libnftables.h>

#include <fmt/format.h>

#include <memory>
#include <utility>

namespace dsmip::platform {

namespace {

struct ContextDeleter {
  void operator()(nft_ctx* ctx) const { nft_ctx_free(ctx); }
};

std::string_view familyName(NftFamily family) {
  switch (family) {
    case NftFamily::Ip:
      return "ip";
    case NftFamily::Ip6:
      return "ip6";
    case NftFamily::Inet:
      break;
  }
  return "inet";
}

}  // namespace

Status runNftCommands(std::string_view commands) {
  std::unique_ptr<nft_ctx, ContextDeleter> ctx(nft_ctx_new(NFT_CTX_DEFAULT));
  if (!ctx) return makeError(ErrorCode::SystemError, "nftables: cannot create a context");
  // Capture messages instead of letting the library print them.
  (void)nft_ctx_buffer_output(ctx.get());
  (void)nft_ctx_buffer_error(ctx.get());
  const std::string text(commands);
  if (nft_run_cmd_from_buffer(ctx.get(), text.c_str()) != 0) {
    std::string message = nft_ctx_get_error_buffer(ctx.get());
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    return makeError(ErrorCode::SystemError, "nftables: " + message);
  }
  return {};
}

Result<NftTable> NftTable::create(NftFamily family, std::string name, std::string_view body) {
  NftTable table;
  table.family_ = family;
  table.name_ = std::move(name);
  const std::string qualified = table.qualifiedName();
  // "add table" then "delete table" empties a leftover of a crashed instance atomically with
  // the creation: one transaction.
  const std::string commands =
      fmt::format("add table {0}\ndelete table {0}\ntable {0} {{\n{1}\n}}\n", qualified, body);
  if (Status s = runNftCommands(commands); !s) return Unexpected{s.error()};
  table.installed_ = true;
  return table;
}

NftTable::NftTable(NftTable&& other) noexcept
    : family_(other.family_),
      name_(std::move(other.name_)),
      installed_(std::exchange(other.installed_, false)) {}

NftTable& NftTable::operator=(NftTable&& other) noexcept {
  if (this != &other) {
    (void)remove();
    family_ = other.family_;
    name_ = std::move(other.name_);
    installed_ = std::exchange(other.installed_, false);
  }
  return *this;
}

NftTable::~NftTable() { (void)remove(); }

std::string NftTable::qualifiedName() const {
  return fmt::format("{} {}", familyName(family_), name_);
}

Status NftTable::remove() {
  if (!installed_) return {};
  installed_ = false;
  return runNftCommands(fmt::format("delete table {}\n", qualifiedName()));
}

}  // namespace dsmip::platform
