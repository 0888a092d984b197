// `dsmip decode`: the command line of the decoder (the work is in cli/decode.cpp).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/decode.hpp"
#include "cli/subcommands.hpp"

namespace dsmip::cli {

Runner addDecodeCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "decode",
      "Decode captured or hex packets down to mobility messages and their options.\n"
      "Exit status: 0 every packet decoded, 1 some packet did not (reason and offset are\n"
      "printed with it), 2 bad command line or unreadable input.");
  auto settings = std::make_shared<DecodeSettings>();
  auto m6t_ports = std::make_shared<std::vector<std::uint16_t>>();

  cmd->add_option("input", settings->inputs,
                  "Capture files (pcap or pcapng, any link type libpcap reads: Ethernet, raw IP,\n"
                  "Linux cooked SLL/SLL2, loopback); '-' reads hex packets from standard\n"
                  "input, one per line ('#' starts a comment line)");
  cmd->add_option("--hex", settings->hex,
                  "Packets given as hex on the command line, one per argument (spaces, ':'\n"
                  "and a leading 0x are allowed)")
      ->expected(1, -1);
  cmd->add_option("--link", settings->link,
                  "What hex packets start with: auto (IPv4 or IPv6 by the version nibble),\n"
                  "ipv4, ipv6, ethernet, sll, sll2")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "ipv4", "ipv6", "ethernet", "sll", "sll2"}));
  cmd->add_flag("--json", settings->json,
                "One JSON object per packet and line (field names: docs/decode.md)");
  cmd->add_flag("-s,--summary", settings->summary_only,
                "Text output: only the first line of each packet");
  cmd->add_option("--m6t-port", *m6t_ports,
                  "UDP port carrying m6t (IPv6 in UDP/IPv4); repeat for several [default: 3544]")
      ->check(CLI::Range(1, 65535));
  cmd->add_option("--dsmip6-port", settings->dissect.dsmip6_port,
                  "UDP port of DSMIPv6 encapsulation (RFC 5555)")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  cmd->add_option("--mip4-port", settings->dissect.mip4_port,
                  "UDP port of Mobile IPv4 registration and tunnel data (RFC 5944, RFC 3519)")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  cmd->add_option("--max-depth", settings->dissect.max_depth,
                  "Nested network-layer headers (IP, GRE, minimal encapsulation, AH) decoded\n"
                  "before giving up")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  auto no_checksum = std::make_shared<bool>(false);
  cmd->add_flag("--no-checksum", *no_checksum,
                "Do not verify checksums (no checksum_status fields, no checksum warnings)");

  return [settings, m6t_ports, no_checksum] {
    if (!m6t_ports->empty()) settings->dissect.m6t_ports = *m6t_ports;
    settings->dissect.verify_checksums = !*no_checksum;
    return runDecode(*settings, std::cin, std::cout, std::cerr);
  };
}

}  // namespace dsmip::cli
