# `make package` (the CPack `package` target): a Debian package of what
# cmake/install.cmake installs (the CLI, the libraries, the headers and the
# CMake package) under /usr. The libraries are static, so the package
# depends on the development packages their public targets link and on what
# builds a consumer (cmake, g++ and a build program: cmake only recommends
# make), and the CLI's shared libraries are found by dpkg-shlibdeps.
# tests/integration/package_deb_test.cc installs the package into a clean
# Debian with apt, without recommends, and builds examples/consumer there:
# a dependency missing here fails it.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME loadgate)
set(CPACK_PACKAGE_VENDOR "loadgate")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "Load tests as GoogleTest tests, with SLO assertions and a CI gate")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "loadgate maintainers")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(loadgate_deb_depends cmake g++ "make | ninja-build" libssl-dev
  nlohmann-json3-dev libyaml-cpp-dev libgtest-dev libgmock-dev)
if(TARGET loadgate_fixtures)
  list(APPEND loadgate_deb_depends libmongoc-dev)
endif()
list(JOIN loadgate_deb_depends ", " CPACK_DEBIAN_PACKAGE_DEPENDS)
set(CPACK_OUTPUT_FILE_PREFIX ${PROJECT_BINARY_DIR}/packages)
include(CPack)
