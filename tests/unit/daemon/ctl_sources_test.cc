// failoverctl's formatting code lives in the failoverctl executable, not in a
// library the unit tests could link, so this file compiles those sources into
// unit_daemon once (the ctl_*_test.cc files only include their headers).
// Remove it when failoverd/CMakeLists.txt builds them as a library.
#include "failoverd/ctl/event_lines.cc"    // NOLINT(bugprone-suspicious-include)
#include "failoverd/ctl/json_fields.cc"    // NOLINT(bugprone-suspicious-include)
#include "failoverd/ctl/result_output.cc"  // NOLINT(bugprone-suspicious-include)
#include "failoverd/ctl/status_table.cc"   // NOLINT(bugprone-suspicious-include)
#include "failoverd/ctl/text_table.cc"     // NOLINT(bugprone-suspicious-include)
