import type Provider from "oidc-provider";
import type { SandboxStorage } from "./adapter.js";
import { normaliseRegistration, toClientMetadata } from "./clients.js";
import { SandboxError, SandboxErrorCode } from "./errors.js";
import type { ClientRegistration } from "./types.js";

/**
 * `sandbox.registerClient`: checks the registration, has oidc-provider validate its metadata (a refusal is a
 * SandboxError with the provider's reason), then stores it for the provider and for the sandbox's own checks.
 */
export function clientRegistrar(
  provider: Provider,
  storage: SandboxStorage,
  registrations: Map<string, ClientRegistration>,
): (client: ClientRegistration) => Promise<void> {
  return async (client) => {
    const registration = normaliseRegistration(client);
    const metadata = toClientMetadata(registration);
    try {
      await provider.Client.validate(metadata as never);
    } catch (cause) {
      const detail = (cause as { error_description?: string }).error_description ?? "invalid client metadata";
      throw new SandboxError(SandboxErrorCode.InvalidClient, `client ${registration.clientId} was refused: ${detail}`, {
        error: "invalid_client_metadata",
        errorDescription: detail,
        cause,
      });
    }
    await storage.adapterFor("Client").upsert(registration.clientId, metadata as never);
    registrations.set(registration.clientId, registration);
  };
}
