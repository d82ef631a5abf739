#include "config/sections/sections.h"

namespace stitch::config {

void describe(Schema<StitchConfig>& s) {
  // One line per section, in the order of the default stitch.yaml.
  describeRuntimeSection(s);
  describeIngestSection(s);
  describeApiSection(s);
  describeDecodeSection(s);
  describePipelineSection(s);
  describeAssemblySection(s);
  describeSamplingSection(s);
  describeExportersSection(s);
  describeStoreSection(s);
}

}  // namespace stitch::config
