// `npm run bench [-- --quick] [--sizes 1024,4096] [--tools dockside,aws-cli-v2,rclone,lib-storage]
//                [--transports tls,http] [--part-size 16] [--concurrency 8] [--no-memory] [--no-setup]`
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { runBench, type Transport } from './bench.js';
import { TOOLS, type Tool } from './peers.js';

const list = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean);
const program = new Command('bench')
  .option('--quick', 'one 256 MiB file, TLS and tuned only: the plumbing in under two minutes')
  .option('--sizes <MiB,...>', 'file sizes in MiB', list)
  .option('--tools <names>', `tools to run (${TOOLS.join(', ')})`, list)
  .option('--transports <names>', 'tls, http', list)
  .option('--part-size <MiB>', 'part size for the tuned runs', '16')
  .option('--concurrency <n>', 'parts in flight for the tuned runs', '8')
  .option('--no-memory', 'skip the 1 GiB vs 16 GiB sparse memory check')
  .option('--no-setup', 'do not apt-get install missing peers')
  .option('--no-resume', 'skip the resume measurements')
  .option('--shaped-rate <Mbit>', 'goodput over a veth link shaped to this rate (0 to skip)', '200')
  .option('--shaped-mtu <bytes>', 'MTU of the shaped link', '1500')
  .option('--results <dir>', 'where latest.json and throughput.svg go', 'bench/results')
  .parse();
const opts = program.opts<{
  quick?: boolean;
  sizes?: string[];
  tools?: string[];
  transports?: string[];
  partSize: string;
  concurrency: string;
  memory: boolean;
  setup: boolean;
  resume: boolean;
  shapedRate: string;
  shapedMtu: string;
  results: string;
}>();

const tools = (opts.tools ?? [...TOOLS]) as Tool[];
for (const tool of tools) if (!TOOLS.includes(tool)) throw new Error(`unknown tool ${tool}; use ${TOOLS.join(', ')}`);

// The peers come from Debian; install them when missing (we run as root on these machines).
const wanted = [
  ...(tools.includes('aws-cli-v2') && !existsSync('/usr/bin/aws') ? ['awscli'] : []),
  ...(tools.includes('rclone') && !existsSync('/usr/bin/rclone') ? ['rclone'] : []),
];
if (opts.setup && wanted.length > 0) {
  console.log(`installing ${wanted.join(', ')} from Debian…`);
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', '-o', 'DPkg::Lock::Timeout=120', ...wanted], { stdio: 'inherit' });
  } catch (error) {
    console.log(`could not install ${wanted.join(', ')} (${(error as Error).message}); those peers are skipped`);
  }
}

const results = await runBench({
  sizesMiB: opts.sizes ? opts.sizes.map(Number) : opts.quick ? [256] : [1024, 4096],
  tools,
  variants: opts.quick ? ['tuned'] : ['tuned', 'defaults'],
  transports: (opts.transports ?? (opts.quick ? ['tls'] : ['tls', 'http'])) as Transport[],
  partSizeMiB: Number(opts.partSize),
  concurrency: Number(opts.concurrency),
  memoryCheckMiB: opts.memory && !opts.quick ? [1024, 16384] : null,
  resumeCost: opts.resume,
  resumeStartParts: opts.resume ? (opts.quick ? 500 : 5000) : null,
  shapedMtu: Number(opts.shapedMtu),
  shapedRateMbit: Number(opts.shapedRate) > 0 ? Number(opts.quick ? Math.min(Number(opts.shapedRate), 100) : opts.shapedRate) : null,
  resultsDir: resolve(opts.results),
  log: (line) => console.log(line),
});
console.log(`\nratios (Dockside vs peer, ${results.headline.sizeMiB} MiB, ${results.headline.transport}, ${results.headline.variant}):`);
for (const [tool, r] of Object.entries(results.ratios)) {
  console.log(`  ${tool.padEnd(11)} ${r.wallSpeedup.toFixed(2)}x faster, CPU/GiB ${r.cpuPerGiBRatio.toFixed(2)}x, RSS ${r.rssRatio.toFixed(2)}x`);
}
const own = results.tools.dockside;
if (own) console.log(`dockside: ${own.percentOfLimit.toFixed(0)} % of the physical limit (${results.limit_mib_s.toFixed(0)} MiB/s, the lower of the file read and the raw PUT), ${own.percentOfCrc32Limit.toFixed(0)} % of it when the sink also verifies a CRC32 (${results.limit_crc32_mib_s.toFixed(0)} MiB/s)`);
if (results.memory) console.log(`memory: ${results.memory.smallPeakRssMiB.toFixed(0)} MiB at ${results.memory.smallMiB} MiB, ${results.memory.largePeakRssMiB.toFixed(0)} MiB at ${results.memory.largeMiB} MiB (${results.memory.growthPercent.toFixed(1)} %)`);
if (results.resume) console.log(`resume after SIGKILL at 50 %: ${(results.resume.bytesSentTwice / 2 ** 20).toFixed(1)} MiB sent twice (bound: ${(results.resume.boundBytes / 2 ** 20).toFixed(0)} MiB in flight), first new part after ${results.resume.secondsToFirstNewPart.toFixed(2)} s`);
if (results.resumeStart) console.log(`resume start, ${results.resumeStart.partCount} parts, ${results.resumeStart.killedAtParts} done: first new part after ${results.resumeStart.secondsToFirstNewPart.toFixed(2)} s`);
if (results.shaped && 'goodputMiBs' in results.shaped) console.log(`shaped link ${results.shaped.rateMbit} Mbit/s: goodput ${results.shaped.percentOfRate.toFixed(1)} % of the rate (${results.shaped.percentOfCeiling.toFixed(1)} % of the ${results.shaped.ceilingPercent.toFixed(1)} % TCP can carry at MTU ${results.shaped.mtu})`);
console.log(`\nwrote ${opts.results}/latest.json and ${opts.results}/throughput.svg`);
