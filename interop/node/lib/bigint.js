// Modular exponentiation over BigInt, shared by the RSA private operation and SM2 point
// decompression (square roots mod p). Not constant-time: this is a reference, not a service.
export function modPow(base, exp, mod) {
  let result = 1n;
  base %= mod;
  while (exp > 0n) {
    if (exp & 1n) result = (result * base) % mod;
    base = (base * base) % mod;
    exp >>= 1n;
  }
  return result;
}
