// Loading data sets from CSV and JSON files, and their errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "loadgate/scenario.h"
#include "support/temp_dir.h"

namespace loadgate {
namespace {

using test_support::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Rows = std::vector<std::vector<std::string>>;

// The message of the std::runtime_error `load` throws ("" if none).
template <typename Load>
std::string ErrorOf(Load load) {
  try {
    load();
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  return "";
}

TEST(DataSetTest, FromValuesMakesOneColumn) {
  const DataSet data = DataSet::FromValues("mrn", {"a", "b"});
  EXPECT_THAT(data.columns, ElementsAre("mrn"));
  EXPECT_EQ(data.rows, (Rows{{"a"}, {"b"}}));
  EXPECT_EQ(data.order, DataSet::Order::kSequential);
}

TEST(DataSetTest, CsvHeaderNamesColumnsAndQuotesFollowRfc4180) {
  TempDir dir;
  const std::string path =
      dir.WriteFile("patients.csv",
                    "mrn,query,note\r\n"
                    "100,chest pain,plain\r\n"
                    "101,\"fever, cough\",\"said \"\"hi\"\"\"\n"
                    "\n"
                    "102,\"two\nlines\",\n"
                    "103,,last");
  const DataSet data = DataSet::FromCsvFile(path);
  EXPECT_THAT(data.columns, ElementsAre("mrn", "query", "note"));
  EXPECT_EQ(data.rows, (Rows{{"100", "chest pain", "plain"},
                             {"101", "fever, cough", "said \"hi\""},
                             {"102", "two\nlines", ""},
                             {"103", "", "last"}}));
}

TEST(DataSetTest, CsvErrorsNameTheFileAndLine) {
  TempDir dir;
  const std::string ragged =
      dir.WriteFile("ragged.csv", "a,b\n1,2\n\"x\ny\",2\n3\n");
  EXPECT_EQ(ErrorOf([&] { DataSet::FromCsvFile(ragged); }),
            ragged + ":5: expected 2 fields, found 1");
  const std::string open_quote =
      dir.WriteFile("quote.csv", "a,b\n1,2\n3,\"never closed\n4,5\n");
  EXPECT_EQ(ErrorOf([&] { DataSet::FromCsvFile(open_quote); }),
            open_quote + ":3: unterminated quoted field");
  const std::string junk = dir.WriteFile("junk.csv", "a\n\"x\"y\n");
  EXPECT_THAT(ErrorOf([&] { DataSet::FromCsvFile(junk); }),
              HasSubstr(junk + ":2: unexpected character"));
  const std::string empty = dir.WriteFile("empty.csv", "");
  EXPECT_THAT(ErrorOf([&] { DataSet::FromCsvFile(empty); }),
              HasSubstr(empty + ":1: expected a header row"));
  const std::string missing = (dir.path() / "missing.csv").string();
  EXPECT_THAT(ErrorOf([&] { DataSet::FromCsvFile(missing); }),
              HasSubstr(missing + ": cannot open"));
}

TEST(DataSetTest, JsonArrayOfFlatObjects) {
  TempDir dir;
  const std::string path =
      dir.WriteFile("rows.json",
                    R"([{"mrn": "100", "age": 41, "vip": true},
          {"mrn": "101", "note": null, "tags": ["a"]},
          {"age": 7}])");
  const DataSet data = DataSet::FromJsonFile(path);
  EXPECT_THAT(data.columns, ElementsAre("mrn", "age", "vip", "note", "tags"));
  EXPECT_EQ(data.rows, (Rows{{"100", "41", "true", "", ""},
                             {"101", "", "", "", R"(["a"])"},
                             {"", "7", "", "", ""}}));
}

TEST(DataSetTest, JsonErrorsNameTheFileAndLine) {
  TempDir dir;
  const std::string broken =
      dir.WriteFile("broken.json", "[\n  {\"a\": 1},\n  {\"a\": }\n]");
  EXPECT_THAT(ErrorOf([&] { DataSet::FromJsonFile(broken); }),
              HasSubstr(broken + ":3: invalid JSON"));
  const std::string object = dir.WriteFile("object.json", R"({"a": 1})");
  EXPECT_EQ(ErrorOf([&] { DataSet::FromJsonFile(object); }),
            object + ": expected a JSON array of objects");
  const std::string scalar = dir.WriteFile("scalar.json", R"([{"a": 1}, 2])");
  EXPECT_EQ(ErrorOf([&] { DataSet::FromJsonFile(scalar); }),
            scalar + ": element 1: expected an object");
}

}  // namespace
}  // namespace loadgate
