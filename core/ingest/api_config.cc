#include "core/ingest/api_config.h"

#include "core/ingest/listen_address.h"

namespace stitch::ingest {

ConfigProblems ApiConfig::validate() const {
  ConfigProblems problems;
  if (enabled) {
    checkListenAddress("listen", listen, problems);
  }
  return problems;
}

}  // namespace stitch::ingest
