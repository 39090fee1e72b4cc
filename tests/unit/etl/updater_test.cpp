// The parts of a partial update that need no database (src/etl/updater.*): which directories may
// be applied, what deleted.csv deletes and rejects, and the summary atelier-etl --update prints.
#include "etl/updater.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "etl/loader.hpp"

namespace atelier::etl {
namespace {

namespace fs = std::filesystem;

constexpr const char* kProductHeader = "id,name,slogan,description,category,default_price";

// A fresh directory under the system's temporary one, removed at the end of the test.
class UpdateDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("atelier-updater-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return dir_ / name;
  }

  // check_update_dir's message, or "" when it accepts the directory.
  std::string refusal() {
    try {
      check_update_dir(dir_);
    } catch (const LoadError& error) {
      return error.what();
    }
    return "";
  }

  fs::path dir_;
};

TEST_F(UpdateDir, AFileWithItsExactHeaderMayBeApplied) {
  write("product.csv", std::string(kProductHeader) + "\n1,\"A\",\"s\",\"d\",\"c\",10\n");
  write("deleted.csv", "product_id\n4\n");
  EXPECT_EQ(refusal(), "");
}

TEST_F(UpdateDir, AHeaderAfterAByteOrderMarkAndBeforeACarriageReturnIsExact) {
  write("deleted.csv", "\xEF\xBB\xBFproduct_id\r\n4\r\n");
  EXPECT_EQ(refusal(), "");
}

TEST_F(UpdateDir, AMissingDirectoryIsRefused) {
  fs::remove_all(dir_);
  EXPECT_NE(refusal().find("does not exist"), std::string::npos) << refusal();
}

TEST_F(UpdateDir, ADirectoryWithNoCatalogFileIsRefusedNamingTheFilesItMayHold) {
  write("notes.txt", "nothing to apply\n");
  const std::string message = refusal();
  EXPECT_NE(message.find("none of product.csv"), std::string::npos) << message;
  EXPECT_NE(message.find("deleted.csv"), std::string::npos) << message;
}

TEST_F(UpdateDir, AWrongHeaderIsRefusedWithTheHeaderItShouldHave) {
  write("product.csv", "id,name\n1,A\n");
  const std::string message = refusal();
  EXPECT_NE(message.find("product.csv: header is \"id,name\""), std::string::npos) << message;
  EXPECT_NE(message.find(std::string("expected \"") + kProductHeader + "\""), std::string::npos)
      << message;
}

TEST_F(UpdateDir, AnEmptyFileIsRefusedAndEveryProblemIsListed) {
  write("features.csv", "");
  write("deleted.csv", "id\n");
  const std::string message = refusal();
  EXPECT_NE(message.find("features.csv: empty (no header line)"), std::string::npos) << message;
  EXPECT_NE(message.find("deleted.csv: header is \"id\""), std::string::npos) << message;
}

TEST_F(UpdateDir, DeletedCsvDeletesExistingProductsOnceInIdOrder) {
  IdSet existing;
  for (const std::int64_t id : {3, 5, 8}) existing.insert(id);
  const auto deleted = read_deleted(write("deleted.csv", "product_id\n8\n3\n\n5\n"), existing);
  EXPECT_EQ(deleted.ids, (std::vector<std::int64_t>{3, 5, 8}));
  EXPECT_EQ(deleted.result.report.file, "deleted.csv");
  EXPECT_EQ(deleted.result.report.rows, 3);
  EXPECT_EQ(deleted.result.report.blank, 1);
  EXPECT_EQ(deleted.result.report.rejected, 0);
  EXPECT_TRUE(deleted.result.rejects.empty());
}

TEST_F(UpdateDir, DeletedCsvLinesThatDeleteNothingAreRejectedWithTheirReason) {
  IdSet existing;
  existing.insert(3);
  const auto deleted =
      read_deleted(write("deleted.csv", "product_id\n3\n3\nabc\n999\n3,4\n"), existing);
  EXPECT_EQ(deleted.ids, (std::vector<std::int64_t>{3}));
  EXPECT_EQ(deleted.result.report.rows, 1);
  EXPECT_EQ(deleted.result.report.rejected, 4);
  ASSERT_EQ(deleted.result.rejects.size(), 4u);
  const std::pair<std::int64_t, std::string> expected[] = {
      {3, "duplicate id"}, {4, "bad product_id"}, {5, "no such product"}, {6, "wrong field count"}};
  for (std::size_t i = 0; i < 4; ++i) {
    const RejectRecord& reject = deleted.result.rejects[i];
    EXPECT_EQ(reject.file, "deleted.csv");
    EXPECT_EQ(reject.line, expected[i].first);
    EXPECT_EQ(reject.reason, expected[i].second) << "line " << reject.line;
    EXPECT_FALSE(reject.repaired);
  }
  EXPECT_EQ(deleted.result.rejects[3].excerpt, "3,4");
}

TEST(UpdateSummary, NamesEachFileEachRejectAndThePublish) {
  UpdateReport report;
  report.dataset_version = 3;
  report.publish = 7;
  report.changed = 1;
  report.added = 2;
  report.deleted = 4;
  report.seconds = 1.5;
  report.apply_seconds = 0.25;
  FileReport product;
  product.file = "product.csv";
  product.rows = 12;
  product.rejected = 1;
  report.files.push_back(product);
  report.rejects.push_back(
      RejectRecord{"product.csv", 3, "bad number in default_price", false, ""});
  report.rejects.push_back(RejectRecord{"features.csv", 9, "quotes repaired", true, ""});
  const std::string summary = format_update_summary(report);
  EXPECT_NE(summary.find("product.csv           12 rows      1 rejected      0 repaired\n"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("  product.csv line 3 rejected: bad number in default_price\n"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("  features.csv line 9 repaired: quotes repaired\n"), std::string::npos)
      << summary;
  EXPECT_NE(summary.find("update published as publish 7 on dataset version 3: products "
                         "changed=1 added=2 deleted=4\n"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("seconds=1.50 (transaction 0.25)\n"), std::string::npos) << summary;
}

}  // namespace
}  // namespace atelier::etl
