/**
 * Which agents report `guest-exec-status`'s `out-truncated` / `err-truncated` right.
 *
 * Upstream releases before the fix (QEMU commit 28c5d27dd4, "qga: Fix truncated output
 * handling in guest-exec status reporting") set only the field's *presence* from the
 * truncation state and never its value: the field appeared only when the output was cut,
 * and then said `false`. The fix is in 10.2.0 and was backported to the stable releases
 * 10.1.1, 10.0.4 and 7.2.20 (Debian's 7.2.22 reports the flags right).
 * @module
 */
import { agentRelease, VIRTIO_WIN_MIN_MAJOR } from '../guest-os/agent-release.js';

/**
 * True when an agent of `version` (e.g. `7.2.22`, `10.2.0`) sets the truncation flags
 * right. A virtio-win build (`108.0.2`, `110.0.2`) is judged by the upstream release it
 * was built from, without a stable backport: nobody has seen one of them get it right.
 */
export function truncationFlagsReliable(version: string): boolean {
  const major0 = Number.parseInt(version, 10);
  if (major0 >= VIRTIO_WIN_MIN_MAJOR) return truncationFlagsReliable(`${agentRelease(version).qemu}.0`);
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version);
  if (!match) return false;
  const [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
  if (major > 10 || (major === 10 && minor >= 2)) return true;
  if (major === 10 && minor === 1) return patch >= 1;
  if (major === 10 && minor === 0) return patch >= 4;
  if (major === 7 && minor === 2) return patch >= 20;
  return false;
}
