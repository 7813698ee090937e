#include "dialplan/rule_trie.hpp"

#include <algorithm>
#include <map>

namespace outpost::dialplan {

namespace {

// Narrowest first; equal sizes by the set's bits so the order is stable.
bool edgeBefore(SymbolSet a, SymbolSet b) {
  int sa = setSize(a), sb = setSize(b);
  return sa != sb ? sa < sb : a < b;
}

struct BuildNode {
  std::vector<std::pair<SymbolSet, uint32_t>> edges;
  struct T {
    SymbolSet set;
    uint8_t min;
    int32_t id;
    int priority;
    int position;
  };
  std::vector<T> tails;
  int32_t exact = RuleTrie::kNone;
  int exact_priority = 0;
};

}  // namespace

std::vector<RuleTrie::Conflict> RuleTrie::build(const std::vector<Entry>& entries) {
  std::vector<Conflict> conflicts;
  std::vector<BuildNode> b(1);
  // Identical sets share an edge; the node where two different overlapping
  // sets of equal size meet is reported once per pair of ids.
  auto place = [&](int32_t& slotId, int& slotPri, const Entry& e) {
    if (slotId == kNone) {
      slotId = e.id;
      slotPri = e.priority;
    } else if (slotId == e.id) {
      // The same rule reached twice (two includes of one context).
    } else if (slotPri == e.priority) {
      conflicts.push_back({Conflict::kDuplicate, e.id, slotId, 0});
    } else if (slotPri < e.priority) {
      conflicts.push_back({Conflict::kOverridden, e.id, slotId, 0});
    } else {
      conflicts.push_back({Conflict::kOverridden, slotId, e.id, 0});
      slotId = e.id;
      slotPri = e.priority;
    }
  };
  for (const Entry& e : entries) {
    uint32_t n = 0;
    int pos = 0;
    bool ambiguous = false;
    for (SymbolSet set : e.pattern->positions) {
      uint32_t next = UINT32_MAX;
      for (auto& [s, child] : b[n].edges) {
        if (s == set)
          next = child;
        else if (!ambiguous && setSize(s) == setSize(set) && (s & set)) {
          // Find an id below that edge to name in the message.
          uint32_t k = child;
          int32_t other = kNone;
          while (other == kNone) {
            if (b[k].exact != kNone)
              other = b[k].exact;
            else if (!b[k].tails.empty())
              other = b[k].tails.front().id;
            else if (!b[k].edges.empty())
              k = b[k].edges.front().second;
            else
              break;
          }
          conflicts.push_back({Conflict::kAmbiguous, e.id, other, pos});
          ambiguous = true;
        }
      }
      if (next == UINT32_MAX) {
        next = static_cast<uint32_t>(b.size());
        b[n].edges.emplace_back(set, next);
        b.emplace_back();
      }
      n = next;
      ++pos;
    }
    if (ambiguous) continue;
    if (!e.pattern->tail) {
      place(b[n].exact, b[n].exact_priority, e);
      continue;
    }
    bool merged = false;
    for (auto& t : b[n].tails) {
      if (t.set == e.pattern->tail_set) {
        // '.' and '!' over the same set tie on every longer number, so they
        // count as the same pattern.
        int32_t id = t.id;
        int pri = t.priority;
        place(id, pri, e);
        if (id == e.id) t.min = static_cast<uint8_t>(e.pattern->tail_min);
        t.id = id;
        t.priority = pri;
        merged = true;
        break;
      }
      if (setSize(t.set) == setSize(e.pattern->tail_set) && (t.set & e.pattern->tail_set)) {
        conflicts.push_back({Conflict::kAmbiguous, e.id, t.id, pos});
        merged = true;
        break;
      }
    }
    if (!merged) {
      b[n].tails.push_back(
          {e.pattern->tail_set, static_cast<uint8_t>(e.pattern->tail_min), e.id, e.priority, pos});
    }
  }
  // Flatten, edges and tails narrowest first.
  nodes_.assign(b.size(), Node{});
  edges_.clear();
  tails_.clear();
  for (size_t i = 0; i < b.size(); ++i) {
    auto& bn = b[i];
    std::sort(bn.edges.begin(), bn.edges.end(),
              [](const auto& x, const auto& y) { return edgeBefore(x.first, y.first); });
    std::sort(bn.tails.begin(), bn.tails.end(),
              [](const auto& x, const auto& y) { return edgeBefore(x.set, y.set); });
    Node& n = nodes_[i];
    n.first_edge = static_cast<uint32_t>(edges_.size());
    n.edge_count = static_cast<uint16_t>(bn.edges.size());
    for (auto& [s, c] : bn.edges)
      edges_.push_back({s, c});
    n.first_tail = static_cast<uint32_t>(tails_.size());
    n.tail_count = static_cast<uint16_t>(bn.tails.size());
    for (auto& t : bn.tails)
      tails_.push_back({t.set, t.min, t.id});
    n.exact = bn.exact;
  }
  return conflicts;
}

int32_t RuleTrie::search(uint32_t node, std::string_view s, size_t pos) const {
  const Node& n = nodes_[node];
  if (pos == s.size()) {
    if (n.exact != kNone) return n.exact;
    for (uint32_t t = n.first_tail; t < n.first_tail + n.tail_count; ++t) {
      if (tails_[t].min == 0) return tails_[t].id;
    }
    return kNone;
  }
  int sym = symbolIndex(s[pos]);
  if (sym < 0) return kNone;
  for (uint32_t e = n.first_edge; e < n.first_edge + n.edge_count; ++e) {
    if (edges_[e].set & bit(sym)) {
      int32_t r = search(edges_[e].child, s, pos + 1);
      if (r != kNone) return r;
    }
  }
  for (uint32_t t = n.first_tail; t < n.first_tail + n.tail_count; ++t) {
    const Tail& tl = tails_[t];
    bool all = true;
    for (size_t i = pos; i < s.size() && all; ++i)
      all = inSet(tl.set, s[i]);
    if (all) return tl.id;
  }
  return kNone;
}

int32_t RuleTrie::match(std::string_view number) const {
  if (nodes_.empty()) return kNone;
  return search(0, number, 0);
}

void RuleTrie::collect(uint32_t node, std::string_view s, size_t pos,
                       std::vector<int32_t>& out) const {
  const Node& n = nodes_[node];
  if (pos == s.size()) {
    if (n.exact != kNone) out.push_back(n.exact);
    for (uint32_t t = n.first_tail; t < n.first_tail + n.tail_count; ++t) {
      if (tails_[t].min == 0) out.push_back(tails_[t].id);
    }
    return;
  }
  int sym = symbolIndex(s[pos]);
  if (sym < 0) return;
  for (uint32_t e = n.first_edge; e < n.first_edge + n.edge_count; ++e) {
    if (edges_[e].set & bit(sym)) collect(edges_[e].child, s, pos + 1, out);
  }
  for (uint32_t t = n.first_tail; t < n.first_tail + n.tail_count; ++t) {
    const Tail& tl = tails_[t];
    bool all = true;
    for (size_t i = pos; i < s.size() && all; ++i)
      all = inSet(tl.set, s[i]);
    if (all) out.push_back(tl.id);
  }
}

std::vector<int32_t> RuleTrie::allMatches(std::string_view number) const {
  std::vector<int32_t> out;
  if (!nodes_.empty()) collect(0, number, 0, out);
  return out;
}

bool RuleTrie::extend(uint32_t node, std::string_view s, size_t pos) const {
  const Node& n = nodes_[node];
  if (pos == s.size()) return n.edge_count > 0 || n.tail_count > 0;
  int sym = symbolIndex(s[pos]);
  if (sym < 0) return false;
  for (uint32_t e = n.first_edge; e < n.first_edge + n.edge_count; ++e) {
    if ((edges_[e].set & bit(sym)) && extend(edges_[e].child, s, pos + 1)) return true;
  }
  for (uint32_t t = n.first_tail; t < n.first_tail + n.tail_count; ++t) {
    const Tail& tl = tails_[t];
    bool all = true;
    for (size_t i = pos; i < s.size() && all; ++i)
      all = inSet(tl.set, s[i]);
    if (all) return true;  // a wildcard always takes one more symbol
  }
  return false;
}

bool RuleTrie::canExtend(std::string_view number) const {
  if (nodes_.empty()) return false;
  return extend(0, number, 0);
}

size_t RuleTrie::memoryBytes() const {
  return nodes_.capacity() * sizeof(Node) + edges_.capacity() * sizeof(Edge) +
         tails_.capacity() * sizeof(Tail);
}

}  // namespace outpost::dialplan
