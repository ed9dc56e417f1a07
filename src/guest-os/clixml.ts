/**
 * PowerShell's CLIXML error stream, as plain text.
 *
 * When `powershell.exe` runs `-EncodedCommand` with its stderr redirected (as under
 * qemu-ga, which captures it), PowerShell 5.1 serialises error records instead of
 * printing them: `#< CLIXML` and an `<Objs>` document whose `<S S="Error">` strings
 * carry the messages, with XML entities and `_xHHHH_` escapes for control characters
 * (PowerShell#5912, #16678; Ansible's `_parse_clixml` does the same). Text outside the
 * documents is kept; progress records and other streams are dropped.
 * @module
 */

const MARKER = '#< CLIXML';

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#\d+);/g, (whole, entity: string) => {
    switch (entity) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default:
        return String.fromCodePoint(entity.startsWith('#x') ? Number.parseInt(entity.slice(2), 16) : Number(entity.slice(1)));
    }
  });
}

/** `_x000D__x000A_` → CRLF (XmlConvert escapes, UTF-16 code units). */
function unescapePowerShell(text: string): string {
  return text.replace(/_x([0-9a-fA-F]{4})_/g, (_whole, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** True when `text` holds a CLIXML document. */
export function hasClixml(text: string): boolean {
  return text.includes(MARKER);
}

/**
 * The error messages of every CLIXML document in `text`, in order, with the text around
 * the documents kept.
 *
 * @example
 * ```ts
 * clixmlToText('#< CLIXML\r\n<Objs Version="1.1.0.1"><S S="Error">boom_x000D__x000A_</S></Objs>'); // 'boom\r\n'
 * ```
 */
export function clixmlToText(text: string): string {
  if (!hasClixml(text)) return text;
  let out = '';
  let rest = text;
  for (;;) {
    const at = rest.indexOf(MARKER);
    if (at === -1) return out + rest;
    out += rest.slice(0, at);
    rest = rest.slice(at + MARKER.length).replace(/^\r?\n/, '');
    const end = rest.indexOf('</Objs>');
    const doc = end === -1 ? rest : rest.slice(0, end);
    rest = end === -1 ? '' : rest.slice(end + '</Objs>'.length).replace(/^\r?\n/, '');
    for (const match of doc.matchAll(/<S S="Error">([\s\S]*?)<\/S>/g)) out += unescapePowerShell(unescapeXml(match[1] as string));
  }
}
