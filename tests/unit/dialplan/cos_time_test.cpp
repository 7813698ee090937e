// Class of service and time conditions.
#include <boost/test/unit_test.hpp>

#include "dialplan/schedule.hpp"
#include "dialplan/timezone.hpp"
#include "tests/unit/dialplan/helpers.hpp"

using namespace dptest;

namespace {
const std::string kCos =
    "class staff\n"
    "  deny premium\n"
    "class lobby\n"
    "  members 415X 4160\n"
    "  allow internal national tollfree\n"
    "  refuse-cause 52\n"
    "class exec\n"
    "  members 4100\n"
    "context phones\n"
    "  default-class staff\n"
    "  dial 41XX route phones category internal\n"
    "  dial 9NXXNXXXXXX strip 1 as national route outside category national\n"
    "  dial 91NXXNXXXXXX strip 2 as national route outside category national\n"
    "  dial 9011X. strip 1 as dialled route outside category international\n"
    "  dial 90 route pstn category operator\n"
    "  otherwise refuse 1\n";
}

BOOST_AUTO_TEST_SUITE(class_of_service)

BOOST_AUTO_TEST_CASE(classes_allow_and_deny_destination_categories) {
  auto p = mustLoad(kPrelude + kCos);
  // staff (the context's default): everything but premium.
  BOOST_TEST(eval(*p, {"phones", "9011442071234567", "4101"}).outcome == Outcome::kRoute);
  Decision prem = eval(*p, {"phones", "919005551234", "4101"});
  BOOST_TEST(prem.outcome == Outcome::kRefused);
  BOOST_TEST(prem.cause == 21);
  BOOST_TEST(prem.caller_class == "staff");
  BOOST_TEST(prem.reason.find("premium") != std::string::npos);
  // lobby, by membership: only what it allows; its own refusal cause.
  Decision intl = eval(*p, {"phones", "9011442071234567", "4155"});
  BOOST_TEST(intl.outcome == Outcome::kRefused);
  BOOST_TEST(intl.cause == 52);
  BOOST_TEST(intl.caller_class == "lobby");
  BOOST_TEST(eval(*p, {"phones", "90", "4160"}).cause == 52);  // operator
  BOOST_TEST(eval(*p, {"phones", "93125550100", "4155"}).outcome == Outcome::kRoute);
  BOOST_TEST(eval(*p, {"phones", "918005551234", "4155"}).outcome == Outcome::kRoute);  // tollfree
  BOOST_TEST(eval(*p, {"phones", "4123", "4155"}).outcome == Outcome::kRoute);
  // exec has no restriction at all, premium included.
  BOOST_TEST(eval(*p, {"phones", "919005551234", "4100"}).outcome == Outcome::kRoute);
}

BOOST_AUTO_TEST_CASE(the_gateway_may_name_the_class) {
  auto p = mustLoad(kPrelude + kCos);
  Ask a{"phones", "9011442071234567", "4101"};
  a.cls = "lobby";
  BOOST_TEST(eval(*p, a).cause == 52);  // overrides membership and the context default
  a.cls = "nonsense";
  Decision d = eval(*p, a);
  BOOST_TEST(d.outcome == Outcome::kRefused);
  BOOST_TEST(d.reason.find("unknown class of service 'nonsense'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(numbers_are_classified_whatever_rule_routes_them) {
  // The rule says national; the number is premium: the class still refuses.
  auto p = mustLoad(kPrelude + kCos);
  Decision d = eval(*p, {"phones", "919765551234", "4101"});  // +1 976
  BOOST_TEST(d.outcome == Outcome::kRefused);
  BOOST_TEST(eval(*p, {"phones", "918885551234", "4101"}).categories ==
             (std::vector<std::string>{"national", "tollfree"}));
}

BOOST_AUTO_TEST_CASE(category_typos_are_pointed_out) {
  LoadResult r = load(kPrelude + "class x\n  deny internatonal\n");
  const Diagnostic* d = findDiag(r, "unknown-category");
  BOOST_REQUIRE(d);
  BOOST_TEST(d->hint == "did you mean 'international'?");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(time_conditions)

BOOST_AUTO_TEST_CASE(chicago_daylight_saving_time) {
  auto z = TimeZone::load("America/Chicago");
  BOOST_REQUIRE(z);
  // 2026-03-08 02:00 CST -> 03:00 CDT; 2026-11-01 02:00 CDT -> 01:00 CST.
  auto at = [](int64_t s) { return outpost::core::WallTime(std::chrono::seconds(s)); };
  int64_t day = daysFromCivil(2026, 3, 8) * 86400;
  LocalTime before = (*z)->toLocal(at(day + 7 * 3600 + 59 * 60));  // 07:59Z
  LocalTime after = (*z)->toLocal(at(day + 8 * 3600));             // 08:00Z
  BOOST_TEST(before.hour == 1);
  BOOST_TEST(before.utc_offset_s == -6 * 3600);
  BOOST_TEST(after.hour == 3);
  BOOST_TEST(after.dst);
  BOOST_TEST(after.weekday == 0);  // a Sunday
  // Far beyond the table, the POSIX rule carries on.
  LocalTime y2100 = (*z)->toLocal(at(daysFromCivil(2100, 7, 1) * 86400 + 12 * 3600));
  BOOST_TEST(y2100.utc_offset_s == -5 * 3600);
  // Local time back to an instant, at both transitions.
  auto t = (*z)->fromLocal(2026, 11, 1, 1, 30);  // happens twice: the first (CDT)
  BOOST_TEST(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count() ==
             daysFromCivil(2026, 11, 1) * 86400 + 6 * 3600 + 30 * 60);
  BOOST_TEST(!TimeZone::load("America/Chicgo"));
  BOOST_TEST(!TimeZone::load("../../etc/passwd"));
}

BOOST_AUTO_TEST_CASE(weekly_hours_holidays_and_overnight_ranges) {
  auto p = mustLoad(kPrelude +
                    "holidays h\n  date 12-25 \"Christmas\"\n  date 2026-07-03..2026-07-05\n"
                    "hours desk\n  open mon-fri 08:00-18:00\n  open sat 09:00-12:00\n  closed h\n"
                    "hours night\n  open daily 22:00-06:00\n"
                    "context c\n"
                    "  dial 0 route phones\n"
                    "    when desk called 4100\n"
                    "    when night called 4199\n"
                    "  otherwise refuse 1\n");
  auto who = [&](const std::string& at) {
    Ask a{"c", "0"};
    a.at = at;
    return eval(*p, a).called;
  };
  BOOST_TEST(who("2026-01-07T08:00") == "4100");  // Wednesday, opening minute
  BOOST_TEST(who("2026-01-07T17:59") == "4100");
  BOOST_TEST(who("2026-01-07T18:00") == "0");  // closed, before the night line
  BOOST_TEST(who("2026-01-07T23:30") == "4199");
  BOOST_TEST(who("2026-01-08T05:59") == "4199");  // overnight continues next day
  BOOST_TEST(who("2026-01-10T10:00") == "4100");  // Saturday
  BOOST_TEST(who("2026-01-11T10:00") == "0");     // Sunday
  BOOST_TEST(who("2026-12-25T10:00") == "0");     // a Friday, but Christmas
  BOOST_TEST(who("2026-07-03T10:00") == "0");     // a range of dates
  BOOST_TEST(who("2026-07-06T10:00") == "4100");
  BOOST_TEST(who("2026-01-07T16:00Z") == "4100");  // 10:00 in Chicago
  BOOST_TEST(who("2026-01-07T05:00Z") == "4199");  // 23:00 on the 6th in Chicago
}

BOOST_AUTO_TEST_CASE(hours_in_another_zone_and_bad_specs) {
  auto p =
      mustLoad(kPrelude +
               "hours london\n  timezone Europe/London\n  open mon-fri 09:00-17:00\n"
               "routes r\n  via hq when london\n  via pstn\n"
               "context c\n  dial 44X. route r category international\n  otherwise refuse 1\n");
  Ask a{"c", "44123"};
  a.at = "2026-01-07T04:00";  // 10:00 in London
  BOOST_TEST(targetNames(eval(*p, a)) == (std::vector<std::string>{"hq", "pstn"}));
  a.at = "2026-01-07T12:00";  // 18:00 in London
  BOOST_TEST(targetNames(eval(*p, a)) == std::vector<std::string>{"pstn"});
  std::string e;
  BOOST_TEST(!parseTimeRange("25:00-18:00", &e));
  BOOST_TEST(!parseTimeRange("08:00-08:00", &e));
  BOOST_TEST(!parseDays("mon-fry", &e));
  BOOST_TEST(!parseDateSpec("2026-02-30", &e));
  BOOST_TEST(parseDays("fri-mon", &e).value() == 0x63u);  // wraps over the weekend
}

BOOST_AUTO_TEST_SUITE_END()
