// Large prefix -> route tables (rate decks, LCR tables imported from CSV),
// answered by longest prefix. Built once into a compact digit trie: each
// node's children side by side and each subtree in one stretch of memory; a
// node is its first child's index and a 10-bit child mask packed with the row
// (8 bytes), and a lookup walks one node per digit with a popcount. A million
// prefixes build in about a second and take a few tens of megabytes.
// Immutable after build; any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dialplan/diagnostic.hpp"

namespace outpost::dialplan {

// Big arrays of a table live in memory that asks the kernel for huge pages
// (madvise, where transparent huge pages are enabled that way): a lookup in a
// million-row table touches a handful of random nodes, and with 4 KiB pages
// each also costs a TLB miss. Small arrays come from the ordinary heap.
void* hugeAllocate(size_t bytes);
void hugeFree(void* p, size_t bytes);
// Bytes held in such mappings now (they are not on the malloc heap).
size_t hugeBytesInUse();
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(hugeAllocate(n * sizeof(T))); }
  void deallocate(T* p, size_t n) { hugeFree(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
};

class PrefixTable {
 public:
  struct Row {
    uint32_t destination = 0;  // the plan's destination index
    uint32_t line = 0;         // CSV line, for traces and messages
    uint32_t categories = 0;   // bit set of the plan's categories
  };
  static constexpr uint32_t kNoRow = UINT32_MAX;
  // Rows a table can hold (22 bits in a node).
  static constexpr size_t kMaxRows = 0x3ffffe;
  // Digits in a prefix (E.164 numbers have at most 15).
  static constexpr size_t kMaxPrefix = 16;

  // `prefixes[i]` (digits only) belongs to `rows[i]`. Returns the duplicate
  // prefixes as (index, index of the first with that prefix); the first stays.
  std::vector<std::pair<uint32_t, uint32_t>> build(const std::vector<std::string_view>& prefixes,
                                                   std::vector<Row> rows);

  // Row index of the longest prefix of `digits` in the table, or kNoRow;
  // `matched` gets its length.
  uint32_t longestPrefix(std::string_view digits, size_t* matched = nullptr) const;
  const Row& row(uint32_t i) const { return rows_[i]; }
  size_t size() const { return rows_.size(); }
  size_t nodeCount() const { return nodes_.size(); }
  size_t memoryBytes() const;

 private:
  // 8 bytes: the first child's index, and the 10-bit child mask (bit d: a
  // child for digit d) packed with a 22-bit row index.
  struct Node {
    uint32_t first_child = 0;
    uint32_t packed = kPackedNoRow << 10;
    unsigned children() const { return packed & 0x3ffu; }
    uint32_t row() const {
      uint32_t r = packed >> 10;
      return r == kPackedNoRow ? kNoRow : r;
    }
    void setChildren(unsigned mask) { packed = (packed & ~0x3ffu) | mask; }
    void setRow(uint32_t r) { packed = (r << 10) | children(); }
  };
  static constexpr uint32_t kPackedNoRow = 0x3fffff;
  std::vector<Node, HugePageAllocator<Node>> nodes_;
  std::vector<Row, HugePageAllocator<Row>> rows_;
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
