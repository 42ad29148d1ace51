/**
 * HID report-descriptor parser (HID 1.11 §6.2.2): short and long items, global/local/main items, push/pop, usage
 * ranges, report ids/sizes/counts and the bit offset of every field inside its report. Pure: no node, no node-hid.
 *
 * Every malformed input ends in a {@link HidDescriptorError}; the parser is linear in the input length (usage
 * ranges are kept as ranges, never expanded), so hostile bytes cannot make it hang or allocate without bound.
 */
import { extendedUsage } from '../usages';
import { HidDescriptorError } from './errors';

export { HidDescriptorError } from './errors';

export type ReportKind = 'input' | 'output' | 'feature';

/** Main-item data bits for Input/Output/Feature (HID 1.11 §6.2.2.5). */
export interface FieldFlags {
  constant: boolean;
  variable: boolean;
  relative: boolean;
  wrap: boolean;
  nonLinear: boolean;
  /** "No Preferred State": the control does not return to a rest position (e.g. a latching switch). */
  noPreferredState: boolean;
  nullState: boolean;
  volatile: boolean;
  bufferedBytes: boolean;
}

export interface HidCollection {
  /** Index in {@link ParsedDescriptor.collections}, in descriptor order. */
  index: number;
  type: number;
  /** Extended usage (page << 16 | id) or 0 when the collection has no usage. */
  usage: number;
  parent: number | null;
  depth: number;
}

/** A run of usages; a single usage is `{ min: u, max: u }`. Values are extended usages. */
export interface UsageRange {
  min: number;
  max: number;
}

export interface HidField {
  kind: ReportKind;
  /** 0 when the descriptor declares no report ids. */
  reportId: number;
  /** Offset of the first bit of this field, counted from the first bit after the report-id byte. */
  bitOffset: number;
  reportSize: number;
  reportCount: number;
  flags: FieldFlags;
  usages: UsageRange[];
  logicalMinimum: number;
  logicalMaximum: number;
  physicalMinimum: number;
  physicalMaximum: number;
  unit: number;
  unitExponent: number;
  /** Collection indexes from the outermost (application) collection to the innermost. */
  collectionPath: number[];
}

export interface ParsedDescriptor {
  fields: HidField[];
  collections: HidCollection[];
  /** True when at least one Report ID item appears: every report then starts with its id byte. */
  usesReportIds: boolean;
  /** Size in bits of each report (excluding the id byte), keyed `${kind}:${reportId}`. */
  reportBits: Map<string, number>;
}

/** Usage that applies to the element `index` of a field (HID 1.11 §6.2.2.8: the last usage repeats). */
export function usageAt(field: Pick<HidField, 'usages'>, index: number): number | undefined {
  let remaining = index;
  let last: number | undefined;
  for (const range of field.usages) {
    const span = range.max - range.min + 1;
    if (remaining < span) return range.min + remaining;
    remaining -= span;
    last = range.max;
  }
  return last;
}

export function reportKey(kind: ReportKind, reportId: number): string {
  return `${kind}:${reportId}`;
}

interface GlobalState {
  usagePage: number;
  logicalMinimum: number;
  logicalMaximum: number;
  /** Raw item bytes of Logical Maximum, kept to re-read it unsigned when the minimum is non-negative. */
  logicalMaximumSize: number;
  physicalMinimum: number;
  physicalMaximum: number;
  unitExponent: number;
  unit: number;
  reportSize: number;
  reportId: number;
  reportCount: number;
}

/** A usage as written in a Local item: short ones take their page from the Main item (see resolveUsage). */
interface PendingUsage {
  value: number;
  extended: boolean;
}

// Guards against hostile descriptors; real headsets stay far below (a few hundred bytes, depth ≤ 3).
const MAX_PUSH_DEPTH = 32;
const MAX_COLLECTION_DEPTH = 64;
/** Largest report we accept, in bits (hidraw caps reports at 16 KiB on Linux: HID_MAX_BUFFER_SIZE). */
const MAX_REPORT_BITS = 16384 * 8;

const MAIN_INPUT = 0x8;
const MAIN_OUTPUT = 0x9;
const MAIN_COLLECTION = 0xa;
const MAIN_FEATURE = 0xb;
const MAIN_END_COLLECTION = 0xc;

export function parseReportDescriptor(bytes: Uint8Array): ParsedDescriptor {
  if (bytes.length === 0) throw new HidDescriptorError('empty', 'The report descriptor is empty.', 0);

  let global: GlobalState = {
    usagePage: 0,
    logicalMinimum: 0,
    logicalMaximum: 0,
    logicalMaximumSize: 0,
    physicalMinimum: 0,
    physicalMaximum: 0,
    unitExponent: 0,
    unit: 0,
    reportSize: 0,
    reportId: 0,
    reportCount: 0,
  };
  const stack: GlobalState[] = [];
  let usages: PendingUsage[] = [];
  let ranges: Array<{ min: PendingUsage; max: PendingUsage }> = [];
  let usageMinimum: PendingUsage | null = null;
  let usageMaximum: PendingUsage | null = null;
  let delimiterDepth = 0;

  const fields: HidField[] = [];
  const collections: HidCollection[] = [];
  const open: number[] = [];
  const reportBits = new Map<string, number>();
  let usesReportIds = false;
  let fieldsBeforeReportId = false;

  const resetLocals = (): void => {
    usages = [];
    ranges = [];
    usageMinimum = null;
    usageMaximum = null;
  };

  // Linux hid-core and Windows both resolve a 1–2 byte usage with the Usage Page in effect at the Main item, so
  // `Usage (7), Usage Page (Button), Input` means Button 7 (Jabra's reject button is declared this way).
  const resolveUsage = (u: PendingUsage): number => (u.extended ? u.value >>> 0 : extendedUsage(global.usagePage, u.value));

  let offset = 0;
  while (offset < bytes.length) {
    const itemStart = offset;
    const prefix = bytes[offset]!;

    if (prefix === 0xfe) {
      // Long item (HID 1.11 §6.2.2.3): 0xFE, bDataSize, bLongItemTag, data. No long tags are defined: skip.
      if (offset + 3 > bytes.length) {
        throw new HidDescriptorError('truncated', `Long item at byte ${itemStart} is truncated.`, itemStart);
      }
      const dataSize = bytes[offset + 1]!;
      offset += 3 + dataSize;
      if (offset > bytes.length) {
        throw new HidDescriptorError('truncated', `Long item at byte ${itemStart} is truncated.`, itemStart);
      }
      continue;
    }

    const sizeCode = prefix & 0x03;
    const size = sizeCode === 3 ? 4 : sizeCode;
    const type = (prefix >> 2) & 0x03;
    const tag = prefix >> 4;
    if (offset + 1 + size > bytes.length) {
      throw new HidDescriptorError(
        'truncated',
        `Item 0x${prefix.toString(16).padStart(2, '0')} at byte ${itemStart} needs ${size} data byte(s); the descriptor ends first.`,
        itemStart,
      );
    }
    let unsigned = 0;
    for (let i = 0; i < size; i++) unsigned += bytes[offset + 1 + i]! * 2 ** (8 * i);
    const signed = size === 0 ? 0 : unsigned >= 2 ** (8 * size - 1) ? unsigned - 2 ** (8 * size) : unsigned;
    offset += 1 + size;

    switch (type) {
      case 0: {
        // Main item.
        switch (tag) {
          case MAIN_INPUT:
          case MAIN_OUTPUT:
          case MAIN_FEATURE: {
            const kind: ReportKind = tag === MAIN_INPUT ? 'input' : tag === MAIN_OUTPUT ? 'output' : 'feature';
            const bits = global.reportSize * global.reportCount;
            const key = reportKey(kind, global.reportId);
            const start = reportBits.get(key) ?? 0;
            if (start + bits > MAX_REPORT_BITS) {
              throw new HidDescriptorError(
                'report-too-large',
                `${kind} report ${global.reportId} grows beyond ${MAX_REPORT_BITS / 8} bytes at byte ${itemStart}.`,
                itemStart,
              );
            }
            reportBits.set(key, start + bits);
            if (!usesReportIds) fieldsBeforeReportId = true;
            const fieldUsages: UsageRange[] = [];
            // Usages keep their descriptor order: explicit ones, then ranges (what real descriptors mix).
            for (const u of usages) {
              const r = resolveUsage(u);
              fieldUsages.push({ min: r, max: r });
            }
            for (const range of ranges) {
              const min = resolveUsage(range.min);
              const max = resolveUsage(range.max);
              if (max < min) {
                throw new HidDescriptorError(
                  'bad-usage-range',
                  `Usage Maximum is below Usage Minimum before byte ${itemStart}.`,
                  itemStart,
                );
              }
              fieldUsages.push({ min, max });
            }
            fields.push({
              kind,
              reportId: global.reportId,
              bitOffset: start,
              reportSize: global.reportSize,
              reportCount: global.reportCount,
              flags: {
                constant: (unsigned & 0x001) !== 0,
                variable: (unsigned & 0x002) !== 0,
                relative: (unsigned & 0x004) !== 0,
                wrap: (unsigned & 0x008) !== 0,
                nonLinear: (unsigned & 0x010) !== 0,
                noPreferredState: (unsigned & 0x020) !== 0,
                nullState: (unsigned & 0x040) !== 0,
                volatile: (unsigned & 0x080) !== 0,
                bufferedBytes: (unsigned & 0x100) !== 0,
              },
              usages: fieldUsages,
              logicalMinimum: global.logicalMinimum,
              logicalMaximum: effectiveLogicalMaximum(global),
              physicalMinimum: global.physicalMinimum,
              physicalMaximum: global.physicalMaximum,
              unit: global.unit,
              unitExponent: global.unitExponent,
              collectionPath: [...open],
            });
            resetLocals();
            break;
          }
          case MAIN_COLLECTION: {
            if (open.length >= MAX_COLLECTION_DEPTH) {
              throw new HidDescriptorError('too-deep', `Collections nest deeper than ${MAX_COLLECTION_DEPTH}.`, itemStart);
            }
            const first = usages[0] ?? (usageMinimum as PendingUsage | null);
            collections.push({
              index: collections.length,
              type: unsigned & 0xff,
              usage: first ? resolveUsage(first) : 0,
              parent: open.length ? open[open.length - 1]! : null,
              depth: open.length,
            });
            open.push(collections.length - 1);
            resetLocals();
            break;
          }
          case MAIN_END_COLLECTION:
            if (open.length === 0) {
              throw new HidDescriptorError(
                'unbalanced-collection',
                `End Collection at byte ${itemStart} closes no open collection.`,
                itemStart,
              );
            }
            open.pop();
            resetLocals();
            break;
          default:
            // Reserved main tags (HID 1.11 §6.2.2.4): ignore like hid-core does, but drop the locals.
            resetLocals();
        }
        break;
      }
      case 1: {
        // Global item.
        switch (tag) {
          case 0x0:
            global.usagePage = unsigned & 0xffff;
            break;
          case 0x1:
            global.logicalMinimum = signed;
            break;
          case 0x2:
            global.logicalMaximum = signed;
            global.logicalMaximumSize = size;
            break;
          case 0x3:
            global.physicalMinimum = signed;
            break;
          case 0x4:
            global.physicalMaximum = signed;
            break;
          case 0x5:
            global.unitExponent = unsigned <= 0x0f ? (unsigned >= 8 ? unsigned - 16 : unsigned) : signed;
            break;
          case 0x6:
            global.unit = unsigned;
            break;
          case 0x7:
            global.reportSize = unsigned;
            break;
          case 0x8:
            // HID 1.11 §6.2.2.7: Report ID 0 is reserved; ids are one byte on the wire.
            if (unsigned === 0 || unsigned > 0xff) {
              throw new HidDescriptorError('bad-report-id', `Report ID ${unsigned} at byte ${itemStart} is not 1..255.`, itemStart);
            }
            if (fieldsBeforeReportId && !usesReportIds) {
              throw new HidDescriptorError(
                'mixed-report-ids',
                `Report ID at byte ${itemStart} follows fields declared without one.`,
                itemStart,
              );
            }
            global.reportId = unsigned;
            usesReportIds = true;
            break;
          case 0x9:
            global.reportCount = unsigned;
            break;
          case 0xa:
            if (stack.length >= MAX_PUSH_DEPTH) {
              throw new HidDescriptorError('stack', `Push nests deeper than ${MAX_PUSH_DEPTH}.`, itemStart);
            }
            stack.push({ ...global });
            break;
          case 0xb: {
            const popped = stack.pop();
            if (!popped) throw new HidDescriptorError('stack', `Pop at byte ${itemStart} without a Push.`, itemStart);
            global = popped;
            break;
          }
          default:
            break; // Reserved global tags.
        }
        break;
      }
      case 2: {
        // Local item.
        const pending: PendingUsage = { value: unsigned, extended: size === 4 };
        switch (tag) {
          case 0x0:
            if (delimiterDepth === 0 || usages.length === 0) usages.push(pending);
            break;
          case 0x1:
            usageMinimum = pending;
            if (usageMaximum) {
              ranges.push({ min: usageMinimum, max: usageMaximum });
              usageMinimum = usageMaximum = null;
            }
            break;
          case 0x2:
            usageMaximum = pending;
            if (usageMinimum) {
              ranges.push({ min: usageMinimum, max: usageMaximum });
              usageMinimum = usageMaximum = null;
            }
            break;
          case 0xa:
            // Delimiter (§6.2.2.8): alternative usages for one control; we keep the first of each set.
            delimiterDepth = unsigned === 1 ? delimiterDepth + 1 : Math.max(0, delimiterDepth - 1);
            break;
          default:
            break; // Designator/string indexes: not needed for telephony.
        }
        break;
      }
      default:
        // Type 3 is reserved (only the long-item prefix 0xFE uses it); a stray one means we lost sync.
        throw new HidDescriptorError(
          'bad-item',
          `Reserved item type at byte ${itemStart} (prefix 0x${prefix.toString(16).padStart(2, '0')}).`,
          itemStart,
        );
    }
  }

  if (open.length !== 0) {
    throw new HidDescriptorError(
      'unbalanced-collection',
      `${open.length} collection(s) are still open at the end of the descriptor.`,
      bytes.length,
    );
  }
  if (stack.length !== 0) {
    throw new HidDescriptorError('stack', `${stack.length} Push item(s) are never popped.`, bytes.length);
  }
  return { fields, collections, usesReportIds, reportBits };
}

/** Many devices write Logical Maximum 255 as `25 FF` with minimum 0; read it unsigned then (as hid-core does). */
function effectiveLogicalMaximum(g: GlobalState): number {
  if (g.logicalMinimum >= 0 && g.logicalMaximum < 0 && g.logicalMaximumSize > 0) {
    return g.logicalMaximum + 2 ** (8 * g.logicalMaximumSize);
  }
  return g.logicalMaximum;
}
