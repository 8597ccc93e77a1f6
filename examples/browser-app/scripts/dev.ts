// `pnpm --filter @example/browser-app dev`: the built SPA on one origin, the sandbox on another.
import { startStack } from "./stack.js";

const stack = await startStack({
  appPort: Number(process.env.PORT ?? 4173),
  sandbox: { port: Number(process.env.SANDBOX_PORT ?? 0) },
});
console.log(`SMART browser app (static files from dist/) on ${stack.appUrl}
  EHR launch         open ${stack.ehrLaunchUrl}
  standalone launch  open ${stack.launchUrl}
  FHIR server        ${stack.sandbox.fhirBaseUrl} (sandbox, app registered as public client "browser-app")
  redirect URI       ${stack.redirectUri}
Press Ctrl+C to stop.`);

const stop = async () => {
  await stack.close();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
