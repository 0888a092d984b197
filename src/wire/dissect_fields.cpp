// The field model of a dissection: typed, ordered name/value pairs and the lookups the
// renderers and the tests use.
#include <fmt/format.h>

#include <string>
#include <utility>

#include "wire/dissect.hpp"

namespace dsmip::wire {

DissectObject& DissectObject::addNumber(std::string name, std::uint64_t value,
                                        std::uint8_t hex_digits) {
  DissectField f;
  f.name = std::move(name);
  f.kind = DissectField::Kind::Number;
  f.number = value;
  f.hex_digits = hex_digits;
  fields.push_back(std::move(f));
  return *this;
}

DissectObject& DissectObject::addBool(std::string name, bool value) {
  DissectField f;
  f.name = std::move(name);
  f.kind = DissectField::Kind::Boolean;
  f.number = value ? 1 : 0;
  fields.push_back(std::move(f));
  return *this;
}

DissectObject& DissectObject::addText(std::string name, std::string value) {
  DissectField f;
  f.name = std::move(name);
  f.kind = DissectField::Kind::Text;
  f.text = std::move(value);
  fields.push_back(std::move(f));
  return *this;
}

std::vector<DissectObject>& DissectObject::addList(std::string name, std::string item_label) {
  DissectField f;
  f.name = std::move(name);
  f.kind = DissectField::Kind::List;
  f.item_label = std::move(item_label);
  fields.push_back(std::move(f));
  return fields.back().items;
}

const DissectField* DissectObject::find(std::string_view name) const {
  for (const DissectField& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string DissectObject::value(std::string_view name) const {
  const DissectField* f = find(name);
  if (f == nullptr) return {};
  switch (f->kind) {
    case DissectField::Kind::Number:
      if (f->hex_digits > 0) return fmt::format("0x{:0{}x}", f->number, int{f->hex_digits});
      return std::to_string(f->number);
    case DissectField::Kind::Boolean:
      return f->number != 0 ? "true" : "false";
    case DissectField::Kind::Text:
      return f->text;
    case DissectField::Kind::List:
      return {};
  }
  return {};
}

const std::vector<DissectObject>& DissectObject::list(std::string_view name) const {
  static const std::vector<DissectObject> kEmpty;
  const DissectField* f = find(name);
  if (f == nullptr || f->kind != DissectField::Kind::List) return kEmpty;
  return f->items;
}

std::string Dissection::summary() const {
  std::string out;
  for (const DissectLayer& layer : layers) {
    if (layer.summary.empty()) continue;
    if (!out.empty()) out += " | ";
    out += layer.summary;
  }
  if (error) {
    if (!out.empty()) out += ' ';
    out += fmt::format("[malformed {}: {} at offset {}: {}]", error->layer,
                       errorCodeName(error->code), error->offset, error->reason);
  }
  return out;
}

const DissectLayer* Dissection::findLayer(std::string_view name, std::size_t nth) const {
  for (const DissectLayer& layer : layers) {
    if (layer.name != name) continue;
    if (nth == 0) return &layer;
    --nth;
  }
  return nullptr;
}

std::string_view linkTypeName(std::uint32_t link_type) {
  switch (link_type) {
    case link_type::kNull:
      return "null";
    case link_type::kEthernet:
      return "ethernet";
    case link_type::kRawDlt12:
    case link_type::kRawDlt14:
    case link_type::kRaw:
      return "raw";
    case link_type::kLoop:
      return "loop";
    case link_type::kLinuxSll:
      return "linux-sll";
    case link_type::kIpv4:
      return "ipv4";
    case link_type::kIpv6:
      return "ipv6";
    case link_type::kLinuxSll2:
      return "linux-sll2";
    default:
      return "unknown";
  }
}

bool isSupportedLinkType(std::uint32_t link_type) { return linkTypeName(link_type) != "unknown"; }

}  // namespace dsmip::wire
