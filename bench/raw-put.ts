// A child process of the bench: sends the raw PUT streams of bench/limits.ts to the sink and
// prints one JSON line, { mibs, cpuSecondsPerGiB }.
// Usage: raw-put.ts ENDPOINT CAFILE|- TOTAL_BYTES STREAMS crc32|plain
import { sendRawPut } from './limits.js';

const [endpoint, caFile, totalBytes, streams, mode] = process.argv.slice(2);
if (!endpoint || !caFile || !totalBytes || !streams || !mode) throw new Error('usage: raw-put.ts ENDPOINT CAFILE|- TOTAL_BYTES STREAMS crc32|plain');
const result = await sendRawPut(endpoint, caFile === '-' ? undefined : caFile, Number(totalBytes), Number(streams), mode === 'crc32');
process.stdout.write(`${JSON.stringify(result)}\n`);
