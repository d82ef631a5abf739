#include "core/ingest/framer.h"

namespace stitch::ingest {

std::string_view framingName(Framing framing) noexcept {
  switch (framing) {
    case Framing::kAuto:
      return "auto";
    case Framing::kNewline:
      return "newline";
    case Framing::kOctetCounted:
      return "octet_counted";
  }
  return "auto";
}

}  // namespace stitch::ingest
