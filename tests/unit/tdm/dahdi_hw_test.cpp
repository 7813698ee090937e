// DAHDI backend on real hardware: the first PRI span of the machine's
// system.conf (or $OUTPOST_DAHDI_SYSTEM_CONF) opened through
// /dev/dahdi/channel, its alarms read, its bearer paced by the card's clock,
// the echo canceller switched per channel. Exits 77 (skip) where there is
// no /dev/dahdi, which is every development and CI machine.
#define BOOST_TEST_MODULE tdm_dahdi
#define BOOST_TEST_NO_MAIN
#include <poll.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <cstdlib>

#include "core/event_loop.hpp"
#include "tdm/dahdi_span.hpp"
#include "tdm/system_conf.hpp"

using namespace outpost;
using namespace outpost::tdm;
using namespace std::chrono_literals;

namespace {

std::string systemConf() {
  const char* p = std::getenv("OUTPOST_DAHDI_SYSTEM_CONF");
  return p ? p : "/etc/dahdi/system.conf";
}

const DahdiSpanConf* firstPriSpan(const SystemConf& c) {
  for (const auto& s : c.spans)
    if (s.dchan && !s.bchans.empty()) return &s;
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dahdi_hw)

BOOST_AUTO_TEST_CASE(a_configured_span_opens_and_its_bearer_follows_the_card_clock) {
  BOOST_REQUIRE(dahdiCompiledIn());
  auto conf = readSystemConf(systemConf());
  BOOST_REQUIRE_MESSAGE(conf.isOk(), (conf.isOk() ? std::string() : conf.error().message));
  const DahdiSpanConf* s = firstPriSpan(*conf);
  BOOST_REQUIRE_MESSAGE(s, "no PRI span (bchan= and dchan=) in " << systemConf());
  DahdiOptions o;
  o.dahdi_span = s->span;
  o.first_channel = s->first_channel;
  auto backend =
      makeDahdiSpan("span " + std::to_string(s->span), s->layout(), defaultLaw(s->line), o);
  BOOST_REQUIRE(backend.isOk());
  core::SofiaInit su;
  core::EventLoop loop;
  auto st = (*backend)->start(loop, {});
  BOOST_REQUIRE_MESSAGE(st.isOk(), st.message());
  auto ls = (*backend)->lineStatus();
  BOOST_TEST(ls.connected);
  BOOST_TEST_MESSAGE("span " << s->span << ": alarms " << alarmsName(ls.alarms) << " (" << ls.detail
                             << ")");

  auto port = (*backend)->openBearer();
  BOOST_REQUIRE_MESSAGE(port.isOk(), (port.isOk() ? std::string() : port.error().message));
  BearerPort& b = **port;
  int ticks = 0;
  b.setHandler([&](BearerFrame&) { ++ticks; });
  auto end = std::chrono::steady_clock::now() + 1s;
  while (std::chrono::steady_clock::now() < end) {
    pollfd p{b.fd(), POLLIN, 0};
    if (::poll(&p, 1, 10) > 0) b.service();
  }
  // The card's clock: 50 blocks a second, with the alarms allowing.
  if (!ls.alarms.severe()) {
    BOOST_TEST(ticks >= 47);
    BOOST_TEST(ticks <= 53);
  }
  int first = s->layout().bchannels.front();
  BOOST_TEST(b.setEchoCancel(first, true).isOk());
  BOOST_TEST(b.echoCancel(first));
  BOOST_TEST(b.setEchoCancel(first, false).isOk());
}

BOOST_AUTO_TEST_SUITE_END()

int main(int argc, char* argv[]) {
  if (::access("/dev/dahdi", F_OK) != 0) {
    std::fprintf(stderr, "no /dev/dahdi on this machine: DAHDI hardware tests skipped\n");
    return 77;
  }
  return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}
