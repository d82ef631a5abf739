#include "core/ingest/api_config.h"

#include "core/ingest/listen_address.h"

namespace stitch::ingest {

ConfigProblems ApiConfig::validate() const {
  ConfigProblems problems;
  if (enabled) {
    checkListenAddress("listen", listen, problems);
  }
  if (max_body < 1024 || max_body > (std::uint64_t{1} << 32)) {
    problems.push_back({"max_body", "must be from 1KiB to 4GiB"});
  }
  if (push_timeout.count() < 0) {
    problems.push_back({"push_timeout", "must not be negative"});
  }
  if (max_connections == 0) {
    problems.push_back({"max_connections", "must be positive"});
  }
  if (idle_timeout.count() <= 0) {
    problems.push_back({"idle_timeout", "must be positive"});
  }
  return problems;
}

}  // namespace stitch::ingest
