// The compiler: from the syntax tree to the immutable PlanModel. Resolves
// every name (with "did you mean" for typos), compiles patterns into tries
// and tables into prefix tries, loads time zones, and refuses anything that
// could touch an emergency number.
#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <set>

#include "core/strings.hpp"
#include "dialplan/causes.hpp"
#include "dialplan/loader.hpp"
#include "dialplan/model.hpp"

namespace outpost::dialplan {

std::string Rule::label() const {
  std::string s = kind == kOtherwise ? "otherwise" : kind == kRegex ? "/" + text + "/" : text;
  if (!name.empty()) s += " \"" + name + "\"";
  return s + " (" + pos.file + ":" + std::to_string(pos.line) + ")";
}

int PlanModel::findContext(const std::string& name) const {
  for (size_t i = 0; i < contexts.size(); ++i) {
    if (contexts[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int PlanModel::findRoute(const std::string& name) const {
  for (size_t i = 0; i < routes.size(); ++i) {
    if (routes[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int PlanModel::findCategory(const std::string& name) const {
  for (size_t i = 0; i < categories.size(); ++i) {
    if (categories[i] == name) return static_cast<int>(i);
  }
  return -1;
}

std::vector<std::string> PlanModel::categoryNames(CategorySet s) const {
  std::vector<std::string> out;
  for (size_t i = 0; i < categories.size(); ++i) {
    if (s & (1u << i)) out.push_back(categories[i]);
  }
  return out;
}

bool PlanModel::holds(const Condition& c, const Query& q, std::string* why) const {
  bool v = true;
  std::string detail;
  switch (c.kind) {
    case Condition::kAlways:
      return true;
    case Condition::kNormal:
      v = q.mode == Mode::kNormal;
      detail = std::string("mode is ") + modeName(q.mode);
      break;
    case Condition::kSurvival:
      v = q.mode == Mode::kSurvival;
      detail = std::string("mode is ") + modeName(q.mode);
      break;
    case Condition::kHours:
      v = hours[static_cast<size_t>(c.index)].isOpen(q.time, &detail);
      break;
    case Condition::kHolidays: {
      const Holidays& h = *holidays[static_cast<size_t>(c.index)];
      LocalTime lt = (zone ? zone : TimeZone::utc())->toLocal(q.time);
      const DateSpec* d = h.find(lt);
      v = d != nullptr;
      detail = lt.str() +
               (d ? " is in '" + h.name + "'" + (d->label.empty() ? "" : " (" + d->label + ")")
                  : " is not in '" + h.name + "'");
      break;
    }
  }
  if (c.negate) v = !v;
  if (why) *why = detail;
  return v;
}

namespace {

// The first six keep their bits in every plan: evaluate.cpp relies on it.
constexpr const char* kBuiltinCategories[] = {"internal", "local",    "national", "international",
                                              "premium",  "tollfree", "operator", "services",
                                              "mobile",   "emergency"};

struct Region {
  const char* name;
  std::vector<const char*> numbers;
  std::vector<const char*> tests;
};
// Per-country emergency numbers. 933 is the US/Canada E911 test line: it
// reads back the number and location the network sees.
const std::vector<Region>& regions() {
  static const std::vector<Region> r = {
      {"us", {"911"}, {"933"}},
      {"ca", {"911"}, {"933"}},
      {"eu", {"112"}, {}},
      {"gb", {"999", "112"}, {}},
      {"ie", {"999", "112"}, {}},
      {"de", {"112", "110"}, {}},
      {"fr", {"112", "15", "17", "18", "114", "115"}, {}},
      {"it", {"112", "113", "115", "118"}, {}},
      {"nl", {"112"}, {}},
      {"au", {"000", "112"}, {}},
  };
  return r;
}

class Compiler {
 public:
  Compiler(const PlanAst& ast, const PlanFileReader& read, const std::string& zoneinfo,
           DiagnosticSink& sink)
      : ast_(ast),
        read_(read),
        zoneinfo_(zoneinfo),
        sink_(sink),
        m_(std::make_unique<PlanModel>()) {}

  std::unique_ptr<PlanModel> run();

 private:
  Diagnostic& err(const std::string& code, const Word& w, std::string msg, std::string hint = "") {
    return sink_.error(code, w.pos, std::move(msg), w.width, std::move(hint));
  }
  Diagnostic& errAt(const std::string& code, const SourcePos& p, std::string msg,
                    std::string hint = "") {
    return sink_.error(code, p, std::move(msg), 1, std::move(hint));
  }
  std::string didYouMean(const std::string& w, const std::vector<std::string>& cands) {
    auto s = core::suggest(w, cands);
    return s ? "did you mean '" + *s + "'?" : "";
  }
  std::vector<std::string> routeNames() const {
    std::vector<std::string> v;
    for (const auto& r : m_->routes) {
      if (!r.implicit) v.push_back(r.name);
    }
    for (const auto& t : m_->targets)
      v.push_back(t.name);
    return v;
  }
  std::vector<std::string> contextNames() const {
    std::vector<std::string> v;
    for (const auto& c : m_->contexts)
      v.push_back(c.name);
    return v;
  }

  void site();
  void categories();
  int category(const Word& w, bool create);
  void schedules();
  void targets();
  void routes();
  int routeFor(const Word& name, const std::string& usage);
  bool condition(const CondAst& c, Condition* out);
  void classes();
  void contexts();
  bool compileRule(const RuleAst& a, Rule& r);
  bool body(const BodyAst& a, Body& b, int groups, const std::string& ctxName);
  bool templ(const TemplateAst& a, int groups, Template* out, const std::string& what);
  void includes();
  void emergency();
  void checkEmergencyPrefix(const std::string& literal, const Word& at, const std::string& what);
  void tables();
  void tests();

  const PlanAst& ast_;
  const PlanFileReader& read_;
  std::string zoneinfo_;
  DiagnosticSink& sink_;
  std::unique_ptr<PlanModel> m_;
  std::vector<std::string> zoneNames_;
  std::map<std::string, uint32_t> rowDests_;
  std::vector<Destination> rowDestList_;
};

void Compiler::site() {
  const SiteAst& s = ast_.site;
  NumberingPlan& np = m_->numbering;
  if (s.country) np.country_code = s.country->text;
  if (s.national_prefix) np.national_prefix = s.national_prefix->text;
  if (s.international_prefix) np.international_prefix = s.international_prefix->text;
  if (s.area_code) np.area_code = s.area_code->text;
  np.national_length = s.national_length;
  if (np.country_code == "1") {
    // NANP: the rules every North American admin assumes.
    if (!s.national_prefix) np.national_prefix = "1";
    if (!s.international_prefix) np.international_prefix = "011";
    if (np.national_length == 0) np.national_length = 10;
    if (s.premium.empty()) np.premium = {"1900", "1976"};
    if (s.tollfree.empty()) np.tollfree = {"1800", "1833", "1844", "1855", "1866", "1877", "1888"};
  } else if (!np.country_code.empty()) {
    if (!s.national_prefix) np.national_prefix = "0";
    if (!s.international_prefix) np.international_prefix = "00";
  }
  for (const auto& w : s.premium)
    np.premium.push_back(w.text);
  for (const auto& w : s.tollfree)
    np.tollfree.push_back(w.text);
  if ((s.national_prefix || s.international_prefix || s.area_code) && !s.country) {
    errAt("site", s.pos, "the site gives dialling prefixes but no 'country' code",
          "add: country 1 (or your country calling code)");
  }
  m_->zone = TimeZone::utc();
  if (s.timezone) {
    auto z = TimeZone::load(s.timezone->text, zoneinfo_);
    if (!z) {
      if (zoneNames_.empty()) zoneNames_ = TimeZone::knownNames(zoneinfo_);
      err("unknown-name", *s.timezone, z.error().message, didYouMean(s.timezone->text, zoneNames_));
    } else {
      m_->zone = *z;
    }
  }
  FailoverSet def;
  for (int c : {34, 38, 41, 42, 47, 408, 503})
    def.add(c);
  def.target_down = true;
  if (s.failover.present) {
    def = FailoverSet{};
    for (int c : s.failover.causes)
      def.add(c);
    def.target_down = s.failover.down;
  }
  m_->default_failover = def;
}

int Compiler::category(const Word& w, bool create) {
  int i = m_->findCategory(w.text);
  if (i >= 0) return i;
  if (!create) return -1;
  if (m_->categories.size() >= 32) {
    err("limit", w, "more than 32 distinct categories in one plan");
    return -1;
  }
  m_->categories.push_back(w.text);
  return static_cast<int>(m_->categories.size()) - 1;
}

void Compiler::categories() {
  for (const char* c : kBuiltinCategories)
    m_->categories.push_back(c);
  // Categories come into being where rules use them; classes then refer to them.
  for (const auto& c : ast_.contexts) {
    for (const auto& r : c.rules) {
      auto add = [&](const BodyAst& b) {
        for (const auto& w : b.categories) {
          if (w.text == "emergency") {
            err("emergency", w, "only the emergency block makes a call an emergency call",
                "emergency numbers are listed in the 'emergency' block");
            continue;
          }
          category(w, true);
        }
      };
      add(r.base);
      for (const auto& b : r.branches)
        add(b.body);
    }
  }
}

void Compiler::schedules() {
  std::set<std::string> names;
  for (const auto& h : ast_.holidays) {
    if (h.name.text.empty()) continue;
    if (!names.insert(h.name.text).second) {
      err("duplicate", h.name,
          "a holidays or hours block named '" + h.name.text + "' already exists");
      continue;
    }
    auto hol = std::make_unique<Holidays>();
    hol->name = h.name.text;
    hol->dates = h.dates;
    m_->holidays.push_back(std::move(hol));
  }
  for (const auto& h : ast_.hours) {
    if (h.name.text.empty()) continue;
    if (h.name.text == "normal" || h.name.text == "survival") {
      err("syntax", h.name, "'" + h.name.text + "' is a mode; give the hours another name");
      continue;
    }
    if (!names.insert(h.name.text).second) {
      err("duplicate", h.name,
          "a holidays or hours block named '" + h.name.text + "' already exists");
      continue;
    }
    Hours hours;
    hours.name = h.name.text;
    hours.zone = m_->zone;
    if (h.timezone) {
      auto z = TimeZone::load(h.timezone->text, zoneinfo_);
      if (!z) {
        if (zoneNames_.empty()) zoneNames_ = TimeZone::knownNames(zoneinfo_);
        err("unknown-name", *h.timezone, z.error().message,
            didYouMean(h.timezone->text, zoneNames_));
      } else {
        hours.zone = *z;
      }
    }
    for (const auto& o : h.open)
      hours.addOpen(o.days, o.from, o.to);
    if (h.open.empty())
      errAt("syntax", h.pos, "hours '" + h.name.text + "' never open: add 'open DAYS HH:MM-HH:MM'");
    for (const auto& w : h.closed) {
      const Holidays* found = nullptr;
      std::vector<std::string> cands;
      for (const auto& hol : m_->holidays) {
        cands.push_back(hol->name);
        if (hol->name == w.text) found = hol.get();
      }
      if (!found) {
        err("unknown-name", w, "no holidays block named '" + w.text + "'",
            didYouMean(w.text, cands));
        continue;
      }
      hours.closed.push_back(found);
    }
    m_->hours.push_back(std::move(hours));
    m_->hours_pos.push_back(h.pos);
  }
}

bool Compiler::condition(const CondAst& c, Condition* out) {
  out->negate = c.negate;
  out->text = (c.negate ? "not " : "") + c.name.text;
  if (c.name.text == "normal") {
    out->kind = Condition::kNormal;
    return true;
  }
  if (c.name.text == "survival") {
    out->kind = Condition::kSurvival;
    return true;
  }
  std::vector<std::string> cands{"normal", "survival"};
  for (size_t i = 0; i < m_->hours.size(); ++i) {
    cands.push_back(m_->hours[i].name);
    if (m_->hours[i].name == c.name.text) {
      out->kind = Condition::kHours;
      out->index = static_cast<int>(i);
      return true;
    }
  }
  for (size_t i = 0; i < m_->holidays.size(); ++i) {
    cands.push_back(m_->holidays[i]->name);
    if (m_->holidays[i]->name == c.name.text) {
      out->kind = Condition::kHolidays;
      out->index = static_cast<int>(i);
      return true;
    }
  }
  std::string hint = didYouMean(c.name.text, cands);
  err("unknown-name", c.name, "no condition named '" + c.name.text + "'",
      hint.empty() ? "a condition is normal, survival, or the name of an hours or holidays block"
                   : hint);
  return false;
}

void Compiler::targets() {
  for (const auto& t : ast_.targets) {
    if (t.name.text.empty()) continue;
    for (const auto& o : m_->targets) {
      if (o.name == t.name.text) {
        err("duplicate", t.name,
            "target '" + t.name.text + "' is already defined at " + o.pos.str());
      }
    }
    Target x;
    x.name = t.name.text;
    x.kind = t.kind == TargetAst::kTrunk ? TargetKind::kTrunkGroup
             : t.kind == TargetAst::kSip ? TargetKind::kSipPeer
                                         : TargetKind::kLocalUser;
    x.address = t.address;
    x.pos = t.pos;
    // Defaults: E.164 on SIP, national digits on a trunk, as-is for local users.
    Presentation def = x.kind == TargetKind::kSipPeer      ? Presentation::kE164
                       : x.kind == TargetKind::kTrunkGroup ? Presentation::kNational
                                                           : Presentation::kReceived;
    auto fmt = [&](const FormatAst& f, Format* out, Presentation fallback) {
      out->presentation = f.present ? f.presentation : fallback;
      out->ton = f.ton;
      out->npi = f.npi;
    };
    fmt(t.called, &x.called, x.kind == TargetKind::kLocalUser ? Presentation::kNational : def);
    fmt(t.calling, &x.calling, def);
    if (x.kind == TargetKind::kLocalUser && t.called.present &&
        t.called.presentation == Presentation::kReceived) {
      // Allowed: a local user reached by the number exactly as dialled.
    }
    m_->targets.push_back(std::move(x));
  }
}

void Compiler::routes() {
  for (const auto& r : ast_.routes) {
    if (r.name.text.empty()) continue;
    if (m_->findRoute(r.name.text) >= 0) {
      err("duplicate", r.name, "routes '" + r.name.text + "' is already defined");
      continue;
    }
    for (const auto& t : m_->targets) {
      if (t.name == r.name.text) {
        err("duplicate", r.name,
            "'" + r.name.text + "' names both a target (" + t.pos.str() + ") and a route list",
            "give the route list its own name, like " + r.name.text + "-routes");
      }
    }
    RouteList list;
    list.name = r.name.text;
    list.pos = r.pos;
    if (r.entries.empty())
      errAt("syntax", r.pos, "routes '" + r.name.text + "' has no 'via' lines");
    for (const auto& e : r.entries) {
      RouteEntry x;
      x.pos = e.pos;
      for (size_t i = 0; i < m_->targets.size(); ++i) {
        if (m_->targets[i].name == e.target.text) x.target = static_cast<int>(i);
      }
      if (x.target < 0) {
        std::vector<std::string> cands;
        for (const auto& t : m_->targets)
          cands.push_back(t.name);
        bool isList = false;
        for (const auto& o : ast_.routes)
          isList = isList || o.name.text == e.target.text;
        err("unknown-name", e.target, "no target named '" + e.target.text + "'",
            isList ? "'via' takes a target; route lists do not nest"
                   : didYouMean(e.target.text, cands));
        continue;
      }
      if (e.cond && !condition(*e.cond, &x.cond)) continue;
      if (e.failover.present) {
        for (int c : e.failover.causes)
          x.failover.add(c);
        x.failover.target_down = e.failover.down;
      } else {
        x.failover = m_->default_failover;
      }
      list.entries.push_back(std::move(x));
    }
    m_->routes.push_back(std::move(list));
  }
}

int Compiler::routeFor(const Word& name, const std::string& usage) {
  int r = m_->findRoute(name.text);
  if (r >= 0) return r;
  for (size_t i = 0; i < m_->targets.size(); ++i) {
    if (m_->targets[i].name != name.text) continue;
    // A target named directly is a route list of one, with the site's failover.
    RouteList list;
    list.name = name.text;
    list.implicit = true;
    list.pos = m_->targets[i].pos;
    RouteEntry e;
    e.target = static_cast<int>(i);
    e.failover = m_->default_failover;
    e.pos = m_->targets[i].pos;
    list.entries.push_back(e);
    m_->routes.push_back(std::move(list));
    return static_cast<int>(m_->routes.size()) - 1;
  }
  err("unknown-name", name, "no route list or target named '" + name.text + "'" + usage,
      didYouMean(name.text, routeNames()));
  return -1;
}

void Compiler::classes() {
  std::vector<RuleTrie::Entry> members;
  for (const auto& c : ast_.classes) {
    if (c.name.text.empty()) continue;
    bool dup = false;
    for (const auto& o : m_->classes)
      dup = dup || o.name == c.name.text;
    if (dup) {
      err("duplicate", c.name, "class '" + c.name.text + "' is already defined");
      continue;
    }
    CosClass k;
    k.name = c.name.text;
    k.pos = c.pos;
    k.refuse_cause = c.refuse_cause;
    k.has_allow = c.has_allow;
    auto cats = [&](const std::vector<Word>& words, CategorySet* out) {
      for (const auto& w : words) {
        if (w.text == "emergency") {
          err("emergency", w, "emergency calls are never subject to a class of service",
              "remove 'emergency' here: every phone can always reach the emergency numbers");
          continue;
        }
        int i = category(w, false);
        if (i < 0) {
          std::string hint = didYouMean(w.text, m_->categories);
          // Unknown categories are harmless but almost always a typo.
          sink_.add(Severity::kWarning, "unknown-category", w.pos,
                    "no rule or table uses category '" + w.text + "'", w.width,
                    hint.empty() ? "categories: " + core::join(m_->categories, ", ") : hint);
          i = category(w, true);
          if (i < 0) continue;
        }
        *out |= 1u << i;
      }
    };
    cats(c.allow, &k.allow);
    cats(c.deny, &k.deny);
    for (const auto& w : c.members) {
      auto p = parsePattern(w.text);
      if (auto* e = std::get_if<PatternError>(&p)) {
        Word at = w;
        at.pos.column += e->offset + (w.quoted ? 1 : 0);
        at.width = e->length;
        err("pattern", at, e->message, e->hint);
        continue;
      }
      k.members.push_back(std::get<Pattern>(std::move(p)));
      checkEmergencyPrefix(k.members.back().literalPrefix(), w, "class member");
    }
    m_->classes.push_back(std::move(k));
  }
  // Member patterns go into one trie; the most specific member decides.
  std::vector<std::pair<int, int>> where;  // entry -> (class, member)
  for (size_t c = 0; c < m_->classes.size(); ++c) {
    for (size_t i = 0; i < m_->classes[c].members.size(); ++i) {
      members.push_back(
          {&m_->classes[c].members[i], static_cast<int32_t>(m_->member_class.size()), 0});
      m_->member_class.push_back(static_cast<int>(c));
      where.emplace_back(static_cast<int>(c), static_cast<int>(i));
    }
  }
  for (const auto& cf : m_->member_trie.build(members)) {
    const auto& a = m_->classes[static_cast<size_t>(where[static_cast<size_t>(cf.id)].first)];
    std::string other =
        cf.other >= 0
            ? m_->classes[static_cast<size_t>(where[static_cast<size_t>(cf.other)].first)].name
            : "?";
    errAt("duplicate", a.pos,
          "class '" + a.name + "': member pattern " +
              a.members[static_cast<size_t>(where[static_cast<size_t>(cf.id)].second)].text +
              (cf.kind == RuleTrie::Conflict::kAmbiguous
                   ? " overlaps, equally specific, a member of class '"
                   : " is also a member of class '") +
              other + "'",
          "a calling number belongs to one class");
  }
  if (ast_.site.default_class) {
    for (size_t i = 0; i < m_->classes.size(); ++i) {
      if (m_->classes[i].name == ast_.site.default_class->text)
        m_->default_class = static_cast<int>(i);
    }
    if (m_->default_class < 0) {
      std::vector<std::string> cands;
      for (const auto& k : m_->classes)
        cands.push_back(k.name);
      err("unknown-name", *ast_.site.default_class,
          "no class named '" + ast_.site.default_class->text + "'",
          didYouMean(ast_.site.default_class->text, cands));
    }
  }
}

bool Compiler::templ(const TemplateAst& a, int groups, Template* out, const std::string& what) {
  out->parts = a.parts;
  out->text = a.word.text;
  int mg = a.maxGroup();
  if (mg > groups) {
    err("pattern", a.word,
        what + " uses $" + std::to_string(mg) + " but the pattern has " +
            (groups == 0 ? std::string("no capture groups")
                         : std::to_string(groups) + " capture group" + (groups == 1 ? "" : "s")),
        "capture with parentheses in the pattern, like 9(NXXNXXXXXX), then use $1");
    return false;
  }
  return true;
}

bool Compiler::body(const BodyAst& a, Body& b, int groups, const std::string& ctxName) {
  bool ok = true;
  b.has_rewrites = a.has_rewrites;
  for (const auto& rw : a.rewrites) {
    Rewrite r;
    r.kind = rw.kind;
    r.count = rw.count;
    r.a = rw.a;
    r.b = rw.b;
    switch (rw.kind) {
      case RewriteAst::kStrip:
        r.text = "strip " + std::to_string(rw.count);
        break;
      case RewriteAst::kPrepend:
        r.text = "prepend " + rw.a;
        break;
      case RewriteAst::kReplace:
        r.text = "replace " + rw.a + " " + (rw.b.empty() ? "\"\"" : rw.b);
        break;
      case RewriteAst::kTemplate:
        r.text = "called " + rw.tmpl.word.text;
        if (!templ(rw.tmpl, groups, &r.tmpl, "'called'")) ok = false;
        // A rewrite that produces an emergency number would hide an emergency
        // call from the emergency path: refuse it.
        {
          bool literalOnly = true;
          std::string lit;
          for (const auto& p : rw.tmpl.parts) {
            if (p.kind != TemplatePart::kLiteral) {
              literalOnly = false;
              break;
            }
            lit += p.literal;
          }
          if (literalOnly) checkEmergencyPrefix(lit, rw.tmpl.word, "a rewrite to");
        }
        break;
    }
    b.rewrites.push_back(std::move(r));
  }
  if (a.as) {
    b.has_as = true;
    b.as = *a.as;
    const NumberingPlan& np = m_->numbering;
    if ((b.as == NumberForm::kNational || b.as == NumberForm::kSubscriber) && !np.configured()) {
      err("site", a.as_word, "'as " + a.as_word.text + "' needs the site's 'country' code",
          "add to the site block: country 1 (your country calling code)");
      ok = false;
    }
    if (b.as == NumberForm::kSubscriber && np.area_code.empty()) {
      err("site", a.as_word, "'as subscriber' needs the site's 'area-code'");
      ok = false;
    }
  }
  if (a.calling) {
    b.has_calling = true;
    if (!templ(*a.calling, groups, &b.calling, "'calling'")) ok = false;
  }
  if (a.has_categories) {
    b.has_categories = true;
    for (const auto& w : a.categories) {
      int i = m_->findCategory(w.text);
      if (i >= 0) b.categories |= 1u << i;
    }
  }
  if (a.dest) {
    b.has_dest = true;
    const DestAst& d = *a.dest;
    Destination& x = b.dest;
    x.name = d.name.text;
    switch (d.kind) {
      case DestAst::kRoute:
        x.kind = Destination::kRoute;
        x.index = routeFor(d.name, "");
        if (x.index < 0) ok = false;
        break;
      case DestAst::kTable: {
        x.kind = Destination::kTable;
        std::vector<std::string> cands;
        for (size_t i = 0; i < ast_.tables.size(); ++i) {
          cands.push_back(ast_.tables[i].name.text);
          if (ast_.tables[i].name.text == d.name.text) x.index = static_cast<int>(i);
        }
        if (x.index < 0) {
          err("unknown-name", d.name, "no table named '" + d.name.text + "'",
              didYouMean(d.name.text, cands));
          ok = false;
        }
        break;
      }
      case DestAst::kRefuse:
        x.kind = Destination::kRefuse;
        x.cause = d.cause;
        x.reason = d.reason;
        x.name = "refuse";
        break;
      case DestAst::kGoto:
        x.kind = Destination::kGoto;
        x.index = m_->findContext(d.name.text);
        if (x.index < 0) {
          err("unknown-name", d.name, "no context named '" + d.name.text + "'",
              didYouMean(d.name.text, contextNames()));
          ok = false;
        } else if (d.name.text == ctxName) {
          err("loop", d.name,
              "'goto " + d.name.text + "' sends the call back into its own context");
          ok = false;
        }
        break;
    }
  }
  return ok;
}

void Compiler::checkEmergencyPrefix(const std::string& literal, const Word& at,
                                    const std::string& what) {
  for (const auto& e : m_->emergency) {
    for (const std::string& n : {e.dialled, e.number}) {
      if (literal.size() >= n.size() && literal.compare(0, n.size(), n) == 0) {
        err("emergency", at,
            what + " '" + at.text + "' " + (literal == n ? "is" : "begins with") +
                " the emergency number " + n,
            "emergency numbers are classified before any rule and cannot be rewritten, shadowed or "
            "refused; choose another number");
        return;
      }
    }
  }
}

bool Compiler::compileRule(const RuleAst& a, Rule& r) {
  r.kind = a.kind == RuleAst::kPattern ? Rule::kPattern
           : a.kind == RuleAst::kRegex ? Rule::kRegex
                                       : Rule::kOtherwise;
  r.text = a.pattern.text;
  r.name = a.name;
  r.pos = a.pos;
  r.lint_ignore = a.lint_ignore;
  r.where = a.pos.file + ":" + std::to_string(a.pos.line);
  bool ok = true;
  if (r.kind == Rule::kPattern) {
    auto p = parsePattern(a.pattern.text, a.wildcards_any);
    if (auto* e = std::get_if<PatternError>(&p)) {
      Word at = a.pattern;
      at.pos.column += e->offset + (a.pattern.quoted ? 1 : 0);
      at.width = e->length;
      err("pattern", at, e->message, e->hint);
      return false;
    }
    r.pattern = std::get<Pattern>(std::move(p));
    r.groups = static_cast<int>(r.pattern.groups.size());
    checkEmergencyPrefix(r.pattern.literalPrefix(), a.pattern, "the pattern");
  } else if (r.kind == Rule::kRegex) {
    auto re = Regex::compile(a.pattern.text, a.wildcards_any);
    if (auto* e = std::get_if<RegexError>(&re)) {
      Word at = a.pattern;
      at.pos.column += e->offset;
      at.width = e->length;
      err("regex", at, e->message);
      return false;
    }
    r.regex = std::make_shared<const Regex>(std::get<Regex>(std::move(re)));
    r.groups = r.regex->groupCount();
    checkEmergencyPrefix(r.regex->literalPrefix(), a.pattern, "the expression");
  }
  if (!body(a.base, r.base, r.groups, a.context)) ok = false;
  for (const auto& b : a.branches) {
    Branch br;
    br.pos = b.pos;
    if (!condition(b.cond, &br.cond)) ok = false;
    if (!body(b.body, br.body, r.groups, a.context)) ok = false;
    r.branches.push_back(std::move(br));
  }
  if (!r.base.has_dest) {
    Word at = a.pattern;
    if (r.kind == Rule::kOtherwise) at.width = 9;
    err("syntax", at, "this rule does not say where the call goes",
        r.branches.empty()
            ? "add 'route NAME', 'route table NAME', 'refuse CAUSE' or 'goto CONTEXT'"
            : "'when' lines change the rule when they hold; the rule itself still needs "
              "'route', 'refuse' or 'goto' for the other times");
    ok = false;
  }
  return ok;
}

void Compiler::contexts() {
  size_t total = 0;
  for (const auto& c : ast_.contexts)
    total += c.rules.size();
  m_->rules.reserve(total);
  for (const auto& c : ast_.contexts) {
    if (c.name.text.empty()) continue;
    if (m_->findContext(c.name.text) >= 0) {
      err("duplicate", c.name, "context '" + c.name.text + "' is already defined",
          "a context is defined once; add rules to the existing block");
      continue;
    }
    ContextModel cm;
    cm.name = c.name.text;
    cm.description = c.description;
    cm.pos = c.pos;
    m_->contexts.push_back(std::move(cm));
  }
  for (const auto& c : ast_.contexts) {
    int ci = m_->findContext(c.name.text);
    if (ci < 0 || m_->contexts[static_cast<size_t>(ci)].pos != c.pos) continue;
    ContextModel& cm = m_->contexts[static_cast<size_t>(ci)];
    cm.no_emergency = c.no_emergency;
    cm.no_emergency_pos = c.no_emergency_pos;
    cm.lint_ignore = c.lint_ignore;
    if (c.default_class) {
      std::vector<std::string> cands;
      for (size_t i = 0; i < m_->classes.size(); ++i) {
        cands.push_back(m_->classes[i].name);
        if (m_->classes[i].name == c.default_class->text) cm.default_class = static_cast<int>(i);
      }
      if (cm.default_class < 0) {
        err("unknown-name", *c.default_class, "no class named '" + c.default_class->text + "'",
            didYouMean(c.default_class->text, cands));
      }
    }
    if (c.emergency_route) {
      cm.emergency_route = routeFor(*c.emergency_route, " for emergency calls");
    }
    for (const auto& a : c.rules) {
      Rule r;
      r.id = static_cast<int>(m_->rules.size());
      r.context = ci;
      if (!compileRule(a, r)) continue;
      if (r.kind == Rule::kOtherwise) {
        if (cm.otherwise >= 0) {
          errAt("duplicate", a.pos,
                "context '" + cm.name + "' already has an 'otherwise' at " +
                    m_->rules[static_cast<size_t>(cm.otherwise)].pos.str());
          continue;
        }
        cm.otherwise = r.id;
      }
      m_->rules.push_back(std::move(r));
    }
    for (const auto& ca : c.callers) {
      auto p = parsePattern(ca.pattern.text);
      if (auto* e = std::get_if<PatternError>(&p)) {
        Word at = ca.pattern;
        at.pos.column += e->offset + (ca.pattern.quoted ? 1 : 0);
        at.width = e->length;
        err("pattern", at, e->message, e->hint);
        continue;
      }
      Caller cl;
      cl.pattern = std::get<Pattern>(std::move(p));
      cl.pos = ca.pos;
      if (!templ(ca.calling, static_cast<int>(cl.pattern.groups.size()), &cl.calling, "'calling'"))
        continue;
      checkEmergencyPrefix(cl.pattern.literalPrefix(), ca.pattern, "the extension pattern");
      cm.callers.push_back(std::move(cl));
    }
    std::vector<RuleTrie::Entry> ce;
    for (size_t i = 0; i < cm.callers.size(); ++i) {
      ce.push_back({&cm.callers[i].pattern, static_cast<int32_t>(i), 0});
    }
    for (const auto& cf : cm.caller_trie.build(ce)) {
      const Caller& a = cm.callers[static_cast<size_t>(cf.id)];
      const Caller* b = cf.other >= 0 ? &cm.callers[static_cast<size_t>(cf.other)] : nullptr;
      errAt("duplicate", a.pos,
            "caller pattern " + a.pattern.text +
                (cf.kind == RuleTrie::Conflict::kAmbiguous ? " overlaps, equally specific, "
                                                           : " repeats ") +
                (b ? b->pattern.text + " (" + b->pos.str() + ")" : std::string("another")));
    }
  }
}

void Compiler::includes() {
  // Resolve, then refuse loops before merging.
  for (const auto& c : ast_.contexts) {
    int ci = m_->findContext(c.name.text);
    if (ci < 0 || m_->contexts[static_cast<size_t>(ci)].pos != c.pos) continue;
    for (const auto& w : c.includes) {
      int t = m_->findContext(w.text);
      if (t < 0) {
        err("unknown-name", w, "no context named '" + w.text + "'",
            didYouMean(w.text, contextNames()));
        continue;
      }
      if (t == ci) {
        err("loop", w, "context '" + w.text + "' includes itself");
        continue;
      }
      m_->contexts[static_cast<size_t>(ci)].includes.push_back(t);
      m_->contexts[static_cast<size_t>(ci)].include_pos.push_back(w.pos);
    }
  }
  // Loops through includes and gotos: depth-first with colours.
  const size_t n = m_->contexts.size();
  std::vector<std::vector<std::pair<int, SourcePos>>> edges(n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < m_->contexts[i].includes.size(); ++k) {
      edges[i].push_back({m_->contexts[i].includes[k], m_->contexts[i].include_pos[k]});
    }
  }
  for (const auto& r : m_->rules) {
    auto addGoto = [&](const Body& b) {
      if (b.has_dest && b.dest.kind == Destination::kGoto && b.dest.index >= 0) {
        edges[static_cast<size_t>(r.context)].push_back({b.dest.index, r.pos});
      }
    };
    addGoto(r.base);
    for (const auto& br : r.branches)
      addGoto(br.body);
  }
  std::vector<int> colour(n, 0), parent(n, -1);
  std::set<std::string> reported;
  std::function<void(int)> dfs = [&](int u) {
    colour[static_cast<size_t>(u)] = 1;
    for (auto& [v, pos] : edges[static_cast<size_t>(u)]) {
      if (colour[static_cast<size_t>(v)] == 1) {
        std::vector<std::string> cycle{m_->contexts[static_cast<size_t>(v)].name};
        for (int k = u; k != v && k >= 0; k = parent[static_cast<size_t>(k)]) {
          cycle.insert(cycle.begin() + 1, m_->contexts[static_cast<size_t>(k)].name);
        }
        cycle.push_back(m_->contexts[static_cast<size_t>(v)].name);
        std::string text = core::join(cycle, " -> ");
        if (reported.insert(text).second) {
          errAt("loop", pos, "loop between contexts: " + text,
                "a call could go round forever; break the loop (include and goto both count)");
        }
      } else if (colour[static_cast<size_t>(v)] == 0) {
        parent[static_cast<size_t>(v)] = u;
        dfs(v);
      }
    }
    colour[static_cast<size_t>(u)] = 2;
  };
  for (size_t i = 0; i < n; ++i) {
    if (colour[i] == 0) dfs(static_cast<int>(i));
  }
  if (!reported.empty()) return;
  // Merge: a context with its includes is one table. Identical patterns: the
  // nearer context wins (its own rule over an included one).
  for (size_t ci = 0; ci < n; ++ci) {
    ContextModel& cm = m_->contexts[ci];
    std::vector<std::pair<int, int>> order{{static_cast<int>(ci), 0}};  // (context, depth)
    std::vector<char> seen(n, 0);
    seen[ci] = 1;
    for (size_t q = 0; q < order.size(); ++q) {
      for (int t : m_->contexts[static_cast<size_t>(order[q].first)].includes) {
        if (!seen[static_cast<size_t>(t)]) {
          seen[static_cast<size_t>(t)] = 1;
          order.push_back({t, order[q].second + 1});
        }
      }
    }
    std::vector<RuleTrie::Entry> entries;
    for (auto [c, depth] : order) {
      for (const auto& r : m_->rules) {
        if (r.context != c) continue;
        if (r.kind == Rule::kOtherwise) continue;  // each context's own only
        cm.members.push_back(r.id);
        if (r.kind == Rule::kPattern)
          entries.push_back({&r.pattern, r.id, depth});
        else
          cm.regex_rules.push_back(r.id);
      }
    }
    if (cm.otherwise >= 0) cm.members.push_back(cm.otherwise);
    for (const auto& cf : cm.trie.build(entries)) {
      const Rule& a = m_->rules[static_cast<size_t>(cf.id)];
      const Rule* b = cf.other >= 0 ? &m_->rules[static_cast<size_t>(cf.other)] : nullptr;
      if (cf.kind == RuleTrie::Conflict::kOverridden) {
        cm.overridden.emplace_back(cf.id, cf.other);
        continue;
      }
      // Report each conflict in the context where the rule is written (or,
      // for a clash between two includes, in the including context).
      if (cf.kind == RuleTrie::Conflict::kDuplicate) {
        errAt("duplicate", a.pos,
              "pattern " + a.text + " is already used by " + (b ? b->label() : "another rule") +
                  (a.context != static_cast<int>(ci) || (b && b->context != static_cast<int>(ci))
                       ? " (both reach context '" + cm.name + "')"
                       : ""),
              "one pattern, one rule: put the variants in 'when' lines of one rule");
      } else {
        errAt("ambiguous", a.pos,
              "pattern " + a.text + " and " + (b ? b->label() : "another rule") +
                  " overlap at position " + std::to_string(cf.position + 1) +
                  " with sets of the same size, so neither is more specific",
              "make one of the two sets narrower, or split them so they do not overlap");
      }
    }
  }
}

void Compiler::emergency() {
  const EmergencyAst& e = ast_.emergency;
  if (!e.present) {
    sink_.error("emergency", SourcePos{ast_.files.empty() ? "" : ast_.files[0], 0, 0},
                "the plan has no 'emergency' block: emergency calls would have no route", 1,
                "add:\n    emergency\n      region us\n      route pstn");
    return;
  }
  m_->emergency_pos = e.pos;
  m_->emergency_where = e.pos.file + ":" + std::to_string(e.pos.line);
  std::vector<std::pair<std::string, bool>> numbers;  // (number, test)
  std::vector<SourcePos> where;
  for (const auto& w : e.regions) {
    bool found = false;
    std::vector<std::string> cands;
    for (const auto& r : regions()) {
      cands.push_back(r.name);
      if (w.text != r.name) continue;
      found = true;
      for (const char* n : r.numbers)
        numbers.emplace_back(n, false), where.push_back(w.pos);
      for (const char* n : r.tests)
        numbers.emplace_back(n, true), where.push_back(w.pos);
    }
    if (!found) {
      std::string hint = didYouMean(w.text, cands);
      err("unknown-name", w, "no emergency numbers known for region '" + w.text + "'",
          hint.empty() ? "regions: " + core::join(cands, ", ") + "; or list them with 'numbers'"
                       : hint);
    }
  }
  for (const auto& w : e.numbers)
    numbers.emplace_back(w.text, false), where.push_back(w.pos);
  for (const auto& w : e.test_numbers)
    numbers.emplace_back(w.text, true), where.push_back(w.pos);
  if (numbers.empty()) {
    errAt("emergency", e.pos, "the emergency block names no emergency numbers",
          "add 'region us' (911, 933) or 'numbers 112'");
  }
  std::vector<std::string> prefixes{""};
  for (const auto& w : e.outside_lines)
    prefixes.push_back(w.text);
  for (size_t i = 0; i < numbers.size(); ++i) {
    for (const auto& p : prefixes) {
      EmergencyNumber n{p + numbers[i].first, numbers[i].first, numbers[i].second, where[i]};
      bool dup = false;
      for (auto& o : m_->emergency) {
        if (o.dialled == n.dialled) {
          dup = true;
          o.test = o.test && n.test;  // listed as both: it is a real emergency number
        }
      }
      if (!dup) m_->emergency.push_back(n);
    }
  }
  // One emergency number must not hide another: the shorter fires first.
  for (const auto& a : m_->emergency) {
    for (const auto& b : m_->emergency) {
      if (a.dialled.size() < b.dialled.size() &&
          b.dialled.compare(0, a.dialled.size(), a.dialled) == 0) {
        errAt("emergency", b.pos,
              "emergency number " + b.dialled + " can never be dialled: " + a.dialled +
                  " is complete first and fires on its last digit");
      }
    }
  }
  if (!e.route) {
    errAt("emergency", e.pos, "the emergency block has no 'route'",
          "add 'route TARGET': the site's own PSTN line (a trunk group)");
    return;
  }
  m_->emergency_route = routeFor(*e.route, " for emergency calls");
}

void Compiler::tables() {
  for (size_t i = 0; i < ast_.tables.size(); ++i) {
    const TableAst& t = ast_.tables[i];
    auto table = std::make_unique<Table>();
    table->name = t.name.text;
    table->file = t.path;
    table->pos = t.pos;
    for (size_t j = 0; j < i; ++j) {
      if (!t.name.text.empty() && ast_.tables[j].name.text == t.name.text) {
        err("duplicate", t.name, "table '" + t.name.text + "' is already defined");
      }
    }
    if (t.default_dest) {
      table->has_default = true;
      Destination& d = table->default_dest;
      if (t.default_dest->kind == DestAst::kRefuse) {
        d.kind = Destination::kRefuse;
        d.cause = t.default_dest->cause;
        d.reason = t.default_dest->reason;
        d.name = "refuse";
      } else {
        d.kind = Destination::kRoute;
        d.name = t.default_dest->name.text;
        d.index = routeFor(t.default_dest->name, "");
      }
    }
    if (t.path.empty()) {
      m_->tables.push_back(std::move(table));
      continue;
    }
    auto text = read_(t.path);
    if (!text) {
      err("io", t.file, "cannot read table '" + t.path + "': " + text.error().message);
      m_->tables.push_back(std::move(table));
      continue;
    }
    CsvResolvers res;
    res.route = [&](std::string_view route, uint32_t* dest, std::string* error, std::string* hint) {
      std::string key(route);
      auto it = rowDests_.find(key);
      if (it != rowDests_.end()) {
        *dest = it->second;
        return true;
      }
      Destination d;
      std::vector<std::string> words = core::split(key, ' ');
      if (!words.empty() && words[0] == "refuse") {
        d.kind = Destination::kRefuse;
        d.name = "refuse";
        d.cause = 21;
        if (words.size() > 1) {
          auto c = core::parseInt(words[1]);
          if (!c || !isQ850(static_cast<int>(*c)) || words.size() > 2) {
            *error = "'" + key + "' is not 'refuse' or 'refuse CAUSE' (a Q.850 cause 1-127)";
            return false;
          }
          d.cause = static_cast<int>(*c);
        }
      } else {
        int r = m_->findRoute(key);
        if (r < 0) {
          for (size_t k = 0; k < m_->targets.size() && r < 0; ++k) {
            if (m_->targets[k].name == key) {
              Word w{key, t.pos, 1, false};
              r = routeFor(w, "");
            }
          }
        }
        if (r < 0) {
          *error = "no route list or target named '" + key + "'";
          *hint = didYouMean(key, routeNames());
          return false;
        }
        d.kind = Destination::kRoute;
        d.index = r;
        d.name = key;
      }
      rowDestList_.push_back(d);
      *dest = static_cast<uint32_t>(rowDestList_.size() - 1);
      rowDests_[key] = *dest;
      return true;
    };
    res.category = [&](std::string_view cat, uint32_t* bits, std::string* error,
                       std::string* hint) {
      std::string key(cat);
      if (key == "emergency") {
        *error = "a table row cannot make a call an emergency call";
        return false;
      }
      int c = m_->findCategory(key);
      if (c < 0) {
        Word w{key, t.pos, 1, false};
        c = category(w, true);
        if (c < 0) {
          *error = "too many categories";
          return false;
        }
      }
      (void)hint;
      *bits = 1u << c;
      return true;
    };
    loadPrefixCsv(t.path, *text, res, sink_, &table->table);
    m_->tables.push_back(std::move(table));
  }
}

void Compiler::tests() {
  for (const auto& t : ast_.tests) {
    TestSpec s;
    s.pos = t.pos;
    s.expects = t.expects;
    s.query.called = t.number.text;
    if (t.from) s.query.calling = t.from->text;
    std::string ctx = t.context ? t.context->text : t.block_context;
    if (ctx.empty()) {
      errAt("test", t.pos, "this test does not say which context it dials from",
            "add 'in CONTEXT', or write the test inside a context block");
      continue;
    }
    if (m_->findContext(ctx) < 0) {
      if (t.context) {
        err("unknown-name", *t.context, "no context named '" + ctx + "'",
            didYouMean(ctx, contextNames()));
      }
      continue;
    }
    s.query.context = ctx;
    if (t.cos) {
      bool found = false;
      std::vector<std::string> cands;
      for (const auto& k : m_->classes)
        cands.push_back(k.name), found = found || k.name == t.cos->text;
      if (!found) {
        err("unknown-name", *t.cos, "no class named '" + t.cos->text + "'",
            didYouMean(t.cos->text, cands));
        continue;
      }
      s.query.caller_class = t.cos->text;
    }
    if (t.mode && t.mode->text == "survival") s.query.mode = Mode::kSurvival;
    s.query.complete = !t.overlap;
    // Without 'at', a fixed Wednesday mid-morning local time, so a test's
    // answer does not depend on when it runs.
    std::string when = t.at ? t.at->text : "2026-01-07T10:00";
    std::string problem;
    auto tp = parseWhen(when, *m_->zone, &problem);
    if (!tp) {
      err("syntax", *t.at, problem);
      continue;
    }
    s.query.time = *tp;
    s.time_text = t.at ? t.at->text : "";
    bool ok = true;
    for (const auto& x : s.expects) {
      if (x.kind == ExpectAst::kRoute && m_->findRoute(x.values[0].text) < 0) {
        bool target = false;
        for (const auto& tg : m_->targets)
          target = target || tg.name == x.values[0].text;
        if (!target) {
          err("unknown-name", x.values[0],
              "no route list or target named '" + x.values[0].text + "'",
              didYouMean(x.values[0].text, routeNames()));
          ok = false;
        }
      }
      if (x.kind == ExpectAst::kTargets || x.kind == ExpectAst::kSends) {
        for (const auto& v : x.values) {
          if (x.kind == ExpectAst::kSends && &v != &x.values[0]) break;
          if (v.text == "none") continue;
          bool target = false;
          std::vector<std::string> cands;
          for (const auto& tg : m_->targets)
            cands.push_back(tg.name), target = target || tg.name == v.text;
          if (!target) {
            err("unknown-name", v, "no target named '" + v.text + "'", didYouMean(v.text, cands));
            ok = false;
          }
        }
      }
    }
    if (s.expects.empty()) {
      errAt("test", t.pos, "this test expects nothing",
            "add 'expect ...', like: expect route outside");
      ok = false;
    }
    if (!ok) continue;
    s.description = describeTest(s);
    m_->tests.push_back(std::move(s));
  }
}

std::unique_ptr<PlanModel> Compiler::run() {
  auto start = std::chrono::steady_clock::now();
  size_t errorsBefore = sink_.errorCount();
  site();
  categories();
  schedules();
  targets();
  routes();
  // Emergency numbers before classes and rules, so every member pattern and
  // rule can be checked against them.
  emergency();
  classes();
  contexts();
  includes();
  tables();
  // Every context's emergency route must exist and work in both modes.
  auto checkEmergencyRoute = [&](int route, const SourcePos& at, const std::string& whose) {
    if (route < 0) return;
    const RouteList& r = m_->routes[static_cast<size_t>(route)];
    bool normal = false, survival = false;
    for (const auto& e : r.entries) {
      if (e.cond.kind == Condition::kHours || e.cond.kind == Condition::kHolidays) {
        errAt("emergency", e.pos,
              "route list '" + r.name +
                  "' carries emergency calls, so it cannot depend on the time ('when " +
                  e.cond.text + "')");
      }
      bool n = e.cond.kind == Condition::kAlways ||
               (e.cond.kind == Condition::kNormal) != e.cond.negate ||
               e.cond.kind == Condition::kHours || e.cond.kind == Condition::kHolidays;
      bool s = e.cond.kind == Condition::kAlways ||
               (e.cond.kind == Condition::kSurvival) != e.cond.negate ||
               e.cond.kind == Condition::kHours || e.cond.kind == Condition::kHolidays;
      normal = normal || n;
      survival = survival || s;
    }
    if (!normal || !survival) {
      errAt("emergency", at,
            whose + " route '" + r.name + "' has no target in " +
                (!normal ? "normal" : "survival") + " mode");
    }
  };
  checkEmergencyRoute(m_->emergency_route, m_->emergency_pos, "the emergency");
  for (const auto& c : m_->contexts) {
    checkEmergencyRoute(c.emergency_route, c.pos, "context '" + c.name + "': its emergency");
  }
  m_->row_destinations = std::move(rowDestList_);
  tests();
  if (sink_.errorCount() != errorsBefore) return nullptr;
  PlanInfo& info = m_->info;
  info.files = ast_.files;
  info.source = ast_.files.empty() ? "" : ast_.files[0];
  for (const auto& t : m_->tables) {
    info.table_rows += t->table.size();
    info.files.push_back(t->file);
  }
  info.contexts = m_->contexts.size();
  info.rules = m_->rules.size();
  info.tests = m_->tests.size();
  for (const auto& e : m_->emergency)
    info.emergency_numbers.push_back(e.dialled);
  info.compile_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return std::move(m_);
}

}  // namespace

std::unique_ptr<PlanModel> compilePlan(const PlanAst& ast, const PlanFileReader& read,
                                       const std::string& zoneinfoDir, DiagnosticSink& sink) {
  Compiler c(ast, read, zoneinfoDir, sink);
  auto m = c.run();
  return m;
}

}  // namespace outpost::dialplan
