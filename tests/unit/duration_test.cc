#include "loadgate/duration.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

TEST(ParseDurationTest, ReadsEveryUnit) {
  EXPECT_EQ(ParseDuration("250ns"), 250ns);
  EXPECT_EQ(ParseDuration("500us"), 500us);
  EXPECT_EQ(ParseDuration("500\xC2\xB5s"), 500us);
  EXPECT_EQ(ParseDuration("250ms"), 250ms);
  EXPECT_EQ(ParseDuration("10s"), 10s);
  EXPECT_EQ(ParseDuration("2m"), 2min);
  EXPECT_EQ(ParseDuration("1h"), 1h);
}

TEST(ParseDurationTest, SumsTermsAndReadsFractions) {
  EXPECT_EQ(ParseDuration("1m30s"), 90s);
  EXPECT_EQ(ParseDuration("1h2m3s4ms"), 1h + 2min + 3s + 4ms);
  EXPECT_EQ(ParseDuration("1.5s"), 1500ms);
  EXPECT_EQ(ParseDuration(".5ms"), 500us);
  EXPECT_EQ(ParseDuration(" 3s\n"), 3s);
  EXPECT_EQ(ParseDuration("0"), 0ns);
  EXPECT_EQ(ParseDuration("0s"), 0ns);
}

void ExpectRejected(const std::string& text, const std::string& why) {
  try {
    ParseDuration(text);
    ADD_FAILURE() << "accepted \"" << text << "\"";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr(why)) << text;
    EXPECT_THAT(e.what(), HasSubstr("expected a duration such as")) << text;
  }
}

TEST(ParseDurationTest, RejectsWithAMessageSayingWhatWasExpected) {
  ExpectRejected("", "empty");
  ExpectRejected("   ", "empty");
  ExpectRejected("10", "has no unit");
  ExpectRejected("10 s", "unknown unit");
  ExpectRejected("10sec", "unknown unit");
  ExpectRejected("5d", "unknown unit");
  ExpectRejected("-5s", "negative");
  ExpectRejected("s", "expected a number");
  ExpectRejected("1.2.3s", "expected a number");
  ExpectRejected("1s2", "has no unit");
  ExpectRejected("999999999h", "64-bit");
}

TEST(ParseDurationTest, HostileNumbersEndInTheSameError) {
  ExpectRejected("1e30s", "unknown unit \"e\"");
  ExpectRejected("99999999999999999999h", "64-bit");
  ExpectRejected(std::string(400, '9') + "s", "64-bit");  // beyond a double
  ExpectRejected("2000000h2000000h", "64-bit");  // only the sum is too large
  ExpectRejected("-0.5s", "negative");
  ExpectRejected("5 fortnights", "unknown unit");
  // Bytes that are not UTF-8 are quoted escaped, never raw.
  ExpectRejected("5\xFFs", "\"5\\xFFs\": unknown unit \"\\xFFs\"");
  // Far below a nanosecond (std::stod threw out_of_range here) is zero.
  EXPECT_EQ(ParseDuration("0." + std::string(400, '0') + "1s"), 0ns);
  EXPECT_EQ(ParseDuration("." + std::string(400, '0') + "1h"), 0ns);
}

}  // namespace
}  // namespace loadgate
