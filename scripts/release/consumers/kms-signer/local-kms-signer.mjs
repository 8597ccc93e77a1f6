// A minimal stand-in for AWS KMS on 127.0.0.1 with one asymmetric key (ECC_NIST_P384): GetPublicKey and Sign
// (ECDSA_SHA_384, DER output as KMS sends it), in the JSON 1.1 protocol @aws-sdk/client-kms speaks. The SigV4
// signature is not checked (packages/token-store-kms's test fixture does that).
import { generateKeyPairSync, randomUUID, sign } from "node:crypto";
import { createServer } from "node:http";

export async function startSigningKms() {
  const arn = `arn:aws:kms:us-east-1:111122223333:key/${randomUUID()}`;
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const calls = { GetPublicKey: 0, Sign: 0 };
  const known = (keyId) => keyId === arn || keyId === "alias/signing";
  const operations = {
    GetPublicKey: (body) => ({
      KeyId: arn,
      PublicKey: publicKey.export({ type: "spki", format: "der" }).toString("base64"),
      KeySpec: "ECC_NIST_P384",
      KeyUsage: "SIGN_VERIFY",
      SigningAlgorithms: ["ECDSA_SHA_384"],
      ...(known(body.KeyId) ? {} : { error: "NotFoundException" }),
    }),
    Sign: (body) => {
      if (!known(body.KeyId)) return { error: "NotFoundException" };
      if (body.SigningAlgorithm !== "ECDSA_SHA_384") return { error: "InvalidKeyUsageException" };
      const signature = sign("sha384", Buffer.from(body.Message, "base64"), { key: privateKey, dsaEncoding: "der" });
      return { KeyId: arn, Signature: signature.toString("base64"), SigningAlgorithm: "ECDSA_SHA_384" };
    },
  };
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const op = String(req.headers["x-amz-target"]).replace("TrentService.", "");
    const answer = operations[op]?.(JSON.parse(Buffer.concat(chunks).toString() || "{}")) ?? { error: "UnknownOperationException" };
    if (answer.error) {
      res.writeHead(400, { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": answer.error }).end(JSON.stringify({ __type: answer.error, message: "no" }));
      return;
    }
    calls[op]++;
    res.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify(answer));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    arn,
    publicKey,
    calls,
    endpoint: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))),
  };
}
