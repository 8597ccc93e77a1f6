// Compiled with tsc --noEmit: the package's types as a TypeScript user sees them.
import { WebStorageTokenStore, type WebStorageOptions } from "@fhir-dsl/smart-browser";

export const options: WebStorageOptions = { clientId: "app" };
export const store: WebStorageTokenStore = new WebStorageTokenStore(options);
// @ts-expect-error clientId is a string (proves the types are not `any`)
export const wrong = new WebStorageTokenStore({ clientId: 42 });
