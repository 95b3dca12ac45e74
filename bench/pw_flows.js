// The Playwright side of `make bench` (bench/bench.py runs it): the same flows huixin runs, on the same
// fixture sites, with the system Chromium and huixin's headless flags; it never downloads a browser.
//
//   node bench/pw_flows.js submit CONFIG.json   one Hanweb submission with its evidence
//   node bench/pw_flows.js sweep  CONFIG.json   check every letter of CONFIG.letters, CONFIG.jobs at once
//   node bench/pw_flows.js cold   CONFIG.json   launch, open CONFIG.url, one full-page screenshot
//   node bench/pw_flows.js thirdparty CONFIG.json  the same on a page with a hanging third-party script
//
// The evidence mirrors what huixin keeps for the same visit (full-page PNGs, MHTML, text, SHA-256 of
// each file), so both sides do the same work; huixin also writes meta.json, a manifest and a ledger row.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const http = require('http');

let chromium;
try {
  ({ chromium } = require(path.join(__dirname, 'node', 'node_modules', 'playwright-core')));
} catch (e) {
  console.error('playwright-core is missing: run (cd bench/node && npm ci) or npm install playwright-core');
  process.exit(3);
}

const EXECUTABLE = process.env.HUIXIN_CHROMIUM || '/usr/lib/chromium/chromium';
// driver/launch.c's flags (Playwright adds its own --headless and --remote-debugging-pipe)
const ARGS = [
  '--window-size=1280,900', '--disable-gpu', '--no-first-run', '--no-default-browser-check',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-default-apps',
  '--disable-extensions', '--disable-dev-shm-usage', '--disable-breakpad', '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--disable-features=Translate,MediaRouter,OptimizationHints,DialMediaRouteProvider,AutofillServerCommunication,WebUIOmniboxPopup,WebUIOmniboxAimPopup',
  '--disable-blink-features=AutomationControlled', '--metrics-recording-only',
  '--password-store=basic', '--use-mock-keychain', '--mute-audio', '--hide-scrollbars',
  '--force-color-profile=srgb',
].concat(process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : []);

function launch() {
  return chromium.launch({ executablePath: EXECUTABLE, headless: true, args: ARGS });
}

function getJson(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => { try { resolve(JSON.parse(body)); } catch (e) { reject(e); } });
    }).on('error', reject);
  });
}

function keep(dir, name, data, manifest) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, data);
  manifest[name] = crypto.createHash('sha256').update(data).digest('hex');
}

// Full-page PNG, MHTML and text of the page as it is, like huixin's visit bundle.
async function evidence(page, dir, prefix, manifest) {
  keep(dir, prefix + '.png', await page.screenshot({ fullPage: true }), manifest);
  const cdp = await page.context().newCDPSession(page);
  const { data } = await cdp.send('Page.captureSnapshot', { format: 'mhtml' });
  await cdp.detach();
  keep(dir, prefix + '.mhtml', data, manifest);
  keep(dir, prefix + '.txt', await page.evaluate(() => document.body.innerText), manifest);
}

async function submit(cfg) {
  const browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const dir = cfg.out_dir;
  fs.mkdirSync(dir, { recursive: true });
  const manifest = {};
  await page.goto(cfg.base_url + '/jact/front/mailwrite.do?sysid=1');
  await page.fill('#username', '李明');
  await page.fill('#mobile', '13812345678');
  await page.fill('#email', 'liming@example.cn');
  await page.selectOption('#mailtype', { label: '咨询' });
  await page.selectOption('#leader', '1');
  await page.fill('#title', '咨询老旧小区加装电梯补贴政策（编号PW' + Date.now() % 100000 + '）');
  await page.fill('#content', '您好！请问我市老旧小区加装电梯的补贴标准是多少，需要哪些材料，向哪个部门申请？谢谢。');
  await page.check('#ispublic1');
  keep(dir, 'captcha-01.png', await page.locator('#checkcodeimg').screenshot(), manifest);
  const answer = (await getJson(cfg.captcha_url)).current;
  await page.fill('#checkcode', answer);
  keep(dir, '02-before-submit.png', await page.screenshot({ fullPage: true }), manifest);
  await page.click('#submitbtn');
  await page.getByText('信件提交成功').first().waitFor({ timeout: 20000 });
  const letterNo = await page.textContent('#mailnumber');
  const queryCode = await page.textContent('#querycode');
  keep(dir, '03-after-submit.png', await page.screenshot({ fullPage: true }), manifest);
  await evidence(page, dir, 'page', manifest);
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  await context.close();
  await browser.close();
  console.log(JSON.stringify({ status: 'submitted', letter_no: letterNo, query_code: queryCode }));
}

async function checkOne(browser, cfg, letter, n) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    const dir = path.join(cfg.out_dir, 'letter-' + n);
    fs.mkdirSync(dir, { recursive: true });
    const manifest = {};
    await page.goto(cfg.base_url + '/jact/front/mailquery.do?sysid=1');
    await page.fill('#mailnumber', letter.letter_no);
    await page.fill('#querycode', letter.query_code);
    await page.click('#querybtn');
    await page.locator('.jact_box_font, #noresult').first().waitFor({ timeout: 30000 });
    keep(dir, '01-query-result.png', await page.screenshot({ fullPage: true }), manifest);
    const found = (await page.locator('.jact_box_font').count()) > 0;
    const state = found ? await page.textContent('#mailinfo td.state') : null;
    await evidence(page, dir, 'page', manifest);
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    return { found, state };
  } finally {
    await context.close();
  }
}

async function sweep(cfg) {
  const browser = await launch();
  const letters = cfg.letters;
  let next = 0;
  let done = 0;
  let failed = 0;
  async function worker() {
    while (next < letters.length) {
      const n = next++;
      try {
        await checkOne(browser, cfg, letters[n], n);
        done++;
      } catch (e) {
        failed++;
        console.error('letter ' + n + ': ' + e.message);
      }
    }
  }
  await Promise.all(Array.from({ length: cfg.jobs }, worker));
  await browser.close();
  console.log(JSON.stringify({ checked: done, failed }));
  if (failed) process.exitCode = 5;
}

async function cold(cfg) {
  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(cfg.url);
  fs.mkdirSync(cfg.out_dir, { recursive: true });
  fs.writeFileSync(path.join(cfg.out_dir, 'page.png'), await page.screenshot({ fullPage: true }));
  await browser.close();
}

// A page whose only fault is a third-party script that never answers: goto as Playwright does by default
// (waitUntil 'load'), then the screenshot of whatever is there once load came or the timeout passed.
async function thirdparty(cfg) {
  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  let loaded = true;
  try {
    await page.goto(cfg.url, { timeout: cfg.timeout_ms });
  } catch (e) {
    loaded = false;
  }
  fs.mkdirSync(cfg.out_dir, { recursive: true });
  fs.writeFileSync(path.join(cfg.out_dir, 'page.png'), await page.screenshot({ fullPage: true }));
  await browser.close();
  console.log(JSON.stringify({ loaded }));
}

const flows = { submit, sweep, cold, thirdparty };
const [flow, configPath] = process.argv.slice(2);
if (!flows[flow] || !configPath) {
  console.error('usage: node bench/pw_flows.js submit|sweep|cold|thirdparty CONFIG.json');
  process.exit(2);
}
flows[flow](JSON.parse(fs.readFileSync(configPath, 'utf8'))).catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
