// ByteReader: a bounds-checked cursor over a received frame, used by every
// decoder in this folder. Each read either succeeds with the whole value or
// fails without moving, so a decoder can never step past the end of the frame.
// Multi-byte values are big-endian (network order).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace failoverd::frames {

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}

  size_t offset() const { return offset_; }
  size_t remaining() const { return data_.size() - offset_; }
  bool empty() const { return remaining() == 0; }

  std::optional<uint8_t> U8() {
    if (remaining() < 1) return std::nullopt;
    return data_[offset_++];
  }
  std::optional<uint16_t> U16() {
    if (remaining() < 2) return std::nullopt;
    const auto v = static_cast<uint16_t>(data_[offset_] << 8 | data_[offset_ + 1]);
    offset_ += 2;
    return v;
  }
  std::optional<uint32_t> U32() {
    if (remaining() < 4) return std::nullopt;
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) v = v << 8 | data_[offset_ + i];
    offset_ += 4;
    return v;
  }
  // The next `count` bytes, or nothing if fewer are left.
  std::optional<std::span<const uint8_t>> Bytes(size_t count) {
    if (remaining() < count) return std::nullopt;
    auto bytes = data_.subspan(offset_, count);
    offset_ += count;
    return bytes;
  }
  // The next two bytes without consuming them.
  std::optional<uint16_t> PeekU16() const {
    if (remaining() < 2) return std::nullopt;
    return static_cast<uint16_t>(data_[offset_] << 8 | data_[offset_ + 1]);
  }
  bool Skip(size_t count) {
    if (remaining() < count) return false;
    offset_ += count;
    return true;
  }

 private:
  std::span<const uint8_t> data_;
  size_t offset_ = 0;
};

}  // namespace failoverd::frames
