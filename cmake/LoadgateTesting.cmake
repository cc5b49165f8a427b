# include(LoadgateTesting): registers a project's GoogleTest load tests with
# ctest. Installed with the loadgate package (find_package puts it on
# CMAKE_MODULE_PATH) and on the module path of a project that adds loadgate
# with FetchContent or add_subdirectory.
#
#   loadgate_add_load_test(TARGET [LABELS label...] [TIMEOUT seconds]
#                          [REPORT_DIR dir])
#
# Each GoogleTest case of the executable TARGET becomes a ctest test named
# exactly as GoogleTest prints it (Presets/DbApiLoad.MeetsSlos/rps_100, with
# no "  # GetParam() = ..." tail), labelled `load` and any LABELS, so that
# `ctest -L load` runs them and `ctest -R rps_100` picks a preset. They run
# one at a time (RUN_SERIAL: load tests measure the machine they share) with
# TIMEOUT seconds each (default 900: a preset's run plus its stack's start).
# REPORT_DIR sets LOADGATE_REPORT_DIR, where each test writes its JSON
# report and SLO JUnit file; without it the variable is left to whoever
# runs ctest (CI sets it per run).
include_guard(GLOBAL)
include(GoogleTest)

function(loadgate_add_load_test target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "TIMEOUT;REPORT_DIR" "LABELS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "loadgate_add_load_test(${target}): unexpected "
      "arguments ${arg_UNPARSED_ARGUMENTS} (expected LABELS, TIMEOUT, REPORT_DIR)")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "loadgate_add_load_test: no target \"${target}\"")
  endif()
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 900)
  endif()
  set(labels load ${arg_LABELS})
  set(properties LABELS "${labels}" TIMEOUT ${arg_TIMEOUT} RUN_SERIAL TRUE)
  if(arg_REPORT_DIR)
    get_filename_component(report_dir ${arg_REPORT_DIR} ABSOLUTE
      BASE_DIR ${CMAKE_CURRENT_BINARY_DIR})
    list(APPEND properties ENVIRONMENT "LOADGATE_REPORT_DIR=${report_dir}")
  endif()
  gtest_discover_tests(${target} NO_PRETTY_VALUES
    PROPERTIES ${properties}
    DISCOVERY_TIMEOUT 60)
endfunction()
