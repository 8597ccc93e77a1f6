/**
 * KMS returns ECDSA signatures DER-encoded (`SEQUENCE { INTEGER r, INTEGER s }`, RFC 3279 §2.2.3); a JWS
 * needs r and s as fixed-size big-endian integers, concatenated (RFC 7518 §3.4). This converts strictly:
 * anything but a minimal DER encoding of two positive integers that fit `size` bytes is refused.
 */
export function derToJoseSignature(der: Uint8Array, size: number): Uint8Array | undefined {
  let pos = 0;
  const length = (): number | undefined => {
    const first = der[pos++];
    if (first === undefined) return undefined;
    if (first < 0x80) return first;
    // long form, one length byte, only for lengths >= 128 (DER is minimal, X.690 §10.1)
    const next = der[pos++];
    return first === 0x81 && next !== undefined && next >= 0x80 ? next : undefined;
  };
  const integer = (): Uint8Array | undefined => {
    if (der[pos++] !== 0x02) return undefined;
    const len = length();
    if (len === undefined || len === 0 || pos + len > der.length) return undefined;
    let bytes = der.subarray(pos, pos + len);
    pos += len;
    if (bytes[0]! & 0x80) return undefined; // negative
    if (bytes[0] === 0 && len > 1) {
      if (!(bytes[1]! & 0x80)) return undefined; // a 0x00 pad is only allowed before a high bit
      bytes = bytes.subarray(1);
    }
    return bytes.length <= size && bytes.some((b) => b !== 0) ? bytes : undefined;
  };
  if (der[pos++] !== 0x30) return undefined;
  const total = length();
  if (total === undefined || pos + total !== der.length) return undefined;
  const r = integer();
  const s = r && integer();
  if (!r || !s || pos !== der.length) return undefined;
  const out = new Uint8Array(2 * size);
  out.set(r, size - r.length);
  out.set(s, 2 * size - s.length);
  return out;
}
