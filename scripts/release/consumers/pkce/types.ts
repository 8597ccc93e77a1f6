// Compiled with tsc --noEmit: the package's types as an ESM TypeScript user sees them.
import { codeChallengeS256, createPkcePair, generateCodeVerifier, generateState } from "@fhir-dsl/smart-pkce";
import type { PkcePair } from "@fhir-dsl/smart-pkce";

export const verifier: string = generateCodeVerifier();
export const challenge: Promise<string> = codeChallengeS256(verifier);
export const state: string = generateState();
export const pair: Promise<PkcePair> = createPkcePair();
export async function method(): Promise<"S256"> {
  return (await createPkcePair()).codeChallengeMethod;
}
// @ts-expect-error a verifier is a string (proves the types are not `any`)
codeChallengeS256(42);
