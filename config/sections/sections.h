#pragma once

// The sections of stitch.yaml. Each is mapped by one file in this directory; the root schema
// (sections.cc) calls them in the order the keys appear in the default file.

#include "config/config.h"
#include "config/schema.h"

namespace stitch::config {

// The top level of stitch.yaml.
void describe(Schema<StitchConfig>& s);

// runtime.cc: `log:` and `shutdown_timeout`.
void describeRuntimeSection(Schema<StitchConfig>& s);
// assembly.cc: `assembly:`.
void describeAssemblySection(Schema<StitchConfig>& s);
// sampling.cc: `sampling:`.
void describeSamplingSection(Schema<StitchConfig>& s);

// decode.cc: `decode:`.
void describeDecodeSection(Schema<StitchConfig>& s);
// ingest.cc: `ingest:`.
void describeIngestSection(Schema<StitchConfig>& s);
// api.cc: `api:`.
void describeApiSection(Schema<StitchConfig>& s);
// pipeline.cc: `pipeline:`.
void describePipelineSection(Schema<StitchConfig>& s);

// exporters.cc: `exporters:` (and the full policy the store shares).
void describe(EnumSchema<exporting::FullPolicy>& e);
// exporters.cc: `exporters:`.
void describeExportersSection(Schema<StitchConfig>& s);
// store.cc: `store:` (the embedded trace store) and `query:` (the query API's limits).
void describeStoreSection(Schema<StitchConfig>& s);

}  // namespace stitch::config
