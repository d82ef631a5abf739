#pragma once

#include <string>

#include "core/query/trace_view.h"

namespace stitch::query {

struct TreeStyle {
  bool color = false;  // ANSI colours: errors red, large shares and warnings yellow, ids dim
  bool logs = false;   // each span's log events under it
};

// A trace drawn as a tree for the terminal, in the shape of the trace-context guide:
//
//   Trace 4bf92f3577b34da6a3ce929d0e0e4736 (kept by errors, 5 spans, 200ms):
//   └─ api-gateway (checkout) 200ms total
//     ├─ cart (get_cart) 60ms
//     │ └─ database (query) 40ms ← 66% of cart time
//     └─ payment (charge) 80ms ✗ card declined
//       └─ bank-api (authorize) 70ms ← 87% of payment time! ✗ issuer said no
//
// A child's share of its parent is shown from 50% (with "!" from 80%); errors are marked ✗
// with their message; orphans, synthetic, duplicate and cycle-cut spans are labelled; the
// trace's warnings and trace-level logs follow the tree. Pure: the caller decides on colour.
std::string renderTerminalTree(const TraceView& view, const TreeStyle& style);

}  // namespace stitch::query
