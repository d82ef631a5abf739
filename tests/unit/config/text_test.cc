#include "config/text.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

using stitch::config::closestMatch;
using stitch::config::editDistance;

TEST_CASE("editDistance counts a swap of neighbours as one edit and ignores case", "[config]") {
  CHECK(editDistance("operatoin", "operation") == 1);
  CHECK(editDistance("queue_szie", "queue_size") == 1);
  CHECK(editDistance("INFO", "info") == 0);
  CHECK(editDistance("", "abc") == 3);
  CHECK(editDistance("kitten", "sitting") == 3);
}

TEST_CASE("closestMatch suggests only keys that are close", "[config]") {
  const std::vector<std::string> keys = {"level", "format", "warning_interval"};
  CHECK(closestMatch("levle", keys) == "level");
  CHECK(closestMatch("fromat", keys) == "format");
  CHECK(closestMatch("warning_intervall", keys) == "warning_interval");
  CHECK(closestMatch("lvl", keys) == "level");
  CHECK_FALSE(closestMatch("colour", keys));
  CHECK_FALSE(closestMatch("x", keys));
  CHECK_FALSE(closestMatch("levels_of_detail", keys));
}
