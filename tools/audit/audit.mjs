// Lighthouse and axe on the pages of a running Dateline (issue 17: a live blog must score 100 in
// every Lighthouse category with no serious or critical axe finding; issue 18: so must the
// newsroom's admin pages, and they must work with the keyboard alone). Run by
// crates/web/tests/it/audit.rs against a server the test starts on a loopback port:
//
//   node tools/audit/audit.mjs URL [mobile|desktop] [CATEGORY,...]
//   node tools/audit/audit.mjs --axe-only [--open SELECTOR]... URL...
//
// The first form prints one JSON report: the category scores, every weighted audit that did not
// pass, and axe's violations (all rules, every impact); given categories (e.g. accessibility),
// Lighthouse runs only those, which is much quicker than all. The second loads each URL in turn in one
// browser (Lighthouse takes ~10 s a page; this a fraction of that) and prints one JSON array,
// a report per URL: where it ended up, its HTTP status, axe's violations, and a walk through the
// page with the Tab key (what Tab reached, what it could not, stops with no visible focus
// indicator, positive tabindex values). Each `--open` selector that matches a button on a page is
// pressed with Enter: a modal dialog must open with the focus inside, and Escape must close it and
// give the focus back to the button.
//
// AUDIT_COOKIE="name=value" sends that cookie with every request (a newsroom session, for the
// admin pages). Exits 0 whatever it found — the test judges — and 2 when the tools themselves
// could not run.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import puppeteer from 'puppeteer-core';

const USAGE = 'usage: node audit.mjs URL [mobile|desktop] [CATEGORY,...]\n       node audit.mjs --axe-only [--open SELECTOR]... URL...';
const args = process.argv.slice(2);
const axeOnly = args[0] === '--axe-only';
const openers = [];
const urls = [];
let formFactor = 'mobile';
let onlyCategories;
if (axeOnly) {
  for (let i = 1; i < args.length; i += 1) {
    if (args[i] === '--open') {
      i += 1;
      if (!args[i]) {
        console.error(`--open needs a selector\n${USAGE}`);
        process.exit(2);
      }
      openers.push(args[i]);
    } else {
      urls.push(args[i]);
    }
  }
} else {
  urls.push(args[0]);
  formFactor = args[1] ?? 'mobile';
  onlyCategories = args[2]?.split(',');
}
if (urls.length === 0 || !urls.every(Boolean) || !['mobile', 'desktop'].includes(formFactor)) {
  console.error(USAGE);
  process.exit(2);
}
const cookie = process.env.AUDIT_COOKIE || null;
if (cookie !== null && !/^[^=;\s]+=[^;\s]*$/.test(cookie)) {
  console.error(`AUDIT_COOKIE must be one name=value pair, not ${JSON.stringify(cookie)}`);
  process.exit(2);
}
const headers = cookie === null ? {} : { Cookie: cookie };
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe over the page as it is now: every violation, every impact. */
async function axeViolations(page) {
  // Evaluated through the DevTools protocol: the page's Content-Security-Policy (scripts from
  // the site only) would refuse an injected <script>.
  await page.evaluate(axeSource);
  const axe = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return {
    version: axe.testEngine.version,
    violations: axe.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    })),
  };
}

/**
 * Numbers every element the Tab key should reach (shown, enabled, not tabindex=-1, not inert)
 * and returns their descriptions; the walk then reports which numbers Tab actually reached.
 * A radio group is one tab stop, so its buttons share one number.
 */
function markTabbable() {
  const describe = (el) => {
    const name = el.getAttribute('aria-label') || el.labels?.[0]?.textContent || el.textContent || el.getAttribute('title') || el.getAttribute('placeholder') || el.value || '';
    const id = el.id ? `#${el.id}` : '';
    const field = el.getAttribute('name') ? `[name=${el.getAttribute('name')}]` : '';
    return `${el.localName}${id}${field} "${name.replace(/\s+/g, ' ').trim().slice(0, 60)}"`;
  };
  const candidates = document.querySelectorAll(
    'a[href], button, input, select, textarea, summary, iframe, [tabindex], [contenteditable]:not([contenteditable=false]), audio[controls], video[controls]',
  );
  const stops = [];
  const groups = new Map();
  const positive = [];
  for (const el of candidates) {
    if (el.tabIndex > 0) {
      positive.push(describe(el));
    }
    const hiddenInput = el.localName === 'input' && el.type === 'hidden';
    if (hiddenInput || el.disabled || el.tabIndex < 0 || el.closest('[inert]') || !el.checkVisibility({ visibilityProperty: true })) {
      continue;
    }
    // Only a <details>' own summary takes the focus.
    if (el.localName === 'summary' && el.parentElement?.localName !== 'details') {
      continue;
    }
    const group = el.localName === 'input' && el.type === 'radio' && el.name ? `${el.form?.id ?? ''}/${el.name}` : null;
    if (group !== null && groups.has(group)) {
      el.dataset.auditStop = groups.get(group);
      continue;
    }
    el.dataset.auditStop = String(stops.length);
    if (group !== null) {
      groups.set(group, String(stops.length));
    }
    stops.push(describe(el));
  }
  return { stops, positive };
}

/** Where the focus is, and whether it can be seen there (an outline or a ring of shadow). */
function focusNow() {
  let el = document.activeElement;
  while (el?.shadowRoot?.activeElement) {
    el = el.shadowRoot.activeElement;
  }
  if (!el || el === document.body || el === document.documentElement) {
    return null;
  }
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const ring = style.boxShadow !== 'none';
  const label = el.getAttribute('aria-label') || el.labels?.[0]?.textContent || el.textContent || el.getAttribute('title') || '';
  return {
    stop: el.dataset.auditStop ?? null,
    what: `${el.localName}${el.id ? `#${el.id}` : ''}${el.getAttribute('name') ? `[name=${el.getAttribute('name')}]` : ''} "${label.replace(/\s+/g, ' ').trim().slice(0, 60)}"`,
    visible: outline || ring,
  };
}

/** Presses Tab from the top of the page until the focus leaves it or comes round again. */
async function keyboardWalk(page) {
  const { stops, positive } = await page.evaluate(markTabbable);
  // Tab goes on from where the focus is (a field with autofocus, say): start from a mark put
  // before everything else instead.
  await page.evaluate(() => {
    const start = document.createElement('span');
    start.tabIndex = -1;
    document.body.prepend(start);
    start.focus();
    window.scrollTo(0, 0);
  });
  const reached = [];
  const seen = new Set();
  const noIndicator = [];
  let last = null;
  // A date and time field takes a Tab for each of its parts.
  for (let press = 0; press < 4 * stops.length + 20; press += 1) {
    await page.keyboard.press('Tab');
    const at = await page.evaluate(focusNow);
    if (at === null) {
      break;
    }
    const key = at.stop ?? at.what;
    if (key === last) {
      continue;
    }
    if (seen.has(key)) {
      break;
    }
    last = key;
    seen.add(key);
    reached.push(at.what);
    if (!at.visible) {
      noIndicator.push(at.what);
    }
  }
  const unreached = stops.filter((_, i) => !seen.has(String(i)));
  return { stops: stops.length, reached, unreached, no_focus_indicator: noIndicator, positive_tabindex: positive };
}

/** Presses Enter on the button `selector` finds: a dialog must open and take the focus; Escape
 * must close it and give the focus back. */
async function dialogCheck(page, selector) {
  const found = await page.evaluate((sel) => {
    const button = document.querySelector(sel);
    if (!button || !button.checkVisibility({ visibilityProperty: true })) {
      return false;
    }
    button.focus();
    return document.activeElement === button;
  }, selector);
  if (!found) {
    return null;
  }
  const problems = [];
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('dialog[open]') !== null, { timeout: 3000 }).catch(() => {});
  const opened = await page.evaluate(() => {
    const dialog = document.querySelector('dialog[open]');
    return dialog === null ? null : { modal: dialog.matches(':modal'), focusInside: dialog.contains(document.activeElement) };
  });
  if (opened === null) {
    problems.push('Enter did not open a dialog');
    return { selector, problems };
  }
  if (!opened.modal) {
    problems.push('the dialog is not modal');
  }
  if (!opened.focusInside) {
    problems.push('the focus did not move into the dialog');
  }
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.querySelector('dialog[open]') === null, { timeout: 3000 }).catch(() => {});
  const after = await page.evaluate((sel) => ({
    closed: document.querySelector('dialog[open]') === null,
    back: document.activeElement === document.querySelector(sel),
  }), selector);
  if (!after.closed) {
    problems.push('Escape did not close the dialog');
  } else if (!after.back) {
    problems.push('the focus did not return to the button');
  }
  return { selector, problems };
}

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  if (axeOnly) {
    const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
    const reports = [];
    for (const url of urls) {
      const page = await browser.newPage();
      await page.setViewport({ width: 1280, height: 900 });
      await page.setExtraHTTPHeaders(headers);
      const response = await page.goto(url, { waitUntil: 'load' });
      const axe = await axeViolations(page);
      const keyboard = await keyboardWalk(page);
      const dialogs = [];
      for (const selector of openers) {
        const checked = await dialogCheck(page, selector);
        if (checked !== null) {
          dialogs.push(checked);
        }
      }
      reports.push({
        url,
        final_url: page.url(),
        status: response?.status() ?? null,
        title: await page.title(),
        axe: axe.version,
        violations: axe.violations,
        keyboard,
        dialogs,
      });
      await page.close();
    }
    await browser.disconnect();
    console.log(JSON.stringify(reports, null, 2));
  } else {
    const [url] = urls;
    const config = formFactor === 'desktop' ? desktopConfig : undefined;
    const flags = { port: chrome.port, logLevel: 'error', output: 'json', extraHeaders: headers, onlyCategories };
    const { lhr } = await lighthouse(url, flags, config);
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
    await page.setExtraHTTPHeaders(headers);
    await page.goto(url, { waitUntil: 'load' });
    const axe = await axeViolations(page);
    await browser.disconnect();

    console.log(JSON.stringify({
      url,
      form_factor: formFactor,
      lighthouse: lhr.lighthouseVersion,
      final_url: lhr.finalDisplayedUrl,
      runtime_error: lhr.runtimeError?.message ?? null,
      warnings: lhr.runWarnings,
      categories,
      failing,
      axe: axe.version,
      violations: axe.violations,
    }, null, 2));
  }
} catch (error) {
  console.error(`the audit could not run: ${error.stack ?? error}`);
  process.exitCode = 2;
} finally {
  await chrome.kill();
}
