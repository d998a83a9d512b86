#include "failoverd/daemon/start_plan.h"

#include "failoverd/daemon/event_log.h"
#include "failoverd/daemon/policy_checks.h"
#include "failoverd/runtime/logging.h"
#include "failoverd/state/state_store.h"

namespace failoverd {

std::vector<std::string> PolicyProblems(const policy::ParseResult& parsed, firewall::Firewall* nft,
                                        const std::map<std::string, firewall::ZoneFragment>& pinned) {
  std::vector<std::string> problems;
  for (const auto& error : parsed.errors) problems.push_back(error.ToString());
  if (!parsed.policy) return problems;
  for (auto& error : CheckPolicyOnHost(*parsed.policy, nft, pinned).errors) problems.push_back(std::move(error));
  return problems;
}

Result<StartPlan> PlanStart(const std::string& policy_path, const policy::ParseResult& parsed, firewall::Firewall* nft,
                            WallTime now) {
  auto log = GetLogger("daemon");
  StartPlan plan{{policy::Policy{}, "", "", std::nullopt, {}, {}}, {}};
  StartFacts facts;
  facts.now = now;
  std::vector<std::string> problems;
  std::string state_dir;
  if (parsed.policy) {
    // An apply that was never confirmed is undone before anything else reads the policy.
    plan.start = UndoUnconfirmedApply(policy_path, *parsed.policy);
    const auto pinned = plan.start.recorded ? plan.start.recorded->Zones() : std::map<std::string, firewall::ZoneFragment>{};
    problems = CheckPolicyOnHost(plan.start.policy, nft, pinned).errors;
    state_dir = plan.start.policy.daemon.state_dir;
    facts.file_valid = problems.empty();
    facts.start_confirm_s = plan.start.policy.daemon.start_confirm_s;
  } else {
    problems = PolicyProblems(parsed, nft);
    state_dir = StateDirOfBrokenPolicy(policy_path);
  }

  const LastGood last_good(state_dir);
  auto saved = last_good.Load();
  if (!saved) log->error("the last good policy is unreadable, so there is none to fall back to: {}", saved.message());
  if (saved && *saved) {
    facts.last_good = (*saved)->copy.Fingerprint();
    facts.last_good_saved_at = (*saved)->saved_at;
    plan.origin.last_good = **saved;
  }
  if (facts.file_valid) {
    auto copy = CopyPolicy(policy_path, plan.start.policy);
    if (!copy) return Status::Error("cannot read the policy and its zones: " + copy.message());
    facts.file_fingerprint = copy->Fingerprint();
  }
  StateStore state(state_dir);
  if (Status loaded = state.Load(); !loaded) log->warn("{}", loaded.message());
  if (const nlohmann::json& pending = state.Section("pending_start"); pending.is_object()) {
    facts.pending_fingerprint = pending.value("fingerprint", "");
    facts.pending_deadline = WallTime(std::chrono::seconds(pending.value("deadline_unix", int64_t{0})));
  }
  if (const nlohmann::json& declined = state.Section("declined_start"); declined.is_object()) {
    facts.declined_fingerprint = declined.value("fingerprint", "");
    facts.declined_at = declined.value("at", "");
  }

  const StartChoice choice = ChooseStartPolicy(facts);
  plan.origin.message = choice.message;
  switch (choice.kind) {
    case StartChoice::Kind::kRefuse: {
      std::string text;
      for (const auto& problem : problems) text += problem + "\n";
      return Status::Error(text + std::to_string(problems.size()) + " problem(s) in " + policy_path +
                           "; nothing was changed (and there is no last good policy to run instead)");
    }
    case StartChoice::Kind::kLastGood: {
      for (const auto& problem : problems) log->error("{}", problem);
      auto restored = Restore(plan.origin.last_good->copy, last_good.path());
      if (!restored) {
        std::string text;
        for (const auto& problem : problems) text += problem + "\n";
        return Status::Error(text + restored.message() + "; nothing was changed");
      }
      // A window that ran out while the daemon was stopped counts as not confirmed.
      if (facts.pending_fingerprint == facts.file_fingerprint && facts.file_valid) {
        state.SetSection("pending_start", nullptr);
        state.SetSection("declined_start", {{"fingerprint", facts.file_fingerprint}, {"at", FormatRfc3339(facts.now)}});
        if (Status saved_state = state.Save(); !saved_state) log->error("cannot save {}: {}", state.path(), saved_state.message());
      }
      plan.start = StartupRollback{std::move(restored->policy), plan.start.message, "", std::nullopt, {}, {}};
      plan.origin.fallback = choice.fallback;
      plan.origin.pinned_zones = std::move(restored->zones);
      return plan;
    }
    case StartChoice::Kind::kFileWindow:
      if (facts.pending_fingerprint != facts.file_fingerprint || facts.pending_deadline != choice.deadline) {
        state.SetSection("pending_start", {{"fingerprint", facts.file_fingerprint},
                                           {"deadline", FormatRfc3339(choice.deadline)},
                                           {"deadline_unix", std::chrono::duration_cast<std::chrono::seconds>(
                                                                 choice.deadline.time_since_epoch())
                                                                 .count()}});
        if (Status saved_state = state.Save(); !saved_state)
          return Status::Error("cannot record the confirm window of the changed policy in " + state.path() + ": " +
                               saved_state.message() + "; nothing was changed");
      }
      plan.origin.window_deadline = choice.deadline;
      return plan;
    case StartChoice::Kind::kFile:
      return plan;
  }
  return plan;
}

}  // namespace failoverd
