import { DISK_TYPE_NAMES, PLATFORM, VHD_EPOCH_SECONDS, type VhdImage } from '../../lib/vhd/index.js';
import { footerChecksum, encodeFooter, uuidToString } from '../../lib/vhd/footer.js';
import { headerChecksum, encodeHeader, locatorSpaceBytes } from '../../lib/vhd/header.js';
import { decodeLocator, decodeParentName } from '../../lib/vhd/locator.js';
import { computeBatmapChecksum } from '../../lib/vhd/batmap.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/** vhd_time_to_string: ctime() of a VHD time stamp (dom0 runs in UTC). */
export function vhdTimeString(ts: number): string {
  const d = new Date((VHD_EPOCH_SECONDS + ts) * 1000);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

const CODE_NAMES = new Map<number, string>(Object.entries(PLATFORM).map(([k, v]) => [v, `PLAT_CODE_${k.toUpperCase()}`]));
const checksumLine = (stored: number, computed: number): string =>
  `Checksum            : 0x${stored.toString(16)}|0x${computed.toString(16)} (${stored === computed ? 'Good!' : 'Bad!'})`;

/** The text of `vhd-util read -p`: footer, header, parent locators (differencing) and batmap summaries. */
export async function printHeaders(image: VhdImage): Promise<string> {
  await image.bat();
  const f = image.footer;
  const footerBytes = encodeFooter({ ...f });
  footerBytes.writeUInt32BE(f.checksum >>> 0, 64);
  const c = f.geometry >>> 16;
  const h = (f.geometry >>> 8) & 0xff;
  const s = f.geometry & 0xff;
  const lines = [
    'VHD Footer Summary:', '-------------------',
    `Cookie              : ${f.cookie}`,
    `Features            : (0x${f.features.toString(16).padStart(8, '0')}) ${f.features & 1 ? '<TEMP>' : ''}${f.features & 2 ? '<RESV>' : ''}`,
    `File format version : Major: ${f.fileFormatVersion >>> 16}, Minor: ${f.fileFormatVersion & 0xffff}`,
    `Data offset         : ${f.dataOffset}`,
    `Timestamp           : ${vhdTimeString(f.timestamp)}`,
    `Creator Application : '${f.creatorApp}'`,
    `Creator version     : Major: ${f.creatorVersion >>> 16}, Minor: ${f.creatorVersion & 0xffff}`,
    `Creator OS          : ${f.creatorOs === 0x5769326b ? 'Windows' : f.creatorOs === 0x4d616320 ? 'Macintosh' : 'Unknown!'}`,
    `Original disk size  : ${Math.floor(f.originalSize / 2 ** 20)} MB (${f.originalSize} Bytes)`,
    `Current disk size   : ${Math.floor(f.currentSize / 2 ** 20)} MB (${f.currentSize} Bytes)`,
    `Geometry            : Cyl: ${c}, Hds: ${h}, Sctrs: ${s}`,
    `                    : = ${Math.floor((c * h * s) / 2048)} MB (${c * h * s * 512} Bytes)`,
    `Disk type           : ${DISK_TYPE_NAMES[f.diskType] ?? 'Unknown type!\n'}`,
    checksumLine(f.checksum, footerChecksum(footerBytes)),
    `UUID                : ${uuidToString(f.uuid)}`,
    `Saved state         : ${f.saved === 0 ? 'No' : 'Yes'}`,
    `Hidden              : ${f.hidden}`,
    '',
  ];
  const hd = image.header;
  const headerBytes = encodeHeader({ ...hd, locators: hd.locators.map((l) => ({ ...l })) });
  headerBytes.writeUInt32BE(hd.checksum >>> 0, 36);
  lines.push(
    'VHD Header Summary:', '-------------------',
    `Cookie              : ${hd.cookie}`,
    `Data offset (unusd) : ${hd.dataOffset}`,
    `Table offset        : ${hd.tableOffset}`,
    `Header version      : 0x${hd.headerVersion.toString(16).padStart(8, '0')}`,
    `Max BAT size        : ${hd.maxBatEntries}`,
    `Block size          : ${hd.blockSize} (${hd.blockSize >>> 20} MB)`,
    `Parent name         : ${decodeParentName(hd.parentName)}`,
    `Parent UUID         : ${uuidToString(hd.parentUuid)}`,
    `Parent timestamp    : ${vhdTimeString(hd.parentTimestamp)}`,
    checksumLine(hd.checksum, headerChecksum(headerBytes)),
    '',
  );
  if (image.isDifferencing) {
    lines.push('VHD Parent Locators:', '--------------------');
    for (const [i, l] of hd.locators.entries()) {
      if (l.code === 0) continue;
      const space = locatorSpaceBytes(l);
      const decoded = space > 0 ? decodeLocator(l.code, await image.container.read(l.dataOffset, l.dataLength)) : undefined;
      lines.push(
        `locator:            : ${i}`,
        `       code         : ${CODE_NAMES.get(l.code) ?? 'UNKOWN'}`,
        `       data_space   : ${l.dataSpace}`,
        `       data_length  : ${l.dataLength}`,
        `       data_offset  : ${l.dataOffset}`,
        decoded === undefined ? 'failed to read parent name' : `       decoded name : ${decoded}`,
        '',
      );
    }
  }
  if (image.batmap) {
    const b = image.batmap.header;
    const sum = computeBatmapChecksum(b, image.batmap.map, f.currentSize);
    lines.push(
      'VHD Batmap Summary:', '-------------------',
      `Batmap offset       : ${b.mapOffset}`,
      `Batmap size (secs)  : ${b.mapSectors}`,
      `Batmap version      : 0x${b.version.toString(16).padStart(8, '0')}`,
      checksumLine(b.checksum, sum),
      '',
    );
  }
  return lines.join('\n') + '\n';
}
