// One spdlog logger per component (netlink, udev, probe, engine, firewall, control,
// daemon), all writing to stderr. Under systemd stderr is usually the journal, which
// stamps each line itself and reads its priority from a "<N>" prefix (sd-daemon(3));
// anywhere else a person reads it, so it gets a timestamp and, on a tty, colors.
//
// A log call never waits for stderr: the loggers are asynchronous and hand each
// message to one writer thread (all signals blocked) through a bounded queue. When
// the queue is full (stderr not read: a stuck journald, a full pipe) the oldest
// message is dropped and counted, so a failover is never held up by a log line.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace failoverd {

// Who reads stderr.
enum class LogStyle {
  kHuman,    // "2024-05-01T12:00:00.123 warn  [engine] message", colored on a tty
  kJournal,  // "<4>[engine] message": journald adds time, keeps the priority
};

// True when `journal_stream` (the value of $JOURNAL_STREAM, "DEV:INODE", or null) names
// the stream with device `dev` and inode `ino`. systemd sets the variable for the stream
// it connects, but it is inherited by children whose stderr may point elsewhere since,
// so only a match with fd 2 itself counts.
bool IsJournalStream(const char* journal_stream, std::uint64_t dev, std::uint64_t ino);
// The style for this process: kJournal when fd 2 is the stream $JOURNAL_STREAM names.
LogStyle DetectLogStyle();

// The "<N>" syslog priority prefix for `level` (trace shares debug's <7>).
std::string_view JournalPrefix(spdlog::level::level_enum level);
// The line format of every component logger in `style`.
std::unique_ptr<spdlog::formatter> MakeLogFormatter(LogStyle style);

// Creates the component loggers at `level` ("trace".."critical"); false if unknown.
bool InitLogging(const std::string& level);
// The named logger, created on first use if InitLogging has not made it.
std::shared_ptr<spdlog::logger> GetLogger(const std::string& name);

// Messages dropped because the queue to stderr was full.
std::uint64_t DroppedLogMessages();
// Waits, at most `limit`, until every queued message has been written; false if
// stderr did not take them in time. Called before the process ends (which would lose
// what is still queued); after false the caller must not wait for the writer again.
bool DrainLogs(std::chrono::milliseconds limit);

}  // namespace failoverd
