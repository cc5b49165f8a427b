// LOADGATE_STACK parsing and the external mode, which starts nothing and
// only checks that the services it is pointed at answer.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <optional>
#include <string>

#include "loadgate/fixtures/stack.h"
#include "support/test_server.h"

namespace loadgate::fixtures {
namespace {

using test_support::RefusingPort;
using test_support::Respond;
using test_support::TestServer;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

// Sets (or, with nullopt, unsets) an environment variable for a scope.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, std::optional<std::string> value)
      : name_(std::move(name)) {
    if (const char* old = getenv(name_.c_str())) old_ = old;
    if (value) {
      setenv(name_.c_str(), value->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

TEST(StackModeTest, ComesFromLoadgateStack) {
  {
    ScopedEnv mode("LOADGATE_STACK", std::nullopt);
    EXPECT_EQ(StackModeFromEnvironment(), StackMode::kProcess);
  }
  {
    ScopedEnv mode("LOADGATE_STACK", "container");
    EXPECT_EQ(StackModeFromEnvironment(), StackMode::kContainer);
    EXPECT_EQ(StackOptions::FromEnvironment().mode, StackMode::kContainer);
  }
  {
    ScopedEnv mode("LOADGATE_STACK", "external");
    EXPECT_EQ(StackModeFromEnvironment(), StackMode::kExternal);
  }
  ScopedEnv mode("LOADGATE_STACK", "kubernetes");
  EXPECT_THAT([] { StackModeFromEnvironment(); },
              ThrowsMessage<std::invalid_argument>(
                  HasSubstr("LOADGATE_STACK=\"kubernetes\"")));
}

TEST(ExternalStackTest, TakesUrlsFromTheEnvironmentAndStartsNothing) {
  TestServer app;
  app.Handle("/health", Respond(200, "ok"));
  TestServer llm;
  llm.Handle("/health", Respond(200, "ok"));
  ScopedEnv app_url("LOADGATE_APP_URL", app.base_url() + "/");
  ScopedEnv llm_url("LOADGATE_LLM_URL", llm.base_url());
  ScopedEnv mongo("LOADGATE_MONGODB_URI", "mongodb://127.0.0.1:1/db");

  Stack stack({.mode = StackMode::kExternal});
  stack.Start();
  EXPECT_EQ(stack.app_url(), app.base_url());  // trailing '/' dropped
  EXPECT_EQ(stack.llm_url(), llm.base_url());
  EXPECT_EQ(stack.mongodb_uri(), "mongodb://127.0.0.1:1/db");
  EXPECT_EQ(stack.app(), nullptr);
  EXPECT_EQ(stack.llm(), nullptr);
  // Started nothing, but checked both services once.
  EXPECT_EQ(app.CountTarget("/health"), 1u);
  EXPECT_EQ(llm.CountTarget("/health"), 1u);
  stack.Stop();
}

TEST(ExternalStackTest, NamesMissingVariables) {
  ScopedEnv app_url("LOADGATE_APP_URL", std::nullopt);
  ScopedEnv mongo("LOADGATE_MONGODB_URI", std::nullopt);
  Stack stack({.mode = StackMode::kExternal, .mongodb = true});
  EXPECT_THAT([&] { stack.Start(); }, ThrowsMessage<StartError>(AllOf(
                                          HasSubstr("LOADGATE_APP_URL"),
                                          HasSubstr("LOADGATE_MONGODB_URI"))));
}

TEST(ExternalStackTest, NamesAUrlWithoutScheme) {
  ScopedEnv app_url("LOADGATE_APP_URL", "127.0.0.1:8000");
  Stack stack({.mode = StackMode::kExternal});
  EXPECT_THAT([&] { stack.Start(); },
              ThrowsMessage<StartError>(
                  HasSubstr("LOADGATE_APP_URL=127.0.0.1:8000: expected a base "
                            "URL such as http://127.0.0.1:8000")));
}

TEST(ExternalStackTest, FailsWhenATargetDoesNotAnswer) {
  RefusingPort dead;
  TestServer sick;
  sick.Handle("/health", Respond(503, "db down"));
  {
    ScopedEnv app_url("LOADGATE_APP_URL", dead.base_url());
    ScopedEnv llm_url("LOADGATE_LLM_URL", std::nullopt);
    Stack stack({.mode = StackMode::kExternal});
    EXPECT_THAT([&] { stack.Start(); },
                ThrowsMessage<StartError>(
                    AllOf(HasSubstr(dead.base_url()), HasSubstr("connect"))));
  }
  ScopedEnv app_url("LOADGATE_APP_URL", sick.base_url());
  Stack stack({.mode = StackMode::kExternal});
  EXPECT_THAT([&] { stack.Start(); },
              ThrowsMessage<StartError>(HasSubstr("status 503")));
}

// A stack that did not start fails every test that uses it, rather than
// the environment's set-up (which makes GoogleTest skip the tests).
TEST(StackEnvironmentTest, AStackThatDidNotStartFailsItsUsers) {
  RefusingPort dead;
  ScopedEnv app_url("LOADGATE_APP_URL", dead.base_url());
  StackEnvironment environment({.mode = StackMode::kExternal});
  environment.SetUp();
  EXPECT_FALSE(::testing::Test::HasFailure());
  EXPECT_THAT([&] { environment.stack(); },
              ThrowsMessage<StartError>(
                  AllOf(HasSubstr("the external stack did not start: external "
                                  "service " +
                                  dead.base_url()),
                        HasSubstr("connect"))));
  environment.TearDown();
}

TEST(ContainerToolTest, HonoursTheCliOverride) {
  ScopedEnv cli("LOADGATE_CONTAINER_CLI", "no-such-container-cli");
  EXPECT_FALSE(DetectContainerTool().has_value());
}

TEST(ContainerModeTest, WithoutAContainerCliTheStartErrorSaysSo) {
  ScopedEnv cli("LOADGATE_CONTAINER_CLI", "no-such-container-cli");
  Stack stack({.mode = StackMode::kContainer});
  EXPECT_THAT([&] { stack.Start(); },
              ThrowsMessage<StartError>(HasSubstr("needs podman")));
}

}  // namespace
}  // namespace loadgate::fixtures
