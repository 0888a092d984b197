// Text and JSON renderings of a dissection. The field names are the same in both; docs/decode.md
// lists them.
#include "wire/dissect_render.hpp"

#include <fmt/format.h>

#include <string>

namespace dsmip::wire {
namespace {

// Text output quotes values that would otherwise be ambiguous (spaces, '=', empty).
std::string textValue(const DissectField& f) {
  switch (f.kind) {
    case DissectField::Kind::Number:
      if (f.hex_digits > 0) return fmt::format("0x{:0{}x}", f.number, int{f.hex_digits});
      return std::to_string(f.number);
    case DissectField::Kind::Boolean:
      return f.number != 0 ? "true" : "false";
    case DissectField::Kind::Text:
      if (f.text.empty() || f.text.find_first_of(" =\"") != std::string::npos) {
        return jsonString(f.text);
      }
      return f.text;
    case DissectField::Kind::List:
      return {};
  }
  return {};
}

// name=value pairs of an object's scalar fields, skipping `skip1` / `skip2`.
std::string scalarFields(const DissectObject& object, std::string_view skip1 = {},
                         std::string_view skip2 = {}) {
  std::string out;
  for (const DissectField& f : object.fields) {
    if (f.kind == DissectField::Kind::List) continue;
    if ((!skip1.empty() && f.name == skip1) || (!skip2.empty() && f.name == skip2)) continue;
    if (!out.empty()) out += ' ';
    out += f.name;
    out += '=';
    out += textValue(f);
  }
  return out;
}

// Each item of each List field on its own line: "LABEL [NAME] [(type N)]: fields".
void appendTextLists(std::string& out, const DissectObject& object, std::size_t indent) {
  for (const DissectField& f : object.fields) {
    if (f.kind != DissectField::Kind::List) continue;
    for (const DissectObject& item : f.items) {
      out.append(indent, ' ');
      out += f.item_label;
      const DissectField* name = item.find("name");
      const DissectField* type = item.find("type");
      if (name != nullptr && name->kind == DissectField::Kind::Text) out += ' ' + name->text;
      if (type != nullptr && type->kind == DissectField::Kind::Number) {
        out += fmt::format(" (type {})", type->number);
      }
      const std::string fields =
          scalarFields(item, name != nullptr ? "name" : "", type != nullptr ? "type" : "");
      if (!fields.empty()) out += ": " + fields;
      out += '\n';
      appendTextLists(out, item, indent + 2);
    }
  }
}

void appendJsonObjectFields(std::string& out, const DissectObject& object, bool first);

void appendJsonField(std::string& out, const DissectField& f) {
  out += jsonString(f.name);
  out += ':';
  switch (f.kind) {
    case DissectField::Kind::Number:
      out += std::to_string(f.number);
      return;
    case DissectField::Kind::Boolean:
      out += f.number != 0 ? "true" : "false";
      return;
    case DissectField::Kind::Text:
      out += jsonString(f.text);
      return;
    case DissectField::Kind::List:
      out += '[';
      for (std::size_t i = 0; i < f.items.size(); ++i) {
        if (i > 0) out += ',';
        out += '{';
        appendJsonObjectFields(out, f.items[i], true);
        out += '}';
      }
      out += ']';
      return;
  }
}

void appendJsonObjectFields(std::string& out, const DissectObject& object, bool first) {
  for (const DissectField& f : object.fields) {
    if (!first) out += ',';
    first = false;
    appendJsonField(out, f);
  }
}

std::string lengthText(const FrameInfo& info, const Dissection& d) {
  if (info.original_length && *info.original_length != d.length) {
    return fmt::format("{}/{}", d.length, *info.original_length);
  }
  return std::to_string(d.length);
}

}  // namespace

std::string jsonString(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        // Control characters, and octets outside ASCII (which might not be valid UTF-8), are
        // escaped so that the output is always valid JSON.
        if (byte < 0x20 || byte >= 0x7F) {
          out += fmt::format("\\u{:04x}", unsigned{byte});
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string renderDissectionText(const FrameInfo& info, const Dissection& d, bool summary_only) {
  std::string out = fmt::format("#{} {} {} {}\n", info.number,
                                info.time ? fmt::format("{:.6f}", *info.time) : std::string("-"),
                                lengthText(info, d), d.summary());
  if (summary_only) return out;
  for (const DissectLayer& layer : d.layers) {
    out += fmt::format("  {} @{}", layer.name, layer.offset);
    const std::string fields = scalarFields(layer);
    if (!fields.empty()) out += ": " + fields;
    out += '\n';
    appendTextLists(out, layer, 4);
  }
  for (const std::string& warning : d.warnings) out += "  warning: " + warning + '\n';
  if (d.error) {
    out += fmt::format("  error: {} at offset {} in {}: {}\n", errorCodeName(d.error->code),
                       d.error->offset, d.error->layer, d.error->reason);
  }
  return out;
}

std::string renderDissectionJson(const FrameInfo& info, const Dissection& d) {
  std::string out = "{";
  out += fmt::format("\"packet\":{},\"input\":{},", info.number, jsonString(info.input));
  out += "\"time\":" + (info.time ? fmt::format("{:.6f}", *info.time) : std::string("null"));
  out += ",\"timestamp\":" +
         (info.timestamp ? fmt::format("{:.6f}", *info.timestamp) : std::string("null"));
  out += fmt::format(",\"length\":{},\"captured_length\":{}",
                     info.original_length.value_or(d.length), d.length);
  out += ",\"link\":" + jsonString(linkTypeName(d.link_type));
  out += ",\"summary\":" + jsonString(d.summary());
  out += d.ok() ? ",\"ok\":true" : ",\"ok\":false";
  out += ",\"layers\":[";
  for (std::size_t i = 0; i < d.layers.size(); ++i) {
    const DissectLayer& layer = d.layers[i];
    if (i > 0) out += ',';
    out += "{\"layer\":" + jsonString(layer.name) + fmt::format(",\"offset\":{}", layer.offset);
    appendJsonObjectFields(out, layer, false);
    out += '}';
  }
  out += "],\"warnings\":[";
  for (std::size_t i = 0; i < d.warnings.size(); ++i) {
    if (i > 0) out += ',';
    out += jsonString(d.warnings[i]);
  }
  out += ']';
  if (d.error) {
    out += ",\"error\":{\"layer\":" + jsonString(d.error->layer) +
           ",\"code\":" + jsonString(errorCodeName(d.error->code)) +
           ",\"reason\":" + jsonString(d.error->reason) +
           fmt::format(",\"offset\":{}}}", d.error->offset);
  }
  out += "}\n";
  return out;
}

}  // namespace dsmip::wire
