// sco-observatory dashboard: controls -> group expression -> JSON API -> tables and charts.
// The whole state lives in the URL query string, so a view can be shared by copying the address.
"use strict";

const $ = (id) => document.getElementById(id);
const STATE_KEYS = ["org", "date", "statuses", "add", "remove", "indicator", "year"];

// Every string from the URL or the API goes through esc before it reaches innerHTML or a Plotly
// label (Plotly reads a subset of HTML tags in labels and decodes the entities esc writes).
function esc(v) {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function fmt(v, col, blankNull) {
  if (v === null || v === undefined) return blankNull ? "" : '<span class="hint">n/a</span>';
  if (typeof v === "number" && /year/.test(col || "")) return String(v);
  if (typeof v === "number") {
    if (Math.abs(v) >= 1000) return v.toLocaleString("en", { maximumFractionDigits: 0 });
    return v.toLocaleString("en", { maximumSignificantDigits: 4 });
  }
  return esc(v);
}

function renderTable(el, payload, opts = {}) {
  const cols = opts.columns || payload.columns;
  const rows = payload.rows;
  if (!rows.length) { el.innerHTML = '<p class="hint">No rows.</p>'; return; }
  let html = "<table><thead><tr>" + cols.map((c) => `<th>${esc(c)}</th>`).join("") + "</tr></thead><tbody>";
  for (const r of rows) {
    html += "<tr>" + cols.map((c) => {
      const v = r[c];
      if (opts.link === c && v) return `<td data-col="${esc(c)}"><a class="iso" data-iso="${esc(v)}">${esc(v)}</a></td>`;
      return `<td class="${typeof v === "number" ? "num" : ""}" data-col="${esc(c)}">${fmt(v, c, opts.blankNull)}</td>`;
    }).join("") + "</tr>";
  }
  el.innerHTML = html + "</tbody></table>";
}

function showError(el, err) {
  el.innerHTML = `<p class="error">${esc(err.error || err)}${err.hint ? ` — <span class="hint">${esc(err.hint)}</span>` : ""}</p>`;
}

async function api(path, params) {
  const url = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(params || {})) if (v !== "" && v !== null && v !== undefined) url.searchParams.set(k, v);
  const res = await fetch(url);
  const body = await res.json();
  if (!res.ok) throw body;
  return body;
}

function readState() {
  const q = new URLSearchParams(window.location.search);
  const today = new Date().toISOString().slice(0, 10);
  return {
    org: q.get("org") || "SCO",
    date: q.get("date") || today,
    statuses: (q.get("statuses") || "member").split(",").filter(Boolean),
    add: q.get("add") || "",
    remove: q.get("remove") || "",
    indicator: q.get("indicator") || "defence",
    year: q.get("year") || "2012",
  };
}

function currentState() {
  return {
    org: $("org").value,
    date: $("date").value,
    statuses: [...document.querySelectorAll("input[name=status]:checked")].map((e) => e.value),
    add: $("add").value.trim(),
    remove: $("remove").value.trim(),
    indicator: $("indicator").value,
    year: $("year").value,
  };
}

function applyState(s) {
  $("org").value = s.org;
  $("date").value = s.date;
  for (const box of document.querySelectorAll("input[name=status]")) box.checked = s.statuses.includes(box.value);
  $("add").value = s.add;
  $("remove").value = s.remove;
  $("indicator").value = s.indicator;
  $("year").value = s.year;
}

function groupExpression(s) {
  const statuses = s.statuses.length ? s.statuses : ["member"];
  let expr = s.org + (statuses.join(",") === "member" ? "" : ":" + statuses.join(",")) + "@" + s.date;
  for (const c of s.add.split(",").map((x) => x.trim()).filter(Boolean)) expr += "+" + c;
  for (const c of s.remove.split(",").map((x) => x.trim()).filter(Boolean)) expr += "-" + c;
  return expr;
}

function writeUrl(s) {
  const q = new URLSearchParams();
  for (const k of STATE_KEYS) q.set(k, Array.isArray(s[k]) ? s[k].join(",") : s[k]);
  history.replaceState(null, "", "?" + q.toString());
}

async function showHistory(iso) {
  $("history-title").textContent = `History of ${iso}`;
  try { renderTable($("history"), await api(`/api/history/${encodeURIComponent(iso)}`)); }
  catch (e) { showError($("history"), e); }
}

async function refresh() {
  const s = currentState();
  writeUrl(s);
  const expr = groupExpression(s);
  $("expr").textContent = expr;
  try {
    const members = await api("/api/members", { group: expr });
    $("members-title").textContent = `Members (${members.rows.length})`;
    renderTable($("members"), members, { link: "iso3", columns: ["iso3", "name", "status", "since", "de_facto", "next", "source"] });
    for (const n of members.notes || []) $("members").insertAdjacentHTML("beforeend", `<p class="hint note">${esc(n)}</p>`);
    for (const a of document.querySelectorAll("a.iso")) a.addEventListener("click", () => showHistory(a.dataset.iso));
  } catch (e) { $("members-title").textContent = "Members"; showError($("members"), e); }
  try {
    const power = await api("/api/power", { group: expr, year: s.year, indicator: s.indicator });
    renderTable($("power"), power);
    const valid = power.rows.filter((r) => r.share !== null);
    Plotly.react("power-chart", [{ type: "bar", x: valid.map((r) => r.iso3), y: valid.map((r) => 100 * r.share),
      marker: { color: "#1f4e79" }, hovertemplate: "%{x}: %{y:.1f}%<extra></extra>" }],
      { margin: { l: 50, r: 10, t: 30, b: 40 }, yaxis: { title: "% of group total" },
        title: { text: esc(`${s.indicator}, ${s.year}`), font: { size: 13 } } }, { displaylogo: false, responsive: true });
  } catch (e) { Plotly.purge("power-chart"); showError($("power"), e); }
  if (s.add || s.remove) {
    const base = groupExpression({ ...s, add: "", remove: "" });
    $("whatif-hint").textContent = `${base} against ${expr}, ${s.year}`;
    try {
      const w = await api("/api/whatif", { base, add: s.add, remove: s.remove, year: s.year });
      renderTable($("whatif"), { columns: w.columns, rows: w.rows.filter((r) => r.iso3 === "group") },
        { columns: ["section", "measure", "baseline", "changed", "delta", "source", "note"] });
    } catch (e) { showError($("whatif"), e); }
  } else {
    $("whatif-hint").textContent = "Add or remove countries to compare.";
    $("whatif").innerHTML = "";
  }
  try { renderTable($("overlap"), await api("/api/overlap", { as_of: s.date, countries: expr }), { blankNull: true }); }
  catch (e) { showError($("overlap"), e); }
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
    let html = "<table><thead><tr><th>scenario</th><th>signpost</th><th>evidence</th>" +
      years.map((y) => `<th class="${y === 2014 ? "base" : ""}">${y}</th>`).join("") + "</tr></thead><tbody>";
    for (const row of rows.values()) {
      html += `<tr><td>${esc(row.scenario)}</td><td>${esc(row.title)}</td><td>${esc(row.evidence)}</td>`;
      for (const y of years) {
        const c = row.cells[y];
        if (!c) { html += `<td class="sp na${y === 2014 ? " base" : ""}"></td>`; continue; }
        const tip = c.status === "not evaluable" ? c.reason : `${c.value ?? ""} ${c.unit ?? ""} (${c.condition}; ${c.source})`;
        const cls = c.status === "lit" ? "lit" : c.status === "not evaluable" ? "na" : "";
        html += `<td class="sp ${cls}${y === 2014 ? " base" : ""}" data-status="${esc(c.status)}" title="${esc(tip)}">${SYMBOL[c.status] || ""}</td>`;
      }
      html += "</tr>";
    }
    $("scenarios").innerHTML = html + "</tbody></table>";
  } catch (e) { showError($("scenarios"), e); }
}

async function init() {
  const orgs = await api("/api/orgs");
  $("org").innerHTML = orgs.rows.map((o) => `<option value="${esc(o.id)}">${esc(o.id)} — ${esc(o.name)}</option>`).join("");
  try {  // every indicator code the store holds, after the five aliases
    const inds = await api("/api/indicators");
    const have = new Set([...$("indicator").options].map((o) => o.value));
    const codes = [...new Set(inds.rows.map((r) => r.code))].filter((c) => !have.has(c)).sort();
    $("indicator").insertAdjacentHTML("beforeend", codes.map((c) => `<option value="${esc(c)}">${esc(c)}</option>`).join(""));
  } catch (e) { /* the aliases still work */ }
  applyState(readState());
  for (const el of document.querySelectorAll("#controls input, #controls select")) el.addEventListener("change", refresh);
  await Promise.all([refresh(), showScenarios()]);
  document.body.dataset.ready = "1";
}

init().catch((e) => showError($("members"), e));
