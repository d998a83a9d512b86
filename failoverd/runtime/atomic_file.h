// Whole-file reads and crash-safe whole-file writes: the temp file is written,
// fsynced and renamed over the target, then the directory is fsynced, so after a
// crash the file holds either the old or the new text, never part of either.
#pragma once

#include <sys/types.h>

#include <string>

#include "failoverd/common/status.h"

namespace failoverd {

// A regular file's text, never blocking (file_read.h), up to kMaxStateFileBytes.
Result<std::string> ReadWholeFile(const std::string& path);
Status WriteFileAtomically(const std::string& path, const std::string& data, mode_t mode = 0644);

}  // namespace failoverd
