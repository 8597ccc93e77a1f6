import * as oauth from "oauth4webapi";
import { assertionKid } from "./assertion-kid.js";
import type { AssertionAlg, ClientAuthentication } from "./client-auth.js";
import { checkSigner, isAssertionSigner, pkcs8Der, signerClientAuth } from "./signer.js";
import { DEFAULT_ASSERTION_LIFETIME_SECONDS } from "./defaults.js";

export { withoutKidNoted } from "./assertion-kid.js";

// Confidential-client authentication (secrets, private_key_jwt, key import), loaded on first use through
// import() so that a public browser client's bundle never carries it (issue 20 item 6: size).

const IMPORT_PARAMS = {
  ES384: { name: "ECDSA", namedCurve: "P-384" },
  RS384: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" },
} as const;

async function importSigningKey(key: CryptoKey | JsonWebKey | string, alg: AssertionAlg): Promise<CryptoKey> {
  const misuse = (why: string, cause?: unknown) =>
    new TypeError(
      `privateKey ${why}: pass a private ${alg} CryptoKey, JWK or PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----")`,
      { cause },
    );
  if (typeof key === "string") {
    // RFC 7468 §10 PKCS#8, imported by WebCrypto alone (no Node API): the curve or hash must match alg
    const der = pkcs8Der(key);
    if (!der) throw misuse("is not a PKCS#8 PEM");
    try {
      key = await crypto.subtle.importKey("pkcs8", der, IMPORT_PARAMS[alg], false, ["sign"]);
    } catch (cause) {
      throw misuse(`is not a PKCS#8 ${alg} private key`, cause);
    }
  }
  if (typeof key !== "object" || key === null) throw misuse("is not a key");
  let cryptoKey = key as CryptoKey;
  if (!("algorithm" in key && "usages" in key && "type" in key)) {
    // a JWK goes straight to WebCrypto; only its key material matters for signing, not its alg or usage hints
    try {
      const jwk = { ...key, alg: undefined, use: undefined, key_ops: undefined, ext: undefined };
      cryptoKey = await crypto.subtle.importKey("jwk", jwk, IMPORT_PARAMS[alg], false, ["sign"]);
    } catch (cause) {
      throw misuse("is not a usable JWK", cause);
    }
  }
  // E17: the key must produce the declared alg (ES384 = P-384, RS384 = PKCS#1 v1.5 SHA-384, >= 2048 bits).
  const a = cryptoKey.algorithm as {
    name: string;
    namedCurve?: string;
    hash?: { name: string };
    modulusLength?: number;
  };
  const ok =
    alg === "ES384"
      ? a.name === "ECDSA" && a.namedCurve === "P-384"
      : a.name === "RSASSA-PKCS1-v1_5" && a.hash?.name === "SHA-384" && (a.modulusLength ?? 0) >= 2048;
  if (cryptoKey.type !== "private" || !cryptoKey.usages.includes("sign") || !ok) {
    throw misuse("is not a signing key for this alg (ES384: P-384; RS384: RSA >= 2048 bits imported for RS384)");
  }
  return cryptoKey;
}

// One import per client (its ClientAuthentication), whatever the audience: token, introspection and revocation
// endpoint share it. Held weakly, and only for a PEM or JWK: a CryptoKey needs no import (no memory per provider).
const importedKeys = new WeakMap<ClientAuthentication, Promise<CryptoKey>>();

/** The private_key_jwt options whose key is a PEM or JWK to import (not a CryptoKey, not a signer), with a usable alg. */
function toImport(auth: ClientAuthentication): (ClientAuthentication & { method: "private_key_jwt" }) | undefined {
  if (auth.method !== "private_key_jwt" || (auth.alg !== "RS384" && auth.alg !== "ES384")) return undefined;
  const key = auth.privateKey;
  const isKey = typeof key === "object" && key !== null && ("sign" in key || ("algorithm" in key && "usages" in key));
  return isKey ? undefined : auth;
}

/**
 * Starts importing `auth`'s PEM or JWK key, once per client; Backend Services calls it before discovery, so the
 * import runs while the discovery request is out. A failure is forgotten (the next use tries again, and throws).
 */
export function prepareSigningKey(auth: ClientAuthentication): Promise<CryptoKey> | undefined {
  const pending = toImport(auth);
  if (!pending) return undefined;
  let key = importedKeys.get(pending);
  if (!key) {
    key = importSigningKey(pending.privateKey as JsonWebKey | string, pending.alg!);
    importedKeys.set(pending, key);
    key.catch(() => importedKeys.delete(pending)); // also marks an early import's failure as seen: it is thrown on use
  }
  return key;
}

const encoder = new TextEncoder();

// SMART's symmetric example sends the raw "id:secret"; UTF-8 first so non-ASCII secrets survive btoa.
function rawBasic(clientSecret: string): oauth.ClientAuth {
  return (_as, client, _body, headers) => {
    headers.set(
      "authorization",
      `Basic ${btoa(String.fromCharCode(...encoder.encode(`${client.client_id}:${clientSecret}`)))}`,
    );
  };
}

/**
 * The oauth4webapi ClientAuth for a SMART client. For private_key_jwt it fixes what SMART needs and
 * oauth4webapi's defaults lack: `typ: "JWT"`, `aud` = the endpoint called, exactly (E7), `exp` <= 5 min
 * (backend-services.html#protocol-details); oauth4webapi draws a fresh `jti` per request (E5).
 */
export async function confidentialClientAuth(
  auth: ClientAuthentication,
  tokenEndpoint: string,
  now: () => number,
): Promise<oauth.ClientAuth> {
  switch (auth.method) {
    case "none":
      return oauth.None();
    case "client_secret_post":
      return oauth.ClientSecretPost(auth.clientSecret);
    case "client_secret_basic":
      return auth.basicEncoding === "form-urlencoded"
        ? oauth.ClientSecretBasic(auth.clientSecret)
        : rawBasic(auth.clientSecret);
    case "private_key_jwt": {
      const lifetime = auth.assertionLifetimeSeconds ?? DEFAULT_ASSERTION_LIFETIME_SECONDS;
      if (!(lifetime > 0 && lifetime <= 300)) throw new TypeError("assertionLifetimeSeconds must be in (0, 300]");
      if (isAssertionSigner(auth.privateKey)) {
        const signer = checkSigner(auth.privateKey, auth.alg, auth.kid);
        return signerClientAuth(signer, { tokenEndpoint, jku: auth.jku, lifetimeSeconds: lifetime, now });
      }
      if (auth.alg !== "RS384" && auth.alg !== "ES384")
        throw new TypeError('A privateKey needs alg: "RS384" or "ES384"');
      const key = await (prepareSigningKey(auth) ?? importSigningKey(auth.privateKey, auth.alg));
      const kid = assertionKid(auth);
      return oauth.PrivateKeyJwt(kid ? { key, kid } : key, {
        [oauth.modifyAssertion]: (header, payload) => {
          const iat = Math.floor(now() / 1000);
          header.typ = "JWT";
          if (auth.jku) header.jku = auth.jku;
          payload.aud = tokenEndpoint;
          payload.iat = iat;
          payload.exp = iat + lifetime;
          delete payload.nbf;
        },
      });
    }
    default:
      throw new TypeError("clientAuth.method must be none, client_secret_basic, client_secret_post or private_key_jwt");
  }
}
