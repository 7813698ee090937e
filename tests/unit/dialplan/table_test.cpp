// CSV route tables: longest prefix, categories, defaults, errors, size.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <random>
#include <set>

#include "dialplan/prefix_table.hpp"
#include "tests/unit/dialplan/helpers.hpp"

using namespace dptest;

namespace {
const std::string kTablePlan =
    "table intl \"intl.csv\"\n"
    "  default outside\n"
    "context phones\n"
    "  dial 9011(X.) called +$1 route table intl category international\n"
    "  otherwise refuse 1\n"
    "  test 9011442071234567 expect route hq\n";
}

BOOST_AUTO_TEST_SUITE(tables)

BOOST_AUTO_TEST_CASE(longest_prefix_wins_and_rows_carry_categories) {
  auto p = mustLoad(kPrelude + kTablePlan, {{"intl.csv",
                                             "prefix,route,category,description\n"
                                             "44,pstn,,UK\n"
                                             "4420,hq,,London\n"
                                             "+8816,outside,premium,Iridium\n"
                                             "882,refuse 52,,international networks\n"}});
  Decision uk = eval(*p, {"phones", "9011441611234567"});
  BOOST_TEST(uk.route == "pstn");
  BOOST_TEST(eval(*p, {"phones", "9011442071234567"}).route == "hq");  // the longer prefix
  Decision sat = eval(*p, {"phones", "9011881612345678"});
  BOOST_TEST(sat.route == "outside");
  BOOST_TEST(
      (std::find(sat.categories.begin(), sat.categories.end(), "premium") != sat.categories.end()));
  Decision net = eval(*p, {"phones", "9011882123456"});
  BOOST_TEST(net.outcome == Outcome::kRefused);
  BOOST_TEST(net.cause == 52);
  BOOST_TEST(eval(*p, {"phones", "9011331234567"}).route == "outside");  // no prefix: the default
  Trace t;
  Query q;
  Decision d = eval(*p, {"phones", "9011442071234567"}, &t);
  BOOST_TEST(renderTrace(q, t, d).find("longest prefix 4420 -> hq") != std::string::npos);
  BOOST_TEST(renderTrace(q, t, d).find("intl.csv:3") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_table_without_default_refuses_what_it_lacks) {
  auto p = mustLoad(kPrelude +
                        "table t \"t.csv\"\n"
                        "context c\n  dial +X. route table t category international national\n  "
                        "otherwise refuse 1\n",
                    {{"t.csv", "44,pstn\n"}});  // no header: prefix,route
  BOOST_TEST(eval(*p, {"c", "+442071234567"}).route == "pstn");
  Decision d = eval(*p, {"c", "+33142345678"});
  BOOST_TEST(d.outcome == Outcome::kRefused);
  BOOST_TEST(d.cause == 3);
}

BOOST_AUTO_TEST_CASE(bad_rows_name_file_line_and_column) {
  LoadResult r = load(kPrelude + kTablePlan, {{"intl.csv",
                                               "prefix,route\n"
                                               "44,pstn\n"
                                               "4x4,pstn\n"
                                               "45,pstm\n"
                                               "44,hq\n"
                                               "46\n"}});
  BOOST_TEST(!r.ok());
  auto at = [&](int line) {
    for (const auto& d : r.diagnostics) {
      if (d.where.file == "intl.csv" && d.where.line == line) return d.where.column;
    }
    return -1;
  };
  BOOST_TEST(at(3) == 1);  // not a prefix
  BOOST_TEST(at(4) == 4);  // unknown route, with a suggestion
  BOOST_TEST(at(6) == 3);  // missing route
  bool suggested = false;
  for (const auto& d : r.diagnostics)
    suggested = suggested || d.hint == "did you mean 'pstn'?";
  BOOST_TEST(suggested);
  LoadResult dup = load(kPrelude + kTablePlan, {{"intl.csv", "44,pstn\n45,pstn\n44,hq\n"}});
  const Diagnostic* d = findDiag(dup, "duplicate");
  BOOST_REQUIRE(d);
  BOOST_TEST(d->where.line == 3);
  BOOST_TEST(d->message.find("line 1") != std::string::npos);
  LoadResult missing = load(kPrelude + kTablePlan);
  BOOST_TEST(findDiag(missing, "io") != nullptr);
}

BOOST_AUTO_TEST_CASE(hundreds_of_thousands_of_rows) {
  std::mt19937 rng(7);
  std::string csv = "prefix,route\n";
  std::vector<std::string> prefixes;
  std::set<std::string> seen;
  while (prefixes.size() < 300000) {
    std::string p = std::to_string(1 + rng() % 9);
    int len = 4 + static_cast<int>(rng() % 6);
    while (static_cast<int>(p.size()) < len)
      p += static_cast<char>('0' + rng() % 10);
    if (!seen.insert(p).second) continue;
    prefixes.push_back(p);
    csv += p + "," + (prefixes.size() % 2 ? "pstn" : "hq") + "\n";
  }
  auto start = std::chrono::steady_clock::now();
  auto p = mustLoad(kPrelude +
                        "table big \"big.csv\"\n  default outside\n"
                        "context c\n  dial +X. route table big category international national\n  "
                        "otherwise refuse 1\n",
                    {{"big.csv", csv}});
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  BOOST_TEST(s < 30.0);  // generous for sanitizer builds; the benchmark measures it properly
  BOOST_TEST(p->info().table_rows == 300000u);
  // Every prefix answers with its own route, checked against a linear scan.
  for (size_t i = 0; i < prefixes.size(); i += 997) {
    std::string number = "+" + prefixes[i] + "55";
    std::string best;
    for (const auto& q : prefixes) {
      if (number.compare(1, q.size(), q) == 0 && q.size() > best.size()) best = q;
    }
    size_t idx =
        static_cast<size_t>(std::find(prefixes.begin(), prefixes.end(), best) - prefixes.begin());
    BOOST_TEST(eval(*p, {"c", number}).route == ((idx + 1) % 2 ? "pstn" : "hq"));
  }
}

BOOST_AUTO_TEST_SUITE_END()
