// cart: POST /cart/checkout totals the cart with one database query (slow in mode=slow).
// Logs over UDP, one datagram per record.
import { createLogger } from './lib/stitchlog.mjs';
import { Span, listen, serverSpan, sleep } from './lib/service.mjs';

const logger = createLogger({ transport: 'udp', address: process.env.STITCH_UDP ?? '127.0.0.1:7410' });

const { port } = await listen(async (req, body) => {
  const span = serverSpan(logger, 'cart', 'checkout', req);
  // The database is the guide's third service: its query span is logged under its name.
  const query = new Span(logger, 'database', 'SELECT cart_items', span.context.child(),
                         span.spanId, span.state);
  query.attributes['db.system'] = 'postgresql';
  query.attributes['db.statement'] = 'SELECT sku, qty, price FROM cart_items WHERE user_id = $1';
  await sleep(body.mode === 'slow' ? 1500 : 40);
  query.attributes['db.rows'] = 3;
  query.end();
  await sleep(15);
  span.event('info', 'cart totalled', { items: 3 });
  span.end();
  return { status: 200, payload: { total: 59.97 } };
}, Number(process.env.PORT ?? 0));

process.send?.({ service: 'cart', port });
process.on('message', async (msg) => {
  if (msg === 'stop') {
    await logger.flush();
    await logger.close();
    process.exit(0);
  }
});
