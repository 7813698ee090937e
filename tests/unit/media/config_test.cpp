#include <boost/test/unit_test.hpp>

#include "media/config.hpp"

using namespace outpost;
using namespace outpost::media;
using namespace std::chrono_literals;

namespace {
core::Result<MediaSettings> read(const std::string& text) {
  auto f = core::ConfigFile::parse(text, "test.conf");
  if (!f) return f.error();
  return readMediaSettings(*f);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(media_config)

BOOST_AUTO_TEST_CASE(defaults_without_a_media_section) {
  auto m = read("[general]\nsite = x\n");
  BOOST_REQUIRE(m.isOk());
  BOOST_TEST(m->engine.rtpAddress == "127.0.0.1");
  BOOST_TEST(m->engine.rtpPortMin == 20000);
  BOOST_TEST(m->engine.threads == 2u);
  BOOST_TEST(m->policy.codecs.size() == 2u);
  BOOST_TEST(m->policy.telephoneEvents);
  BOOST_TEST((m->bridge.rtp.latching == Latching::kSameAddress));
  BOOST_TEST(m->bridge.mediaTimeout.count() == 30000);
}

BOOST_AUTO_TEST_CASE(every_key_is_read) {
  auto m = read(
      "[media]\nrtp_address = 127.0.0.5\nrtp_port_min = 30000\nrtp_port_max = 30999\nthreads = 4\n"
      "realtime_priority = 10\ncodecs = pcma, pcmu\nptime = 30\ntelephone_event = "
      "no\ntelephone_event_pt = 96\n"
      "jitter_initial = 60ms\njitter_min = 10ms\njitter_max = 300ms\nmedia_timeout = "
      "0\nrtcp_interval = 2s\n"
      "symmetric_rtp = any\ndtmf_holdback = 20ms\ndtmf_level = -12\n");
  BOOST_REQUIRE_MESSAGE(m.isOk(), (m.isOk() ? "" : m.error().message));
  BOOST_TEST(m->engine.rtpAddress == "127.0.0.5");
  BOOST_TEST(m->engine.rtpPortMax == 30999);
  BOOST_TEST(m->engine.threads == 4u);
  BOOST_TEST(m->engine.realtimePriority == 10);
  BOOST_TEST((m->policy.codecs[0] == Codec::kPcma));
  BOOST_TEST(m->policy.ptimeMs == 30);
  BOOST_TEST(!m->policy.telephoneEvents);
  BOOST_TEST(m->policy.telephoneEventPt == 96);
  BOOST_TEST(m->bridge.jitter.initialDelay.count() == 60);
  BOOST_TEST(m->bridge.jitter.maxDelay.count() == 300);
  BOOST_TEST(m->bridge.mediaTimeout.count() == 0);
  BOOST_TEST((m->bridge.rtp.latching == Latching::kAny));
  BOOST_TEST(m->bridge.dtmfHoldback.count() == 20);
  BOOST_TEST(m->bridge.dtmfLevelDbm0 == -12);
  BOOST_TEST(m->bridge.rtp.cname == "outpost@127.0.0.5");
}

BOOST_AUTO_TEST_CASE(mistakes_name_file_and_line) {
  auto bad = read("[media]\nthreads = 2\ncodecs = pcmu,g729\n");
  BOOST_REQUIRE(!bad.isOk());
  BOOST_TEST(bad.error().message.find("test.conf:3") != std::string::npos);
  BOOST_TEST(bad.error().message.find("g729") != std::string::npos);
  BOOST_TEST(!read("[media]\nrtp_address = media.example.com\n").isOk());
  BOOST_TEST(!read("[media]\njitter_max = 2s\n").isOk());
  BOOST_TEST(!read("[media]\nrtp_port_min = 30000\nrtp_port_max = 30000\n").isOk());
  auto sym = read("[media]\nsymmetric_rtp = anny\n");
  BOOST_REQUIRE(!sym.isOk());
  BOOST_TEST(sym.error().message.find("did you mean 'any'") != std::string::npos);
  // The schema knows every key (a typo is reported by the gateway's check).
  core::ConfigSchema schema;
  schema.add(mediaSectionSpec());
  auto f = core::ConfigFile::parse("[media]\nrtp_adress = 127.0.0.1\n", "t.conf");
  auto problems = schema.check(*f);
  BOOST_REQUIRE(problems.size() == 1u);
  BOOST_TEST(problems[0].find("rtp_address") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
