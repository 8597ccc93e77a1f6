// The loop both fleet workers run: getAuthorization until the deadline, recording each distinct token (by
// fingerprint, never the token) and every error; `stopOn` ends the loop early for an error code.
import { createHash } from "node:crypto";

const fingerprint = (header) => createHash("sha256").update(header).digest("hex").slice(0, 16);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function pollAuthorization(provider, config, stopOn) {
  const seen = []; // distinct tokens in the order this process first used them
  const errors = [];
  let calls = 0;
  await sleep(Math.max(0, config.startAt - Date.now()));
  while (Date.now() < config.stopAt) {
    try {
      const id = fingerprint(await provider.getAuthorization({ url: `${config.fhirBaseUrl}/Patient`, method: "GET" }));
      if (seen[seen.length - 1] !== id) seen.push(id);
      calls++;
    } catch (error) {
      errors.push({ name: error?.name, code: error?.code, message: String(error?.message) });
      if (stopOn !== undefined && error?.code === stopOn) break;
    }
    await sleep(5 + Math.floor(Math.random() * 10));
  }
  return { seen, errors, calls };
}
