// Teams on a crowded machine: a barrier wait that outlasts its spin is counted as slow (a member
// was off its core), and TeamBackoff then runs alone for a doubling number of runs, back to
// teams after one fast team run.
#include <chrono>
#include <string>
#include <thread>

#include "core/parallel.h"
#include "harness.h"

HTEST(team_backoff_doubles_while_slow_and_resets_when_fast) {
  vigil::TeamBackoff b;
  HCHECK(b.use_team(), "a fresh backoff runs teams");
  b.record(vigil::TeamBackoff::kSlowWaitsAllowed);
  HCHECK(b.use_team(), "a few slow waits are not contention");
  // Slow team runs: then 1, 2, 4 runs alone before each retry.
  for (int backoff : {1, 2, 4}) {
    b.record(vigil::TeamBackoff::kSlowWaitsAllowed + 1);
    for (int i = 0; i < backoff; ++i) HCHECK(!b.use_team(), "runs alone after a slow team run (backoff " + std::to_string(backoff) + ")");
    HCHECK(b.use_team(), "retries the team after " + std::to_string(backoff) + " runs alone");
  }
  b.record(0);  // a fast retry: teams again at once, and the next slow run backs off by 1 only
  HCHECK(b.use_team(), "teams again after a fast run");
  b.record(100);
  HCHECK(!b.use_team() && b.use_team(), "backoff restarted at 1");
  for (int i = 0; i < 20; ++i) {
    b.record(100);
    while (!b.use_team()) {
    }
  }
  b.record(100);
  int alone = 0;
  while (!b.use_team()) ++alone;
  HCHECK(alone == vigil::TeamBackoff::kMaxBackoff, "backoff capped, got " + std::to_string(alone));
}

HTEST(team_barrier_counts_waits_for_a_late_member) {
  if (vigil::num_threads() < 2) return;  // no team on one thread
  vigil::TeamBarrier fast(2), late(2);
  const bool ran = vigil::run_team(2, [&](int member) {
    fast.wait();  // both arrive together
    if (member == 1) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    late.wait();  // member 0 waits 20 ms: far past its spin
  });
  HCHECK(ran, "the team ran");
  HCHECK(fast.slow_waits() <= vigil::TeamBackoff::kSlowWaitsAllowed, "members arriving together wait briefly");
  HCHECK(late.slow_waits() == 1, "the wait for a late member is slow, got " + std::to_string(late.slow_waits()));
}
