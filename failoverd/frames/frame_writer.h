// FrameWriter: appends big-endian values and byte ranges to a frame under
// construction. Shared by the frame builders here and in failoverd/kernel
// (announce_frames).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "failoverd/common/net_types.h"

namespace failoverd::frames {

class FrameWriter {
 public:
  void U8(uint8_t v) { frame_.push_back(v); }
  void U16(uint16_t v) {
    U8(static_cast<uint8_t>(v >> 8));
    U8(static_cast<uint8_t>(v & 0xff));
  }
  void U32(uint32_t v) {
    U16(static_cast<uint16_t>(v >> 16));
    U16(static_cast<uint16_t>(v & 0xffff));
  }
  // The first `count` bytes of `bytes` (all of them by default).
  template <size_t N>
  void Bytes(const std::array<uint8_t, N>& bytes, size_t count = N) {
    frame_.insert(frame_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(count));
  }
  void Ethernet(const MacAddress& dst, const MacAddress& src, uint16_t ethertype) {
    Bytes(dst.bytes);
    Bytes(src.bytes);
    U16(ethertype);
  }
  size_t size() const { return frame_.size(); }
  // Writes `v` at `at` (already written), e.g. a checksum computed afterwards.
  void PatchU16(size_t at, uint16_t v) {
    frame_[at] = static_cast<uint8_t>(v >> 8);
    frame_[at + 1] = static_cast<uint8_t>(v & 0xff);
  }
  const std::vector<uint8_t>& bytes() const { return frame_; }
  // The frame, zero-padded to `min_length`.
  std::vector<uint8_t> Take(size_t min_length = 0) {
    if (frame_.size() < min_length) frame_.resize(min_length, 0);
    return std::move(frame_);
  }

 private:
  std::vector<uint8_t> frame_;
};

}  // namespace failoverd::frames
