/**
 * bench:nab — the Numenta Anomaly Benchmark score of `witness anomaly score`, beside NAB's
 * windowed-Gaussian reference detector scored in the same run by the same scorer.
 *
 *   npm run build && npm run bench:nab [-- --jobs 2 --only realKnownCause,realTraffic]
 *
 * Uses ../shared (beside the repository, as in CI): shared/nab (the scorer) and
 * shared/data/nab-dev (data + labels). Set WITNESS_SHARED_DIR for another layout; from a git
 * worktree the main checkout's ../shared is found too.
 *
 * Prints the standard / reward-low-FP / reward-low-FN scores with the threshold swept on the
 * corpus (NAB's method, in-sample), the scores at the threshold fixed in advance (0.5, the
 * detector's alarm level), and a split-half check: the threshold swept on one half of the files
 * and applied to the other half, beside that half's own best. Target (issue 11): standard ≥ 75.
 *
 * `-- --ablation` instead scores each part of the detector alone and the detector without each
 * part (in-process, with the same scorer library: the CLI's start-up would make 11 runs slow).
 * `-- --options '[{}, {"levelMemory": 2000}]'` scores each set of detector options in-process (a
 * few seconds each): whole corpus at the swept and the fixed threshold, and each half (every other
 * file of each category) at its own swept and at the fixed threshold — the check a change must pass.
 * `-- --windows ['{"refractory": 100}']` shows where the score comes from (in-process, swept θ):
 * each window's first detection (row, position inside the window, credit), how much credit an
 * earlier detection could still earn (the best case: every window found at its first row; and what
 * the present scores give if the threshold were lower inside windows only, an oracle), and whether
 * false-positive rows come in runs (one event reported on several rows) or alone.
 * `-- --split` tunes the two calibration settings (likelihood memory, refractory period) and the
 * threshold on one half of the files and scores the other half with them, in-process.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  AnomalyDetector,
  DETECTOR_COMPONENTS,
  type DetectorComponent,
} from '../packages/server/src/anomaly/index.js';

const FIXED_THRESHOLD = 0.5;
const TARGET = 75;
const PROFILES = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const;

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const jobs = arg('jobs', '2');
const only = arg('only', '');

function findShared(): string {
  const candidates = [process.env.WITNESS_SHARED_DIR, join(repo, '..', 'shared')];
  try {
    // a git worktree: the main checkout's sibling ../shared
    const common = execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], {
      cwd: repo,
    })
      .toString()
      .trim();
    candidates.push(join(dirname(common), '..', 'shared'));
  } catch {
    // not a git checkout: only the first two candidates apply
  }
  for (const c of candidates) if (c && existsSync(join(c, 'nab', 'evaluate.mjs'))) return resolve(c);
  console.error(
    `bench:nab: NAB scorer not found (looked for nab/evaluate.mjs in ${candidates.filter(Boolean).join(', ')}).\n` +
      'It ships beside the repository as ../shared (shared/nab and shared/data/nab-dev); set WITNESS_SHARED_DIR to point elsewhere.',
  );
  process.exit(2);
}

const shared = findShared();
const nab = join(shared, 'nab');
const data = join(shared, 'data', 'nab-dev');
if (!existsSync(join(data, 'labels', 'combined_windows.json'))) {
  console.error(`bench:nab: no NAB data at ${data} (expected data/ and labels/combined_windows.json)`);
  process.exit(2);
}

interface ProfileResult {
  score: number;
  threshold: number;
  tpWindows: number;
  fnWindows: number;
  fpRows: number;
}
type Report = { profiles: Record<(typeof PROFILES)[number], ProfileResult> };

const scratch = mkdtempSync(join(tmpdir(), 'bench-nab-'));
const node = process.execPath;
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function evaluate(name: string, cmd: string): string {
  const out = join(scratch, name);
  const t0 = performance.now();
  const extra = only ? ['--only', only] : [];
  execFileSync(
    node,
    [
      join(nab, 'evaluate.mjs'),
      '--cmd',
      cmd,
      '--data',
      data,
      '--jobs',
      jobs,
      '--out',
      out,
      '--json',
      `${out}.json`,
      ...extra,
    ],
    // progress lines on stderr; the report is read from the JSON file
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  console.error(`${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return out;
}

function score(results: string, dataDir: string, threshold?: number): Report {
  const json = join(scratch, `score-${Math.random().toString(36).slice(2)}.json`);
  const extra = threshold === undefined ? [] : ['--threshold', String(threshold)];
  if (only && dataDir === data) extra.push('--only', only);
  try {
    execFileSync(
      node,
      [join(nab, 'score.mjs'), '--results', results, '--data', dataDir, '--json', json, ...extra],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
  } catch (err) {
    console.error(String((err as { stderr?: Buffer }).stderr ?? err));
    throw err;
  }
  return JSON.parse(readFileSync(json, 'utf8')) as Report;
}

/** A copy of the corpus definition holding every other file of each category (half 0 or 1). */
function half(k: 0 | 1): string {
  const labels = JSON.parse(readFileSync(join(data, 'labels', 'combined_windows.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const byCategory = new Map<string, string[]>();
  for (const rel of Object.keys(labels).sort()) {
    const c = rel.split('/')[0];
    if (only && !only.split(',').includes(c)) continue;
    byCategory.set(c, [...(byCategory.get(c) ?? []), rel]);
  }
  const chosen: Record<string, unknown> = {};
  for (const rels of byCategory.values()) {
    for (let i = k; i < rels.length; i += 2) chosen[rels[i]] = labels[rels[i]];
  }
  const dir = join(scratch, `half${k}`);
  mkdirSync(join(dir, 'labels'), { recursive: true });
  writeFileSync(join(dir, 'labels', 'combined_windows.json'), JSON.stringify(chosen));
  symlinkSync(join(data, 'data'), join(dir, 'data'));
  return dir;
}

const fmt = (p: ProfileResult) => p.score.toFixed(2).padStart(7);
const row = (label: string, r: Report) =>
  `${label.padEnd(52)}${PROFILES.map((p) => fmt(r.profiles[p])).join('  ')}   θ=${r.profiles.standard.threshold.toPrecision(4)}  TP ${r.profiles.standard.tpWindows}/${r.profiles.standard.tpWindows + r.profiles.standard.fnWindows}  FP ${r.profiles.standard.fpRows}`;

if (process.argv.includes('--options')) {
  await variants(JSON.parse(arg('options', '[]')));
  process.exit(0);
}
if (process.argv.includes('--windows')) {
  const given = arg('windows', '{}');
  await windowTiming(JSON.parse(given === undefined || given.startsWith('--') ? '{}' : given));
  process.exit(0);
}
if (process.argv.includes('--ablation') || process.argv.includes('--split')) {
  await (process.argv.includes('--split') ? splitTuning() : ablation());
  process.exit(0);
}
const cli = join(repo, 'packages', 'cli', 'dist', 'main.js');
if (!existsSync(cli)) {
  console.error(`bench:nab: ${cli} is missing: run "npm run build" first`);
  process.exit(2);
}

try {
  const witness = evaluate('witness', `${q(node)} ${q(cli)} anomaly score --in {in} --out {out}`);
  const gaussian = evaluate(
    'windowed-gaussian',
    `${q(node)} ${q(join(nab, 'detectors', 'windowed-gaussian.mjs'))} --in {in} --out {out}`,
  );

  const halves = [half(0), half(1)];
  console.log(`NAB (${only || 'all categories'} of ${data}), scorer ${nab}\n`);
  console.log(`${''.padEnd(52)}standard   low FP   low FN`);
  for (const [name, dir] of [
    ['witness', witness],
    ['windowed Gaussian (reference)', gaussian],
  ] as const) {
    const swept = score(dir, data);
    console.log(row(`${name}, threshold swept (NAB)`, swept));
    if (name === 'witness') {
      console.log(row(`${name}, fixed threshold ${FIXED_THRESHOLD}`, score(dir, data, FIXED_THRESHOLD)));
    }
    // split-half: the standard threshold chosen on one half, scored on the other
    for (const k of [0, 1] as const) {
      const tuned = score(dir, halves[k]).profiles.standard.threshold;
      const other = halves[1 - k];
      console.log(row(`  half ${1 - k} at θ swept on half ${k}`, score(dir, other, tuned)));
      console.log(row(`  half ${1 - k}, its own best θ`, score(dir, other)));
    }
  }
  console.log(
    `\ntarget: standard ≥ ${TARGET} on the whole corpus (NAB record: ARTime 74.9; windowed Gaussian 39.6)`,
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

type Scorer = {
  loadCorpus(dir: string, o: { only: string[] | null }): { files: CorpusFile[] };
  scoreCorpus(files: CorpusFile[], scores: Float64Array[], o?: { threshold?: number }): Report;
};
type CorpusFile = { rel: string; category: string; ts: Float64Array };

/** The scorer library and every file's values, for in-process runs. */
async function corpus(): Promise<{ lib: Scorer; files: CorpusFile[]; series: number[][] }> {
  const lib = (await import(pathToFileURL(join(nab, 'lib', 'nab.mjs')).href)) as Scorer;
  const { files } = lib.loadCorpus(data, { only: only ? only.split(',') : null });
  const series = files.map((f) =>
    readFileSync(join(data, 'data', f.rel), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => Number(line.split(',')[1])),
  );
  return { lib, files, series };
}

function scoresOf(files: CorpusFile[], series: number[][], options: AnomalyDetectorOptions): Float64Array[] {
  return series.map((values, j) => {
    const d = new AnomalyDetector(options);
    return Float64Array.from(values, (x, i) => d.update(x, files[j].ts[i]));
  });
}

/** NAB scores of each component alone and of the detector without each one. */
async function ablation(): Promise<void> {
  const { lib, files, series } = await corpus();
  const run = (components: readonly DetectorComponent[]) =>
    lib.scoreCorpus(files, scoresOf(files, series, { components }));
  console.log(`NAB ablation (${only || 'all categories'} of ${data}), threshold swept\n`);
  console.log(`${''.padEnd(52)}standard   low FP   low FN`);
  console.log(row('all parts', run(DETECTOR_COMPONENTS)));
  for (const c of DETECTOR_COMPONENTS) console.log(row(`only ${c}`, run([c])));
  for (const c of DETECTOR_COMPONENTS)
    console.log(row(`all but ${c}`, run(DETECTOR_COMPONENTS.filter((x) => x !== c))));
}

/** Tune settings + threshold on one half (every other file of each category), score the other. */
async function splitTuning(): Promise<void> {
  const { lib, files, series } = await corpus();
  const grid: AnomalyDetectorOptions[] = [];
  for (const likelihoodMemory of [150, 250, 500]) {
    for (const refractory of [25, 50, 100]) grid.push({ likelihoodMemory, refractory });
  }
  const rank = new Map<string, number>();
  const halfOf = files.map((f) => {
    const i = rank.get(f.category) ?? 0;
    rank.set(f.category, i + 1);
    return i % 2;
  });
  const pick = <T>(xs: T[], k: number) => xs.filter((_, j) => halfOf[j] === k);
  console.log(`NAB split-half tuning (${only || 'all categories'} of ${data})\n`);
  console.log(`${''.padEnd(52)}standard   low FP   low FN`);
  for (const k of [0, 1]) {
    const tuneFiles = pick(files, k);
    const tuneSeries = pick(series, k);
    let best = grid[0];
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const options of grid) {
      const r = lib.scoreCorpus(tuneFiles, scoresOf(tuneFiles, tuneSeries, options)).profiles.standard;
      if (r.score > bestScore) {
        bestScore = r.score;
        best = options;
      }
    }
    const threshold = lib.scoreCorpus(tuneFiles, scoresOf(tuneFiles, tuneSeries, best)).profiles.standard
      .threshold;
    const testFiles = pick(files, 1 - k);
    const testSeries = pick(series, 1 - k);
    console.log(
      `tuned on half ${k}: ${JSON.stringify(best)}, θ=${threshold.toPrecision(4)} (half ${k}: ${bestScore.toFixed(2)})`,
    );
    console.log(
      row(
        `  half ${1 - k} with them`,
        lib.scoreCorpus(testFiles, scoresOf(testFiles, testSeries, best), { threshold }),
      ),
    );
    console.log(
      row(
        `  half ${1 - k} with defaults, θ=0.5`,
        lib.scoreCorpus(testFiles, scoresOf(testFiles, testSeries, {}), { threshold: 0.5 }),
      ),
    );
    console.log(
      row(
        `  half ${1 - k} with defaults, own best θ`,
        lib.scoreCorpus(testFiles, scoresOf(testFiles, testSeries, {})),
      ),
    );
  }
}

/** Each set of options: whole corpus and each half, swept and fixed θ (docs/anomaly.md, attempts). */
async function variants(sets: AnomalyDetectorOptions[]): Promise<void> {
  const { lib, files, series } = await corpus();
  const rank = new Map<string, number>();
  const halfOf = files.map((f) => {
    const i = rank.get(f.category) ?? 0;
    rank.set(f.category, i + 1);
    return i % 2;
  });
  const std = (fs: CorpusFile[], ss: Float64Array[], threshold?: number) =>
    lib.scoreCorpus(fs, ss, threshold === undefined ? {} : { threshold }).profiles.standard;
  console.log('standard score: swept θ / fixed θ=0.5 (whole corpus, half 0, half 1)\n');
  for (const options of sets) {
    const scores = scoresOf(files, series, options);
    const parts = [-1, 0, 1].map((k) => {
      const fs = files.filter((_, j) => k < 0 || halfOf[j] === k);
      const ss = scores.filter((_, j) => k < 0 || halfOf[j] === k);
      return `${std(fs, ss).score.toFixed(2)} / ${std(fs, ss, FIXED_THRESHOLD).score.toFixed(2)}`;
    });
    const s = std(files, scores);
    console.log(
      `${JSON.stringify(options).padEnd(40)} all ${parts[0]}  half 0 ${parts[1]}  half 1 ${parts[2]}  (TP ${s.tpWindows}/${s.tpWindows + s.fnWindows}, FP ${s.fpRows})`,
    );
  }
}

type WindowDetail = { start: number; end: number; scorable: boolean; detectedAtRow?: number; value?: number };
type FileResult = { file: string; windowDetail: WindowDetail[] };
type Geometry = { win: Int32Array; unit: Float64Array };

/** Where the standard score comes from: detection timing inside windows, false-positive runs. */
async function windowTiming(options: AnomalyDetectorOptions): Promise<void> {
  const { lib, files, series } = await corpus();
  const rowGeometry = (lib as unknown as { rowGeometry(f: CorpusFile): Geometry }).rowGeometry;
  const scores = scoresOf(files, series, options);
  const r = lib.scoreCorpus(files, scores).profiles.standard as ProfileResult & {
    perFile: FileResult[];
    raw: number;
  };
  console.log(
    `NAB window timing (${only || 'all categories'} of ${data}), options ${JSON.stringify(options)}`,
  );
  console.log(row('threshold swept', lib.scoreCorpus(files, scores)));
  console.log(`\n${'file'.padEnd(58)}window           first   position  credit`);
  let found = 0;
  let position = 0;
  let credit = 0;
  for (const pf of r.perFile) {
    for (const w of pf.windowDetail) {
      if (!w.scorable) continue;
      const where = `[${w.start}, ${w.end}]`.padEnd(16);
      if ((w.detectedAtRow ?? -1) < 0) {
        console.log(`${pf.file.padEnd(58)}${where} missed`);
        continue;
      }
      const pos = ((w.detectedAtRow as number) - w.start) / (w.end - w.start + 1);
      found++;
      position += pos;
      credit += w.value as number;
      console.log(
        `${pf.file.padEnd(58)}${where} ${String(w.detectedAtRow).padStart(6)}   ${pos.toFixed(2).padStart(8)}  ${(w.value as number).toFixed(3).padStart(6)}`,
      );
    }
  }
  // Raw points are worth 100 / (2 · windows) normalised points under the standard profile.
  const perRaw = 100 / (2 * r.tpWindows + 2 * r.fnWindows);
  console.log(
    `\n${found} windows found, mean position of the first detection ${(position / found).toFixed(2)} of the window; credit ${credit.toFixed(2)} of ${found} (at most +${((found - credit) * perRaw).toFixed(2)} points if every one were found at its first row)`,
  );
  for (const low of [0.45, 0.4, 0.3]) {
    // Oracle: the threshold lowered to `low` inside windows only (false positives unchanged).
    let gain = 0;
    files.forEach((f, j) => {
      const g = rowGeometry(f);
      const best = new Map<number, number>();
      for (let i = (f as CorpusFile & { probation: number }).probation; i < scores[j].length; i++) {
        const k = g.win[i];
        if (k < 0 || scores[j][i] < low || best.has(k)) continue;
        best.set(k, g.unit[i]);
      }
      const detail = r.perFile[j].windowDetail.filter((w) => w.scorable);
      for (const [k, v] of best) {
        const now = (detail[k]?.detectedAtRow ?? -1) >= 0 ? (detail[k].value as number) : -1;
        if (v > now) gain += v - now;
      }
    });
    console.log(
      `oracle: threshold ${low} inside windows only (same false positives): +${(gain * perRaw).toFixed(2)} points`,
    );
  }
  let alone = 0;
  let inRun = 0;
  files.forEach((f, j) => {
    const g = rowGeometry(f);
    let previous = -2;
    for (let i = (f as CorpusFile & { probation: number }).probation; i < scores[j].length; i++) {
      if (g.win[i] >= 0 || scores[j][i] < r.threshold) continue;
      if (i === previous + 1) inRun++;
      else alone++;
      previous = i;
    }
  });
  console.log(
    `false-positive rows: ${alone} starting an event, ${inRun} continuing one (the row before was one too)`,
  );
}
