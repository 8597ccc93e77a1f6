// `pnpm start` (what `pnpm demo` runs): a SMART Backend Services job on embedded defaults, or against
// a real server when FHIR_BASE_URL, CLIENT_ID and PRIVATE_KEY(_FILE) are set. See README.md.
import { loadConfig } from "./config.js";
import { describeFailure } from "./failure.js";
import { formatReport } from "./report.js";
import { run } from "./run.js";
import { quietAwsSdkNodeNotice } from "./aws-sdk-notice.js";

quietAwsSdkNodeNotice();

try {
  const summary = await run(await loadConfig());
  console.log(formatReport(summary).join("\n"));
} catch (error) {
  console.error(`backend-services: ${describeFailure(error)}`);
  if (process.env.DEBUG) console.error(error);
  process.exitCode = 1;
}
