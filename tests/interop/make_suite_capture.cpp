// Writes the sample captures examples/captures/dsmip-suite.pcap (every message and encapsulation
// `dsmip decode` handles, all valid) and examples/captures/malformed.pcap (packets that fail to
// decode, each for its own reason), and, given a second folder, the dissector's fuzz seeds.
//
//   make_suite_capture CAPTURE_DIR [FUZZ_CORPUS_DIR]
//
// The output is deterministic: a unit test checks that the committed captures are what this
// program writes today.
#include <cstdio>
#include <filesystem>
#include <string>

#include "suite_packets.hpp"

namespace {

using dsmip::Bytes;
using dsmip::interop::SuitePacket;

// Seed format of tests/fuzz/dissect_fuzz.cpp: octet 0 selects the link type (0 raw IP,
// 1 Ethernet, 2 Linux SLL, 3 Linux SLL2), octet 1 holds option bits (0: defaults), then the frame.
Bytes seed(std::uint8_t link, const Bytes& frame) {
  Bytes out = {link, 0};
  out.insert(out.end(), frame.begin(), frame.end());
  return out;
}

bool writeSeeds(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  bool ok = true;
  auto write = [&](const std::string& name, const Bytes& bytes) {
    ok = dsmip::interop::writeFile(dir / name, bytes) && ok;
  };
  std::size_t i = 0;
  for (const SuitePacket& p : dsmip::interop::suitePackets()) {
    write(p.name + ".bin", seed(0, p.ip));
    // A few through each link layer, so that the fuzzer starts from valid link headers too.
    if (i % 8 == 1) write(p.name + "-ethernet.bin", seed(1, dsmip::interop::ethernetFrame(p.ip)));
    if (i % 8 == 3) write(p.name + "-sll.bin", seed(2, dsmip::interop::linuxSllFrame(p.ip)));
    if (i % 8 == 5) write(p.name + "-sll2.bin", seed(3, dsmip::interop::linuxSll2Frame(p.ip)));
    ++i;
  }
  for (const SuitePacket& p : dsmip::interop::malformedPackets()) {
    Bytes ip = p.ip;
    if (p.captured_length != 0) ip.resize(p.captured_length);
    write(p.name + ".bin", seed(0, ip));
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s CAPTURE_DIR [FUZZ_CORPUS_DIR]\n", argv[0]);
    return 2;
  }
  const std::filesystem::path captures{argv[1]};
  std::filesystem::create_directories(captures);
  if (!dsmip::interop::writeFile(captures / "dsmip-suite.pcap", dsmip::interop::suiteCapture()) ||
      !dsmip::interop::writeFile(captures / "malformed.pcap", dsmip::interop::malformedCapture())) {
    std::fprintf(stderr, "cannot write the captures in %s\n", argv[1]);
    return 1;
  }
  if (argc == 3 && !writeSeeds(argv[2])) {
    std::fprintf(stderr, "cannot write the fuzz seeds in %s\n", argv[2]);
    return 1;
  }
  return 0;
}
