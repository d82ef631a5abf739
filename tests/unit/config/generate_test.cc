#include "config/generate.h"

#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>

#include "config/loader.h"
#include "tests/unit/config/test_schemas.h"

using namespace schema_test;
using stitch::config::referenceMarkdown;
using stitch::config::schemaOf;
using stitch::config::spliceGenerated;
using stitch::config::toYaml;

TEST_CASE("spliceGenerated keeps the introduction and replaces what follows the marker",
          "[config][docs]") {
  const std::string marker = "<!-- generated below -->";
  CHECK(spliceGenerated("# Intro\n\ntext\n" + marker + "\n\nold table\n", marker, "new table\n") ==
        "# Intro\n\ntext\n" + marker + "\n\nnew table\n");
  CHECK(spliceGenerated(marker + "\n", marker, "x\n") == marker + "\n\nx\n");
  CHECK_THROWS_AS(spliceGenerated("no marker\n", marker, "x\n"), std::runtime_error);
  // The marker must start a line: a mention inside a sentence is not the marker.
  CHECK_THROWS_AS(spliceGenerated("see " + marker + "\n", marker, "x\n"), std::runtime_error);
}

TEST_CASE("The default YAML writes lists of mappings as items with their keys", "[config][docs]") {
  PipelineConfig p;
  FileExporter file;
  file.path = "/tmp/t.ndjson";
  ExporterConfig e;
  e.kind = file;
  p.exporters.push_back(e);
  PolicyConfig latency;
  latency.name = "slow";
  latency.rule = LatencyRule{};
  PolicyConfig inverted;
  inverted.name = "not-slow";
  inverted.rule = NotRule{latency};
  p.sampling.tail.policies.push_back(inverted);
  CHECK(toYaml(p, false) ==
        R"(sampling:
  tail:
    decision_wait: 5s
    policies:
      - name: "not-slow"
        type: not
        policy:
          name: "slow"
          type: latency
          threshold: 1s
          upper: 0s
exporters:
  - type: file
    path: "/tmp/t.ndjson"
    max_file_bytes: 256MiB
    queue_size: 1024
)");
}

TEST_CASE("The default YAML comments every key and shows an example for empty lists",
          "[config][docs]") {
  const std::string yaml = toYaml(PipelineConfig{}, true);
  // An item's first comment goes above its dash.
  CHECK_THAT(yaml, Catch::Contains(R"(    # Policies, in order. Empty by default; for example:
    #
    #   # Names the policy in metrics. Required.
    #   - name: ""
    #     # What the policy looks at. One of: status_code, latency, service, operation, and, not.
    #     type: status_code
    #     # Span statuses that keep a trace. One of: ok, error, unset. Not empty.
    #     status_codes: []
    #   # Names the policy in metrics. Required.
    #   - name: ""
)"));
  // The example of `and` holds an empty policy list, without an example of its own: the
  // recursion stops there.
  CHECK_THAT(yaml, Catch::Contains(R"(    #     type: and
    #     # Policies that must all keep the trace. Not empty.
    #     policies: []
)"));
  CHECK_THAT(yaml, Catch::Contains("    policies: []\n"));
  CHECK_THAT(yaml, Catch::Contains("\n# Exporters. Empty by default; for example:\n#\n#   # Which "
                                   "exporter. One of: file, otlp_http.\n#   - type: file\n"));
  // No line is wider than 100 columns.
  std::size_t start = 0;
  while (start < yaml.size()) {
    const std::size_t end = yaml.find('\n', start);
    CHECK(end - start <= 100);
    start = end + 1;
  }
  // It loads back to the defaults.
  CHECK(stitch::config::loadYamlAs<PipelineConfig>(yaml, "default.yaml") == PipelineConfig{});
}

TEST_CASE("The Markdown reference has a table per mapping and refers back on recursion",
          "[config][docs]") {
  const PipelineConfig defaults;
  const std::string md = referenceMarkdown(schemaOf<PipelineConfig>(), &defaults);
  CHECK_THAT(md,
             Catch::StartsWith("## Top-level keys\n\n| Key | Type | Default | Allowed | "
                               "Description |\n|---|---|---|---|---|\n| [`sampling`](#sampling) "
                               "| mapping |  |  | Sampling. |\n"));
  CHECK_THAT(md, Catch::Contains("| `sampling.tail.decision_wait` | duration | `5s` | at least 1ms "
                                 "| Wait before deciding. |\n"));
  CHECK_THAT(md, Catch::Contains("### `sampling.tail.policies[]`\n\nPolicies, in order.\n"));
  CHECK_THAT(md,
             Catch::Contains("| `sampling.tail.policies[].type` | type | required | "
                             "`status_code`, `latency`, `service`, `operation`, `and`, `not` "
                             "| What the policy looks at. Each type's keys are listed below. |"));
  CHECK_THAT(md, Catch::Contains("#### `sampling.tail.policies[]` with `type: and`\n\nKeeps traces "
                                 "every nested policy keeps.\n"));
  CHECK_THAT(md,
             Catch::Contains("| `sampling.tail.policies[].policies` | list of mappings | `[]` | "
                             "not empty | Policies that must all keep the trace. Same shape "
                             "as `sampling.tail.policies[]`. |"));
  CHECK_THAT(md,
             Catch::Contains("| `sampling.tail.policies[].policy` | mapping | required |  | The "
                             "policy whose decision is inverted. Same shape as "
                             "`sampling.tail.policies[]`. |"));
  CHECK_THAT(md, Catch::Contains("| `exporters[].max_file_bytes` | size | `256MiB` | at least 1B "
                                 "| Rotation size. |"));
  CHECK_THAT(md, Catch::Contains("| `exporters[].headers` | mapping of string to strings | `{}` |  "
                                 "| Extra HTTP headers. |"));
}
