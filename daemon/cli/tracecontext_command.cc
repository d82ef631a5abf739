#include "daemon/cli/tracecontext_command.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/tracecontext/describe.h"
#include "daemon/cli/command.h"

namespace stitch::daemon {
namespace {

using tracecontext::TracestateKeyGrammar;

// The --help footer: what the JSON holds, field by field, and the exit codes. Kept next to the
// command so that it changes with it; core/tracecontext/describe.h is the reference.
constexpr const char* kFooter = R"(Output: one JSON object on one line:
  input        the --traceparent value exactly as given
  valid        true when stitchd would accept the traceparent
  reason       why it was rejected (only when valid is false), e.g. "zero_trace_id"
  version      2 hex chars as received (a future version such as "cc" is accepted)
  trace_id     32 hex chars
  parent_id    16 hex chars
  flags        2 hex chars as received, unknown bits included
  sampled      flags bit 0
  random       flags bit 1 (W3C Level 2: the trace-id is random)
  normalized   the traceparent stitch would send on: version 00, unknown flag bits cleared
  tracestate   {"valid", "reason" (only when invalid), "entries": [[key, value], ...],
                "normalized": the canonical header}; several --tracestate lines are combined
                in order, as if joined with ','; no --tracestate is an empty tracestate
When the traceparent is invalid, version through normalized are null and tracestate is null
(W3C: tracestate is not parsed without a valid traceparent).

Exit status: 0 when the traceparent is valid, 1 when it is not, 2 on a usage error.)";

struct Arguments {
  std::string traceparent;
  std::vector<std::string> tracestate_lines;
  std::string key_grammar = "level2";  // or "multi-tenant" (Level 1)
};

int run(const Arguments& args) {
  const std::vector<std::string_view> lines(args.tracestate_lines.begin(),
                                            args.tracestate_lines.end());
  const TracestateKeyGrammar grammar = args.key_grammar == "multi-tenant"
                                           ? TracestateKeyGrammar::kMultiTenant
                                           : TracestateKeyGrammar::kLevel2Abnf;
  const auto description = tracecontext::describeTraceContext(args.traceparent, lines, grammar);
  std::fwrite(description.json.data(), 1, description.json.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
  return description.traceparent_valid ? kExitOk : kExitFailure;
}

}  // namespace

void registerTracecontextCommand(CLI::App& app) {
  CLI::App* command = app.add_subcommand(
      "tracecontext",
      "Check W3C traceparent/tracestate header values the way stitchd does; print JSON");
  auto args = std::make_shared<Arguments>();
  command
      ->add_option("--traceparent", args->traceparent,
                   "traceparent header value, e.g. "
                   "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
      ->required();
  command
      ->add_option("--tracestate", args->tracestate_lines,
                   "tracestate header value; repeat for a header sent as several fields")
      ->allow_extra_args(false);
  command
      ->add_option("--key-grammar", args->key_grammar,
                   "tracestate key rules: level2 (W3C Level 2's ABNF: a lowercase letter "
                   "or digit, then up to 255 of a-z 0-9 _ - * / @) or multi-tenant (Level 1: "
                   "simple-key or tenant@system)")
      ->check(CLI::IsMember({"multi-tenant", "level2"}))
      ->capture_default_str();
  command->footer(kFooter);
  command->callback([args] {
    if (const int code = run(*args); code != kExitOk) {
      throw CLI::RuntimeError(code);
    }
  });
}

}  // namespace stitch::daemon
