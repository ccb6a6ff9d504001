/**
 * The soak's model of what the SR must hold: every VDI the soak made and what each of its sectors may
 * read. A sector's cell lists the write ids it may hold: one when known (an acknowledged write, or
 * zeroes), more when a write failed (it may or may not have landed, sector by sector, until a later
 * acknowledged write covers it). A snapshot or clone that succeeded starts as a copy of its source's
 * cells at that moment and never follows the source again.
 *
 * Verbs that failed are modelled for what they may have done, no more:
 * - a failed VDI.create may leave a VDI, which must then be empty, of the size asked, with its label;
 * - a failed VDI.snapshot / VDI.clone must leave no VDI (the driver undoes it, at once or at the next scan);
 * - a failed VDI.destroy may have destroyed the VDI, or left it whole;
 * - a failed VDI.resize leaves the old or the new size, the data unchanged either way.
 * Nothing here does I/O: the checker compares the model with what the pool shows.
 */

/** The write ids a sector may hold (0: zeroes; {@link ANY}: anything, once a wrong value was reported). */
export type Cell = readonly number[];

/** A cell value that accepts whatever the sector holds: its corruption was reported already. */
export const ANY = -1;

export type VdiRole = 'disk' | 'snapshot';

export type ModelVdi = {
  readonly uuid: string;
  readonly label: string;
  readonly role: VdiRole;
  /** The worker that owns it (only that worker changes it). */
  readonly owner: number;
  /** The virtual sizes it may have (more than one after a failed resize). */
  sizes: number[];
  /** Sector → the write ids it may hold; a sector absent holds zeroes. */
  readonly content: Map<number, Cell>;
  /** A VDI.destroy failed: it may be gone. */
  maybeDeleted: boolean;
  /** Its XAPI record (ref), once known: a VDI XAPI forgets and introduces again gets a new one. */
  ref: string | undefined;
  /** How it came to be, for reports (`create w0#3`, `snapshot of … by w1#7`). */
  readonly origin: string;
};

/** A VDI.create that failed: a VDI with this label may show up, empty. */
export type PendingCreate = { readonly label: string; readonly sizeBytes: number; readonly owner: number; readonly op: string };

/** A VDI.snapshot or VDI.clone that failed: nothing may be left of it. */
export type FailedCopy = { readonly source: string; readonly verb: 'snapshot' | 'clone'; readonly op: string };

export type WriteOutcome = 'acked' | 'failed' | 'not-started';

function union(a: Cell, b: Cell): Cell {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

export class ChaosModel {
  readonly vdis = new Map<string, ModelVdi>();
  /** VDIs destroyed for sure, by uuid → the op: they must never come back. */
  readonly deleted = new Map<string, string>();
  /** Failed creates by label. */
  readonly pendingCreates = new Map<string, PendingCreate>();
  readonly failedCopies: FailedCopy[] = [];
  /** VDIs the checker found gone or leaked, by uuid: reported once. */
  readonly reported = new Set<string>();

  add(vdi: Omit<ModelVdi, 'content' | 'maybeDeleted' | 'ref'> & { content?: Map<number, Cell>; ref?: string | undefined }): ModelVdi {
    if (this.vdis.has(vdi.uuid)) throw new Error(`the model already has VDI ${vdi.uuid}`);
    const full: ModelVdi = { ...vdi, content: vdi.content ?? new Map(), maybeDeleted: false, ref: vdi.ref };
    this.vdis.set(vdi.uuid, full);
    return full;
  }

  get(uuid: string): ModelVdi {
    const v = this.vdis.get(uuid);
    if (!v) throw new Error(`VDI ${uuid} is not in the model`);
    return v;
  }

  /** The smallest size the VDI may have: writes stay below it. */
  minSize(uuid: string): number {
    return Math.min(...this.get(uuid).sizes);
  }

  /** A guest write of `count` sectors from `first`, with id `writeId`, and how it ended. */
  write(uuid: string, first: number, count: number, writeId: number, outcome: WriteOutcome): void {
    if (outcome === 'not-started') return;
    const { content } = this.get(uuid);
    for (let s = first; s < first + count; s += 1) {
      content.set(s, outcome === 'acked' ? [writeId] : union(content.get(s) ?? [0], [writeId]));
    }
  }

  /** What a snapshot or clone of `source` that succeeded holds: the source's cells now. */
  copy(source: string, into: { uuid: string; label: string; role: VdiRole; owner: number; origin: string; ref?: string | undefined }): ModelVdi {
    const from = this.get(source);
    return this.add({ ...into, sizes: [...from.sizes], content: new Map(from.content) });
  }

  /**
   * VDI.revert of `target` to its snapshot `snapshot`: on success the target holds the snapshot's cells
   * and size; after a failure either its own or the snapshot's (a revert past its commit is finished).
   */
  reverted(target: string, snapshot: string, ok: boolean): void {
    const t = this.get(target);
    const s = this.get(snapshot);
    if (ok) {
      t.content.clear();
      for (const [sector, cell] of s.content) t.content.set(sector, cell);
      t.sizes = [...s.sizes];
      return;
    }
    for (const sector of new Set([...t.content.keys(), ...s.content.keys()])) {
      t.content.set(sector, union(t.content.get(sector) ?? [0], s.content.get(sector) ?? [0]));
    }
    t.sizes = [...new Set([...t.sizes, ...s.sizes])].sort((a, b) => a - b);
  }

  resize(uuid: string, sizeBytes: number, ok: boolean): void {
    const v = this.get(uuid);
    v.sizes = ok ? [sizeBytes] : [...new Set([...v.sizes, sizeBytes])].sort((a, b) => a - b);
  }

  destroyed(uuid: string, op: string, ok: boolean): void {
    if (!ok) {
      this.get(uuid).maybeDeleted = true;
      return;
    }
    this.vdis.delete(uuid);
    this.deleted.set(uuid, op);
  }

  createFailed(pending: PendingCreate): void {
    this.pendingCreates.set(pending.label, pending);
  }

  copyFailed(failed: FailedCopy): void {
    this.failedCopies.push(failed);
  }

  /** Sectors of `uuid` that hold an acknowledged write for sure, by write id. */
  ackedWrites(uuid: string): Map<number, number[]> {
    const out = new Map<number, number[]>();
    for (const [sector, cell] of this.get(uuid).content) {
      if (cell.length !== 1 || cell[0] === 0) continue;
      const list = out.get(cell[0]!) ?? [];
      list.push(sector);
      out.set(cell[0]!, list);
    }
    return out;
  }
}
