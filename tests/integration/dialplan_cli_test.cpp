// The dial plan tools as an admin uses them: `outpostctl dialplan check`,
// `test --plan`, `diff` (numbers file and CDRs), and the running daemon's
// `dialplan test`, `dialplan reload` and SIGHUP, with real processes.
#define BOOST_TEST_MODULE dialplan_cli
#include <signal.h>

#include <filesystem>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "core/store.hpp"
#include "tests/support/process.hpp"

using namespace outpost::test;

namespace {

std::string outpostd() {
  return buildPath("outpostd");
}
std::string outpostctl() {
  return buildPath("outpostctl");
}

const std::string kPrelude =
    "site\n  country 1\n  area-code 312\n  timezone America/Chicago\n"
    "emergency\n  region us\n  outside-line 9\n  route pstn\n"
    "target pstn trunk pstn\ntarget hq sip hq\ntarget phones local\n";

std::string planRouting(const std::string& extensionRoute) {
  return kPrelude +
         "context phones\n"
         "  dial 41XX route " +
         extensionRoute +
         "\n"
         "  dial 9NXXNXXXXXX strip 1 as national route pstn category national\n"
         "  otherwise refuse 1\n"
         "  test 4100 expect route " +
         extensionRoute + "\n";
}

RunResult ctl(std::vector<std::string> args, const std::string& socket = "") {
  std::vector<std::string> argv{outpostctl()};
  if (!socket.empty()) argv.insert(argv.end(), {"-s", socket});
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, 30000ms);
}

// outpostd on a configuration whose [dialplan] names plan.dialplan in a
// scratch folder.
struct Daemon {
  TempDir dir;
  std::string sock = dir.file("state/outpost.sock");
  std::unique_ptr<Process> proc;

  explicit Daemon(const std::string& plan) {
    dir.write("plan.dialplan", plan);
    dir.write("outpost.conf", "[general]\nsite = Plan Test\nstate_dir = " + dir.file("state") +
                                  "\n[dialplan]\nfile = plan.dialplan\n");
    proc = std::make_unique<Process>(
        std::vector<std::string>{outpostd(), "-c", dir.file("outpost.conf")});
    bool up = eventually([&] { return ::ctl({"status"}, sock).code == 0; }, 10000ms);
    BOOST_REQUIRE_MESSAGE(up, "outpostd did not come up: " + proc->allStderr());
  }
  ~Daemon() {
    if (proc) proc->stop();
  }
  RunResult ctl(std::vector<std::string> args) { return ::ctl(std::move(args), sock); }
  std::string routeOf(const std::string& number) {
    auto r = ctl({"--json", "dialplan", "test", number, "--context", "phones"});
    if (r.code != 0) return "error: " + r.err;
    return nlohmann::json::parse(r.out)["decision"]["route"].get<std::string>();
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(offline)

BOOST_AUTO_TEST_CASE(check_accepts_the_default_plan_and_refuses_a_broken_one) {
  auto ok = ctl({"dialplan", "check", srcPath("etc/outpost/default.dialplan")});
  BOOST_TEST(ok.code == 0, ok.err);
  BOOST_TEST(ok.out.find("tests passed; 0 errors, 0 warnings") != std::string::npos, ok.out);
  TempDir dir;
  dir.write("bad.dialplan",
            kPrelude + "context phones\n  dial 41XX route phnoes\n  otherwise refuse 1\n");
  auto bad = ctl({"dialplan", "check", dir.file("bad.dialplan")});
  BOOST_TEST(bad.code == 1);
  BOOST_TEST(bad.err.find(dir.file("bad.dialplan") +
                          ":13:19: error: no route list or target named 'phnoes'") == 0u,
             bad.err);
  BOOST_TEST(bad.err.find("did you mean 'phones'?") != std::string::npos);
  auto json = ctl({"--json", "dialplan", "check", dir.file("bad.dialplan")});
  BOOST_TEST(json.code == 1);
  auto j = nlohmann::json::parse(json.out);
  BOOST_TEST(j["ok"] == false);
  BOOST_TEST(j["diagnostics"][0]["line"] == 13);
  BOOST_TEST(j["diagnostics"][0]["column"] == 19);
  auto missing = ctl({"dialplan", "check", dir.file("nope.dialplan")});
  BOOST_TEST(missing.code == 1);
  BOOST_TEST(missing.err.find("No such file") != std::string::npos, missing.err);
  auto usage = ctl({"dialplan", "chek", "x"});
  BOOST_TEST(usage.code == 2);
  BOOST_TEST(usage.err.find("did you mean 'check'?") != std::string::npos, usage.err);
}

BOOST_AUTO_TEST_CASE(strict_check_fails_on_warnings) {
  TempDir dir;
  dir.write("warn.dialplan",
            kPrelude + "context phones\n  dial 41XX route phones\n");  // no otherwise
  BOOST_TEST(ctl({"dialplan", "check", dir.file("warn.dialplan")}).code == 0);
  auto strict = ctl({"dialplan", "check", dir.file("warn.dialplan"), "--strict"});
  BOOST_TEST(strict.code == 1);
  BOOST_TEST(strict.err.find("[no-default]") != std::string::npos, strict.err);
}

BOOST_AUTO_TEST_CASE(test_prints_the_trace_from_a_file) {
  auto r = ctl({"dialplan", "test", "9011442071234567", "--context", "phones", "--from", "4101",
                "--plan", srcPath("etc/outpost/default.dialplan"), "--time", "2026-03-04T10:00",
                "--mode", "survival"});
  BOOST_TEST(r.code == 0, r.err);
  for (const char* want :
       {"pattern 9011(X.) \"international, 9 + 011\" matches 9011442071234567", "$1 = 442071234567",
        "called +$1: 9011442071234567 -> +442071234567", "table 'international': longest prefix 44",
        "class 'staff' (default of context 'phones') allows this call",
        "skip hq: 'when normal' does not hold", "1. pstn (trunk pstn): called 442071234567",
        "=> route outside: called +442071234567 calling +13125550101 via pstn (442071234567)"}) {
    BOOST_TEST(r.out.find(want) != std::string::npos, "missing '" << want << "' in:\n" << r.out);
  }
  auto j = ctl({"--json", "dialplan", "test", "911", "--context", "phones", "--plan",
                srcPath("etc/outpost/default.dialplan")});
  BOOST_TEST(j.code == 0);
  auto parsed = nlohmann::json::parse(j.out);
  BOOST_TEST(parsed["decision"]["emergency"] == true);
  BOOST_TEST(parsed["decision"]["targets"][0]["address"] == "pstn");
  auto typo = ctl({"dialplan", "test", "4100", "--context", "phnes", "--plan",
                   srcPath("etc/outpost/default.dialplan")});
  BOOST_TEST(typo.code == 2);
  BOOST_TEST(typo.err.find("did you mean 'phones'?") != std::string::npos, typo.err);
}

BOOST_AUTO_TEST_CASE(diff_with_a_numbers_file) {
  TempDir dir;
  dir.write("old.dialplan", planRouting("phones"));
  dir.write("new.dialplan", planRouting("hq"));
  dir.write("numbers.txt", "# context number [from]\nphones 4100 4101\n93125550100\n");
  auto r = ctl({"dialplan", "diff", dir.file("old.dialplan"), dir.file("new.dialplan"), "--numbers",
                dir.file("numbers.txt"), "--mode", "normal"});
  BOOST_TEST(r.code == 1, r.err);  // like diff(1): 1 when something differs
  BOOST_TEST(r.out.find("phones 4100 from 4101 (normal): route phones") != std::string::npos,
             r.out);
  BOOST_TEST(r.out.find("-> route hq") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("1 of 2 evaluations route differently") != std::string::npos, r.out);
  auto same = ctl({"dialplan", "diff", dir.file("old.dialplan"), dir.file("old.dialplan"),
                   "--numbers", dir.file("numbers.txt")});
  BOOST_TEST(same.code == 0);
  dir.write("bad.txt", "phones 41x0\n");
  auto bad = ctl({"dialplan", "diff", dir.file("old.dialplan"), dir.file("new.dialplan"),
                  "--numbers", dir.file("bad.txt")});
  BOOST_TEST(bad.code == 2);
  BOOST_TEST(bad.err.find("bad.txt:1:") != std::string::npos, bad.err);
}

BOOST_AUTO_TEST_CASE(diff_defaults_to_the_numbers_of_recent_cdrs) {
  TempDir dir;
  dir.write("old.dialplan", planRouting("phones"));
  dir.write("new.dialplan", planRouting("hq"));
  {
    auto db = outpost::core::Database::open(dir.file("outpost.db"));
    BOOST_REQUIRE(db);
    BOOST_REQUIRE(
        db->exec("CREATE TABLE cdrs (id INTEGER PRIMARY KEY, context TEXT, calling_in TEXT, "
                 "called_in TEXT, cause INTEGER)"));
    BOOST_REQUIRE(
        db->exec("INSERT INTO cdrs(context, calling_in, called_in, cause) VALUES "
                 "('phones', '4101', '4123', 16), ('phones', '4101', '4123', 16), "
                 "('phones', '4102', '93125550100', 16)"));
  }
  auto r = ctl({"dialplan", "diff", dir.file("old.dialplan"), dir.file("new.dialplan"), "--db",
                dir.file("outpost.db")});
  BOOST_TEST(r.code == 1, r.err);
  BOOST_TEST(
      r.out.find("numbers: 2 from the CDRs in " + dir.file("outpost.db")) != std::string::npos,
      r.out);
  BOOST_TEST(r.out.find("phones 4123 from 4101 (normal)") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("phones 4123 from 4101 (survival)") != std::string::npos, r.out);
  // Without a CDR table, the plans' own inline tests still give numbers.
  TempDir empty;
  auto t = ctl({"dialplan", "diff", dir.file("old.dialplan"), dir.file("new.dialplan"), "--db",
                empty.file("none.db")});
  BOOST_TEST(t.code == 1);
  BOOST_TEST(t.out.find("0 from the CDRs") != std::string::npos, t.out);
  BOOST_TEST(t.out.find("phones 4100 (normal)") != std::string::npos, t.out);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(running_daemon)

BOOST_AUTO_TEST_CASE(test_and_status_on_the_live_plan) {
  Daemon d(planRouting("phones"));
  auto r = d.ctl({"dialplan", "test", "4100", "--context", "phones", "--from", "4101"});
  BOOST_TEST(r.code == 0, r.err);
  BOOST_TEST(r.out.find("=> route phones: called 4100") != std::string::npos, r.out);
  auto s = d.ctl({"--json", "dialplan", "status"});
  BOOST_TEST(s.code == 0);
  auto j = nlohmann::json::parse(s.out);
  BOOST_TEST(j["source"] == d.dir.file("plan.dialplan"));
  BOOST_TEST(j["tests"] == 1);
  BOOST_TEST(j["emergency_numbers"].size() == 4u);
  auto st = d.ctl({"status"});
  BOOST_TEST(
      st.out.find("subsystem dialplan: up (" + d.dir.file("plan.dialplan")) != std::string::npos,
      st.out);
  auto bad = d.ctl({"dialplan", "test", "4100", "--context", "phnoes"});
  BOOST_TEST(bad.code == 1);
  BOOST_TEST(bad.err.find("did you mean 'phones'?") != std::string::npos, bad.err);
}

BOOST_AUTO_TEST_CASE(reload_refuses_a_bad_plan_and_keeps_the_running_one) {
  Daemon d(planRouting("phones"));
  BOOST_TEST(d.routeOf("4100") == "phones");
  // A failing inline test: refused, old plan answers.
  d.dir.write("plan.dialplan", planRouting("phones") + "  test 4100 expect route hq\n");
  auto r = d.ctl({"dialplan", "reload"});
  BOOST_TEST(r.code == 1);
  BOOST_TEST(r.err.find("dial plan refused, the running plan stays: " +
                        d.dir.file("plan.dialplan") + ":17:3") != std::string::npos,
             r.err);
  BOOST_TEST(d.routeOf("4100") == "phones");
  auto st = d.ctl({"status"});
  BOOST_TEST(st.out.find("subsystem dialplan: degraded") != std::string::npos, st.out);
  // A syntax error through the general reload: refused the same way.
  d.dir.write("plan.dialplan", planRouting("phones") + "  dial 4[1-\n");
  auto g = d.ctl({"reload"});
  BOOST_TEST(g.code == 1);
  BOOST_TEST(g.err.find("dial plan refused") != std::string::npos, g.err);
  BOOST_TEST(d.routeOf("4100") == "phones");
  // A good plan: taken.
  d.dir.write("plan.dialplan", planRouting("hq"));
  auto ok = d.ctl({"dialplan", "reload"});
  BOOST_TEST(ok.code == 0, ok.err);
  BOOST_TEST(ok.out.find("reloaded " + d.dir.file("plan.dialplan")) == 0u, ok.out);
  BOOST_TEST(d.routeOf("4100") == "hq");
  BOOST_TEST(d.ctl({"status"}).out.find("subsystem dialplan: up") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(sighup_reloads_the_plan) {
  Daemon d(planRouting("phones"));
  d.dir.write("plan.dialplan", planRouting("hq"));
  d.proc->signal(SIGHUP);
  BOOST_TEST(eventually([&] { return d.routeOf("4100") == "hq"; }, 10000ms));
  BOOST_TEST(d.proc->running());
}

BOOST_AUTO_TEST_CASE(a_bad_plan_stops_the_start_with_file_line_column) {
  TempDir dir;
  dir.write("plan.dialplan",
            kPrelude + "context phones\n  dial 9110 route phones\n  otherwise refuse 1\n");
  dir.write("outpost.conf",
            "[general]\nstate_dir = " + dir.file("state") + "\n[dialplan]\nfile = plan.dialplan\n");
  auto r = run({outpostd(), "-c", dir.file("outpost.conf")}, 20000ms);
  BOOST_TEST(r.code == 2);
  BOOST_TEST(r.err.find(dir.file("plan.dialplan") +
                        ":13:8: error: the pattern '9110' begins with the emergency number 911") !=
                 std::string::npos,
             r.err);
  BOOST_TEST(!std::filesystem::exists(dir.file("state/outpost.sock")));
  auto check = run({outpostd(), "--check-config", "-c", dir.file("outpost.conf")});
  BOOST_TEST(check.code == 2);
  dir.write("outpost.conf",
            "[general]\nstate_dir = " + dir.file("state") + "\n[dialplan]\nfiel = plan.dialplan\n");
  auto typo = run({outpostd(), "--check-config", "-c", dir.file("outpost.conf")});
  BOOST_TEST(typo.code == 2);
  BOOST_TEST(
      typo.err.find("unknown key 'fiel' in [dialplan] (did you mean 'file'?)") != std::string::npos,
      typo.err);
}

BOOST_AUTO_TEST_SUITE_END()
