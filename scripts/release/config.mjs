// What the release dry run expects of the packages, and the consumer projects it builds.

/**
 * The leaf packages and the only runtime dependencies each may declare (ARCHITECTURE.md, "Siblings are leaves"):
 * none, except jose for PKCE (its base64url encoder: never a hand-written copy). Optional peers (token-store's
 * fast-check, for its `./testing` contract suite only) are not runtime dependencies.
 */
export const LEAF_DEPS = {
  "@fhir-dsl/smart-scopes": [],
  "@fhir-dsl/smart-pkce": ["jose"],
  "@fhir-dsl/smart-discovery": [],
  "@fhir-dsl/token-store": [],
};

/** Adapters: the client library the user builds and passes in, so a peerDependency. */
export const PEER_CLIENTS = {
  "@fhir-dsl/token-store-redis": ["ioredis"],
  "@fhir-dsl/token-store-kms": ["@aws-sdk/client-kms"],
  "@fhir-dsl/smart-kms-signer": ["@aws-sdk/client-kms"],
};

/** Heavy families a consumer gets only if it asked for the key package itself (directly, as a production dependency). */
export const FAMILIES = {
  ioredis: [/^ioredis$/, /^@ioredis\//],
  "@aws-sdk/client-kms": [/^@aws-sdk\//, /^@smithy\//, /^@aws-crypto\//],
  "oidc-provider": [/^oidc-provider$/, /^koa/, /^@koa\//],
};

const TS = { typescript: "5.9.3" };
const node = (file) => ({ label: file, cmd: "node", args: [file] });
const tsc = (resolution) => ({
  label: `tsc --noEmit (moduleResolution ${resolution})`,
  cmd: "node",
  args: ["node_modules/typescript/bin/tsc", "-p", `tsconfig.${resolution}.json`],
});
const typeChecks = [tsc("bundler"), tsc("node16")];

/**
 * Each consumer: internal packages it installs (`packages`, and `devPackages` as devDependencies), third-party
 * packages it brings itself, the folders of consumers/ copied in, the tools/ packages copied in (as ./<name>/:
 * plain ESM, no build, never published), the commands that must exit 0 (78 = skipped),
 * `lib`: the TypeScript libraries its type checks compile with (default: the target's);
 * `zeroDep`: its production tree must be exactly `packages` and their LEAF_DEPS; `adapter`: skipped, not failed, while that
 * package is still empty; `needs`: services started for it.
 */
export const CONSUMERS = [
  {
    id: "scopes",
    title: "only @fhir-dsl/smart-scopes",
    packages: ["@fhir-dsl/smart-scopes"],
    devThirdParty: TS,
    files: ["scopes"],
    steps: [node("esm.mjs"), node("cjs.cjs"), ...typeChecks],
    zeroDep: true,
  },
  {
    id: "pkce",
    title: "only @fhir-dsl/smart-pkce",
    packages: ["@fhir-dsl/smart-pkce"],
    devThirdParty: TS,
    files: ["pkce"],
    steps: [node("esm.mjs"), node("cjs.cjs"), ...typeChecks],
    zeroDep: true,
  },
  {
    id: "discovery",
    title: "only @fhir-dsl/smart-discovery",
    packages: ["@fhir-dsl/smart-discovery"],
    devThirdParty: TS,
    files: ["discovery"],
    steps: [node("esm.mjs"), node("cjs.cjs"), ...typeChecks],
    zeroDep: true,
  },
  {
    id: "smart",
    title: "@fhir-dsl/smart + @fhir-dsl/smart-sandbox (dev)",
    packages: ["@fhir-dsl/smart"],
    devPackages: ["@fhir-dsl/smart-sandbox"],
    devThirdParty: TS,
    files: ["shared", "smart"],
    steps: [
      node("readme-exports.mjs"),
      node("cjs.cjs"),
      node("backend-services.mjs"),
      node("app-launch.mjs"),
      ...typeChecks,
    ],
  },
  {
    id: "browser",
    title: "only @fhir-dsl/smart-browser (brings @fhir-dsl/smart)",
    packages: ["@fhir-dsl/smart-browser"],
    devThirdParty: TS,
    files: ["browser"],
    lib: ["es2022", "dom"],
    steps: [node("esm.mjs"), node("cjs.cjs"), ...typeChecks],
  },
  {
    id: "cli",
    title: "only @fhir-dsl/smart-cli (the smart binary)",
    packages: ["@fhir-dsl/smart-cli"],
    files: ["cli"],
    steps: [node("cli.mjs")],
  },
  {
    id: "smart-redis",
    title: "@fhir-dsl/smart + @fhir-dsl/token-store-redis + ioredis",
    packages: ["@fhir-dsl/smart", "@fhir-dsl/token-store-redis"],
    devPackages: ["@fhir-dsl/smart-sandbox"],
    thirdParty: { ioredis: "6.0.0" },
    files: ["shared", "redis"],
    steps: [node("redis-store.mjs")],
    adapter: "@fhir-dsl/token-store-redis",
    needs: ["redis"],
  },
  {
    id: "smart-kms",
    title: "@fhir-dsl/smart + @fhir-dsl/token-store-kms + @aws-sdk/client-kms",
    packages: ["@fhir-dsl/smart", "@fhir-dsl/token-store-kms"],
    devPackages: ["@fhir-dsl/smart-sandbox"],
    thirdParty: { "@aws-sdk/client-kms": "3.1164.0" },
    files: ["shared", "kms"],
    tools: ["test-kms"],
    steps: [node("kms-store.mjs")],
    adapter: "@fhir-dsl/token-store-kms",
  },
  {
    id: "kms-signer",
    title: "only @fhir-dsl/smart-kms-signer + its peer @aws-sdk/client-kms",
    packages: ["@fhir-dsl/smart-kms-signer"],
    thirdParty: { "@aws-sdk/client-kms": "3.1164.0" },
    // Node-only (as the AWS SDK): its users compile with Node's types, which the SDK's own .d.ts need
    devThirdParty: { ...TS, "@types/node": "20.19.25" },
    files: ["kms-signer"],
    tools: ["test-kms"],
    steps: [node("esm.mjs"), node("cjs.cjs"), node("bin.mjs"), ...typeChecks],
  },
];

/** Exit code of a consumer step meaning "the package under test is still empty": reported, not failed. */
export const SKIP_EXIT = 78;
