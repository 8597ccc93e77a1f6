export {
  CODE_CHALLENGE_METHOD,
  codeChallengeS256,
  createPkcePair,
  generateCodeVerifier,
  isValidCodeVerifier,
} from "./pkce.js";
export type { PkcePair } from "./pkce.js";
export { generateNonce, generateState } from "./state.js";
