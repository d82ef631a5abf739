// What every demo service shares: W3C Trace Context with tctx exactly as the founding guide
// uses it, spans logged as JSON records, and small HTTP helpers.
//
// The span model: a service that receives `traceparent` P starts its server span as
// P.child() (a new span id whose parent is P's parent-id); a service that receives none starts
// a new trace with make(). Every outbound call is a client span, span.child(), whose value is
// what the callee receives in its traceparent header, so the callee's parent is the caller's
// client span and the trace forms one tree. Spans are logged as canonical stitch records:
// trace_id, span_id, parent_span_id, service, operation, duration_ms, status, error.
import http from 'node:http';
import * as traceparent from 'tctx/traceparent';
import * as tracestate from 'tctx/tracestate';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Span {
  constructor(logger, service, operation, context, parentSpanId, state) {
    this.logger = logger;
    this.service = service;
    this.operation = operation;
    this.context = context; // a tctx Traceparent whose parent_id is this span's id
    this.parentSpanId = parentSpanId;
    this.state = state;
    this.start = Date.now();
    this.attributes = {};
  }

  get traceId() {
    return this.context.trace_id;
  }

  get spanId() {
    return this.context.parent_id;
  }

  // A child span inside this service (a database query, an external API call...).
  child(operation) {
    return new Span(this.logger, this.service, operation, this.context.child(), this.spanId,
                    this.state);
  }

  // A log event of this span (no duration): stitch attaches it to the span.
  event(level, message, extra = {}) {
    this.logger.log({
      level,
      message,
      service: this.service,
      trace_id: this.traceId,
      span_id: this.spanId,
      ...extra,
    });
  }

  end(error) {
    this.ended = true;
    const record = {
      level: error ? 'error' : 'info',
      message: error ? `${this.operation} failed` : `${this.operation} done`,
      service: this.service,
      operation: this.operation,
      trace_id: this.traceId,
      span_id: this.spanId,
      parent_span_id: this.parentSpanId ?? null,
      traceparent: this.context.toString(),
      start_time: new Date(this.start).toISOString(),
      duration_ms: Date.now() - this.start,
      status: error ? 'error' : 'ok',
      attributes: this.attributes,
    };
    if (this.state) record.tracestate = this.state.toString();
    if (error) record.error = error.message;
    this.logger.log(record);
  }
}

// The server span for an incoming request, continuing the caller's trace when the request
// carries a valid traceparent (tracestate is only read when it does, as the spec says).
export function serverSpan(logger, service, operation, req) {
  const incoming = traceparent.parse(req.headers.traceparent ?? '');
  if (incoming) {
    const state = req.headers.tracestate ? tracestate.parse(req.headers.tracestate) : null;
    return new Span(logger, service, operation, incoming.child(), incoming.parent_id, state);
  }
  const root = traceparent.make();
  const state = tracestate.make();
  state.set('demo', service);
  return new Span(logger, service, operation, root, null, state);
}

// Calls another demo service inside a client span: the callee continues the trace.
export async function call(span, url, body) {
  const client = span.child(`POST ${new URL(url).pathname}`);
  client.attributes['http.url'] = url;
  const headers = { 'content-type': 'application/json', traceparent: client.context.toString() };
  if (span.state) headers.tracestate = span.state.toString();
  try {
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body ?? {}) });
    const payload = await res.json();
    client.attributes['http.status_code'] = res.status;
    if (!res.ok) {
      const error = new Error(payload.error ?? `HTTP ${res.status}`);
      client.end(error);
      throw error;
    }
    client.end();
    return payload;
  } catch (err) {
    if (!client.ended) client.end(err);
    throw err;
  }
}

// Starts an HTTP server on 127.0.0.1 (port 0 picks a free port) and resolves with its port.
export function listen(handler, port = 0) {
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    try {
      const { status, payload } = await handler(req, body ? JSON.parse(body) : {});
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    } catch (err) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: err.message }));
    }
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => resolve({ server, port: server.address().port }));
  });
}
