/**
 * The characters XML 1.0 cannot carry, in a module of its own so that the driver's fast entry
 * (driver/driver-info-call.ts) judges them as the XML-RPC codec does without loading the codec.
 */

/** C0 controls but TAB/LF/CR, lone surrogates, U+FFFE/U+FFFF. Global: set lastIndex to 0 before each use. */
export const ILLEGAL_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** True when the text holds a character that XML 1.0 cannot carry. */
export function hasIllegalXmlChar(text: string): boolean {
  ILLEGAL_XML.lastIndex = 0;
  return ILLEGAL_XML.test(text);
}
