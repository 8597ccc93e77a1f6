import * as oauth from "oauth4webapi";
import { encode as b64u } from "jose/base64url";
import { SmartAuthError, SmartAuthErrorCode } from "./errors.js";

/**
 * Signs client assertions with a key the process never holds (a KMS, an HSM): the library builds the
 * JWT header and claims, the signer returns the raw JWS signature of `data` (RFC 7515 §5.1 signing input).
 * ES384: the 96-byte r||s form (RFC 7518 §3.4), not DER; RS384: the PKCS#1 v1.5 signature.
 */
export interface AssertionSigner {
  readonly alg: "ES384" | "RS384";
  /** `kid` header: the key id registered in the client's JWKS (E17). */
  readonly kid: string;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** True for an object shaped as an AssertionSigner (a `sign` function and an `alg`), not a key. */
export function isAssertionSigner(value: unknown): value is AssertionSigner {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { sign?: unknown }).sign === "function" &&
    "alg" in value
  );
}

/** Misuse of a signer is caught at construction, before any request. */
export function checkSigner(
  signer: AssertionSigner,
  alg: string | undefined,
  kid: string | undefined,
): AssertionSigner {
  if (signer.alg !== "ES384" && signer.alg !== "RS384") throw new TypeError('A signer needs alg: "ES384" or "RS384"');
  if (typeof signer.kid !== "string" || signer.kid === "")
    throw new TypeError("A signer needs a non-empty kid (the key id registered in the client's JWKS)");
  if (alg !== undefined && alg !== signer.alg)
    throw new TypeError(`alg "${String(alg)}" does not match the signer's alg "${signer.alg}"`);
  if (kid !== undefined && kid !== signer.kid)
    throw new TypeError(`kid "${String(kid)}" does not match the signer's kid "${signer.kid}"`);
  return signer;
}

const encoder = new TextEncoder();

/** What the signer's signature must look like: ES384 exactly 96 bytes; RS384 at least 2048 bits (E17). */
const signatureProblem = (alg: "ES384" | "RS384", sig: unknown): string | undefined =>
  !(sig instanceof Uint8Array)
    ? "did not return a Uint8Array"
    : alg === "ES384"
      ? sig.length === 96
        ? undefined
        : `returned ${sig.length} bytes, not the 96-byte r||s form ES384 needs (a DER signature must be converted)`
      : sig.length >= 256 && sig.length <= 1024
        ? undefined
        : `returned ${sig.length} bytes, not an RSA signature of 2048 bits or more`;

function signerError(signer: AssertionSigner, why: string, cause?: unknown): SmartAuthError {
  const retryable = (cause as { retryable?: unknown } | undefined)?.retryable === true;
  return new SmartAuthError(`Signer (kid "${signer.kid}", ${signer.alg}) ${why}`, {
    code: SmartAuthErrorCode.Signer,
    retryable,
    cause,
  });
}

// The error's class or code only: a signer's message may quote what it was given.
const errorName = (error: unknown): string => {
  const { code, name } = (typeof error === "object" && error !== null ? error : {}) as {
    code?: unknown;
    name?: unknown;
  };
  const label = typeof code === "string" ? code : name;
  return typeof label === "string" && /^[A-Za-z0-9_.-]{1,80}$/.test(label) ? label : "unknown error";
};

export interface SignerAssertionOptions {
  tokenEndpoint: string;
  jku?: string | undefined;
  lifetimeSeconds: number;
  now: () => number;
}

/**
 * An oauth4webapi ClientAuth that sends a private_key_jwt assertion signed by `signer`, with the same
 * header and claims as the key path: typ JWT, kid, jku if set; iss = sub = client_id, aud = the token
 * endpoint exactly (E7), exp <= 5 min, a fresh jti per request (E5) (backend-services.html#protocol-details).
 */
export function signerClientAuth(
  signer: AssertionSigner,
  { tokenEndpoint, jku, lifetimeSeconds, now }: SignerAssertionOptions,
): oauth.ClientAuth {
  return async (_as, client, body) => {
    const iat = Math.floor(now() / 1000);
    const header: Record<string, string> = { alg: signer.alg, typ: "JWT", kid: signer.kid };
    if (jku) header.jku = jku;
    const payload = {
      iss: client.client_id,
      sub: client.client_id,
      aud: tokenEndpoint,
      jti: oauth.generateRandomState(),
      iat,
      exp: iat + lifetimeSeconds,
    };
    const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
    let signature: unknown;
    try {
      signature = await signer.sign(encoder.encode(input));
    } catch (cause) {
      throw signerError(signer, `failed to sign the client assertion (${errorName(cause)})`, cause);
    }
    const problem = signatureProblem(signer.alg, signature);
    if (problem) throw signerError(signer, problem);
    body.set("client_id", client.client_id);
    body.set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    body.set("client_assertion", `${input}.${b64u(signature as Uint8Array)}`);
  };
}

const PEM = /^\s*-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END PRIVATE KEY-----\s*$/;

/** The DER bytes of a PKCS#8 PEM (RFC 7468 §10), or undefined when the string is not one. */
export function pkcs8Der(pem: string): Uint8Array<ArrayBuffer> | undefined {
  const body = PEM.exec(pem)?.[1]?.replace(/\s+/g, "");
  if (!body) return undefined;
  try {
    return Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}
