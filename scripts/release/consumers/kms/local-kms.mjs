// A minimal stand-in for AWS KMS on 127.0.0.1 (the JSON 1.1 protocol @aws-sdk/client-kms speaks: POST /,
// X-Amz-Target: TrentService.<Op>): GenerateDataKey, Encrypt, Decrypt with AES-256-GCM and the
// EncryptionContext as AAD. The signature is not checked (packages/token-store-kms's test fixture does that).
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";

const ARN = (id) => `arn:aws:kms:us-east-1:111122223333:key/${id}`;

export async function startLocalKms() {
  const keys = new Map(); // id -> 32-byte key
  const aliases = new Map([["alias/tokens", randomUUID()]]);
  for (const id of aliases.values()) keys.set(id, randomBytes(32));
  const calls = { GenerateDataKey: 0, Encrypt: 0, Decrypt: 0 };

  const aad = (context) => Buffer.from(JSON.stringify(Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))));
  const resolve = (keyId) => {
    const id = aliases.get(String(keyId).replace(/^arn:aws:kms:[^:]+:\d+:/, "")) ?? String(keyId).replace(/^arn:aws:kms:[^:]+:\d+:key\//, "");
    if (!keys.has(id)) throw Object.assign(new Error(`Key '${keyId}' does not exist`), { type: "NotFoundException" });
    return id;
  };
  const seal = (id, plaintext, context) => {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", keys.get(id), iv).setAAD(aad(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return Buffer.concat([Buffer.from([id.length]), Buffer.from(id), iv, body]).toString("base64");
  };
  const open = (blob, context) => {
    const buf = Buffer.from(blob, "base64");
    const id = buf.subarray(1, 1 + buf[0]).toString();
    const iv = buf.subarray(1 + buf[0], 13 + buf[0]);
    const body = buf.subarray(13 + buf[0]);
    try {
      const decipher = createDecipheriv("aes-256-gcm", keys.get(id), iv).setAAD(aad(context));
      decipher.setAuthTag(body.subarray(-16));
      return { id, plaintext: Buffer.concat([decipher.update(body.subarray(0, -16)), decipher.final()]) };
    } catch {
      throw Object.assign(new Error(""), { type: "InvalidCiphertextException" });
    }
  };
  const operations = {
    GenerateDataKey: (b) => {
      const id = resolve(b.KeyId);
      const plaintext = randomBytes(b.KeySpec === "AES_128" ? 16 : b.NumberOfBytes ?? 32);
      return { KeyId: ARN(id), Plaintext: plaintext.toString("base64"), CiphertextBlob: seal(id, plaintext, b.EncryptionContext) };
    },
    Encrypt: (b) => {
      const id = resolve(b.KeyId);
      return { KeyId: ARN(id), CiphertextBlob: seal(id, Buffer.from(b.Plaintext, "base64"), b.EncryptionContext) };
    },
    Decrypt: (b) => {
      const { id, plaintext } = open(b.CiphertextBlob, b.EncryptionContext);
      return { KeyId: ARN(id), Plaintext: plaintext.toString("base64"), EncryptionAlgorithm: "SYMMETRIC_DEFAULT" };
    },
  };

  const server = createServer(async (req, res) => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const op = String(req.headers["x-amz-target"] ?? "").replace("TrentService.", "");
    const reply = (status, body, type) =>
      res.writeHead(status, { "content-type": "application/x-amz-json-1.1", ...(type ? { "x-amzn-errortype": type } : {}) }).end(JSON.stringify(body));
    if (req.method !== "POST" || !operations[op]) return reply(400, { __type: "UnknownOperationException" }, "UnknownOperationException");
    calls[op]++;
    try {
      reply(200, operations[op](JSON.parse(raw)));
    } catch (error) {
      const type = error.type ?? "KMSInternalException";
      reply(error.type ? 400 : 500, { __type: type, message: error.message }, type);
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    calls,
    close: () => new Promise((r) => {
      server.close(r);
      server.closeAllConnections();
    }),
  };
}
