// Reads how many keys a redis RDB snapshot holds, from the RESIZEDB record redis writes at fork
// time before the first database's keys, without loading the data: the count a manifest promises.
// AppOS uses database 0 only; keys of later databases are not counted.
import { readFileSync } from 'node:fs';

const OP_AUX = 0xfa;
const OP_RESIZEDB = 0xfb;
const OP_SELECTDB = 0xfe;
const OP_FUNCTION2 = 0xf5;

/** Keys of the first database in the RDB at `file` (0 when it holds none). */
export function rdbKeyCount(file: string): number {
  const buf = readFileSync(file);
  if (buf.toString('latin1', 0, 5) !== 'REDIS') throw new Error(`${file} is not an RDB file`);
  let pos = 9;
  let total: number | null = null;
  const length = (): { value: number; special: boolean } => {
    const first = buf[pos++] ?? 0;
    const type = first >> 6;
    if (type === 0) return { value: first & 0x3f, special: false };
    if (type === 1) return { value: ((first & 0x3f) << 8) | (buf[pos++] ?? 0), special: false };
    if (type === 3) return { value: first & 0x3f, special: true };
    if (first === 0x80) {
      const v = buf.readUInt32BE(pos);
      pos += 4;
      return { value: v, special: false };
    }
    const v = Number(buf.readBigUInt64BE(pos));
    pos += 8;
    return { value: v, special: false };
  };
  const skipString = (): void => {
    const l = length();
    if (!l.special) pos += l.value;
    else if (l.value === 0) pos += 1;
    else if (l.value === 1) pos += 2;
    else if (l.value === 2) pos += 4;
    else throw new Error('compressed aux strings are not expected in an RDB header');
  };
  while (pos < buf.length) {
    const op = buf[pos++];
    if (op === OP_AUX) {
      skipString();
      skipString();
    } else if (op === OP_FUNCTION2) {
      skipString();
    } else if (op === OP_SELECTDB) {
      length();
      if (buf[pos] !== OP_RESIZEDB) return total ?? 0;
      pos++;
      total = (total ?? 0) + length().value;
      length();
      return total;
    } else {
      // The first key (or EOF) comes before any database header: the snapshot is empty.
      return total ?? 0;
    }
  }
  return total ?? 0;
}
