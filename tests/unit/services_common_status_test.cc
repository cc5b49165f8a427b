// Status and Result<T> (services/common/status.h): the services' one way of
// returning an expected failure.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include "common/status.h"

namespace loadgate::services {
namespace {

TEST(StatusTest, DefaultIsSuccessWithoutMessage) {
  const Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_FALSE(status.unavailable());
  EXPECT_EQ(status.message(), "");
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(StatusTest, ErrorCarriesItsMessage) {
  const Status status = Status::Error("port must be in [0, 65535]");
  EXPECT_FALSE(status.ok());
  EXPECT_FALSE(status.unavailable());
  EXPECT_EQ(status.message(), "port must be in [0, 65535]");
  // An empty message is still a failure.
  EXPECT_FALSE(Status::Error("").ok());
}

TEST(StatusTest, UnavailableIsAFailureThatMayPass) {
  const Status status = Status::Unavailable("database is locked");
  EXPECT_FALSE(status.ok());
  EXPECT_TRUE(status.unavailable());
  EXPECT_EQ(status.message(), "database is locked");
}

TEST(StatusTest, PrefixedAddsContextAndKeepsTheKind) {
  EXPECT_EQ(Status::Error("bad").Prefixed("file.json: ").message(),
            "file.json: bad");
  const Status busy = Status::Unavailable("locked").Prefixed("database: ");
  EXPECT_TRUE(busy.unavailable());
  EXPECT_EQ(busy.message(), "database: locked");
  EXPECT_TRUE(Status::Ok().Prefixed("ignored: ").ok());
  EXPECT_EQ(Status::Ok().Prefixed("ignored: ").message(), "");
}

TEST(ResultTest, HoldsAValue) {
  Result<int> result = 42;
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, 42);
  EXPECT_EQ(result.value(), 42);
  EXPECT_TRUE(result.status().ok());
  EXPECT_EQ(result.error(), "");
  *result = 7;
  EXPECT_EQ(result.value(), 7);
}

TEST(ResultTest, HoldsAFailureInsteadOfAValue) {
  const Result<std::string> result = Status::Unavailable("no connection");
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.error(), "no connection");
  EXPECT_TRUE(result.status().unavailable());
  EXPECT_EQ(result.status().message(), "no connection");
}

TEST(ResultTest, MovesOutMoveOnlyValues) {
  Result<std::unique_ptr<int>> result = std::make_unique<int>(5);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(**result, 5);
  std::unique_ptr<int> taken = std::move(result).value();
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(*taken, 5);
}

TEST(ResultTest, ArrowReachesMembers) {
  const Result<std::string> result = std::string("abc");
  EXPECT_EQ(result->size(), 3u);
}

// A string value and a failed Status stay apart, even though both carry
// text.
TEST(ResultTest, AStringValueIsNotAFailure) {
  const Result<std::string> value = std::string("an error-looking value");
  EXPECT_TRUE(value.ok());
  const Result<std::string> failure = Status::Error("an error");
  EXPECT_FALSE(failure.ok());
}

}  // namespace
}  // namespace loadgate::services
