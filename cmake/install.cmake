# loadgate's install rules (included by the top-level CMakeLists.txt when
# LOADGATE_INSTALL is ON): the libraries, the public headers, the `loadgate`
# CLI and the CMake package (loadgateConfig.cmake, its version file and the
# loadgate:: targets), so that another project can
# find_package(loadgate 0.2 CONFIG REQUIRED). With the fixtures also what
# their sample stack runs, where the installed fixtures look by default: the
# mock LLM and the sample app (when built) in libexec/loadgate, so that no
# generic program name lands in bin/, and compose/ in share/loadgate.
include(CMakePackageConfigHelpers)

set(loadgate_install_targets loadgate_metrics loadgate_http loadgate_engine
  loadgate_config loadgate_assets loadgate_gate loadgate_live loadgate_capacity
  loadgate_gtest
  loadgate loadgate_gtest_main loadgate_cli)
if(TARGET loadgate_fixtures)
  list(APPEND loadgate_install_targets loadgate_fixtures
    loadgate_fixtures_installed_paths)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/fixtures/include/
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  # Compiled by the consumer with the prefix it finds the package in (see
  # fixtures/CMakeLists.txt).
  install(FILES ${PROJECT_SOURCE_DIR}/fixtures/paths/default_paths.cc
    DESTINATION ${CMAKE_INSTALL_DATADIR}/loadgate)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/compose/
    DESTINATION ${CMAKE_INSTALL_DATADIR}/loadgate/compose USE_SOURCE_PERMISSIONS)
  if(TARGET loadgate_mock_llm AND TARGET loadgate_sample_app)
    install(TARGETS loadgate_mock_llm loadgate_sample_app
      RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/loadgate)
  endif()
endif()
install(TARGETS ${loadgate_install_targets} EXPORT loadgateTargets
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/framework/include/
  ${PROJECT_BINARY_DIR}/generated/include/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(package_dir ${CMAKE_INSTALL_LIBDIR}/cmake/loadgate)
install(EXPORT loadgateTargets NAMESPACE loadgate:: DESTINATION ${package_dir})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/loadgateConfig.cmake.in
  ${PROJECT_BINARY_DIR}/loadgateConfig.cmake INSTALL_DESTINATION ${package_dir})
# 0.x: a minor version may break the API, so 0.2 accepts 0.2.y only.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/loadgateConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/loadgateConfig.cmake
  ${PROJECT_BINARY_DIR}/loadgateConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/LoadgateTesting.cmake DESTINATION ${package_dir})
