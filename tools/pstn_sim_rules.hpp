// pstn-sim's number behaviour: a small rules file, one rule per line,
//
//   PATTERN  ACTION  [OPTION=VALUE ...]
//
// where the first rule whose pattern matches the called number decides what
// the simulated network does with a call: answer it, let it ring, refuse it
// with a Q.850 cause, or act as a PSAP. Patterns use the notation telecom
// people know: digits, X (0-9), Z (1-9), N (2-9), [1-5] classes, "." for one
// or more of anything and "!" for zero or more. Every mistake is reported as
// FILE:LINE. Plain values; any thread. See docs/pstn-sim.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace outpost::tools {

class NumberPattern {
 public:
  static core::Result<NumberPattern> parse(std::string_view text);
  bool matches(std::string_view number) const;
  // `number` is a proper beginning of something the pattern matches: more
  // digits could still make it match (overlap receiving).
  bool couldGrow(std::string_view number) const;
  const std::string& text() const { return text_; }

 private:
  struct Element {
    std::string chars;  // the characters this position accepts
    enum Kind { kOne, kOneOrMore, kZeroOrMore } kind = kOne;
  };
  bool matchFrom(size_t e, std::string_view rest, bool prefix) const;

  std::string text_;
  std::vector<Element> elements_;
};

// What happens to the call's audio once it is answered (or during early
// media), on the simulator's side of the B-channel.
struct MediaAction {
  enum class Kind { kEcho, kTone, kDtmf, kRecord, kDetect, kSilence };
  Kind kind = Kind::kEcho;
  std::string arg;  // tone name or "440+480", DTMF digits, WAV file
};
core::Result<MediaAction> parseMediaAction(std::string_view text);
std::string mediaActionText(const MediaAction& m);

struct Rule {
  enum class Action { kAnswer, kRing, kReject, kPsap };
  int line = 0;
  std::string text;  // as written, for events and `rules`
  NumberPattern pattern;
  Action action = Action::kAnswer;
  int cause = 21;                       // reject: Q.850 cause
  core::Duration after{0};              // answer or refuse this long after the SETUP
  bool alert = true;                    // ALERTING before CONNECT
  bool inband = false;                  // ALERTING says in-band information (ringback) is there
  std::optional<std::string> progress;  // PROGRESS with in-band info first, playing this tone
  std::vector<MediaAction> media;       // after answer (default: echo and detect)
  core::Duration hangup_after{0};       // clear an answered call after this long (0: never)
  std::string callback_from;            // PSAP: the number a callback comes from
};
const char* ruleActionName(Rule::Action a);

class RuleSet {
 public:
  static core::Result<RuleSet> parse(const std::string& text, const std::string& sourceName);
  static core::Result<RuleSet> load(const std::string& path);
  // What a simulator without a rules file does: answer everything, echo
  // the audio back and report DTMF.
  static RuleSet defaults();

  const Rule* match(std::string_view number) const;
  // Overlap receiving: is `number` complete (a rule matches and none could
  // match a longer one), incomplete (more digits may come), or hopeless?
  enum class Completeness { kComplete, kIncomplete, kNoMatch };
  Completeness completeness(std::string_view number) const;

  const std::vector<Rule>& rules() const { return rules_; }
  const std::string& source() const { return source_; }

 private:
  std::vector<Rule> rules_;
  std::string source_;
};

}  // namespace outpost::tools
