// `pnpm dev`: the sandbox and the app side by side, on embedded defaults; FHIR_BASE_URL + CLIENT_ID
// point the app at a real server instead (register `<app>/callback` as its redirect URI there).
import { startSandbox } from "@fhir-dsl/smart-sandbox";
import { startApp } from "./app.js";
import { openTokenStore } from "./stores.js";

const port = Number(process.env.PORT ?? 3000);
// TOKEN_STORE=memory|redis|kms (REDIS_URL, KMS_KEY_ID, KMS_ENDPOINT), as in examples/backend-services
const tokens = await openTokenStore(process.env, !process.env.FHIR_BASE_URL).catch((error: Error) => {
  console.error(`app-launch: ${error.message}`);
  process.exit(1);
});
const sandbox = process.env.FHIR_BASE_URL
  ? undefined
  : await startSandbox({ port: Number(process.env.SANDBOX_PORT ?? 0) });
const app = await startApp({
  port,
  tokenStore: tokens.store,
  // SESSION_SECRET (32+ bytes) keeps sessions valid across restarts and instances; SECURE_COOKIES=1 behind a TLS proxy
  session: {
    ...(process.env.SESSION_SECRET ? { secret: process.env.SESSION_SECRET } : {}),
    ...(process.env.SECURE_COOKIES === "1" ? { secure: true } : {}),
  },
  ...(sandbox ? { sandbox } : { fhirBaseUrl: process.env.FHIR_BASE_URL!, clientId: process.env.CLIENT_ID ?? "" }),
}).catch((error: Error) => {
  console.error(`app-launch: ${error.message}`);
  process.exit(1);
});

console.log(`SMART App Launch example on ${app.url}
  standalone launch  open ${app.url}/ and press "Start a standalone launch"
  EHR launch         ${sandbox ? `open ${sandbox.ehrLaunchEndpoint}?app=${encodeURIComponent(app.launchUrl)}` : `register ${app.launchUrl} as the launch URL in your EHR`}
  FHIR server        ${app.fhirBaseUrl}${sandbox ? " (embedded sandbox)" : ""}
  client id          ${app.clientId}, redirect URI ${app.redirectUri}
  token store        ${tokens.label}
Press Ctrl+C to stop.`);

const stop = async () => {
  await app.close();
  await sandbox?.close();
  await tokens.close();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
