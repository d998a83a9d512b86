// Closing a file descriptor without waiting for it. Closing a packet socket waits for
// an RCU grace period in the kernel (8-16 ms measured here); a cable probe's socket
// closed on the event loop would hold every event behind it, a carrier loss included.
#pragma once

namespace failoverd {

// Closes `fd` on a thread of its own (started at the first call, with every signal
// blocked) and returns at once. The caller must have stopped using `fd` (taken it out
// of the event loop): the number stays taken until the close is done. If the thread
// cannot be started, closes `fd` here. Descriptors still queued at exit are closed then.
void CloseInBackground(int fd);

}  // namespace failoverd
