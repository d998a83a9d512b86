#include "failoverd/daemon/state_saver.h"

namespace failoverd {

namespace {
constexpr int kFirstSaveRetryMs = 250;
constexpr int kMaxSaveRetryMs = 5000;
}  // namespace

StateSaver::StateSaver(StateStore& state, EventLoop& loop, const Clock& clock, EventLog& events, uint64_t& failures,
                       std::shared_ptr<spdlog::logger> log)
    : state_(state),
      clock_(clock),
      events_(events),
      failures_(failures),
      log_(std::move(log)),
      retry_(loop, clock, kFirstSaveRetryMs, kMaxSaveRetryMs) {}

bool StateSaver::Save() {
  Status saved = state_.Save();
  if (saved) {
    if (!error_.empty()) {
      log_->info("{} saved again (it could not be written: {})", state_.path(), error_);
      events_.Add(clock_.WallNow(), "state", state_.path() + " saved again");
    }
    error_.clear();
    retry_.Reset();
    return true;
  }
  ++failures_;
  if (saved.message() != error_) {
    log_->error("cannot save {}: {}; the save stays due and is tried again", state_.path(), saved.message());
    events_.Add(clock_.WallNow(), "error", "cannot save " + state_.path() + ": " + saved.message() +
                                               "; tried again until it works");
  }
  error_ = saved.message();
  retry_.Backoff([this] { Save(); });
  return false;
}

std::string StateSaver::UnsavedNote() const {
  if (error_.empty()) return "";
  return "NOT SAVED: " + state_.path() + " cannot be written (" + error_ +
         "); kept in memory and saved as soon as it can be — a restart before then would lose it";
}

}  // namespace failoverd
