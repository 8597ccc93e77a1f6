// @fhir-dsl/smart-browser: SMART App Launch for static browser apps (no server): web-storage stores and
// fhirclient-style authorize() / ready(). Everything OAuth is @fhir-dsl/smart's startLaunch, completeLaunch (the halves
// of SmartLaunch, one per page) and SmartClient.
export { WebStorageTokenStore } from "./token-store.js";
export { WebStorageLaunchStateStore, type WebStorageLaunchStateStoreOptions } from "./launch-state-store.js";
export type { WebStorageOptions } from "./web-storage.js";
export type { BrowserAppOptions, BrowserHistory, BrowserLocation } from "./flow.js";
export { authorize } from "./launch-page.js";
export { ready, signOut } from "./app-page.js";
