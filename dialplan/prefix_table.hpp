// Large prefix -> route tables (rate decks, LCR tables imported from CSV),
// answered by longest prefix. Built once into a compact digit trie: nodes in
// breadth-first order with each node's children side by side, so a node is a
// 10-bit child mask, the index of its first child and a row (12 bytes), and a
// lookup walks one node per digit with a popcount. A million prefixes build in
// well under a second and take tens of megabytes. Immutable after build; any
// thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dialplan/diagnostic.hpp"

namespace outpost::dialplan {

class PrefixTable {
 public:
  struct Row {
    uint32_t destination = 0;  // the plan's destination index
    uint32_t line = 0;         // CSV line, for traces and messages
    uint32_t categories = 0;   // bit set of the plan's categories
  };
  static constexpr uint32_t kNoRow = UINT32_MAX;

  // `prefixes[i]` (digits only) belongs to `rows[i]`. Duplicate prefixes must
  // have been rejected by the caller (build() keeps the first).
  void build(const std::vector<std::string_view>& prefixes, std::vector<Row> rows);

  // Row index of the longest prefix of `digits` in the table, or kNoRow;
  // `matched` gets its length.
  uint32_t longestPrefix(std::string_view digits, size_t* matched = nullptr) const;
  const Row& row(uint32_t i) const { return rows_[i]; }
  size_t size() const { return rows_.size(); }
  size_t nodeCount() const { return nodes_.size(); }
  size_t memoryBytes() const;

 private:
  struct Node {
    uint32_t first_child = 0;
    uint32_t row = kNoRow;
    uint16_t children = 0;  // bit d set: a child for digit d
  };
  std::vector<Node> nodes_;
  std::vector<Row> rows_;
};

// Reads a route table: one row per line, "prefix,route[,category]" (a header
// line naming the columns is optional: prefix, route, category, description in
// any order). A prefix is digits, optionally after '+'. Route words go through
// `resolveRoute` (returning false with a message for unknown names), category
// words through `resolveCategory`. Problems are reported at FILE:LINE:COLUMN;
// duplicate prefixes name both lines. Returns false when any row was bad.
struct CsvResolvers {
  std::function<bool(std::string_view route, uint32_t* destination, std::string* error,
                     std::string* hint)>
      route;
  std::function<bool(std::string_view category, uint32_t* bit, std::string* error,
                     std::string* hint)>
      category;
};
bool loadPrefixCsv(const std::string& file, std::shared_ptr<const std::string> text,
                   const CsvResolvers& resolve, DiagnosticSink& sink, PrefixTable* out);

}  // namespace outpost::dialplan
