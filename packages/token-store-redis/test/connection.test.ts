import { afterAll, describe, expect, it } from "vitest";
import { RedisTokenStore } from "../src/index.js";
import { sampleToken } from "@fhir-dsl/token-store/testing";
import { randomPrefix, sharedClient } from "./helpers.js";

async function clientConnections(client: ReturnType<typeof sharedClient>, name: string): Promise<number> {
  const list = (await client.client("LIST")) as string;
  return list.split("\n").filter((line) => line.includes(`name=${name} `)).length;
}

describe("the store's own connection (SECURITY.md F2)", () => {
  const observer = sharedClient();
  afterAll(() => observer.disconnect());

  it("one duplicate per client, however many stores are built on it; closed when the client ends", async () => {
    const name = `conn-test-${Math.random().toString(36).slice(2, 8)}`;
    const client = sharedClient({ connectionName: name });
    const prefix = randomPrefix("conn");
    const stores = Array.from({ length: 20 }, () => new RedisTokenStore(client, { keyPrefix: prefix }));
    await Promise.all(stores.map((s, i) => s.set(`k${i}`, sampleToken())));
    expect(client.listenerCount("end")).toBeLessThanOrEqual(1);
    expect(await clientConnections(observer, name)).toBe(2); // the user's connection and the store's one
    client.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await clientConnections(observer, name)).toBe(0);
  });

  it("a client built with autoResendUnfulfilledCommands: false is used as it is", async () => {
    const name = `conn-own-${Math.random().toString(36).slice(2, 8)}`;
    const client = sharedClient({ connectionName: name, autoResendUnfulfilledCommands: false });
    await new RedisTokenStore(client, { keyPrefix: randomPrefix("own") }).set("k", sampleToken());
    expect(await clientConnections(observer, name)).toBe(1);
    client.disconnect();
  });
});
