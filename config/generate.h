#pragma once

// The generated halves of config/stitch.yaml and docs/configuration.md. Each file is a
// hand-written introduction, a marker line, then text generated from the schemas; `make
// config-docs` (config/config_docs_main.cc) rewrites what follows the marker, and a unit test
// fails when the committed files differ from what the schemas generate.

#include <string>
#include <string_view>

#include "config/schema.h"

namespace stitch::config {

inline constexpr std::string_view kYamlMarker =
    "# ---- Generated from config/sections/*.cc by `make config-docs`; edit the descriptions "
    "there. ----";
inline constexpr std::string_view kMarkdownMarker =
    "<!-- Generated from config/sections/*.cc by `make config-docs`; edit the descriptions "
    "there. -->";

// A Markdown reference of every key under `root`, defaults taken from `defaults` (an object of
// root's type): a table of the top-level keys, then one section per mapping with a table
// (key path, type, default, allowed values, description), lists of mappings and each type of
// a union in sections of their own. A struct met again inside itself (recursive policies) is
// referred to, not expanded.
std::string referenceMarkdown(const StructInfo& root, const void* defaults);

// referenceMarkdown for StitchConfig.
std::string configReferenceMarkdown();

// `existing` up to and including the marker line, a blank line, then `generated`. Throws
// std::runtime_error when `existing` has no marker line.
std::string spliceGenerated(std::string_view existing,
                            std::string_view marker,
                            std::string_view generated);

}  // namespace stitch::config
