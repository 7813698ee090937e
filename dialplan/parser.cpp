// The dial plan parser: one statement per line, blocks opened by a header
// line (site, emergency, target, routes, class, hours, holidays, table,
// context) and lasting until the next header. A line that starts with a
// clause keyword (strip, route, when, expect, ...) continues the rule or test
// above it. Errors are collected, never thrown: the parser reports every bad
// line it can and keeps going.
#include <algorithm>
#include <filesystem>
#include <set>

#include "core/strings.hpp"
#include "dialplan/causes.hpp"
#include "dialplan/lexer.hpp"
#include "dialplan/symbols.hpp"
#include "dialplan/syntax.hpp"

namespace outpost::dialplan {

int TemplateAst::maxGroup() const {
  int m = -1;
  for (const auto& p : parts) {
    if (p.kind == TemplatePart::kGroup) m = std::max(m, p.group);
  }
  return m;
}

std::string resolveRelative(const std::string& fromFile, const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  std::filesystem::path base = std::filesystem::path(fromFile).parent_path();
  return (base / path).lexically_normal().string();
}

namespace {

const std::vector<std::string> kHeaders = {"import", "site",  "emergency", "target", "routes",
                                           "class",  "hours", "holidays",  "table",  "context"};
const std::vector<std::string> kRuleClauses = {
    "strip", "prepend", "replace", "called", "calling", "as",        "category",
    "route", "refuse",  "goto",    "when",   "name",    "wildcards", "lint-ignore"};
const std::vector<std::string> kBranchClauses = {"strip",   "prepend", "replace",  "called",
                                                 "calling", "as",      "category", "route",
                                                 "refuse",  "goto"};
const std::vector<std::string> kTestClauses = {"from", "in",      "cos",   "at",
                                               "mode", "overlap", "expect"};
const std::vector<std::string> kExpectWords = {"route",    "targets",     "refused", "emergency",
                                               "no-match", "more-digits", "called",  "calling",
                                               "category", "sends"};

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool validName(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  if (!std::isalnum(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return false;
  }
  return true;
}

enum class Block {
  kNone,
  kSite,
  kEmergency,
  kTarget,
  kRoutes,
  kClass,
  kHours,
  kHolidays,
  kTable,
  kContext
};

const char* blockWord(Block b) {
  switch (b) {
    case Block::kNone:
      return "top level";
    case Block::kSite:
      return "site";
    case Block::kEmergency:
      return "emergency";
    case Block::kTarget:
      return "target";
    case Block::kRoutes:
      return "routes";
    case Block::kClass:
      return "class";
    case Block::kHours:
      return "hours";
    case Block::kHolidays:
      return "holidays";
    case Block::kTable:
      return "table";
    case Block::kContext:
      return "context";
  }
  return "";
}

std::vector<std::string> blockStatements(Block b) {
  switch (b) {
    case Block::kNone:
      return {"test"};
    case Block::kSite:
      return {"country",
              "national-prefix",
              "international-prefix",
              "area-code",
              "national-length",
              "timezone",
              "failover",
              "premium",
              "tollfree",
              "default-class",
              "test"};
    case Block::kEmergency:
      return {"region", "numbers", "test-numbers", "outside-line", "route", "test"};
    case Block::kTarget:
      return {"format", "test"};
    case Block::kRoutes:
      return {"via", "test"};
    case Block::kClass:
      return {"members", "allow", "deny", "refuse-cause", "test"};
    case Block::kHours:
      return {"open", "closed", "timezone", "test"};
    case Block::kHolidays:
      return {"date", "test"};
    case Block::kTable:
      return {"default", "test"};
    case Block::kContext:
      return {"include", "default-class", "no-emergency", "emergency-route", "caller",
              "dial",    "otherwise",     "test",         "lint-ignore"};
  }
  return {};
}

class Parser {
 public:
  Parser(const FileReader& read, DiagnosticSink& sink, PlanAst& plan)
      : read_(read), sink_(sink), plan_(plan) {}

  void parseFile(const std::string& path, std::shared_ptr<const std::string> text, int depth,
                 std::vector<std::string>& stack);
  void importFile(const std::string& path, const Word& at, int depth,
                  std::vector<std::string>& stack);

 private:
  // --- helpers over the current line ---
  struct Line {
    std::vector<Token> toks;
    std::string file;
    int line = 0;
    size_t i = 0;
  };
  Word word(const Line& l, size_t i) const {
    const Token& t = l.toks[i];
    return Word{t.text, SourcePos{l.file, l.line, t.column}, t.width, t.quoted};
  }
  SourcePos endPos(const Line& l) const {
    const Token& t = l.toks.back();
    return SourcePos{l.file, l.line, t.column + t.width};
  }
  bool atEnd(const Line& l) const { return l.i >= l.toks.size(); }
  Diagnostic& err(const Word& w, std::string msg, std::string hint = "") {
    return sink_.error("syntax", w.pos, std::move(msg), w.width, std::move(hint));
  }
  Diagnostic& errEnd(const Line& l, std::string msg, std::string hint = "") {
    return sink_.error("syntax", endPos(l), std::move(msg), 1, std::move(hint));
  }
  // Takes the next word; reports "KEYWORD needs WHAT" at the line end when missing.
  std::optional<Word> need(Line& l, const std::string& keyword, const std::string& what) {
    if (atEnd(l)) {
      errEnd(l, "'" + keyword + "' needs " + what);
      return std::nullopt;
    }
    return word(l, l.i++);
  }
  std::optional<Word> needName(Line& l, const std::string& keyword, const std::string& what) {
    auto w = need(l, keyword, what);
    if (!w) return std::nullopt;
    if (!validName(w->text)) {
      err(*w, "'" + w->text + "' is not a valid name",
          "names are letters, digits, '-', '_' and '.', starting with a letter or digit");
      return std::nullopt;
    }
    return w;
  }
  bool noMore(Line& l, const std::string& keyword) {
    if (atEnd(l)) return true;
    Word w = word(l, l.i);
    err(w, "unexpected '" + w.text + "' after " + keyword);
    return false;
  }
  std::optional<int> parseCauseWord(const Word& w, bool allowSip, std::string* problem) {
    if (auto n = causeByName(w.text)) {
      if (!allowSip && !isQ850(*n)) {
        *problem = "'" + w.text + "' is a SIP status; a Q.850 cause (1-127) is needed here";
        return std::nullopt;
      }
      return n;
    }
    auto v = core::parseInt(w.text);
    if (!v || w.text[0] == '+' || w.text[0] == '-') {
      *problem = "'" + w.text + "' is not a cause";
      return std::nullopt;
    }
    if (isQ850(static_cast<int>(*v))) return static_cast<int>(*v);
    if (allowSip && isSipFailure(static_cast<int>(*v))) return static_cast<int>(*v);
    *problem =
        allowSip
            ? "'" + w.text + "' is neither a Q.850 cause (1-127) nor a SIP failure status (300-699)"
            : "'" + w.text + "' is not a Q.850 cause (1-127)";
    return std::nullopt;
  }
  bool symbolsOnly(const Word& w, bool allowEmpty, const std::string& what) {
    if (w.text.empty() && allowEmpty) return true;
    size_t bad = invalidNumberChar(w.text);
    if (w.text.empty() || bad != std::string::npos) {
      Word at = w;
      if (bad != std::string::npos) {
        at.pos.column += static_cast<int>(bad) + (w.quoted ? 1 : 0);
        at.width = 1;
      }
      err(at, "'" + w.text + "' is not " + what,
          "numbers hold digits, '*', '#', and '+' only first");
      return false;
    }
    return true;
  }
  std::optional<TemplateAst> parseTemplate(const Word& w);
  std::optional<FailoverAst> parseFailover(Line& l, const Word& kw);
  std::optional<CondAst> parseCond(Line& l, const Word& kw);
  std::optional<DestAst> parseRefuse(Line& l, const Word& kw);
  void unknownStatement(const Word& w, Block b);

  // --- statements ---
  void header(Line& l, const Word& kw, int depth, std::vector<std::string>& stack);
  void statement(Line& l, const Word& kw);
  void site(Line& l, const Word& kw);
  void emergency(Line& l, const Word& kw);
  void context(Line& l, const Word& kw);
  bool ruleClauses(Line& l, RuleAst& rule, BodyAst* body, bool inBranch);
  void test(Line& l, const Word& kw);
  bool testClauses(Line& l, TestAst& t);

  const FileReader& read_;
  DiagnosticSink& sink_;
  PlanAst& plan_;
  Block block_ = Block::kNone;
  // What a continuation line attaches to.
  enum class Last { kNone, kRule, kTest, kVia } last_ = Last::kNone;
  std::string currentFile_;
};

void Parser::unknownStatement(const Word& w, Block b) {
  std::vector<std::string> cands = blockStatements(b);
  cands.insert(cands.end(), kHeaders.begin(), kHeaders.end());
  if (b == Block::kContext) cands.insert(cands.end(), kRuleClauses.begin(), kRuleClauses.end());
  cands.insert(cands.end(), kTestClauses.begin(), kTestClauses.end());
  std::string hint;
  if (auto s = core::suggest(w.text, cands)) hint = "did you mean '" + *s + "'?";
  bool isClause = contains(kRuleClauses, w.text) || contains(kTestClauses, w.text);
  if (isClause && hint.empty()) {
    err(w,
        "'" + w.text + "' continues a " + (contains(kTestClauses, w.text) ? "test" : "dial rule") +
            ", but there is none just above it",
        "start the line with 'dial', 'otherwise' or 'test', or put it on that line");
    return;
  }
  std::string where =
      b == Block::kNone ? "at the top level" : std::string("in a '") + blockWord(b) + "' block";
  if (hint.empty()) {
    std::string list;
    for (const auto& s : blockStatements(b))
      list += (list.empty() ? "" : ", ") + s;
    hint = "here you can write: " + list +
           "; or start a block with one of: site, emergency, target, "
           "routes, class, hours, holidays, table, context";
  }
  err(w, "unknown statement '" + w.text + "' " + where, hint);
}

std::optional<TemplateAst> Parser::parseTemplate(const Word& w) {
  TemplateAst t;
  t.word = w;
  const std::string& s = w.text;
  int col0 = w.pos.column + (w.quoted ? 1 : 0);
  auto at = [&](size_t i, int len = 1) {
    Word x = w;
    x.pos.column = col0 + static_cast<int>(i);
    x.width = len;
    return x;
  };
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == '$') {
      if (i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '9') {
        t.parts.push_back({TemplatePart::kGroup, "", s[i + 1] - '0'});
        i += 2;
        continue;
      }
      if (s.compare(i, 9, "${called}") == 0) {
        t.parts.push_back({TemplatePart::kCalled, "", 0});
        i += 9;
        continue;
      }
      if (s.compare(i, 10, "${calling}") == 0) {
        t.parts.push_back({TemplatePart::kCalling, "", 0});
        i += 10;
        continue;
      }
      err(at(i), "'$' must be followed by a group number ($0-$9), ${called} or ${calling}");
      return std::nullopt;
    }
    int k = symbolIndex(c);
    if (k < 0 || (k == kPlus && i != 0)) {
      err(at(i), std::string("'") + c + "' cannot appear in a number",
          "a rewrite holds digits, '*', '#', '+' (first only) and $1..$9, ${called}, ${calling}");
      return std::nullopt;
    }
    if (t.parts.empty() || t.parts.back().kind != TemplatePart::kLiteral) t.parts.push_back({});
    t.parts.back().literal += c;
    ++i;
  }
  return t;
}

std::optional<FailoverAst> Parser::parseFailover(Line& l, const Word& kw) {
  FailoverAst f;
  f.present = true;
  f.pos = kw.pos;
  if (atEnd(l)) {
    errEnd(l, "'failover' needs causes (Q.850 like 34, SIP like 503, 'down') or 'none'");
    return std::nullopt;
  }
  bool any = false;
  while (!atEnd(l)) {
    Word w = word(l, l.i);
    if (w.text == "none") {
      ++l.i;
      if (any) {
        err(w, "'none' cannot be mixed with causes");
        return std::nullopt;
      }
      return f;
    }
    if (w.text == "down") {
      f.down = true;
      ++l.i;
      any = true;
      continue;
    }
    bool numeric = !w.text.empty() && std::isdigit(static_cast<unsigned char>(w.text[0]));
    if (!numeric && !causeByName(w.text)) break;  // the next clause
    std::string problem;
    auto c = parseCauseWord(w, true, &problem);
    if (!c) {
      err(w, problem,
          "Q.850 causes 1-127, SIP statuses 300-699, names like congestion or timeout, or 'down'");
      return std::nullopt;
    }
    f.causes.push_back(*c);
    ++l.i;
    any = true;
  }
  if (!any) {
    err(word(l, l.i), "'failover' needs causes (Q.850 like 34, SIP like 503, 'down') or 'none'");
    return std::nullopt;
  }
  return f;
}

std::optional<CondAst> Parser::parseCond(Line& l, const Word& kw) {
  CondAst c;
  auto w =
      need(l, kw.text, "a condition: normal, survival, or the name of an hours or holidays block");
  if (!w) return std::nullopt;
  if (w->text == "not") {
    c.negate = true;
    w = need(l, "when not", "a condition: normal, survival, or an hours or holidays name");
    if (!w) return std::nullopt;
  }
  if (!validName(w->text)) {
    err(*w, "'" + w->text + "' is not a condition name");
    return std::nullopt;
  }
  c.name = *w;
  return c;
}

std::optional<DestAst> Parser::parseRefuse(Line& l, const Word& kw) {
  DestAst d;
  d.kind = DestAst::kRefuse;
  d.pos = kw.pos;
  d.name = kw;
  auto w = need(l, "refuse", "a Q.850 cause, like 21 (call rejected) or 1 (unallocated number)");
  if (!w) return std::nullopt;
  std::string problem;
  auto c = parseCauseWord(*w, false, &problem);
  if (!c) {
    err(*w, problem);
    return std::nullopt;
  }
  d.cause = *c;
  if (!atEnd(l) && l.toks[l.i].quoted) d.reason = l.toks[l.i++].text;
  return d;
}

void Parser::parseFile(const std::string& path, std::shared_ptr<const std::string> text, int depth,
                       std::vector<std::string>& stack) {
  sink_.addSource(path, text);
  plan_.files.push_back(path);
  stack.push_back(path);
  std::string saveFile = currentFile_;
  currentFile_ = path;
  // A file starts at the top level; its blocks end where it ends.
  block_ = Block::kNone;
  last_ = Last::kNone;
  const std::string& t = *text;
  size_t start = 0;
  int lineNo = 0;
  size_t errorsAtStart = sink_.errorCount();
  while (start <= t.size()) {
    size_t nl = t.find('\n', start);
    std::string_view raw(t.data() + start, (nl == std::string::npos ? t.size() : nl) - start);
    ++lineNo;
    if (sink_.errorCount() - errorsAtStart >= 100) {
      sink_.error("syntax", {path, lineNo, 0}, "too many errors in this file; stopping here");
      break;
    }
    LexedLine lx = lexLine(raw);
    if (lx.error_column) {
      sink_.error("syntax", {path, lineNo, lx.error_column}, lx.error);
    } else if (!lx.tokens.empty()) {
      Line l{std::move(lx.tokens), path, lineNo, 1};
      Word kw = word(l, 0);
      if (contains(kHeaders, kw.text)) {
        header(l, kw, depth, stack);
      } else {
        statement(l, kw);
      }
    }
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  currentFile_ = saveFile;
  stack.pop_back();
  block_ = Block::kNone;
  last_ = Last::kNone;
}

void Parser::importFile(const std::string& path, const Word& at, int depth,
                        std::vector<std::string>& stack) {
  if (depth >= 16) {
    err(at, "imports nested more than 16 deep");
    return;
  }
  if (std::find(stack.begin(), stack.end(), path) != stack.end()) {
    std::string chain;
    for (const auto& s : stack)
      chain += s + " -> ";
    err(at, "import loop: " + chain + path);
    return;
  }
  if (std::find(plan_.files.begin(), plan_.files.end(), path) != plan_.files.end()) {
    err(at, "'" + path + "' is imported twice", "import each file once");
    return;
  }
  auto text = read_(path);
  if (!text) {
    err(at, "cannot read '" + path + "': " + text.error().message);
    return;
  }
  parseFile(path, *text, depth + 1, stack);
}

void Parser::header(Line& l, const Word& kw, int depth, std::vector<std::string>& stack) {
  last_ = Last::kNone;
  const std::string& k = kw.text;
  if (k == "import") {
    block_ = Block::kNone;
    auto w = need(l, "import", "a file name, like \"branch-extensions.dialplan\"");
    if (!w || !noMore(l, "import")) return;
    importFile(resolveRelative(l.file, w->text), *w, depth, stack);
    block_ = Block::kNone;
    return;
  }
  if (k == "site") {
    if (plan_.site.present) {
      err(kw, "a second 'site' block (the first is at " + plan_.site.pos.str() + ")",
          "put every site setting in one block");
    }
    plan_.site.present = true;
    plan_.site.pos = kw.pos;
    if (!atEnd(l)) plan_.site.name = l.toks[l.i++].text;
    noMore(l, "site NAME");
    block_ = Block::kSite;
    return;
  }
  if (k == "emergency") {
    if (plan_.emergency.present) {
      err(kw, "a second 'emergency' block (the first is at " + plan_.emergency.pos.str() + ")");
    }
    plan_.emergency.present = true;
    plan_.emergency.pos = kw.pos;
    noMore(l, "emergency");
    block_ = Block::kEmergency;
    return;
  }
  // Named blocks: a bad name still opens the block so its lines are not
  // reported twice, but the block is dropped.
  if (k == "target") {
    block_ = Block::kTarget;
    auto name = needName(
        l, "target",
        "a name, a kind (trunk, sip, local) and, for trunk and sip, the trunk group or peer");
    TargetAst t;
    t.pos = kw.pos;
    if (name) t.name = *name;
    auto kind =
        name ? need(l, "target " + name->text, "a kind: trunk, sip or local") : std::nullopt;
    if (kind) {
      if (kind->text == "trunk")
        t.kind = TargetAst::kTrunk;
      else if (kind->text == "sip")
        t.kind = TargetAst::kSip;
      else if (kind->text == "local")
        t.kind = TargetAst::kLocal;
      else {
        std::string hint;
        if (auto s = core::suggest(kind->text, {"trunk", "sip", "local"}))
          hint = "did you mean '" + *s + "'?";
        err(*kind, "unknown target kind '" + kind->text + "'",
            hint.empty() ? "trunk, sip or local" : hint);
        kind.reset();
      }
    }
    if (kind && t.kind != TargetAst::kLocal) {
      t.address = t.name.text;
      if (!atEnd(l)) {
        auto a = needName(l, "target", "the trunk group or SIP peer name");
        if (a)
          t.address = a->text;
        else
          kind.reset();  // the block opens all the same, as a placeholder
      }
    }
    if (!name || !kind || !noMore(l, "the target's kind")) {
      plan_.targets.push_back(TargetAst{});  // placeholder keeps the block's lines attached
      plan_.targets.back().pos = kw.pos;
      return;
    }
    plan_.targets.push_back(std::move(t));
    return;
  }
  // Blocks that are just a name: open the block and add its element (named
  // or not, so the block's lines still have somewhere to go).
  auto named = [&](Block b, auto& list) {
    block_ = b;
    list.emplace_back();
    list.back().pos = kw.pos;
    if (auto name = needName(l, k, "a name")) list.back().name = *name;
    noMore(l, k + " NAME");
  };
  if (k == "routes") return named(Block::kRoutes, plan_.routes);
  if (k == "class") return named(Block::kClass, plan_.classes);
  if (k == "hours") return named(Block::kHours, plan_.hours);
  if (k == "holidays") return named(Block::kHolidays, plan_.holidays);
  if (k == "table") {
    block_ = Block::kTable;
    TableAst t;
    t.pos = kw.pos;
    auto name = needName(l, "table", "a name and a CSV file, like: table intl \"intl-routes.csv\"");
    if (name) {
      t.name = *name;
      if (auto f = need(l, "table " + name->text, "a CSV file name")) {
        t.file = *f;
        t.path = resolveRelative(l.file, f->text);
      }
    }
    noMore(l, "table NAME FILE");
    plan_.tables.push_back(std::move(t));
    return;
  }
  if (k == "context") {
    block_ = Block::kContext;
    ContextAst c;
    c.pos = kw.pos;
    if (auto name = needName(l, "context", "a name, like phones")) c.name = *name;
    if (!atEnd(l) && l.toks[l.i].quoted) c.description = l.toks[l.i++].text;
    noMore(l, "context NAME \"description\"");
    plan_.contexts.push_back(std::move(c));
    return;
  }
}

void Parser::statement(Line& l, const Word& kw) {
  const std::string& k = kw.text;
  // Continuation lines first: they belong to the statement above.
  // A line that starts with lint-ignore is the context's (on a dial line it
  // is the rule's): one meaning per place, whatever came above.
  if (last_ == Last::kRule && block_ == Block::kContext && contains(kRuleClauses, k) &&
      k != "lint-ignore") {
    RuleAst& r = plan_.contexts.back().rules.back();
    l.i = 0;
    ruleClauses(l, r, &r.base, false);
    return;
  }
  if (last_ == Last::kTest && contains(kTestClauses, k)) {
    l.i = 0;
    testClauses(l, plan_.tests.back());
    return;
  }
  if (last_ == Last::kVia && block_ == Block::kRoutes && (k == "failover" || k == "when")) {
    RouteEntryAst& e = plan_.routes.back().entries.back();
    l.i = 1;
    if (k == "failover") {
      if (e.failover.present) err(kw, "'failover' given twice for this target");
      if (auto f = parseFailover(l, kw)) e.failover = *f;
    } else {
      if (e.cond) err(kw, "'when' given twice for this target");
      if (auto c = parseCond(l, kw)) e.cond = *c;
    }
    noMore(l, k);
    return;
  }
  last_ = Last::kNone;
  if (k == "test") {
    test(l, kw);
    return;
  }
  if (!contains(blockStatements(block_), k)) {
    unknownStatement(kw, block_);
    return;
  }
  switch (block_) {
    case Block::kSite:
      site(l, kw);
      return;
    case Block::kEmergency:
      emergency(l, kw);
      return;
    case Block::kContext:
      context(l, kw);
      return;
    case Block::kTarget: {
      TargetAst& t = plan_.targets.back();
      // format called|calling PRESENTATION [ton T] [npi P]
      auto which = need(l, "format", "'called' or 'calling'");
      if (!which) return;
      if (which->text != "called" && which->text != "calling") {
        err(*which, "'format' applies to 'called' or 'calling'");
        return;
      }
      FormatAst& f = which->text == "called" ? t.called : t.calling;
      if (f.present) err(*which, "format " + which->text + " given twice for this target");
      f.present = true;
      f.pos = kw.pos;
      auto p = need(l, "format " + which->text,
                    "e164, international, national, subscriber, prefixed or received");
      if (!p) return;
      auto pres = parsePresentation(p->text);
      if (!pres) {
        std::string hint;
        if (auto s = core::suggest(p->text, {"e164", "international", "national", "subscriber",
                                             "prefixed", "received"})) {
          hint = "did you mean '" + *s + "'?";
        }
        err(*p, "unknown number format '" + p->text + "'",
            hint.empty() ? "e164, international, national, subscriber, prefixed or received"
                         : hint);
        return;
      }
      f.presentation = *pres;
      while (!atEnd(l)) {
        Word w = word(l, l.i++);
        if (w.text == "ton") {
          auto v = need(l, "ton",
                        "a type of number: unknown, international, national, network-specific, "
                        "subscriber, abbreviated");
          if (!v) return;
          auto ton = parseTon(v->text);
          if (!ton) {
            err(*v, "unknown type of number '" + v->text + "'",
                "unknown, international, national, network-specific, subscriber, abbreviated");
            return;
          }
          f.ton = *ton;
        } else if (w.text == "npi") {
          auto v =
              need(l, "npi", "a numbering plan: unknown, isdn, data, telex, national, private");
          if (!v) return;
          auto npi = parseNpi(v->text);
          if (!npi) {
            err(*v, "unknown numbering plan '" + v->text + "'",
                "unknown, isdn (E.164), data, telex, national, private");
            return;
          }
          f.npi = *npi;
        } else {
          err(w, "unexpected '" + w.text + "'",
              "after the format you may give 'ton TYPE' and 'npi PLAN'");
          return;
        }
      }
      return;
    }
    case Block::kRoutes: {
      RoutesAst& r = plan_.routes.back();
      RouteEntryAst e;
      e.pos = kw.pos;
      auto t = needName(l, "via", "a target or route list name");
      if (!t) return;
      e.target = *t;
      while (!atEnd(l)) {
        Word w = word(l, l.i++);
        if (w.text == "when") {
          if (e.cond) err(w, "'when' given twice for this target");
          auto c = parseCond(l, w);
          if (!c) return;
          e.cond = *c;
        } else if (w.text == "failover") {
          if (e.failover.present) err(w, "'failover' given twice for this target");
          auto f = parseFailover(l, w);
          if (!f) return;
          e.failover = *f;
        } else {
          std::string hint;
          if (auto s = core::suggest(w.text, {"when", "failover"}))
            hint = "did you mean '" + *s + "'?";
          err(w, "unexpected '" + w.text + "' in a 'via' line",
              hint.empty() ? "a 'via' line takes 'when CONDITION' and 'failover CAUSES...'" : hint);
          return;
        }
      }
      r.entries.push_back(std::move(e));
      last_ = Last::kVia;
      return;
    }
    case Block::kClass: {
      ClassAst& c = plan_.classes.back();
      if (k == "refuse-cause") {
        auto w = need(l, k, "a Q.850 cause");
        if (!w) return;
        std::string problem;
        auto cause = parseCauseWord(*w, false, &problem);
        if (!cause) {
          err(*w, problem);
          return;
        }
        c.refuse_cause = *cause;
        noMore(l, "refuse-cause CAUSE");
        return;
      }
      if (atEnd(l)) {
        errEnd(l, "'" + k + "' needs at least one " +
                      (k == "members" ? "calling number pattern" : "category"));
        return;
      }
      while (!atEnd(l)) {
        Word w = word(l, l.i++);
        if (k == "members") {
          c.members.push_back(w);
        } else {
          if (!validName(w.text)) {
            err(w, "'" + w.text + "' is not a category name");
            continue;
          }
          (k == "allow" ? c.allow : c.deny).push_back(w);
          if (k == "allow") c.has_allow = true;
        }
      }
      return;
    }
    case Block::kHours: {
      HoursAst& h = plan_.hours.back();
      if (k == "timezone") {
        if (auto w = need(l, k, "a time zone name, like America/Chicago")) h.timezone = *w;
        noMore(l, "timezone ZONE");
        return;
      }
      if (k == "closed") {
        if (atEnd(l)) errEnd(l, "'closed' needs the name of a holidays block");
        while (!atEnd(l))
          h.closed.push_back(word(l, l.i++));
        return;
      }
      // open DAYS RANGE [RANGE...]
      auto d = need(l, "open", "days and hours, like: open mon-fri 08:00-18:00");
      if (!d) return;
      std::string problem;
      auto days = parseDays(d->text, &problem);
      if (!days) {
        err(*d, problem);
        return;
      }
      if (atEnd(l)) {
        errEnd(l, "'open " + d->text + "' needs at least one time range, like 08:00-18:00");
        return;
      }
      while (!atEnd(l)) {
        Word w = word(l, l.i++);
        auto r = parseTimeRange(w.text, &problem);
        if (!r) {
          err(w, problem);
          return;
        }
        h.open.push_back(OpenAst{*days, r->first, r->second, w.pos});
      }
      return;
    }
    case Block::kHolidays: {
      HolidaysAst& h = plan_.holidays.back();
      auto w = need(l, "date", "a date (YYYY-MM-DD, MM-DD every year, or FROM..TO) and a label");
      if (!w) return;
      std::string problem;
      auto d = parseDateSpec(w->text, &problem);
      if (!d) {
        err(*w, problem);
        return;
      }
      if (!atEnd(l)) d->label = l.toks[l.i++].text;
      noMore(l, "date DATE \"label\"");
      h.dates.push_back(*d);
      return;
    }
    case Block::kTable: {
      TableAst& t = plan_.tables.back();
      auto w = need(l, "default", "a route list or target, or 'refuse CAUSE'");
      if (!w) return;
      if (t.default_dest) err(kw, "'default' given twice for this table");
      if (w->text == "refuse") {
        auto d = parseRefuse(l, *w);
        if (!d) return;
        t.default_dest = *d;
      } else {
        if (!validName(w->text)) {
          err(*w, "'" + w->text + "' is not a route name");
          return;
        }
        DestAst d;
        d.kind = DestAst::kRoute;
        d.name = *w;
        d.pos = w->pos;
        t.default_dest = d;
      }
      noMore(l, "default ROUTE");
      return;
    }
    case Block::kNone:
      unknownStatement(kw, block_);
      return;
  }
}

void Parser::site(Line& l, const Word& kw) {
  SiteAst& s = plan_.site;
  const std::string& k = kw.text;
  auto digitsArg = [&](std::optional<Word>& slot, const std::string& what) {
    if (slot) err(kw, "'" + k + "' given twice");
    auto w = need(l, k, what);
    if (!w) return;
    std::string d = w->text;
    if (d.empty() || d.find_first_not_of("0123456789") != std::string::npos || d.size() > 6) {
      err(*w, "'" + d + "' is not " + what);
      return;
    }
    slot = *w;
    noMore(l, k);
  };
  if (k == "country") return digitsArg(s.country, "a country calling code (digits, like 1 or 44)");
  if (k == "national-prefix")
    return digitsArg(s.national_prefix, "a national (trunk) prefix, like 1 or 0");
  if (k == "international-prefix") {
    return digitsArg(s.international_prefix, "an international prefix, like 011 or 00");
  }
  if (k == "area-code") return digitsArg(s.area_code, "an area code (digits)");
  if (k == "national-length") {
    auto w = need(l, k, "the length of a national number (10 in NANP)");
    if (!w) return;
    auto v = core::parseInt(w->text);
    if (!v || *v < 4 || *v > 14) {
      err(*w, "'" + w->text + "' is not a national number length (4-14)");
      return;
    }
    s.national_length = static_cast<int>(*v);
    noMore(l, k);
    return;
  }
  if (k == "timezone") {
    if (s.timezone) err(kw, "'timezone' given twice");
    if (auto w = need(l, k, "a time zone name, like America/Chicago")) s.timezone = *w;
    noMore(l, k);
    return;
  }
  if (k == "default-class") {
    if (auto w = needName(l, k, "a class name")) s.default_class = *w;
    noMore(l, k);
    return;
  }
  if (k == "failover") {
    if (s.failover.present) err(kw, "'failover' given twice");
    if (auto f = parseFailover(l, kw)) s.failover = *f;
    noMore(l, k);
    return;
  }
  // premium / tollfree: E.164 prefixes.
  if (atEnd(l)) {
    errEnd(l, "'" + k + "' needs E.164 prefixes, like +1900");
    return;
  }
  while (!atEnd(l)) {
    Word w = word(l, l.i++);
    std::string d = w.text;
    if (!d.empty() && d[0] == '+') d = d.substr(1);
    if (d.empty() || d.find_first_not_of("0123456789") != std::string::npos) {
      err(w, "'" + w.text + "' is not an E.164 prefix (like +1900)");
      continue;
    }
    w.text = d;
    (k == "premium" ? s.premium : s.tollfree).push_back(w);
  }
}

void Parser::emergency(Line& l, const Word& kw) {
  EmergencyAst& e = plan_.emergency;
  const std::string& k = kw.text;
  if (k == "route") {
    if (e.route) err(kw, "'route' given twice");
    if (auto w = needName(l, k, "the target or route list emergency calls take")) e.route = *w;
    noMore(l, k);
    return;
  }
  if (atEnd(l)) {
    errEnd(l, "'" + k + "' needs at least one value");
    return;
  }
  while (!atEnd(l)) {
    Word w = word(l, l.i++);
    if (k == "region") {
      e.regions.push_back(w);
      continue;
    }
    if (w.text.empty() || w.text.find_first_not_of("0123456789*#") != std::string::npos) {
      err(w,
          "'" + w.text + "' is not " +
              (k == "outside-line" ? std::string("an outside-line prefix (digits)") : "a number"));
      continue;
    }
    if (k == "numbers")
      e.numbers.push_back(w);
    else if (k == "test-numbers")
      e.test_numbers.push_back(w);
    else
      e.outside_lines.push_back(w);
  }
}

void Parser::context(Line& l, const Word& kw) {
  ContextAst& c = plan_.contexts.back();
  const std::string& k = kw.text;
  if (k == "include") {
    if (atEnd(l)) errEnd(l, "'include' needs the name of a context");
    while (!atEnd(l)) {
      Word w = word(l, l.i++);
      if (!validName(w.text)) {
        err(w, "'" + w.text + "' is not a context name");
        continue;
      }
      c.includes.push_back(w);
    }
    return;
  }
  if (k == "default-class") {
    if (c.default_class) err(kw, "'default-class' given twice");
    if (auto w = needName(l, k, "a class name")) c.default_class = *w;
    noMore(l, k);
    return;
  }
  if (k == "no-emergency") {
    c.no_emergency = true;
    c.no_emergency_pos = kw.pos;
    noMore(l, k);
    return;
  }
  if (k == "emergency-route") {
    if (auto w = needName(l, k, "the target or route list emergency calls from here take")) {
      c.emergency_route = *w;
    }
    noMore(l, k);
    return;
  }
  if (k == "lint-ignore") {
    if (atEnd(l)) errEnd(l, "'lint-ignore' needs finding codes, like no-default");
    while (!atEnd(l))
      c.lint_ignore.push_back(l.toks[l.i++].text);
    return;
  }
  if (k == "caller") {
    CallerAst ca;
    ca.pos = kw.pos;
    auto p = need(l, "caller",
                  "a calling number pattern and 'calling TEMPLATE', like: caller 41(XX) calling "
                  "+131255501$1");
    if (!p) return;
    ca.pattern = *p;
    auto cw = need(l, "caller " + p->text, "'calling TEMPLATE'");
    if (!cw) return;
    if (cw->text != "calling") {
      err(*cw, "expected 'calling' after the caller pattern", "caller PATTERN calling TEMPLATE");
      return;
    }
    auto t = need(l, "calling", "the number to present, like +131255501$1");
    if (!t) return;
    auto tmpl = parseTemplate(*t);
    if (!tmpl) return;
    ca.calling = *tmpl;
    if (!noMore(l, "caller PATTERN calling TEMPLATE")) return;
    c.callers.push_back(std::move(ca));
    return;
  }
  // dial PATTERN ... / otherwise ...
  RuleAst r;
  r.pos = kw.pos;
  r.context = c.name.text;
  if (k == "otherwise") {
    r.kind = RuleAst::kOtherwise;
    r.pattern = kw;
  } else {
    auto p =
        need(l, "dial", "a pattern (like 9NXXNXXXXXX) or a regular expression between slashes");
    if (!p) return;
    r.pattern = *p;
    if (!p->quoted && p->text.size() >= 1 && p->text[0] == '/') {
      if (p->text.size() < 3 || p->text.back() != '/') {
        err(*p, "a regular expression is written between slashes, like /9(011[0-9]+)/");
        return;
      }
      r.kind = RuleAst::kRegex;
      r.pattern.text = p->text.substr(1, p->text.size() - 2);
      r.pattern.pos.column += 1;
      r.pattern.width -= 2;
    }
  }
  c.rules.push_back(std::move(r));
  last_ = Last::kRule;
  RuleAst& rule = c.rules.back();
  ruleClauses(l, rule, &rule.base, false);
}

bool Parser::ruleClauses(Line& l, RuleAst& rule, BodyAst* body, bool inBranch) {
  while (!atEnd(l)) {
    Word kw = word(l, l.i++);
    const std::string& k = kw.text;
    if (!contains(kRuleClauses, k)) {
      std::string hint;
      if (auto s = core::suggest(k, kRuleClauses)) hint = "did you mean '" + *s + "'?";
      err(kw, "unexpected '" + k + "' in a rule",
          hint.empty()
              ? "a rule takes: strip, prepend, replace, called, calling, as, category, route, "
                "refuse, goto, when, name, wildcards, lint-ignore"
              : hint);
      return false;
    }
    if (inBranch && !contains(kBranchClauses, k)) {
      if (k == "when") {
        // A second 'when' on one line starts another branch.
        --l.i;
        return true;
      }
      err(kw, "'" + k + "' belongs to the whole rule, not to a 'when' branch",
          "put it on the dial line");
      return false;
    }
    if (k == "strip") {
      auto w = need(l, k, "how many leading digits to remove");
      if (!w) return false;
      auto v = core::parseInt(w->text);
      if (!v || *v < 0 || *v > static_cast<long long>(kMaxNumberLength) || w->text[0] == '+') {
        err(*w, "'" + w->text + "' is not a digit count for 'strip'");
        return false;
      }
      body->has_rewrites = true;
      body->rewrites.push_back(
          RewriteAst{RewriteAst::kStrip, static_cast<int>(*v), "", "", {}, kw});
    } else if (k == "prepend") {
      auto w = need(l, k, "the digits to put in front");
      if (!w || !symbolsOnly(*w, false, "digits to prepend")) return false;
      body->has_rewrites = true;
      body->rewrites.push_back(RewriteAst{RewriteAst::kPrepend, 0, w->text, "", {}, kw});
    } else if (k == "replace") {
      auto a = need(l, k, "a leading prefix and what replaces it, like: replace 011 +");
      if (!a || !symbolsOnly(*a, false, "a prefix to replace")) return false;
      auto b = need(l, "replace " + a->text, "what replaces the prefix (\"\" for nothing)");
      if (!b || !symbolsOnly(*b, true, "a replacement")) return false;
      body->has_rewrites = true;
      body->rewrites.push_back(RewriteAst{RewriteAst::kReplace, 0, a->text, b->text, {}, kw});
    } else if (k == "called") {
      auto w = need(l, k, "the new called number, like +1$1");
      if (!w) return false;
      auto t = parseTemplate(*w);
      if (!t) return false;
      body->has_rewrites = true;
      body->rewrites.push_back(RewriteAst{RewriteAst::kTemplate, 0, "", "", *t, kw});
    } else if (k == "calling") {
      auto w = need(l, k, "the calling number to present, like +13125550100 or ${calling}");
      if (!w) return false;
      if (body->calling) err(kw, "'calling' given twice");
      auto t = parseTemplate(*w);
      if (!t) return false;
      body->calling = *t;
    } else if (k == "as") {
      auto w = need(
          l, k,
          "how to read the number: national, international, e164, subscriber, dialled or internal");
      if (!w) return false;
      auto f = parseNumberForm(w->text);
      if (!f) {
        std::string hint;
        if (auto s = core::suggest(w->text, {"national", "international", "e164", "subscriber",
                                             "dialled", "internal"})) {
          hint = "did you mean '" + *s + "'?";
        }
        err(*w, "unknown number form '" + w->text + "'",
            hint.empty() ? "national, international, e164, subscriber, dialled or internal" : hint);
        return false;
      }
      if (body->as) err(kw, "'as' given twice");
      body->as = *f;
      body->as_word = *w;
    } else if (k == "category") {
      if (atEnd(l) || contains(kRuleClauses, l.toks[l.i].text)) {
        errEnd(l, "'category' needs at least one category, like national or international");
        return false;
      }
      body->has_categories = true;
      while (!atEnd(l) && !contains(kRuleClauses, l.toks[l.i].text)) {
        Word w = word(l, l.i++);
        if (!validName(w.text)) {
          err(w, "'" + w.text + "' is not a category name");
          return false;
        }
        body->categories.push_back(w);
      }
    } else if (k == "route" || k == "goto") {
      if (body->dest)
        err(kw, "this rule already says where the call goes (" + body->dest->name.pos.str() + ")");
      auto w = need(
          l, k, k == "route" ? "a route list or target name (or 'table NAME')" : "a context name");
      if (!w) return false;
      DestAst d;
      d.pos = kw.pos;
      d.kind = k == "goto" ? DestAst::kGoto : DestAst::kRoute;
      if (k == "route" && w->text == "table") {
        auto t = needName(l, "route table", "the table's name");
        if (!t) return false;
        d.kind = DestAst::kTable;
        w = t;
      }
      if (!validName(w->text)) {
        err(*w, "'" + w->text + "' is not a valid name");
        return false;
      }
      d.name = *w;
      body->dest = d;
    } else if (k == "refuse") {
      if (body->dest)
        err(kw, "this rule already says where the call goes (" + body->dest->name.pos.str() + ")");
      auto d = parseRefuse(l, kw);
      if (!d) return false;
      body->dest = *d;
    } else if (k == "when") {
      BranchAst b;
      b.pos = kw.pos;
      auto c = parseCond(l, kw);
      if (!c) return false;
      b.cond = *c;
      rule.branches.push_back(std::move(b));
      BranchAst& br = rule.branches.back();
      if (atEnd(l)) {
        errEnd(l, "'when " + c->name.text + "' needs what changes then, like: route local");
        return false;
      }
      if (!ruleClauses(l, rule, &br.body, true)) return false;
      // Any clauses left (another 'when') continue at this level.
      continue;
    } else if (k == "name") {
      auto w = need(l, k, "a label in quotes");
      if (!w) return false;
      rule.name = w->text;
    } else if (k == "wildcards") {
      auto w = need(l, k, "'any' (wildcards also match * and #) or 'digits'");
      if (!w) return false;
      if (w->text != "any" && w->text != "digits") {
        err(*w, "'wildcards' takes 'any' or 'digits'");
        return false;
      }
      rule.wildcards_any = w->text == "any";
    } else if (k == "lint-ignore") {
      if (atEnd(l)) {
        errEnd(l, "'lint-ignore' needs finding codes, like overlap");
        return false;
      }
      while (!atEnd(l) && !contains(kRuleClauses, l.toks[l.i].text)) {
        rule.lint_ignore.push_back(l.toks[l.i++].text);
      }
    }
  }
  return true;
}

void Parser::test(Line& l, const Word& kw) {
  TestAst t;
  t.pos = kw.pos;
  if (block_ == Block::kContext && !plan_.contexts.empty())
    t.block_context = plan_.contexts.back().name.text;
  auto n = need(l, "test", "the number dialled, then from, in, cos, at, mode and expect");
  if (!n) return;
  if (!symbolsOnly(*n, false, "a number")) return;
  t.number = *n;
  plan_.tests.push_back(std::move(t));
  last_ = Last::kTest;
  testClauses(l, plan_.tests.back());
}

bool Parser::testClauses(Line& l, TestAst& t) {
  while (!atEnd(l)) {
    Word kw = word(l, l.i++);
    const std::string& k = kw.text;
    if (!contains(kTestClauses, k)) {
      std::string hint;
      if (auto s = core::suggest(k, kTestClauses)) hint = "did you mean '" + *s + "'?";
      err(kw, "unexpected '" + k + "' in a test",
          hint.empty() ? "a test takes: from, in, cos, at, mode, overlap, expect" : hint);
      return false;
    }
    if (k == "overlap") {
      t.overlap = true;
      continue;
    }
    if (k == "expect") {
      if (atEnd(l)) {
        errEnd(l,
               "'expect' needs a result: route, targets, refused, emergency, no-match, "
               "more-digits, called, calling, "
               "category, sends");
        return false;
      }
      while (!atEnd(l)) {
        Word e = word(l, l.i++);
        ExpectAst x;
        x.pos = e.pos;
        const std::string& w = e.text;
        if (w == "route")
          x.kind = ExpectAst::kRoute;
        else if (w == "targets")
          x.kind = ExpectAst::kTargets;
        else if (w == "refused")
          x.kind = ExpectAst::kRefused;
        else if (w == "emergency")
          x.kind = ExpectAst::kEmergency;
        else if (w == "no-match")
          x.kind = ExpectAst::kNoMatch;
        else if (w == "more-digits")
          x.kind = ExpectAst::kMoreDigits;
        else if (w == "called")
          x.kind = ExpectAst::kCalled;
        else if (w == "calling")
          x.kind = ExpectAst::kCalling;
        else if (w == "category")
          x.kind = ExpectAst::kCategory;
        else if (w == "sends")
          x.kind = ExpectAst::kSends;
        else {
          std::string hint;
          if (auto s = core::suggest(w, kExpectWords)) hint = "did you mean '" + *s + "'?";
          err(e, "unknown expectation '" + w + "'",
              hint.empty() ? "route, targets, refused, emergency, no-match, more-digits, called, "
                             "calling, category, sends"
                           : hint);
          return false;
        }
        if (x.kind == ExpectAst::kRefused) {
          if (!atEnd(l) && !contains(kExpectWords, l.toks[l.i].text)) {
            Word c = word(l, l.i++);
            std::string problem;
            auto cause = parseCauseWord(c, false, &problem);
            if (!cause) {
              err(c, problem);
              return false;
            }
            x.cause = *cause;
          }
        } else if (x.kind == ExpectAst::kRoute || x.kind == ExpectAst::kCalled ||
                   x.kind == ExpectAst::kCalling || x.kind == ExpectAst::kCategory) {
          auto v = need(l, w,
                        w == "route"      ? "a route list or target name"
                        : w == "category" ? "a category"
                                          : "a number");
          if (!v) return false;
          x.values.push_back(*v);
        } else if (x.kind == ExpectAst::kSends) {
          auto tg = need(l, "sends",
                         "a target, the called number it receives, and optionally 'from CALLING'");
          if (!tg) return false;
          auto num =
              need(l, "sends " + tg->text, "the called number as " + tg->text + " receives it");
          if (!num) return false;
          x.values = {*tg, *num};
          if (!atEnd(l) && l.toks[l.i].text == "from") {
            ++l.i;
            auto c = need(l, "from", "the calling number as " + tg->text + " receives it");
            if (!c) return false;
            x.values.push_back(*c);
          }
        } else if (x.kind == ExpectAst::kTargets) {
          while (!atEnd(l) && !contains(kExpectWords, l.toks[l.i].text)) {
            x.values.push_back(word(l, l.i++));
          }
          if (x.values.empty()) {
            errEnd(l, "'targets' needs the target names in order (or 'none')");
            return false;
          }
        }
        t.expects.push_back(std::move(x));
      }
      return true;
    }
    auto v = need(l, k,
                  k == "from"   ? "the calling number"
                  : k == "in"   ? "a context name"
                  : k == "cos"  ? "a class of service"
                  : k == "mode" ? "normal or survival"
                                : "a date and time, like 2026-03-02T10:00");
    if (!v) return false;
    if (k == "from") {
      if (!symbolsOnly(*v, false, "a calling number")) return false;
      t.from = *v;
    } else if (k == "in") {
      t.context = *v;
    } else if (k == "cos") {
      t.cos = *v;
    } else if (k == "mode") {
      if (v->text != "normal" && v->text != "survival") {
        err(*v, "mode is 'normal' or 'survival'");
        return false;
      }
      t.mode = *v;
    } else if (k == "at") {
      // "2026-03-02T10:00" or "2026-03-02 10:00"
      if (v->text.find('T') == std::string::npos && !atEnd(l) &&
          l.toks[l.i].text.find(':') != std::string::npos) {
        Word hm = word(l, l.i++);
        v->text += "T" + hm.text;
        v->width = hm.pos.column + hm.width - v->pos.column;
      }
      t.at = *v;
    }
  }
  return true;
}

}  // namespace

PlanAst parsePlanText(const std::string& name, std::shared_ptr<const std::string> text,
                      const FileReader& read, DiagnosticSink& sink) {
  PlanAst plan;
  Parser p(read, sink, plan);
  std::vector<std::string> stack;
  p.parseFile(name, std::move(text), 0, stack);
  return plan;
}

PlanAst parsePlan(const std::string& mainPath, const FileReader& read, DiagnosticSink& sink) {
  auto text = read(mainPath);
  if (!text) {
    PlanAst plan;
    sink.error("io", {mainPath, 0, 0}, "cannot read the dial plan: " + text.error().message);
    return plan;
  }
  return parsePlanText(mainPath, *text, read, sink);
}

}  // namespace outpost::dialplan
