#include "gateway/telephony.hpp"

#include <filesystem>
#include <sstream>

#include "core/log.hpp"
#include "core/strings.hpp"
#include "gateway/cause_map.hpp"
#include "gateway/cdr.hpp"
#include "media/config.hpp"

namespace outpost::gateway {

using core::ControlReply;
using core::ControlRequest;

std::vector<core::SectionSpec> telephonySectionSpecs() {
  using namespace core;
  std::vector<SectionSpec> specs = sipSectionSpecs();
  for (auto& s : tdm::tdmSectionSpecs())
    specs.push_back(std::move(s));
  specs.push_back(media::mediaSectionSpec());
  specs.push_back(SectionSpec{
      "calls",
      false,
      false,
      false,
      "call handling",
      {
          stringKey("pstn_context", "dial plan context of calls arriving on the PRI"),
          durationKey("ring_timeout", "unanswered calls end with cause 19 after this long"),
          intKey("max_calls", 1, 100000, "concurrent calls before new SIP calls get 503"),
          intKey("max_in_setup", 1, 100000, "unanswered calls before new SIP calls get 503"),
          intKey("max_setup_rate", 0, 100000, "new calls per second before 503 (0: no limit)"),
          durationKey("retry_after", "Retry-After sent with an overload 503"),
          durationKey("overload_loop_lag",
                      "control loop lateness above which new calls get 503 (0: off)"),
          intKey("overload_sip_queue_kb", 0, 1048576,
                 "KB of unread SIP requests above which new calls get 503 (0: off)"),
      }});
  return specs;
}

core::Result<TelephonySettings> readTelephonySettings(const core::ConfigFile& file,
                                                      const std::string& stateDir) {
  TelephonySettings t;
  auto sip = readSipConfig(file);
  if (!sip) return sip.error();
  t.sip = std::move(sip).value();
  auto tdmSettings = tdm::readTdmSettings(file, stateDir);
  if (!tdmSettings) return tdmSettings.error();
  t.tdm = std::move(tdmSettings).value();

  auto media = media::readMediaSettings(file);
  if (!media) return media.error();
  t.media = media->engine;
  t.calls.bridge = media->bridge;
  t.calls.media_policy = media->policy;
  if (const core::ConfigSection* c = file.find("calls")) {
    auto ctx = c->getString("pstn_context", t.calls.pstn_context);
    auto ring = c->getDuration("ring_timeout", t.calls.ring_timeout);
    auto maxCalls = c->getInt("max_calls", t.calls.max_calls, 1, 100000);
    auto inSetup = c->getInt("max_in_setup", t.calls.max_in_setup, 1, 100000);
    auto rate = c->getInt("max_setup_rate", 0, 0, 100000);
    auto retry = c->getDuration("retry_after", t.calls.retry_after);
    auto lag = c->getDuration("overload_loop_lag", t.calls.overload_loop_lag);
    auto queue = c->getInt("overload_sip_queue_kb",
                           static_cast<long long>(t.calls.overload_sip_queue / 1024), 0, 1048576);
    for (const core::Status& st : {ctx.status(), ring.status(), maxCalls.status(), inSetup.status(),
                                   rate.status(), retry.status(), lag.status(), queue.status()}) {
      if (!st) return st.error();
    }
    t.calls.pstn_context = *ctx;
    t.calls.ring_timeout = *ring;
    t.calls.max_calls = static_cast<int>(*maxCalls);
    t.calls.max_in_setup = static_cast<int>(*inSetup);
    t.calls.max_setup_rate = static_cast<int>(*rate);
    t.calls.retry_after = *retry;
    t.calls.overload_loop_lag = *lag;
    t.calls.overload_sip_queue = static_cast<size_t>(*queue) * 1024;
  }
  return t;
}

Telephony::Telephony(core::EventLoop& loop, core::StoreWriter& store, TelephonySettings settings,
                     PlanSource plan)
    : loop_(loop), store_(store), settings_(std::move(settings)), plan_(std::move(plan)) {}

Telephony::~Telephony() {
  // Order: calls reference the agent, the stack and the engine.
  if (pri_) pri_->setListener(nullptr);
  sip_.reset();
  calls_.reset();
  pri_.reset();
  media_.reset();
}

core::Status Telephony::start() {
  media_ = std::make_unique<media::MediaEngine>(loop_, settings_.media);
  pri_ = std::make_unique<tdm::PriStack>(loop_);
  calls_ = std::make_unique<CallControl>(loop_, *pri_, *media_, store_, plan_, settings_.calls);
  pri_->setListener(calls_.get());
  if (core::Status s = tdm::configure(*pri_, settings_.tdm); !s) return s;
  // Each span's bearer I/O goes to a media thread, spread over them.
  unsigned next = 0;
  for (int span : pri_->spanNumbers()) {
    auto port = pri_->openBearer(span);
    if (!port) {
      return core::unavailable("span " + std::to_string(span) + " bearer: " + port.error().message);
    }
    unsigned thread = next++ % media_->threadCount();
    calls_->addSpanMedia(
        std::make_unique<SpanMedia>(*media_, thread, span, std::move(port).value()));
  }
  sip_ = std::make_unique<SipAgent>(loop_, settings_.sip, *calls_);
  calls_->setSipAgent(sip_.get());
  if (core::Status s = sip_->start(); !s) return s;
  OUTPOST_LOG(Notice, "gateway") << pri_->spanNumbers().size() << " span(s), "
                                 << pri_->groupNames().size() << " trunk group(s), "
                                 << media_->threadCount() << " media thread(s), RTP "
                                 << settings_.media.rtpAddress << ":" << settings_.media.rtpPortMin
                                 << "-" << settings_.media.rtpPortMax;
  return core::Status::ok();
}

void Telephony::shutdown(std::function<void()> done, int cause) {
  if (!calls_) {
    if (done) done();
    return;
  }
  calls_->endAll(cause, [this, done] {
    if (sip_) {
      sip_->shutdown(done);
    } else if (done) {
      done();
    }
  });
}

namespace {

std::string pad(std::string s, size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}

std::string str(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  return v.dump();
}

}  // namespace

void Telephony::registerCommands(core::ControlServer& control, const std::string& databasePath) {
  control.addCommand(
      "calls", "calls", "live calls: legs, state, channel, codec, duration",
      [this](const ControlRequest&) {
        nlohmann::json list = calls_->callsJson();
        ControlReply r = ControlReply::success({{"calls", list}});
        std::string t = pad("ID", 13) + pad("DIRECTION", 12) + pad("STATE", 9) + pad("FROM", 14) +
                        pad("TO", 16) + pad("ROUTE", 8) + pad("SPAN/CH", 8) + pad("CODEC", 6) +
                        pad("SIP", 12) + pad("PRI", 11) + "SECS\n";
        for (const auto& c : list) {
          t += pad(str(c["id"]), 13) + pad(str(c["direction"]), 12) + pad(str(c["state"]), 9) +
               pad(str(c["from"]), 14) + pad(str(c["to"]), 16) + pad(str(c["route"]), 8) +
               pad(str(c["span"]) + "/" + str(c["channel"]), 8) + pad(str(c["codec"]), 6) +
               pad(str(c["sip"]), 12) + pad(str(c["pri"]), 11) + str(c["duration_s"]) + "\n";
        }
        t += std::to_string(list.size()) + " call(s)\n";
        r.text = t;
        return r;
      });
  control.addCommand(
      "spans", "spans", "spans: line, alarms, D-channel, channel use",
      [this](const ControlRequest&) {
        nlohmann::json all = pri_->spansJson();
        const nlohmann::json& spans = all["spans"];
        ControlReply r = ControlReply::success(all);
        std::string t;
        for (const auto& s : spans) {
          t += "span " + str(s["span"]) + " (" + str(s["name"]) + "): " + str(s["line"]) + " " +
               str(s["law"]) + " " + str(s["switchtype"]) + " " + str(s["side"]) + ", alarms " +
               str(s["alarms"]) + ", D-channel " + str(s["dchannel"]) + ", channels " +
               s["channels"].dump() + ", calls " + str(s["calls"]) + "\n";
        }
        r.text = t;
        return r;
      });
  control.addCommand(
      "channels", "channels [SPAN]", "every B-channel's state", [this](const ControlRequest& req) {
        int span = 0;
        auto pos = req.positional();
        if (!pos.empty()) {
          auto n = core::parseInt(pos[0]);
          if (!n || !pri_->span(static_cast<int>(*n))) {
            return ControlReply::failure("no span '" + pos[0] + "'");
          }
          span = static_cast<int>(*n);
        }
        nlohmann::json j = pri_->channelsJson(span);
        ControlReply r = ControlReply::success(j);
        std::string t;
        for (const auto& c : j["channels"]) {
          t += "span " + str(c["span"]) + " channel " + str(c["channel"]) + ": " + str(c["state"]) +
               (c.contains("call") ? " call " + str(c["call"]) : "") + "\n";
        }
        r.text = t;
        return r;
      });
  control.addCommand(
      "hangup", "hangup ID [CAUSE]", "end a call (cause 16 unless given)",
      [this](const ControlRequest& req) {
        auto pos = req.positional();
        if (pos.empty()) return ControlReply::failure("usage: hangup ID [CAUSE]");
        int cause = q850::kNormalClearing;
        if (pos.size() > 1) {
          auto c = core::parseInt(pos[1]);
          if (!c || *c < 1 || *c > 127) {
            return ControlReply::failure("cause must be 1-127, got '" + pos[1] + "'");
          }
          cause = static_cast<int>(*c);
        }
        if (core::Status s = calls_->hangup(pos[0], cause); !s) {
          return ControlReply::failure(s.message());
        }
        return ControlReply::success({{"hungup", pos[0]}, {"cause", cause}});
      });
  control.addCommand(
      "capture", "capture SPAN FILE | capture stop SPAN",
      "write a span's D-channel (Q.921/Q.931) to a pcap file", [this](const ControlRequest& req) {
        auto pos = req.positional();
        bool stop = !pos.empty() && pos[0] == "stop";
        if ((stop && pos.size() != 2) || (!stop && pos.size() != 2)) {
          return ControlReply::failure("usage: capture SPAN FILE | capture stop SPAN");
        }
        auto n = core::parseInt(pos[stop ? 1 : 0]);
        if (!n || !pri_->span(static_cast<int>(*n))) {
          return ControlReply::failure("no span '" + pos[stop ? 1 : 0] + "'");
        }
        int span = static_cast<int>(*n);
        core::Status s = stop
                             ? pri_->stopCapture(span)
                             : pri_->startCapture(span, std::filesystem::absolute(pos[1]).string());
        if (!s) return ControlReply::failure(s.message());
        return ControlReply::success({{"span", span}, {"capture", stop ? "stopped" : pos[1]}});
      });
  control.addCommand(
      "cdr", "cdr [--limit N] [--csv]", "the latest call detail records (CSV with --csv)",
      [databasePath](const ControlRequest& req) {
        int limit = 20;
        if (auto l = req.option("limit")) {
          auto n = core::parseInt(*l);
          if (!n || *n < 1 || *n > 1000000)
            return ControlReply::failure("--limit must be 1-1000000");
          limit = static_cast<int>(*n);
        }
        auto db = core::Database::open(databasePath, core::Database::Mode::kReadOnly);
        if (!db) return ControlReply::failure(db.error().message);
        if (req.flag("csv")) {
          auto csv = cdrCsv(*db, limit);
          if (!csv) return ControlReply::failure(csv.error().message);
          ControlReply r = ControlReply::success({{"csv", *csv}});
          r.text = *csv;
          return r;
        }
        auto rows = latestCdrs(*db, limit);
        if (!rows) return ControlReply::failure(rows.error().message);
        ControlReply r = ControlReply::success({{"cdrs", *rows}});
        std::string t;
        for (const auto& c : *rows) {
          t += str(c["end_at"]) + " " + str(c["call_ref"]) + " " + str(c["direction"]) + " " +
               str(c["calling_in"]) + " -> " + str(c["called_in"]) + " as " + str(c["called_out"]) +
               " via " + str(c["route"]) + " span " + str(c["span"]) + "/" + str(c["channel"]) +
               ", " + str(c["billsec"]) + "s, by " + str(c["released_by"]) + ", cause " +
               str(c["q850_cause"]) +
               (c["sip_status"].get<int64_t>() ? ", SIP " + str(c["sip_status"]) : "") + ", " +
               str(c["codec"]) + ", dtmf " + str(c["dtmf_count"]) +
               (c["emergency"].get<int64_t>() ? ", EMERGENCY" : "") + "\n";
        }
        r.text = t;
        return r;
      });
  control.addCommand(
      "causes", "causes", "the Q.850 <-> SIP mapping table", [](const ControlRequest&) {
        nlohmann::json toSip = nlohmann::json::array();
        std::string t = "Q.850 -> SIP\n";
        for (const auto& row : causeToSipTable()) {
          toSip.push_back({{"cause", row.cause}, {"sip", row.sip}});
          t += "  " + std::to_string(row.cause) + " " + causeText(row.cause) + " -> " +
               std::to_string(row.sip) + "\n";
        }
        nlohmann::json fromSip = nlohmann::json::array();
        t += "SIP -> Q.850\n";
        for (const auto& row : sipToCauseTable()) {
          fromSip.push_back({{"sip", row.sip}, {"cause", row.cause}});
          t += "  " + std::to_string(row.sip) + " -> " + std::to_string(row.cause) + " " +
               causeText(row.cause) + "\n";
        }
        ControlReply r = ControlReply::success({{"q850_to_sip", toSip}, {"sip_to_q850", fromSip}});
        r.text = t;
        return r;
      });
}

void Telephony::registerSubsystems(core::SubsystemRegistry& registry) {
  registry.add("pri", [this] {
    core::SubsystemStatus s;
    int up = 0, total = 0;
    for (int n : pri_->spanNumbers()) {
      ++total;
      if (pri_->span(n) && pri_->span(n)->usable()) ++up;
    }
    s.health = total == 0    ? core::Health::kDisabled
               : up == total ? core::Health::kUp
               : up == 0     ? core::Health::kDown
                             : core::Health::kDegraded;
    s.detail = std::to_string(up) + " of " + std::to_string(total) + " span(s) up";
    s.facts = {{"spans", total}, {"spans_up", up}};
    return s;
  });
  registry.add("sip", [this] {
    core::SubsystemStatus s;
    const auto& st = sip_->stats();
    s.detail = sip_->config().settings.listen.str() + ", " +
               std::to_string(sip_->config().peers.size()) + " peer(s), " +
               std::to_string(sip_->legCount()) + " dialog(s)";
    s.facts = {{"invites_in", st.invites_in},
               {"invites_out", st.invites_out},
               {"forbidden", st.forbidden},
               {"options", st.options},
               {"overload_503", st.overload_503},
               {"udp_receive_buffer_kb", sip_->udpReceiveBuffer() / 1024},
               {"udp_queue_kb", sip_->udpBacklogBytes() / 1024}};
    return s;
  });
  registry.add("calls", [this] {
    core::SubsystemStatus s;
    s.detail = std::to_string(calls_->activeCalls()) + " active, " +
               std::to_string(calls_->stats().cdrs) + " CDRs written";
    if (calls_->stats().cdr_errors) {
      s.health = core::Health::kDegraded;
      s.detail += ", " + std::to_string(calls_->stats().cdr_errors) + " CDR write errors";
    }
    s.facts = calls_->statsJson();
    return s;
  });
  registry.add("media", [this] {
    core::SubsystemStatus s;
    s.detail = std::to_string(media_->bridgeCount()) + " bridge(s) on " +
               std::to_string(media_->threadCount()) + " thread(s), " +
               std::to_string(media_->portsInUse()) + " port pair(s) in use";
    s.facts = {{"bridges", media_->bridgeCount()}, {"ports_in_use", media_->portsInUse()}};
    return s;
  });
}

}  // namespace outpost::gateway
