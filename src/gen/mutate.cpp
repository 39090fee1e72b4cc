#include "gen/mutate.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "etl/csv_line.hpp"
#include "etl/line_file.hpp"

namespace atelier::gen {

namespace {

using etl::CsvField;
using etl::CsvRecord;
using etl::FieldKind;
using Ids = std::vector<std::int64_t>;

enum class Change : std::uint8_t { price, styles, feature, related };

constexpr const char* kFiles[] = {"product.csv", "features.csv", "styles.csv", "photos.csv",
                                  "skus.csv",    "related.csv",  "cart.csv"};
constexpr std::size_t kUpdateFiles = 6;  // cart.csv is not part of an update
// New product ids come right after the largest one while they stay clear of the ids the
// generator's planted dangling rows name (largest + 5000 and up, catalog_block.cpp).
constexpr std::int64_t kDanglingBand = 4000;

struct FileCloser {
  void operator()(std::FILE* f) const noexcept {
    if (f != nullptr) std::fclose(f);
  }
};

// A buffered output file.
class Output {
 public:
  explicit Output(const std::filesystem::path& path) : file_(std::fopen(path.c_str(), "wb")) {
    if (!file_) throw std::runtime_error("cannot write " + path.string());
    buffer_.reserve(kFlushBytes + 4096);
  }
  Output(Output&&) = default;
  ~Output() {
    if (file_) flush();
  }
  void line(std::string_view text) {
    buffer_.append(text);
    buffer_.push_back('\n');
    if (buffer_.size() >= kFlushBytes) flush();
  }
  void flush() {
    if (!buffer_.empty() &&
        std::fwrite(buffer_.data(), 1, buffer_.size(), file_.get()) != buffer_.size()) {
      throw std::runtime_error("write failed");
    }
    buffer_.clear();
  }

 private:
  static constexpr std::size_t kFlushBytes = std::size_t{4} << 20;
  std::unique_ptr<std::FILE, FileCloser> file_;
  std::string buffer_;
};

std::optional<std::int64_t> number(const CsvRecord& r, std::size_t field) {
  if (field >= r.count || r.fields[field].is_null()) return std::nullopt;
  return etl::parse_whole_number(r.fields[field].text);
}

// A parsed record written back as a CSV line (quoted fields keep their doubled quotes).
std::string to_line(const CsvRecord& r) {
  std::string out;
  for (std::size_t i = 0; i < r.count; ++i) {
    if (i > 0) out.push_back(',');
    const CsvField& f = r.fields[i];
    if (f.kind == FieldKind::null) {
      out.append("null");
    } else if (f.kind == FieldKind::quoted) {
      out.push_back('"');
      out.append(f.text);
      out.push_back('"');
    } else {
      out.append(f.text);
    }
  }
  return out;
}

std::string csv_quoted(std::string_view text) {
  // Built with += : GCC 12 gives a false -Wrestrict on "..." + std::string (GCC bug 105329).
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  out.append(text);
  out.push_back('"');
  return out;
}

void write_ids(std::string& json, std::string_view name, const Ids& ids, bool last = false) {
  json += "  \"" + std::string(name) + "\": [";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) json += ",";
    json += std::to_string(ids[i]);
  }
  json += last ? "]\n" : "],\n";
}

template <typename Fn>
void each_line(const std::filesystem::path& path, Fn&& fn) {
  etl::LineFile file(path);
  std::string_view line;
  bool header = true;
  while (file.next(line)) {
    const std::string_view text = etl::strip_line_end(line);
    if (header) {
      header = false;
      fn(text, true);
      continue;
    }
    if (!text.empty()) fn(text, false);
  }
}

}  // namespace

std::string parse_mutate_arguments(const std::vector<std::string_view>& arguments,
                                   MutateOptions& options) {
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string_view arg = arguments[i];
    if (i + 1 >= arguments.size()) return "missing value after " + std::string(arg);
    const std::string value(arguments[++i]);
    try {
      if (arg == "--mutate-from") {
        options.from = value;
      } else if (arg == "--out") {
        options.out = value;
      } else if (arg == "--changed-percent") {
        options.changed_percent = std::stod(value);
        if (!(options.changed_percent > 0 && options.changed_percent <= 50)) {
          return "--changed-percent takes a number in (0, 50]";
        }
      } else if (arg == "--seed") {
        options.seed = std::stoull(value);
      } else {
        return "unknown option " + std::string(arg);
      }
    } catch (const std::exception&) {
      return std::string(arg) + " needs a number";
    }
  }
  if (options.from.empty() || options.out.empty())
    return "--mutate-from DIR and --out DIR2 are required";
  return {};
}

MutateReport mutate_catalog(const MutateOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  for (const char* name : kFiles) {
    if (!std::filesystem::is_regular_file(options.from / name)) {
      throw std::runtime_error((options.from / name).string() + " is missing");
    }
  }
  std::filesystem::create_directories(options.out / "update");
  std::mt19937_64 rng(options.seed);

  // Pre-scan: the products, which have styles and features, each style's product.
  Ids products;
  std::int64_t max_product = 0;
  CsvRecord record;
  each_line(options.from / "product.csv", [&](std::string_view line, bool header) {
    if (header || !etl::parse_csv_line(line, record)) return;
    if (const auto id = number(record, 0)) {
      products.push_back(*id);
      max_product = std::max(max_product, *id);
    }
  });
  std::sort(products.begin(), products.end());
  products.erase(std::unique(products.begin(), products.end()), products.end());
  std::unordered_map<std::int64_t, std::int64_t> style_product;
  std::unordered_set<std::int64_t> has_styles;
  std::unordered_set<std::int64_t> has_features;
  each_line(options.from / "styles.csv", [&](std::string_view line, bool header) {
    if (header || !etl::parse_csv_line(line, record)) return;
    const auto id = number(record, 0);
    const auto product = number(record, 1);
    if (id && product) {
      style_product.emplace(*id, *product);
      has_styles.insert(*product);
    }
  });
  each_line(options.from / "features.csv", [&](std::string_view line, bool header) {
    if (header || !etl::parse_csv_line(line, record)) return;
    if (const auto product = number(record, 1)) has_features.insert(*product);
  });

  // Who changes, who goes, who comes.
  const auto changed_count = static_cast<std::size_t>(
      std::max(1.0, static_cast<double>(products.size()) * options.changed_percent / 100.0));
  const auto side_count = static_cast<std::size_t>(
      std::max(1.0, static_cast<double>(changed_count) * options.added_share));
  Ids shuffled = products;
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  std::unordered_map<std::int64_t, Change> change_of;
  std::unordered_set<std::int64_t> deleted;
  for (std::size_t i = 0; i < shuffled.size() && i < changed_count + side_count; ++i) {
    const std::int64_t id = shuffled[i];
    if (i >= changed_count) {
      deleted.insert(id);
      continue;
    }
    Change change = static_cast<Change>(rng() % 4);
    if (change == Change::styles && !has_styles.contains(id)) change = Change::price;
    if (change == Change::feature && !has_features.contains(id)) change = Change::related;
    change_of.emplace(id, change);
  }
  Ids added;
  const std::int64_t first_new =
      side_count < kDanglingBand ? max_product + 1 : max_product + 1'000'000;
  for (std::size_t i = 0; i < side_count; ++i) {
    added.push_back(first_new + static_cast<std::int64_t>(i));
  }
  // Related products for new rows: anything that stays.
  const auto pick_related = [&]() {
    for (;;) {
      const std::int64_t id = products[rng() % products.size()];
      if (!deleted.contains(id)) return id;
    }
  };

  MutateReport report;
  std::unordered_set<std::int64_t> applied;
  std::unordered_set<std::int64_t> mutated_once;  // per file: the first row of a product only
  std::unordered_set<std::int64_t> dangling;
  std::unordered_map<std::int64_t, std::int64_t> new_style_of;  // added product -> its style

  // Which files a change touches (the update carries every row of the product in them).
  const auto in_family = [](Change change, std::size_t file) {
    switch (change) {
      case Change::price:
        return file == 0;
      case Change::feature:
        return file == 1;
      case Change::styles:
        return file >= 2 && file <= 4;
      case Change::related:
        return file == 5;
    }
    return false;
  };

  for (std::size_t f = 0; f < std::size(kFiles); ++f) {
    Output full(options.out / kFiles[f]);
    std::optional<Output> update;
    if (f < kUpdateFiles) update.emplace(options.out / "update" / kFiles[f]);
    mutated_once.clear();
    std::int64_t max_id = 0;
    each_line(options.from / kFiles[f], [&](std::string_view line, bool header) {
      if (header) {
        full.line(line);
        if (update) update->line(line);
        return;
      }
      if (f == 6 || !etl::is_clean_utf8(line) || !etl::parse_csv_line(line, record) ||
          record.problem != etl::LineProblem::none) {
        full.line(line);  // cart rows, and dirt that names no product: copied as they are
        return;
      }
      if (const auto id = number(record, 0)) max_id = std::max(max_id, *id);
      std::optional<std::int64_t> product;
      if (f == 0) {
        product = number(record, 0);
      } else if (f == 3 || f == 4) {
        if (const auto style = number(record, 1)) {
          if (const auto it = style_product.find(*style); it != style_product.end()) {
            product = it->second;
          }
        }
      } else {
        product = number(record, 1);
      }
      if (!product) {
        full.line(line);
        return;
      }
      if (deleted.contains(*product)) return;
      if (f == 5) {
        const auto target = number(record, 2);
        if (target && deleted.contains(*target)) dangling.insert(*product);
      }
      const auto change = change_of.find(*product);
      if (change == change_of.end() || !in_family(change->second, f)) {
        full.line(line);
        return;
      }
      std::string out(line);
      // Photos and skus change only with their style's sale, so a listed change always changes
      // the body.
      const bool follows_style = f == 3 || f == 4;
      if ((!follows_style || applied.contains(*product)) && mutated_once.insert(*product).second) {
        CsvRecord r = record;
        std::string replacement;
        bool done = false;
        if (f == 0 && change->second == Change::price) {
          if (const auto price = number(r, 5)) {
            replacement = std::to_string(*price + 1);
            r.fields[5] = CsvField{replacement, FieldKind::bare, false};
            done = true;
          }
        } else if (f == 1 && change->second == Change::feature && r.count == 4) {
          replacement = "Updated " + std::to_string(options.seed);
          r.fields[3] = CsvField{replacement, FieldKind::quoted, false};
          done = true;
        } else if (f == 2 && r.count == 6) {
          // A sale starts (or ends): the styles body changes.
          const auto original = number(r, 4);
          const auto sale = number(r, 3);
          if (original && *original > 1) {
            const bool on_sale = sale && *sale > 0;
            replacement = on_sale ? "null" : std::to_string(*original - 1);
            r.fields[3] = CsvField{replacement, on_sale ? FieldKind::null : FieldKind::bare, false};
            done = true;
          }
        } else if (f == 3 && r.count == 4 && r.fields[2].kind == FieldKind::quoted) {
          replacement = std::string(r.fields[2].text) + "&v=" + std::to_string(options.seed);
          r.fields[2] = CsvField{replacement, FieldKind::quoted, r.fields[2].has_doubled_quotes};
        } else if (f == 4 && r.count == 4) {
          if (const auto quantity = number(r, 3)) {
            replacement = std::to_string(*quantity + 1);
            r.fields[3] = CsvField{replacement, FieldKind::bare, false};
          }
        }
        if (!replacement.empty()) out = to_line(r);
        if (done) applied.insert(*product);
      }
      full.line(out);
      update->line(out);
    });

    // Rows that come after every existing one: a changed product's new related row, and the
    // added products.
    std::int64_t next = max_id + 1;
    const auto both = [&](const std::string& text) {
      full.line(text);
      if (update) update->line(text);
    };
    if (f == 5) {
      std::vector<std::int64_t> related_changes;
      for (const auto& [id, change] : change_of) {
        if (change == Change::related) related_changes.push_back(id);
      }
      std::sort(related_changes.begin(), related_changes.end());
      for (const std::int64_t id : related_changes) {
        both(std::to_string(next++) + "," + std::to_string(id) + "," +
             std::to_string(pick_related()));
        applied.insert(id);
      }
    }
    for (const std::int64_t id : added) {
      const std::string n = std::to_string(id);
      switch (f) {
        case 0:
          both(n + "," + csv_quoted("New Arrival " + n) + "," + csv_quoted("Just in.") + "," +
               csv_quoted("A product added by the day's catalog change.") + "," +
               csv_quoted("Jackets") + ",120");
          break;
        case 1:
          both(std::to_string(next++) + "," + n + "," + csv_quoted("Fabric") + "," +
               csv_quoted("Cotton"));
          break;
        case 2:
          new_style_of[id] = next;
          both(std::to_string(next++) + "," + n + "," + csv_quoted("Forest Green") + ",null,120,1");
          break;
        case 3:
          both(std::to_string(next++) + "," + std::to_string(new_style_of[id]) + "," +
               csv_quoted("https://images.unsplash.com/photo-new-" + n + "?w=1200") + "," +
               csv_quoted("https://images.unsplash.com/photo-new-" + n + "?w=300"));
          break;
        case 4:
          both(std::to_string(next++) + "," + std::to_string(new_style_of[id]) + "," +
               csv_quoted("S") + ",8");
          both(std::to_string(next++) + "," + std::to_string(new_style_of[id]) + "," +
               csv_quoted("M") + ",5");
          break;
        case 5:
          both(std::to_string(next++) + "," + n + "," + std::to_string(pick_related()));
          break;
        default:
          break;
      }
    }
  }
  {
    Output deleted_file(options.out / "update" / "deleted.csv");
    deleted_file.line("product_id");
    Ids sorted(deleted.begin(), deleted.end());
    std::sort(sorted.begin(), sorted.end());
    for (const std::int64_t id : sorted) deleted_file.line(std::to_string(id));
    report.deleted = std::move(sorted);
  }
  report.changed.assign(applied.begin(), applied.end());
  std::sort(report.changed.begin(), report.changed.end());
  report.added = added;
  for (const std::int64_t id : dangling) {
    if (!applied.contains(id)) report.dangling_related.push_back(id);
  }
  std::sort(report.dangling_related.begin(), report.dangling_related.end());

  std::string json = "{\n  \"from\": " + csv_quoted(options.from.string()) +
                     ",\n  \"changed_percent\": " + std::to_string(options.changed_percent) +
                     ",\n  \"seed\": " + std::to_string(options.seed) + ",\n";
  write_ids(json, "changed", report.changed);
  write_ids(json, "added", report.added);
  write_ids(json, "deleted", report.deleted);
  write_ids(json, "dangling_related", report.dangling_related, true);
  json += "}\n";
  Output manifest(options.out / "changes.json");
  manifest.line(json);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace atelier::gen
