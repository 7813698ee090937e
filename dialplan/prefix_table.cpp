#include "dialplan/prefix_table.hpp"

#include <algorithm>
#include <bit>
#include <numeric>
#include <unordered_map>

#include "core/strings.hpp"

namespace outpost::dialplan {

void PrefixTable::build(const std::vector<std::string_view>& prefixes, std::vector<Row> rows) {
  rows_ = std::move(rows);
  nodes_.clear();
  std::vector<uint32_t> order(prefixes.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return prefixes[a] < prefixes[b]; });
  // Breadth first over ranges of the sorted keys that share `depth` digits,
  // so each node's children are allocated together.
  struct Pending {
    uint32_t node;
    uint32_t lo, hi;
    uint32_t depth;
  };
  nodes_.reserve(prefixes.size() * 2 + 1);
  nodes_.push_back(Node{});
  std::vector<Pending> queue;
  queue.push_back({0, 0, static_cast<uint32_t>(order.size()), 0});
  for (size_t q = 0; q < queue.size(); ++q) {
    Pending p = queue[q];
    uint32_t lo = p.lo;
    while (lo < p.hi && prefixes[order[lo]].size() == p.depth) {
      if (nodes_[p.node].row == kNoRow) nodes_[p.node].row = order[lo];
      ++lo;  // a duplicate prefix: the first row stays
    }
    if (lo >= p.hi) continue;
    uint32_t first = static_cast<uint32_t>(nodes_.size());
    nodes_[p.node].first_child = first;
    uint16_t mask = 0;
    uint32_t i = lo;
    while (i < p.hi) {
      char c = prefixes[order[i]][p.depth];
      uint32_t j = i + 1;
      while (j < p.hi && prefixes[order[j]][p.depth] == c)
        ++j;
      mask = static_cast<uint16_t>(mask | (1u << (c - '0')));
      uint32_t child = static_cast<uint32_t>(nodes_.size());
      nodes_.push_back(Node{});
      queue.push_back({child, i, j, p.depth + 1});
      i = j;
    }
    nodes_[p.node].children = mask;
  }
  nodes_.shrink_to_fit();
}

uint32_t PrefixTable::longestPrefix(std::string_view digits, size_t* matched) const {
  if (nodes_.empty()) return kNoRow;
  uint32_t best = nodes_[0].row;
  size_t bestLen = 0;
  uint32_t n = 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    unsigned d = static_cast<unsigned>(digits[i] - '0');
    if (d > 9) break;
    const Node& node = nodes_[n];
    unsigned bitd = 1u << d;
    if (!(node.children & bitd)) break;
    n = node.first_child + static_cast<uint32_t>(std::popcount(node.children & (bitd - 1)));
    if (nodes_[n].row != kNoRow) {
      best = nodes_[n].row;
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
  if (s.empty() || s.size() > 20) return false;
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
  std::unordered_map<std::string, std::pair<bool, uint32_t>> routeCache, catCache;
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
                 "'" + (pf ? pf->first : std::string()) +
                     "' is not a prefix (digits, optionally after '+')",
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
    auto& rc = routeCache[rf->first];
    if (!rc.first) {
      std::string err, hint;
      if (!resolve.route(rf->first, &rc.second, &err, &hint)) {
        sink.error("unknown-name", {file, lineNo, rf->second}, err,
                   static_cast<int>(rf->first.size()), hint);
        routeCache.erase(rf->first);
        continue;
      }
      rc.first = true;
    }
    row.destination = rc.second;
    if (const auto* cf = field(colCategory); cf && !cf->first.empty()) {
      auto& cc = catCache[cf->first];
      if (!cc.first) {
        std::string err, hint;
        if (!resolve.category(cf->first, &cc.second, &err, &hint)) {
          sink.error("unknown-name", {file, lineNo, cf->second}, err,
                     static_cast<int>(cf->first.size()), hint);
          catCache.erase(cf->first);
          continue;
        }
        cc.first = true;
      }
      row.categories = cc.second;
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
  }
  if (sink.errorCount() != errorsBefore) return false;
  // Duplicates: sort a copy of the indices and compare neighbours.
  std::vector<uint32_t> order(prefixes.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return prefixes[a] != prefixes[b] ? prefixes[a] < prefixes[b] : rows[a].line < rows[b].line;
  });
  for (size_t i = 1; i < order.size() && !tooMany(); ++i) {
    if (prefixes[order[i]] == prefixes[order[i - 1]]) {
      sink.error("duplicate", {file, static_cast<int>(rows[order[i]].line), 1},
                 "prefix " + std::string(prefixes[order[i]]) +
                     " is already in this table at line " + std::to_string(rows[order[i - 1]].line),
                 static_cast<int>(prefixes[order[i]].size()));
    }
  }
  if (sink.errorCount() != errorsBefore) return false;
  out->build(prefixes, std::move(rows));
  return true;
}

}  // namespace outpost::dialplan
