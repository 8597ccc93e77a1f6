// A keep-alive HTTP server on 127.0.0.1 in a child process of its own (so its work is not timed with the
// client's), answering every request with a small FHIR-like JSON body. Prints its port over IPC.
import http from "node:http";

const body = JSON.stringify({ resourceType: "Patient", id: "123", name: [{ family: "Example", given: ["Pat"] }] });
const server = http.createServer({ keepAlive: true, keepAliveTimeout: 60_000 }, (req, res) => {
  req.resume();
  req.on("end", () =>
    res
      .writeHead(200, { "content-type": "application/fhir+json", "content-length": Buffer.byteLength(body) })
      .end(body),
  );
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => process.send({ port: server.address().port }));
process.on("message", (m) => m === "close" && server.close(() => process.exit(0)));
process.on("disconnect", () => process.exit(0));
