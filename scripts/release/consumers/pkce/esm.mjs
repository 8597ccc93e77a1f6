// @fhir-dsl/smart-pkce alone, ESM: the seed README's step 2 (verifier, S256 challenge, state).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  codeChallengeS256,
  createPkcePair,
  generateCodeVerifier,
  generateNonce,
  generateState,
} from "@fhir-dsl/smart-pkce";

assert.match(
  import.meta.resolve("@fhir-dsl/smart-pkce"),
  /\/dist\/node\/index\.js$/,
  "import must resolve to the ESM build for Node (export condition node)",
);

const verifier = generateCodeVerifier();
const challenge = await codeChallengeS256(verifier);
const state = generateState();
assert.match(verifier, /^[A-Za-z0-9\-._~]{43,128}$/);
assert.equal(challenge, createHash("sha256").update(verifier).digest("base64url"));
// RFC 7636 appendix B
assert.equal(
  await codeChallengeS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
  "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
);
assert.ok(Buffer.from(state, "base64url").length >= 16, "state carries >= 128 bits");
assert.notEqual(generateState(), state);
assert.notEqual(generateNonce(), generateNonce());
const pair = await createPkcePair();
assert.equal(pair.codeChallengeMethod, "S256");
assert.equal(pair.codeChallenge, await codeChallengeS256(pair.codeVerifier));
console.log(`ESM: verifier ${verifier.length} chars, challenge ${challenge.length} chars, state ${state.length} chars`);
