// GET /products and GET /products/:id bodies (src/json/products.cpp), byte for byte.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "json/serialize.hpp"
#include "json_assertions.hpp"

namespace atelier::json {
namespace {

using testing::IsValidJson;

model::Product camo_onesie() {
  model::Product p;
  p.id = 1;
  p.name = "Camo Onesie";
  p.slogan = "Blend in to your crowd";
  p.description = "The So Fatigues will wake you up and fit you in.";
  p.category = "Jackets";
  p.default_price = 14000;
  p.created_at = 1628865524509;
  p.updated_at = 0;
  return p;
}

const std::string kCamoOnesieMembers =
    R"("id":1,"campus":"hr-rfp","name":"Camo Onesie","slogan":"Blend in to your crowd",)"
    R"("description":"The So Fatigues will wake you up and fit you in.","category":"Jackets",)"
    R"("default_price":"140.00","created_at":"2021-08-13T14:38:44.509Z",)"
    R"("updated_at":"1970-01-01T00:00:00.000Z")";

TEST(WriteProductList, KeysInContractOrderWithoutFeatures) {
  const std::vector<model::Product> products{camo_onesie()};
  const std::string body = write_product_list(products, "hr-rfp");
  EXPECT_EQ(body, "[{" + kCamoOnesieMembers + "}]");
  EXPECT_TRUE(IsValidJson(body));
}

TEST(WriteProductList, SeveralProductsAndEmptyPage) {
  model::Product second = camo_onesie();
  second.id = 2;
  second.name = "Bright Future Sunglasses";
  second.default_price = 500'000'000;  // CONTRACT §4 dirt 8
  const std::vector<model::Product> products{camo_onesie(), second};
  const std::string body = write_product_list(products, "other-campus");
  EXPECT_NE(body.find(R"(},{"id":2,"campus":"other-campus","name":"Bright Future Sunglasses",)"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("default_price":"5000000.00")"), std::string::npos) << body;
  EXPECT_TRUE(IsValidJson(body));

  EXPECT_EQ(write_product_list({}, "hr-rfp"), "[]");
}

TEST(WriteProductDetail, AddsFeaturesWithNullValues) {
  model::ProductDetail detail{camo_onesie(),
                              {{"Fabric", "Canvas"}, {"Buttons", "Brass"}, {"Sole", std::nullopt}}};
  const std::string body = write_product_detail(detail, "hr-rfp");
  EXPECT_EQ(body, "{" + kCamoOnesieMembers +
                      R"(,"features":[{"feature":"Fabric","value":"Canvas"},)"
                      R"({"feature":"Buttons","value":"Brass"},{"feature":"Sole","value":null}]})");
  EXPECT_TRUE(IsValidJson(body));
}

TEST(WriteProductDetail, NoFeaturesIsEmptyArray) {
  const std::string body = write_product_detail({camo_onesie(), {}}, "hr-rfp");
  EXPECT_EQ(body, "{" + kCamoOnesieMembers + R"(,"features":[]})");
  EXPECT_TRUE(IsValidJson(body));
}

TEST(WriteProductDetail, DuplicateFeatureNamesAreKept) {
  // CONTRACT §4 dirt 5: the same feature name twice for one product is data, kept in order.
  model::ProductDetail detail{camo_onesie(), {{"Fabric", "Canvas"}, {"Fabric", "Wool"}}};
  const std::string body = write_product_detail(detail, "hr-rfp");
  EXPECT_NE(body.find(R"("features":[{"feature":"Fabric","value":"Canvas"},)"
                      R"({"feature":"Fabric","value":"Wool"}]})"),
            std::string::npos)
      << body;
}

TEST(Escaping, QuotesBackslashesAndControlCharacters) {
  model::Product p = camo_onesie();
  p.name = R"(The "Best" \ Onesie)";
  p.slogan = "tab\there\nnewline\r\x01\x1f\x7f";
  p.description = std::string("nul\0end", 7);
  p.category = "a/b & c's  double";
  const std::string body = write_product_list(std::vector<model::Product>{p}, "hr-rfp");
  EXPECT_NE(body.find(R"("name":"The \"Best\" \\ Onesie")"), std::string::npos) << body;
  // RapidJSON escapes \t \n \r by name and other controls as \u00XX (uppercase hex); DEL (0x7f)
  // is not a control character in JSON and passes through.
  EXPECT_NE(body.find("\"slogan\":\"tab\\there\\nnewline\\r\\u0001\\u001F\x7f\""),
            std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("description":"nul\u0000end")"), std::string::npos) << body;
  // '/', '&', apostrophes and double spaces are data, kept byte for byte (CONTRACT §4).
  EXPECT_NE(body.find(R"("category":"a/b & c's  double")"), std::string::npos) << body;
  EXPECT_TRUE(IsValidJson(body));
}

TEST(Escaping, Utf8MultibytePassesThrough) {
  model::Product p = camo_onesie();
  p.name = "Caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x91\x9F \xE2\x80\xA8";  // é € 👟 U+2028
  const std::string body = write_product_list(std::vector<model::Product>{p}, "hr-rfp");
  EXPECT_NE(body.find("\"name\":\"Caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x91\x9F \xE2\x80\xA8\""),
            std::string::npos)
      << body;
  EXPECT_TRUE(IsValidJson(body));
}

TEST(Escaping, InvalidUtf8IsReplacedNeverCopied) {
  model::ProductDetail detail{camo_onesie(), {{"Fabric", std::string("caf\xE9")}}};
  detail.product.name = "bad \xC0\xAF end";
  detail.product.description = std::string(40, 'x') + "\xE2\x82";  // truncated at the very end
  const std::string body = write_product_detail(detail, "hr-\xFF");
  EXPECT_NE(body.find("\"campus\":\"hr-\xEF\xBF\xBD\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"name\":\"bad \xEF\xBF\xBD\xEF\xBF\xBD end\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"description\":\"" + std::string(40, 'x') + "\xEF\xBF\xBD\""),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("{\"feature\":\"Fabric\",\"value\":\"caf\xEF\xBF\xBD\"}"), std::string::npos)
      << body;
  EXPECT_TRUE(IsValidJson(body));
}

TEST(WriteProductList, LargePageIsValidAndReusesBuffer) {
  std::vector<model::Product> products(2000, camo_onesie());
  for (std::size_t i = 0; i < products.size(); ++i) products[i].id = static_cast<int64_t>(i + 1);
  const std::string first = write_product_list(products, "hr-rfp");
  const std::string second = write_product_list(products, "hr-rfp");
  EXPECT_EQ(first, second);
  EXPECT_TRUE(IsValidJson(first));
  // A following small body does not carry bytes of the previous, larger one.
  EXPECT_EQ(write_product_list({}, "hr-rfp"), "[]");
}

TEST(WriteProductList, HugeBodyIsReleasedAndNextBodyIsCorrect) {
  model::Product p = camo_onesie();
  p.description = std::string(9 * 1024 * 1024, 'd');  // above the retained-buffer limit
  const std::string body = write_product_list(std::vector<model::Product>{p}, "hr-rfp");
  EXPECT_EQ(body.size(),
            kCamoOnesieMembers.size() + 4 + p.description.size() -
                std::string("The So Fatigues will wake you up and fit you in.").size());
  EXPECT_EQ(write_product_list(std::vector<model::Product>{camo_onesie()}, "hr-rfp"),
            "[{" + kCamoOnesieMembers + "}]");
}

}  // namespace
}  // namespace atelier::json
