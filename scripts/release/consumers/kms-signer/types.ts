/// <reference types="node" />
// Compiled with tsc --noEmit: the package's types as a TypeScript user sees them.
import { KMSClient } from "@aws-sdk/client-kms";
import {
  createKmsSigner,
  getKmsJwks,
  KmsSignerError,
  type KmsPublicKey,
  type KmsSigner,
  type KmsSignerOptions,
} from "@fhir-dsl/smart-kms-signer";

const options: KmsSignerOptions = { kms: new KMSClient({ region: "us-east-1" }), keyId: "alias/signing", alg: "ES384" };
export const signer: Promise<KmsSigner> = createKmsSigner(options);
export const jwks: Promise<{ keys: KmsPublicKey["jwk"][] }> = getKmsJwks(options);
export const sign: (data: Uint8Array) => Promise<Uint8Array> = null as unknown as KmsSigner["sign"];
export const isError: boolean = KmsSignerError.is(new Error("x"));
// @ts-expect-error alg is "ES384" | "RS384" (proves the types are not `any`)
createKmsSigner({ ...options, alg: "ES256" });
