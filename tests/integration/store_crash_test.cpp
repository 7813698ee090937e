// Committed rows survive kill -9 of the writer process in the middle of a
// burst, and the database opens clean afterwards.
#define BOOST_TEST_MODULE store_crash
#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <set>

#include "core/store.hpp"
#include "tests/support/process.hpp"

using namespace outpost::test;
using namespace outpost::core;

BOOST_AUTO_TEST_CASE(committed_rows_survive_sigkill_mid_burst) {
  TempDir dir;
  std::string db = dir.file("burst.db");
  std::set<long> reported;
  for (int round = 0; round < 3; ++round) {
    Process p({buildPath("tests/tools/store-burst"), db, "1000000"});
    // Let a few hundred commits through, then kill it while it is writing.
    size_t before = reported.size();
    while (reported.size() < before + 300) {
      auto line = p.readLine(20000ms);
      BOOST_REQUIRE_MESSAGE(line, "store-burst stopped reporting: " + p.allStderr());
      reported.insert(std::stol(line->substr(std::string("committed ").size())));
    }
    p.signal(SIGKILL);
    auto code = p.wait(5000ms);
    BOOST_REQUIRE(code.has_value());
    BOOST_TEST(*code == 128 + SIGKILL);
    // Lines already in the pipe were committed too.
    while (auto line = p.readLine(100ms)) {
      reported.insert(std::stol(line->substr(std::string("committed ").size())));
    }

    auto opened = Database::open(db);
    BOOST_REQUIRE_MESSAGE(opened, (opened ? "" : opened.error().message));
    BOOST_TEST(opened->checkIntegrity().isOk());
    auto st = opened->prepare("SELECT id FROM burst");
    BOOST_REQUIRE(st);
    std::set<long> present;
    while (auto row = st->step()) {
      if (!*row) break;
      present.insert(static_cast<long>(st->columnInt(0)));
    }
    size_t missing = 0;
    for (long id : reported)
      missing += present.count(id) ? 0 : 1;
    BOOST_TEST(missing == 0u, "round " << round << ": " << missing << " of " << reported.size()
                                       << " committed rows lost");
    // Next round restarts the ids above what is there.
    std::string next = "DELETE FROM burst";
    BOOST_REQUIRE(opened->exec(next).isOk());
    reported.clear();
  }
}
