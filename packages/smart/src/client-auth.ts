import * as oauth from "oauth4webapi";
import { checkSigner, isAssertionSigner, type AssertionSigner } from "./signer.js";

/** Signing algorithms SMART asymmetric clients use (client-confidential-asymmetric.html#signature-verification). */
export type AssertionAlg = "RS384" | "ES384";

/**
 * The client's signing key: a WebCrypto private key, a private JWK, a PKCS#8 PEM string (all three
 * with `alg`), or an AssertionSigner whose key stays elsewhere (a KMS; its own `alg` and `kid`).
 */
export type PrivateKeyInput = CryptoKey | JsonWebKey | string | AssertionSigner;

/** How the client authenticates at the token endpoint: the same method for code exchange and refresh. */
export type ClientAuthentication =
  | { method: "none" }
  | {
      method: "client_secret_basic";
      clientSecret: string;
      /**
       * `raw` (default) sends base64(`id:secret`) as the SMART IG example and Inferno do; `form-urlencoded`
       * encodes both first as RFC 6749 §2.3.1 says. They differ only for ids/secrets with `:`, `%`, `+`,
       * non-ASCII and similar (checklist E16).
       */
      basicEncoding?: "raw" | "form-urlencoded";
    }
  | { method: "client_secret_post"; clientSecret: string }
  | {
      method: "private_key_jwt";
      /** A WebCrypto private key, a private JWK, a PKCS#8 PEM string, or an AssertionSigner. */
      privateKey: PrivateKeyInput;
      /** Required with a key; with a signer it defaults to (and must equal) the signer's alg. */
      alg?: AssertionAlg;
      /** `kid` header: must match the key registered in the client's JWKS (E17). */
      kid?: string;
      /** `jku` header: the registered JWKS URL, exactly (client-confidential-asymmetric.html). */
      jku?: string;
      /** Assertion lifetime in seconds, at most 300 (default 240, leaving room for clock skew, E4). */
      assertionLifetimeSeconds?: number;
      /**
       * Also send `client_id` in the body (default false: the IG omits it for confidential clients,
       * checklist 2.41; RFC 7523 §3 allows it, for servers that want it, E16).
       */
      clientIdInBody?: boolean;
    };

/** The shorthand options flows accept besides `clientAuth`. */
export interface ClientAuthShorthand {
  clientAuth?: ClientAuthentication;
  clientSecret?: string;
  privateKey?: PrivateKeyInput;
  alg?: AssertionAlg;
  kid?: string;
  jku?: string;
}

/** Pick the client authentication from `clientAuth` or the shorthand options; public when none given. */
export function resolveClientAuth({
  clientAuth,
  privateKey,
  alg,
  kid,
  jku,
  clientSecret,
}: ClientAuthShorthand): ClientAuthentication {
  if (clientAuth) return clientAuth;
  if (privateKey !== undefined) {
    if (isAssertionSigner(privateKey))
      return { method: "private_key_jwt", privateKey: checkSigner(privateKey, alg, kid), jku };
    if (alg !== "RS384" && alg !== "ES384") throw new TypeError('A privateKey needs alg: "RS384" or "ES384"');
    return { method: "private_key_jwt", privateKey, alg, kid, jku };
  }
  return clientSecret !== undefined ? { method: "client_secret_basic", clientSecret } : { method: "none" };
}

/**
 * Key-import work is done once per client and audience; this caches the ClientAuth by audience. An
 * assertion's `aud` is the endpoint it is sent to: the token endpoint by default, the introspection or
 * revocation endpoint for those calls (strict servers accept only the endpoint being called, RFC 7523 §3).
 */
export function clientAuthFactory(
  auth: ClientAuthentication,
  tokenEndpoint: string,
  now: () => number,
  load: ConfidentialAuthLoader,
) {
  const pending = new Map<string, Promise<oauth.ClientAuth>>();
  // a confidential client's code starts loading with its client, before the first token request needs it
  const confidential = auth.method === "none" ? undefined : load();
  return (audience: string = tokenEndpoint) => {
    let p = pending.get(audience);
    if (!p) {
      p = toOAuthClientAuth(auth, audience, now, confidential).catch((error) => {
        pending.delete(audience);
        throw error;
      });
      pending.set(audience, p);
    }
    return p;
  };
}

/** The oauth4webapi ClientAuth for `auth`: a public client's inline, a confidential one's from its lazily loaded module. */
async function toOAuthClientAuth(
  auth: ClientAuthentication,
  tokenEndpoint: string,
  now: () => number,
  confidential: Promise<ConfidentialAuthModule> | undefined,
): Promise<oauth.ClientAuth> {
  if (auth.method === "none") return oauth.None();
  return (await confidential!).confidentialClientAuth(auth, tokenEndpoint, now);
}

export type ConfidentialAuthModule = typeof import("./confidential-auth.js");
/** Where a flow gets the confidential-client code: import() on first use (App Launch), or a static import (Backend Services). */
export type ConfidentialAuthLoader = () => Promise<ConfidentialAuthModule>;
let confidentialAuth: Promise<ConfidentialAuthModule> | undefined;

/** The confidential-client module, imported once per process on first need (a public client never loads it). */
export function loadConfidentialAuth(): Promise<ConfidentialAuthModule> {
  if (!confidentialAuth) {
    confidentialAuth = import("./confidential-auth.js");
    confidentialAuth.catch(() => (confidentialAuth = undefined)); // a failed load is retried by the next caller
  }
  return confidentialAuth;
}
