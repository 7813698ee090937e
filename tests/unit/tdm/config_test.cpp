// The [span N] and [trunkgroup NAME] configuration: what the schema catches
// (unknown keys, bad values), what readTdmSettings catches (missing socket,
// layouts, groups naming unknown spans, DAHDI spans against system.conf),
// every problem as FILE:LINE, and two stacks built from configuration
// files that call each other.
#include <boost/test/unit_test.hpp>

#include "core/config.hpp"
#include "core/strings.hpp"
#include "tdm/dahdi_span.hpp"
#include "tdm/tdm_config.hpp"
#include "tests/unit/tdm/pri_fixture.hpp"

using namespace outpost;
using namespace outpost::tdm;
using namespace outpost::tdm::testing;

namespace {

core::ConfigSchema schema() {
  core::ConfigSchema s;
  for (auto& spec : tdmSectionSpecs())
    s.add(spec);
  return s;
}

// Schema problems first, then readTdmSettings's; all joined.
std::string problems(const std::string& text, const std::string& runDir = "/run/outpost") {
  auto file = core::ConfigFile::parse(text, "tdm.conf");
  BOOST_REQUIRE_MESSAGE(file.isOk(), (file.isOk() ? std::string() : file.error().message));
  std::string out = core::join(schema().check(*file), "\n");
  auto r = readTdmSettings(*file, runDir);
  if (!r) out += (out.empty() ? "" : "\n") + r.error().message;
  return out;
}

bool has(const std::string& hay, const std::string& needle) {
  bool ok = hay.find(needle) != std::string::npos;
  if (!ok) BOOST_TEST_MESSAGE("missing '" << needle << "' in:\n" << hay);
  return ok;
}

const char* kGood = R"([span 1]
type = emulated
socket = pstn1.sock
switchtype = ni2
side = cpe
t203 = 2000
t309 = 6s
n200 = 3
overlap = yes
overlap_timeout = 4s

[span 2]
socket = /tmp/abs.sock
line = e1
switchtype = euroisdn_e1
side = network
bchannels = 1-10
capture = span2.pcap

[trunkgroup pstn]
spans = 2, 1
hunting = round_robin
)";

}  // namespace

BOOST_AUTO_TEST_SUITE(tdm_config)

BOOST_AUTO_TEST_CASE(a_good_file_gives_typed_settings) {
  auto file = core::ConfigFile::parse(kGood, "tdm.conf");
  BOOST_REQUIRE(file.isOk());
  BOOST_TEST(schema().check(*file).empty());
  auto r = readTdmSettings(*file, "/run/outpost");
  BOOST_REQUIRE_MESSAGE(r.isOk(), (r.isOk() ? std::string() : r.error().message));
  BOOST_REQUIRE(r->spans.size() == 2u);
  const SpanSettings& a = r->spans[0];
  BOOST_TEST(a.trunk.span == 1);
  BOOST_TEST(a.emulated.socket_path == "/run/outpost/pstn1.sock");
  BOOST_TEST((a.trunk.switch_type == SwitchType::kNi2));
  BOOST_TEST((a.trunk.side == Side::kCpe));
  BOOST_TEST((*a.trunk.timers.t203 == std::chrono::milliseconds(2000)));
  BOOST_TEST((*a.trunk.timers.t309 == std::chrono::seconds(6)));
  BOOST_TEST(*a.trunk.timers.n200 == 3);
  BOOST_TEST(!a.trunk.timers.t200.has_value());
  BOOST_TEST(a.trunk.overlap_receive);
  BOOST_TEST((a.trunk.overlap_timeout == std::chrono::seconds(4)));
  BOOST_TEST((a.layout == SpanLayout::standard(LineType::kT1)));
  BOOST_TEST((a.law == Law::kMulaw));
  const SpanSettings& b = r->spans[1];
  BOOST_TEST(b.emulated.socket_path == "/tmp/abs.sock");
  BOOST_TEST((b.layout.line == LineType::kE1));
  BOOST_TEST(b.layout.bchannels.size() == 10u);
  BOOST_TEST((b.law == Law::kAlaw));
  BOOST_TEST(b.trunk.capture == "/run/outpost/span2.pcap");
  BOOST_REQUIRE(r->groups.size() == 1u);
  BOOST_TEST(r->groups[0].name == "pstn");
  BOOST_TEST(r->groups[0].spans == (std::vector<int>{2, 1}));
  BOOST_TEST((r->groups[0].policy == HuntPolicy::kRoundRobin));
}

BOOST_AUTO_TEST_CASE(mistakes_are_reported_with_file_and_line) {
  std::string p = problems(R"([span one]
socket = a.sock

[span 1]
swichtype = ni2
side = user

[span 2]
line = e1
bchannels = 1-16
socket = b.sock
hunting = ascending

[span 3]
line = t1
socket = b.sock
system_conf = /etc/dahdi/system.conf

[trunkgroup pstn]
spans = 1, 7, x
hunting = lru
)");
  BOOST_TEST(has(p, "tdm.conf:1: span sections are numbered 1-128: [span 1], not [span one]"));
  BOOST_TEST(has(p, "tdm.conf:4: [span 1] is an emulated span and needs 'socket = PATH'"));
  BOOST_TEST(
      has(p, "tdm.conf:5: unknown key 'swichtype' in [span 1] (did you mean 'switchtype'?)"));
  BOOST_TEST(has(p, "tdm.conf:6: [span 1] side: expected one of cpe, network, got 'user'"));
  BOOST_TEST(has(p, "tdm.conf:10: timeslot 16 is both a bearer channel and the D-channel"));
  BOOST_TEST(has(p, "tdm.conf:12: unknown key 'hunting' in [span 2]"));
  BOOST_TEST(has(p, "tdm.conf:16: span 3 uses the socket of span 2"));
  BOOST_TEST(has(p, "tdm.conf:17: system_conf applies to DAHDI spans"));
  BOOST_TEST(has(p, "tdm.conf:20: spans: span 7 is not configured"));
  BOOST_TEST(has(p, "tdm.conf:20: spans: 'x' is not a span number"));
  BOOST_TEST(has(p,
                 "tdm.conf:21: [trunkgroup pstn] hunting: expected one of ascending, "
                 "descending, round_robin, least_recent, got 'lru'"));
}

BOOST_AUTO_TEST_CASE(timers_out_of_range_and_groups_without_spans) {
  std::string p = problems("[span 1]\nsocket = a.sock\nt200 = 0\nt303 = 1h\n[trunkgroup x]\n");
  BOOST_TEST(has(p, "tdm.conf:3: t200 must be between 1ms and 10m"));
  BOOST_TEST(has(p, "tdm.conf:4: t303 must be between 1ms and 10m"));
  BOOST_TEST(has(p, "tdm.conf:5: [trunkgroup x] is missing the required key 'spans'"));
}

BOOST_AUTO_TEST_CASE(a_dahdi_span_takes_its_channels_from_system_conf) {
  test::TempDir dir;
  dir.write("system.conf", "span=1,1,0,esf,b8zs\nbchan=1-23\ndchan=24\necho canceller=mg2,1-23\n");
  // (a typo in system.conf is reported with system.conf's own line)
  std::string p =
      problems("[span 1]\ntype = dahdi\nsystem_conf = " + dir.file("system.conf") + "\n");
  BOOST_TEST(has(p, dir.file("system.conf") + ":4: unknown key 'echo canceller'"));

  dir.write("system.conf",
            "span=1,1,0,esf,b8zs\nbchan=1-23\ndchan=24\n"
            "span=2,0,0,ccs,hdb3\nbchan=25-39,41-55\nhardhdlc=40\nechocanceller=mg2,25-30\n");
  auto file =
      core::ConfigFile::parse("[span 1]\ntype = dahdi\nsystem_conf = " + dir.file("system.conf") +
                                  "\ndahdi_span = 2\nswitchtype = euroisdn_e1\n"
                                  "[span 2]\ntype = dahdi\nsocket = x.sock\n"
                                  "system_conf = " +
                                  dir.file("system.conf") +
                                  "\n"
                                  "dahdi_span = 3\n",
                              "tdm.conf");
  BOOST_REQUIRE(file.isOk());
  auto r = readTdmSettings(*file, "/run");
  BOOST_REQUIRE(!r.isOk());
  BOOST_TEST(has(r.error().message, "tdm.conf:8: socket applies to emulated spans"));
  BOOST_TEST(has(r.error().message, "tdm.conf:6: span 3 is not in " + dir.file("system.conf")));

  auto good = core::ConfigFile::parse(
      "[span 1]\ntype = dahdi\nsystem_conf = " + dir.file("system.conf") + "\ndahdi_span = 2\n",
      "tdm.conf");
  auto s = readTdmSettings(*good, "/run");
  BOOST_REQUIRE_MESSAGE(s.isOk(), (s.isOk() ? std::string() : s.error().message));
  const SpanSettings& d = s->spans.at(0);
  BOOST_TEST((d.backend == BackendKind::kDahdi));
  BOOST_TEST((d.layout == SpanLayout::standard(LineType::kE1)));
  BOOST_TEST(d.dahdi_first_channel == 25);
  BOOST_TEST(d.echo_cancel == (std::vector<int>{1, 2, 3, 4, 5, 6}));
  BOOST_TEST((d.law == Law::kAlaw));
}

BOOST_AUTO_TEST_CASE(a_dahdi_span_without_a_card_fails_to_start_with_the_reason) {
  if (::access("/dev/dahdi", F_OK) == 0) return;  // a machine with cards: nothing to show
  test::TempDir dir;
  dir.write("system.conf", "span=1,1,0,esf,b8zs\nbchan=1-23\ndchan=24\n");
  auto file = core::ConfigFile::parse(
      "[span 1]\ntype = dahdi\nsystem_conf = " + dir.file("system.conf") + "\n", "tdm.conf");
  auto s = readTdmSettings(*file, "/run");
  BOOST_REQUIRE(s.isOk());
  core::SofiaInit su;
  core::EventLoop loop;
  PriStack stack(loop);
  auto st = configure(stack, *s);
  BOOST_REQUIRE(!st.isOk());
  BOOST_TEST_MESSAGE("configure: " << st.message());
  if (dahdiCompiledIn()) {
    BOOST_TEST(
        has(st.message(),
            "tdm.conf:1: span 1: cannot open /dev/dahdi/channel: No such file or directory"));
  } else {
    BOOST_TEST(has(st.message(), "no DAHDI support"));
  }
  BOOST_TEST(stack.spanNumbers().empty());
}

BOOST_AUTO_TEST_CASE(two_stacks_built_from_configuration_call_each_other) {
  core::SofiaInit su;
  core::EventLoop loop;
  test::TempDir dir;
  auto build = [&](const std::string& text, PriStack& stack) {
    auto file = core::ConfigFile::parse(text, "x.conf");
    BOOST_REQUIRE(file.isOk());
    BOOST_REQUIRE(schema().check(*file).empty());
    auto s = readTdmSettings(*file, dir.path());
    BOOST_REQUIRE(s.isOk());
    auto st = configure(stack, *s);
    BOOST_REQUIRE_MESSAGE(st.isOk(), st.message());
  };
  PriStack branch(loop), exchange(loop);
  Recorder bl, el;
  branch.setListener(&bl);
  exchange.setListener(&el);
  build(
      "[span 1]\nsocket = s1.sock\nswitchtype = 5ess\n"
      "[span 2]\nsocket = s2.sock\nswitchtype = 5ess\n"
      "[trunkgroup pstn]\nspans = 1,2\nhunting = descending\n",
      branch);
  build(
      "[span 1]\nsocket = s1.sock\nswitchtype = 5ess\nside = network\n"
      "[span 2]\nsocket = s2.sock\nswitchtype = 5ess\nside = network\n",
      exchange);
  BOOST_REQUIRE(loop.runUntil([&] { return settled(branch) && settled(exchange); }, 5s));
  el.on_incoming = [&](const CallInfo& in) { BOOST_TEST(exchange.answer(in.id).isOk()); };
  auto id = branch.placeCall("pstn", callTo("3125550123"));
  BOOST_REQUIRE(id.isOk());
  BOOST_REQUIRE(loop.runUntil([&] { return bl.isConnected(*id); }, 3s));
  BOOST_TEST(branch.call(*id)->span == 2);
  BOOST_TEST(branch.call(*id)->channel == 23);
  auto spans = branch.spansJson();
  BOOST_TEST(spans["spans"].size() == 2u);
  BOOST_TEST(spans["spans"][1]["channels"]["in_use"] == 1);
  BOOST_TEST(spans["spans"][1]["switchtype"] == "5ess");
  BOOST_TEST(branch.channelsJson(2)["channels"][22]["state"] == "in_use");
  BOOST_TEST(branch.callsJson()["calls"][0]["called"]["number"] == "3125550123");
  branch.setListener(nullptr);
  exchange.setListener(nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
