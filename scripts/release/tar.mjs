// Reads an npm tarball (gzip'd ustar, as `pnpm pack` writes it) into memory: no tar binary needed.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

const text = (block, start, length) => {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? raw.length : end).toString("utf8");
};

/** Entries of `file` as { path, size, type, data }; `path` relative to the tarball's `package/` folder. */
export function readTarball(file) {
  const buf = gunzipSync(readFileSync(file));
  const entries = [];
  let offset = 0;
  let paxPath;
  while (offset + 512 <= buf.length) {
    const header = buf.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const name = text(header, 0, 100);
    const size = parseInt(text(header, 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(header[156] || 48);
    const prefix = text(header, 345, 155);
    const data = buf.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === "x") {
      // pax extended header: "<len> path=<value>\n" records
      const match = /\d+ path=([^\n]*)\n/.exec(data.toString("utf8"));
      paxPath = match?.[1];
      continue;
    }
    if (type === "g") continue;
    const full = paxPath ?? (prefix ? `${prefix}/${name}` : name);
    paxPath = undefined;
    entries.push({
      path: full.replace(/^[^/]+\//, ""),
      size,
      type: type === "0" || type === "\0" ? "file" : type === "5" ? "dir" : type,
      data,
    });
  }
  return entries;
}
