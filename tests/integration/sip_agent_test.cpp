// SipAgent against a real SIP peer (sipp): who may call, OPTIONS, and the
// INVITE/200/ACK/BYE and CANCEL paths as the call control sees them.
#define BOOST_TEST_MODULE sip_agent
#include <sys/socket.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <future>
#include <sstream>

#include "core/event_loop.hpp"
#include "gateway/sip_agent.hpp"
#include "media/udp.hpp"
#include "tests/support/sipp.hpp"

using namespace outpost;
using namespace outpost::test;
using gateway::SipLeg;

namespace {

const char* kAnswer =
    "v=0\r\no=outpost 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 30000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n";

struct Recorder : gateway::SipListener {
  gateway::SipAgent* agent = nullptr;
  std::vector<std::string> events;
  std::vector<gateway::IncomingCall> invites;
  int answerWith = 200;
  bool answerNow = true;
  void onInvite(SipLeg& leg, const gateway::IncomingCall& call) override {
    invites.push_back(call);
    events.push_back("invite " + call.request_user);
    if (!answerNow) return;
    if (answerWith == 200) {
      agent->respond(leg, 180, "Ringing");
      agent->respond(leg, 200, "OK", kAnswer);
    } else {
      agent->hangup(leg, 17, answerWith);
    }
  }
  void onProgress(SipLeg&, int status, const std::string&) override {
    events.push_back("progress " + std::to_string(status));
  }
  void onAnswered(SipLeg&, const std::string&) override { events.push_back("answered"); }
  void onRejected(SipLeg&, int status, std::optional<int> q) override {
    events.push_back("rejected " + std::to_string(status) + " " + std::to_string(q.value_or(-1)));
  }
  void onHangup(SipLeg&, const gateway::SipHangup& h) override {
    events.push_back("hangup " + std::to_string(static_cast<int>(h.kind)));
  }
  std::optional<std::string> onReoffer(SipLeg&, const std::string&) override { return kAnswer; }
  void onAckSdp(SipLeg&, const std::string&) override { events.push_back("ack-sdp"); }
  void onInfoDtmf(SipLeg&, char d, int ms) override {
    events.push_back(std::string("dtmf ") + d + " " + std::to_string(ms));
  }
  void onLegGone(SipLeg&) override { events.push_back("gone"); }
};

struct Fixture {
  core::SofiaInit su;
  core::EventLoop loop;
  TempDir dir;
  Recorder rec;
  std::string ip = testLoopback(1);
  int port = testPort(1);
  std::unique_ptr<gateway::SipAgent> agent;

  Fixture() {
    gateway::SipConfig cfg;
    cfg.settings.listen = {ip, port};
    gateway::SipPeer hq;
    hq.name = "hq";
    hq.address = {ip, port + 10};
    hq.allow_from = *core::parseCidrList(ip);
    hq.context = "hq";
    cfg.peers.push_back(hq);
    agent = std::make_unique<gateway::SipAgent>(loop, cfg, rec);
    rec.agent = agent.get();
    BOOST_REQUIRE(agent->start().isOk());
  }

  SippResult sipp(SippOptions o) {
    o.remote = ip + ":" + std::to_string(port);
    auto fut = std::async(std::launch::async, [&] { return runSipp(o, dir); });
    loop.runUntil(
        [&] { return fut.wait_for(std::chrono::seconds(0)) == std::future_status::ready; },
        std::chrono::seconds(60));
    // Let the last transactions finish on our side.
    loop.runUntil([&] { return agent->legCount() == 0; }, std::chrono::seconds(3));
    return fut.get();
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(sip_agent, Fixture)

BOOST_AUTO_TEST_CASE(trusted_invite_is_answered_and_bye_ends_it) {
  SippOptions o;
  o.scenario = "uac";
  o.local_ip = ip;
  o.service = "912125550100";
  auto r = sipp(o);
  BOOST_TEST(r.ok(), r.out << r.err);
  BOOST_REQUIRE(rec.invites.size() == 1u);
  BOOST_TEST(rec.invites[0].request_user == "912125550100");
  BOOST_TEST(rec.invites[0].peer->name == "hq");
  BOOST_TEST(rec.invites[0].sdp.find("m=audio") != std::string::npos);
  BOOST_TEST(rec.events.back() == "gone");
  BOOST_TEST(std::count(rec.events.begin(), rec.events.end(), "hangup 0") == 1);  // BYE
  BOOST_TEST(agent->legCount() == 0u);
}

BOOST_AUTO_TEST_CASE(untrusted_source_gets_403_and_never_reaches_call_control) {
  SippOptions o;
  o.scenario = "uac_expect_status.xml.in";
  o.vars = {{"STATUS", "403"}};
  o.local_ip = testLoopback(2);  // not in allow_from
  auto r = sipp(o);
  BOOST_TEST(r.ok(), r.out << r.err);
  BOOST_TEST(rec.invites.empty());
  BOOST_TEST(agent->stats().forbidden == 1u);
}

BOOST_AUTO_TEST_CASE(options_answered_for_peers_refused_for_strangers) {
  SippOptions o;
  o.scenario = "options.xml.in";
  o.vars = {{"STATUS", "200"}};
  o.local_ip = ip;
  BOOST_TEST(sipp(o).ok());
  o.vars = {{"STATUS", "403"}};
  o.local_ip = testLoopback(3);
  BOOST_TEST(sipp(o).ok());
}

BOOST_AUTO_TEST_CASE(rejection_carries_the_status_we_chose) {
  rec.answerWith = 486;
  SippOptions o;
  o.scenario = "uac_expect_status.xml.in";
  o.vars = {{"STATUS", "486"}};
  o.local_ip = ip;
  auto r = sipp(o);
  BOOST_TEST(r.ok(), r.out << r.err);
  BOOST_TEST(agent->legCount() == 0u);
}

// A caller that never acknowledges our final response (it gave up, or it is
// gone): the response is resent every T2 (500 ms, not doubling to 4 s) and
// dropped at the transaction timeout (4 s, not 32 s). SipSettings says why:
// with the RFC's values a flood of such refusals tipped the stack into a
// state it did not leave.
BOOST_AUTO_TEST_CASE(an_unacknowledged_refusal_is_resent_every_t2_and_dropped_after_4s) {
  std::string from = testLoopback(4);  // not in allow_from: refused with 403
  auto local = media::Endpoint::parse(from, static_cast<uint16_t>(testPort(4)));
  auto gw = media::Endpoint::parse(ip, static_cast<uint16_t>(port));
  BOOST_REQUIRE(local.isOk());
  BOOST_REQUIRE(gw.isOk());
  auto sock = media::bindUdp(*local);
  BOOST_REQUIRE(sock.isOk());
  int fd = sock->get();
  std::string hp = from + ":" + std::to_string(testPort(4));
  std::string invite = "INVITE sip:100@" + ip + ":" + std::to_string(port) +
                       " SIP/2.0\r\n"
                       "Via: SIP/2.0/UDP " +
                       hp +
                       ";branch=z9hG4bK-noack-1\r\n"
                       "Max-Forwards: 70\r\n"
                       "From: <sip:a@" +
                       hp +
                       ">;tag=noack\r\n"
                       "To: <sip:100@" +
                       ip +
                       ">\r\n"
                       "Call-ID: noack-1@" +
                       from +
                       "\r\n"
                       "CSeq: 1 INVITE\r\n"
                       "Contact: <sip:a@" +
                       hp +
                       ">\r\n"
                       "Content-Length: 0\r\n\r\n";
  BOOST_REQUIRE(::sendto(fd, invite.data(), invite.size(), 0, gw->sa(), gw->len) ==
                static_cast<ssize_t>(invite.size()));
  // Every final response that comes back, with when it came.
  std::vector<double> at;
  auto t0 = std::chrono::steady_clock::now();
  loop.runUntil(
      [&] {
        char buf[4096];
        ssize_t n;
        while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) {
          std::string msg(buf, static_cast<size_t>(n));
          if (msg.rfind("SIP/2.0 403", 0) == 0) {
            at.push_back(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
          }
        }
        return false;
      },
      std::chrono::milliseconds(7000));
  BOOST_REQUIRE(at.size() >= 2u);
  std::ostringstream when;
  for (double t : at)
    when << t << " ";
  // 0.5 s apart each time (RFC values: 0.5, 1, 2, 4 s apart, for 32 s).
  for (size_t i = 1; i < at.size(); ++i)
    BOOST_TEST(at[i] - at[i - 1] < 0.75, "gap before response " << i << ": " << when.str());
  // 4 s after the first, the transaction is gone: nothing more comes.
  BOOST_TEST(at.back() - at.front() < 4.3, when.str());
  BOOST_TEST(at.size() >= 7u, when.str());
  BOOST_TEST(at.size() <= 9u, when.str());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tls)

// With a certificate configured the agent also listens for TLS (sips:).
// sipp here is built without TLS, so openssl s_client carries one OPTIONS
// request over a real TLS session and reads the answer.
BOOST_AUTO_TEST_CASE(a_configured_certificate_opens_a_tls_listener_that_answers) {
  core::SofiaInit su;
  core::EventLoop loop;
  TempDir dir;
  std::string ip = testLoopback(4);
  int port = testPort(4), tlsPort = testPort(5);
  auto gen = run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                  "/CN=" + ip, "-keyout", dir.file("key.pem"), "-out", dir.file("cert.pem")},
                 30000ms);
  BOOST_REQUIRE_MESSAGE(gen.code == 0, gen.err);
  auto slurp = [&](const std::string& f) {
    std::ifstream in(dir.file(f));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  // Sofia's layout: agent.pem holds the key and the certificate.
  dir.write("agent.pem", slurp("key.pem") + slurp("cert.pem"));
  dir.write("cafile.pem", slurp("cert.pem"));

  Recorder rec;
  gateway::SipConfig cfg;
  cfg.settings.listen = {ip, port};
  cfg.settings.tls = true;
  cfg.settings.tls_port = tlsPort;
  cfg.settings.certificate_dir = dir.path();
  gateway::SipPeer hq;
  hq.name = "hq";
  hq.address = {ip, port + 10};
  // s_client cannot choose its source address: loopback connections come
  // from 127.0.0.1.
  hq.allow_from = *core::parseCidrList("127.0.0.0/8");
  hq.context = "hq";
  cfg.peers.push_back(hq);
  gateway::SipAgent agent(loop, cfg, rec);
  rec.agent = &agent;
  BOOST_REQUIRE(agent.start().isOk());

  std::string target = ip + ":" + std::to_string(tlsPort);
  std::string req = "OPTIONS sips:" + target +
                    " SIP/2.0\r\n"
                    "Via: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-tls-1\r\n"
                    "From: <sips:hq@127.0.0.1>;tag=t1\r\n"
                    "To: <sips:" +
                    target +
                    ">\r\n"
                    "Call-ID: tls-options-1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
                    "Content-Length: 0\r\n\r\n";
  dir.write("req.txt", req);
  std::string cmd = "(cat '" + dir.file("req.txt") + "'; sleep 4) | openssl s_client -connect " +
                    target + " -quiet -no_ign_eof 2>&1";
  auto fut = std::async(std::launch::async, [&] { return run({"/bin/sh", "-c", cmd}, 20000ms); });
  loop.runUntil([&] { return fut.wait_for(std::chrono::seconds(0)) == std::future_status::ready; },
                std::chrono::seconds(25));
  auto r = fut.get();
  BOOST_TEST(r.out.find("SIP/2.0 200") != std::string::npos, r.out << r.err);
  BOOST_TEST(r.out.find("Call-ID: tls-options-1") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(dtmf_info)

BOOST_AUTO_TEST_CASE(parses_relay_and_plain_bodies_and_refuses_junk) {
  auto a = gateway::parseDtmfInfo("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n");
  BOOST_REQUIRE(a);
  BOOST_TEST(a->first == '5');
  BOOST_TEST(a->second == 160);
  auto b = gateway::parseDtmfInfo("application/dtmf", "#");
  BOOST_REQUIRE(b);
  BOOST_TEST(b->first == '#');
  BOOST_TEST(!gateway::parseDtmfInfo("application/dtmf-relay", "Signal=Z\r\n"));
  BOOST_TEST(!gateway::parseDtmfInfo("text/plain", "5"));
  BOOST_TEST(!gateway::parseDtmfInfo("application/dtmf-relay", ""));
}

BOOST_AUTO_TEST_SUITE_END()
