// The main of every suite binary: starts the stack once for all its tests
// and tears it down afterwards, also on failure or SIGINT/SIGTERM.
#include <gmock/gmock.h>

#include "load_suite.h"
#include "loadgate/fixtures/stack.h"

namespace loadgate::suites {
namespace {
fixtures::StackEnvironment* stack_environment = nullptr;
}  // namespace

fixtures::Stack& SuiteStack() { return stack_environment->stack(); }

}  // namespace loadgate::suites

int main(int argc, char** argv) {
  ::testing::InitGoogleMock(&argc, argv);
  loadgate::suites::stack_environment = loadgate::fixtures::AddStackEnvironment(
      loadgate::suites::SuiteStackOptions());
  return RUN_ALL_TESTS();
}
