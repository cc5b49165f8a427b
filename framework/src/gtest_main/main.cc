// The main of a load suite (loadgate::gtest_main): GoogleTest and GoogleMock
// flags, then every test. Ctrl-C needs nothing here: a run that was
// interrupted fails its test and LoadTest skips the ones after it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

int main(int argc, char** argv) {
  ::testing::InitGoogleMock(&argc, argv);
  return RUN_ALL_TESTS();
}
