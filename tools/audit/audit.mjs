// Lighthouse and axe on one page of a running Dateline (issue 17: a live blog must score 100 in
// every Lighthouse category with no serious or critical axe finding). Run by
// crates/web/tests/it/audit.rs against a server the test starts on a loopback port:
//
//   node tools/audit/audit.mjs URL [mobile|desktop]
//
// Prints one JSON report on stdout: the category scores, every weighted audit that did not pass,
// and axe's violations (all rules, every impact). Exits 0 whatever it found — the test judges —
// and 2 when the tools themselves could not run.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import puppeteer from 'puppeteer-core';

const [url, formFactor = 'mobile'] = process.argv.slice(2);
if (!url || !['mobile', 'desktop'].includes(formFactor)) {
  console.error('usage: node audit.mjs URL [mobile|desktop]');
  process.exit(2);
}
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  const config = formFactor === 'desktop' ? desktopConfig : undefined;
  const { lhr } = await lighthouse(url, { port: chrome.port, logLevel: 'error', output: 'json' }, config);
  const categories = Object.fromEntries(
    Object.values(lhr.categories).map((c) => [c.id, c.score === null ? null : Math.round(c.score * 100)]),
  );
  const failing = [];
  for (const category of Object.values(lhr.categories)) {
    for (const ref of category.auditRefs) {
      const audit = lhr.audits[ref.id];
      if (ref.weight > 0 && audit.score !== null && audit.score < 1) {
        failing.push({
          category: category.id,
          id: ref.id,
          title: audit.title,
          score: audit.score,
          value: audit.displayValue ?? null,
          items: (audit.details?.items ?? []).slice(0, 5),
        });
      }
    }
  }

  const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
  const page = await browser.newPage();
  await page.goto(url, { waitUntil: 'load' });
  // Evaluated through the DevTools protocol: the page's Content-Security-Policy (scripts from
  // the site only) would refuse an injected <script>.
  await page.evaluate(axeSource);
  const axe = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const violations = axe.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
  }));
  await browser.disconnect();

  console.log(JSON.stringify({
    url,
    form_factor: formFactor,
    lighthouse: lhr.lighthouseVersion,
    runtime_error: lhr.runtimeError?.message ?? null,
    warnings: lhr.runWarnings,
    categories,
    failing,
    axe: axe.testEngine.version,
    violations,
  }, null, 2));
} catch (error) {
  console.error(`the audit could not run: ${error.stack ?? error}`);
  process.exitCode = 2;
} finally {
  await chrome.kill();
}
