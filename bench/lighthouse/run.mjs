// Lighthouse 12.2.3 in mobile mode over the demo patient's pages, logged in.
//
//   node run.mjs [base URL]            (make lighthouse serves the demo and runs this)
//
// Launches Debian's Chromium (CHROME_PATH, default /usr/bin/chromium), logs in as the demo
// patient through the login form, then audits each page in the same browser, keeping the
// session cookie (disableStorageReset). Prints a table and writes reports/<page>.html and
// reports/scores.json.
import fs from "node:fs";
import path from "node:path";
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
import puppeteer from "puppeteer-core";

const BASE = (process.argv[2] || process.env.LIGHTHOUSE_BASE_URL || "http://127.0.0.1:8010").replace(/\/$/, "");
const EMAIL = process.env.LIGHTHOUSE_EMAIL || "patient@example.com";
const PASSWORD = process.env.DEMO_PASSWORD || "ldn-demo-2026";
const PAGES = [
  ["home", "/patient/"],
  ["tonight", "/tonight/"],
  ["diary", "/diary/"],
  ["trends", "/diary/trends/"],
  ["medications", "/medications/"],
];
const CATEGORIES = ["performance", "accessibility", "best-practices"];
const REPORTS = path.join(path.dirname(new URL(import.meta.url).pathname), "reports");

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH || "/usr/bin/chromium",
  chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"],
});
let failed = false;
try {
  const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
  const page = await browser.newPage();
  await page.goto(`${BASE}/accounts/login/`, { waitUntil: "networkidle0" });
  await page.type("input[name=login]", EMAIL);
  await page.type("input[name=password]", PASSWORD);
  await Promise.all([page.waitForNavigation({ waitUntil: "networkidle0" }), page.click("form[action=\"/accounts/login/\"] button[type=submit]")]);
  if (!page.url().includes("/patient/")) {
    throw new Error(`the demo patient could not log in (landed on ${page.url()}): run seed_demo`);
  }
  fs.mkdirSync(REPORTS, { recursive: true });
  const scores = {};
  for (const [name, address] of PAGES) {
    // Lighthouse itself sometimes fails to record a trace (NO_NAVSTART, "run Lighthouse
    // again"): such a run scores 0 for reasons outside the page, so it is run again, at most
    // twice, and the retry is printed.
    let result;
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      result = await lighthouse(
        `${BASE}${address}`,
        {
          port: chrome.port,
          output: "html",
          logLevel: "error",
          onlyCategories: CATEGORIES,
          disableStorageReset: true,
        },
        undefined,
        page,
      );
      if (!result.lhr.runtimeError) break;
      console.error(`${name}: ${result.lhr.runtimeError.code}, running it again`);
    }
    fs.writeFileSync(path.join(REPORTS, `${name}.html`), result.report);
    const lhr = result.lhr;
    if (lhr.finalDisplayedUrl.includes("/accounts/login")) {
      throw new Error(`${address} went to the login page: the session was lost`);
    }
    scores[name] = Object.fromEntries(
      CATEGORIES.map((c) => [c, Math.round((lhr.categories[c].score ?? 0) * 100)]),
    );
    const below = Object.values(lhr.categories)
      .flatMap((c) => c.auditRefs.map((ref) => lhr.audits[ref.id]))
      .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === "binary")
      .map((a) => a.id);
    scores[name].failing = below;
  }
  fs.writeFileSync(path.join(REPORTS, "scores.json"), JSON.stringify(scores, null, 2));
  console.log("page          performance  accessibility  best-practices  failing audits");
  for (const [name, s] of Object.entries(scores)) {
    console.log(
      `${name.padEnd(14)}${String(s.performance).padEnd(13)}${String(s.accessibility).padEnd(15)}` +
        `${String(s["best-practices"]).padEnd(16)}${s.failing.join(", ")}`,
    );
  }
  await browser.disconnect();
} catch (error) {
  console.error(error.message);
  failed = true;
} finally {
  await chrome.kill();
}
process.exit(failed ? 1 : 0);
