import { TOKEN_ENVELOPE_VERSION } from "@fhir-dsl/token-store";

/** Format version written in every value (`{"v":1,"token":{...}}`, `encodeTokenEnvelope` of @fhir-dsl/token-store). */
export const FORMAT_VERSION = TOKEN_ENVELOPE_VERSION;
