#include "gen/generator.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <tuple>
#include <unordered_set>

#include "gen/catalog_block.hpp"
#include "gen/dirt.hpp"
#include "gen/random.hpp"

namespace atelier::gen {
namespace {

// ~2,000 products render to ~4.7 MB: large enough that each write() moves megabytes, small
// enough that a handful of blocks in flight stay in cache-friendly memory.
constexpr std::int64_t kBlockProducts = 2048;

// The single owner of one output file descriptor.
class OutputFile {
 public:
  explicit OutputFile(std::filesystem::path path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) fail("cannot create");
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  OutputFile(OutputFile&& other) noexcept
      : path_(std::move(other.path_)),
        fd_(std::exchange(other.fd_, -1)),
        bytes_(std::exchange(other.bytes_, 0)) {}
  OutputFile& operator=(OutputFile&&) = delete;
  ~OutputFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  void write(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t written = ::write(fd_, bytes.data(), bytes.size());
      if (written < 0) {
        if (errno == EINTR) continue;
        fail("cannot write");
      }
      bytes.remove_prefix(static_cast<std::size_t>(written));
      bytes_ += written;
    }
  }

  // Closing reports delayed write errors (e.g. a full disk on NFS), so it is checked.
  void close() {
    const int fd = std::exchange(fd_, -1);
    if (fd >= 0 && ::close(fd) != 0) fail("cannot close");
  }

  [[nodiscard]] std::int64_t bytes() const { return bytes_; }

 private:
  [[noreturn]] void fail(std::string_view what) const {
    throw GenerateError(std::string(what) + " " + path_.string() + ": " + std::strerror(errno));
  }

  std::filesystem::path path_;
  int fd_ = -1;
  std::int64_t bytes_ = 0;
};

void validate(const GenerateOptions& options) {
  if (options.products < 1) throw GenerateError("products must be at least 1");
  if (options.threads < 1 || options.threads > 64) {
    throw GenerateError("threads must be between 1 and 64");
  }
  if (options.out_dir.empty()) throw GenerateError("an output directory is required");
}

// Runs `work(block)` for every block on `threads` threads; block b goes to thread b % threads.
template <typename Work>
void for_each_block_parallel(std::int64_t blocks, int threads, Work work) {
  std::vector<std::exception_ptr> failures(static_cast<std::size_t>(threads));
  {
    std::vector<std::jthread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        try {
          for (std::int64_t b = t; b < blocks; b += threads) work(b);
        } catch (...) {
          failures[static_cast<std::size_t>(t)] = std::current_exception();
        }
      });
    }
  }
  for (const auto& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
}

// Workers render blocks ahead of the writer, at most `window` blocks ahead so memory stays
// bounded; the writer takes them strictly in product order. Buffers are recycled.
class BlockPipeline {
 public:
  BlockPipeline(std::int64_t blocks, std::int64_t window) : blocks_(blocks), window_(window) {}

  // Worker side: the next block to render and a buffer for it, or -1 when done / stopped.
  std::int64_t claim(std::unique_ptr<CatalogBlock>& buffer) {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return stopped_ || next_ >= blocks_ || next_ < taken_ + window_; });
    if (stopped_ || next_ >= blocks_) return -1;
    if (spare_.empty()) {
      buffer = std::make_unique<CatalogBlock>();
    } else {
      buffer = std::move(spare_.back());
      spare_.pop_back();
    }
    return next_++;
  }

  void deliver(std::int64_t block, std::unique_ptr<CatalogBlock> buffer) {
    {
      std::lock_guard lock(mutex_);
      done_.emplace(block, std::move(buffer));
    }
    ready_.notify_all();
  }

  void fail(std::exception_ptr failure) {
    {
      std::lock_guard lock(mutex_);
      if (!failure_) failure_ = failure;
      stopped_ = true;
    }
    ready_.notify_all();
    room_.notify_all();
  }

  void stop() { fail(nullptr); }

  // Writer side: waits for block `block` (the next in order); rethrows a worker's failure.
  std::unique_ptr<CatalogBlock> take(std::int64_t block) {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return failure_ || done_.contains(block); });
    if (failure_) std::rethrow_exception(failure_);
    auto node = done_.extract(block);
    return std::move(node.mapped());
  }

  void recycle(std::unique_ptr<CatalogBlock> buffer) {
    {
      std::lock_guard lock(mutex_);
      spare_.push_back(std::move(buffer));
      ++taken_;
    }
    room_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable room_;
  const std::int64_t blocks_;
  const std::int64_t window_;
  std::int64_t next_ = 0;
  std::int64_t taken_ = 0;
  bool stopped_ = false;
  std::exception_ptr failure_;
  std::map<std::int64_t, std::unique_ptr<CatalogBlock>> done_;
  std::vector<std::unique_ptr<CatalogBlock>> spare_;
};

bool is_natural(DirtKind kind) {
  return kind == DirtKind::sale_price_null || kind == DirtKind::feature_value_null;
}

// cart.csv: a few rows per thousand products (at least 20); product_id holds a sku id
// (CONTRACT §4), always one the loader keeps.
void write_cart(OutputFile& file, std::int64_t& rows, const GenerateOptions& options,
                std::int64_t sku_ids, const std::unordered_set<std::int64_t>& rejected_skus) {
  const std::int64_t wanted = std::max<std::int64_t>(20, options.products * 3 / 1000);
  if (sku_ids <= static_cast<std::int64_t>(rejected_skus.size())) return;
  Random random = Random::for_stream(options.seed, 0, Stream::cart);
  TextBuffer text;
  std::int64_t session = random.between(1000, 9999);
  for (std::int64_t id = 1; id <= wanted; ++id) {
    if (random.per_mille(400)) session += random.between(1, 500);
    std::int64_t sku = 0;
    do {
      sku = random.between(1, sku_ids);
    } while (rejected_skus.contains(sku));
    text.put('\n');
    text.put_number(id);
    text.put(',');
    text.put_number(session);
    text.put(',');
    text.put_number(sku);
    text.put(',');
    text.put(random.per_mille(850) ? '1' : '0');
  }
  file.write(text.view());
  rows = wanted;
}

}  // namespace

GenerateReport generate(const GenerateOptions& options) {
  validate(options);
  const auto started = std::chrono::steady_clock::now();
  std::error_code error;
  std::filesystem::create_directories(options.out_dir, error);
  if (error) {
    throw GenerateError("cannot create " + options.out_dir.string() + ": " + error.message());
  }

  const DirtPlan dirt =
      options.dirt ? DirtPlan::choose(options.seed, options.products) : DirtPlan{};
  CatalogShape shape{options.seed, options.products, options.dirt, 0};
  const std::int64_t blocks = (options.products + kBlockProducts - 1) / kBlockProducts;
  auto block_range = [&](std::int64_t block) {
    const std::int64_t first = 1 + block * kBlockProducts;
    return std::pair{first, std::min(first + kBlockProducts, options.products + 1)};
  };

  // Pass 1: ids each block consumes -> first ids of every block (ids increase with the parent
  // across the whole file, so block b must know what blocks 0..b-1 used).
  std::vector<IdUsage> usage(static_cast<std::size_t>(blocks));
  for_each_block_parallel(blocks, options.threads, [&](std::int64_t b) {
    const auto [first, end] = block_range(b);
    usage[static_cast<std::size_t>(b)] = block_usage(shape, dirt, first, end);
  });
  std::vector<IdUsage> first_ids(static_cast<std::size_t>(blocks));
  IdUsage next{1, 1, 1, 1, 1};
  for (std::size_t b = 0; b < usage.size(); ++b) {
    first_ids[b] = next;
    next += usage[b];
  }
  shape.style_ids = next.styles - 1;

  std::vector<OutputFile> files;
  for (std::size_t f = 0; f < kCatalogFileCount; ++f) {
    const auto file = static_cast<CatalogFile>(f);
    files.emplace_back(options.out_dir / file_name(file));
    files.back().write(file_header(file));
  }

  // Pass 2: render blocks in parallel, append them in order.
  GenerateReport report;
  Manifest& manifest = report.manifest;
  manifest.seed = options.seed;
  manifest.products = options.products;
  std::array<std::int64_t, kCatalogFileCount> rows{};
  std::array<std::size_t, 2> natural_listed{};  // sale_price_null, feature_value_null
  std::unordered_set<std::int64_t> rejected_skus;
  {
    BlockPipeline pipeline(blocks, 2 * options.threads + 2);
    std::vector<std::jthread> workers;
    for (int t = 0; t < options.threads; ++t) {
      workers.emplace_back([&] {
        try {
          std::unique_ptr<CatalogBlock> buffer;
          for (std::int64_t b; (b = pipeline.claim(buffer)) >= 0;) {
            const auto [first, end] = block_range(b);
            write_block(shape, dirt, first, end, first_ids[static_cast<std::size_t>(b)], *buffer);
            pipeline.deliver(b, std::move(buffer));
          }
        } catch (...) {
          pipeline.fail(std::current_exception());
        }
      });
    }
    try {
      for (std::int64_t b = 0; b < blocks; ++b) {
        std::unique_ptr<CatalogBlock> block = pipeline.take(b);
        for (std::size_t f = 0; f < kBlockFileCount; ++f) files[f].write(block->text[f].view());
        for (const BlockLine& line : block->planted) {
          const DirtDescription description = describe(line.kind);
          if (is_natural(line.kind)) {
            auto& listed = natural_listed[line.kind == DirtKind::sale_price_null ? 0 : 1];
            if (listed >= kNaturalLinesPerKind) continue;
            ++listed;
          }
          // Header is line 1, so data row r (0-based in the file) is line r + 2.
          const std::int64_t line_number = rows[static_cast<std::size_t>(line.file)] + line.row + 2;
          manifest.planted.push_back({std::string(file_name(line.file)), line_number,
                                      std::string(description.kind), description.action});
        }
        for (std::size_t f = 0; f < kBlockFileCount; ++f) rows[f] += block->rows[f];
        manifest.examples.fill_missing_from(block->examples);
        rejected_skus.insert(block->rejected_sku_ids.begin(), block->rejected_sku_ids.end());
        pipeline.recycle(std::move(block));
      }
    } catch (...) {
      pipeline.stop();
      throw;  // workers are joined by ~jthread after stop() released them
    }
  }

  const auto cart = static_cast<std::size_t>(CatalogFile::cart);
  write_cart(files[cart], rows[cart], options, next.skus - 1, rejected_skus);

  std::stable_sort(manifest.planted.begin(), manifest.planted.end(),
                   [](const PlantedLine& a, const PlantedLine& b) {
                     return std::tie(a.file, a.line) < std::tie(b.file, b.line);
                   });
  for (std::size_t f = 0; f < kCatalogFileCount; ++f) {
    files[f].close();
    const std::string name(file_name(static_cast<CatalogFile>(f)));
    manifest.rows.emplace_back(name, rows[f]);
    report.files.push_back({name, rows[f], files[f].bytes()});
  }

  OutputFile manifest_file(options.out_dir / "manifest.json");
  manifest_file.write(write_manifest_json(manifest));
  manifest_file.write("\n");
  manifest_file.close();
  report.files.push_back({"manifest.json", 0, manifest_file.bytes()});

  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace atelier::gen
