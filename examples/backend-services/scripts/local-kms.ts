// A local KMS endpoint for TOKEN_STORE=kms without AWS (the fixture the tests use): prints the settings to
// export, then serves until Ctrl-C. Any KMS_KEY_ID (e.g. alias/tokens) is created on first use.
import { startLocalKms } from "@fhir-dsl/test-kms";

const kms = await startLocalKms();
console.log(`local KMS running; in another shell:

export KMS_ENDPOINT=${kms.endpoint} KMS_KEY_ID=alias/tokens AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test

Press Ctrl-C to stop.`);
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => void kms.close().finally(() => process.exit(0)));
