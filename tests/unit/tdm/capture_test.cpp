// D-channel capture: a pcap written during a real call decodes with tshark
// as Q.931, SETUP (with the called number), CONNECT and DISCONNECT.
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "tests/unit/tdm/pri_fixture.hpp"

using namespace outpost;
using namespace outpost::tdm;
using namespace outpost::tdm::testing;

namespace {

std::string tshark() {
  for (const char* p : {"/usr/bin/tshark", "/usr/local/bin/tshark"})
    if (::access(p, X_OK) == 0) return p;
  return "";
}

boost::test_tools::assertion_result tsharkInstalled(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result r(!tshark().empty());
  r.message() << "tshark is not installed (Debian: apt-get install tshark)";
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(capture)

BOOST_AUTO_TEST_CASE(a_capture_decodes_as_q931_with_tshark,
                     *boost::unit_test::precondition(&tsharkInstalled)) {
  PriPair p;
  p.addSpan(1);
  BOOST_REQUIRE(p.waitSettled());
  std::string file = p.dir.file("span1.pcap");
  BOOST_REQUIRE(p.cpe.startCapture(1, file).isOk());
  p.netL.on_incoming = [&](const CallInfo& in) { BOOST_TEST(p.net.answer(in.id).isOk()); };
  auto id = p.cpe.placeCallOnSpan(1, callTo("3125550199"));
  BOOST_REQUIRE(id.isOk());
  BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.isConnected(*id); }));
  BOOST_TEST(p.cpe.hangup(*id).isOk());
  BOOST_REQUIRE(p.runUntil([&] { return p.netL.isReleased(p.netL.incoming.at(0).id); }));
  p.runFor(20ms);
  BOOST_TEST(p.cpe.trunk(1)->capture()->frames() >= 6u);
  BOOST_TEST(p.cpe.stopCapture(1).isOk());

  auto r = test::run({tshark(), "-n", "-r", file, "-Y", "q931", "-T", "fields", "-e",
                      "q931.message_type", "-e", "q931.called_party_number.digits"},
                     30000ms, {"HOME=" + p.dir.path()});
  BOOST_REQUIRE_MESSAGE(r.code == 0, "tshark failed: " << r.err);
  BOOST_TEST_MESSAGE("tshark:\n" << r.out);
  // Message types: SETUP 0x05, CONNECT 0x07, DISCONNECT 0x45.
  BOOST_TEST(r.out.find("0x05\t3125550199") != std::string::npos);
  BOOST_TEST(r.out.find("0x07") != std::string::npos);
  BOOST_TEST(r.out.find("0x45") != std::string::npos);

  // The same capture in tshark's own words.
  auto v = test::run({tshark(), "-n", "-r", file, "-Y", "q931"}, 30000ms, {"HOME=" + p.dir.path()});
  BOOST_TEST(v.out.find("SETUP") != std::string::npos);
  BOOST_TEST(v.out.find("CONNECT") != std::string::npos);
  BOOST_TEST(v.out.find("DISCONNECT") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_capture_to_an_unwritable_place_is_refused) {
  PriPair p;
  p.addSpan(1);
  auto s = p.cpe.startCapture(1, p.dir.file("no/such/dir/x.pcap"));
  BOOST_REQUIRE(!s.isOk());
  BOOST_TEST(s.message().find("cannot write capture") != std::string::npos);
  BOOST_TEST(!p.cpe.startCapture(9, p.dir.file("x.pcap")).isOk());
}

BOOST_AUTO_TEST_SUITE_END()
