// dsmip: one thin main; everything lives in src/cli and the layers below it.
#include <cstdio>
#include <exception>

#include "cli/cli.hpp"

int main(int argc, char** argv) {
  try {
    return dsmip::cli::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dsmip: %s\n", e.what());
    return 1;
  }
}
