// A tiny JSON logger that ships one record per line to stitchd, the way a service's log
// appender would: over TCP (one persistent connection, newline-delimited) or over UDP (one
// datagram per record). Records are also echoed to stderr when STITCH_DEMO_ECHO=1.
import net from 'node:net';
import dgram from 'node:dgram';

function parseHostPort(value) {
  const i = value.lastIndexOf(':');
  return { host: value.slice(0, i) || '127.0.0.1', port: Number(value.slice(i + 1)) };
}

export function createLogger({ transport, address }) {
  const { host, port } = parseHostPort(address);
  const echo = process.env.STITCH_DEMO_ECHO === '1';
  let pending = 0;
  let drained = () => {};

  const done = () => {
    pending -= 1;
    if (pending === 0) drained();
  };

  let send;
  let close;
  if (transport === 'udp') {
    const socket = dgram.createSocket('udp4');
    send = (line) => {
      pending += 1;
      socket.send(line, port, host, done);
    };
    close = () => new Promise((resolve) => socket.close(resolve));
  } else {
    const socket = net.createConnection({ host, port });
    socket.setNoDelay(true);
    socket.on('error', (err) => console.error(`stitchlog: ${err.message}`));
    send = (line) => {
      pending += 1;
      socket.write(line + '\n', done);
    };
    close = () => new Promise((resolve) => socket.end(resolve));
  }

  return {
    log(record) {
      const line = JSON.stringify({ timestamp: new Date().toISOString(), ...record });
      if (echo) console.error(line);
      send(line);
    },
    // Resolves once every record handed to the socket has been written.
    flush() {
      return pending === 0 ? Promise.resolve() : new Promise((resolve) => (drained = resolve));
    },
    close,
  };
}
