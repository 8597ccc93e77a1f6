// A TCP proxy on 127.0.0.1 in front of a local service (Redis, the local KMS), for outage tests: it forwards,
// or swallows every byte both ways (a blackhole: the peer hangs), or refuses and drops connections (down),
// or cuts the open ones once.
import { once } from "node:events";
import { connect, createServer } from "node:net";

/** Start a proxy to 127.0.0.1:`targetPort` on a free port. */
export async function startTcpProxy(targetPort) {
  let down = false;
  let blackhole = false;
  const sockets = new Set();
  const cut = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  const server = createServer((client) => {
    if (down) return void client.destroy();
    const upstream = connect(targetPort, "127.0.0.1");
    sockets.add(client).add(upstream);
    client.on("data", (data) => void (blackhole || upstream.write(data)));
    upstream.on("data", (data) => void (blackhole || client.write(data)));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  return {
    port,
    /** `http://127.0.0.1:<port>`: for HTTP services such as the local KMS. */
    endpoint: `http://127.0.0.1:${port}`,
    /** While on, every byte is swallowed both ways: requests hang, connections stay open. */
    setBlackhole(on) {
      blackhole = on;
    },
    /** While on, new connections are dropped at once; turning it on also cuts the open ones. */
    setDown(on) {
      down = on;
      if (on) cut();
    },
    /** Destroy every open connection (the service restarts, the network blips). */
    cut,
    close: () => {
      cut();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
