// payment: POST /payment/charge authorises the amount with the (simulated) bank API, which
// declines in mode=fail. Logs over UDP.
import { createLogger } from './lib/stitchlog.mjs';
import { Span, listen, serverSpan, sleep } from './lib/service.mjs';

const logger = createLogger({ transport: 'udp', address: process.env.STITCH_UDP ?? '127.0.0.1:7410' });

const { port } = await listen(async (req, body) => {
  const span = serverSpan(logger, 'payment', 'charge', req);
  span.attributes['payment.amount'] = body.amount;
  await sleep(5);
  // The bank's API is simulated here; its span is logged as the bank's own service, the way
  // the founding guide draws it (payment -> bank-api).
  const bank = new Span(logger, 'bank-api', 'authorize', span.context.child(), span.spanId,
                        span.state);
  bank.attributes['http.route'] = '/authorize';
  await sleep(70);
  if (body.mode === 'fail') {
    const error = new Error('card declined by bank (code 51)');
    bank.attributes['http.status_code'] = 402;
    bank.end(error);
    span.event('error', 'authorisation refused', { reason: 'insufficient_funds' });
    span.end(error);
    return { status: 402, payload: { error: error.message } };
  }
  bank.attributes['http.status_code'] = 200;
  bank.end();
  await sleep(5);
  span.end();
  return { status: 200, payload: { authorization: 'AUTH-7731' } };
}, Number(process.env.PORT ?? 0));

process.send?.({ service: 'payment', port });
process.on('message', async (msg) => {
  if (msg === 'stop') {
    await logger.flush();
    await logger.close();
    process.exit(0);
  }
});
