#include <boost/test/unit_test.hpp>

#include "tdm/span.hpp"
#include "tdm/types.hpp"

using namespace outpost::tdm;

BOOST_AUTO_TEST_SUITE(span)

BOOST_AUTO_TEST_CASE(standard_layouts_follow_t1_and_e1) {
  auto t1 = SpanLayout::standard(LineType::kT1);
  BOOST_TEST(t1.dchannel == 24);
  BOOST_TEST(t1.bchannels.size() == 23u);
  BOOST_TEST(t1.bchannels.front() == 1);
  BOOST_TEST(t1.bchannels.back() == 23);
  BOOST_TEST(t1.timeslotCount() == 24);
  BOOST_TEST(t1.validate().isOk());

  auto e1 = SpanLayout::standard(LineType::kE1);
  BOOST_TEST(e1.dchannel == 16);
  BOOST_TEST(e1.bchannels.size() == 30u);
  BOOST_TEST(!e1.isBearer(16));
  BOOST_TEST(e1.isBearer(17));
  BOOST_TEST(e1.timeslotCount() == 32);
  BOOST_TEST(e1.slotIndex(0) == 0u);
  BOOST_TEST(e1.slotIndex(31) == 31u);
  BOOST_TEST(e1.validate().isOk());
}

BOOST_AUTO_TEST_CASE(layout_validation_names_the_problem) {
  auto l = SpanLayout::standard(LineType::kT1);
  l.bchannels.push_back(24);
  auto s = l.validate();
  BOOST_TEST(!s.isOk());
  BOOST_TEST(s.message().find("timeslot 24 is both a bearer channel and the D-channel") !=
             std::string::npos);

  l = SpanLayout::standard(LineType::kT1);
  l.bchannels.push_back(25);
  BOOST_TEST(l.validate().message().find("outside a t1 line") != std::string::npos);

  l = SpanLayout::standard(LineType::kE1);
  l.dchannel = 40;
  BOOST_TEST(l.validate().message().find("D-channel timeslot 40") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(channel_lists_parse_and_format) {
  auto l = parseChannelList("1-15, 17-31");
  BOOST_REQUIRE(l.isOk());
  BOOST_TEST(l->size() == 30u);
  BOOST_TEST(formatChannelList(*l) == "1-15,17-31");
  BOOST_TEST(formatChannelList({1, 2, 3, 5, 7, 8}) == "1-3,5,7-8");
  BOOST_TEST(!parseChannelList("5-1").isOk());
  BOOST_TEST(!parseChannelList("1,x").isOk());
  BOOST_TEST(!parseChannelList("").isOk());
  auto twice = parseChannelList("1-5,3");
  BOOST_REQUIRE(!twice.isOk());
  BOOST_TEST(twice.error().message.find("channel 3 is listed twice") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(channel_states_follow_line_and_calls) {
  Span s(1, "trunk", SpanLayout::standard(LineType::kT1), Law::kMulaw);
  // A span whose D-channel never came up is not usable: its channels are alarmed.
  BOOST_TEST(channelStateName(s.state(1)) == std::string("alarmed"));
  s.setDchannelUp(true);
  BOOST_TEST(s.isIdle(1));
  BOOST_TEST(s.idleCount() == 23u);
  s.assign(1, 42);
  BOOST_TEST(s.callOn(1) == 42u);
  BOOST_TEST(channelStateName(s.state(1)) == std::string("in_use"));
  s.setInService(2, false);
  BOOST_TEST(channelStateName(s.state(2)) == std::string("maintenance"));
  s.setRestarting(3, true);
  BOOST_TEST(channelStateName(s.state(3)) == std::string("restarting"));
  BOOST_TEST(s.idleCount() == 20u);
  s.setAlarms(Alarms{.red = true});
  BOOST_TEST(!s.usable());
  BOOST_TEST(channelStateName(s.state(4)) == std::string("alarmed"));
  // The channel still held by a call shows the call, not the alarm.
  BOOST_TEST(channelStateName(s.state(1)) == std::string("in_use"));
  auto j = s.summaryJson();
  BOOST_TEST(j["alarms"] == "red");
  BOOST_TEST(j["channels"]["in_use"] == 1);
  BOOST_TEST(j["channels"]["maintenance"] == 1);
  BOOST_TEST(j["channels"]["alarmed"] == 20);
}

BOOST_AUTO_TEST_CASE(names_parse_in_the_forms_people_write) {
  BOOST_TEST((parseSwitchType("NI-2") == SwitchType::kNi2));
  BOOST_TEST((parseSwitchType("euroisdn_e1") == SwitchType::kEuroIsdnE1));
  BOOST_TEST((parseSwitchType("EuroISDN T1") == SwitchType::kEuroIsdnT1));
  BOOST_TEST((parseSwitchType("qsig") == SwitchType::kQsig));
  BOOST_TEST(!parseSwitchType("ni3"));
  BOOST_TEST((parseLaw("µ-law") == Law::kMulaw));
  BOOST_TEST((parseLaw("alaw") == Law::kAlaw));
  BOOST_TEST((parseTypeOfNumber("international") == TypeOfNumber::kInternational));
  BOOST_TEST((parsePresentation("restricted") == Presentation::kRestricted));
  BOOST_TEST(*parseCause("busy") == 17);
  BOOST_TEST(*parseCause("34") == 34);
  BOOST_TEST(*parseCause("unallocated") == 1);
  BOOST_TEST(!parseCause("200"));
  BOOST_TEST(!parseCause("bussy"));
  BOOST_TEST(causeText(17) == "User busy");
  BOOST_TEST(alarmsName(Alarms{.red = true, .yellow = true}) == "red+yellow");
  BOOST_TEST(alarmsName(Alarms{}) == "ok");
}

BOOST_AUTO_TEST_SUITE_END()
