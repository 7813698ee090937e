// Pattern rules compiled into one trie per context. Each edge is a symbol set
// (a digit, [1-5], N, X, ...) and a node's edges are kept narrowest first, so a
// depth-first search that takes the first edge that fits finds the most
// specific rule first: that search order *is* the plan's precedence (see
// docs/dialplan.md, "Which rule wins"). Wildcard tails ('.', '!') hang off the
// node where the fixed part ends and rank after every fixed edge. Lookup cost
// follows the number's length and the patterns' overlap, not the rule count.
// Immutable after build(); any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dialplan/pattern.hpp"

namespace outpost::dialplan {

class RuleTrie {
 public:
  struct Entry {
    const Pattern* pattern;
    int32_t id;        // the rule (or class) this pattern stands for
    int priority = 0;  // lower wins between identical patterns (own rules over included)
  };
  // Why an entry could not go in: an identical pattern with equal priority,
  // or two sets of the same size that overlap at the same position.
  struct Conflict {
    enum Kind { kDuplicate, kAmbiguous, kOverridden } kind;
    int32_t id, other;  // kOverridden: `id` lost to `other`
    int position;       // kAmbiguous: the position where the sets overlap
  };

  std::vector<Conflict> build(const std::vector<Entry>& entries);

  static constexpr int32_t kNone = -1;
  // The winning id for `number`, or kNone.
  int32_t match(std::string_view number) const;
  // True when some longer number starting with `number` is matched.
  bool canExtend(std::string_view number) const;
  // Every id whose pattern matches `number`, best first (for traces).
  std::vector<int32_t> allMatches(std::string_view number) const;
  bool empty() const { return nodes_.size() <= 1 && (nodes_.empty() || nodes_[0].tail_count == 0); }

  // The linter walks the trie as an automaton.
  struct Edge {
    SymbolSet set;
    uint32_t child;
  };
  struct Tail {
    SymbolSet set;
    uint8_t min;
    int32_t id;
  };
  struct Node {
    uint32_t first_edge = 0;
    uint32_t first_tail = 0;
    uint16_t edge_count = 0;
    uint16_t tail_count = 0;
    int32_t exact = kNone;
  };
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<Edge>& edges() const { return edges_; }
  const std::vector<Tail>& tails() const { return tails_; }
  size_t memoryBytes() const;

 private:
  int32_t search(uint32_t node, std::string_view s, size_t pos) const;
  void collect(uint32_t node, std::string_view s, size_t pos, std::vector<int32_t>& out) const;
  bool extend(uint32_t node, std::string_view s, size_t pos) const;

  std::vector<Node> nodes_;
  std::vector<Edge> edges_;
  std::vector<Tail> tails_;
};

}  // namespace outpost::dialplan
