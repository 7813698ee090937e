// Patterns and regular expressions on their own.
#include <boost/test/unit_test.hpp>
#include <chrono>

#include "dialplan/pattern.hpp"
#include "dialplan/regex.hpp"
#include "dialplan/rule_trie.hpp"

using namespace outpost::dialplan;

namespace {
Pattern pat(const std::string& s, bool any = false) {
  auto p = parsePattern(s, any);
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<Pattern>(p), "pattern " + s + " did not parse");
  return std::get<Pattern>(p);
}
PatternError perr(const std::string& s) {
  auto p = parsePattern(s);
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<PatternError>(p), "pattern " + s + " parsed");
  return std::get<PatternError>(p);
}
Regex re(const std::string& s) {
  auto r = Regex::compile(s);
  BOOST_REQUIRE_MESSAGE(
      std::holds_alternative<Regex>(r),
      "regex " + s + ": " +
          (std::holds_alternative<RegexError>(r) ? std::get<RegexError>(r).message : ""));
  return std::get<Regex>(std::move(r));
}
}  // namespace

BOOST_AUTO_TEST_SUITE(patterns)

BOOST_AUTO_TEST_CASE(asterisk_classes_match_what_admins_expect) {
  Pattern p = pat("9NXXNXXXXXX");
  BOOST_TEST(p.matches("93125550100"));
  BOOST_TEST(!p.matches("91125550100"));   // N is 2-9
  BOOST_TEST(!p.matches("9312555010"));    // one short
  BOOST_TEST(!p.matches("931255501000"));  // one long
  BOOST_TEST(pat("Z").matches("1"));
  BOOST_TEST(!pat("Z").matches("0"));
  BOOST_TEST(pat("4[1-35]X").matches("435"));
  BOOST_TEST(!pat("4[1-35]X").matches("445"));
  BOOST_TEST(pat("*72X.").matches("*7291"));
  BOOST_TEST(pat("+1NXXNXXXXXX").matches("+13125550100"));
  BOOST_TEST(pat("_41XX").matches("4100"));  // Asterisk's leading '_' is accepted
}

BOOST_AUTO_TEST_CASE(dot_matches_digits_only_unless_asked) {
  Pattern p = pat("9.");
  BOOST_TEST(p.matches("9011"));
  BOOST_TEST(!p.matches("9"));     // '.' needs at least one
  BOOST_TEST(!p.matches("9*72"));  // not '*' ...
  BOOST_TEST(!p.matches("91#"));   // ... nor '#'
  BOOST_TEST(pat("9.", true).matches("9*72#"));
  Pattern bang = pat("41!");
  BOOST_TEST(bang.matches("41"));  // '!' takes zero or more
  BOOST_TEST(bang.matches("4123"));
}

BOOST_AUTO_TEST_CASE(captures_and_overlap_questions) {
  Pattern p = pat("9011(X.)");
  auto c = p.captures("9011442071234567");
  BOOST_REQUIRE(c.size() == 2u);
  BOOST_TEST(c[0] == "9011442071234567");
  BOOST_TEST(c[1] == "442071234567");
  Pattern q = pat("9(NXX)(NXXXXXX)");
  auto d = q.captures("93125550100");
  BOOST_TEST(d[1] == "312");
  BOOST_TEST(d[2] == "5550100");
  BOOST_TEST(pat("9NXXNXXXXXX").canExtend("931"));
  BOOST_TEST(!pat("9NXXNXXXXXX").canExtend("911"));
  BOOST_TEST(!pat("41XX").canExtend("4100"));  // complete and fixed: nothing more
  BOOST_TEST(pat("41XX").literalPrefix() == "41");
  BOOST_TEST(pat("[9]11").literalPrefix() == "911");  // a one-digit set is a digit
}

BOOST_AUTO_TEST_CASE(covers_tells_general_from_specific) {
  BOOST_TEST(pat("4XXX").covers(pat("41XX")));
  BOOST_TEST(!pat("41XX").covers(pat("4XXX")));
  BOOST_TEST(pat("9.").covers(pat("9NXXNXXXXXX")));
  BOOST_TEST(!pat("1NXXNXXXXXX").covers(pat("[0-9]800NXXXXXX")));
  BOOST_TEST(!pat("41.").covers(pat("41!")));  // 41! matches 41 itself
  BOOST_TEST(pat("41!").covers(pat("41.")));
}

BOOST_AUTO_TEST_CASE(errors_point_at_the_offending_character) {
  BOOST_TEST(perr("41Y9").offset == 2);
  BOOST_TEST(perr("9.1").offset == 2);
  BOOST_TEST(perr("4[1-5XX").offset == 1);
  BOOST_TEST(perr("4[5-1]X").offset == 2);
  BOOST_TEST(perr("9(NXX").offset == 1);
  BOOST_TEST(perr("9NX)X").offset == 3);
  BOOST_TEST(perr("91+1").offset == 2);
  BOOST_TEST(perr("!").message.find("empty") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(trie)

BOOST_AUTO_TEST_CASE(narrowest_edge_first_is_the_precedence) {
  std::vector<Pattern> ps = {pat("4XXX"),        pat("41XX"),         pat("410X"), pat("9."),
                             pat("9NXXNXXXXXX"), pat("91NXXNXXXXXX"), pat("41!")};
  std::vector<RuleTrie::Entry> e;
  for (size_t i = 0; i < ps.size(); ++i)
    e.push_back({&ps[i], static_cast<int32_t>(i), 0});
  RuleTrie t;
  BOOST_TEST(t.build(e).empty());
  BOOST_TEST(t.match("4100") == 2);  // 410X beats 41XX beats 4XXX and 41!
  BOOST_TEST(t.match("4150") == 1);
  BOOST_TEST(t.match("4250") == 0);
  BOOST_TEST(t.match("41") == 6);  // only 41! takes "41"
  BOOST_TEST(t.match("41234") == 6);
  BOOST_TEST(t.match("93125550100") == 4);  // fixed positions beat the wildcard
  BOOST_TEST(t.match("913125550100") == 5);
  BOOST_TEST(t.match("9011441234") == 3);
  BOOST_TEST(t.match("5") == RuleTrie::kNone);
  auto all = t.allMatches("4100");
  BOOST_TEST(all.size() == 4u);  // 410X, 41XX, 4XXX, 41!
  BOOST_TEST(all.front() == 2);
}

BOOST_AUTO_TEST_CASE(duplicates_and_equal_overlaps_are_reported) {
  std::vector<Pattern> ps = {pat("4[1-5]XX"), pat("4[3-7]XX"), pat("41XX"),
                             pat("41XX"),     pat("9."),       pat("9!")};
  std::vector<RuleTrie::Entry> e;
  for (size_t i = 0; i < ps.size(); ++i)
    e.push_back({&ps[i], static_cast<int32_t>(i), 0});
  e[3].priority = 0;
  RuleTrie t;
  auto c = t.build(e);
  int ambiguous = 0, duplicate = 0;
  for (auto& x : c) {
    ambiguous += x.kind == RuleTrie::Conflict::kAmbiguous;
    duplicate += x.kind == RuleTrie::Conflict::kDuplicate;
  }
  BOOST_TEST(ambiguous == 1);
  BOOST_TEST(duplicate == 2);  // 41XX twice; 9. and 9! tie on every longer number
  // With priorities, the nearer one wins silently (own rule over included).
  std::vector<RuleTrie::Entry> f = {{&ps[2], 10, 1}, {&ps[3], 11, 0}};
  RuleTrie u;
  auto d = u.build(f);
  BOOST_REQUIRE(d.size() == 1u);
  BOOST_TEST(d[0].kind == RuleTrie::Conflict::kOverridden);
  BOOST_TEST(u.match("4100") == 11);
}

BOOST_AUTO_TEST_CASE(lookup_does_not_grow_with_prefix_rules) {
  // 200,000 literal prefix rules: one lookup walks one path.
  std::vector<Pattern> ps;
  ps.reserve(200000);
  for (int i = 0; i < 200000; ++i)
    ps.push_back(pat("1" + std::to_string(3120000000LL + i * 37LL % 9999999LL) + "."));
  std::vector<RuleTrie::Entry> e;
  for (size_t i = 0; i < ps.size(); ++i)
    e.push_back({&ps[i], static_cast<int32_t>(i), 0});
  RuleTrie t;
  t.build(e);
  auto start = std::chrono::steady_clock::now();
  int found = 0;
  for (int i = 0; i < 100000; ++i)
    found +=
        t.match("1" + std::to_string(3120000000LL + (i % 200000) * 37LL % 9999999LL) + "5") >= 0;
  double us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() /
      100000;
  BOOST_TEST(found == 100000);
  BOOST_TEST(us < 20.0, "lookup took " << us << " us");  // generous: sanitizers run this too
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(regex)

BOOST_AUTO_TEST_CASE(anchored_whole_number_with_captures) {
  Regex r = re("9(011\\d+)");
  std::vector<std::string> c;
  BOOST_TEST(r.match("9011442071234567", &c));
  BOOST_TEST(c[1] == "011442071234567");
  BOOST_TEST(!r.match("99011442071234567"));  // anchored at the start ...
  BOOST_TEST(!r.match("9011#"));              // ... and at the end
  Regex alt = re("^(?:1|)(8(?:00|88|77))([2-9]\\d{6})$");
  BOOST_TEST(alt.match("18005551234", &c));
  BOOST_TEST(c[1] == "800");
  BOOST_TEST(c[2] == "5551234");
  BOOST_TEST(alt.match("8775551234"));
  BOOST_TEST(!alt.match("18665551234"));
  BOOST_TEST(re("\\+44\\d{10}").match("+442071234567"));
  BOOST_TEST(re("\\*72.+").match("*7241"));
  BOOST_TEST(!re("9.+").match("9*1"));  // '.' is a digit unless asked
}

BOOST_AUTO_TEST_CASE(leftmost_first_captures) {
  Regex r = re("(\\d*)(\\d{4})");
  std::vector<std::string> c;
  BOOST_TEST(r.match("3125550100", &c));
  BOOST_TEST(c[1] == "312555");
  BOOST_TEST(c[2] == "0100");
}

BOOST_AUTO_TEST_CASE(overlap_and_linear_time_on_hostile_expressions) {
  BOOST_TEST(re("91\\d{10}").canExtend("9131"));
  BOOST_TEST(!re("91\\d{10}").canExtend("913125550100"));
  // (a*)*b on a long non-matching number is exponential for a backtracking
  // engine; this one stays linear.
  Regex bad = re("((\\d*)*)*#");
  std::string n(40, '1');
  auto start = std::chrono::steady_clock::now();
  BOOST_TEST(!bad.match(n));
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  BOOST_TEST(ms < 200.0);
}

BOOST_AUTO_TEST_CASE(errors_name_the_offset) {
  auto err = [](const std::string& s) {
    auto r = Regex::compile(s);
    BOOST_REQUIRE_MESSAGE(std::holds_alternative<RegexError>(r), s + " compiled");
    return std::get<RegexError>(r);
  };
  BOOST_TEST(err("9(0\\d+").offset == 1);
  BOOST_TEST(err("9a").offset == 1);
  BOOST_TEST(err("*9").offset == 0);
  BOOST_TEST(err("9\\d{2,1}").offset == 3);
  BOOST_TEST(err("9\\d{1000}").message.find("repeat") != std::string::npos);
  BOOST_TEST(err("\\d*").message.find("empty") != std::string::npos);
  BOOST_TEST(err("(\\d{64}){64}").message.find("too large") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
