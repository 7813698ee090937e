#include "dialplan/prefix_table.hpp"

#include <algorithm>
#include <bit>
#include <unordered_map>

#include <sys/mman.h>

#include <atomic>

#include "core/strings.hpp"

namespace outpost::dialplan {

namespace {
constexpr size_t kHugeThreshold = 4u << 20;
constexpr size_t kPage = 4096;
size_t roundUp(size_t n) {
  return (n + kPage - 1) / kPage * kPage;
}
std::atomic<size_t> hugeInUse{0};
}  // namespace

size_t hugeBytesInUse() {
  return hugeInUse.load();
}

void* hugeAllocate(size_t bytes) {
  if (bytes >= kHugeThreshold) {
    void* p =
        ::mmap(nullptr, roundUp(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
      (void)::madvise(p, roundUp(bytes), MADV_HUGEPAGE);  // a hint; fine if refused
      hugeInUse += roundUp(bytes);
      return p;
    }
  }
  return ::operator new(bytes);
}

void hugeFree(void* p, size_t bytes) {
  if (bytes >= kHugeThreshold) {
    ::munmap(p, roundUp(bytes));
    hugeInUse -= roundUp(bytes);
  } else {
    ::operator delete(p);
  }
}

std::vector<std::pair<uint32_t, uint32_t>> PrefixTable::build(
    const std::vector<std::string_view>& prefixes, std::vector<Row> rows) {
  rows_.assign(rows.begin(), rows.end());
  rows.clear();
  rows.shrink_to_fit();
  nodes_.clear();
  // Each prefix (at most kMaxPrefix digits) packed into 64 bits, four per
  // digit (digit + 1, first digit highest): the packed keys sort exactly as
  // the strings do, and sorting integers is several times faster than
  // comparing strings.
  struct Key {
    uint64_t bits;
    uint32_t index;
    uint32_t length;
    int digit(uint32_t depth) const {
      return static_cast<int>((bits >> (60 - 4 * depth)) & 0xf) - 1;
    }
  };
  std::vector<Key> keys(prefixes.size());
  for (size_t i = 0; i < prefixes.size(); ++i) {
    uint64_t bits = 0;
    std::string_view p = prefixes[i];
    for (size_t k = 0; k < p.size() && k < kMaxPrefix; ++k) {
      bits |= static_cast<uint64_t>(p[k] - '0' + 1) << (60 - 4 * k);
    }
    keys[i] =
        Key{bits, static_cast<uint32_t>(i), static_cast<uint32_t>(std::min(p.size(), kMaxPrefix))};
  }
  // Ties by index, so the first of two equal prefixes is the one that stays.
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
    return a.bits != b.bits ? a.bits < b.bits : a.index < b.index;
  });
  std::vector<std::pair<uint32_t, uint32_t>> duplicates;
  for (size_t i = 1; i < keys.size(); ++i) {
    if (keys[i].bits == keys[i - 1].bits) {
      uint32_t first = keys[i - 1].index;
      while (!duplicates.empty() && duplicates.back().first == first)
        first = duplicates.back().second;
      duplicates.emplace_back(keys[i].index, first);
    }
  }
  // Exactly one node per distinct prefix of a key (and the root).
  size_t count = 1;
  for (size_t i = 0; i < keys.size(); ++i) {
    uint32_t common = 0;
    if (i > 0) {
      uint64_t diff = keys[i].bits ^ keys[i - 1].bits;
      common = diff == 0 ? keys[i].length : static_cast<uint32_t>(std::countl_zero(diff)) / 4;
      common = std::min(common, std::min(keys[i].length, keys[i - 1].length));
    }
    count += keys[i].length - common;
  }
  // Depth first over ranges of the sorted keys that share `depth` digits. A
  // node's children are allocated side by side, and each subtree lies in one
  // stretch of memory, so a lookup's path stays close together; the stack
  // holds at most ten entries per level.
  struct Pending {
    uint32_t node;
    uint32_t lo, hi;
    uint32_t depth;
  };
  nodes_.reserve(count);
  nodes_.push_back(Node{});
  std::vector<Pending> stack;
  stack.push_back({0, 0, static_cast<uint32_t>(keys.size()), 0});
  while (!stack.empty()) {
    Pending p = stack.back();
    stack.pop_back();
    uint32_t lo = p.lo;
    while (lo < p.hi && keys[lo].length == p.depth) {
      if (nodes_[p.node].row() == kNoRow) nodes_[p.node].setRow(keys[lo].index);
      ++lo;  // a duplicate prefix: the first row stays
    }
    if (lo >= p.hi) continue;
    nodes_[p.node].first_child = static_cast<uint32_t>(nodes_.size());
    unsigned mask = 0;
    size_t pushedFrom = stack.size();
    uint32_t i = lo;
    while (i < p.hi) {
      int d = keys[i].digit(p.depth);
      uint32_t j = i + 1;
      while (j < p.hi && keys[j].digit(p.depth) == d)
        ++j;
      mask |= 1u << d;
      stack.push_back({static_cast<uint32_t>(nodes_.size()), i, j, p.depth + 1});
      nodes_.push_back(Node{});
      i = j;
    }
    nodes_[p.node].setChildren(mask);
    // The lowest digit's subtree next, so it follows its siblings in memory.
    std::reverse(stack.begin() + static_cast<std::ptrdiff_t>(pushedFrom), stack.end());
  }
  return duplicates;
}

namespace {
// Bits set in each 10-bit child mask. A table, because without -mpopcnt
// std::popcount is a library call, and this is the innermost loop.
struct PopCount {
  uint8_t n[1024];
  constexpr PopCount() : n() {
    for (unsigned i = 0; i < 1024; ++i)
      n[i] = static_cast<uint8_t>(std::popcount(i));
  }
};
constexpr PopCount kPop;
}  // namespace

uint32_t PrefixTable::longestPrefix(std::string_view digits, size_t* matched) const {
  if (nodes_.empty()) return kNoRow;
  uint32_t best = nodes_[0].row();
  size_t bestLen = 0;
  uint32_t n = 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    unsigned d = static_cast<unsigned>(digits[i] - '0');
    if (d > 9) break;
    const Node& node = nodes_[n];
    unsigned bitd = 1u << d;
    unsigned children = node.children();
    if (!(children & bitd)) break;
    n = node.first_child + kPop.n[children & (bitd - 1)];
    uint32_t r = nodes_[n].row();
    if (r != kNoRow) {
      best = r;
      bestLen = i + 1;
    }
  }
  if (matched) *matched = best == kNoRow ? 0 : bestLen;
  return best;
}

size_t PrefixTable::memoryBytes() const {
  return nodes_.capacity() * sizeof(Node) + rows_.capacity() * sizeof(Row);
}

namespace {

// Splits one CSV line into fields with their 1-based columns. Quotes group
// commas; "" inside quotes is a quote.
bool splitCsv(std::string_view line, std::vector<std::pair<std::string, int>>* out, int* errCol) {
  out->clear();
  size_t i = 0;
  for (;;) {
    std::string field;
    int col = static_cast<int>(i) + 1;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
      ++i;
    if (i < line.size() && line[i] == '"') {
      size_t j = i + 1;
      bool closed = false;
      while (j < line.size()) {
        if (line[j] == '"') {
          if (j + 1 < line.size() && line[j + 1] == '"') {
            field += '"';
            j += 2;
            continue;
          }
          closed = true;
          ++j;
          break;
        }
        field += line[j++];
      }
      if (!closed) {
        *errCol = col;
        return false;
      }
      i = j;
      while (i < line.size() && line[i] != ',')
        ++i;
    } else {
      size_t j = line.find(',', i);
      if (j == std::string_view::npos) j = line.size();
      field = std::string(core::trim(line.substr(i, j - i)));
      i = j;
    }
    out->emplace_back(std::move(field), col);
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  return true;
}

bool isPrefixField(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty() || s.size() > PrefixTable::kMaxPrefix) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

bool loadPrefixCsv(const std::string& file, std::shared_ptr<const std::string> textOwner,
                   const CsvResolvers& resolve, DiagnosticSink& sink, PrefixTable* out) {
  sink.addSource(file, textOwner);
  std::string_view text = *textOwner;
  std::vector<std::string_view> prefixes;
  std::vector<PrefixTable::Row> rows;
  std::vector<std::pair<std::string, int>> fields;
  int colPrefix = 0, colRoute = 1, colCategory = 2;
  bool headerSeen = false;
  size_t errorsBefore = sink.errorCount();
  // Distinct route and category words are few; resolve each once.
  std::unordered_map<std::string, uint32_t> routeCache, catCache;
  size_t start = 0;
  int lineNo = 0;
  auto tooMany = [&] { return sink.errorCount() - errorsBefore >= 50; };
  while (start < text.size() && !tooMany()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(start, nl - start);
    start = nl + 1;
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view t = core::trim(line);
    if (t.empty() || t[0] == '#') continue;
    int errCol = 0;
    if (!splitCsv(line, &fields, &errCol)) {
      sink.error("csv", {file, lineNo, errCol}, "unterminated quote in a CSV field");
      continue;
    }
    if (!headerSeen) {
      headerSeen = true;
      if (!isPrefixField(fields[0].first)) {
        // A header row names the columns.
        colPrefix = colRoute = colCategory = -1;
        for (size_t i = 0; i < fields.size(); ++i) {
          std::string name = core::toLower(fields[i].first);
          if (name == "prefix")
            colPrefix = static_cast<int>(i);
          else if (name == "route")
            colRoute = static_cast<int>(i);
          else if (name == "category")
            colCategory = static_cast<int>(i);
        }
        if (colPrefix < 0 || colRoute < 0) {
          sink.error(
              "csv", {file, lineNo, 1}, "the header must name a 'prefix' and a 'route' column",
              static_cast<int>(line.size()), "for example: prefix,route,category,description");
          return false;
        }
        continue;
      }
    }
    auto field = [&](int c) -> const std::pair<std::string, int>* {
      return c >= 0 && static_cast<size_t>(c) < fields.size() ? &fields[static_cast<size_t>(c)]
                                                              : nullptr;
    };
    const auto* pf = field(colPrefix);
    const auto* rf = field(colRoute);
    if (!pf || !isPrefixField(pf->first)) {
      int col = pf ? pf->second : 1;
      sink.error("csv", {file, lineNo, col},
                 "'" + (pf ? pf->first : std::string()) + "' is not a prefix (up to " +
                     std::to_string(PrefixTable::kMaxPrefix) + " digits, optionally after '+')",
                 pf ? static_cast<int>(std::max<size_t>(1, pf->first.size())) : 1);
      continue;
    }
    if (!rf || rf->first.empty()) {
      sink.error("csv", {file, lineNo, rf ? rf->second : static_cast<int>(line.size()) + 1},
                 "missing route for prefix " + pf->first);
      continue;
    }
    PrefixTable::Row row;
    row.line = static_cast<uint32_t>(lineNo);
    // Resolves a route or category word once per distinct word.
    auto cached = [&](auto& cache, const auto& fn, const std::pair<std::string, int>& f,
                      uint32_t* value) {
      auto it = cache.find(f.first);
      if (it != cache.end()) {
        *value = it->second;
        return true;
      }
      std::string err, hint;
      if (!fn(f.first, value, &err, &hint)) {
        sink.error("unknown-name", {file, lineNo, f.second}, err, static_cast<int>(f.first.size()),
                   hint);
        return false;
      }
      cache.emplace(f.first, *value);
      return true;
    };
    if (!cached(routeCache, resolve.route, *rf, &row.destination)) continue;
    if (const auto* cf = field(colCategory); cf && !cf->first.empty()) {
      if (!cached(catCache, resolve.category, *cf, &row.categories)) continue;
    }
    // The prefix stays a view into the text, which outlives the build.
    size_t off = static_cast<size_t>(pf->second - 1);
    std::string_view raw = line.substr(off);
    while (!raw.empty() && (raw[0] == ' ' || raw[0] == '\t' || raw[0] == '"'))
      raw.remove_prefix(1);
    if (!raw.empty() && raw[0] == '+') raw.remove_prefix(1);
    std::string_view digits = raw.substr(0, pf->first.size() - (pf->first[0] == '+' ? 1 : 0));
    prefixes.push_back(digits);
    rows.push_back(row);
    if (rows.size() > PrefixTable::kMaxRows) {
      sink.error("limit", {file, lineNo, 1},
                 "more than " + std::to_string(PrefixTable::kMaxRows) + " rows in one table");
      return false;
    }
  }
  if (sink.errorCount() != errorsBefore) return false;
  // One sort finds the duplicates and builds the trie.
  auto duplicates = out->build(prefixes, std::move(rows));
  for (const auto& [dup, first] : duplicates) {
    if (tooMany()) break;
    sink.error("duplicate", {file, static_cast<int>(out->row(dup).line), 1},
               "prefix " + std::string(prefixes[dup]) + " is already in this table at line " +
                   std::to_string(out->row(first).line),
               static_cast<int>(prefixes[dup].size()));
  }
  if (!duplicates.empty()) {
    *out = PrefixTable();
    return false;
  }
  return true;
}

}  // namespace outpost::dialplan
