#include "dialplan/regex.hpp"

#include <algorithm>
#include <memory>

namespace outpost::dialplan {

namespace {

constexpr size_t kMaxProgram = 4096;
constexpr int kMaxRepeat = 64;

// Parse tree.
struct Node {
  enum Kind { kSet, kConcat, kAlt, kRepeat, kGroup, kEmpty } kind = kEmpty;
  SymbolSet set = 0;
  std::vector<std::unique_ptr<Node>> kids;
  int min = 0, max = 0;  // kRepeat; max -1 = unbounded
  int group = -1;        // kGroup: capture index (1-based), 0 = non-capturing
};
using NodeP = std::unique_ptr<Node>;

class Parser {
 public:
  Parser(std::string_view s, bool any) : s_(s), any_(any) {}
  std::variant<NodeP, RegexError> run(int* groups) {
    size_t end = s_.size();
    if (!s_.empty() && s_[0] == '^') i_ = 1;
    if (end > i_ && s_[end - 1] == '$' && (end < 2 || s_[end - 2] != '\\'))
      end_ = end - 1;
    else
      end_ = end;
    NodeP n = alt();
    if (err_) return *err_;
    if (i_ < end_) {
      if (s_[i_] == ')') return RegexError{static_cast<int>(i_), 1, "')' without a matching '('"};
      return RegexError{static_cast<int>(i_), 1, "unexpected '" + std::string(1, s_[i_]) + "'"};
    }
    *groups = groups_;
    return n;
  }

 private:
  void fail(size_t at, std::string msg, int len = 1) {
    if (!err_) err_ = RegexError{static_cast<int>(at), len, std::move(msg)};
  }
  bool more() const { return i_ < end_ && !err_; }

  NodeP alt() {
    NodeP first = concat();
    if (!more() || s_[i_] != '|') return first;
    auto a = std::make_unique<Node>();
    a->kind = Node::kAlt;
    a->kids.push_back(std::move(first));
    while (more() && s_[i_] == '|') {
      ++i_;
      a->kids.push_back(concat());
    }
    return a;
  }

  NodeP concat() {
    auto c = std::make_unique<Node>();
    c->kind = Node::kConcat;
    while (more() && s_[i_] != '|' && s_[i_] != ')') {
      NodeP a = atom();
      if (err_) return c;
      a = quantified(std::move(a));
      c->kids.push_back(std::move(a));
    }
    return c;
  }

  NodeP quantified(NodeP a) {
    if (!more()) return a;
    char q = s_[i_];
    int lo = -2, hi = -2;
    size_t at = i_;
    if (q == '*')
      lo = 0, hi = -1, ++i_;
    else if (q == '+')
      lo = 1, hi = -1, ++i_;
    else if (q == '?')
      lo = 0, hi = 1, ++i_;
    else if (q == '{') {
      size_t j = i_ + 1;
      auto num = [&](int* out) {
        size_t st = j;
        long v = 0;
        while (j < end_ && s_[j] >= '0' && s_[j] <= '9' && v <= 1000)
          v = v * 10 + (s_[j++] - '0');
        *out = static_cast<int>(v);
        return j > st;
      };
      if (!num(&lo)) {
        fail(i_, "'{' must be followed by a count, like {3} or {2,5}");
        return a;
      }
      hi = lo;
      if (j < end_ && s_[j] == ',') {
        ++j;
        if (!num(&hi)) hi = -1;
      }
      if (j >= end_ || s_[j] != '}') {
        fail(i_, "'{' without a closing '}'");
        return a;
      }
      if (lo > kMaxRepeat || hi > kMaxRepeat) {
        fail(i_,
             "repeat counts above " + std::to_string(kMaxRepeat) + " make no sense for a number",
             static_cast<int>(j - i_ + 1));
        return a;
      }
      if (hi >= 0 && hi < lo) {
        fail(i_, "{m,n} with n smaller than m", static_cast<int>(j - i_ + 1));
        return a;
      }
      i_ = j + 1;
    }
    if (lo == -2) return a;
    if (a->kind == Node::kEmpty) {
      fail(at, "quantifier '" + std::string(1, q) + "' has nothing to repeat");
      return a;
    }
    if (more() && (s_[i_] == '*' || s_[i_] == '+' || s_[i_] == '?' || s_[i_] == '{')) {
      fail(i_, "two quantifiers in a row (lazy and possessive forms are not supported)");
      return a;
    }
    auto r = std::make_unique<Node>();
    r->kind = Node::kRepeat;
    r->min = lo;
    r->max = hi;
    r->kids.push_back(std::move(a));
    return r;
  }

  NodeP setNode(SymbolSet s) {
    auto n = std::make_unique<Node>();
    n->kind = Node::kSet;
    n->set = s;
    return n;
  }

  NodeP atom() {
    char c = s_[i_];
    size_t at = i_;
    if (c == '(') {
      ++i_;
      int g = 0;
      if (i_ + 1 < end_ && s_[i_] == '?' && s_[i_ + 1] == ':') {
        i_ += 2;
      } else if (i_ < end_ && s_[i_] == '?') {
        fail(i_, "only (?: ) groups are supported");
        return setNode(0);
      } else {
        if (groups_ >= 9) {
          fail(at, "more than 9 capture groups");
          return setNode(0);
        }
        g = ++groups_;
      }
      auto n = std::make_unique<Node>();
      n->kind = Node::kGroup;
      n->group = g;
      n->kids.push_back(alt());
      if (err_) return n;
      if (i_ >= end_ || s_[i_] != ')') {
        fail(at, "'(' without a matching ')'");
        return n;
      }
      ++i_;
      return n;
    }
    if (c == '[') return cls();
    if (c == '.') {
      ++i_;
      return setNode(any_ ? kDialSymbols : kDigits);
    }
    if (c == '\\') {
      if (i_ + 1 >= end_) {
        fail(i_, "'\\' at the end");
        return setNode(0);
      }
      char e = s_[i_ + 1];
      i_ += 2;
      if (e == 'd') return setNode(kDigits);
      int k = symbolIndex(e);
      if (k >= 0) return setNode(bit(k));
      if (std::string_view("().[]{}|?^$").find(e) != std::string_view::npos) {
        fail(at, std::string("'\\") + e + "' matches a character no number holds", 2);
        return setNode(0);
      }
      fail(at, std::string("unknown escape '\\") + e + "'", 2);
      return setNode(0);
    }
    if (c == '*' || c == '+' || c == '?' || c == '{') {
      fail(i_,
           std::string("quantifier '") + c + "' has nothing to repeat" +
               (c == '*' || c == '+' ? std::string(" (write \\") + c + " for a literal " + c + ")"
                                     : ""));
      return setNode(0);
    }
    if (c == '^' || c == '$') {
      fail(i_, std::string("'") + c +
                   "' only at the very start or end (the whole number always must match)");
      return setNode(0);
    }
    int k = symbolIndex(c);
    if (k < 0) {
      fail(i_, std::string("'") + c + "' cannot appear in a number");
      return setNode(0);
    }
    ++i_;
    return setNode(bit(k));
  }

  NodeP cls() {
    size_t at = i_;
    ++i_;
    bool neg = false;
    if (i_ < end_ && s_[i_] == '^') neg = true, ++i_;
    SymbolSet set = 0;
    int prev = -1;
    while (i_ < end_ && s_[i_] != ']') {
      char d = s_[i_];
      if (d == '\\' && i_ + 1 < end_) {
        char e = s_[i_ + 1];
        if (e == 'd') {
          set |= kDigits;
          i_ += 2;
          prev = -1;
          continue;
        }
        d = e;
        ++i_;
      } else if (d == '-' && prev >= 0 && i_ + 1 < end_ && s_[i_ + 1] != ']') {
        int hi = symbolIndex(s_[i_ + 1]);
        if (prev > 9 || hi < 0 || hi > 9 || hi < prev) {
          fail(i_ - 1, "bad range in [...]", 3);
          return setNode(0);
        }
        for (int k = prev; k <= hi; ++k)
          set |= bit(k);
        i_ += 2;
        prev = -1;
        continue;
      }
      int k = symbolIndex(d);
      if (k < 0) {
        fail(i_, std::string("'") + d + "' cannot appear in a number");
        return setNode(0);
      }
      set |= bit(k);
      prev = k;
      ++i_;
    }
    if (i_ >= end_) {
      fail(at, "'[' without a closing ']'");
      return setNode(0);
    }
    ++i_;
    if (neg) set = static_cast<SymbolSet>(kAllSymbols & ~set);
    if (set == 0) fail(at, "this set matches nothing", static_cast<int>(i_ - at));
    return setNode(set);
  }

  std::string_view s_;
  bool any_;
  size_t i_ = 0, end_ = 0;
  int groups_ = 0;
  std::optional<RegexError> err_;
};

class Emitter {
 public:
  std::vector<Regex::Inst> prog;
  bool tooBig = false;

  int emit(Regex::Inst in) {
    if (prog.size() >= kMaxProgram) {
      tooBig = true;
      return static_cast<int>(prog.size()) - 1;
    }
    prog.push_back(in);
    return static_cast<int>(prog.size()) - 1;
  }
  int pc() const { return static_cast<int>(prog.size()); }

  void gen(const Node& n) {
    if (tooBig) return;
    switch (n.kind) {
      case Node::kEmpty:
        return;
      case Node::kSet:
        emit({Regex::Op::kSymbols, n.set});
        return;
      case Node::kConcat:
        for (const auto& k : n.kids)
          gen(*k);
        return;
      case Node::kGroup:
        if (n.group > 0) emit({Regex::Op::kSave, 0, 2 * n.group});
        gen(*n.kids[0]);
        if (n.group > 0) emit({Regex::Op::kSave, 0, 2 * n.group + 1});
        return;
      case Node::kAlt: {
        std::vector<int> jumps;
        for (size_t i = 0; i < n.kids.size(); ++i) {
          if (i + 1 < n.kids.size()) {
            int split = emit({Regex::Op::kSplit});
            prog[static_cast<size_t>(split)].x = pc();
            gen(*n.kids[i]);
            jumps.push_back(emit({Regex::Op::kJump}));
            if (tooBig) return;
            prog[static_cast<size_t>(split)].y = pc();
          } else {
            gen(*n.kids[i]);
          }
        }
        for (int j : jumps)
          prog[static_cast<size_t>(j)].x = pc();
        return;
      }
      case Node::kRepeat: {
        const Node& body = *n.kids[0];
        for (int i = 0; i < n.min; ++i)
          gen(body);
        if (n.max < 0) {
          int split = emit({Regex::Op::kSplit});
          prog[static_cast<size_t>(split)].x = pc();
          gen(body);
          emit({Regex::Op::kJump, 0, split});
          if (tooBig) return;
          prog[static_cast<size_t>(split)].y = pc();
        } else {
          std::vector<int> splits;
          for (int i = n.min; i < n.max; ++i) {
            int split = emit({Regex::Op::kSplit});
            prog[static_cast<size_t>(split)].x = pc();
            splits.push_back(split);
            gen(body);
          }
          if (tooBig) return;
          for (int s : splits)
            prog[static_cast<size_t>(s)].y = pc();
        }
        return;
      }
    }
  }
};

// Leading symbols every match must begin with.
void collectPrefix(const Node& n, std::string& out, bool& stop) {
  if (stop) return;
  switch (n.kind) {
    case Node::kSet:
      if (setSize(n.set) == 1) {
        for (int i = 0; i < kSymbolCount; ++i) {
          if (n.set & bit(i)) out += symbolChar(i);
        }
      } else {
        stop = true;
      }
      return;
    case Node::kConcat:
      for (const auto& k : n.kids)
        collectPrefix(*k, out, stop);
      return;
    case Node::kGroup:
      collectPrefix(*n.kids[0], out, stop);
      return;
    case Node::kRepeat:
      if (n.min == n.max) {
        for (int i = 0; i < n.min && !stop; ++i)
          collectPrefix(*n.kids[0], out, stop);
      } else {
        for (int i = 0; i < n.min && !stop; ++i)
          collectPrefix(*n.kids[0], out, stop);
        stop = true;
      }
      return;
    default:
      stop = true;
      return;
  }
}

}  // namespace

std::variant<Regex, RegexError> Regex::compile(std::string_view text, bool wildcardsAny) {
  if (text.empty()) return RegexError{0, 1, "empty regular expression"};
  if (text.size() > 512) return RegexError{0, 1, "regular expression longer than 512 characters"};
  Parser p(text, wildcardsAny);
  int groups = 0;
  auto parsed = p.run(&groups);
  if (auto* e = std::get_if<RegexError>(&parsed)) return *e;
  const Node& root = *std::get<NodeP>(parsed);
  Emitter em;
  em.emit({Op::kSave, 0, 0});
  em.gen(root);
  em.emit({Op::kSave, 0, 1});
  em.emit({Op::kMatch});
  if (em.tooBig) {
    return RegexError{0, static_cast<int>(text.size()),
                      "regular expression too large once its repeats are expanded"};
  }
  Regex r;
  r.prog_ = std::move(em.prog);
  r.groups_ = groups;
  r.text_ = std::string(text);
  bool stop = false;
  collectPrefix(root, r.literal_prefix_, stop);
  // A pattern that can match the empty number is a mistake in a dial plan.
  if (r.accepts(r.start())) {
    return RegexError{0, static_cast<int>(text.size()), "this expression matches an empty number"};
  }
  return r;
}

void Regex::closure(std::vector<int>& out, std::vector<char>& seen, int start) const {
  std::vector<int> stack{start};
  while (!stack.empty()) {
    int pc = stack.back();
    stack.pop_back();
    if (seen[static_cast<size_t>(pc)]) continue;
    seen[static_cast<size_t>(pc)] = 1;
    const Inst& in = prog_[static_cast<size_t>(pc)];
    switch (in.op) {
      case Op::kJump:
        stack.push_back(in.x);
        break;
      case Op::kSplit:
        stack.push_back(in.y);
        stack.push_back(in.x);
        break;
      case Op::kSave:
        stack.push_back(pc + 1);
        break;
      default:
        out.push_back(pc);
        break;
    }
  }
}

Regex::StateSet Regex::start() const {
  StateSet out;
  std::vector<char> seen(prog_.size(), 0);
  closure(out, seen, 0);
  std::sort(out.begin(), out.end());
  return out;
}

Regex::StateSet Regex::step(const StateSet& s, int symbol) const {
  StateSet out;
  std::vector<char> seen(prog_.size(), 0);
  for (int pc : s) {
    const Inst& in = prog_[static_cast<size_t>(pc)];
    if (in.op == Op::kSymbols && (in.set & bit(symbol))) closure(out, seen, pc + 1);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool Regex::accepts(const StateSet& s) const {
  for (int pc : s) {
    if (prog_[static_cast<size_t>(pc)].op == Op::kMatch) return true;
  }
  return false;
}

bool Regex::canExtend(std::string_view number) const {
  StateSet s = start();
  for (char c : number) {
    int k = symbolIndex(c);
    if (k < 0) return false;
    s = step(s, k);
    if (s.empty()) return false;
  }
  for (int pc : s) {
    if (prog_[static_cast<size_t>(pc)].op == Op::kSymbols) return true;
  }
  return false;
}

bool Regex::match(std::string_view number, std::vector<std::string>* captures) const {
  // Pike VM with leftmost-first priority: threads are kept in priority order,
  // and the first thread to reach Match at the end of the number wins.
  const int slots = 2 * (groups_ + 1);
  struct Thread {
    int pc;
    std::vector<int> caps;
  };
  std::vector<Thread> cur, next;
  std::vector<char> seen(prog_.size(), 0);

  auto add = [&](std::vector<Thread>& list, int pc0, std::vector<int> caps, int pos) {
    // Explicit stack: (pc) or a capture restore, so deep programs cannot
    // overflow the C++ stack.
    struct Frame {
      int pc;
      int slot;  // >= 0: restore caps[slot] = value
      int value;
    };
    std::vector<Frame> stack{{pc0, -1, 0}};
    while (!stack.empty()) {
      Frame f = stack.back();
      stack.pop_back();
      if (f.slot >= 0) {
        caps[static_cast<size_t>(f.slot)] = f.value;
        continue;
      }
      int pc = f.pc;
      if (seen[static_cast<size_t>(pc)]) continue;
      seen[static_cast<size_t>(pc)] = 1;
      const Inst& in = prog_[static_cast<size_t>(pc)];
      switch (in.op) {
        case Op::kJump:
          stack.push_back({in.x, -1, 0});
          break;
        case Op::kSplit:
          stack.push_back({in.y, -1, 0});
          stack.push_back({in.x, -1, 0});
          break;
        case Op::kSave:
          stack.push_back({0, in.x, caps[static_cast<size_t>(in.x)]});
          caps[static_cast<size_t>(in.x)] = pos;
          stack.push_back({pc + 1, -1, 0});
          break;
        default:
          list.push_back({pc, caps});
          break;
      }
    }
  };

  add(cur, 0, std::vector<int>(static_cast<size_t>(slots), -1), 0);
  for (size_t i = 0; i < number.size(); ++i) {
    int k = symbolIndex(number[i]);
    if (k < 0) return false;
    std::fill(seen.begin(), seen.end(), 0);
    next.clear();
    for (auto& t : cur) {
      const Inst& in = prog_[static_cast<size_t>(t.pc)];
      if (in.op == Op::kSymbols && (in.set & bit(k))) {
        add(next, t.pc + 1, t.caps, static_cast<int>(i) + 1);
      }
    }
    std::swap(cur, next);
    if (cur.empty()) return false;
  }
  for (auto& t : cur) {
    if (prog_[static_cast<size_t>(t.pc)].op != Op::kMatch) continue;
    if (captures) {
      captures->clear();
      for (int g = 0; g <= groups_; ++g) {
        int b = t.caps[static_cast<size_t>(2 * g)], e = t.caps[static_cast<size_t>(2 * g + 1)];
        captures->push_back(
            b >= 0 && e >= b
                ? std::string(number.substr(static_cast<size_t>(b), static_cast<size_t>(e - b)))
                : std::string());
      }
    }
    return true;
  }
  return false;
}

}  // namespace outpost::dialplan
