#include "gen/catalog_block.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "gen/random.hpp"
#include "gen/vocabulary.hpp"

namespace atelier::gen {
namespace {

// Dangling references point this far past the last real id, like the real files' rows that name
// products or styles that were never loaded.
constexpr std::int64_t kDanglingOffset = 5000;
constexpr std::int64_t kHugePrices[] = {5'000'000, 500'000'000};  // CONTRACT §4 dirt 8

std::size_t index_of(CatalogFile file) {
  return static_cast<std::size_t>(file);
}

template <typename T>
const T& any_of(Random& random, std::span<const T> items) {
  return items[random.below(items.size())];
}

// Unsplash-style image address, 107..134 characters: the photo's epoch-millis id and hex suffix,
// then the usual query; thumbnails are the same picture at w=300.
void put_image_url(TextBuffer& text, std::int64_t taken_ms, std::uint64_t suffix, bool with_ixid,
                   std::string_view width, bool closing_quote = true) {
  text.put(std::string_view("\"https://images.unsplash.com/photo-"));
  text.put_number(taken_ms);
  text.put('-');
  char hex[12];
  for (int i = 11; i >= 0; --i) {
    hex[i] = "0123456789abcdef"[suffix & 0xF];
    suffix >>= 4;
  }
  text.put(std::string_view(hex, sizeof hex));
  text.put(std::string_view("?ixlib=rb-1.2.1"));
  if (with_ixid) text.put(std::string_view("&ixid=eyJhcHBfaWQiOjEyMDd9"));
  text.put(std::string_view("&auto=format&fit=crop&w="));
  text.put(width);
  text.put(std::string_view("&q=80"));
  if (closing_quote) text.put('"');
}

class ProductRows {
 public:
  ProductRows(const CatalogShape& shape, std::int64_t product_id, const ProductPlan& plan,
              IdUsage& next, CatalogBlock& out)
      : shape_(shape),
        id_(product_id),
        plan_(plan),
        category_(categories()[plan.category]),
        random_(Random::for_stream(shape.seed, static_cast<std::uint64_t>(product_id),
                                   Stream::content)),
        next_(next),
        out_(out) {}

  void write() {
    write_product();
    write_features();
    write_styles();
    write_photos();
    write_skus();
    write_related();
  }

 private:
  DirtKind dirt() const { return plan_.dirt.kind; }
  std::int64_t dangling_product_id() const {
    return shape_.products + kDanglingOffset + plan_.dirt.ordinal;
  }
  std::int64_t dangling_style_id() const {
    return shape_.style_ids + kDanglingOffset + plan_.dirt.ordinal;
  }

  // Starts a data row of `file`; returns its buffer. last_row() is then this row's index.
  TextBuffer& begin_row(CatalogFile file) {
    ++out_.rows[index_of(file)];
    TextBuffer& text = out_.text[index_of(file)];
    text.put('\n');
    return text;
  }
  std::int64_t last_row(CatalogFile file) const { return out_.rows[index_of(file)] - 1; }

  void record(DirtKind kind) {
    const CatalogFile file = describe(kind).file;
    out_.planted.push_back({file, last_row(file), kind});
  }

  void record_natural(DirtKind kind, std::size_t& recorded) {
    if (!shape_.dirt || recorded >= kNaturalLinesPerKind) return;
    ++recorded;
    record(kind);
  }

  std::int64_t pick_price(std::int64_t lo, std::int64_t hi) {
    std::int64_t price = random_.between(lo, hi);
    // Most real prices are round: 140, 65, 900.
    if (price >= 10 && random_.per_mille(600)) price -= price % 5;
    return price;
  }

  void write_product() {
    TextBuffer& t = begin_row(CatalogFile::product);
    t.put_number(id_);
    t.put(std::string_view(",\""));
    t.put(any_of(random_, name_adjectives()));
    t.put(' ');
    t.put(any_of(random_, category_.nouns));
    t.put(std::string_view("\",\""));
    t.put(any_of(random_, slogan_openers()));
    t.put(any_of(random_, slogan_closers()));
    t.put(std::string_view("\",\""));
    const auto sentences = description_sentences();
    const auto count = random_.between(1, 3);
    auto sentence = random_.below(sentences.size());
    for (std::int64_t i = 0; i < count; ++i) {
      if (i > 0) t.put(std::string_view(random_.per_mille(50) ? "  " : " "));
      t.put(sentences[sentence]);
      sentence = (sentence + 1 + random_.below(sentences.size() - 1)) % sentences.size();
    }
    t.put(std::string_view("\","));
    t.put_quoted(category_.name);
    t.put(',');
    default_price_ = pick_price(category_.min_price, category_.max_price);
    t.put_number(default_price_);
    if (dirt() == DirtKind::product_without_styles) {
      record(DirtKind::product_without_styles);
      out_.examples.product_without_styles = id_;
    }
  }

  // One features.csv row: id, product id, name, value (null when the feature has none).
  void put_feature_row(const FeatureWords& feature, std::int64_t product_id) {
    TextBuffer& t = begin_row(CatalogFile::features);
    t.put_number(next_.features++);
    t.put(',');
    t.put_number(product_id);
    t.put(',');
    t.put_quoted(feature.name);
    t.put(',');
    if (feature.values.empty()) {
      t.put_null();
    } else {
      t.put_quoted(any_of(random_, feature.values));
    }
  }

  void write_features() {
    const auto words = feature_words();
    std::array<std::size_t, 8> chosen{};
    std::size_t count = 0;
    while (count < plan_.features) {
      const std::size_t candidate = random_.below(words.size());
      if (std::find(chosen.begin(), chosen.begin() + count, candidate) == chosen.begin() + count) {
        chosen[count++] = candidate;
      }
    }
    for (std::size_t i = 0; i < count; ++i) {
      const FeatureWords& feature = words[chosen[i]];
      put_feature_row(feature, id_);
      if (feature.values.empty()) {
        record_natural(DirtKind::feature_value_null, out_.feature_nulls_listed);
        if (!out_.examples.feature_null_value) out_.examples.feature_null_value = id_;
      }
    }
    switch (dirt()) {
      case DirtKind::feature_duplicate_name: {
        put_feature_row(words[chosen[0]], id_);
        record(DirtKind::feature_duplicate_name);
        out_.examples.feature_duplicate_name = id_;
        break;
      }
      case DirtKind::feature_dangling_product: {
        put_feature_row(words[chosen[0]], dangling_product_id());
        record(DirtKind::feature_dangling_product);
        break;
      }
      case DirtKind::malformed_feature: {
        TextBuffer& t = begin_row(CatalogFile::features);
        t.put_number(next_.features++);
        t.put(',');
        t.put_number(id_);
        record(DirtKind::malformed_feature);
        break;
      }
      default:
        break;
    }
  }

  void write_styles() {
    const auto default_style =
        plan_.styles > 0 ? static_cast<std::size_t>(random_.below(plan_.styles)) : 0;
    for (std::size_t s = 0; s < plan_.styles; ++s) {
      style_ids_[s] = next_.styles++;
      std::int64_t original =
          random_.per_mille(700)
              ? default_price_
              : std::max<std::int64_t>(
                    1, default_price_ + random_.between(-default_price_ / 5, default_price_ / 5));
      // kNoSale = the source's null. Not std::optional: GCC 12 with -fsanitize=thread reports a
      // false -Wmaybe-uninitialized on its payload.
      constexpr std::int64_t kNoSale = -1;
      std::int64_t sale = kNoSale;
      if (!random_.per_mille(333)) {
        sale = std::max<std::int64_t>(1, original * random_.between(50, 90) / 100);
      }
      const bool first = s == 0;
      if (first && dirt() == DirtKind::huge_price) {
        original = kHugePrices[plan_.dirt.ordinal % 2];
        sale = kNoSale;
      }
      if (first && dirt() == DirtKind::sale_price_zero) sale = 0;

      TextBuffer& t = begin_row(CatalogFile::styles);
      t.put_number(style_ids_[s]);
      t.put(',');
      t.put_number(id_);
      t.put(',');
      t.put_quoted(any_of(random_, colours()));
      t.put(',');
      if (sale != kNoSale) {
        t.put_number(sale);
      } else {
        t.put_null();
      }
      t.put(',');
      t.put_number(original);
      t.put(',');
      t.put(s == default_style ? '1' : '0');

      if (first && dirt() == DirtKind::huge_price) {
        record(DirtKind::huge_price);
        out_.examples.huge_price = StyleExample{id_, style_ids_[s]};
      } else if (first && dirt() == DirtKind::sale_price_zero) {
        record(DirtKind::sale_price_zero);
        out_.examples.sale_zero = StyleExample{id_, style_ids_[s]};
      } else if (sale == kNoSale) {
        record_natural(DirtKind::sale_price_null, out_.sale_nulls_listed);
        if (!out_.examples.sale_null) out_.examples.sale_null = StyleExample{id_, style_ids_[s]};
      }
      if (s + 1 == plan_.styles && dirt() == DirtKind::style_without_photos_and_skus) {
        record(DirtKind::style_without_photos_and_skus);
        out_.examples.style_without_photos_and_skus = StyleExample{id_, style_ids_[s]};
      }
    }
    if (dirt() == DirtKind::style_dangling_product) {
      // A style of a product that does not exist; it gets no photos or skus.
      TextBuffer& t = begin_row(CatalogFile::styles);
      t.put_number(next_.styles++);
      t.put(',');
      t.put_number(dangling_product_id());
      t.put(',');
      t.put_quoted(any_of(random_, colours()));
      t.put(std::string_view(",null,"));
      t.put_number(default_price_);
      t.put(std::string_view(",0"));
      record(DirtKind::style_dangling_product);
    }
  }

  void put_photo(TextBuffer& t, std::int64_t photo_id, std::int64_t style_id, bool terminated) {
    static constexpr std::string_view kWidths[] = {"668", "1650", "1950", "975", "1000"};
    const std::int64_t taken_ms = random_.between(1'440'000'000'000, 1'620'000'000'000);
    const std::uint64_t suffix = random_.next() & 0xFFFF'FFFF'FFFFULL;
    const bool with_ixid = random_.per_mille(650);
    t.put_number(photo_id);
    t.put(',');
    t.put_number(style_id);
    t.put(',');
    put_image_url(t, taken_ms, suffix, with_ixid,
                  any_of(random_, std::span<const std::string_view>(kWidths)));
    t.put(',');
    // CONTRACT §4 dirt 1: the real file has lines that lose the thumbnail's closing quote.
    put_image_url(t, taken_ms, suffix, with_ixid, "300", terminated);
  }

  void write_photos() {
    for (std::size_t s = 0; s < plan_.styles; ++s) {
      const std::int64_t first_id = next_.photos;
      const std::size_t count = plan_.style[s].photos;
      next_.photos += static_cast<std::int64_t>(count);
      const bool first_style = s == 0;
      for (std::size_t i = 0; i < count; ++i) {
        std::size_t index = i;
        // CONTRACT §4 dirt 6: "8 before 7".
        if (first_style && dirt() == DirtKind::photo_out_of_order && i < 2) index = 1 - i;
        const std::int64_t photo_id = first_id + static_cast<std::int64_t>(index);
        const bool unterminated = first_style && i == 0 && dirt() == DirtKind::unterminated_quote;
        TextBuffer& t = begin_row(CatalogFile::photos);
        const std::size_t row_start = t.size();
        put_photo(t, photo_id, style_ids_[s], !unterminated);
        if (unterminated) {
          record(DirtKind::unterminated_quote);
          out_.examples.unterminated_quote_photo = PhotoExample{id_, style_ids_[s], photo_id};
        }
        if (first_style && i == 0 && dirt() == DirtKind::photo_out_of_order) {
          record(DirtKind::photo_out_of_order);
          out_.examples.photos_out_of_order = StyleExample{id_, style_ids_[s]};
        }
        if (first_style && i == 0 && dirt() == DirtKind::duplicate_id) {
          // The same row again on the next line; the loader rejects the second one.
          const std::string row(t.view().substr(row_start));
          begin_row(CatalogFile::photos).put(row);
          record(DirtKind::duplicate_id);
        }
      }
      if (first_style && dirt() == DirtKind::photo_dangling_style) {
        TextBuffer& t = begin_row(CatalogFile::photos);
        put_photo(t, next_.photos++, dangling_style_id(), true);
        record(DirtKind::photo_dangling_style);
      }
    }
    next_.photos += plan_.photo_id_gap;
  }

  void write_skus() {
    for (std::size_t s = 0; s < plan_.styles; ++s) {
      const std::int64_t first_id = next_.skus;
      const std::size_t count = plan_.style[s].skus;
      next_.skus += static_cast<std::int64_t>(count);
      std::span<const std::string_view> scale;
      switch (category_.sizes) {
        case SizeScale::apparel:
          scale = apparel_sizes();
          break;
        case SizeScale::shoes:
          scale = shoe_sizes();
          break;
        case SizeScale::one_size:
          scale = std::span(&kOneSize, 1);
          break;
      }
      const std::size_t start =
          count < scale.size() ? static_cast<std::size_t>(random_.below(scale.size() - count + 1))
                               : 0;
      const bool first_style = s == 0;
      for (std::size_t i = 0; i < count; ++i) {
        std::size_t index = i;
        if (first_style && dirt() == DirtKind::sku_out_of_order && i < 2) index = 1 - i;
        std::size_t size_index = index;
        if (first_style && dirt() == DirtKind::sku_duplicate_size && index == 1) size_index = 0;
        TextBuffer& t = begin_row(CatalogFile::skus);
        t.put_number(first_id + static_cast<std::int64_t>(index));
        t.put(',');
        t.put_number(style_ids_[s]);
        t.put(',');
        t.put_quoted(scale[(start + size_index) % scale.size()]);
        t.put(',');
        t.put_number(random_.between(0, 60));
        if (first_style && i == 0 && dirt() == DirtKind::sku_out_of_order) {
          record(DirtKind::sku_out_of_order);
        }
        if (first_style && index == 1 && dirt() == DirtKind::sku_duplicate_size) {
          record(DirtKind::sku_duplicate_size);
          out_.examples.duplicate_size = StyleExample{id_, style_ids_[s]};
        }
      }
      if (first_style && dirt() == DirtKind::sku_dangling_style) {
        const std::int64_t sku_id = next_.skus++;
        TextBuffer& t = begin_row(CatalogFile::skus);
        t.put_number(sku_id);
        t.put(',');
        t.put_number(dangling_style_id());
        t.put(',');
        t.put_quoted(scale[start]);
        t.put(',');
        t.put_number(random_.between(0, 60));
        record(DirtKind::sku_dangling_style);
        out_.rejected_sku_ids.push_back(sku_id);
      }
      if (first_style && dirt() == DirtKind::malformed_sku) {
        const std::int64_t sku_id = next_.skus++;
        TextBuffer& t = begin_row(CatalogFile::skus);
        t.put_number(sku_id);
        t.put(',');
        t.put_number(style_ids_[s]);
        record(DirtKind::malformed_sku);
        out_.rejected_sku_ids.push_back(sku_id);
      }
    }
  }

  void put_related(std::int64_t related_id) {
    TextBuffer& t = begin_row(CatalogFile::related);
    t.put_number(next_.related++);
    t.put(',');
    t.put_number(id_);
    t.put(',');
    t.put_number(related_id);
  }

  void write_related() {
    std::int64_t first_related = 0;
    for (std::size_t i = 0; i < plan_.related; ++i) {
      std::int64_t related_id = random_.between(1, shape_.products - 1);
      if (related_id >= id_) ++related_id;  // anything but itself
      if (i == 0) first_related = related_id;
      put_related(related_id);
      if (i == 0 && dirt() == DirtKind::related_zero) {
        put_related(0);
        record(DirtKind::related_zero);
        out_.examples.related_zero = id_;
      }
      if (i == 0 && dirt() == DirtKind::related_dangling) {
        put_related(dangling_product_id());
        record(DirtKind::related_dangling);
      }
    }
    if (dirt() == DirtKind::related_duplicate) {
      put_related(first_related);
      record(DirtKind::related_duplicate);
      out_.examples.related_duplicates = id_;
    }
    if (dirt() == DirtKind::related_self) {
      put_related(id_);
      record(DirtKind::related_self);
      out_.examples.related_self = id_;
    }
  }

  const CatalogShape& shape_;
  std::int64_t id_;
  const ProductPlan& plan_;
  const CategoryWords& category_;
  Random random_;
  IdUsage& next_;
  CatalogBlock& out_;
  std::int64_t default_price_ = 0;
  std::array<std::int64_t, kMaxStyles> style_ids_{};
};

}  // namespace

void CatalogBlock::clear() {
  for (TextBuffer& t : text) t.clear();
  rows.fill(0);
  planted.clear();
  rejected_sku_ids.clear();
  examples = {};
  sale_nulls_listed = 0;
  feature_nulls_listed = 0;
}

IdUsage block_usage(const CatalogShape& shape, const DirtPlan& dirt, std::int64_t first_product,
                    std::int64_t end_product) {
  IdUsage usage;
  for (std::int64_t id = first_product; id < end_product; ++id) {
    usage += id_usage(plan_product(shape.seed, id, shape.products, dirt.at(id), shape.dirt));
  }
  return usage;
}

void write_block(const CatalogShape& shape, const DirtPlan& dirt, std::int64_t first_product,
                 std::int64_t end_product, const IdUsage& first_ids, CatalogBlock& out) {
  out.clear();
  IdUsage next = first_ids;
  IdUsage expected = first_ids;
  for (std::int64_t id = first_product; id < end_product; ++id) {
    const ProductPlan plan = plan_product(shape.seed, id, shape.products, dirt.at(id), shape.dirt);
    expected += id_usage(plan);
    ProductRows(shape, id, plan, next, out).write();
  }
  if (!(next == expected)) {
    throw std::logic_error("generator: rows of products " + std::to_string(first_product) +
                           ".. consumed other ids than planned");
  }
}

}  // namespace atelier::gen
