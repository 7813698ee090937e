// The linter. Findings and their codes (docs/dialplan.md, "Lint"):
//   shadowed       a rule that never decides a call: more specific rules (or
//                  emergency numbers) take every number it matches     warning
//   overlap        two patterns share numbers, neither contains the other,
//                  and they send those numbers to different places      warning
//   open-wildcard  an open-ended pattern or expression lets international or
//                  premium numbers out unclassified (error) or relies on the
//                  numbering plan to classify them (warning)
//   no-emergency   a context that does not classify emergency numbers   warning
//   no-default     a context without `otherwise`                        warning
//   mode-gap       a route list with no target in one mode              warning
//   unreachable-when a `when` line after one with the same condition    warning
//   unused         a target, route list, class, schedule or table nothing uses (note)
//   overridden     an included rule replaced by the same pattern        note
// Loops between contexts are refused by the compiler. Any finding except an
// error can be silenced with `lint-ignore CODE` on the rule or the context.
#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <unordered_map>

#include "core/strings.hpp"
#include "dialplan/model.hpp"

namespace outpost::dialplan {

namespace {

constexpr size_t kMaxStates = 20000;
constexpr size_t kMaxRulesForAnalysis = 5000;

class Linter {
 public:
  Linter(const PlanModel& m, DiagnosticSink& sink) : m_(m), sink_(sink) {}
  void run();

 private:
  bool ignored(const std::string& code, const Rule* r, const ContextModel* c) const {
    if (r) {
      for (const auto& s : r->lint_ignore) {
        if (s == code) return true;
      }
      c = c ? c : &m_.contexts[static_cast<size_t>(r->context)];
    }
    if (c) {
      for (const auto& s : c->lint_ignore) {
        if (s == code) return true;
      }
    }
    return false;
  }
  void report(Severity sev, const std::string& code, const SourcePos& at, const std::string& msg,
              const Rule* r, const ContextModel* c, const std::string& hint = "") {
    if (sev != Severity::kError && ignored(code, r, c)) return;
    std::string key = code + "|" + at.str() + "|" + msg;
    if (!seen_.insert(key).second) return;
    sink_.add(sev, code, at, msg, 1, hint);
  }
  std::string destSignature(const Rule& r) const;
  void analyse(const ContextModel& c);
  void openWildcards(const ContextModel& c);
  void contextChecks(const ContextModel& c);
  void unused();
  void whenBranches();

  const PlanModel& m_;
  DiagnosticSink& sink_;
  std::set<std::string> seen_;
};

std::string Linter::destSignature(const Rule& r) const {
  auto one = [](const Body& b) {
    if (!b.has_dest) return std::string("-");
    return std::to_string(static_cast<int>(b.dest.kind)) + ":" + std::to_string(b.dest.index) +
           ":" + std::to_string(b.dest.cause);
  };
  std::string s = one(r.base);
  for (const auto& b : r.branches)
    s += "/" + b.cond.text + "=" + one(b.body);
  return s;
}

// The automaton over a context: each state is the ordered list of trie
// positions still alive (narrowest first, exactly the matcher's search
// order), the program states of every regular expression, and how far each
// emergency number has been dialled.
void Linter::analyse(const ContextModel& c) {
  if (c.members.size() > kMaxRulesForAnalysis) {
    sink_.add(Severity::kNote, "analysis", c.pos,
              "context '" + c.name + "' has " + std::to_string(c.members.size()) +
                  " rules: shadowing and overlap analysis skipped (limit " +
                  std::to_string(kMaxRulesForAnalysis) + ")");
    return;
  }
  const RuleTrie& t = c.trie;
  const auto& nodes = t.nodes();
  const auto& edges = t.edges();
  const auto& tails = t.tails();
  struct State {
    std::vector<int> threads;  // 2*node or 2*tail+1
    std::vector<Regex::StateSet> rx;
    std::vector<int> em;  // symbols of each emergency number dialled so far, -1 = off
    int parent = -1;
    char sym = 0;
  };
  std::vector<State> states;
  std::unordered_map<std::string, int> index;
  auto key = [](const State& s) {
    std::string k;
    for (int x : s.threads)
      k += std::to_string(x) + ",";
    k += "|";
    for (const auto& r : s.rx) {
      for (int x : r)
        k += std::to_string(x) + ",";
      k += ";";
    }
    k += "|";
    for (int x : s.em)
      k += std::to_string(x) + ",";
    return k;
  };
  const bool emergencyOn = !c.no_emergency;
  State init;
  if (!nodes.empty()) init.threads.push_back(0);
  for (int id : c.regex_rules)
    init.rx.push_back(m_.rules[static_cast<size_t>(id)].regex->start());
  if (emergencyOn) init.em.assign(m_.emergency.size(), 0);
  states.push_back(init);
  index[key(init)] = 0;
  std::set<int> winners;
  std::map<int, std::set<int>> takenBy;         // loser -> winners
  std::map<std::pair<int, int>, int> overlaps;  // (winner, loser) -> example state
  std::map<int, int> example;                   // rule -> a state where it accepts
  bool truncated = false;
  auto exampleOf = [&](int s) {
    std::string out;
    for (int k = s; k > 0; k = states[static_cast<size_t>(k)].parent)
      out += states[static_cast<size_t>(k)].sym;
    std::reverse(out.begin(), out.end());
    return out;
  };
  for (size_t si = 0; si < states.size(); ++si) {
    // Accepting rules at this state, best first.
    std::vector<int> acc;
    const State st = states[si];
    for (int th : st.threads) {
      if (th % 2 == 0) {
        const auto& n = nodes[static_cast<size_t>(th / 2)];
        if (n.exact >= 0) acc.push_back(n.exact);
        for (uint32_t k = n.first_tail; k < n.first_tail + n.tail_count; ++k) {
          if (tails[k].min == 0) acc.push_back(tails[k].id);
        }
      } else {
        acc.push_back(tails[static_cast<size_t>(th / 2)].id);
      }
    }
    for (size_t r = 0; r < c.regex_rules.size(); ++r) {
      if (m_.rules[static_cast<size_t>(c.regex_rules[r])].regex->accepts(st.rx[r]))
        acc.push_back(c.regex_rules[r]);
    }
    if (si > 0 && !acc.empty()) {
      int w = acc[0];
      winners.insert(w);
      for (int x : acc)
        example.emplace(x, static_cast<int>(si));
      std::set<int> done{w};
      for (size_t k = 1; k < acc.size(); ++k) {
        int o = acc[k];
        if (!done.insert(o).second) continue;
        takenBy[o].insert(w);
        const Rule& rw = m_.rules[static_cast<size_t>(w)];
        const Rule& ro = m_.rules[static_cast<size_t>(o)];
        if (rw.kind == Rule::kPattern && ro.kind == Rule::kPattern &&
            !ro.pattern.covers(rw.pattern) && destSignature(rw) != destSignature(ro)) {
          overlaps.emplace(std::make_pair(w, o), static_cast<int>(si));
        }
      }
    }
    if (states.size() >= kMaxStates) {
      truncated = true;
      continue;
    }
    for (int sym = 0; sym < kSymbolCount; ++sym) {
      if (sym == kPlus && si != 0) continue;  // '+' only begins a number
      State nx;
      nx.parent = static_cast<int>(si);
      nx.sym = symbolChar(sym);
      // Emergency numbers: once one is complete the rest of the number never
      // reaches a rule.
      bool preempted = false;
      if (emergencyOn) {
        nx.em = st.em;
        for (size_t e = 0; e < nx.em.size(); ++e) {
          int& k = nx.em[e];
          if (k < 0) continue;
          const std::string& d = m_.emergency[e].dialled;
          if (static_cast<size_t>(k) < d.size() && d[static_cast<size_t>(k)] == symbolChar(sym)) {
            ++k;
            if (static_cast<size_t>(k) == d.size()) preempted = true;
          } else {
            k = -1;
          }
        }
      }
      if (preempted) continue;
      std::vector<int> seenTh;
      for (int th : st.threads) {
        if (th % 2 == 0) {
          const auto& n = nodes[static_cast<size_t>(th / 2)];
          for (uint32_t e = n.first_edge; e < n.first_edge + n.edge_count; ++e) {
            if (edges[e].set & bit(sym)) nx.threads.push_back(2 * static_cast<int>(edges[e].child));
          }
          for (uint32_t k = n.first_tail; k < n.first_tail + n.tail_count; ++k) {
            if (tails[k].set & bit(sym)) nx.threads.push_back(2 * static_cast<int>(k) + 1);
          }
        } else if (tails[static_cast<size_t>(th / 2)].set & bit(sym)) {
          nx.threads.push_back(th);
        }
      }
      // Keep the first occurrence of each thread: order is priority.
      std::vector<int> uniq;
      for (int th : nx.threads) {
        if (std::find(uniq.begin(), uniq.end(), th) == uniq.end()) uniq.push_back(th);
      }
      nx.threads = std::move(uniq);
      bool alive = !nx.threads.empty();
      for (size_t r = 0; r < c.regex_rules.size(); ++r) {
        nx.rx.push_back(m_.rules[static_cast<size_t>(c.regex_rules[r])].regex->step(st.rx[r], sym));
        alive = alive || !nx.rx.back().empty();
      }
      if (!alive) continue;
      std::string k = key(nx);
      if (index.count(k)) continue;
      index[k] = static_cast<int>(states.size());
      states.push_back(std::move(nx));
      if (states.size() >= kMaxStates) break;
    }
  }
  if (truncated) {
    sink_.add(Severity::kNote, "analysis", c.pos,
              "context '" + c.name + "': shadowing analysis stopped after " +
                  std::to_string(kMaxStates) + " states; findings may be incomplete");
  }
  for (int id : c.members) {
    const Rule& r = m_.rules[static_cast<size_t>(id)];
    if (r.kind == Rule::kOtherwise || winners.count(id) || truncated) continue;
    if (r.context != static_cast<int>(&c - m_.contexts.data()))
      continue;  // reported where it lives
    bool overriddenHere = false;
    for (const auto& [loser, w] : c.overridden)
      overriddenHere = overriddenHere || loser == id;
    if (overriddenHere) continue;
    std::string msg = "rule " + r.label() + " never decides a call";
    auto it = takenBy.find(id);
    if (it != takenBy.end() && !it->second.empty()) {
      std::vector<std::string> names;
      for (int w : it->second) {
        if (names.size() == 3) {
          names.push_back("...");
          break;
        }
        names.push_back(m_.rules[static_cast<size_t>(w)].text + " (line " +
                        std::to_string(m_.rules[static_cast<size_t>(w)].pos.line) + ")");
      }
      msg += ": every number it matches goes to a more specific rule: " + core::join(names, ", ");
    } else if (example.find(id) == example.end()) {
      msg += ": every number it matches is an emergency number, or none can be dialled";
    }
    report(Severity::kWarning, "shadowed", r.pos, msg, &r, &c,
           "remove it, or make it more specific than the rules that take its numbers");
  }
  for (const auto& [pair, si] : overlaps) {
    const Rule& w = m_.rules[static_cast<size_t>(pair.first)];
    const Rule& o = m_.rules[static_cast<size_t>(pair.second)];
    if (w.context != static_cast<int>(&c - m_.contexts.data()) &&
        o.context != static_cast<int>(&c - m_.contexts.data())) {
      continue;
    }
    std::string ex = exampleOf(si);
    report(Severity::kWarning, "overlap", o.pos,
           "patterns " + w.text + " (line " + std::to_string(w.pos.line) + ") and " + o.text +
               " both match numbers like " + ex + " and send them to different places; " + w.text +
               " wins (more specific at an earlier position) although neither contains the other",
           &o, &c, "make the intent explicit: narrow one pattern so they no longer overlap");
  }
}

void Linter::openWildcards(const ContextModel& c) {
  const NumberingPlan& np = m_.numbering;
  if (!np.configured()) return;
  // Numbers a caller could dial that are international or premium.
  std::vector<std::pair<std::string, std::string>> probes;  // (dialled, category)
  std::vector<std::string> outside{""};
  // The outside-line prefixes are those of the emergency numbers.
  for (const auto& e : m_.emergency) {
    if (e.dialled.size() > e.number.size()) {
      std::string p = e.dialled.substr(0, e.dialled.size() - e.number.size());
      if (std::find(outside.begin(), outside.end(), p) == outside.end()) outside.push_back(p);
    }
  }
  auto pad = [&](std::string d, size_t len) {
    while (d.size() < len)
      d += std::to_string((d.size() * 7 + 3) % 10);
    return d;
  };
  size_t e164Len =
      np.country_code.size() + static_cast<size_t>(np.national_length ? np.national_length : 10);
  std::string foreign = np.country_code == "44" ? "33142345678" : "442071234567";
  for (const auto& o : outside) {
    if (!np.international_prefix.empty())
      probes.emplace_back(o + np.international_prefix + foreign, "international");
    probes.emplace_back(o + "+" + foreign, "international");
    for (const auto& p : np.premium) {
      std::string full =
          pad(p, p.compare(0, np.country_code.size(), np.country_code) == 0 ? e164Len : 12);
      if (full.compare(0, np.country_code.size(), np.country_code) == 0) {
        std::string nsn = full.substr(np.country_code.size());
        probes.emplace_back(o + np.national_prefix + nsn, "premium");
        probes.emplace_back(o + nsn, "premium");
      } else if (!np.international_prefix.empty()) {
        probes.emplace_back(o + np.international_prefix + full, "premium");
      }
    }
  }
  for (int id : c.members) {
    const Rule& r = m_.rules[static_cast<size_t>(id)];
    if (r.context != static_cast<int>(&c - m_.contexts.data())) continue;
    bool open = (r.kind == Rule::kPattern && r.pattern.tail) || r.kind == Rule::kRegex ||
                r.kind == Rule::kOtherwise;
    if (!open) continue;
    CategorySet declared = r.base.categories;
    for (const auto& b : r.branches)
      declared |= b.body.categories;
    std::vector<std::string> done;  // one finding per rule and category
    for (const auto& [dialled, cat] : probes) {
      int ci = m_.findCategory(cat);
      if (ci >= 0 && (declared & (1u << ci))) continue;  // the rule says what it reaches
      Query q;
      q.context = c.name;
      q.called = dialled;
      // A Wednesday morning: business hours in most of the world.
      q.time = core::WallTime(std::chrono::seconds(daysFromCivil(2026, 1, 7) * 86400 + 15 * 3600));
      EvalDetail det;
      det.skip_class = true;
      Decision d = evaluatePlan(m_, q, nullptr, &det);
      if (d.outcome != Outcome::kRoute || d.emergency || det.entry_rule != id) continue;
      if (std::find(done.begin(), done.end(), cat) != done.end()) continue;
      bool classified =
          std::find(d.categories.begin(), d.categories.end(), cat) != d.categories.end();
      if (!classified) {
        // Not classified: does the number that leaves still dial a `cat`
        // number, read the way this site dials?
        Normalised n = normalise(np, d.called, NumberForm::kDialled);
        if (!n.e164) continue;
        auto cats = classifyNumber(np, n.number);
        if (std::find(cats.begin(), cats.end(), cat) == cats.end()) continue;
      }
      done.push_back(cat);
      if (classified) {
        report(Severity::kWarning, "open-wildcard", r.pos,
               "open-ended " + std::string(r.kind == Rule::kRegex ? "expression " : "pattern ") +
                   r.text + " reaches " + cat + " numbers (" + dialled + " -> " + d.called +
                   ", route '" + d.route + "'); only the numbering plan classifies them",
               &r, &c,
               "add a rule for " + cat + " numbers with 'category " + cat + "', or 'category " +
                   cat + "' on this rule");
      } else {
        report(Severity::kError, "open-wildcard", r.pos,
               "open-ended " + std::string(r.kind == Rule::kRegex ? "expression " : "pattern ") +
                   r.text + " lets " + cat + " numbers out unclassified (" + dialled + " -> " +
                   d.called + ", route '" + d.route + "'): no class of service can stop them",
               &r, &c,
               "declare 'category " + cat +
                   "' on the rule, normalise the number with 'as dialled' so it is "
                   "classified, or narrow the pattern");
      }
    }
  }
}

void Linter::contextChecks(const ContextModel& c) {
  if (c.no_emergency) {
    report(Severity::kWarning, "no-emergency", c.no_emergency_pos,
           "context '" + c.name +
               "' does not classify emergency numbers: 911 dialled here is not an emergency call",
           nullptr, &c,
           "only for contexts where no person dials (calls arriving from a network); "
           "acknowledge with 'lint-ignore no-emergency'");
  }
  if (c.otherwise < 0) {
    report(Severity::kWarning, "no-default", c.pos,
           "context '" + c.name +
               "' has no 'otherwise': numbers no rule matches get no-match (cause 1)",
           nullptr, &c,
           "say what happens to everything else, e.g.: otherwise refuse 1 \"not a number this site "
           "dials\"");
  }
  for (const auto& [loser, winner] : c.overridden) {
    const Rule& l = m_.rules[static_cast<size_t>(loser)];
    const Rule& w = m_.rules[static_cast<size_t>(winner)];
    report(Severity::kNote, "overridden", w.pos,
           "in context '" + c.name + "', " + w.label() +
               " replaces the same pattern from context '" +
               m_.contexts[static_cast<size_t>(l.context)].name + "' (" + l.pos.str() + ")",
           &w, &c);
  }
}

void Linter::whenBranches() {
  for (const auto& r : m_.rules) {
    for (size_t i = 0; i < r.branches.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (r.branches[j].cond.text == r.branches[i].cond.text) {
          report(Severity::kWarning, "unreachable-when", r.branches[i].pos,
                 "'when " + r.branches[i].cond.text + "' repeats the condition at line " +
                     std::to_string(r.branches[j].pos.line) + ": it never applies",
                 &r, nullptr);
        }
      }
    }
  }
}

void Linter::unused() {
  std::vector<char> routeUsed(m_.routes.size(), 0), tableUsed(m_.tables.size(), 0),
      hoursUsed(m_.hours.size(), 0), holUsed(m_.holidays.size(), 0),
      classUsed(m_.classes.size(), 0);
  std::vector<const Rule*> routeUser(m_.routes.size(), nullptr);
  auto cond = [&](const Condition& c) {
    if (c.kind == Condition::kHours) hoursUsed[static_cast<size_t>(c.index)] = 1;
    if (c.kind == Condition::kHolidays) holUsed[static_cast<size_t>(c.index)] = 1;
  };
  auto dest = [&](const Destination& d, const Rule* r, bool base) {
    if (d.kind == Destination::kRoute && d.index >= 0) {
      routeUsed[static_cast<size_t>(d.index)] = 1;
      if (base && r && !routeUser[static_cast<size_t>(d.index)])
        routeUser[static_cast<size_t>(d.index)] = r;
    }
    if (d.kind == Destination::kTable && d.index >= 0) tableUsed[static_cast<size_t>(d.index)] = 1;
  };
  for (const auto& r : m_.rules) {
    if (r.base.has_dest) dest(r.base.dest, &r, true);
    for (const auto& b : r.branches) {
      cond(b.cond);
      if (b.body.has_dest) dest(b.body.dest, &r, false);
    }
  }
  for (const auto& d : m_.row_destinations)
    dest(d, nullptr, false);
  for (size_t i = 0; i < m_.tables.size(); ++i) {
    if (tableUsed[i] && m_.tables[i]->has_default) dest(m_.tables[i]->default_dest, nullptr, false);
  }
  if (m_.emergency_route >= 0) routeUsed[static_cast<size_t>(m_.emergency_route)] = 1;
  for (const auto& c : m_.contexts) {
    if (c.emergency_route >= 0) routeUsed[static_cast<size_t>(c.emergency_route)] = 1;
    if (c.default_class >= 0) classUsed[static_cast<size_t>(c.default_class)] = 1;
  }
  if (m_.default_class >= 0) classUsed[static_cast<size_t>(m_.default_class)] = 1;
  for (int c : m_.member_class)
    classUsed[static_cast<size_t>(c)] = 1;
  for (const auto& t : m_.tests) {
    for (size_t i = 0; i < m_.classes.size(); ++i) {
      if (m_.classes[i].name == t.query.caller_class) classUsed[i] = 1;
    }
  }
  std::vector<char> targetUsed(m_.targets.size(), 0);
  for (size_t i = 0; i < m_.routes.size(); ++i) {
    const RouteList& r = m_.routes[i];
    for (const auto& e : r.entries) {
      cond(e.cond);
      if (routeUsed[i] && e.target >= 0) targetUsed[static_cast<size_t>(e.target)] = 1;
    }
    if (!routeUsed[i] && !r.implicit) {
      report(Severity::kNote, "unused", r.pos,
             "route list '" + r.name + "' is not used by any rule", nullptr, nullptr);
    }
    if (!routeUsed[i]) continue;
    bool normal = false, survival = false;
    for (const auto& e : r.entries) {
      bool timeCond = e.cond.kind == Condition::kHours || e.cond.kind == Condition::kHolidays;
      normal = normal || e.cond.kind == Condition::kAlways || timeCond ||
               ((e.cond.kind == Condition::kNormal) != e.cond.negate);
      survival = survival || e.cond.kind == Condition::kAlways || timeCond ||
                 ((e.cond.kind == Condition::kSurvival) != e.cond.negate);
    }
    if ((!normal || !survival) && routeUser[i]) {
      report(Severity::kWarning, "mode-gap", r.pos,
             "route list '" + r.name + "' has no target in " + (normal ? "survival" : "normal") +
                 " mode: " + routeUser[i]->label() + " is refused with cause 3 then",
             routeUser[i], nullptr,
             "add a target without 'when', or route the rule elsewhere with 'when " +
                 std::string(normal ? "survival" : "normal") + "'");
    }
  }
  for (size_t i = 0; i < m_.targets.size(); ++i) {
    if (!targetUsed[i]) {
      report(Severity::kNote, "unused", m_.targets[i].pos,
             "target '" + m_.targets[i].name + "' is not used", nullptr, nullptr);
    }
  }
  for (size_t i = 0; i < m_.tables.size(); ++i) {
    if (!tableUsed[i]) {
      report(Severity::kNote, "unused", m_.tables[i]->pos,
             "table '" + m_.tables[i]->name + "' is not used", nullptr, nullptr);
    }
  }
  for (size_t i = 0; i < m_.classes.size(); ++i) {
    if (!classUsed[i]) {
      report(Severity::kNote, "unused", m_.classes[i].pos,
             "class '" + m_.classes[i].name + "' has no members and is no context's default",
             nullptr, nullptr);
    }
  }
  for (size_t i = 0; i < m_.hours.size(); ++i) {
    if (!hoursUsed[i]) {
      report(Severity::kNote, "unused", m_.hours_pos[i],
             "hours '" + m_.hours[i].name + "' are not used", nullptr, nullptr);
    }
  }
}

void Linter::run() {
  for (const auto& c : m_.contexts) {
    analyse(c);
    openWildcards(c);
    contextChecks(c);
  }
  whenBranches();
  unused();
}

}  // namespace

void lintPlan(const PlanModel& m, DiagnosticSink& sink) {
  Linter l(m, sink);
  l.run();
}

}  // namespace outpost::dialplan
