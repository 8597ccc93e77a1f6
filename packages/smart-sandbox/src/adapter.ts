import type { Adapter, AdapterPayload } from "oidc-provider";

interface Entry {
  payload: AdapterPayload;
  expiresAt: number | undefined;
}

/** Shared storage of one sandbox; unbounded, unlike the provider's LRU memory adapter. */
export class SandboxStorage {
  readonly entries = new Map<string, Entry>();
  readonly grantIndex = new Map<string, Set<string>>();

  adapterFor(name: string): Adapter {
    return new MapAdapter(name, this);
  }

  clear(): void {
    this.entries.clear();
    this.grantIndex.clear();
  }
}

class MapAdapter implements Adapter {
  constructor(
    private readonly name: string,
    private readonly storage: SandboxStorage,
  ) {}

  private key(id: string): string {
    return `${this.name}:${id}`;
  }

  private read(key: string): AdapterPayload | undefined {
    const entry = this.storage.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.storage.entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = this.key(id);
    this.storage.entries.set(key, {
      payload,
      expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined,
    });
    if (payload.grantId) {
      const set = this.storage.grantIndex.get(payload.grantId) ?? new Set<string>();
      set.add(key);
      this.storage.grantIndex.set(payload.grantId, set);
    }
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.read(this.key(id));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    for (const [key, entry] of this.storage.entries) {
      if (key.startsWith(`${this.name}:`) && entry.payload.uid === uid) return this.read(key);
    }
    return undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    for (const [key, entry] of this.storage.entries) {
      if (key.startsWith(`${this.name}:`) && entry.payload.userCode === userCode) return this.read(key);
    }
    return undefined;
  }

  async consume(id: string): Promise<void> {
    const entry = this.storage.entries.get(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.storage.entries.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const keys = this.storage.grantIndex.get(grantId);
    if (!keys) return;
    for (const key of keys) this.storage.entries.delete(key);
    this.storage.grantIndex.delete(grantId);
  }
}
