#include "lab/svg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "lab/report.hpp"

namespace dsmip::lab {

std::string xmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

constexpr double kWidth = 1100;
constexpr double kLeft = 150;
constexpr double kRight = 20;
constexpr double kPlotWidth = kWidth - kLeft - kRight;
constexpr double kTitleHeight = 28;
constexpr double kBandHeight = 22;
constexpr double kThroughputHeight = 140;
constexpr double kEchoRowHeight = 16;
constexpr double kAxisHeight = 34;
constexpr double kGap = 24;
constexpr Duration kBin = std::chrono::milliseconds(250);

constexpr const char* kStreamColours[] = {"#1f77b4", "#ff7f0e", "#9467bd", "#8c564b"};
constexpr const char* kBandColours[] = {"#eef3fb", "#f7efe6", "#eef7ee", "#f6eef6"};

struct Panel {
  TimePoint start;
  double seconds = 1;
  double top = 0;
  [[nodiscard]] double x(TimePoint t) const {
    const double s = std::clamp(toSeconds(t - start), 0.0, seconds);
    return kLeft + s / seconds * kPlotWidth;
  }
};

double panelHeight(const ScenarioRecord& r) {
  return kTitleHeight + kBandHeight + kThroughputHeight + kGap +
         static_cast<double>(r.echo.size()) * kEchoRowHeight + kAxisHeight;
}

// A "nice" axis maximum and step (1, 2, 5 × 10^n).
std::pair<double, double> niceAxis(double max) {
  if (max <= 0) return {1, 0.5};
  const double raw = max / 4;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  return {std::ceil(max / step) * step, step};
}

void renderPanel(std::string& out, const ScenarioRecord& r, const ScenarioResult* result,
                 double top) {
  Panel p;
  p.start = r.started;
  p.seconds = std::max(1e-3, toSeconds(r.ended - r.started));
  p.top = top;
  const double band_top = top + kTitleHeight;
  const double plot_top = band_top + kBandHeight;
  const double plot_bottom = plot_top + kThroughputHeight;
  const double echo_top = plot_bottom + kGap;
  const double echo_bottom = echo_top + static_cast<double>(r.echo.size()) * kEchoRowHeight;

  out += fmt::format(
      "<text x=\"10\" y=\"{:.1f}\" class=\"title\">{} — {}{}</text>\n", top + 18, xmlEscape(r.name),
      xmlEscape(r.title),
      result == nullptr ? "" : (result->ok() ? " (all checks passed)" : " (CHECKS FAILED)"));

  // The visited networks, and idle windows.
  for (std::size_t i = 0; i < r.attachments.size(); ++i) {
    const AttachmentRecord& a = r.attachments[i];
    const double x0 = p.x(a.moved);
    const double x1 = p.x(a.left.value_or(r.ended));
    out += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"/>\n", x0,
        band_top, std::max(0.0, x1 - x0), echo_bottom - band_top, kBandColours[i % 4]);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"band\">{} · {}</text>\n", x0 + 4,
                       band_top + 15, xmlEscape(a.network), xmlEscape(a.mechanism));
    if (a.idle_begin && a.idle_end) {
      const double i0 = p.x(*a.idle_begin);
      const double i1 = p.x(*a.idle_end);
      out += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
          "class=\"idle\"/>\n<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"small\">idle "
          "(keep-alives)</text>\n",
          i0, plot_top, std::max(0.0, i1 - i0), echo_bottom - plot_top, i0 + 3, plot_top + 12);
    }
  }

  // Throughput of the TCP streams.
  const auto bins = static_cast<std::size_t>(std::ceil(p.seconds / toSeconds(kBin))) + 1;
  std::vector<std::vector<double>> kbit(r.tcp.size(), std::vector<double>(bins, 0.0));
  double max_kbit = 0;
  for (std::size_t s = 0; s < r.tcp.size(); ++s) {
    for (const TcpRead& read : r.tcp[s].reads) {
      if (read.at < r.started) continue;
      const auto bin = static_cast<std::size_t>(toSeconds(read.at - r.started) / toSeconds(kBin));
      if (bin < bins) kbit[s][bin] += static_cast<double>(read.bytes) * 8 / 1000 / toSeconds(kBin);
    }
    for (double v : kbit[s]) max_kbit = std::max(max_kbit, v);
  }
  const auto [axis_max, step] = niceAxis(max_kbit);
  for (double v = 0; v <= axis_max + step / 2; v += step) {
    const double y = plot_bottom - v / axis_max * kThroughputHeight;
    out += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" class=\"grid\"/>\n"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"axis\" text-anchor=\"end\">{:g}</text>\n",
        kLeft, y, kLeft + kPlotWidth, y, kLeft - 6, y + 4, v);
  }
  out +=
      fmt::format("<text x=\"10\" y=\"{:.1f}\" class=\"label\">TCP kbit/s</text>\n", plot_top + 14);
  for (std::size_t s = 0; s < r.tcp.size(); ++s) {
    std::string points;
    for (std::size_t b = 0; b < bins; ++b) {
      const TimePoint t = r.started + kBin * static_cast<long>(b) + kBin / 2;
      if (t > r.ended) break;
      points += fmt::format("{:.1f},{:.1f} ", p.x(t),
                            plot_bottom - kbit[s][b] / axis_max * kThroughputHeight);
    }
    out +=
        fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"/>\n",
                    points, kStreamColours[s % 4]);
    out += fmt::format("<text x=\"10\" y=\"{:.1f}\" class=\"small\" fill=\"{}\">{}</text>\n",
                       plot_top + 32 + 14 * static_cast<double>(s), kStreamColours[s % 4],
                       xmlEscape(r.tcp[s].name));
  }

  // Echo streams: runs of answered (green) and lost (red) requests.
  for (std::size_t s = 0; s < r.echo.size(); ++s) {
    const EchoStreamRecord& e = r.echo[s];
    const double y = echo_top + static_cast<double>(s) * kEchoRowHeight;
    out += fmt::format("<text x=\"10\" y=\"{:.1f}\" class=\"small\">{}</text>\n", y + 11,
                       xmlEscape(e.name));
    std::size_t i = 0;
    while (i < e.samples.size()) {
      const bool ok = e.samples[i].replied.has_value() && !e.samples[i].send_failed;
      std::size_t j = i;
      while (j < e.samples.size() &&
             (e.samples[j].replied.has_value() && !e.samples[j].send_failed) == ok) {
        ++j;
      }
      const double x0 = p.x(e.samples[i].sent);
      const double x1 = std::max(x0 + 1, p.x(e.samples[j - 1].sent + e.interval));
      out += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" class=\"{}\"/>\n", x0,
          y + (ok ? 4 : 1), x1 - x0, ok ? kEchoRowHeight - 8 : kEchoRowHeight - 2,
          ok ? "answered" : "lost");
      i = j;
    }
  }

  // Handovers.
  for (std::size_t i = 0; i < r.attachments.size(); ++i) {
    const double x = p.x(r.attachments[i].moved);
    out += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" class=\"handover\"/>\n", x,
        band_top, x, echo_bottom);
    if (result == nullptr || i >= result->handovers.size()) continue;
    const HandoverResult& h = result->handovers[i];
    const std::string label =
        h.initial
            ? fmt::format("start: {}", formatDuration(h.recovery))
            : (h.recovered ? fmt::format("{}, {} lost", formatDuration(h.interruption), h.lost)
                           : std::string("not recovered"));
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"small\">{}</text>\n", x + 3,
                       plot_top + kThroughputHeight - 6, xmlEscape(label));
  }

  // Time axis.
  const auto [time_max, time_step] = niceAxis(p.seconds);
  (void)time_max;
  for (double t = 0; t <= p.seconds + 1e-9; t += time_step) {
    const double x = kLeft + t / p.seconds * kPlotWidth;
    out += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" class=\"axisline\"/>\n"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"axis\" text-anchor=\"middle\">{:g} s</text>\n",
        x, echo_bottom, x, echo_bottom + 5, x, echo_bottom + 18, t);
  }
}

}  // namespace

std::string renderSvg(const std::vector<ScenarioRecord>& records,
                      const std::vector<ScenarioResult>& results) {
  double height = 20;
  for (const ScenarioRecord& r : records) height += panelHeight(r) + kGap;
  std::string out = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{:.0f}\" "
      "height=\"{:.0f}\" viewBox=\"0 0 {:.0f} {:.0f}\">\n"
      "<title>dsmip lab</title>\n"
      "<style>\n"
      "text {{ font-family: sans-serif; font-size: 12px; fill: #222; }}\n"
      ".title {{ font-size: 15px; font-weight: bold; }}\n"
      ".band {{ font-size: 11px; fill: #555; }}\n"
      ".small {{ font-size: 10px; }}\n"
      ".axis {{ font-size: 10px; fill: #555; }}\n"
      ".label {{ font-size: 11px; font-weight: bold; }}\n"
      ".grid {{ stroke: #ddd; stroke-width: 1; }}\n"
      ".axisline {{ stroke: #888; stroke-width: 1; }}\n"
      ".handover {{ stroke: #c00; stroke-width: 1.5; stroke-dasharray: 5,3; }}\n"
      ".idle {{ fill: #888; fill-opacity: 0.15; }}\n"
      ".answered {{ fill: #2ca02c; }}\n"
      ".lost {{ fill: #d62728; }}\n"
      "</style>\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      kWidth, height, kWidth, height);
  double top = 10;
  for (std::size_t i = 0; i < records.size(); ++i) {
    out += fmt::format("<g id=\"scenario-{}\">\n", xmlEscape(records[i].name));
    renderPanel(out, records[i], i < results.size() ? &results[i] : nullptr, top);
    out += "</g>\n";
    top += panelHeight(records[i]) + kGap;
  }
  out += "</svg>\n";
  return out;
}

}  // namespace dsmip::lab
