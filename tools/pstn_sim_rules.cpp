#include "tools/pstn_sim_rules.hpp"

#include <fstream>
#include <sstream>

#include "core/strings.hpp"
#include "media/tone.hpp"
#include "tdm/types.hpp"

namespace outpost::tools {

namespace {

const std::string kAnyDigit = "0123456789*#";

bool isDialable(char c) {
  return kAnyDigit.find(c) != std::string::npos;
}

// A tone for tone:SPEC: a name (dial, ringback, busy, ...), a frequency, or
// two frequencies "440+480".
bool validToneSpec(std::string_view s) {
  if (media::tones::byName(s)) return true;
  auto parts = core::split(s, '+');
  if (parts.empty() || parts.size() > 2) return false;
  for (const auto& p : parts) {
    auto f = core::parseInt(p);
    if (!f || *f < 50 || *f > 3900) return false;
  }
  return true;
}

}  // namespace

core::Result<NumberPattern> NumberPattern::parse(std::string_view text) {
  NumberPattern p;
  p.text_ = std::string(text);
  std::string_view t = text;
  if (!t.empty() && t[0] == '_') t.remove_prefix(1);  // Asterisk habit
  if (t.empty()) return core::invalidArgument("empty pattern");
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    Element e;
    if (isDialable(c)) {
      e.chars = std::string(1, c);
    } else if (c == 'X' || c == 'x') {
      e.chars = "0123456789";
    } else if (c == 'Z' || c == 'z') {
      e.chars = "123456789";
    } else if (c == 'N' || c == 'n') {
      e.chars = "23456789";
    } else if (c == '.' || c == '!') {
      if (i + 1 != t.size()) {
        return core::invalidArgument("'" + std::string(1, c) + "' must end the pattern '" +
                                     p.text_ + "'");
      }
      e.chars = kAnyDigit;
      e.kind = c == '.' ? Element::kOneOrMore : Element::kZeroOrMore;
    } else if (c == '[') {
      size_t close = t.find(']', i);
      if (close == std::string_view::npos) {
        return core::invalidArgument("unclosed '[' in pattern '" + p.text_ + "'");
      }
      std::string_view body = t.substr(i + 1, close - i - 1);
      if (body.empty()) return core::invalidArgument("empty [] in pattern '" + p.text_ + "'");
      for (size_t k = 0; k < body.size(); ++k) {
        if (k + 2 < body.size() && body[k + 1] == '-') {
          char lo = body[k], hi = body[k + 2];
          if (!std::isdigit(static_cast<unsigned char>(lo)) ||
              !std::isdigit(static_cast<unsigned char>(hi)) || lo > hi) {
            return core::invalidArgument("bad range '" + std::string(body.substr(k, 3)) +
                                         "' in pattern '" + p.text_ + "'");
          }
          for (char d = lo; d <= hi; ++d)
            e.chars += d;
          k += 2;
        } else if (isDialable(body[k])) {
          e.chars += body[k];
        } else {
          return core::invalidArgument("'" + std::string(1, body[k]) + "' in [" +
                                       std::string(body) + "] of pattern '" + p.text_ + "'");
        }
      }
      i = close;
    } else {
      return core::invalidArgument("'" + std::string(1, c) + "' is not a digit or a pattern " +
                                   "letter (X Z N [..] . !) in '" + p.text_ + "'");
    }
    p.elements_.push_back(std::move(e));
  }
  return p;
}

bool NumberPattern::matchFrom(size_t e, std::string_view rest, bool prefix) const {
  if (e == elements_.size()) return rest.empty();
  if (rest.empty()) {
    // Out of digits: a prefix can always grow into the remaining elements.
    if (prefix) return true;
    return elements_[e].kind == Element::kZeroOrMore && e + 1 == elements_.size();
  }
  const Element& el = elements_[e];
  bool ok = el.chars.find(rest[0]) != std::string::npos;
  if (el.kind == Element::kOne) return ok && matchFrom(e + 1, rest.substr(1), prefix);
  // "." and "!" end the pattern: the rest must all be dialable.
  for (char c : rest)
    if (el.chars.find(c) == std::string::npos) return false;
  return true;
}

bool NumberPattern::matches(std::string_view number) const {
  if (number.empty()) {
    return elements_.size() == 1 && elements_[0].kind == Element::kZeroOrMore;
  }
  return matchFrom(0, number, false);
}

bool NumberPattern::couldGrow(std::string_view number) const {
  // Matched by a longer number: a prefix match where elements remain, or a
  // trailing "." or "!" (which always take one more).
  if (!matchFrom(0, number, true)) return false;
  if (!elements_.empty() && elements_.back().kind != Element::kOne) return true;
  return number.size() < elements_.size();
}

core::Result<MediaAction> parseMediaAction(std::string_view text) {
  MediaAction m;
  auto colon = text.find(':');
  std::string kind(text.substr(0, colon));
  std::string arg = colon == std::string_view::npos ? "" : std::string(text.substr(colon + 1));
  if (kind == "echo") {
    m.kind = MediaAction::Kind::kEcho;
  } else if (kind == "tone") {
    m.kind = MediaAction::Kind::kTone;
    if (arg.empty()) arg = "test";
    if (!validToneSpec(arg)) {
      return core::invalidArgument("tone:" + arg + " is not a tone (dial, ringback, busy, " +
                                   "congestion, test, a frequency 50-3900 or two as 440+480)");
    }
  } else if (kind == "dtmf") {
    m.kind = MediaAction::Kind::kDtmf;
    if (arg.empty()) return core::invalidArgument("dtmf: needs the digits to play, e.g. dtmf:123#");
    for (char c : arg)
      if (!std::isdigit(static_cast<unsigned char>(c)) && c != '*' && c != '#' &&
          !(c >= 'A' && c <= 'D')) {
        return core::invalidArgument("dtmf:" + arg + " has '" + std::string(1, c) +
                                     "', which is not a DTMF digit");
      }
  } else if (kind == "record") {
    m.kind = MediaAction::Kind::kRecord;
  } else if (kind == "detect") {
    m.kind = MediaAction::Kind::kDetect;
  } else if (kind == "silence") {
    m.kind = MediaAction::Kind::kSilence;
  } else {
    std::string msg = "unknown media action '" + kind + "'";
    if (auto s = core::suggest(kind, {"echo", "tone", "dtmf", "record", "detect", "silence"})) {
      msg += " (did you mean '" + *s + "'?)";
    }
    return core::invalidArgument(msg);
  }
  m.arg = arg;
  return m;
}

std::string mediaActionText(const MediaAction& m) {
  const char* names[] = {"echo", "tone", "dtmf", "record", "detect", "silence"};
  std::string s = names[static_cast<int>(m.kind)];
  if (!m.arg.empty()) s += ":" + m.arg;
  return s;
}

const char* ruleActionName(Rule::Action a) {
  switch (a) {
    case Rule::Action::kAnswer:
      return "answer";
    case Rule::Action::kRing:
      return "ring";
    case Rule::Action::kReject:
      return "reject";
    case Rule::Action::kPsap:
      return "psap";
  }
  return "?";
}

core::Result<RuleSet> RuleSet::parse(const std::string& text, const std::string& sourceName) {
  RuleSet set;
  set.source_ = sourceName;
  std::vector<std::string> problems;
  std::istringstream in(text);
  std::string raw;
  int no = 0;
  while (std::getline(in, raw)) {
    ++no;
    std::string where = sourceName + ":" + std::to_string(no) + ": ";
    std::string_view line = raw;
    if (auto h = line.find('#'); h != std::string_view::npos) {
      // '#' is a DTMF digit too: a comment starts at a '#' after a space.
      if (h == 0 || line[h - 1] == ' ' || line[h - 1] == '\t') line = line.substr(0, h);
    }
    line = core::trim(line);
    if (line.empty()) continue;
    auto words = core::splitCommandLine(line);
    if (!words || words->size() < 2) {
      problems.push_back(where + "expected PATTERN ACTION [OPTION=VALUE ...], found '" +
                         std::string(line) + "'");
      continue;
    }
    Rule r;
    r.line = no;
    r.text = std::string(line);
    auto pattern = NumberPattern::parse((*words)[0]);
    if (!pattern) {
      problems.push_back(where + pattern.error().message);
      continue;
    }
    r.pattern = std::move(*pattern);
    const std::string& act = (*words)[1];
    if (act == "answer") {
      r.action = Rule::Action::kAnswer;
    } else if (act == "ring") {
      r.action = Rule::Action::kRing;
    } else if (act == "psap") {
      r.action = Rule::Action::kPsap;
    } else if (act == "reject") {
      r.action = Rule::Action::kReject;
    } else if (auto c = tdm::parseCause(act); c && !core::parseInt(act)) {
      // "busy", "unallocated", "congestion", ...: refuse with that cause.
      r.action = Rule::Action::kReject;
      r.cause = *c;
    } else {
      std::string msg = "unknown action '" + act + "' (answer, ring, psap, reject, or a cause " +
                        "name such as busy, unallocated, congestion)";
      std::vector<std::string> names = {"answer", "ring", "psap", "reject"};
      for (auto& n : tdm::causeNames())
        names.push_back(n);
      if (auto s = core::suggest(act, names)) msg += "; did you mean '" + *s + "'?";
      problems.push_back(where + msg);
      continue;
    }
    bool bad = false;
    for (size_t i = 2; i < words->size(); ++i) {
      const std::string& opt = (*words)[i];
      auto eq = opt.find('=');
      std::string key = opt.substr(0, eq);
      std::string value = eq == std::string::npos ? "" : opt.substr(eq + 1);
      auto fail = [&](const std::string& msg) {
        problems.push_back(where + msg);
        bad = true;
      };
      if (key == "after" || key == "hangup_after") {
        auto d = core::parseDuration(value);
        if (!d || *d < core::Duration(0) || *d > std::chrono::hours(24)) {
          fail(key + "=" + value + ": expected a duration such as 500ms or 2s");
          continue;
        }
        (key == "after" ? r.after : r.hangup_after) = *d;
      } else if (key == "cause") {
        auto c = tdm::parseCause(value);
        if (!c) {
          fail("cause=" + value + ": not a Q.850 cause (1-127 or a name such as busy)");
          continue;
        }
        r.cause = *c;
        if (r.action == Rule::Action::kAnswer && act == "answer") {
          fail("cause= applies to reject rules");
        }
      } else if (key == "alert" || key == "inband") {
        auto b = core::parseBool(value.empty() ? "yes" : value);
        if (!b) {
          fail(key + "=" + value + ": expected yes or no");
          continue;
        }
        (key == "alert" ? r.alert : r.inband) = *b;
      } else if (key == "progress") {
        std::string tone = value.empty() ? "ringback" : value;
        if (!validToneSpec(tone)) {
          fail("progress=" + value + ": not a tone (ringback, busy, congestion, a frequency)");
          continue;
        }
        r.progress = tone;
      } else if (key == "media") {
        for (const auto& part : core::split(value, ',')) {
          auto m = parseMediaAction(core::trim(part));
          if (!m) {
            fail(m.error().message);
            break;
          }
          r.media.push_back(*m);
        }
        if (value.empty())
          fail(
              "media= needs an action: echo, tone:NAME, dtmf:DIGITS, record, "
              "detect or silence");
      } else if (key == "callback_from") {
        bool ok = !value.empty();
        for (char c : value)
          if (!isDialable(c)) ok = false;
        if (!ok) {
          fail("callback_from=" + value + ": expected a number");
          continue;
        }
        r.callback_from = value;
      } else {
        std::string msg = "unknown option '" + key + "'";
        if (auto s = core::suggest(key, {"after", "cause", "alert", "inband", "progress", "media",
                                         "hangup_after", "callback_from"})) {
          msg += " (did you mean '" + *s + "'?)";
        }
        fail(msg);
      }
    }
    if (bad) continue;
    if (r.media.empty()) {
      r.media = {{MediaAction::Kind::kEcho, ""}, {MediaAction::Kind::kDetect, ""}};
    }
    set.rules_.push_back(std::move(r));
  }
  if (!problems.empty()) return core::invalidArgument(core::join(problems, "\n"));
  return set;
}

core::Result<RuleSet> RuleSet::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return core::errnoError("cannot read rules " + path, errno);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

RuleSet RuleSet::defaults() {
  auto r = parse(". answer media=echo,detect\n", "(default rules)");
  return std::move(*r);
}

const Rule* RuleSet::match(std::string_view number) const {
  for (const auto& r : rules_)
    if (r.pattern.matches(number)) return &r;
  return nullptr;
}

RuleSet::Completeness RuleSet::completeness(std::string_view number) const {
  bool matched = false, grow = false;
  for (const auto& r : rules_) {
    if (r.pattern.matches(number)) matched = true;
    if (r.pattern.couldGrow(number)) grow = true;
  }
  if (matched && !grow) return Completeness::kComplete;
  if (grow) return Completeness::kIncomplete;
  return Completeness::kNoMatch;
}

}  // namespace outpost::tools
