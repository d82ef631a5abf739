// api-gateway: the entry point. GET /checkout?mode=normal|fail|slow starts a trace (or
// continues the caller's), asks cart to check out, then payment to charge. Logs over TCP.
import { createLogger } from './lib/stitchlog.mjs';
import { call, listen, serverSpan } from './lib/service.mjs';

const logger = createLogger({ transport: 'tcp', address: process.env.STITCH_TCP ?? '127.0.0.1:7410' });
const cartUrl = process.env.CART_URL;
const paymentUrl = process.env.PAYMENT_URL;

const { port } = await listen(async (req) => {
  const url = new URL(req.url, 'http://gateway');
  if (url.pathname !== '/checkout') return { status: 404, payload: { error: 'not found' } };
  const mode = url.searchParams.get('mode') ?? 'normal';
  const span = serverSpan(logger, 'api-gateway', 'GET /checkout', req);
  span.attributes['http.method'] = 'GET';
  span.attributes['http.route'] = '/checkout';
  span.attributes['demo.mode'] = mode;
  span.event('info', 'Processing request', { user: 'u-1001' });
  try {
    const cart = await call(span, `${cartUrl}/cart/checkout`, { mode });
    const payment = await call(span, `${paymentUrl}/payment/charge`, { mode, amount: cart.total });
    span.attributes['http.status_code'] = 200;
    span.end();
    return { status: 200, payload: { trace_id: span.traceId, order: payment.authorization } };
  } catch (err) {
    span.attributes['http.status_code'] = 502;
    span.event('error', `checkout failed: ${err.message}`);
    span.end(err);
    return { status: 502, payload: { trace_id: span.traceId, error: err.message } };
  }
}, Number(process.env.PORT ?? 0));

process.send?.({ service: 'api-gateway', port });
process.on('message', async (msg) => {
  if (msg === 'stop') {
    await logger.flush();
    await logger.close();
    process.exit(0);
  }
});
