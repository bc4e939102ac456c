// analyze.test.mjs -- the web page of `unspin serve` in headless Chromium.
//
// Starts `$UNSPIN serve --port 0` (default model), opens the page, pastes
// examples/oped-bridge.txt, clicks Analyze and checks that highlights
// (.span[data-technique]) of at least two techniques appear, that hovering
// one shows a tooltip naming its technique and the span's cues, that the
// text shown is the text pasted (code-point offsets), and that the page made
// no request outside the server. Saves docs/screenshots/web-page.png.
// Uses Debian's /usr/bin/chromium ($CHROMIUM overrides); never downloads a browser.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const unspin = resolve(root, process.env.UNSPIN || 'build/unspin');
const article = readFileSync(join(root, 'examples/oped-bridge.txt'), 'utf8');
const shot = join(root, 'docs/screenshots/web-page.png');

let server, base, browser, profile;   // browser: a persistent BrowserContext
const serverLog = [];

function startServer() {
  return new Promise((ok, fail) => {
    server = spawn(unspin, ['serve', '--port', '0', '--timeout', '10'], {
      cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    const timer = setTimeout(() => fail(new Error('server did not start:\n' + serverLog.join(''))), 15000);
    server.stderr.setEncoding('utf8');
    server.stderr.on('data', (d) => {
      serverLog.push(d);
      const m = serverLog.join('').match(/listening on (http:\/\/\S+)/);
      if (m && !base) { base = m[1]; clearTimeout(timer); ok(); }
    });
    server.on('exit', (code) => {
      if (!base) { clearTimeout(timer); fail(new Error(`server exited ${code}:\n` + serverLog.join(''))); }
    });
  });
}

before(async () => {
  await startServer();
  profile = mkdtempSync(join(tmpdir(), 'unspin-chromium-'));
  // a fresh profile per run (playwright passes it as --user-data-dir)
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((ok) => server.once('exit', ok));
    server.kill('SIGTERM');
    await exited;
  }
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('paste, analyze, highlights, tooltip, screenshot', async () => {
  const page = await browser.newPage();
  const outside = [];
  page.on('request', (r) => { if (!r.url().startsWith(base)) outside.push(r.url()); });
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));

  await page.goto(base + '/');
  await page.fill('#text', article);
  const answered = page.waitForResponse((r) => r.url().endsWith('/v1/analyze'));
  await page.click('#analyze');
  assert.equal((await answered).status(), 200);
  await page.waitForSelector('#article .span[data-technique]');

  const techs = await page.$$eval('#article .span[data-technique]',
    (els) => [...new Set(els.map((e) => e.dataset.technique))]);
  assert.ok(techs.length >= 2, `want highlights of >= 2 techniques, got ${JSON.stringify(techs)}`);

  // the article text shown is exactly the non-empty lines pasted
  const shown = await page.$$eval('#article .para p', (ps) => ps.map((p) => p.textContent));
  assert.deepEqual(shown, article.split('\n').filter((l) => l.length));

  // hover the innermost highlight of the first paragraph that has one
  const span = page.locator('#article .span.inner').first();
  const tech = await span.getAttribute('data-technique');
  await span.hover();
  await page.waitForSelector('#tip:not(.hidden)');
  const tip = await page.textContent('#tip');
  assert.ok(tip.includes(tech.replace(/_/g, ' ')), `tooltip "${tip}" does not name ${tech}`);
  assert.match(tip, /\d+%/);
  assert.match(tip, /span cues:/, `tooltip "${tip}" shows no span cues`);

  // the legend lists the techniques highlighted, with their definitions
  const legend = await page.textContent('#legend');
  assert.ok(legend.length > 40, 'legend is empty');
  assert.match(await page.textContent('#genre'), /opinion|reporting|satire/);
  assert.ok((await page.$$('#frames .track')).length >= 3, 'frames chart is empty');
  // the annotated articles whose frames were blended in (the default model's --knn)
  assert.match(await page.textContent('#similar'), /Most similar annotated articles: en\/\S+ \(\d+%: /);

  mkdirSync(dirname(shot), { recursive: true });
  await page.screenshot({ path: shot, fullPage: true });
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(outside, [], 'the page reached outside the server');
  await page.close();
});

test('errors from the server are shown', async () => {
  const page = await browser.newPage();
  await page.goto(base + '/');
  await page.click('#analyze');   // empty text: caught by the page
  await page.waitForSelector('#error:not(.hidden)');
  await page.close();
});

test('a text without words gets no genre and no frames', async () => {
  const page = await browser.newPage();
  await page.goto(base + '/');
  await page.fill('#text', '... !!! ***');
  const answered = page.waitForResponse((r) => r.url().endsWith('/v1/analyze'));
  await page.click('#analyze');
  assert.equal((await answered).status(), 200);
  await page.waitForFunction(() => document.querySelector('#genre-conf').textContent.length > 0);
  assert.equal(await page.textContent('#genre'), '—');
  assert.match(await page.textContent('#genre-conf'), /no words/);
  assert.match(await page.textContent('#frames'), /no words/);
  assert.equal((await page.$$('#frames .track')).length, 0);
  await page.close();
});
