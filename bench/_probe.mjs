// Loaded into the server by bench/portal.ts only (NODE_OPTIONS=--import): once a second, one log
// line with the server's event-loop delay and CPU time in that second, so the bench can tell a
// blocked or starved server from a slow handler. Not part of the server; production never loads it.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const h = monitorEventLoopDelay({ resolution: 5 });
h.enable();
let cpu = process.cpuUsage();
setInterval(() => {
  const now = process.cpuUsage(cpu);
  cpu = process.cpuUsage();
  process.stderr.write(`${JSON.stringify({ probe: 'loop', t: Date.now(), maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6, cpuMs: (now.user + now.system) / 1000 })}\n`);
  h.reset();
}, 1000).unref();
