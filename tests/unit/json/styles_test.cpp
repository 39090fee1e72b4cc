// GET /products/:id/styles body (src/json/styles.cpp), byte for byte.
#include <gtest/gtest.h>

#include <string>

#include "json/serialize.hpp"
#include "json_assertions.hpp"

namespace atelier::json {
namespace {

using testing::IsValidJson;

model::Style forest_green() {
  model::Style s;
  s.id = 1;
  s.name = "Forest Green & Black";
  s.original_price = 14000;
  s.sale_price = std::nullopt;
  s.is_default = true;
  s.photos = {{"https://img/t1.jpg", "https://img/u1.jpg"},
              {"https://img/t2.jpg", "https://img/u2.jpg"}};
  s.skus = {{1, 8, "XS"}, {2, 16, "S"}};
  return s;
}

TEST(WriteStyles, FullStyleInContractOrder) {
  const std::string body = write_styles({1, {forest_green()}});
  EXPECT_EQ(body, R"({"product_id":"1","results":[{"style_id":1,"name":"Forest Green & Black",)"
                  R"("original_price":"140.00","sale_price":null,"default?":true,)"
                  R"("photos":[{"thumbnail_url":"https://img/t1.jpg","url":"https://img/u1.jpg"},)"
                  R"({"thumbnail_url":"https://img/t2.jpg","url":"https://img/u2.jpg"}],)"
                  R"("skus":{"1":{"quantity":8,"size":"XS"},"2":{"quantity":16,"size":"S"}}}]})");
  EXPECT_TRUE(IsValidJson(body));
}

TEST(WriteStyles, SalePriceZeroIsNullOtherwiseString) {
  model::Style zero = forest_green();
  zero.sale_price = 0;
  model::Style on_sale = forest_green();
  on_sale.id = 2;
  on_sale.sale_price = 10000;
  on_sale.is_default = false;
  model::Style cents = forest_green();
  cents.id = 3;
  cents.sale_price = 5;
  cents.original_price = 500'000'000;
  const std::string body = write_styles({7, {zero, on_sale, cents}});
  EXPECT_NE(body.find(R"("style_id":1,"name":"Forest Green & Black","original_price":"140.00",)"
                      R"("sale_price":null,"default?":true,)"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("style_id":2,"name":"Forest Green & Black","original_price":"140.00",)"
                      R"("sale_price":"100.00","default?":false,)"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("style_id":3,"name":"Forest Green & Black",)"
                      R"("original_price":"5000000.00","sale_price":"0.05",)"),
            std::string::npos)
      << body;
  EXPECT_TRUE(IsValidJson(body));
}

TEST(WriteStyles, NoPhotosAndNoSkusGetPlaceholders) {
  model::Style bare = forest_green();
  bare.photos.clear();
  bare.skus.clear();
  const std::string body = write_styles({42, {bare}});
  EXPECT_EQ(body, R"({"product_id":"42","results":[{"style_id":1,"name":"Forest Green & Black",)"
                  R"("original_price":"140.00","sale_price":null,"default?":true,)"
                  R"("photos":[{"thumbnail_url":null,"url":null}],)"
                  R"("skus":{"null":{"quantity":null,"size":null}}}]})");
  EXPECT_TRUE(IsValidJson(body));
}

TEST(WriteStyles, MissingUrlIsNull) {
  model::Style s = forest_green();
  s.photos = {{"https://img/t1.jpg", std::nullopt}, {std::nullopt, "https://img/u2.jpg"}};
  const std::string body = write_styles({1, {s}});
  EXPECT_NE(body.find(R"("photos":[{"thumbnail_url":"https://img/t1.jpg","url":null},)"
                      R"({"thumbnail_url":null,"url":"https://img/u2.jpg"}],)"),
            std::string::npos)
      << body;
  EXPECT_TRUE(IsValidJson(body));
}

TEST(WriteStyles, PhotosKeepGivenOrderAndSkusKeepDuplicateSizes) {
  model::Style s = forest_green();
  s.photos = {{"t8", "u8"}, {"t7", "u7"}};  // source order: id 8 before id 7
  s.skus = {{7, 3, "7.5"}, {8, 0, "7.5"}, {1394769, 14, "XL"}};
  const std::string body = write_styles({1, {s}});
  EXPECT_NE(
      body.find(
          R"("photos":[{"thumbnail_url":"t8","url":"u8"},{"thumbnail_url":"t7","url":"u7"}])"),
      std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("skus":{"7":{"quantity":3,"size":"7.5"},"8":{"quantity":0,"size":"7.5"},)"
                      R"("1394769":{"quantity":14,"size":"XL"}})"),
            std::string::npos)
      << body;
  EXPECT_TRUE(IsValidJson(body));
}

TEST(WriteStyles, NoStylesIsEmptyResults) {
  EXPECT_EQ(write_styles({1000011, {}}), R"({"product_id":"1000011","results":[]})");
}

TEST(WriteStyles, TextFieldsAreEscapedAndRepaired) {
  model::Style s = forest_green();
  s.name = "Say \"hi\"\n\xC3";
  s.skus = {{1, 1, "\\x"}};
  s.photos = {{"https://img/\x80", "https://img/ok"}};
  const std::string body = write_styles({1, {s}});
  EXPECT_NE(body.find("\"name\":\"Say \\\"hi\\\"\\n\xEF\xBF\xBD\""), std::string::npos) << body;
  EXPECT_NE(body.find(R"("size":"\\x")"), std::string::npos) << body;
  EXPECT_NE(body.find("\"thumbnail_url\":\"https://img/\xEF\xBF\xBD\""), std::string::npos) << body;
  EXPECT_TRUE(IsValidJson(body));
}

}  // namespace
}  // namespace atelier::json
