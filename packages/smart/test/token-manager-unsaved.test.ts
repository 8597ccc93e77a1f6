import { InMemoryTokenStore, type StoredToken, TokenStoreError, TokenStoreErrorCode } from "@fhir-dsl/token-store";
import { describe, expect, it } from "vitest";
import { TokenManager } from "../src/token-manager.js";

// SECURITY.md F20: a rotated refresh token whose save failed (store outage, or a Redis write no replica
// acknowledged before a failover) lives only in memory; it must be stored before the next renewal reads the
// store, even once its access token is stale, or the renewal presents the older, already rotated refresh token.
describe("TokenManager: an unsaved rotated refresh token outlives its access token (F20)", () => {
  for (const outageMs of [1_000, 100_000, 299_000, 400_000, 10_000_000]) {
    it(`store out for ${outageMs} ms after a rotation: the next renewal uses the rotated refresh token, never the stored older one`, async () => {
      let now = 0;
      const inner = new InMemoryTokenStore();
      let down = false;
      const outage = (k: string) =>
        new TokenStoreError("down", { code: TokenStoreErrorCode.Unavailable, key: k, retryable: true });
      const store = {
        get: (k: string) => inner.get(k),
        delete: (k: string) => inner.delete(k),
        set: async (k: string, v: StoredToken) => {
          if (down) throw outage(k);
          return inner.set(k, v);
        },
        // the fenced write after a refresh (F10) goes through the lease: it is down with the store
        lock: async (k: string, ms: number) => {
          const lease = await inner.lock(k, ms);
          if (lease === undefined) return undefined;
          return {
            release: () => lease.release(),
            extend: (leaseMs: number) => lease.extend(leaseMs),
            set: async (v: StoredToken) => {
              if (down) throw outage(k);
              return lease.set(v);
            },
          };
        },
      };
      let generation = 1;
      const presented: string[] = [];
      const issue = (): StoredToken => ({
        access_token: `at-${generation}`,
        refresh_token: `rt-${generation}`,
        token_type: "Bearer",
        expires_in: 300,
        expires_at: now + 300_000,
      });
      const m = new TokenManager({
        store,
        key: "k",
        now: () => now,
        obtain: async (current) => {
          presented.push(current?.refresh_token ?? "none");
          // the server rotates: each refresh token works once
          if (current?.refresh_token !== `rt-${generation}`) throw new Error(`reused ${current?.refresh_token}`);
          generation++;
          return issue();
        },
      });
      await m.adopt(issue()); // rt-1 stored
      now = 240_000; // renew: rt-1 -> rt-2, but the save fails
      down = true;
      await expect(m.get()).rejects.toMatchObject({ retryable: true });
      expect(presented).toEqual(["rt-1"]);
      now += outageMs;
      down = false;
      const fresh = await m.get();
      // rt-1 was presented once; a renewal after the outage (rt-2's access token is due at 480,000) presents rt-2
      const renewed = now >= 480_000;
      expect(presented).toEqual(renewed ? ["rt-1", "rt-2"] : ["rt-1"]);
      expect(fresh.refresh_token).toBe(renewed ? "rt-3" : "rt-2");
      expect((await inner.get("k"))?.refresh_token).toBe(fresh.refresh_token);
    });
  }
});
