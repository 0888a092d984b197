// `dsmip man [SUBCOMMAND]` (hidden): the manual pages, in roff, generated from the same source as
// `--help` — the subcommands' CLI11 definitions, and for the daemons their option tables (the
// TOML keys). `--output DIR` writes dsmip.1 and dsmip-SUBCOMMAND.1 for every subcommand (the
// build does this for `cmake --install`).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "cli/daemon_catalogue.hpp"
#include "cli/subcommands.hpp"

#ifndef DSMIP_VERSION
#define DSMIP_VERSION "0.0.0"
#endif

namespace dsmip::cli {

namespace {

// Text for roff: backslashes escaped, hyphens as minus signs (so that flags can be copied), no
// line starting with a control character.
std::string roff(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
    line_start = c == '\n';
  }
  return out;
}

std::string header(const std::string& page, const std::string& title) {
  return fmt::format(".TH {} 1 \"\" \"dsmip {}\" \"dsmip manual\"\n.SH NAME\n{} \\- {}\n", page,
                     DSMIP_VERSION, roff(page), roff(title));
}

std::string exitStatus(const std::string& name) {
  if (name == "lab") {
    return ".SH EXIT STATUS\n.TP\n0\nevery scenario passed its checks\n.TP\n1\na check failed or "
           "the run failed (everything it made is removed)\n.TP\n2\nnot root, a tool missing, a "
           "bad option\n.TP\n130\ninterrupted by SIGINT or SIGTERM (everything it made is "
           "removed)\n";
  }
  if (findDaemon(name) != nullptr) {
    return ".SH EXIT STATUS\n.TP\n0\nstopped by SIGTERM or SIGINT, after undoing its changes to "
           "the system\n.TP\n1\na failure at run time\n.TP\n2\na bad command line or "
           "configuration (nothing was changed on the system)\n";
  }
  return ".SH EXIT STATUS\n0 on success, 1 on failure, 2 for a bad command line.\n";
}

std::string subcommandPage(const CLI::App& sub) {
  const std::string name = sub.get_name();
  std::string first_sentence = sub.get_description();
  // The NAME line: the description up to its first ':' or ';' (the rest is in DESCRIPTION).
  if (const auto cut = first_sentence.find_first_of(":;"); cut != std::string::npos) {
    first_sentence.resize(cut);
  }
  std::string out = header("dsmip-" + name, first_sentence);
  out += fmt::format(".SH SYNOPSIS\n.B dsmip {}\n[\\fIOPTIONS\\fR]\n", roff(name));
  out += fmt::format(".SH DESCRIPTION\n{}\n", roff(sub.get_description()));
  out += ".SH OPTIONS\n";
  for (const CLI::Option* opt : sub.get_options()) {
    if (opt->get_group().empty()) continue;  // hidden
    std::string names = opt->get_name(false, true);
    std::string line = "\\fB" + roff(names) + "\\fR";
    if (opt->get_type_size() != 0 && !opt->get_type_name().empty()) {
      std::string type = opt->get_type_name();
      // CLI11 appends ":FLOAT in [lo - hi]" to checked numbers; keep our own name only.
      if (const auto in = type.find(" in ["); in != std::string::npos) {
        type.resize(in);
        if (const auto colon = type.rfind(':'); colon != std::string::npos) type.resize(colon);
      }
      line += " \\fI" + roff(type) + "\\fR";
    }
    out += ".TP\n" + line + "\n" + roff(opt->get_description());
    if (!opt->get_default_str().empty()) {
      out += " (default: " + roff(opt->get_default_str()) + ")";
    }
    out += "\n";
  }
  if (const DaemonEntry* d = findDaemon(name); d != nullptr) {
    auto declared = d->declare();
    out +=
        ".SH CONFIGURATION FILE\nThe file given with \\fB\\-\\-config\\fR is TOML; its keys "
        "are the long flag names, and a flag given on the command line wins over the file. "
        "Check a file without starting the daemon with \\fBdsmip check \\-\\-config "
        "\\fIFILE\\fR.\n";
    auto keys = [&out](const std::vector<daemon::OptionInfo>& options, bool top_level) {
      for (const daemon::OptionInfo& i : options) {
        out += fmt::format(".TP\n\\fB{}\\fR = \\fI{}\\fR{}\n{}", roff(i.name), roff(i.value_name),
                           i.repeatable ? " (array)" : "", roff(i.help));
        if (i.required) {
          out += " (required)";
        } else if (!i.default_text.empty()) {
          out += " (default: " + roff(i.default_text) + ")";
        }
        if (top_level) {
          out += i.reload == daemon::Reload::Live ? ". On reload: applied."
                                                  : ". On reload: needs a restart.";
        }
        out += "\n";
      }
    };
    out +=
        ".SS Reload\nSIGHUP (\\fBsystemctl reload\\fR) re-reads the file with the same "
        "command line. Keys marked \\(lqapplied\\(rq take effect without dropping bindings or "
        "states; a change of the others is logged as needing a restart and the running value "
        "is kept. An invalid file is logged and changes nothing.\n";
    keys(declared->table().options(), true);
    for (const daemon::TableArrayInfo& a : declared->tableArrays()) {
      out += fmt::format(".SS [[{}]]\n{}{}; on reload: {}; each table has these keys:\n",
                         roff(a.name), roff(a.help), a.required ? " (at least one)" : "",
                         a.reload == daemon::Reload::Live ? "applied" : "needs a restart");
      keys(a.element_options, false);
    }
  }
  out += exitStatus(name);
  out +=
      ".SH SEE ALSO\n\\fBdsmip\\fR(1); the documentation in /usr/share/doc/dsmip or docs/ of "
      "the source tree\n";
  return out;
}

std::string overviewPage(const CLI::App& app) {
  std::string out = header("dsmip", "dual-stack Mobile IP (m6t, DSMIPv6, DSMIPv4) for Linux");
  out += ".SH SYNOPSIS\n.B dsmip\n\\fISUBCOMMAND\\fR [\\fIOPTIONS\\fR]\n";
  out += ".SH DESCRIPTION\n" + roff(app.get_description()) + "\n.SH SUBCOMMANDS\n";
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_group().empty()) continue;
    out += fmt::format(".TP\n\\fBdsmip {}\\fR\n{} See \\fBdsmip\\-{}\\fR(1).\n",
                       roff(sub->get_name()), roff(sub->get_description()), roff(sub->get_name()));
  }
  out += ".SH SEE ALSO\n";
  std::string see;
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_group().empty()) continue;
    see += (see.empty() ? "" : ", ") + fmt::format("\\fBdsmip\\-{}\\fR(1)", roff(sub->get_name()));
  }
  out += see + "\n";
  return out;
}

}  // namespace

Runner addManCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "man", "Print the manual page of a subcommand in roff, or write every page (--output)");
  cmd->group("");  // hidden: the build uses it
  struct Options {
    std::string subcommand;
    std::string output;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("subcommand", o->subcommand, "the subcommand (none: the overview page)");
  cmd->add_option("--output", o->output, "write dsmip.1 and every dsmip-SUBCOMMAND.1 here")
      ->type_name("DIR");
  CLI::App* root = &app;
  return [o, root] {
    if (!o->output.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(o->output, ec);
      auto write = [&](const std::string& file, const std::string& text) {
        std::ofstream out(o->output + "/" + file);
        out << text;
        return static_cast<bool>(out);
      };
      if (!write("dsmip.1", overviewPage(*root))) {
        std::fprintf(stderr, "dsmip man: cannot write in '%s'\n", o->output.c_str());
        return 1;
      }
      for (const CLI::App* sub : root->get_subcommands({})) {
        if (sub->get_group().empty()) continue;
        if (!write("dsmip-" + sub->get_name() + ".1", subcommandPage(*sub))) return 1;
      }
      return 0;
    }
    if (o->subcommand.empty()) {
      std::fputs(overviewPage(*root).c_str(), stdout);
      return 0;
    }
    for (const CLI::App* sub : root->get_subcommands({})) {
      if (sub->get_name() == o->subcommand && !sub->get_group().empty()) {
        std::fputs(subcommandPage(*sub).c_str(), stdout);
        return 0;
      }
    }
    std::fprintf(stderr, "dsmip man: no subcommand '%s'\n", o->subcommand.c_str());
    return 2;
  };
}

}  // namespace dsmip::cli
