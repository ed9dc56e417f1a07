/**
 * Base64 as the agent decodes it (`util/base64.c:qbase64_decode`): only the base64
 * alphabet, `=` and newlines are accepted; anything else is refused rather than skipped.
 * @module
 */
import { genericError } from '../errors.js';

const VALID = /^[A-Za-z0-9+/=\n]*$/;

/** Decode, or throw the agent's error. */
export function decodeBase64(text: string): Buffer {
  if (!VALID.test(text)) throw genericError('Base64 data contains invalid characters');
  return Buffer.from(text, 'base64');
}
