export {
  createKmsSigner,
  getKmsJwks,
  getKmsPublicKey,
  KmsSigner,
  type KmsPublicJwk,
  type KmsPublicKey,
  type KmsSignerAlg,
  type KmsSignerOptions,
} from "./kms-signer.js";
export { KmsSignerError, KmsSignerErrorCode, type KmsSignerOperation } from "./errors.js";
export { derToJoseSignature } from "./der.js";
