// The error classes of the protocol, named as in the Python, Go and Java references.
// Every message is one line and never contains key material.

export const DECRYPTION_FAILED = 'decryption failed';

export class OcrCryptoError extends Error {
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }

  get className() { return this.constructor.name; }
}
export class KeyFormatError extends OcrCryptoError {}
export class EnvelopeFormatError extends OcrCryptoError {}
export class DecryptionError extends OcrCryptoError {}
export class UnsupportedAlgorithmError extends OcrCryptoError {}

/** Bad command-line arguments: exit code 2. */
export class UsageError extends Error {}

export const ERROR_CLASSES = {
  KeyFormatError,
  EnvelopeFormatError,
  DecryptionError,
  UnsupportedAlgorithmError,
};

/** The one service-side failure, whatever went wrong. */
export function decryptionFailed() {
  return new DecryptionError(DECRYPTION_FAILED);
}
