import * as oauth from "oauth4webapi";

/** Signing algorithms SMART asymmetric clients use (client-confidential-asymmetric.html#signature-verification). */
export type AssertionAlg = "RS384" | "ES384";

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
      /** A WebCrypto private key (e.g. from jose's `importPKCS8(pem, alg)`) or a private JWK. */
      privateKey: CryptoKey | JsonWebKey;
      alg: AssertionAlg;
      /** `kid` header: must match the key registered in the client's JWKS (E17). */
      kid?: string;
      /** `jku` header: the registered JWKS URL, exactly (client-confidential-asymmetric.html). */
      jku?: string;
      /** Assertion lifetime in seconds, at most 300 (default 240, leaving room for clock skew, E4). */
      assertionLifetimeSeconds?: number;
    };

/** The shorthand options flows accept besides `clientAuth`. */
export interface ClientAuthShorthand {
  clientAuth?: ClientAuthentication;
  clientSecret?: string;
  privateKey?: CryptoKey | JsonWebKey;
  alg?: AssertionAlg;
  kid?: string;
  jku?: string;
}

/** Pick the client authentication from `clientAuth` or the shorthand options; public when none given. */
export function resolveClientAuth(options: ClientAuthShorthand): ClientAuthentication {
  if (options.clientAuth) return options.clientAuth;
  if (options.privateKey !== undefined) {
    if (options.alg !== "RS384" && options.alg !== "ES384") {
      throw new TypeError('A privateKey needs alg: "RS384" or "ES384"');
    }
    return {
      method: "private_key_jwt",
      privateKey: options.privateKey,
      alg: options.alg,
      ...(options.kid ? { kid: options.kid } : {}),
      ...(options.jku ? { jku: options.jku } : {}),
    };
  }
  if (options.clientSecret !== undefined) return { method: "client_secret_basic", clientSecret: options.clientSecret };
  return { method: "none" };
}

const isCryptoKey = (value: unknown): value is CryptoKey =>
  typeof value === "object" && value !== null && "algorithm" in value && "usages" in value && "type" in value;

const IMPORT_PARAMS = {
  ES384: { name: "ECDSA", namedCurve: "P-384" },
  RS384: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" },
} as const;

async function importSigningKey(key: CryptoKey | JsonWebKey, alg: AssertionAlg): Promise<CryptoKey> {
  if (typeof key === "string") {
    throw new TypeError('privateKey must be a CryptoKey or a private JWK: import a PEM with jose, `await importPKCS8(pem, "ES384")`');
  }
  if (typeof key !== "object" || key === null) throw new TypeError("privateKey must be a CryptoKey or a private JWK");
  let cryptoKey: CryptoKey;
  if (isCryptoKey(key)) cryptoKey = key;
  else {
    // a JWK goes straight to WebCrypto; only its private members and curve matter for signing
    const { kty, crv, d, x, y, n, e, p, q, dp, dq, qi } = key;
    try {
      cryptoKey = await crypto.subtle.importKey("jwk", { kty, crv, d, x, y, n, e, p, q, dp, dq, qi }, IMPORT_PARAMS[alg], false, ["sign"]);
    } catch (cause) {
      throw new TypeError(`privateKey is not a private ${alg} JWK`, { cause });
    }
  }
  assertKeyMatches(cryptoKey, alg);
  return cryptoKey;
}

// E17: the key must produce the declared alg (ES384 = P-384, RS384 = PKCS#1 v1.5 SHA-384, >= 2048 bits).
function assertKeyMatches(key: CryptoKey, alg: AssertionAlg): void {
  if (key.type !== "private" || !key.usages.includes("sign")) {
    throw new TypeError("privateKey must be a private key usable for signing");
  }
  const a = key.algorithm as { name: string; namedCurve?: string; hash?: { name: string }; modulusLength?: number };
  const ok =
    alg === "ES384"
      ? a.name === "ECDSA" && a.namedCurve === "P-384"
      : a.name === "RSASSA-PKCS1-v1_5" && a.hash?.name === "SHA-384" && (a.modulusLength ?? 0) >= 2048;
  if (!ok) throw new TypeError(`privateKey does not match alg ${alg} (ES384 needs a P-384 key; RS384 an RSA key of >= 2048 bits imported for RS384)`);
}

const encoder = new TextEncoder();

// SMART's symmetric example sends the raw "id:secret"; UTF-8 first so non-ASCII secrets survive btoa.
function rawBasic(clientSecret: string): oauth.ClientAuth {
  return (_as, client, _body, headers) => {
    const bytes = encoder.encode(`${client.client_id}:${clientSecret}`);
    headers.set("authorization", `Basic ${btoa(String.fromCharCode(...bytes))}`);
  };
}

/**
 * The oauth4webapi ClientAuth for a SMART client. For private_key_jwt it fixes what SMART needs and
 * oauth4webapi's defaults lack: `typ: "JWT"`, `aud` = the token endpoint exactly (E7), `exp` <= 5 min
 * (backend-services.html#protocol-details); oauth4webapi draws a fresh `jti` per request (E5).
 */
export async function toOAuthClientAuth(
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
      return auth.basicEncoding === "form-urlencoded" ? oauth.ClientSecretBasic(auth.clientSecret) : rawBasic(auth.clientSecret);
    case "private_key_jwt": {
      const lifetime = auth.assertionLifetimeSeconds ?? 240;
      if (!(lifetime > 0 && lifetime <= 300)) throw new TypeError("assertionLifetimeSeconds must be in (0, 300]");
      const key = await importSigningKey(auth.privateKey, auth.alg);
      return oauth.PrivateKeyJwt(auth.kid ? { key, kid: auth.kid } : key, {
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

/** Key-import work is done once per client; this caches the ClientAuth by its options object. */
export function clientAuthFactory(auth: ClientAuthentication, tokenEndpoint: string, now: () => number) {
  let pending: Promise<oauth.ClientAuth> | undefined;
  return () => {
    pending ??= toOAuthClientAuth(auth, tokenEndpoint, now).catch((error) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
