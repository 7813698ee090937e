// Evaluation: one function answers both evaluate() and trace(), so the trace
// an admin reads is the very path the call took. Order (docs/dialplan.md):
// emergency classification, the context's rules (most specific pattern, then
// regular expressions in order, then `otherwise`), the winning rule's `when`
// variant, rewrites, normalisation, categories and class of service, then the
// route list filtered for mode and time.
#include <algorithm>

#include "core/strings.hpp"
#include "dialplan/causes.hpp"
#include "dialplan/lexer.hpp"
#include "dialplan/model.hpp"

namespace outpost::dialplan {

const char* modeName(Mode m) {
  return m == Mode::kSurvival ? "survival" : "normal";
}

const char* outcomeName(Outcome o) {
  switch (o) {
    case Outcome::kRoute:
      return "route";
    case Outcome::kNeedMoreDigits:
      return "need-more-digits";
    case Outcome::kNoMatch:
      return "no-match";
    case Outcome::kRefused:
      return "refused";
  }
  return "no-match";
}

const char* targetKindName(TargetKind k) {
  switch (k) {
    case TargetKind::kTrunkGroup:
      return "trunk";
    case TargetKind::kSipPeer:
      return "sip";
    case TargetKind::kLocalUser:
      return "local";
  }
  return "trunk";
}

void FailoverSet::add(int v) {
  if (v >= 1 && v < 128) q850.set(static_cast<size_t>(v));
  if (v >= 300 && v < 700) sip.set(static_cast<size_t>(v - 300));
}
std::vector<int> FailoverSet::q850Causes() const {
  std::vector<int> out;
  for (int c = 1; c < 128; ++c) {
    if (q850.test(static_cast<size_t>(c))) out.push_back(c);
  }
  return out;
}
std::vector<int> FailoverSet::sipStatuses() const {
  std::vector<int> out;
  for (int c = 300; c < 700; ++c) {
    if (sip.test(static_cast<size_t>(c - 300))) out.push_back(c);
  }
  return out;
}
std::string FailoverSet::str() const {
  std::string s;
  for (int c : q850Causes())
    s += (s.empty() ? "" : " ") + std::to_string(c);
  for (int c : sipStatuses())
    s += (s.empty() ? "" : " ") + std::to_string(c);
  if (target_down) s += s.empty() ? "down" : " down";
  return s.empty() ? "none" : s;
}

void Trace::add(std::string what, std::string text, std::string where) {
  steps.push_back({std::move(what), std::move(text), std::move(where)});
}

namespace {

std::string stripSeparators(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '-' || c == '.' || c == '(' || c == ')' || c == ' ') continue;
    out += c;
  }
  return out;
}

// The built-in categories come first in every plan (compiler.cpp), so their
// bits are fixed.
constexpr CategorySet kCategoryInternal = 1u << 0;
constexpr CategorySet kCategoryNational = 1u << 2;
constexpr CategorySet kCategoryInternational = 1u << 3;
constexpr CategorySet kCategoryPremium = 1u << 4;
constexpr CategorySet kCategoryTollfree = 1u << 5;

CategorySet categoriesOf(unsigned numberClass) {
  CategorySet c = 0;
  if (numberClass & kClassNational) c |= kCategoryNational;
  if (numberClass & kClassInternational) c |= kCategoryInternational;
  if (numberClass & kClassPremium) c |= kCategoryPremium;
  if (numberClass & kClassTollfree) c |= kCategoryTollfree;
  return c;
}

std::string lineOf(const SourcePos& p) {
  return p.file + ":" + std::to_string(p.line);
}

std::string expand(const Template& t, const std::vector<std::string>& caps,
                   const std::string& called, const std::string& calling) {
  std::string out;
  for (const auto& p : t.parts) {
    switch (p.kind) {
      case TemplatePart::kLiteral:
        out += p.literal;
        break;
      case TemplatePart::kGroup:
        if (static_cast<size_t>(p.group) < caps.size()) out += caps[static_cast<size_t>(p.group)];
        break;
      case TemplatePart::kCalled:
        out += called;
        break;
      case TemplatePart::kCalling:
        out += calling;
        break;
    }
  }
  return out;
}

// The rule as it applies now: the first `when` variant that holds over the
// rule's own clauses.
struct Effective {
  const std::vector<Rewrite>* rewrites;
  bool has_as;
  NumberForm as;
  const Template* calling;
  CategorySet categories;
  bool has_categories;
  const Destination* dest;
  int branch = -1;
};

Effective effective(const PlanModel& m, const Rule& r, const Query& q, Trace* tr) {
  Effective e{&r.base.rewrites,  r.base.has_as,
              r.base.as,         r.base.has_calling ? &r.base.calling : nullptr,
              r.base.categories, r.base.has_categories,
              &r.base.dest};
  for (size_t i = 0; i < r.branches.size(); ++i) {
    const Branch& b = r.branches[i];
    std::string why;
    bool holds = m.holds(b.cond, q, &why);
    if (tr) {
      tr->add("when",
              std::string("when ") + b.cond.text + ": " + (holds ? "holds" : "does not hold") +
                  (why.empty() ? "" : " (" + why + ")"),
              lineOf(b.pos));
    }
    if (!holds) continue;
    e.branch = static_cast<int>(i);
    if (b.body.has_rewrites) e.rewrites = &b.body.rewrites;
    if (b.body.has_as) e.has_as = true, e.as = b.body.as;
    if (b.body.has_calling) e.calling = &b.body.calling;
    if (b.body.has_categories) e.categories = b.body.categories, e.has_categories = true;
    if (b.body.has_dest) e.dest = &b.body.dest;
    break;
  }
  return e;
}

// Builds trace text only when someone is tracing: the hot path allocates
// nothing for it.
#define TRACE(...)               \
  do {                           \
    if (tr_) trace(__VA_ARGS__); \
  } while (0)

class Evaluator {
 public:
  Evaluator(const PlanModel& m, const Query& q, Trace* tr, EvalDetail* det)
      : m_(m), q_(q), tr_(tr), det_(det) {}
  Decision run();

 private:
  void trace(const char* what, std::string text, std::string where = "") {
    tr_->add(what, std::move(text), std::move(where));
  }
  Decision emergencyDecision(const EmergencyNumber& e, const ContextModel* ctx,
                             const std::string& why);
  Decision refuse(int cause, std::string reason) {
    d_.outcome = Outcome::kRefused;
    d_.cause = cause;
    d_.reason = std::move(reason);
    d_.targets.clear();
    TRACE("result", "refused with cause " + describeCause(cause) + ": " + d_.reason);
    return d_;
  }
  Decision noMatch(int cause, std::string reason) {
    d_.outcome = Outcome::kNoMatch;
    d_.cause = cause;
    d_.reason = std::move(reason);
    TRACE("result", "no match: " + d_.reason + " (clear with cause " + describeCause(cause) + ")");
    return d_;
  }
  std::string mappedCalling(const ContextModel* ctx);
  int callerClass(const ContextModel& entry, std::string* how, bool* unknown);
  void buildTargets(const RouteList& list, const std::string& called, const std::string& calling);
  void present(const Target& t, RouteTarget& out, const std::string& called,
               const std::string& calling);

  const PlanModel& m_;
  const Query& q_;
  Trace* tr_;
  EvalDetail* det_;
  Decision d_;
  std::string called_in_, calling_in_;
};

std::string Evaluator::mappedCalling(const ContextModel* ctx) {
  if (!ctx || ctx->callers.empty()) return calling_in_;
  int32_t id = ctx->caller_trie.match(calling_in_);
  if (id < 0) {
    TRACE("caller", "calling number " + (calling_in_.empty() ? "(none)" : calling_in_) +
                        " matches no 'caller' line: presented as received");
    return calling_in_;
  }
  const Caller& c = ctx->callers[static_cast<size_t>(id)];
  std::string out = expand(c.calling, c.pattern.captures(calling_in_), called_in_, calling_in_);
  TRACE("caller",
        "caller " + c.pattern.text + " matches " + calling_in_ + ": calling number " + out,
        lineOf(c.pos));
  return out;
}

int Evaluator::callerClass(const ContextModel& entry, std::string* how, bool* unknown) {
  *unknown = false;
  if (!q_.caller_class.empty()) {
    for (size_t i = 0; i < m_.classes.size(); ++i) {
      if (m_.classes[i].name == q_.caller_class) {
        *how = "given by the gateway";
        return static_cast<int>(i);
      }
    }
    *unknown = true;
    return -1;
  }
  if (!m_.member_class.empty()) {
    int32_t id = m_.member_trie.match(calling_in_);
    if (id >= 0) {
      int c = m_.member_class[static_cast<size_t>(id)];
      *how = "calling number " + calling_in_ + " is a member";
      return c;
    }
  }
  if (entry.default_class >= 0) {
    *how = "default of context '" + entry.name + "'";
    return entry.default_class;
  }
  if (m_.default_class >= 0) {
    *how = "the site's default-class";
    return m_.default_class;
  }
  *how = "no class applies";
  return -1;
}

void Evaluator::present(const Target& t, RouteTarget& out, const std::string& called,
                        const std::string& calling) {
  Presented c = dialplan::present(m_.numbering, called, t.called.presentation, called_in_);
  if (t.called.ton) c.ton = *t.called.ton;
  if (t.called.npi) c.npi = *t.called.npi;
  Presented g = dialplan::present(m_.numbering, calling, t.calling.presentation, calling_in_);
  if (t.calling.ton) g.ton = *t.calling.ton;
  if (t.calling.npi) g.npi = *t.calling.npi;
  out.called = std::move(c.digits);
  out.called_ton = c.ton;
  out.called_npi = c.npi;
  out.called_format = t.called.presentation;
  out.calling = std::move(g.digits);
  out.calling_ton = g.ton;
  out.calling_npi = g.npi;
  out.calling_format = t.calling.presentation;
}

void Evaluator::buildTargets(const RouteList& list, const std::string& called,
                             const std::string& calling) {
  for (const auto& e : list.entries) {
    const Target& t = m_.targets[static_cast<size_t>(e.target)];
    std::string why;
    if (e.cond.kind != Condition::kAlways && !m_.holds(e.cond, q_, &why)) {
      TRACE("route", "skip " + t.name + ": 'when " + e.cond.text + "' does not hold (" + why + ")",
            lineOf(e.pos));
      continue;
    }
    RouteTarget rt;
    rt.name = t.name;
    rt.kind = t.kind;
    rt.address = t.address;
    rt.failover = e.failover;
    rt.normal_only = (e.cond.kind == Condition::kNormal && !e.cond.negate) ||
                     (e.cond.kind == Condition::kSurvival && e.cond.negate);
    rt.survival_only = (e.cond.kind == Condition::kSurvival && !e.cond.negate) ||
                       (e.cond.kind == Condition::kNormal && e.cond.negate);
    present(t, rt, called, calling);
    if (tr_) {
      std::string s = std::to_string(d_.targets.size() + 1) + ". " + t.name + " (" +
                      targetKindName(t.kind) + (t.address.empty() ? "" : " " + t.address) +
                      "): called " + rt.called + " [" + presentationName(rt.called_format) +
                      ", ton " + tonName(rt.called_ton) + ", npi " + npiName(rt.called_npi) +
                      "], calling " + (rt.calling.empty() ? "(none)" : rt.calling) + " [" +
                      presentationName(rt.calling_format) + "]; failover on " + rt.failover.str();
      if (e.cond.kind != Condition::kAlways) s += "; when " + e.cond.text;
      TRACE("route", s, lineOf(e.pos));
    }
    d_.targets.push_back(std::move(rt));
  }
}

Decision Evaluator::emergencyDecision(const EmergencyNumber& e, const ContextModel* ctx,
                                      const std::string& why) {
  d_.outcome = Outcome::kRoute;
  d_.emergency = true;
  d_.emergency_test = e.test;
  d_.called = e.number;
  d_.categories = {"emergency"};
  d_.rule = m_.emergency_where;
  d_.calling = mappedCalling(ctx);
  TRACE("emergency",
        why + ": " + (e.test ? "emergency TEST line " : "EMERGENCY number ") + e.number +
            (e.dialled != e.number ? " (dialled as " + e.dialled + ")" : "") +
            "; decided before any rule, class of service or time condition",
        lineOf(e.pos));
  int route = ctx && ctx->emergency_route >= 0 ? ctx->emergency_route : m_.emergency_route;
  if (route < 0) return d_;  // cannot happen in a compiled plan
  const RouteList& list = m_.routes[static_cast<size_t>(route)];
  d_.route = list.name;
  TRACE("route", "emergency route '" + list.name + "'", lineOf(list.pos));
  buildTargets(list, e.number, d_.calling);
  TRACE("result", "route (emergency) to " + std::to_string(d_.targets.size()) + " target(s)");
  return d_;
}

Decision Evaluator::run() {
  called_in_ = stripSeparators(q_.called);
  calling_in_ = stripSeparators(q_.calling);
  d_.calling = calling_in_;
  TRACE("query", "dialled " + (called_in_.empty() ? std::string("(nothing)") : called_in_) +
                     " from " +
                     (calling_in_.empty() ? std::string("(no calling number)") : calling_in_) +
                     " in context '" + q_.context + "', mode " + modeName(q_.mode) + ", " +
                     (m_.zone ? m_.zone->toLocal(q_.time).str() : std::string()) +
                     (q_.complete ? "" : ", overlap (more digits may follow)") +
                     (q_.caller_class.empty() ? "" : ", class " + q_.caller_class));
  int ctxIndex = m_.findContext(q_.context);
  const ContextModel* ctx = ctxIndex >= 0 ? &m_.contexts[static_cast<size_t>(ctxIndex)] : nullptr;

  // 1. Emergency numbers, before anything else (even before a bad context).
  bool emergencyPrefix = false;
  if (!ctx || !ctx->no_emergency) {
    for (const auto& e : m_.emergency) {
      if (called_in_.compare(0, e.dialled.size(), e.dialled) == 0 &&
          called_in_.size() >= e.dialled.size()) {
        if (det_) det_->emergency_preempted = true;
        return emergencyDecision(e, ctx,
                                 called_in_ == e.dialled
                                     ? "dialled " + called_in_
                                     : called_in_ + " begins with " + e.dialled);
      }
      if (e.dialled.compare(0, called_in_.size(), called_in_) == 0) emergencyPrefix = true;
    }
    TRACE("emergency", called_in_ + " is not an emergency number" +
                           (emergencyPrefix ? " yet (it begins one)" : std::string()));
  } else {
    TRACE("emergency",
          "context '" + ctx->name + "' does not classify emergency numbers (no-emergency)",
          lineOf(ctx->no_emergency_pos));
  }
  if (!ctx) {
    return noMatch(3, "no context named '" + q_.context + "' in this plan");
  }
  if (size_t bad = invalidNumberChar(called_in_); bad != std::string::npos) {
    return noMatch(28, "'" + std::string(1, called_in_[bad]) + "' at position " +
                           std::to_string(bad + 1) + " of " + called_in_ +
                           " cannot be in a number");
  }
  if (called_in_.size() > kMaxNumberLength) {
    return noMatch(28,
                   "the number is longer than " + std::to_string(kMaxNumberLength) + " symbols");
  }
  if (called_in_.empty()) {
    if (!q_.complete) {
      d_.outcome = Outcome::kNeedMoreDigits;
      TRACE("result", "need more digits");
      return d_;
    }
    return noMatch(1, "no number dialled");
  }
  const ContextModel& entry = *ctx;
  std::string calling = mappedCalling(ctx);
  std::string number = called_in_;
  for (int hop = 0;; ++hop) {
    if (hop >= 8) return refuse(3, "more than 8 'goto' steps between contexts");
    d_.context = ctx->name;
    TRACE("context",
          "context '" + ctx->name + "'" +
              (ctx->includes.empty() ? std::string() : " with its includes") + ": " +
              std::to_string(ctx->members.size()) + " rule(s)",
          lineOf(ctx->pos));
    // 2. The most specific pattern, then regular expressions in order.
    int winner = ctx->trie.match(number);
    std::vector<std::string> caps;
    if (tr_) {
      auto all = ctx->trie.allMatches(number);
      for (size_t i = 0; i < all.size(); ++i) {
        const Rule& r = m_.rules[static_cast<size_t>(all[i])];
        TRACE("rule",
              "pattern " + r.text + (r.name.empty() ? "" : " \"" + r.name + "\"") + " matches " +
                  number +
                  (i == 0 ? " (the most specific: it wins)"
                          : " (less specific than " + m_.rules[static_cast<size_t>(all[0])].text +
                                ")"),
              lineOf(r.pos));
      }
      for (const auto& [loser, win] : ctx->overridden) {
        const Rule& r = m_.rules[static_cast<size_t>(loser)];
        if (r.pattern.matches(number)) {
          TRACE("rule",
                "pattern " + r.text + " (included) is replaced here by the same pattern at " +
                    lineOf(m_.rules[static_cast<size_t>(win)].pos),
                lineOf(r.pos));
        }
      }
      if (all.empty()) {
        // Near misses: how far each pattern got, so a typo shows.
        size_t shown = 0;
        for (int id : ctx->members) {
          const Rule& r = m_.rules[static_cast<size_t>(id)];
          if (r.kind != Rule::kPattern) continue;
          if (++shown > 12) {
            TRACE("rule", "... and more patterns that do not match");
            break;
          }
          size_t k = 0;
          while (k < number.size() && k < r.pattern.positions.size() &&
                 inSet(r.pattern.positions[k], number[k]))
            ++k;
          std::string why;
          if (k < number.size() && k < r.pattern.positions.size()) {
            why = "position " + std::to_string(k + 1) + " is '" + number[k] +
                  "', the pattern wants " + describeSet(r.pattern.positions[k]);
          } else if (number.size() < r.pattern.positions.size()) {
            why = "too short (" + std::to_string(number.size()) + " of " +
                  std::to_string(r.pattern.positions.size()) + " symbols)";
          } else {
            why = "too long (the pattern has " + std::to_string(r.pattern.positions.size()) +
                  " symbols)";
            if (r.pattern.tail) why = "a symbol the wildcard does not take";
          }
          TRACE("rule", "pattern " + r.text + " does not match: " + why, lineOf(r.pos));
        }
      }
    }
    if (winner < 0) {
      for (int id : ctx->regex_rules) {
        const Rule& r = m_.rules[static_cast<size_t>(id)];
        bool ok = r.regex->match(number, &caps);
        TRACE("rule",
              "expression /" + r.text + "/ " + (ok ? "matches" : "does not match") + " " + number,
              lineOf(r.pos));
        if (ok) {
          winner = id;
          break;
        }
      }
    } else {
      caps = m_.rules[static_cast<size_t>(winner)].pattern.captures(number);
    }
    // 3. Overlap dialling: could more digits change the answer?
    if (!q_.complete) {
      bool more = ctx->trie.canExtend(number) || (hop == 0 && emergencyPrefix);
      for (int id : ctx->regex_rules)
        more = more || m_.rules[static_cast<size_t>(id)].regex->canExtend(number);
      if (more) {
        d_.outcome = Outcome::kNeedMoreDigits;
        d_.reason = winner >= 0 ? "matches " + m_.rules[static_cast<size_t>(winner)].label() +
                                      ", but a longer number could match another rule"
                                : "a longer number could match";
        TRACE("result", "need more digits: " + d_.reason);
        return d_;
      }
    }
    if (winner < 0) {
      if (ctx->otherwise < 0) {
        return noMatch(1, "no rule in context '" + ctx->name + "' matches " + number);
      }
      winner = ctx->otherwise;
      caps = {number};
      TRACE("rule", "no rule matches: 'otherwise' applies",
            lineOf(m_.rules[static_cast<size_t>(winner)].pos));
    }
    const Rule& rule = m_.rules[static_cast<size_t>(winner)];
    if (det_) {
      det_->rule = winner;
      if (hop == 0) det_->entry_rule = winner;
    }
    d_.rule = rule.where;
    if (tr_ && caps.size() > 1) {
      std::string s;
      for (size_t i = 1; i < caps.size(); ++i)
        s += (s.empty() ? "$" : ", $") + std::to_string(i) + " = " + caps[i];
      TRACE("captures", s, lineOf(rule.pos));
    }
    Effective eff = effective(m_, rule, q_, tr_);
    // 4. Rewrites, in the order written.
    for (const auto& rw : *eff.rewrites) {
      std::string before = number;
      switch (rw.kind) {
        case RewriteAst::kStrip:
          number = number.size() > static_cast<size_t>(rw.count)
                       ? number.substr(static_cast<size_t>(rw.count))
                       : "";
          break;
        case RewriteAst::kPrepend:
          number = rw.a + number;
          break;
        case RewriteAst::kReplace:
          if (core::startsWith(number, rw.a)) number = rw.b + number.substr(rw.a.size());
          break;
        case RewriteAst::kTemplate:
          number = expand(rw.tmpl, caps, number, calling);
          break;
      }
      TRACE("rewrite", rw.text + ": " + before + " -> " + number, lineOf(rule.pos));
    }
    NumberForm form =
        eff.has_as ? eff.as
                   : (core::startsWith(number, "+") ? NumberForm::kE164 : NumberForm::kInternal);
    Normalised n = normalise(m_.numbering, number, form);
    if (!n.error.empty()) {
      return refuse(28, "cannot read " + number + " as " + numberFormName(form) + ": " + n.error);
    }
    if (n.number != number || eff.has_as) {
      TRACE("rewrite",
            std::string("as ") + numberFormName(form) + ": " + number + " -> " + n.number +
                (n.e164 ? " (E.164)" : " (internal, no E.164 form)"),
            lineOf(rule.pos));
    }
    number = n.number;
    if (eff.calling) {
      std::string before = calling;
      calling = expand(*eff.calling, caps, number, calling);
      TRACE("rewrite", "calling " + eff.calling->text + ": " + before + " -> " + calling,
            lineOf(rule.pos));
    }
    d_.called = number;
    d_.calling = calling;
    // A rewrite that lands on an emergency number makes it an emergency call;
    // the plan refuses such rewrites at load, this is the belt to those braces.
    if (!ctx->no_emergency) {
      for (const auto& e : m_.emergency) {
        if (number == e.number || number == e.dialled) {
          return emergencyDecision(e, ctx,
                                   "the rewritten number " + number + " is an emergency number");
        }
      }
    }
    const Destination* dest = eff.dest;
    if (dest->kind == Destination::kGoto) {
      TRACE("goto", "goto context '" + dest->name + "' with " + number, lineOf(rule.pos));
      ctx = &m_.contexts[static_cast<size_t>(dest->index)];
      continue;
    }
    // 5. Categories: what the rule declares plus what the number is.
    CategorySet cats = eff.categories;
    cats |= categoriesOf(classifyNumberBits(m_.numbering, number));
    if (!n.e164 && !eff.has_categories) cats |= kCategoryInternal;
    std::string rowText;
    uint32_t rowDest = UINT32_MAX;
    if (dest->kind == Destination::kTable) {
      const Table& t = *m_.tables[static_cast<size_t>(dest->index)];
      std::string digits = core::startsWith(number, "+") ? number.substr(1) : number;
      size_t len = 0;
      uint32_t row = t.table.longestPrefix(digits, &len);
      if (row == PrefixTable::kNoRow) {
        TRACE("table", "table '" + t.name + "': no prefix of " + digits + " is in it",
              lineOf(t.pos));
        if (!t.has_default)
          return refuse(3, "no prefix of " + digits + " in table '" + t.name + "'");
        dest = &t.default_dest;
        TRACE("table", "table '" + t.name + "' default: " + dest->name, lineOf(t.pos));
      } else {
        const PrefixTable::Row& rw = t.table.row(row);
        cats |= rw.categories;
        rowDest = rw.destination;
        dest = &m_.row_destinations[rw.destination];
        if (tr_) rowText = t.file + ":" + std::to_string(rw.line);
        TRACE("table",
              "table '" + t.name + "': longest prefix " + digits.substr(0, len) + " -> " +
                  dest->name +
                  (rw.categories ? " [" + core::join(m_.categoryNames(rw.categories), ", ") + "]"
                                 : ""),
              rowText);
      }
    }
    (void)rowDest;
    d_.categories = m_.categoryNames(cats);
    TRACE("category", "categories: " + (d_.categories.empty() ? std::string("none")
                                                              : core::join(d_.categories, ", ")));
    // 6. Class of service, for the caller as they entered.
    std::string how;
    bool unknown = false;
    int cls = det_ && det_->skip_class ? -1 : callerClass(entry, &how, &unknown);
    if (unknown) return refuse(21, "unknown class of service '" + q_.caller_class + "'");
    if (cls >= 0) {
      const CosClass& k = m_.classes[static_cast<size_t>(cls)];
      d_.caller_class = k.name;
      CategorySet denied = (cats & k.deny) | (k.has_allow ? (cats & ~k.allow) : 0);
      if (denied) {
        std::string names = core::join(m_.categoryNames(denied), ", ");
        TRACE("class", "class '" + k.name + "' (" + how + ") does not allow " + names,
              lineOf(k.pos));
        return refuse(k.refuse_cause,
                      "class of service '" + k.name + "' does not allow " + names + " calls");
      }
      TRACE("class", "class '" + k.name + "' (" + how + ") allows this call", lineOf(k.pos));
    } else {
      TRACE("class", "no class of service applies: every category is allowed");
    }
    // 7. Where it goes.
    if (dest->kind == Destination::kRefuse) {
      return refuse(dest->cause,
                    dest->reason.empty() ? "refused by " + rule.label() : dest->reason);
    }
    const RouteList& list = m_.routes[static_cast<size_t>(dest->index)];
    d_.route = list.name;
    TRACE("route",
          "route '" + list.name + "'" + (list.implicit ? " (a target named directly)" : ""),
          lineOf(list.pos));
    buildTargets(list, number, calling);
    if (d_.targets.empty()) {
      return refuse(3, "route '" + list.name + "' has no target in " + modeName(q_.mode) +
                           " mode at this time");
    }
    d_.outcome = Outcome::kRoute;
    TRACE("result", "route to " + std::to_string(d_.targets.size()) + " target(s), first " +
                        d_.targets[0].name);
    return d_;
  }
}

}  // namespace

#undef TRACE

Decision evaluatePlan(const PlanModel& m, const Query& q, Trace* trace, EvalDetail* detail) {
  Evaluator e(m, q, trace, detail);
  return e.run();
}

Plan::Plan(std::unique_ptr<PlanModel> model) : model_(std::move(model)) {}
Plan::~Plan() = default;

Decision Plan::evaluate(const Query& q) const {
  return evaluatePlan(*model_, q, nullptr, nullptr);
}

Decision Plan::trace(const Query& q, Trace* t) const {
  return evaluatePlan(*model_, q, t, nullptr);
}

bool Plan::hasContext(const std::string& name) const {
  return model_->findContext(name) >= 0;
}

std::vector<std::string> Plan::contextNames() const {
  std::vector<std::string> out;
  for (const auto& c : model_->contexts)
    out.push_back(c.name);
  return out;
}

const PlanInfo& Plan::info() const {
  return model_->info;
}

std::string renderDecision(const Decision& d) {
  std::string s;
  switch (d.outcome) {
    case Outcome::kRoute: {
      s = d.emergency ? (d.emergency_test ? "EMERGENCY TEST " : "EMERGENCY ") : "";
      s += "route " + d.route + ": called " + d.called;
      if (!d.calling.empty()) s += " calling " + d.calling;
      std::string t;
      for (const auto& x : d.targets)
        t += (t.empty() ? "" : ", ") + x.name + " (" + x.called + ")";
      s += " via " + (t.empty() ? std::string("no target") : t);
      break;
    }
    case Outcome::kNeedMoreDigits:
      s = "need more digits";
      break;
    case Outcome::kNoMatch:
      s = "no match (cause " + describeCause(d.cause) + "): " + d.reason;
      break;
    case Outcome::kRefused:
      s = "refused (cause " + describeCause(d.cause) + "): " + d.reason;
      break;
  }
  return s;
}

std::string renderTrace(const Query& q, const Trace& t, const Decision& d) {
  (void)q;
  std::string out;
  for (const auto& st : t.steps) {
    std::string line = "  " + st.what;
    line.resize(std::max<size_t>(line.size(), 12), ' ');
    line += " " + st.text;
    if (!st.where.empty()) line += "  [" + st.where + "]";
    out += line + "\n";
  }
  out += "=> " + renderDecision(d) + "\n";
  return out;
}

nlohmann::json toJson(const Decision& d) {
  // Numbers and reasons can carry what a caller sent; JSON wants UTF-8.
  auto u = [](const std::string& x) { return validUtf8(x); };
  nlohmann::json targets = nlohmann::json::array();
  for (const auto& t : d.targets) {
    targets.push_back({{"name", u(t.name)},
                       {"kind", targetKindName(t.kind)},
                       {"address", u(t.address)},
                       {"called", u(t.called)},
                       {"called_ton", tonName(t.called_ton)},
                       {"called_npi", npiName(t.called_npi)},
                       {"called_format", presentationName(t.called_format)},
                       {"calling", u(t.calling)},
                       {"calling_ton", tonName(t.calling_ton)},
                       {"calling_npi", npiName(t.calling_npi)},
                       {"calling_format", presentationName(t.calling_format)},
                       {"failover_q850", t.failover.q850Causes()},
                       {"failover_sip", t.failover.sipStatuses()},
                       {"failover_down", t.failover.target_down},
                       {"normal_only", t.normal_only},
                       {"survival_only", t.survival_only}});
  }
  nlohmann::json cats = nlohmann::json::array();
  for (const auto& c : d.categories)
    cats.push_back(u(c));
  return {{"outcome", outcomeName(d.outcome)},
          {"emergency", d.emergency},
          {"emergency_test", d.emergency_test},
          {"called", u(d.called)},
          {"calling", u(d.calling)},
          {"route", u(d.route)},
          {"targets", targets},
          {"categories", cats},
          {"cause", d.cause},
          {"reason", u(d.reason)},
          {"context", u(d.context)},
          {"rule", u(d.rule)},
          {"class", u(d.caller_class)}};
}

nlohmann::json toJson(const Trace& t) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& s : t.steps) {
    a.push_back({{"step", s.what}, {"text", validUtf8(s.text)}, {"where", validUtf8(s.where)}});
  }
  return a;
}

}  // namespace outpost::dialplan
