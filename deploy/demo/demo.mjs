// Starts the three demo services, drives checkout requests through the gateway (normal ones,
// one that fails at the bank, one with a slow database query) and prints the trace ids.
//
//   node demo.mjs [--tcp HOST:PORT] [--udp HOST:PORT] [--requests N] [--json]
//
// --tcp/--udp: where stitchd ingests (default 127.0.0.1:7410 for both). With --json the result
// is one JSON object on stdout: {"normal": [ids...], "fail": id, "slow": id, "services": {...}}.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const tcp = option('--tcp', '127.0.0.1:7410');
const udp = option('--udp', tcp);
const requests = Number(option('--requests', '5'));
const asJson = args.includes('--json');

function start(file, env) {
  const child = fork(path.join(here, file), [], {
    env: { ...process.env, STITCH_TCP: tcp, STITCH_UDP: udp, PORT: '0', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = new Promise((resolve, reject) => {
    child.once('message', (msg) => resolve(msg.port));
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
  return { child, ready };
}

function stop({ child }) {
  return new Promise((resolve) => {
    child.once('exit', resolve);
    child.send('stop');
  });
}

const cart = start('cart.mjs');
const payment = start('payment.mjs');
const cartPort = await cart.ready;
const paymentPort = await payment.ready;
const gateway = start('gateway.mjs', {
  CART_URL: `http://127.0.0.1:${cartPort}`,
  PAYMENT_URL: `http://127.0.0.1:${paymentPort}`,
});
const gatewayPort = await gateway.ready;

async function checkout(mode) {
  const res = await fetch(`http://127.0.0.1:${gatewayPort}/checkout?mode=${mode}`);
  const body = await res.json();
  if (!asJson) {
    console.log(`${mode.padEnd(6)} HTTP ${res.status}  trace ${body.trace_id}`);
  }
  return body.trace_id;
}

const result = { normal: [], fail: null, slow: null };
try {
  for (let i = 0; i < requests; i += 1) result.normal.push(await checkout('normal'));
  result.fail = await checkout('fail');
  result.slow = await checkout('slow');
} finally {
  await Promise.all([stop(gateway), stop(cart), stop(payment)]);
}
result.services = { 'api-gateway': gatewayPort, cart: cartPort, payment: paymentPort };
if (asJson) console.log(JSON.stringify(result));
