import { defaultLaunchStateStore } from "./default-launch-state.js";
import { launchCallback } from "./launch-callback.js";
import {
  launchContext,
  type CallbackOptions,
  type LaunchContext,
  type LaunchStart,
  type SmartLaunchOptions,
} from "./launch-options.js";
import { ehrLaunchStart, standaloneLaunchStart } from "./launch-start.js";
import type { SmartClient } from "./smart-client.js";

export {
  normaliseBaseUrl,
  type CallbackOptions,
  type LaunchStart,
  type LaunchStepOptions,
  type SmartLaunchOptions,
} from "./launch-options.js";

/**
 * The safe App Launch flow (SMART 2.2 app-launch.html): EHR launch with an allow-listed `iss`, or
 * standalone launch; per-`state` records so parallel launches never collide; a callback that checks
 * `state` first, surfaces `error`, exchanges the code, verifies the id_token and returns a SmartClient.
 * Its two halves are startLaunch (launch-start.ts) and completeLaunch (launch-callback.ts).
 */
export class SmartLaunch {
  readonly #context: LaunchContext;

  constructor(options: SmartLaunchOptions) {
    this.#context = launchContext(options, defaultLaunchStateStore);
  }

  /**
   * Start an EHR launch from the launch URL's `iss` and `launch` (checklist 2.15-2.17): `iss` is
   * checked against the allow-list first, then discovered; `aud` is `iss` byte for byte.
   */
  async ehrLaunch(
    input: string | URL | URLSearchParams | { iss: string; launch: string },
    options: { session?: string } = {},
  ): Promise<LaunchStart> {
    return ehrLaunchStart(this.#context, input, options.session);
  }

  /** Start a standalone launch against `fhirBaseUrl` (default the configured one; others must be trusted). */
  async standaloneLaunch(options: { fhirBaseUrl?: string; session?: string } = {}): Promise<LaunchStart> {
    return standaloneLaunchStart(this.#context, options.fhirBaseUrl, options.session);
  }

  /**
   * Finish a launch from the redirect URL (or its query): `state` is checked first and consumed
   * (single use, E12), then `error` becomes `authorization_denied`, a redirect without `code` is
   * refused (E9), the code is exchanged once and the id_token verified (nonce included).
   */
  async handleCallback(callback: string | URL | URLSearchParams, options: CallbackOptions = {}): Promise<SmartClient> {
    return launchCallback(this.#context, callback, options);
  }
}
