// npm run build: dist/widget.js (IIFE, minified), dist/widget.css (minified),
// dist/demo/ (a copy of demo/), dist/size.json; fails when JS + CSS gzipped exceed
// the budget.

import { build } from "esbuild";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const BUDGET = 51200; // bytes, JS + CSS gzipped
const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

const common = { bundle: true, minify: true, logLevel: "warning", legalComments: "none" };
await build({
  ...common,
  entryPoints: [join(here, "src/index.js")],
  outfile: join(dist, "widget.js"),
  format: "iife",
  platform: "browser",
  target: ["es2019"],
});
await build({
  ...common,
  entryPoints: [join(here, "src/widget.css")],
  outfile: join(dist, "widget.css"),
  // Keeps modern CSS (dvh, :where, max(), field-sizing) as written.
  target: ["chrome120", "firefox120", "safari16"],
});
cpSync(join(here, "demo"), join(dist, "demo"), { recursive: true });

const sizes = {};
for (const name of ["widget.js", "widget.css"]) {
  const raw = readFileSync(join(dist, name));
  sizes[name] = { raw: raw.length, gzip: gzipSync(raw, { level: 9 }).length };
}
const js = sizes["widget.js"].gzip;
const css = sizes["widget.css"].gzip;
const total = js + css;
writeFileSync(
  join(dist, "size.json"),
  JSON.stringify({ js_gzip: js, css_gzip: css, total_gzip: total, budget: BUDGET }, null, 2) + "\n"
);

const kb = (n) => (n / 1024).toFixed(1) + " KB";
for (const [name, s] of Object.entries(sizes)) {
  console.log(`${name.padEnd(11)} ${String(s.raw).padStart(7)} B raw  ${String(s.gzip).padStart(6)} B gzip (${kb(s.gzip)})`);
}
const rawTotal = sizes["widget.js"].raw + sizes["widget.css"].raw;
console.log(`total       ${String(rawTotal).padStart(7)} B raw  ${String(total).padStart(6)} B gzip (${kb(total)}) of ${BUDGET} B (${kb(BUDGET)}) budget`);
if (total > BUDGET) {
  console.error(`over the size budget by ${total - BUDGET} B`);
  process.exit(1);
}
