# Warning flags, sanitizers and the helpers that declare modules, unit tests and fuzz targets.

set(DSMIP_WARNINGS
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast
    -Wnon-virtual-dtor -Wimplicit-fallthrough)
if(DSMIP_WERROR)
  list(APPEND DSMIP_WARNINGS -Werror)
endif()

if(DSMIP_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(DSMIP_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "DSMIP_FUZZ needs clang (configure with the 'fuzz' preset)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

if(DSMIP_FUZZ_TARGETS)
  # One sanitizer build for the whole CI: the tests run on it and the fuzz targets link from it,
  # so every object carries libFuzzer's coverage instrumentation (harmless outside a fuzzer).
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang" OR NOT DSMIP_SANITIZE)
    message(FATAL_ERROR "DSMIP_FUZZ_TARGETS needs clang and DSMIP_SANITIZE (the 'ci-sanitize' preset)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# dsmip_add_module(<name> [DEPS targets...]): a static library dsmip_<name> from every .cpp in
# src/<name>/ (new files are picked up at the next build, so parallel work never edits this).
function(dsmip_add_module name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(sources)
    add_library(dsmip_${name} STATIC ${sources})
    target_include_directories(dsmip_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_compile_options(dsmip_${name} PRIVATE ${DSMIP_WARNINGS})
    target_link_libraries(dsmip_${name} PUBLIC ${ARG_DEPS})
  else()
    add_library(dsmip_${name} INTERFACE)
    target_include_directories(dsmip_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(dsmip_${name} INTERFACE ${ARG_DEPS})
  endif()
endfunction()

# Test binaries precompile the gtest/gmock headers: most of a test file's compile time is spent
# parsing them, and CI builds every test twice (dev and sanitizers).
function(dsmip_use_test_pch target)
  target_precompile_headers(${target} PRIVATE <gtest/gtest.h> <gmock/gmock.h> <string> <vector>
                            <optional> <variant> <span>)
endfunction()

# dsmip_add_unit_test(<module> LIBS targets...): one gtest binary <module>_tests from every
# *_test.cpp in the current folder; each case is a CTest test labelled "unit". A skipped case
# is reported as skipped (not passed) so that CI can refuse skips.
function(dsmip_add_unit_test module)
  cmake_parse_arguments(ARG "" "" "LIBS;LABELS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cpp)
  if(NOT sources)
    return()
  endif()
  add_executable(${module}_tests ${sources})
  target_compile_options(${module}_tests PRIVATE ${DSMIP_WARNINGS})
  target_link_libraries(${module}_tests PRIVATE ${ARG_LIBS} dsmip_test_support GTest::gmock
                                                GTest::gtest_main)
  dsmip_use_test_pch(${module}_tests)
  add_dependencies(unit_tests ${module}_tests)
  set(labels unit ${ARG_LABELS})
  gtest_discover_tests(${module}_tests TEST_PREFIX "${module}." DISCOVERY_TIMEOUT 60
                       PROPERTIES LABELS "${labels}" SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
endfunction()

# dsmip_add_fuzz_target(<name> SOURCE file LIBS targets...): with DSMIP_FUZZ a libFuzzer binary
# fuzz_<name>; otherwise a replay binary that runs the seed corpus tests/fuzz/corpus/<name>
# as an ordinary test.
function(dsmip_add_fuzz_target name)
  cmake_parse_arguments(ARG "" "SOURCE" "LIBS" ${ARGN})
  if(DSMIP_FUZZ)
    add_executable(fuzz_${name} ${ARG_SOURCE})
    target_link_libraries(fuzz_${name} PRIVATE ${ARG_LIBS})
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
  else()
    add_executable(fuzz_replay_${name} ${ARG_SOURCE} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cpp)
    target_compile_options(fuzz_replay_${name} PRIVATE ${DSMIP_WARNINGS})
    target_link_libraries(fuzz_replay_${name} PRIVATE ${ARG_LIBS})
    add_test(NAME fuzz_replay.${name}
             COMMAND fuzz_replay_${name} ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/${name})
    set_tests_properties(fuzz_replay.${name} PROPERTIES LABELS "unit;fuzz-replay")
    add_dependencies(unit_tests fuzz_replay_${name})
    if(DSMIP_FUZZ_TARGETS)
      add_executable(fuzz_${name} ${ARG_SOURCE})
      target_link_libraries(fuzz_${name} PRIVATE ${ARG_LIBS})
      target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
    endif()
  endif()
endfunction()
