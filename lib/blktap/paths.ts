/**
 * The dom0 paths sm's blktap layer uses for a VDI (spec/blktap2.md §1.2). They are dom0 paths: what
 * crosses boundaries; code that touches them maps them under LINSTOR_SR_ROOT.
 */

/** The block node xapi's VBD uses (`params`): made at activate, a copy of the tapdev node. */
export const backendPath = (sr: string, vdi: string): string => `/dev/sm/backend/${sr}/${vdi}`;

/** Link to the path the tapdisk serves (`/dev/drbd/by-res/<rd>/0`): made at activate, re-pointed by unpause. */
export const phyPath = (sr: string, vdi: string): string => `/dev/sm/phy/${sr}/${vdi}`;

/** Link to the tapdisk's NBD socket (what `params_nbd` names). */
export const nbdLinkPath = (sr: string, vdi: string): string => `/run/blktap-control/nbd/${sr}/${vdi}`;

/** The tapdisk's NBD socket for a pid and minor. */
export const nbdSocketPath = (pid: number, minor: number): string => `/run/blktap-control/nbd${pid}.${minor}`;

/** `params_nbd` of the attach result. */
export const paramsNbd = (sr: string, vdi: string): string => `nbd:unix:${nbdLinkPath(sr, vdi)}:exportname=${vdi}`;

/** The tapdev block device of a blktap minor. */
export const tapdevPath = (minor: number): string => `/dev/xen/blktap-2/tapdev${minor}`;
