// sco-observatory dashboard: controls -> group expression -> JSON API -> tables, charts and a map.
// The whole state lives in the URL query string, so a view can be shared by copying the address.
// Every value from the API reaches the DOM through textContent or attributes set by the DOM API,
// never through innerHTML, so data cannot inject markup.
"use strict";

const $ = (id) => document.getElementById(id);
const STATE_KEYS = ["org", "date", "statuses", "add", "remove", "indicator", "year", "map"];
const VERSION = document.querySelector("meta[name=sco-version]").content;
const FIRST_YEAR = 1996;  // the Shanghai Five, where the ledger starts
const PALETTE = ["#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6", "#a5002f", "#3a7d7c", "#7f6000", "#5b5b5b"];
const STATUS_COLOURS = { member: "#1f4e79", observer: "#5b9bd5", dialogue_partner: "#a9c47f", partner: "#70ad47", added: "#c55a11" };
let LABELS = { indicators: {}, statuses: {} };
const PANELS = {};        // panel id -> {columns, rows, chart, svg, sources, query}
const SOURCES = new Map(); // source key -> citation row
let names = { CHN: "China", RUS: "Russia" };  // iso3 -> country name, learnt from the members tables (the two partners named before)
let HELD = { tables: new Set(), codes: new Set(), spans: {} };  // what the store holds (/api/catalog)

// A panel whose data the store does not hold says so and how to import it, instead of asking the API
// (whose 404 the browser would log as an error).
const NEEDS = {
  trade: [() => HELD.tables.has("trade"), "the store holds no bilateral trade: `sco import dots_focus_reporters_1990_2020.csv` (IMF DOTS) or `sco fetch imf`"],
  integration: [() => HELD.tables.has("trade") && HELD.codes.has("NY.GDP.MKTP.CD"), "the SIEI-style index needs bilateral trade and GDP: `sco import` IMF DOTS and WDI ny.gdp.mktp.cd.csv"],
  convergence: [() => convergenceWindow(9999) !== null, "convergence needs GDP per capita for at least three years from 1995 to the shown year: `sco import wdi/ny.gdp.pcap.cd.csv` or `sco fetch worldbank NY.GDP.PCAP.CD`"],
  cinc: [() => HELD.codes.has("COW.NMC.MILEX"), "CINC needs the COW National Material Capabilities: `sco import NMC-70-abridged.csv`"],
  arms: [() => HELD.tables.has("arms_transfer"), "SIPRI's Arms Transfers Database (trade register) is not in this store. The package does not " +
    "ship it: SIPRI's terms allow free use with citation but not re-hosting or commercial use, and this MIT-licensed package may be used " +
    "commercially. To show this panel, download the trade register as CSV (all suppliers and recipients, deliveries from 2000) from " +
    "https://www.sipri.org/databases/armstransfers and import it: `sco import sipri_trade_register_2000_2023.csv` (format sipri-arms-register)"],
};
function convergenceWindow(year) {  // 1995 (or the first year held) to the shown year; null if under 3 years
  const span = HELD.spans["NY.GDP.PCAP.CD"];
  if (!span) return null;
  const first = Math.max(1995, span[0]), last = Math.min(year, span[1]);
  return last - first >= 2 ? `${first}-${last}` : null;
}
function held(panel, node, chart) {
  const [ok, why] = NEEDS[panel];
  if (ok()) return true;
  if (chart) unplot(chart);
  clear($(node)).append(hint(`Not shown: ${why}.`));
  PANELS[panel] = {};
  downloadable(panel, false);
  return false;
}
// The download buttons of a panel work only while it shows data; otherwise they are disabled (not silent).
function downloadable(panel, yes) {
  const tools = document.querySelector(`#panel-${panel} .tools`);
  if (tools) for (const b of tools.querySelectorAll("button[data-download]")) b.disabled = !yes;
}

// ------------------------------------------------------------------ DOM helpers (no innerHTML with data)
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v; else if (k === "text") node.textContent = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")));
  return node;
}
function clear(node) { node.replaceChildren(); return node; }
function hint(text) { return el("p", { class: "hint", text }); }

const statusWord = (s) => LABELS.statuses[s] || String(s ?? "").replaceAll("_", " ");
function indicatorLabel(code, withUnit = true) {
  code = (LABELS.aliases || {})[String(code || "").toLowerCase()] || code;
  const l = LABELS.indicators[String(code || "").toUpperCase()];
  if (!l) return String(code || "");
  return withUnit && l.unit ? `${l.label} (${l.unit})` : l.label;
}
const countryName = (iso) => names[iso] || iso;

function fmt(v, col) {
  if (v === null || v === undefined) return "";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "number" && /year|^start$|^end$|^T$|^n$/.test(col || "")) return String(v);
  if (typeof v === "number") {
    if (/share|cinc/.test(col || "")) return pct(v);
    if (Math.abs(v) >= 1000) return v.toLocaleString("en", { maximumFractionDigits: 0 });
    return v.toLocaleString("en", { maximumSignificantDigits: 4 });
  }
  return String(v);
}

function pct(share) {  // a share as a percentage; small shares keep two significant digits instead of rounding to 0
  const p = 100 * share;
  return (Math.abs(p) >= 1 || p === 0 ? p.toLocaleString("en", { maximumFractionDigits: 1 }) : p.toLocaleString("en", { maximumSignificantDigits: 2 })) + " %";
}

// A source key is shown as the short name of its publisher and dataset ("IMF DOTS" for
// imf-dots:dots_focus_reporters_1990_2020; the table is snapshot_datasets.SHORT_NAMES, served by /api/labels),
// with its vintage (the year published, else retrieved) once its citation is known, linking to the full citation in the sources panel.
// Keys with the same short name share one link (to the first; its tooltip cites them all).
function sourceName(key) {
  const hit = (LABELS.source_names || []).find(([prefix]) => key.startsWith(prefix));
  return hit ? hit[1] : key;
}
function vintageYear(c) {
  const v = String((c && c.vintage) || "");
  const m = v.match(/published (\d{4})/) || v.match(/(\d{4})/);
  return m ? m[1] : "";
}
function sourceLink(a) {  // the link's text and tooltip from what is known of its keys' citations
  const keys = a.dataset.keys.split(";");
  const known = keys.map((k) => SOURCES.get(k)).filter(Boolean);
  const year = known.map(vintageYear).find(Boolean);
  a.textContent = year ? `${a.dataset.name}, vintage ${year}` : a.dataset.name;  // "vintage": not the data's year
  a.title = keys.map((k) => { const c = SOURCES.get(k); return c ? `${c.citation}${c.vintage ? ` (${c.vintage})` : ""} [${k}]` : k; }).join("\n");
}
function sourceCell(value) {
  const td = el("td", { "data-col": "source" });
  const keys = [...new Set(String(value || "").split(/[;,]/).map((k) => k.trim()).filter(Boolean))];
  const byName = new Map();
  for (const key of keys) {
    const name = sourceName(key);
    byName.set(name, [...(byName.get(name) || []), key]);
    if (!SOURCES.has(key)) SOURCES.set(key, null);
  }
  [...byName].forEach(([name, ks], i) => {
    if (i) td.append("; ");
    const a = el("a", { class: "src", href: `#src-${encodeURIComponent(ks[0])}`, "data-key": ks[0], "data-keys": ks.join(";"), "data-name": name });
    sourceLink(a);
    td.append(a);
  });
  return td;
}

// Words for the what-if frame's measure and section keys ("area con" -> "Land area: concentration (CON)"), by
// labels.measure_words' rule on the tables /api/labels serves (the frame keeps the keys: they are its API).
function measureWords(m) {
  m = String(m ?? "");
  if ((LABELS.measure_words || {})[m]) return LABELS.measure_words[m];
  const stats = Object.keys(LABELS.measure_stats || {}).sort((a, b) => b.length - a.length);
  for (const stat of stats) {
    if (!m.endsWith(" " + stat)) continue;
    const ind = m.slice(0, -stat.length - 1);
    const alias = ind.toLowerCase() in (LABELS.aliases || {});
    let name = indicatorLabel(ind, !alias);
    if (name === ind) name = /^[a-z_]+$/.test(ind) ? (ind.charAt(0).toUpperCase() + ind.slice(1)).replaceAll("_", " ") : ind;
    return `${name}: ${LABELS.measure_stats[stat]}`;
  }
  return m;
}
const sectionWord = (s) => (LABELS.sections || {})[s] || String(s ?? "").replaceAll("_", " ");

// The header people read for a column, from the one label table (labels.py, served by /api/labels): the
// panel's own word for it (the trade panel's iso3_a is the member), else the column's header, else the
// name in words with a capital.
function headerOf(c, panel) {
  const h = ((LABELS.panels || {})[panel] || {})[c] || (LABELS.columns || {})[c];
  if (h) return h;
  const words = String(c).replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// columns: [name]; opts.panel: whose words (LABELS.panels); opts.cell(col, value, row) may return a <td>
const COUNTRY_COLUMNS = new Set(["iso3", "iso3_a", "iso3_b"]);
function renderTable(node, payload, opts = {}) {
  const cols = (opts.columns || payload.columns).map((c) => [c, headerOf(c, opts.panel)]);
  clear(node);
  if (!payload.rows.length) { node.append(hint("No rows.")); return; }
  const head = el("tr", {}, ...cols.map(([c, h]) => el("th", { scope: "col", title: c, text: h })));  // the column name in the tooltip
  const named = cols.some(([c]) => c === "name");
  const body = el("tbody");
  for (const r of payload.rows) {
    const tr = el("tr");
    for (const [c] of cols) {
      const v = r[c];
      let td = opts.cell ? opts.cell(c, v, r) : null;
      if (!td && c === "source") td = sourceCell(v);
      if (!td && c === "status") td = el("td", { "data-col": c, text: statusWord(v) });
      if (!td && opts.link === c && v) {
        td = el("td", { "data-col": c }, el("button", { class: "iso", type: "button", "data-iso": v, text: v }));
      }
      // a country column shows the name, its ISO code in the tooltip (the code is what the CSV download carries),
      // unless the table has a name column of its own
      if (!td && !named && COUNTRY_COLUMNS.has(c) && v) td = el("td", { "data-col": c, title: v, text: countryName(v) });
      if (!td) td = el("td", { class: typeof v === "number" ? "num" : null, "data-col": c, text: fmt(v, c) });
      tr.append(td);
    }
    body.append(tr);
  }
  node.append(el("table", {}, el("thead", {}, head), body));
}

function showError(node, err) {
  clear(node).append(el("p", { class: "error" }, String(err.error || err.message || err),
    ...(err.hint ? [" — ", el("span", { class: "hint", text: err.hint })] : [])));
}

// Requests sent before they are needed (the first view's members, year and map, while the look-ups load):
// api() takes an answer from here once, so the first view waits for one round trip less.
const EARLY = new Map();
function apiUrl(path, params) {
  const url = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(params || {})) if (v !== "" && v !== null && v !== undefined) url.searchParams.set(k, v);
  return url;
}
async function request(url) {
  const res = await fetch(url);
  const body = await res.json();
  if (!res.ok) throw body;
  body._query = url.pathname + url.search;
  return body;
}
function prefetch(path, params) {
  const url = apiUrl(path, params);
  const answer = request(url);
  answer.catch(() => {});  // a failure is reported by the panel that asks for it
  EARLY.set(url.href, answer);
  return answer;
}
async function api(path, params) {
  const url = apiUrl(path, params);
  const early = EARLY.get(url.href);
  if (early) { EARLY.delete(url.href); return early; }
  return request(url);
}

// ------------------------------------------------------------------ state and the URL
function today() { return new Date().toISOString().slice(0, 10); }

function readState() {
  const q = new URLSearchParams(window.location.search);
  return {
    org: q.get("org") || "SCO", date: q.get("date") || today(),
    statuses: (q.get("statuses") || "member").split(",").filter(Boolean),
    add: q.get("add") || "", remove: q.get("remove") || "",
    indicator: q.get("indicator") || "defence", year: q.get("year") || "", map: q.get("map") || "status",
  };
}

function currentState() {
  return {
    org: $("org").value, date: $("date").value || today(),
    statuses: [...document.querySelectorAll("input[name=status]:checked")].map((e) => e.value),
    add: $("add").value.trim(), remove: $("remove").value.trim(), indicator: $("indicator").value,
    year: $("pin").checked ? $("year").value : "", map: $("map-mode").value,
  };
}

function applyState(s) {
  $("org").value = s.org;
  $("date").value = s.date;
  $("slider").max = String(new Date().getFullYear());
  $("slider").value = s.date.slice(0, 4);
  for (const box of document.querySelectorAll("input[name=status]")) box.checked = s.statuses.includes(box.value);
  $("add").value = s.add; $("remove").value = s.remove;
  $("indicator").value = s.indicator;
  $("pin").checked = Boolean(s.year);
  if (s.year) $("year").value = s.year;
  $("map-mode").value = s.map;
}

function groupExpression(s, statuses) {
  statuses = statuses || (s.statuses.length ? s.statuses : ["member"]);
  let expr = s.org + (statuses.join(",") === "member" ? "" : ":" + statuses.join(",")) + "@" + s.date;
  for (const c of s.add.split(",").map((x) => x.trim()).filter(Boolean)) expr += "+" + c;
  for (const c of s.remove.split(",").map((x) => x.trim()).filter(Boolean)) expr += "-" + c;
  return expr;
}

function writeUrl(s) {
  const q = new URLSearchParams();
  for (const k of STATE_KEYS) {
    const v = Array.isArray(s[k]) ? s[k].join(",") : s[k];
    if (v !== "" || k === "date") q.set(k, v);
  }
  history.replaceState(null, "", "?" + q.toString());
}

// ------------------------------------------------------------------ download and cite
function register(panel, data) {
  PANELS[panel] = { ...(PANELS[panel] || {}), ...data };
  if (PANELS[panel].rows || PANELS[panel].svg) downloadable(panel, true);
}

function csvText(columns, rows) {
  const cell = (v) => {
    const t = v === null || v === undefined ? "" : String(v);
    return /[",\n]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t;
  };
  return [columns.map(cell).join(","), ...rows.map((r) => columns.map((c) => cell(r[c])).join(","))].join("\n") + "\n";
}

// Chromium silently drops a download that starts a few tens of milliseconds after the previous one ended
// (no download event reaches DevTools, although the click's user activation is live and the link is in the
// page): measured with Playwright, about 1 click in 40 saved nothing when clicks followed each finished download
// at once, none in 195 with 250 ms between them. So save() starts its downloads at least SAVE_GAP_MS apart:
// a person clicking two buttons quickly gets both files. (It was the dashboard's "what-if PNG click that saves
// nothing" of session 4, which was not specific to the what-if panel.)
const SAVE_GAP_MS = 400;
let nextSave = 0;  // performance.now() at which the next download may start
async function save(name, blob) {
  const now = performance.now(), at = Math.max(now, nextSave);
  nextSave = at + SAVE_GAP_MS;
  if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  const a = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

function fileStem(panel) { return `sco-${panel}-${$("date").value}`; }

function citationFor(panel) {
  const p = PANELS[panel] || {};
  const title = document.getElementById(`panel-${panel}`).dataset.title;
  const accessed = today();
  const keys = [...new Set((p.rows || []).flatMap((r) => String(r.source || "").split(";").map((k) => k.trim())).filter(Boolean))];
  const data = keys.map((k) => {
    const c = SOURCES.get(k);
    return c ? `${c.citation}${c.vintage ? ` (${c.vintage})` : ""} [${k}]` : k;
  });
  const url = window.location.href;
  const plain = `sco-observatory ${VERSION}, "${title}" (${groupExpression(currentState())}), ` +
    `query ${p.query || ""}, view ${url}, accessed ${accessed}.` + (data.length ? ` Data: ${data.join("; ")}.` : "");
  const bib = `@misc{sco-observatory-${panel}-${accessed.replaceAll("-", "")},\n` +
    `  title = {{${title}}},\n  author = {{sco-observatory contributors}},\n  howpublished = {sco-observatory ${VERSION} dashboard},\n` +
    `  note = {Group ${groupExpression(currentState())}; query ${p.query || ""}${data.length ? "; data: " + data.join("; ") : ""}},\n` +
    `  url = {${url}},\n  urldate = {${accessed}}\n}`;
  return { plain, bib };
}

// Every panel downloads as CSV (its data) and as PNG and SVG: a chart through Plotly.toImage, the map as
// its own SVG, a table (in a panel without a chart) as an SVG drawn from the table on screen.
function addTools(panel) {
  const section = document.getElementById(`panel-${panel}`);
  const tools = section.querySelector(".tools");
  if (!tools) return;
  const button = (text, label, fn, download = true) => {
    const b = el("button", { type: "button", "aria-label": `${label} — ${section.dataset.title}`, "data-download": download ? text.toLowerCase() : null,
      disabled: download && !(PANELS[panel] && (PANELS[panel].rows || PANELS[panel].svg)) ? "" : null, text });
    b.addEventListener("click", fn);
    tools.append(b);
  };
  button("CSV", "Download as CSV", () => {
    const p = PANELS[panel];
    if (p && p.rows) save(`${fileStem(panel)}.csv`, new Blob([csvText(p.columns, p.rows)], { type: "text/csv" }));
  });
  for (const format of ["png", "svg"]) {
    button(format.toUpperCase(), `Download as ${format.toUpperCase()}`, () => downloadImage(panel, format));
  }
  button("Cite", "Cite this figure", () => {
    let box = section.querySelector(".cite");
    if (box) { box.remove(); return; }
    const c = citationFor(panel);
    box = el("div", { class: "cite", role: "region", "aria-label": "Citation" },
      el("strong", { text: "Cite this (plain text)" }), el("pre", { text: c.plain }),
      el("strong", { text: "BibTeX" }), el("pre", { text: c.bib }));
    section.querySelector(".bar").after(box);
  }, false);
}

async function downloadImage(panel, format) {
  const p = PANELS[panel] || {};
  const name = `${fileStem(panel)}.${format}`;
  const section = document.getElementById(`panel-${panel}`);
  const title = section.querySelector("h2").textContent;
  if (p.chart && p.chart.data && p.chart.data.length) {
    const url = await Plotly.toImage(p.chart, { format, width: 1000, height: Math.max(420, p.chart.clientHeight || 0) });
    save(name, await (await fetch(url)).blob());
    return;
  }
  let svg = p.svg ? p.svg.cloneNode(true) : null;
  if (!svg) {
    const table = section.querySelector("table");
    if (!table) return;
    svg = tableSvg(table, title);
  }
  const text = new XMLSerializer().serializeToString(svg);
  if (format === "svg") save(name, new Blob([text], { type: "image/svg+xml" }));
  else save(name, await svgToPng(text, svgSize(svg)));
}

function svgSize(svg) {
  const box = (svg.getAttribute("viewBox") || "0 0 1000 600").split(/[\s,]+/).map(Number);
  return [box[2], box[3]];
}

// The page's own SVG pictures (a table's picture, the power chart): elements made through the DOM API (text
// never parsed as markup), in the page's font, with text widths measured on a canvas in that font.
const SVG_NS = "http://www.w3.org/2000/svg";
const SVG_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
function svgEl(tag, attrs, text) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
let measurer = null;
function textWidth(text, size, bold = false) {
  measurer = measurer || document.createElement("canvas").getContext("2d");
  measurer.font = `${bold ? "bold " : ""}${size}px ${SVG_FAMILY}`;
  return measurer.measureText(text).width;
}

// A table as a standalone SVG of text and lines (no foreignObject, so a canvas can rasterise it to PNG):
// column widths from the text's measured width, capped, longer cells wrapped at spaces and at : _ . / ;
function tableSvg(table, title) {
  const FONT = 12, LINE = 16, PAD = 6, MAX = 300;
  const width = (text, bold) => textWidth(text, FONT, bold);
  const grid = [...table.rows].map((tr) => [...tr.cells].map((c) => ({
    text: c.textContent.replace(/\s+/g, " ").trim(), head: c.tagName === "TH", num: c.classList.contains("num") })));
  const ncol = Math.max(...grid.map((r) => r.length));
  const cols = Array.from({ length: ncol }, (_, j) =>
    Math.min(MAX, Math.max(24, ...grid.map((r) => (r[j] ? width(r[j].text, r[j].head) : 0)))) + 2 * PAD);
  const wrap = (text, bold, w) => {
    const lines = [];
    let line = "";
    for (const token of text.split(/(?<=[\s;:_.\/,-])/)) {
      if (line && width(line + token, bold) > w) { lines.push(line.trimEnd()); line = ""; }
      line += token;
      while (width(line, bold) > w && line.length > 1) {  // one token wider than the column: cut it
        let k = line.length - 1;
        while (k > 1 && width(line.slice(0, k), bold) > w) k--;
        lines.push(line.slice(0, k)); line = line.slice(k);
      }
    }
    if (line.trim() || !lines.length) lines.push(line.trimEnd());
    return lines;
  };
  const node = svgEl;
  const total = cols.reduce((a, b) => a + b, 0);
  const body = [];
  let y = 34;
  for (const row of grid) {
    const cells = row.map((c, j) => ({ ...c, lines: wrap(c.text, c.head, cols[j] - 2 * PAD) }));
    const h = Math.max(1, ...cells.map((c) => c.lines.length)) * LINE + PAD;
    if (row.some((c) => c.head)) body.push(node("rect", { x: 0, y, width: total, height: h, fill: "#f3f6f9" }));
    let x = 0;
    cells.forEach((c, j) => {
      const t = node("text", { x: c.num ? x + cols[j] - PAD : x + PAD, y: y + LINE - 3, "text-anchor": c.num ? "end" : "start",
        "font-weight": c.head ? "bold" : "normal" });
      c.lines.forEach((l, i) => t.append(node("tspan", { x: c.num ? x + cols[j] - PAD : x + PAD, dy: i ? LINE : 0 }, l)));
      body.push(t);
      x += cols[j];
    });
    y += h;
    body.push(node("line", { x1: 0, x2: total, y1: y, y2: y, stroke: "#d8dee6" }));
  }
  const w = Math.ceil(Math.max(total, width(title, true) + 2 * PAD)), h = Math.ceil(y + PAD);
  const svg = node("svg", { xmlns: SVG_NS, width: w, height: h, viewBox: `0 0 ${w} ${h}`, "font-family": SVG_FAMILY, "font-size": FONT, fill: "#1d2733" });
  svg.append(node("rect", { x: 0, y: 0, width: w, height: h, fill: "#fff" }), node("text", { x: PAD, y: 20, "font-weight": "bold", "font-size": FONT + 2 }, title), ...body);
  return svg;
}

function svgToPng(text, [w, h], scale = 2) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      const canvas = el("canvas", { width: Math.round(w * scale), height: Math.round(h * scale) });
      const ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("the image could not be rendered"))), "image/png");
    };
    img.onerror = () => reject(new Error("the image could not be rendered"));
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
  });
}

// ------------------------------------------------------------------ the power chart (own SVG, no plotly)
// The power panel reaches into the first viewport, so its chart is drawn here as the page's own SVG, as the map is:
// the first view then needs no plotly.js, whose parse was the longest task before it (benchmarks/README.md, #16).
// One horizontal bar per country with a value, largest first. Its length is the value on a linear axis from 0, or,
// with "log scale" checked, log10(value) on an axis from 10^floor(log10 min) to 10^ceil(log10 max) (so the smallest
// members stay visible); at its end it reads the country's share of the group total, value / Σ values (the API's
// `share`), and ⚑ where the publisher flags the value as an estimate. Hovering a bar shows its <title>: the value
// in words and in full, its unit, share, indicator code and source.
const POWER_BAR = 22, POWER_GAP = 7;    // px: a bar's height, the gap between bars
const POWER_TOP = 34, POWER_RIGHT = 64;  // px: room for the title above, for the share read out beyond the longest bar
const COMPACT = { short: new Intl.NumberFormat("en", { notation: "compact", compactDisplay: "short", maximumSignificantDigits: 3 }),
  long: new Intl.NumberFormat("en", { notation: "compact", compactDisplay: "long", maximumSignificantDigits: 3 }) };
let POWER_SHOWN = null;  // {power, code, width}: what the power chart draws, kept to redraw it (log toggle, resize)

function linearTicks(max, room) {  // 0 and multiples of a 1-2-5 step up to the first at or above max, at most `room` steps
  const raw = max / Math.max(1, room), mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const ticks = [];
  for (let t = 0; t < max + step / 2 && ticks.length <= room + 1; t += step) ticks.push(t);
  if (ticks[ticks.length - 1] < max) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}
function logTicks(min, max) {  // every power of ten from the one at or below min to the one at or above max
  const lo = Math.floor(Math.log10(min)), hi = Math.max(lo + 1, Math.ceil(Math.log10(max)));
  const ticks = [];
  for (let k = lo; k <= hi; k++) ticks.push(10 ** k);
  return ticks;
}

function drawPowerChart() {
  const holder = $("power-chart");
  if (!POWER_SHOWN) { clear(holder); return; }
  const { power, code } = POWER_SHOWN;
  const log = $("power-log").checked;
  const bars = power.rows.filter((r) => r.value !== null && r.value > 0).sort((a, b) => b.value - a.value);
  const missing = power.rows.filter((r) => !(r.value !== null && r.value > 0)).map((r) => countryName(r.iso3));
  const title = `${indicatorLabel(code, false)}, ${power.year}: value and share of the group`;
  const axisTitle = `${indicatorLabel(code)}${log ? ", log scale" : ""}`;
  const unit = (LABELS.indicators[String(code).toUpperCase()] || {}).unit || "";
  const W = Math.max(320, Math.round(holder.clientWidth || 600));
  POWER_SHOWN.width = W;
  if (!bars.length) { clear(holder).append(hint(`No ${indicatorLabel(code, false)} values for ${power.year} to draw.`)); register("power", { svg: null }); return; }
  const FONT = 12;
  const lines = textWidth(title, 13, true) > W - 8 ? title.split(/(?<=:) /) : [title];
  const top = POWER_TOP + 16 * (lines.length - 1);
  const left = Math.min(Math.round(W * 0.4), 12 + Math.max(...bars.map((r) => textWidth(countryName(r.iso3), FONT))));
  const plotW = W - left - POWER_RIGHT;
  const axisY = top + bars.length * (POWER_BAR + POWER_GAP);
  const H = axisY + 52 + (missing.length ? 18 : 0);
  const values = bars.map((r) => r.value);
  const room = Math.max(2, Math.floor(plotW / 90));
  const ticks = log ? logTicks(Math.min(...values), Math.max(...values)) : linearTicks(Math.max(...values), room);
  const [t0, t1] = [ticks[0], ticks[ticks.length - 1]];
  const x = log ? (v) => left + plotW * (Math.log10(v) - Math.log10(t0)) / (Math.log10(t1) - Math.log10(t0))
    : (v) => left + plotW * (v - t0) / (t1 - t0);
  // tick labels in words ("10 billion") where they fit between their neighbours, else short ("10B"), else on every
  // k-th tick only (each tick keeps its grid line)
  const gap = plotW / Math.max(1, ticks.length - 1);
  const widest = (f) => Math.max(...ticks.map((t) => textWidth(f.format(t), FONT))) + 10;
  const tickWords = widest(COMPACT.long) <= gap ? COMPACT.long : COMPACT.short;
  const labelEvery = Math.max(1, Math.ceil(widest(tickWords) / gap));

  const svg = svgEl("svg", { xmlns: SVG_NS, width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img",
    "font-family": SVG_FAMILY, "font-size": FONT, fill: "#1d2733",
    "aria-label": `${title}. ${axisTitle}. ` + bars.map((r) => `${countryName(r.iso3)}: ${COMPACT.long.format(r.value)}${unit ? " " + unit : ""}, ${pct(r.share)}${r.estimate ? " (estimate)" : ""}`).join("; ") + "." });
  svg.append(svgEl("rect", { x: 0, y: 0, width: W, height: H, fill: "#fff" }));
  const heading = svgEl("text", { class: "chart-title", x: 4, y: 18, "font-weight": "bold", "font-size": 13 });
  lines.forEach((l, i) => heading.append(svgEl("tspan", { x: 4, dy: i ? 16 : 0 }, l)));
  svg.append(heading);
  ticks.forEach((t, i) => {
    svg.append(svgEl("line", { x1: x(t), x2: x(t), y1: top - 4, y2: axisY, stroke: "#e3e8ee" }));
    if (i % labelEvery === 0) svg.append(svgEl("text", { class: "tick", x: x(t), y: axisY + 15, "text-anchor": "middle", fill: "#52606d" }, tickWords.format(t)));
  });
  svg.append(svgEl("line", { x1: left, x2: left + plotW, y1: axisY, y2: axisY, stroke: "#8895a3" }));
  svg.append(svgEl("text", { class: "axis-title", x: left + plotW / 2, y: axisY + 36, "text-anchor": "middle" }, axisTitle));
  if (missing.length) svg.append(svgEl("text", { class: "missing", x: 4, y: axisY + 56, fill: "#52606d" }, `No value, no bar: ${missing.join(", ")}.`));
  bars.forEach((r, i) => {
    const y = top + i * (POWER_BAR + POWER_GAP), name = countryName(r.iso3);
    const end = x(r.value), share = pct(r.share) + (r.estimate ? " ⚑" : "");
    const g = svgEl("g", { class: "bar", "data-iso": r.iso3, "data-value": r.value });
    g.append(svgEl("title", {}, `${name} (${r.iso3}): ${COMPACT.long.format(r.value)} (${fmt(r.value, "value")})${unit ? " " + unit : ""}, ` +
      `${pct(r.share)} of the group${r.estimate ? ", an estimate flagged by the publisher (or derived)" : ""} · ${code} · ${r.source}`));
    g.append(svgEl("text", { class: "label", x: left - 8, y: y + POWER_BAR / 2 + 4, "text-anchor": "end" }, name));
    g.append(svgEl("rect", { x: left, y, width: Math.max(1, end - left), height: POWER_BAR, fill: "#1f4e79" }));
    g.append(svgEl("text", { class: "share", x: end + 5, y: y + POWER_BAR / 2 + 4 }, share));
    svg.append(g);
  });
  clear(holder).append(svg);
  holder.style.minHeight = "0";  // the room kept for it before it was drawn (in the template) is now its own height
  register("power", { svg });
}

// ------------------------------------------------------------------ charts
const LAYOUT = { margin: { l: 60, r: 20, t: 36, b: 50 }, font: { size: 12 }, paper_bgcolor: "#fff", plot_bgcolor: "#fff" };
const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };

// plotly.js (plotly's cartesian bundle, 1.4 MB: bar, scatter and heatmap are all the panels below the fold draw;
// the map and the power chart are the page's own SVG) is fetched and run by the first plot() call, i.e. when the
// first panel with a plotly chart is built (as it comes near the viewport, or in the idle time after the first
// view): parsing it is the page's longest task and nothing in the first viewport needs it. (Preloading it at
// once was measured slower in session 4: the first API requests then went out ~0.6 s later on this machine.)
let plotlyLoad = null;
function loadPlotly() {
  if (!plotlyLoad) plotlyLoad = new Promise((resolve, reject) => {
    if (window.Plotly) return resolve();
    const tag = el("script", { src: document.getElementById("plotly-js").content });
    tag.addEventListener("load", () => resolve());
    tag.addEventListener("error", () => reject(new Error("plotly.js did not load; reload the page")));
    document.head.append(tag);
  });
  return plotlyLoad;
}
// Plotly reads a subset of HTML (<b>, <br>, <a href>) in every label and decodes entities: text from the
// URL or the store (country names, indicator codes, titles) reaches it escaped, so it shows as text.
function esc(v) {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
const escAll = (v) => (Array.isArray(v) ? v.map(escAll) : typeof v === "string" ? esc(v) : v);
function escTitle(t) { return t && typeof t === "object" && typeof t.text === "string" ? { ...t, text: esc(t.text) } : typeof t === "string" ? esc(t) : t; }

async function plot(id, traces, layout) {
  await loadPlotly();
  const safe = traces.map((t) => {
    const c = { ...t };
    for (const k of ["x", "y", "z", "text", "labels", "customdata"]) if (k in c) c[k] = escAll(c[k]);
    return c;
  });
  const l = { ...LAYOUT, ...layout };
  for (const k of Object.keys(l)) {
    if (k === "title") l.title = escTitle(l.title);
    else if (/^[xy]axis\d*$/.test(k) && l[k] && l[k].title) l[k] = { ...l[k], title: escTitle(l[k].title) };
  }
  return Plotly.react(id, safe, l, CONFIG);
}
function unplot(id) { if (window.Plotly) Plotly.purge(id); }

// ------------------------------------------------------------------ the map (SVG, offline geometry)
let GEOMETRY = null;
function project([lon, lat]) { return [(lon + 180) * 4, (84 - lat) * 4]; }  // equirectangular, 84°N to 58°S

function mapPath(geometry) {
  let d = "";
  for (const poly of geometry.coordinates) for (const ring of poly) {
    d += ring.map((p, i) => { const [x, y] = project(p); return `${i ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`; }).join("") + "Z";
  }
  return d;
}

function drawMap(fill, titleOf, legend) {
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 1440 568");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", $("map-title").textContent);
  svg.setAttribute("xmlns", NS);
  for (const f of GEOMETRY.features) {
    const path = document.createElementNS(NS, "path");
    path.setAttribute("d", mapPath(f.geometry));
    path.setAttribute("fill", fill(f.id) || "#d5dbe1");
    path.setAttribute("stroke", "#fff"); path.setAttribute("stroke-width", "0.3");  // inline, so a downloaded SVG keeps them
    path.setAttribute("data-iso", f.id);
    const t = document.createElementNS(NS, "title");
    t.textContent = titleOf(f.id, f.properties.name);
    path.append(t);
    svg.append(path);
  }
  clear($("map")).append(svg);
  clear($("map-legend"));
  for (const [colour, text] of legend) $("map-legend").append(el("span", {}, el("i", { style: `background:${colour}` }), text));
  register("map", { svg });
}

function sequential(t) {  // light to dark blue, t in [0, 1]
  const a = [222, 235, 247], b = [8, 48, 107];
  return `rgb(${a.map((x, i) => Math.round(x + (b[i] - x) * t)).join(",")})`;
}

let geometryAnswer = null;
function geometry() {  // the offline country outlines, fetched once
  if (!geometryAnswer) geometryAnswer = fetch("/static/countries-110m.geojson").then((r) => r.json());
  return geometryAnswer;
}
function mapExpression(s) { return groupExpression({ ...s, add: "", remove: "" }, ["member", "observer", "dialogue_partner", "partner"]); }

async function showMap(s, power) {
  if (!GEOMETRY) GEOMETRY = await geometry();
  if (s.map === "indicator") {
    const rows = (power && power.rows || []).filter((r) => r.value !== null && r.value > 0);
    const code = rows.length ? rows[0].code : s.indicator;
    $("map-title").textContent = `${indicatorLabel(code)}, ${power ? power.year : ""}: the group, log colour scale`;
    const logs = rows.map((r) => Math.log10(r.value));
    const lo = Math.min(...logs), hi = Math.max(...logs);
    const byIso = new Map(rows.map((r) => [r.iso3, r]));
    drawMap((iso) => byIso.has(iso) ? sequential(hi > lo ? (Math.log10(byIso.get(iso).value) - lo) / (hi - lo) : 1) : null,
      (iso, name) => byIso.has(iso) ? `${name}: ${fmt(byIso.get(iso).value, "value")} (${code}; ${byIso.get(iso).source})` : `${name}: not in the group or no data`,
      rows.length ? [[sequential(0), `${fmt(10 ** lo, "value")}`], [sequential(1), `${fmt(10 ** hi, "value")}`], ["#d5dbe1", "not in the group / no data"]] : []);
    register("map", { columns: ["iso3", "year", "code", "value", "source"], rows, query: power ? power._query : "" });
    return;
  }
  const expr = mapExpression(s);
  $("map-title").textContent = `${s.org} on ${s.date}: members, observers and partners`;
  const body = await api("/api/members", { group: expr });
  const byIso = new Map(body.rows.map((r) => [r.iso3, r.status]));
  for (const c of s.add.split(",").map((x) => x.trim().toUpperCase()).filter((c) => /^[A-Z]{3}$/.test(c))) if (!byIso.has(c)) byIso.set(c, "added");
  const present = [...new Set(byIso.values())];
  drawMap((iso) => STATUS_COLOURS[byIso.get(iso)] || null,
    (iso, name) => `${name}: ${byIso.has(iso) ? statusWord(byIso.get(iso)) : "no status"}`,
    [...present.map((st) => [STATUS_COLOURS[st] || "#999", statusWord(st)]), ["#d5dbe1", "no status"]]);
  register("map", { columns: body.columns, rows: body.rows, query: body._query });
}

// ------------------------------------------------------------------ panels
async function showHistory(iso) {
  $("history-title").textContent = `History of ${countryName(iso)}`;
  try {
    const h = await api(`/api/history/${encodeURIComponent(iso)}`);
    renderTable($("history"), h);
    register("history", { columns: h.columns, rows: h.rows, query: h._query });
  } catch (e) { showError($("history"), e); }
}

async function chooseYear(s, expr) {
  if (s.year) { $("year-note").textContent = `Year ${s.year} (pinned).`; return Number(s.year); }
  try {
    const y = await api("/api/year", { indicator: s.indicator, group: expr, date: s.date });
    $("year").value = y.year;
    $("year-note").textContent = `Showing ${y.year}: the latest year with data at or before ${s.date}.`;
    return y.year;
  } catch (e) {
    const y = Number(s.date.slice(0, 4));
    $("year").value = y;
    $("year-note").textContent = `No ${indicatorLabel(s.indicator, false)} data at or before ${s.date}; trying ${y}.`;
    return y;
  }
}

async function showMembers(expr) {
  try {
    const members = await api("/api/members", { group: expr });
    for (const r of members.rows) names[r.iso3] = r.name;
    $("members-title").textContent = `Members (${members.rows.length})`;
    const added = new Set((members.rows || []).filter((r) => !r.status).map((r) => r.iso3));
    renderTable($("members"), members, {
      link: "iso3", columns: ["iso3", "name", "status", "since", "de_facto", "next", "source"],
      cell: (c, v, r) => (c === "status" && !v ? el("td", { "data-col": c, text: "added (what-if)" }) : null),
    });
    for (const n of members.notes || []) $("members").append(el("p", { class: "hint note", text: n }));
    for (const b of $("members").querySelectorAll("button.iso")) b.addEventListener("click", () => showHistory(b.dataset.iso));
    register("members", { columns: members.columns, rows: members.rows, query: members._query });
    markOnce("sco:first-panel");
    return added;
  } catch (e) { $("members-title").textContent = "Members"; showError($("members"), e); return new Set(); }
}

async function showPower(s, expr, year) {
  try {
    const power = await api("/api/power", { group: expr, year, indicator: s.indicator });
    const code = power.rows.length ? power.rows[0].code : s.indicator;
    renderTable($("power"), power, {
      columns: ["iso3", "year", "value", "share", "rank", "source", "estimate"],
      // the publisher's estimate flag (SIPRI's marks, IMF estimates, a derived snapshot value): a marker, never "true"
      cell: (c, v) => (c === "estimate" ? el("td", { "data-col": c, class: "flag", title: v ? "estimate flagged by the publisher (or derived)" : null, text: v ? "⚑ estimate" : "" }) : null),
    });
    const estimated = power.rows.filter((r) => r.estimate).length;
    if (estimated) $("power").append(hint(`⚑ ${estimated} of the ${power.rows.filter((r) => r.value !== null).length} values behind these shares are estimates flagged by their publisher or derived (see each row's source).`));
    POWER_SHOWN = { power, code };
    drawPowerChart();
    register("power", { columns: power.columns, rows: power.rows, query: power._query });
    return power;
  } catch (e) { POWER_SHOWN = null; drawPowerChart(); showError($("power"), e); return null; }
}

async function showWhatif(s, expr, year) {
  if (!(s.add || s.remove)) {
    $("whatif-hint").textContent = "Add or remove countries (in the controls above) to compare the group with and without them.";
    clear($("whatif")); unplot("whatif-chart"); $("whatif-chart").style.height = "0";
    PANELS.whatif = {}; downloadable("whatif", false);
    return;
  }
  const base = groupExpression({ ...s, add: "", remove: "" });
  $("whatif-hint").textContent = `${base} against ${expr}, ${year}`;
  try {
    const w = await api("/api/whatif", { base, add: s.add, remove: s.remove, year });
    const groupRows = w.rows.filter((r) => r.iso3 === "group");
    renderTable($("whatif"), { columns: w.columns, rows: groupRows },
      { columns: ["section", "measure", "baseline", "changed", "delta", "source", "note"],
        cell: (c, v) => (c === "measure" ? el("td", { "data-col": c, title: v, text: measureWords(v) })
          : c === "section" ? el("td", { "data-col": c, text: sectionWord(v) }) : null) });
    const alias = s.indicator;
    const shares = w.rows.filter((r) => r.measure === `${alias} share`);
    if (shares.length) {
      $("whatif-chart").style.height = "340px";
      const label = (r) => `${countryName(r.iso3)}${r.note === "added" ? " — added (what-if)" : r.note === "removed" ? " — removed (what-if)" : ""}`;
      await plot("whatif-chart", [
        { type: "bar", name: "baseline", x: shares.map(label), y: shares.map((r) => (r.baseline === null ? null : 100 * r.baseline)), marker: { color: "#9dc3e6" },
          hovertemplate: "%{x}: %{y:.2f} % (baseline)<extra></extra>" },
        { type: "bar", name: "changed", x: shares.map(label), y: shares.map((r) => (r.changed === null ? null : 100 * r.changed)), marker: { color: "#1f4e79" },
          hovertemplate: "%{x}: %{y:.2f} % (changed)<extra></extra>" },
      ], { barmode: "group", title: { text: `Share of the group's ${indicatorLabel(alias, false)}, ${year}: baseline and changed`, font: { size: 13 } },
        yaxis: { title: { text: "% of the group total" } }, legend: { orientation: "h", y: 1.1 } });
      register("whatif", { chart: $("whatif-chart") });
    }
    register("whatif", { columns: w.columns, rows: w.rows, query: w._query });
  } catch (e) { showError($("whatif"), e); }
}

// "Dwarfs the rest": the largest line's peak is more than DWARF times the smallest line's, so on a linear axis
// the smallest line would run within the bottom 1/DWARF of the chart, flat against zero; the automatic scale
// switches to log then, so that every member stays readable.
const DWARF = 20;
function dwarfed(peaks) {
  const p = peaks.filter((v) => v > 0);
  return p.length >= 2 && Math.max(...p) > DWARF * Math.min(...p);
}

async function showTrade(expr, year) {
  if (!held("trade", "trade", "trade-chart")) return;
  try {
    const t = await api("/api/trade/member-shares", { group: expr, partners: "CHN,RUS", years: `${Math.max(1995, HELD.trade[0])}-${Math.min(year, HELD.trade[1])}`, basis: "best" });
    // a partner is never one of the lines of its own chart: China's trade "with China" is not a share of anything
    const rows = t.rows.filter((r) => r.trade_share !== null && r.trade_share > 0 && r.iso3_a !== r.iso3_b);
    // small multiples: one chart per partner, one line per member, the same colour for a member in both
    const members = [...new Set(rows.map((r) => r.iso3_a))];
    const partners = ["CHN", "RUS"];
    const traces = [], logs = [];
    const mode = $("trade-scale").value;
    partners.forEach((b, k) => {
      const peaks = [];
      members.forEach((a, i) => {
        if (a === b) return;
        const rs = rows.filter((r) => r.iso3_a === a && r.iso3_b === b).sort((x, y) => x.year - y.year);
        if (!rs.length) return;
        peaks.push(100 * Math.max(...rs.map((r) => r.trade_share)));
        traces.push({ type: "scatter", mode: "lines", name: countryName(a), legendgroup: a,
          showlegend: !traces.some((tr) => tr.legendgroup === a),
          x: rs.map((r) => r.year), y: rs.map((r) => 100 * r.trade_share), xaxis: k ? "x2" : "x", yaxis: k ? "y2" : "y",
          line: { color: PALETTE[i % PALETTE.length] },
          hovertemplate: `${countryName(a)} with ${countryName(b)}, %{x}: %{y:.1f} % of its trade<extra></extra>` });
      });
      logs.push(mode === "log" || (mode === "auto" && dwarfed(peaks)));
    });
    const axis = (k) => ({ title: { text: `% of the member's total trade${logs[k] ? " (log scale)" : ""}` }, type: logs[k] ? "log" : "linear",
      ...(logs[k] ? {} : { rangemode: "tozero" }), ...(k ? { anchor: "x2" } : {}) });
    const heading = (k) => ({ text: `<b>with ${esc(countryName(partners[k]))}</b>`, xref: "paper", yref: "paper", x: k ? 0.77 : 0.23, y: 1.02,
      xanchor: "center", yanchor: "bottom", showarrow: false, font: { size: 12 } });
    await plot("trade-chart", traces, { title: { text: "Share of each member's trade (exports + imports) with China and with Russia, %", font: { size: 13 } },
      xaxis: { domain: [0, 0.44], title: { text: "year" } }, xaxis2: { domain: [0.56, 1], title: { text: "year" } },
      yaxis: axis(0), yaxis2: axis(1), annotations: [heading(0), heading(1)],
      legend: { orientation: "h", y: -0.25 }, margin: { ...LAYOUT.margin, t: 60, b: 90 } });
    const selfs = partners.filter((p) => members.includes(p));
    const over = rows.filter((r) => r.trade_share > 1);
    const flaggedRows = t.rows.filter((r) => r.year === Math.max(...t.rows.map((q) => q.year)) && r.iso3_a !== r.iso3_b && r.flows_flagged > 0);
    $("trade-note").textContent = [
      selfs.length ? `${selfs.map(countryName).join(" and ")}, in the group, ${selfs.length > 1 ? "appear" : "appears"} only in the other partner's chart.` : "",
      logs.some(Boolean) ? `Log scale on the ${partners.filter((_, k) => logs[k]).map(countryName).join(" and ")} chart${logs.every(Boolean) ? "s" : ""}: ` +
        `the largest member's share is more than ${DWARF}× the smallest's, which would otherwise be drawn flat against zero.` : "",
      over.length ? `Shares above 100 % (${[...new Set(over.map((r) => countryName(r.iso3_a)))].join(", ")}): the partner's ` +
        "mirror figure exceeds the member's own reported total trade — re-exports and unrecorded shuttle trade; read them as a sign of poor data, not as a share." : "",
      flaggedRows.length ? `Data quality: ${flaggedRows.length} of the pairs in the table read a flow whose exporter's and importer's figures ` +
        "differ by more than ×2 (Flows flagged column; `sco trade discrepancies` lists both figures)." : "",
    ].filter(Boolean).join(" ");
    const latest = Math.max(...t.rows.map((r) => r.year));
    renderTable($("trade"), { columns: t.columns, rows: t.rows.filter((r) => r.year === latest && r.iso3_a !== r.iso3_b) },
      { panel: "trade", columns: ["iso3_a", "iso3_b", "year", "export_share", "import_share", "trade_share", "flows_flagged", "source"] });
    register("trade", { columns: t.columns, rows: t.rows, chart: $("trade-chart"), query: t._query });
  } catch (e) { unplot("trade-chart"); showError($("trade"), e); }
}

async function showIntegration(expr, year) {
  if (!held("integration", "integration", "integration-chart")) return;
  try {
    const tradeYear = Math.max(HELD.trade[0], Math.min(year, HELD.trade[1]));  // the latest trade year at or before the shown year
    const g = await api("/api/siei", { group: expr, years: String(tradeYear), level: "pair" });
    const rows = g.rows.filter((r) => r.value !== null);
    const latest = Math.max(...rows.map((r) => r.year));
    const yr = rows.filter((r) => r.year === latest);
    $("integration-title").textContent = `Integration (SIEI-style trade index), ${latest}`;
    const isos = [...new Set(yr.flatMap((r) => [r.iso3_a, r.iso3_b]))].sort();
    const z = isos.map((a) => isos.map((b) => { const r = yr.find((x) => (x.iso3_a === a && x.iso3_b === b) || (x.iso3_a === b && x.iso3_b === a)); return r ? r.value : null; }));
    await plot("integration-chart", [{ type: "heatmap", z, x: isos.map(countryName), y: isos.map(countryName), colorscale: "Blues", reversescale: true,
      colorbar: { title: { text: "% of pair GDP" } }, hovertemplate: "%{y} – %{x}: %{z:.3f} % of the pair's GDP<extra></extra>" }],
    { title: { text: `Mutual trade as % of the pair's GDP, ${latest} (proxy; not the EDB formula)`, font: { size: 13 } },
      yaxis: { autorange: "reversed", automargin: true }, xaxis: { automargin: true } });
    const top = [...yr].sort((a, b) => b.value - a.value).slice(0, 8);
    $("integration").replaceChildren(el("h3", { class: "hint", text: "Most integrated pairs" }));
    const holder = el("div"); $("integration").append(holder);
    renderTable(holder, { columns: g.columns, rows: top }, { panel: "integration", columns: ["iso3_a", "iso3_b", "year", "value", "flows_flagged", "source"] });
    if (top.length) $("integration").append(hint(`Formula ${top[0].formula}; ${top[0].evidence}.`));
    register("integration", { columns: g.columns, rows: g.rows, chart: $("integration-chart"), query: g._query });
  } catch (e) { unplot("integration-chart"); showError($("integration"), e); }
}

async function showConvergence(expr, year) {
  const years = convergenceWindow(year);
  if (!held("convergence", "convergence", "convergence-chart")) { $("beta-verdict").textContent = ""; return; }
  try {
    const c = await api("/api/convergence", { group: expr, indicator: "NY.GDP.PCAP.CD", years });
    await plot("convergence-chart", [{ type: "scatter", mode: "lines+markers", name: "σ (sd of log GDP per capita)", x: c.rows.map((r) => r.year), y: c.rows.map((r) => r.sd_log),
      hovertemplate: "%{x}: σ = %{y:.3f}<extra></extra>" }],
    { title: { text: `σ-convergence: dispersion of log GDP per capita (current US$), ${years}`, font: { size: 13 } },
      yaxis: { title: { text: "sd of ln(GDP per capita)" } }, xaxis: { title: { text: "year" } } });
    renderTable($("convergence"), c.beta, { columns: ["start", "end", "n", "beta", "se_beta", "p_value", "r2", "half_life", "source"] });
    register("convergence", { columns: c.columns, rows: c.rows, chart: $("convergence-chart"), query: c._query });
    try {
      const b = await api("/api/beta", { group: expr, indicator: "NY.GDP.PCAP.CD", years });
      $("beta-verdict").textContent = `β-convergence ${years}: ${b.verdict}.`;
    } catch (e) { $("beta-verdict").textContent = `β-convergence: ${e.error || e}`; }
  } catch (e) { unplot("convergence-chart"); $("beta-verdict").textContent = ""; showError($("convergence"), e); }
}

async function showCinc(expr, year) {
  if (!held("cinc", "cinc", "cinc-chart")) return;
  try {
    const c = await api("/api/cinc", { group: expr, years: `${FIRST_YEAR}-${year}` });
    const isos = [...new Set(c.rows.map((r) => r.iso3))];
    // One labelled tick per power of ten: plotly's own log ticks label the 2s and 5s of every decade
    // ("5, 2, 10, 5, 2, 1…"), unreadable when shares span four decades; the power chart does the same.
    const shares = c.rows.map((r) => 100 * r.cinc_group).filter((v) => v > 0);
    const tickvals = shares.length ? logTicks(Math.min(...shares), Math.max(...shares)) : undefined;
    const ticktext = tickvals && tickvals.map((t) => (t >= 1 ? t.toLocaleString("en") : String(+t.toPrecision(1))));
    await plot("cinc-chart", isos.map((iso, i) => {
      const rs = c.rows.filter((r) => r.iso3 === iso);
      return { type: "scatter", mode: "lines", name: countryName(iso), x: rs.map((r) => r.year), y: rs.map((r) => 100 * r.cinc_group),
        line: { color: PALETTE[i % PALETTE.length] }, hovertemplate: `${countryName(iso)}, %{x}: %{y:.1f} % of the group's capabilities<extra></extra>` };
    }), { title: { text: "Share of the group's material capabilities (COW NMC, CINC recomputed within the group)", font: { size: 13 } },
      yaxis: { title: { text: "% of the group (log scale)" }, type: "log", tickmode: tickvals ? "array" : "auto", tickvals, ticktext },
      xaxis: { title: { text: "year" } } });
    const latest = Math.max(...c.rows.map((r) => r.year));
    renderTable($("cinc"), { columns: c.columns, rows: c.rows.filter((r) => r.year === latest) },
      { panel: "cinc", columns: ["iso3", "year", "cinc_group", "components", "source"] });
    register("cinc", { columns: c.columns, rows: c.rows, chart: $("cinc-chart"), query: c._query });
  } catch (e) { unplot("cinc-chart"); showError($("cinc"), e); }
}

const ARMS_SUPPLIERS = ["RUS", "CHN", "Others"];
const ARMS_COLOURS = { RUS: "#1f4e79", CHN: "#c00000", Others: "#a5a5a5" };

async function showArms(year) {
  if (!held("arms", "arms", "arms-chart")) { $("arms-chart").style.height = "0"; return; }
  const [first, last] = HELD.arms;
  const to = Math.min(year, last);
  if (to < first) {
    unplot("arms-chart"); $("arms-chart").style.height = "0";
    clear($("arms")).append(hint(`The register in the store covers deliveries ${first}–${last}; choose a date in or after ${first}.`));
    return;
  }
  try {
    // five-year blocks, as SIPRI compares suppliers (single years are lumpy: one aircraft deal dominates a year)
    const [a, ca] = await Promise.all([api("/api/arms", { group: "CA5", years: `${first}-${to}`, suppliers: "RUS,CHN", period: 5 }),
      api("/api/members", { group: "CA5" }).catch(() => ({ rows: [] }))]);  // the five states' names (not all in every group)
    for (const r of ca.rows) names[r.iso3] = names[r.iso3] || r.name;
    const rows = a.rows.filter((r) => r.share !== null);
    const label = (iso) => (iso === "Others" ? "other suppliers" : countryName(iso));
    const recipients = [...new Set(a.rows.map((r) => r.recipient))];
    const periods = [...new Set(a.rows.map((r) => r.period))];
    const x = [[], []];
    for (const rec of recipients) for (const per of periods) { x[0].push(countryName(rec)); x[1].push(per); }
    const traces = ARMS_SUPPLIERS.map((sup) => ({
      type: "bar", name: label(sup), marker: { color: ARMS_COLOURS[sup] }, x,
      y: recipients.flatMap((rec) => periods.map((per) => { const r = rows.find((q) => q.recipient === rec && q.period === per && q.supplier === sup); return r ? 100 * r.share : null; })),
      customdata: recipients.flatMap((rec) => periods.map((per) => { const r = a.rows.find((q) => q.recipient === rec && q.period === per && q.supplier === sup); return r ? fmt(r.tiv, "tiv") : ""; })),
      hovertemplate: `%{x}: ${esc(label(sup))} %{y:.0f} % of the TIV imported (%{customdata} million TIV)<extra></extra>`,
    }));
    $("arms-chart").style.height = "440px";
    await plot("arms-chart", traces, { barmode: "stack", title: { text: `Share of each state's arms imports by supplier, five-year blocks ${first}–${to} (SIPRI TIV)`, font: { size: 13 }, x: 0, xanchor: "left" },
      yaxis: { title: { text: "% of the state's arms imports (TIV)" }, range: [0, 100] }, xaxis: { type: "multicategory", automargin: true, tickangle: -90 },
      legend: { orientation: "h", x: 1, xanchor: "right", y: 1.02, yanchor: "bottom", traceorder: "normal" }, margin: { ...LAYOUT.margin, t: 60, b: 120 } });
    const latest = periods[periods.length - 1];
    const empty = recipients.flatMap((rec) => periods.filter((per) => !rows.some((r) => r.recipient === rec && r.period === per)).map((per) => `${countryName(rec)} ${per}`));
    clear($("arms"));
    if (empty.length) $("arms").append(hint(`No deliveries identified by SIPRI for ${empty.join(", ")}: no bar is drawn there (no share, not 0 %).`));
    const holder = el("div"); $("arms").append(holder);
    renderTable(holder, { columns: a.columns, rows: a.rows.filter((r) => r.period === latest) },
      { panel: "arms", columns: ["recipient", "period", "supplier", "tiv", "share", "flags", "note", "source"],
        cell: (c, v) => (c === "recipient" || c === "supplier" ? el("td", { "data-col": c, text: c === "supplier" ? label(v) : countryName(v) }) : null) });
    if (a.rows.length) $("arms").append(hint(`Formula: ${a.rows[0].formula}. Unit: ${a.unit || a.rows[0].unit}.`));
    register("arms", { columns: a.columns, rows: a.rows, chart: $("arms-chart"), query: a._query });
  } catch (e) { unplot("arms-chart"); $("arms-chart").style.height = "0"; showError($("arms"), e); }
}

async function showOverlap(s, expr) {
  try {
    const o = await api("/api/overlap", { as_of: s.date, countries: expr });
    const orgCols = o.columns.filter((c) => c !== "iso3" && c !== "name" && o.rows.some((r) => r[c]));
    renderTable($("overlap"), o, { columns: ["iso3", "name", ...orgCols],
      cell: (c, v) => (orgCols.includes(c) ? el("td", { "data-col": c, text: v ? statusWord(v) : "" }) : null) });
    register("overlap", { columns: o.columns, rows: o.rows, query: o._query });
  } catch (e) { showError($("overlap"), e); }
}

const STATIC = { claims: ["/api/claims", ["claim", "stated", "computed", "verdict", "evidence", "source"]],
  projects: ["/api/projects", ["name", "kind", "participants", "status", "source", "note"]] };
async function showStatic(panel) {
  const [path, cols] = STATIC[panel];
  try {
    const body = await api(path);
    renderTable($(panel), body, { columns: cols,
      cell: (c, v) => (c === "participants" ? el("td", { "data-col": c, text: String(v || "").split(";").map(countryName).join(", ") }) : null) });
    register(panel, { columns: body.columns, rows: body.rows, query: body._query });
  } catch (e) { showError($(panel), e); }
}

const SYMBOL = { "lit": "●", "not lit": "○", "baseline period": "◌", "not evaluable": "?" };

async function showScenarios() {
  try {
    const body = await api("/api/scenarios", { from: 2010 });
    const years = [];
    for (let y = body.years[0]; y <= body.years[1]; y++) years.push(y);
    const rows = new Map();
    for (const r of body.rows) {
      const key = `${r.scenario}|${r.signpost}`;
      if (!rows.has(key)) rows.set(key, { scenario: r.scenario, title: r.title, evidence: r.evidence, cells: {} });
      rows.get(key).cells[r.year] = r;
    }
    const head = el("tr", {}, ...["scenario", "signpost", "evidence"].map((c) => el("th", { scope: "col", title: c, text: headerOf(c, "scenarios") })), ...years.map((y) => el("th", { scope: "col", class: y === 2014 ? "base" : null, text: y })));
    const tbody = el("tbody");
    for (const row of rows.values()) {
      const tr = el("tr", {}, el("td", { text: row.scenario.replaceAll("-", " ") }), el("td", { text: row.title }), el("td", { text: row.evidence }));
      for (const y of years) {
        const c = row.cells[y];
        const base = y === 2014 ? " base" : "";
        if (!c) { tr.append(el("td", { class: `sp na${base}` })); continue; }
        const tip = c.status === "not evaluable" ? c.reason : `${c.value ?? ""} ${c.unit ?? ""} (${c.condition}; ${c.source})`;
        const cls = c.status === "lit" ? "lit" : c.status === "not evaluable" ? "na" : "";
        tr.append(el("td", { class: `sp ${cls}${base}`, "data-status": c.status, title: `${y}: ${c.status} — ${tip}`, "aria-label": `${y}: ${c.status}`, text: SYMBOL[c.status] || "" }));
      }
      tbody.append(tr);
    }
    clear($("scenarios")).append(el("table", {}, el("thead", {}, head), tbody));
    register("scenarios", { columns: body.columns, rows: body.rows, query: body._query });
  } catch (e) { showError($("scenarios"), e); }
}

async function showSources() {
  const keys = [...SOURCES.keys()];
  if (!keys.length) return;
  try {
    const c = await api("/api/citations", { keys: keys.join(",") });
    const list = clear($("sources-list"));
    for (const r of c.rows) {
      SOURCES.set(r.id, r);
      const li = el("li", { id: `src-${encodeURIComponent(r.id)}` }, r.citation, r.vintage ? ` (${r.vintage})` : "");
      if (r.url) li.append(" — ", el("a", { href: r.url, text: r.url }));
      li.append(" ", el("span", { class: "hint", text: `[${r.id}]` }));
      list.append(li);
    }
    for (const a of document.querySelectorAll("a.src")) sourceLink(a);
  } catch (e) { showError($("sources-list"), e); }
}

// ------------------------------------------------------------------ refresh
// Timing marks of the first load (read by benchmarks/bench_first_load.py): the first panel's table on screen,
// the whole view drawn, and the panels that are the same in every state drawn too.
function markOnce(name) { if (!performance.getEntriesByName(name).length) performance.mark(name); }

// Panels are built lazily: a panel near the viewport (within NEAR_PX of it) is built at once; the others when
// they scroll near it, or when the main thread is idle after the first view is drawn (requestIdleCallback), one
// at a time in page order, so that drawing below the fold never delays what the reader sees first. By the time
// `data-ready` says the view is drawn, every panel of the state has been built (printing and the downloads
// therefore see the whole page); `sco:first-view` marks the panels of the first viewport drawn, and each lazy
// panel's build is a `sco:panel:<id>` performance measure (read by benchmarks/bench_first_load.py).
const NEAR_PX = 200;
const PENDING = new Map();  // panel -> {build, resolve}: built when it comes near the viewport or the page is idle
function isNear(node) {
  const r = node.getBoundingClientRect();
  return r.top < window.innerHeight + NEAR_PX && r.bottom > -NEAR_PX;
}
const nearObserver = new IntersectionObserver((entries) => {
  for (const e of entries) if (e.isIntersecting) buildNow(e.target.id.replace(/^panel-/, ""));
}, { rootMargin: `${NEAR_PX}px 0px` });
function buildNow(panel) {
  const job = PENDING.get(panel);
  if (!job) return null;
  PENDING.delete(panel);
  nearObserver.unobserve($(`panel-${panel}`));
  const start = performance.now();
  job.running = Promise.resolve().then(job.build).catch(() => {}).finally(() => {
    try { performance.measure(`sco:panel:${panel}`, { start, end: performance.now() }); } catch (e) { /* old browsers */ }
    job.resolve();
  });
  return job.running;
}
// Returns {done, now}: `now` when the panel was near the viewport and its build started at once.
function lazily(panel, build) {
  const old = PENDING.get(panel);
  if (old) old.resolve();  // a newer state replaces a build that had not started
  let resolve;
  const done = new Promise((r) => { resolve = r; });
  PENDING.set(panel, { build, resolve });
  const section = $(`panel-${panel}`);
  if (isNear(section)) { buildNow(panel); return { done, now: true }; }
  nearObserver.observe(section);
  return { done, now: false };
}
const idle = window.requestIdleCallback ? (fn) => requestIdleCallback(fn, { timeout: 500 }) : (fn) => setTimeout(fn, 1);
function buildWhenIdle() {  // starts the remaining panels' builds, one per idle period, in page order
  return new Promise((resolve) => {
    const next = () => {
      const panel = [...document.querySelectorAll("main > section.panel")].map((n) => n.id.replace(/^panel-/, "")).find((p) => PENDING.has(p));
      if (!panel) { resolve(); return; }
      idle(() => { buildNow(panel); next(); });  // its requests run while the next idle period comes
    };
    next();
  });
}
// Printing wants every panel: whatever is still waiting starts at once (a print dialog opened in the first
// second may still show a panel empty; once the view is drawn — data-ready — every panel is there).
window.addEventListener("beforeprint", () => { for (const panel of [...PENDING.keys()]) buildNow(panel); });

let generation = 0;
let staticPanels = null;
async function refresh() {
  const mine = ++generation;
  const s = currentState();
  writeUrl(s);
  const expr = groupExpression(s);
  $("expr").textContent = expr;
  document.body.dataset.ready = "0";
  // independent requests run side by side; only the map of the indicator waits for the power values it colours by,
  // and the panels that depend on what the store holds wait for the catalog
  const members = showMembers(expr);
  const statusMap = s.map === "indicator" ? null : showMap(s, null).catch((e) => showError($("map"), e));
  const [, year] = await Promise.all([members, chooseYear(s, expr)]);
  if (mine !== generation) return;
  const power = showPower(s, expr, year);
  const map = statusMap || power.then((p) => showMap(s, p)).catch((e) => showError($("map"), e));
  Promise.all([members, map]).finally(() => markOnce("sco:first-screen"));
  const panels = [lazily("whatif", () => showWhatif(s, expr, year)), lazily("overlap", () => showOverlap(s, expr)),
    ...[["trade", () => showTrade(expr, year)], ["integration", () => showIntegration(expr, year)],
      ["convergence", () => showConvergence(expr, year)], ["cinc", () => showCinc(expr, year)], ["arms", () => showArms(year)]]
      .map(([p, show]) => lazily(p, () => catalogReady.then(show)))];
  // claims, projects and signposts are the same in every state: built once, lazily like the others
  if (!staticPanels) {
    staticPanels = [lazily("claims", () => showStatic("claims")), lazily("projects", () => showStatic("projects")),
      lazily("scenarios", showScenarios)];
    Promise.all(staticPanels.map((p) => p.done)).then(showSources).then(() => { document.body.dataset.complete = "1"; markOnce("sco:complete"); });
  }
  const first = [power, map, ...[...panels, ...staticPanels].filter((p) => p.now).map((p) => p.done)];
  await Promise.all(first);
  if (mine !== generation) return;
  markOnce("sco:first-view");
  showSources();  // the first view's sources now; the list is completed once every panel is built
  await buildWhenIdle();
  await Promise.all(panels.map((p) => p.done));
  await showSources();
  EARLY.clear();  // answers sent ahead are for the first view only: later views ask afresh (new imports show)
  if (mine === generation) { document.body.dataset.ready = "1"; markOnce("sco:view"); }
}

let timer = null;
function refreshSoon(delay = 250) { document.body.dataset.ready = "0"; clearTimeout(timer); timer = setTimeout(refresh, delay); }

let catalogReady = Promise.resolve();
function readCatalog(catalog) {  // what the store holds: tables, indicator codes and their years
  for (const r of catalog.rows) {
    if (r.rows) HELD.tables.add(r.table);
    for (const t of ["trade", "arms_transfer"]) {
      const key = t === "trade" ? "trade" : "arms";
      if (r.table === t && r.rows) HELD[key] = [Math.min(r.first_year, (HELD[key] || [9999])[0]), Math.max(r.last_year, (HELD[key] || [0, 0])[1])];
    }
    if (r.table === "indicator") for (const c of String(r.contents || "").split(", ")) {
      HELD.codes.add(c);
      const [a, b] = HELD.spans[c] || [r.first_year, r.last_year];
      HELD.spans[c] = [Math.min(a, r.first_year), Math.max(b, r.last_year)];
    }
  }
}

async function init() {
  // the first view's members, year and map statuses depend only on the URL: ask for them now, beside the look-ups
  const first = readState();
  const firstExpr = groupExpression(first);
  prefetch("/api/members", { group: firstExpr });
  prefetch("/api/overlap", { as_of: first.date, countries: firstExpr });
  const power = (year) => prefetch("/api/power", { group: firstExpr, year, indicator: first.indicator });
  if (first.year) power(first.year);
  else prefetch("/api/year", { indicator: first.indicator, group: firstExpr, date: first.date }).then((y) => power(y.year), () => {});
  if (first.map !== "indicator") prefetch("/api/members", { group: mapExpression(first) });
  geometry();
  // the look-ups go out together; the first view waits for the labels and organisations only (the catalog is
  // awaited by the panels that depend on what the store holds, the indicator list only if the URL names a code)
  catalogReady = api("/api/catalog").then(readCatalog).catch(() => {});  // without it, those panels say what to import
  const inds = api("/api/indicators").catch(() => ({ rows: [] }));  // without the list, the five aliases still work
  const [labels, orgs] = await Promise.all([api("/api/labels"), api("/api/orgs")]);
  LABELS = labels;
  for (const o of orgs.rows) $("org").append(el("option", { value: o.id, text: `${o.id} — ${o.name}` }));
  const addCodes = (list) => {
    const have = new Set([...$("indicator").options].map((o) => o.value));
    const codes = [...new Set(list.rows.map((r) => r.code))].filter((c) => !have.has(c)).sort();
    for (const c of codes) $("indicator").append(el("option", { value: c, text: `${indicatorLabel(c)} — ${c}` }));
  };
  if (![...$("indicator").options].some((o) => o.value === first.indicator)) addCodes(await inds);
  else inds.then(addCodes);
  applyState(readState());
  for (const p of ["map", "members", "power", "whatif", "trade", "integration", "convergence", "cinc", "arms", "history", "overlap", "claims", "projects", "scenarios"]) addTools(p);
  for (const e of document.querySelectorAll("#controls input:not(#slider), #controls select, #map-mode, #trade-scale")) e.addEventListener("change", () => refreshSoon(0));
  $("slider").addEventListener("input", () => {
    const y = Number($("slider").value);
    $("date").value = y >= new Date().getFullYear() ? today() : `${y}-12-31`;
    refreshSoon();
  });
  $("power-log").addEventListener("change", drawPowerChart);  // the same values on the other scale: no request
  new ResizeObserver(() => { if (POWER_SHOWN && Math.abs($("power-chart").clientWidth - POWER_SHOWN.width) > 1) drawPowerChart(); }).observe($("power-chart"));
  $("date").addEventListener("change", () => { $("slider").value = $("date").value.slice(0, 4); });
  $("pin").addEventListener("change", () => { if ($("pin").checked && !$("year").value) $("year").value = new Date().getFullYear(); });
  $("year").addEventListener("change", () => { $("pin").checked = true; });
  await refresh();
}

init().catch((e) => { showError($("members"), e); document.body.dataset.ready = "1"; document.body.dataset.complete = "1"; });
