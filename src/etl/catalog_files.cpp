#include "etl/catalog_files.hpp"

#include <stdexcept>

#include "etl/copy_text.hpp"

namespace atelier::etl {

namespace {

constexpr std::array<FileSpec, 7> kFiles{{
    {CatalogFile::products, "product.csv", "id,name,slogan,description,category,default_price",
     "products",
     "id, name, slogan, description, category, default_price, created_at, updated_at, revision", 6},
    {CatalogFile::features, "features.csv", "id,product_id,feature,value", "features",
     "id, product_id, line, feature, value", 4},
    {CatalogFile::styles, "styles.csv", "id,productId,name,sale_price,original_price,default_style",
     "styles", "id, product_id, name, sale_price, original_price, default_style", 6},
    {CatalogFile::photos, "photos.csv", "id,styleId,url,thumbnail_url", "photos",
     "id, style_id, product_id, line, url, thumbnail_url", 4},
    {CatalogFile::skus, "skus.csv", "id,styleId,size,quantity", "skus",
     "id, style_id, product_id, size, quantity, line", 4},
    {CatalogFile::related, "related.csv", "id,current_product_id,related_product_id", "related",
     "id, product_id, related_product_id, line", 3},
    {CatalogFile::cart, "cart.csv", "id,user_session,product_id,active", "cart",
     "source_id, session, sku_id, active", 4},
}};

constexpr RowOutcome accept() {
  return {true, {}};
}
constexpr RowOutcome reject(std::string_view reason) {
  return {false, reason};
}

// SQL null: the bare word, or a quoted "null" where CONTRACT §1/§4 say the source means null
// (features.value, styles.sale_price).
bool is_null_word(const CsvField& f) {
  return f.is_null() || (f.kind == FieldKind::quoted && f.text == "null");
}

// A whole-number column that must not be null. `bad` and `null` are the reject reasons.
std::optional<std::int64_t> whole(const CsvField& f) {
  if (f.is_null()) return std::nullopt;
  return parse_whole_number(f.text);
}

// Appends the field then a separator; text columns that must not be null are checked by callers.
void put(std::string& out, const CsvField& f, char separator) {
  append_copy_field(out, f);
  out.push_back(separator);
}

void put_raw(std::string& out, std::string_view text, char separator) {
  out.append(text);
  out.push_back(separator);
}

void put_int(std::string& out, std::int64_t value, char separator) {
  append_copy_int(out, value);
  out.push_back(separator);
}

}  // namespace

const std::array<FileSpec, 7>& catalog_files() {
  return kFiles;
}

const FileSpec& spec_of(CatalogFile file) {
  return kFiles[static_cast<std::size_t>(file)];
}

std::string_view describe(LineProblem problem) {
  switch (problem) {
    case LineProblem::too_many_fields:
      return "wrong field count";
    case LineProblem::text_after_quote:
      return "text after closing quote";
    case LineProblem::none:
      break;
  }
  return "unreadable line";
}

std::string excerpt_of(std::string_view line, std::size_t max_bytes) {
  if (line.size() > max_bytes) {
    std::size_t cut = max_bytes;
    // Back up over continuation bytes (10xxxxxx) so the cut falls between characters.
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    line = line.substr(0, cut);
  }
  std::string excerpt(line);
  if (!is_clean_utf8(excerpt)) {
    for (char& c : excerpt) {
      if (c == '\0' || (static_cast<unsigned char>(c) & 0x80) != 0) c = '?';
    }
  }
  return excerpt;
}

std::uint64_t record_hash(const CsvRecord& record) {
  // FNV-1a 64 over (kind, length, bytes) of each field: the length keeps "a","bc" apart from
  // "ab","c".
  std::uint64_t h = 0xcbf29ce484222325ull;
  const auto mix = [&h](unsigned char byte) {
    h ^= byte;
    h *= 0x100000001b3ull;
  };
  for (std::size_t i = 0; i < record.count; ++i) {
    const CsvField& f = record.fields[i];
    mix(static_cast<unsigned char>(f.kind));
    for (std::size_t n = f.text.size(); n > 0; n >>= 8) mix(static_cast<unsigned char>(n));
    mix(0xff);
    for (const char c : f.text) mix(static_cast<unsigned char>(c));
  }
  return h;
}

RowEncoder::RowEncoder(CatalogFile file, ParentIds parents, ProductStamp stamp)
    : file_(file), parents_(parents), stamp_(std::move(stamp)) {
  if ((file == CatalogFile::photos || file == CatalogFile::skus) && parents.styles == nullptr) {
    throw std::invalid_argument("photos and skus rows need the styles' products");
  }
}

RowOutcome RowEncoder::encode(const CsvRecord& record, std::int64_t line_number, std::string& out) {
  last_product_.reset();
  if (record.problem != LineProblem::none) return reject(describe(record.problem));
  if (record.count != spec_of(file_).field_count) return reject("wrong field count");
  last_row_hash_ = record_hash(record);
  switch (file_) {
    case CatalogFile::products:
      return encode_product(record, out);
    case CatalogFile::features:
      return encode_feature(record, line_number, out);
    case CatalogFile::styles:
      return encode_style(record, out);
    case CatalogFile::photos:
      return encode_photo(record, line_number, out);
    case CatalogFile::skus:
      return encode_sku(record, line_number, out);
    case CatalogFile::related:
      return encode_related(record, line_number, out);
    case CatalogFile::cart:
      return encode_cart(record, out);
  }
  throw std::logic_error("unknown catalog file");
}

// Every rule checks all columns first and appends only when the row is accepted, so a rejected
// row never leaves half a COPY line behind.

RowOutcome RowEncoder::encode_product(const CsvRecord& r, std::string& out) {
  const auto& f = r.fields;
  const auto id = whole(f[0]);
  if (!id) return reject("non-numeric id");
  for (std::size_t i = 1; i <= 4; ++i) {
    if (f[i].is_null()) return reject("null in NOT NULL text column");
  }
  if (f[5].is_null()) return reject("null default_price");
  if (!parse_price_cents(f[5].text)) return reject("bad number in default_price");
  if (!accepted_.insert(*id)) return reject("duplicate id");
  last_product_ = *id;
  put_raw(out, f[0].text, '\t');
  for (std::size_t i = 1; i <= 4; ++i) put(out, f[i], '\t');
  out.append(f[5].text);
  if (stamp_) stamp_(*id, last_row_hash_, out);
  out.push_back('\n');
  return accept();
}

RowOutcome RowEncoder::encode_feature(const CsvRecord& r, std::int64_t line, std::string& out) {
  const auto& f = r.fields;
  const auto id = whole(f[0]);
  if (!id) return reject("non-numeric id");
  const auto product = whole(f[1]);
  if (!product) return reject("bad product_id");
  if (f[2].is_null()) return reject("null feature name");
  if (parents_.products && !parents_.products->contains(*product)) return reject("missing product");
  if (!accepted_.insert(*id)) return reject("duplicate id");
  last_product_ = *product;
  put_raw(out, f[0].text, '\t');
  put_raw(out, f[1].text, '\t');
  put_int(out, line, '\t');
  put(out, f[2], '\t');
  // CONTRACT §1: value is JSON null where the source says null — bare or quoted.
  if (is_null_word(f[3])) {
    append_copy_null(out);
    out.push_back('\n');
  } else {
    put(out, f[3], '\n');
  }
  return accept();
}

RowOutcome RowEncoder::encode_style(const CsvRecord& r, std::string& out) {
  const auto& f = r.fields;
  const auto id = whole(f[0]);
  if (!id) return reject("non-numeric id");
  const auto product = whole(f[1]);
  if (!product) return reject("bad productId");
  if (f[2].is_null()) return reject("null style name");
  // Dirt 2/3: sale_price null stays NULL, 0 is kept as 0 (the API maps it to null).
  const bool sale_null = is_null_word(f[3]);
  if (!sale_null && !parse_price_cents(f[3].text)) return reject("bad number in sale_price");
  if (f[4].is_null()) return reject("null original_price");
  if (!parse_price_cents(f[4].text)) return reject("bad number in original_price");
  const auto is_default = f[5].is_null() ? std::nullopt : parse_flag(f[5].text);
  if (!is_default) return reject("bad default_style");
  if (parents_.products && !parents_.products->contains(*product)) return reject("missing product");
  if (!accepted_.insert(*id)) return reject("duplicate id");
  style_products_.insert(*id, *product);
  last_product_ = *product;
  put_raw(out, f[0].text, '\t');
  put_raw(out, f[1].text, '\t');
  put(out, f[2], '\t');
  if (sale_null) {
    append_copy_null(out);
    out.push_back('\t');
  } else {
    put_raw(out, f[3].text, '\t');
  }
  put_raw(out, f[4].text, '\t');
  out.append(*is_default ? "t\n" : "f\n", 2);
  return accept();
}

RowOutcome RowEncoder::encode_photo(const CsvRecord& r, std::int64_t line, std::string& out) {
  const auto& f = r.fields;
  const auto id = whole(f[0]);
  if (!id) return reject("non-numeric id");
  const auto style = whole(f[1]);
  if (!style) return reject("bad styleId");
  const auto product = parents_.styles->find(*style);  // never null here (constructor)
  if (!product) return reject("missing style");
  if (!accepted_.insert(*id)) return reject("duplicate id");
  last_product_ = *product;
  put_raw(out, f[0].text, '\t');
  put_raw(out, f[1].text, '\t');
  put_int(out, *product, '\t');
  put_int(out, line, '\t');
  put(out, f[2], '\t');
  put(out, f[3], '\n');
  return accept();
}

RowOutcome RowEncoder::encode_sku(const CsvRecord& r, std::int64_t line, std::string& out) {
  const auto& f = r.fields;
  const auto id = whole(f[0]);
  if (!id) return reject("non-numeric id");
  const auto style = whole(f[1]);
  if (!style) return reject("bad styleId");
  if (f[2].is_null()) return reject("null size");
  if (f[3].is_null()) return reject("null quantity");
  if (!parse_whole_number(f[3].text)) return reject("bad number in quantity");
  const auto product = parents_.styles->find(*style);  // never null here (constructor)
  if (!product) return reject("missing style");
  if (!accepted_.insert(*id)) return reject("duplicate id");
  last_product_ = *product;
  put_raw(out, f[0].text, '\t');
  put_raw(out, f[1].text, '\t');
  put_int(out, *product, '\t');
  put(out, f[2], '\t');
  put_raw(out, f[3].text, '\t');
  put_int(out, line, '\n');
  return accept();
}

RowOutcome RowEncoder::encode_related(const CsvRecord& r, std::int64_t line, std::string& out) {
  const auto& f = r.fields;
  const auto id = whole(f[0]);
  if (!id) return reject("non-numeric id");
  const auto product = whole(f[1]);
  if (!product) return reject("bad current_product_id");
  const auto related = whole(f[2]);
  if (!related) return reject("bad related_product_id");
  if (parents_.products && !parents_.products->contains(*product)) return reject("missing product");
  // Dirt 4: related id 0 and ids naming no product are invalid and never served (CONTRACT §1).
  if (*related == 0) return reject("related product id 0");
  if (parents_.products && !parents_.products->contains(*related)) {
    return reject("missing related product");
  }
  if (!accepted_.insert(*id)) return reject("duplicate id");
  last_product_ = *product;
  put_raw(out, f[0].text, '\t');
  put_raw(out, f[1].text, '\t');
  put_raw(out, f[2].text, '\t');
  put_int(out, line, '\n');
  return accept();
}

RowOutcome RowEncoder::encode_cart(const CsvRecord& r, std::string& out) {
  const auto& f = r.fields;
  const auto id = whole(f[0]);
  if (!id) return reject("non-numeric id");
  if (!whole(f[1])) return reject("bad user_session");
  const auto sku = whole(f[2]);
  if (!sku) return reject("bad product_id");
  const auto active = f[3].is_null() ? std::nullopt : parse_flag(f[3].text);
  if (!active) return reject("bad active");
  if (parents_.skus && !parents_.skus->contains(*sku)) return reject("missing sku");
  if (!accepted_.insert(*id)) return reject("duplicate id");
  put_raw(out, f[0].text, '\t');
  put_raw(out, f[1].text, '\t');  // the session number is stored as text
  put_raw(out, f[2].text, '\t');
  out.append(*active ? "t\n" : "f\n", 2);
  return accept();
}

}  // namespace atelier::etl
