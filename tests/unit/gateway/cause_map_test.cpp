#include <boost/test/unit_test.hpp>

#include "gateway/cause_map.hpp"

using namespace outpost::gateway;

BOOST_AUTO_TEST_SUITE(cause_map)

BOOST_AUTO_TEST_CASE(pstn_causes_map_to_the_sip_statuses_of_rfc3398) {
  BOOST_TEST(sipStatusForCause(1).code == 404);   // unallocated
  BOOST_TEST(sipStatusForCause(17).code == 486);  // busy
  BOOST_TEST(sipStatusForCause(18).code == 408);  // no user responding
  BOOST_TEST(sipStatusForCause(19).code == 480);  // no answer
  BOOST_TEST(sipStatusForCause(21).code == 403);  // rejected
  BOOST_TEST(sipStatusForCause(28).code == 484);  // invalid number format
  BOOST_TEST(sipStatusForCause(34).code == 503);  // no circuit
  BOOST_TEST(sipStatusForCause(38).code == 503);  // network out of order
  BOOST_TEST(sipStatusForCause(42).code == 503);  // congestion
  BOOST_TEST(sipStatusForCause(102).code == 504);
  // Unlisted causes go by class.
  BOOST_TEST(sipStatusForCause(45).code == 503);
  BOOST_TEST(sipStatusForCause(9).code == 480);
}

BOOST_AUTO_TEST_CASE(sip_statuses_map_back_to_q850) {
  BOOST_TEST(causeForSipStatus(486) == 17);
  BOOST_TEST(causeForSipStatus(404) == 1);
  BOOST_TEST(causeForSipStatus(408) == 102);
  BOOST_TEST(causeForSipStatus(480) == 18);
  BOOST_TEST(causeForSipStatus(503) == 41);
  BOOST_TEST(causeForSipStatus(603) == 21);
  BOOST_TEST(causeForSipStatus(499) == 127);
  BOOST_TEST(causeForSipStatus(599) == 41);
}

BOOST_AUTO_TEST_CASE(reason_header_round_trips_and_ignores_sip_reasons) {
  BOOST_TEST(reasonHeaderValue(17) == "Q.850;cause=17;text=\"User busy\"");
  BOOST_TEST(parseReasonCause(reasonHeaderValue(34)).value_or(-1) == 34);
  BOOST_TEST(parseReasonCause("SIP;cause=200;text=\"Call completed elsewhere\", Q.850;cause=26")
                 .value_or(-1) == 26);
  BOOST_TEST(parseReasonCause("SIP;cause=200;text=\"a, b\"").has_value() == false);
  BOOST_TEST(parseReasonCause("Q.850;cause=999").has_value() == false);
  BOOST_TEST(parseReasonCause("Q.850;cause=").has_value() == false);
}

BOOST_AUTO_TEST_SUITE_END()
