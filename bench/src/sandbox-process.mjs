// The sandbox in a child process of its own, driven over IPC. oidc-provider runs every request inside an
// AsyncLocalStorage, which turns on promise hooks for the whole process (every later `await` costs ~4x
// more here); timing the client in the sandbox's process would measure that, not the client.
import { startSandbox } from "@fhir-dsl/smart-sandbox";

const sandbox = await startSandbox({ port: 0, ...JSON.parse(process.env.BENCH_SANDBOX_OPTIONS ?? "{}") });
process.on("message", async ({ id, op, client }) => {
  try {
    if (op === "register") await sandbox.registerClient(client);
    const reply = { id, ok: true, tokenRequests: sandbox.stats.tokenRequests };
    if (op === "close") {
      await sandbox.close();
      process.send(reply, () => process.exit(0));
      return;
    }
    process.send(reply);
  } catch (error) {
    process.send({ id, ok: false, message: String(error?.message ?? error) });
  }
});
process.send({ ready: true, fhirBaseUrl: sandbox.fhirBaseUrl, tokenEndpoint: sandbox.tokenEndpoint });
