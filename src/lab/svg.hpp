#pragma once
// `dsmip lab --report FILE.svg` (pure): a timeline per scenario — the TCP streams' throughput
// (bins of 250 ms), a row of marks per echo stream (answered or lost requests), the visited
// networks as bands, idle windows shaded, each handover marked with its interruption and
// losses. Plain SVG 1.1 written here, no library.

#include <string>
#include <vector>

#include "lab/analysis.hpp"
#include "lab/record.hpp"

namespace dsmip::lab {

/// The SVG document for the scenarios (records[i] and results[i] describe the same one).
std::string renderSvg(const std::vector<ScenarioRecord>& records,
                      const std::vector<ScenarioResult>& results);

/// Escapes &, <, >, " for text and attribute values.
std::string xmlEscape(std::string_view text);

}  // namespace dsmip::lab
