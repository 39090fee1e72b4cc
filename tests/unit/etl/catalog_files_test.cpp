// Row rules: which lines become COPY rows, which are rejected and why (CONTRACT §4 dirt).
#include "etl/catalog_files.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>

#include <string>

#include "etl/id_set.hpp"
#include "etl/schema_sql.hpp"

namespace atelier::etl {
namespace {

struct Encoded {
  RowOutcome outcome;
  std::string copy;
};

Encoded encode(RowEncoder& encoder, std::string_view line, std::int64_t line_number = 2) {
  CsvRecord record;
  parse_csv_line(line, record);
  Encoded e;
  e.outcome = encoder.encode(record, line_number, e.copy);
  return e;
}

TEST(RowRules, ProductRowEndsWithWhatTheStampAppends) {
  std::vector<std::pair<std::int64_t, std::uint64_t>> stamped;
  RowEncoder products(CatalogFile::products, {},
                      [&](std::int64_t id, std::uint64_t row_hash, std::string& out) {
                        stamped.emplace_back(id, row_hash);
                        out.append("\tSTAMP");
                      });
  auto e =
      encode(products, R"(1,"Camo Onesie","Blend in","The so ""fatigues"" ...","Jackets",140)");
  ASSERT_TRUE(e.outcome.accepted);
  EXPECT_EQ(e.copy, "1\tCamo Onesie\tBlend in\tThe so \"fatigues\" ...\tJackets\t140\tSTAMP\n");
  ASSERT_EQ(stamped.size(), 1u);
  EXPECT_EQ(stamped[0].first, 1);
  EXPECT_EQ(stamped[0].second, products.last_row_hash());
  EXPECT_EQ(products.last_product(), 1);
  // A rejected row is never stamped.
  encode(products, R"(1,"again","b","c","d",1)");
  EXPECT_EQ(stamped.size(), 1u);
}

TEST(RowRules, RowHashIgnoresTheLineNumberButNotTheContent) {
  RowEncoder a(CatalogFile::related, {});
  RowEncoder b(CatalogFile::related, {});
  encode(a, "7,1,2", 10);
  encode(b, "7,1,2", 99);
  EXPECT_EQ(a.last_row_hash(), b.last_row_hash());
  EXPECT_EQ(a.last_product(), 1);
  encode(b, "8,1,2", 100);
  EXPECT_NE(a.last_row_hash(), b.last_row_hash());
  CsvRecord quoted;
  CsvRecord bare;
  parse_csv_line(R"(1,"null")", quoted);
  parse_csv_line("1,null", bare);
  EXPECT_NE(record_hash(quoted), record_hash(bare));
}

TEST(RowRules, RejectsBadProducts) {
  RowEncoder products(CatalogFile::products, {});
  EXPECT_EQ(encode(products, R"(x,"a","b","c","d",1)").outcome.reason, "non-numeric id");
  EXPECT_EQ(encode(products, R"(1,"a","b","c","d",abc)").outcome.reason,
            "bad number in default_price");
  EXPECT_EQ(encode(products, R"(1,"a","b","c")").outcome.reason, "wrong field count");
  EXPECT_EQ(encode(products, R"(1,"a","b","c","d",1,7)").outcome.reason, "wrong field count");
  EXPECT_EQ(encode(products, R"(1,null,"b","c","d",1)").outcome.reason,
            "null in NOT NULL text column");
  EXPECT_TRUE(encode(products, R"(1,"a","b","c","d",1)").outcome.accepted);
  const auto dup = encode(products, R"(1,"again","b","c","d",1)");
  EXPECT_FALSE(dup.outcome.accepted);
  EXPECT_EQ(dup.outcome.reason, "duplicate id");
  EXPECT_TRUE(dup.copy.empty());
}

TEST(RowRules, FeatureValueNullBareOrQuoted) {
  IdSet products;
  products.insert(1);
  RowEncoder features(CatalogFile::features, ParentIds{&products, nullptr, nullptr});
  EXPECT_EQ(encode(features, R"(1,1,"Lens",null)", 7).copy, "1\t1\t7\tLens\t\\N\n");
  EXPECT_EQ(encode(features, R"(2,1,"Lens","null")", 8).copy, "2\t1\t8\tLens\t\\N\n");
  EXPECT_EQ(encode(features, R"(3,1,"Lens","Nullable")", 9).copy, "3\t1\t9\tLens\tNullable\n");
  EXPECT_EQ(encode(features, R"(4,2,"Lens","x")").outcome.reason, "missing product");
  EXPECT_EQ(encode(features, R"(5,1)").outcome.reason, "wrong field count");
}

TEST(RowRules, StyleSalePriceNullAndZeroKept) {
  IdSet products;
  products.insert(1);
  RowEncoder styles(CatalogFile::styles, ParentIds{&products, nullptr, nullptr});
  EXPECT_EQ(encode(styles, R"(1,1,"Forest Green",null,140,1)").copy,
            "1\t1\tForest Green\t\\N\t140\tt\n");
  EXPECT_EQ(encode(styles, R"(2,1,"Desert",0,140,0)").copy, "2\t1\tDesert\t0\t140\tf\n");
  EXPECT_EQ(encode(styles, R"(3,1,"Big",null,500000000,0)").copy, "3\t1\tBig\t\\N\t500000000\tf\n");
  EXPECT_EQ(encode(styles, R"(4,9,"Orphan",null,140,0)").outcome.reason, "missing product");
  EXPECT_EQ(encode(styles, R"(5,1,"x",null,140,2)").outcome.reason, "bad default_style");
  EXPECT_EQ(encode(styles, R"(6,1,"x",null,abc,1)").outcome.reason, "bad number in original_price");
}

TEST(RowRules, StylesRememberTheirProduct) {
  IdSet products;
  products.insert(3);
  products.insert(5);
  RowEncoder styles(CatalogFile::styles, ParentIds{&products, nullptr, nullptr});
  EXPECT_TRUE(encode(styles, R"(10,3,"a",null,1,0)").outcome.accepted);
  EXPECT_FALSE(encode(styles, R"(11,4,"orphan",null,1,0)").outcome.accepted);
  EXPECT_EQ(encode(styles, R"(10,5,"dup",null,1,0)").outcome.reason, "duplicate id");
  EXPECT_EQ(styles.style_products().find(10), std::optional<std::int64_t>(3));  // first kept
  EXPECT_FALSE(styles.style_products().contains(11));
  EXPECT_EQ(styles.style_products().size(), 1u);
}

TEST(RowRules, PhotosAndSkusNeedTheStylesProducts) {
  EXPECT_THROW(RowEncoder(CatalogFile::photos, {}), std::invalid_argument);
  EXPECT_THROW(RowEncoder(CatalogFile::skus, {}), std::invalid_argument);
}

TEST(RowRules, PhotosKeepLineCarryProductAndRejectMissingStyle) {
  IdMap styles;
  styles.insert(4, 40);
  RowEncoder photos(CatalogFile::photos, ParentIds{nullptr, &styles, nullptr});
  EXPECT_EQ(encode(photos, R"(8,4,"u8","t8")", 2).copy, "8\t4\t40\t2\tu8\tt8\n");
  EXPECT_EQ(encode(photos, R"(7,4,"u7","t7)", 3).copy, "7\t4\t40\t3\tu7\tt7\n");  // repaired
  EXPECT_EQ(encode(photos, R"(9,4,null,null)", 4).copy, "9\t4\t40\t4\t\\N\t\\N\n");
  EXPECT_EQ(encode(photos, R"(10,5,"u","t")").outcome.reason, "missing style");
  EXPECT_EQ(encode(photos, R"(8,4,"u8","t8")").outcome.reason, "duplicate id");
}

TEST(RowRules, SkusAndRelated) {
  IdMap styles;
  styles.insert(1, 6);
  RowEncoder skus(CatalogFile::skus, ParentIds{nullptr, &styles, nullptr});
  // The line is kept: a style's skus are served in file order (CONTRACT §1).
  EXPECT_EQ(encode(skus, R"(1,1,"7.5",8)", 12).copy, "1\t1\t6\t7.5\t8\t12\n");
  EXPECT_EQ(encode(skus, R"(4,2,"M",1)").outcome.reason, "missing style");
  EXPECT_EQ(encode(skus, R"(2,1,"XL",-1)").outcome.reason, "bad number in quantity");
  EXPECT_EQ(encode(skus, R"(3,1)").outcome.reason, "wrong field count");

  IdSet products;
  products.insert(1);
  products.insert(2);
  RowEncoder related(CatalogFile::related, ParentIds{&products, nullptr, nullptr});
  EXPECT_EQ(encode(related, "1,1,2", 2).copy, "1\t1\t2\t2\n");
  EXPECT_TRUE(encode(related, "2,1,1").outcome.accepted);  // self-reference kept
  EXPECT_EQ(encode(related, "3,1,0").outcome.reason, "related product id 0");
  EXPECT_EQ(encode(related, "4,1,77").outcome.reason, "missing related product");
  EXPECT_EQ(encode(related, "5,77,1").outcome.reason, "missing product");
}

TEST(RowRules, CartSessionIsText) {
  RowEncoder cart(CatalogFile::cart, {});
  EXPECT_EQ(encode(cart, "1,1234,5,1").copy, "1\t1234\t5\tt\n");
  EXPECT_EQ(encode(cart, "2,abc,5,1").outcome.reason, "bad user_session");
}

TEST(RowRules, ExcerptNeverCutsUtf8) {
  const std::string line = std::string(119, 'a') + "\xC3\xA9" + "tail";
  EXPECT_EQ(excerpt_of(line).size(), 119u);
  EXPECT_EQ(excerpt_of("short"), "short");
}

TEST(IdSetTest, DenseAndSparseIds) {
  IdSet set;
  EXPECT_TRUE(set.insert(5));
  EXPECT_FALSE(set.insert(5));
  EXPECT_TRUE(set.insert(IdSet::kDenseLimit + 7));
  EXPECT_TRUE(set.insert(-1));
  EXPECT_TRUE(set.contains(IdSet::kDenseLimit + 7));
  EXPECT_FALSE(set.contains(6));
  EXPECT_FALSE(set.contains(1'000'000'000'000));
  EXPECT_EQ(set.size(), 3u);
}

TEST(IdMapTest, DenseAndSparseIdsKeepTheFirstOwner) {
  IdMap map;
  EXPECT_TRUE(map.insert(5, 50));
  EXPECT_FALSE(map.insert(5, 51));
  EXPECT_EQ(map.find(5), std::optional<std::int64_t>(50));
  EXPECT_TRUE(map.insert(0, 0));
  EXPECT_EQ(map.find(0), std::optional<std::int64_t>(0));
  EXPECT_TRUE(map.insert(IdMap::kDenseLimit + 7, 9));
  EXPECT_FALSE(map.insert(IdMap::kDenseLimit + 7, 10));
  EXPECT_TRUE(map.insert(-1, 2));
  EXPECT_EQ(map.find(IdMap::kDenseLimit + 7), std::optional<std::int64_t>(9));
  EXPECT_EQ(map.find(-1), std::optional<std::int64_t>(2));
  EXPECT_FALSE(map.contains(6));
  EXPECT_FALSE(map.contains(1000));
  EXPECT_EQ(map.size(), 4u);
  EXPECT_THROW(map.insert(7, -1), std::invalid_argument);
  EXPECT_FALSE(map.contains(7));
}

TEST(SchemaSql, SectionsAndPlaceholders) {
  constexpr std::string_view text = "-- header\n-- table: a\nA1;\nA2;\n-- table: b\nB;\n";
  EXPECT_EQ(sql_section(text, "a"), "A1;\nA2;\n");
  EXPECT_EQ(sql_section(text, "b"), "B;\n");
  EXPECT_EQ(sql_section(text, "c"), "");
  EXPECT_EQ(substitute("x ${S}.t ${S}", "S", "v1"), "x v1.t v1");
}

TEST(SchemaSql, EmbeddedFilesHaveEveryDatasetTable) {
  for (const auto& spec : catalog_files()) {
    if (spec.file == CatalogFile::cart) continue;
    const std::string create = create_table_sql(spec.table, "atelier_v9", "2021-01-01 00:00:00+00");
    EXPECT_NE(create.find("CREATE TABLE atelier_v9." + std::string(spec.table)), std::string::npos);
    EXPECT_EQ(create.find("${"), std::string::npos);
    EXPECT_NE(index_sql(spec.table, "atelier_v9").find("atelier_v9." + std::string(spec.table)),
              std::string::npos);
  }
}

}  // namespace
}  // namespace atelier::etl

namespace atelier::etl {
namespace {

TEST(RowRules, ExcerptOfInvalidBytesIsStillValidText) {
  EXPECT_EQ(excerpt_of("1,\"caf\xE9\""), "1,\"caf?\"");
}

}  // namespace
}  // namespace atelier::etl
