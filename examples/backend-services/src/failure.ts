import {
  DiscoveryError,
  DiscoveryErrorCode,
  SmartAuthError,
  SmartAuthErrorCode,
  TokenStoreError,
} from "@fhir-dsl/smart";
import { KmsSignerError } from "@fhir-dsl/smart-kms-signer";
import { UsageError } from "./config.js";
import { FhirRequestError, PagingError } from "./fhir.js";

/** One line a person can act on, for any failure of a run. Never a token or key: only codes and URLs. */
export function describeFailure(error: unknown): string {
  if (error instanceof UsageError || error instanceof FhirRequestError || error instanceof PagingError)
    return error.message;
  if (DiscoveryError.is(error)) {
    const server = error.url.replace(/\/\.well-known\/smart-configuration$/, "");
    if (DiscoveryError.is(error, DiscoveryErrorCode.Network))
      return `cannot reach the FHIR server at ${server} (${networkReason(error)})`;
    if (DiscoveryError.is(error, DiscoveryErrorCode.Timeout))
      return `the FHIR server at ${server} did not answer in time`;
    return `SMART discovery failed: ${error.message}`;
  }
  if (SmartAuthError.is(error)) {
    if (error.error === "invalid_client") {
      return `the server refused the client (invalid_client${error.errorDescription ? `: ${error.errorDescription}` : ""}); check CLIENT_ID, KID and the registered public key`;
    }
    if (error.code === SmartAuthErrorCode.TokenStore) {
      return `the token store failed: ${error.cause instanceof Error ? error.cause.message : error.message}`;
    }
    if (error.code === SmartAuthErrorCode.Signer)
      return `${error.message}; check KMS_SIGNING_KEY_ID, its key policy (kms:Sign) and the AWS settings`;
    if (error.code === SmartAuthErrorCode.Network) return `cannot reach the token endpoint (${networkReason(error)})`;
    if (error.code === SmartAuthErrorCode.TokenEndpoint) {
      return `the token endpoint refused the request (${error.error ?? `HTTP ${error.status}`}${error.errorDescription ? `: ${error.errorDescription}` : ""})`;
    }
    return error.message;
  }
  if (KmsSignerError.is(error)) return `the KMS signing key failed: ${error.message}`;
  if (TokenStoreError.is(error)) return `the token store failed: ${error.message}`;
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}

/** "connection refused" and friends, from the system error at the end of the cause chain. */
function networkReason(error: Error): string {
  for (
    let cause: unknown = error;
    cause instanceof Error || (typeof cause === "object" && cause !== null);
    cause = (cause as { cause?: unknown }).cause
  ) {
    const code = (cause as { code?: unknown }).code;
    if (code === "ECONNREFUSED") return "connection refused";
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host not found";
    if (code === "ECONNRESET") return "connection reset";
    if (code === "ETIMEDOUT" || code === "UND_ERR_CONNECT_TIMEOUT") return "connection timed out";
    if ((cause as { message?: unknown }).message === "bad port") return "fetch does not allow this port";
    if (typeof code === "string" && /^(CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)/.test(code)) return `TLS error ${code}`;
  }
  return "no HTTP response";
}
