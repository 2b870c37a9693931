// Operator page of the community storage market: reads the operator API with the operator
// token and draws the market. Plain browser JavaScript, no libraries, no network beyond this
// server (the page must work offline).
"use strict";

const TEXT = {
  en: {
    title: "Community storage market",
    token_label: "Operator token",
    show: "Show",
    token_hint: "From market-server init (or market-server operator-token).",
    chart_title: "Clearing price and cleared volume per delivery day",
    legend_volume: "cleared kWh",
    legend_price: "clearing price EUR/kWh",
    days_title: "Delivery days: depth and participation",
    rounds_title: "Recent clearing rounds",
    households_title: "Households",
    disabled_hint: "Disabling a household (market-server households disable ID) cancels its open orders: they leave the book at once and cannot fill while it is disabled. What already filled stays filled and is settled; enabling it again brings no order back.",
    col_day: "Day", col_state: "State", col_price: "Price EUR/kWh", col_cleared: "Cleared kWh",
    col_depth: "Open buy / sell kWh", col_households: "Households", col_orders: "Buy / sell orders",
    col_finished: "Finished", col_trigger: "Trigger", col_status: "Status", col_fills: "Fills",
    col_expired: "Expired", col_name: "Name", col_id: "ID", col_open: "Open kWh",
    col_orders_total: "Orders", col_max_sell: "Max sell kWh/day",
    col_delivery: "Delivered / sold", col_delivery_ratio: "Delivered, last 7 days",
    col_energy: "Shared energy kWh / EUR",
    col_own_credit: "Own credit kWh / EUR",
    unreported: (n) => `${n} not reported`,
    late: (n) => `${n} late`,
    claimed: (kwh) => `${kwh} kWh claimed`,
    card_energy_price: "shared energy EUR/kWh",
    card_feed_in_price: "own credit (feed-in) EUR/kWh",
    card_filled: "delivered per kWh sold, last 14 settled days",
    updated: "Updated", forget: "forget token",
    open: "open", closed: "closed", active: "active", disabled: "disabled", not_joined: "not joined",
    card_households: "households", card_cleared: "kWh cleared (shown days)",
    card_price: "last clearing price EUR/kWh", card_depth: "kWh open to buy / to sell",
    card_mechanism: "clearing mechanism", card_rounds: "rounds shown",
    bad_token: "The operator token was not accepted. Check it and try again.",
    unreachable: "The market server did not answer. Is it running?",
    no_days: "No delivery days yet: nothing has been ordered.",
    community: (c) => `${c.name} · ${c.timezone} · gate closure ${c.gate_closure}, ${c.gate_closure_days_before} day(s) before · rounds every ${Math.round(c.round_interval_s / 60)} min · shared energy EUR ${fmt(c.energy_price, 3)}/kWh · own credit EUR ${fmt(c.feed_in_price, 3)}/kWh · ${c.grid_charging ? "grid charging on" : "grid charging off"}`,
  },
  de: {
    title: "Gemeinschaftsspeicher-Markt",
    token_label: "Betreiber-Token",
    show: "Anzeigen",
    token_hint: "Aus market-server init (oder market-server operator-token).",
    chart_title: "Räumungspreis und geräumte Menge je Liefertag",
    legend_volume: "geräumte kWh",
    legend_price: "Räumungspreis EUR/kWh",
    days_title: "Liefertage: Markttiefe und Beteiligung",
    rounds_title: "Letzte Räumungsrunden",
    households_title: "Haushalte",
    disabled_hint: "Einen Haushalt sperren (market-server households disable ID) storniert seine offenen Aufträge: Sie verlassen sofort das Orderbuch und können nicht ausgeführt werden, solange er gesperrt ist. Bereits Ausgeführtes bleibt und wird abgerechnet; entsperren bringt keinen Auftrag zurück.",
    col_day: "Tag", col_state: "Status", col_price: "Preis EUR/kWh", col_cleared: "Geräumt kWh",
    col_depth: "Offen Kauf / Verkauf kWh", col_households: "Haushalte", col_orders: "Kauf- / Verkaufsaufträge",
    col_finished: "Beendet", col_trigger: "Auslöser", col_status: "Status", col_fills: "Zuschläge",
    col_expired: "Abgelaufen", col_name: "Name", col_id: "ID", col_open: "Offen kWh",
    col_orders_total: "Aufträge", col_max_sell: "Max. Verkauf kWh/Tag",
    col_delivery: "Geliefert / verkauft", col_delivery_ratio: "Geliefert, letzte 7 Tage",
    col_energy: "Geteilte Energie kWh / EUR",
    col_own_credit: "Eigenes Guthaben kWh / EUR",
    unreported: (n) => `${n} ohne Meldung`,
    late: (n) => `${n} verspätet`,
    claimed: (kwh) => `${kwh} kWh gemeldet`,
    card_energy_price: "geteilte Energie EUR/kWh",
    card_feed_in_price: "eigenes Guthaben (Einspeisung) EUR/kWh",
    card_filled: "geliefert je verkaufter kWh, letzte 14 abgerechnete Tage",
    updated: "Aktualisiert", forget: "Token vergessen",
    open: "offen", closed: "geschlossen", active: "aktiv", disabled: "gesperrt", not_joined: "nicht beigetreten",
    card_households: "Haushalte", card_cleared: "kWh geräumt (gezeigte Tage)",
    card_price: "letzter Räumungspreis EUR/kWh", card_depth: "kWh offen zum Kauf / Verkauf",
    card_mechanism: "Räumungsverfahren", card_rounds: "gezeigte Runden",
    bad_token: "Das Betreiber-Token wurde nicht akzeptiert. Bitte prüfen und erneut versuchen.",
    unreachable: "Der Marktserver antwortet nicht. Läuft er?",
    no_days: "Noch keine Liefertage: es wurde nichts bestellt.",
    community: (c) => `${c.name} · ${c.timezone} · Gate-Schluss ${c.gate_closure}, ${c.gate_closure_days_before} Tag(e) vorher · Runden alle ${Math.round(c.round_interval_s / 60)} min · geteilte Energie EUR ${fmt(c.energy_price, 3)}/kWh · eigenes Guthaben EUR ${fmt(c.feed_in_price, 3)}/kWh · ${c.grid_charging ? "Laden aus dem Netz erlaubt" : "Laden aus dem Netz aus"}`,
  },
};
const LANG = (navigator.language || "en").toLowerCase().startsWith("de") ? "de" : "en";
const T = TEXT[LANG];
const REFRESH_MS = 15000;
const SVG_NS = "http://www.w3.org/2000/svg";

let token = null;
let timer = null;

const $ = (id) => document.getElementById(id);
// A delivery ratio (0..1) as a percentage; null (nobody reported yet) as a dash.
const percent = (ratio) => (ratio === null || ratio === undefined ? "–" : `${fmt(ratio * 100, 0)} %`);
const fmt = (value, digits) =>
  value === null || value === undefined ? "–" : Number(value).toLocaleString(LANG, {
    minimumFractionDigits: digits, maximumFractionDigits: digits,
  });

function translatePage() {
  document.documentElement.lang = LANG;
  document.title = `${T.title} – operator`;
  for (const node of document.querySelectorAll("[data-i18n]")) {
    const text = T[node.dataset.i18n];
    if (typeof text === "string") node.textContent = text;
  }
}

function tokenFromFragment() {
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  return params.get("token");
}

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

async function getJson(path) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
  if (response.status === 401 || response.status === 403) {
    const error = new Error(T.bad_token);
    error.auth = true;
    throw error;
  }
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

function svg(tag, attrs, parent) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (parent) parent.appendChild(node);
  return node;
}

// The top of an axis with four equal, round steps (0, 6, 12, 18, 24 rather than 0, 6.3, 12.5 ...).
function niceMax(value) {
  if (!(value > 0)) return 1;
  const step = value / 4;
  const power = 10 ** Math.floor(Math.log10(step));
  for (const nice of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    if (step <= nice * power + 1e-12) return 4 * nice * power;
  }
  return 40 * power;
}

function drawChart(days, today) {
  const box = $("chart");
  box.replaceChildren();
  if (!days.length) {
    box.textContent = T.no_days;
    return;
  }
  const width = 960, height = 320, left = 54, right = 60, top = 16, bottom = 46;
  const plotW = width - left - right, plotH = height - top - bottom;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, "data-days": days.length }, box);
  svg("title", {}, root).textContent = T.chart_title;
  const maxKwh = niceMax(Math.max(...days.map((d) => d.cleared_kwh)));
  const prices = days.map((d) => d.last_price).filter((p) => p !== null);
  const maxPrice = niceMax(prices.length ? Math.max(...prices) : 0.1);
  const slot = plotW / days.length;
  const x = (i) => left + slot * i + slot / 2;
  const yKwh = (v) => top + plotH - (v / maxKwh) * plotH;
  const yPrice = (v) => top + plotH - (v / maxPrice) * plotH;

  const axis = svg("g", { class: "axis" }, root);
  const kwhDigits = Number.isInteger(Math.round((maxKwh / 4) * 1e9) / 1e9) ? 0 : 1;
  for (let i = 0; i <= 4; i += 1) {
    const y = top + plotH - (plotH * i) / 4;
    svg("line", { class: "grid", x1: left, x2: left + plotW, y1: y, y2: y }, axis);
    svg("text", { x: left - 6, y: y + 4, "text-anchor": "end" }, axis).textContent = fmt((maxKwh * i) / 4, kwhDigits);
    svg("text", { x: left + plotW + 6, y: y + 4 }, axis).textContent = fmt((maxPrice * i) / 4, 3);
  }
  svg("text", { x: 12, y: top + plotH / 2, transform: `rotate(-90 12 ${top + plotH / 2})`, "text-anchor": "middle" }, axis).textContent = "kWh";
  svg("text", { x: width - 10, y: top + plotH / 2, transform: `rotate(90 ${width - 10} ${top + plotH / 2})`, "text-anchor": "middle" }, axis).textContent = "EUR/kWh";

  const bars = svg("g", { class: "bars" }, root);
  days.forEach((day, i) => {
    const barW = Math.max(4, slot * 0.6);
    const y = yKwh(day.cleared_kwh);
    const bar = svg("rect", {
      class: day.open ? "bar open" : "bar", x: x(i) - barW / 2, y, width: barW,
      height: Math.max(0, top + plotH - y), "data-day": day.day, "data-kwh": day.cleared_kwh,
    }, bars);
    svg("title", {}, bar).textContent = `${day.day}: ${fmt(day.cleared_kwh, 1)} kWh, ${fmt(day.last_price, 3)} EUR/kWh`;
    const label = svg("text", { class: "tick", x: x(i), y: top + plotH + 16, "text-anchor": "middle" }, axis);
    label.textContent = day.day.slice(5);
    if (day.day === today) {
      svg("line", { class: "today", x1: x(i) - slot / 2, x2: x(i) - slot / 2, y1: top, y2: top + plotH }, root);
    }
  });

  // The price line joins neighbouring days only: a day without a clearing price breaks it.
  const priced = days.map((d, i) => [d, i]).filter(([d]) => d.last_price !== null);
  let path = "";
  let previous = -2;
  for (const [d, i] of priced) {
    path += `${i === previous + 1 ? "L" : "M"}${x(i).toFixed(1)},${yPrice(d.last_price).toFixed(1)} `;
    previous = i;
  }
  if (path) svg("path", { class: "price", d: path.trim() }, root);
  for (const [d, i] of priced) {
    const point = svg("circle", { class: "point", cx: x(i), cy: yPrice(d.last_price), r: 4, "data-day": d.day, "data-price": d.last_price }, root);
    svg("title", {}, point).textContent = `${d.day}: ${fmt(d.last_price, 3)} EUR/kWh`;
  }
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function pill(row, text, kind) {
  const td = cell(row, "");
  const span = document.createElement("span");
  span.className = `pill ${kind}`;
  span.textContent = text;
  td.appendChild(span);
}

function drawDays(days) {
  const body = $("days").querySelector("tbody");
  body.replaceChildren();
  const deepest = Math.max(1, ...days.map((d) => Math.max(d.open_buy_kwh, d.open_sell_kwh)));
  for (const day of days) {
    const row = document.createElement("tr");
    row.dataset.day = day.day;
    cell(row, day.day);
    pill(row, day.open ? T.open : T.closed, day.open ? "open" : "closed");
    cell(row, fmt(day.last_price, 3), "num");
    cell(row, fmt(day.cleared_kwh, 1), "num");
    const depth = cell(row, "");
    const wrap = document.createElement("div");
    wrap.className = "depth";
    const buy = document.createElement("div");
    buy.className = "b";
    buy.style.width = `${(day.open_buy_kwh / deepest) * 6}rem`;
    const sell = document.createElement("div");
    sell.className = "s";
    sell.style.width = `${(day.open_sell_kwh / deepest) * 6}rem`;
    const label = document.createElement("span");
    label.textContent = `${fmt(day.open_buy_kwh, 1)} / ${fmt(day.open_sell_kwh, 1)}`;
    wrap.append(buy, sell, label);
    depth.appendChild(wrap);
    cell(row, fmt(day.households ?? 0, 0), "num");
    cell(row, `${day.buy_orders ?? 0} / ${day.sell_orders ?? 0}`, "num");
    // Ended days with sales: delivered / sold over the sellers that reported, who (sellers and
    // buyers) has not reported, and reports that came after the day was settled.
    const delivery = day.delivery;
    const parts = delivery ? [percent(delivery.ratio)] : ["–"];
    const missing = delivery ? delivery.unreported_sellers + delivery.unreported_buyers : 0;
    if (missing) parts.push(T.unreported(missing));
    if (delivery && delivery.late_reports) parts.push(T.late(delivery.late_reports));
    const td = cell(row, parts.join(" · "), "num delivery");
    if (delivery) td.dataset.ratio = delivery.ratio === null ? "" : String(delivery.ratio);
    // Shared energy beside the capacity: billed kWh and what buyers paid the sellers once the
    // day is settled; before, what the buyers that reported say they drew.
    let energy = "–";
    if (delivery && delivery.settled) energy = `${fmt(delivery.energy_kwh, 1)} / ${fmt(delivery.energy_eur, 2)}`;
    else if (delivery && delivery.shared_claimed_kwh) energy = T.claimed(fmt(delivery.shared_claimed_kwh, 1));
    const energyCell = cell(row, energy, "num energy");
    if (delivery && delivery.settled) {
      energyCell.dataset.kwh = String(delivery.energy_kwh);
      energyCell.dataset.eur = String(delivery.energy_eur);
    }
    // The buyers' own export the sellers' reserves held, paid at the feed-in price (settled
    // days only: the buyers' reports say what they used, not yet what is billed).
    const settled = delivery && delivery.settled;
    const own = settled ? `${fmt(delivery.own_credit_kwh, 1)} / ${fmt(delivery.own_credit_eur, 2)}` : "–";
    const ownCell = cell(row, own, "num own-credit");
    if (settled) {
      ownCell.dataset.kwh = String(delivery.own_credit_kwh);
      ownCell.dataset.eur = String(delivery.own_credit_eur);
    }
    body.appendChild(row);
  }
}

function drawRounds(rounds) {
  const body = $("rounds").querySelector("tbody");
  body.replaceChildren();
  for (const round of rounds) {
    const row = document.createElement("tr");
    cell(row, new Date(round.finished_at).toLocaleString(LANG));
    cell(row, round.trigger);
    pill(row, round.status, round.status === "completed" ? "open" : "failed");
    cell(row, fmt(round.fills, 0), "num");
    cell(row, fmt(round.cleared_kwh, 1), "num");
    cell(row, fmt(round.expired, 0), "num");
    body.appendChild(row);
  }
}

function drawHouseholds(households, deliveries) {
  const body = $("households").querySelector("tbody");
  body.replaceChildren();
  const ratios = new Map((deliveries || []).map((d) => [d.household_id, d]));
  for (const item of households) {
    const row = document.createElement("tr");
    cell(row, item.name);
    cell(row, item.household_id);
    if (item.disabled) pill(row, T.disabled, "disabled");
    else pill(row, item.joined ? T.active : T.not_joined, item.joined ? "open" : "closed");
    cell(row, fmt(item.open_kwh, 1), "num");
    cell(row, fmt(item.orders, 0), "num");
    cell(row, fmt(item.max_sell_kwh, 1), "num");
    const delivery = ratios.get(item.household_id);
    const parts = delivery ? [percent(delivery.ratio)] : ["–"];
    if (delivery && delivery.unreported_days) parts.push(T.unreported(delivery.unreported_days));
    cell(row, parts.join(" · "), "num delivery");
    body.appendChild(row);
  }
}

function drawCards(overview, days) {
  const cards = $("cards");
  cards.replaceChildren();
  const open = days.filter((d) => d.open);
  const priced = days.filter((d) => d.last_price !== null);
  const last = priced.length ? priced[priced.length - 1].last_price : null;
  const items = [
    [fmt(overview.households.total - overview.households.disabled, 0), T.card_households],
    [fmt(days.reduce((s, d) => s + d.cleared_kwh, 0), 1), T.card_cleared],
    [fmt(last, 3), T.card_price],
    [`${fmt(open.reduce((s, d) => s + d.open_buy_kwh, 0), 1)} / ${fmt(open.reduce((s, d) => s + d.open_sell_kwh, 0), 1)}`, T.card_depth],
    [overview.mechanism, T.card_mechanism],
    [fmt(overview.community.energy_price, 3), T.card_energy_price, "energy-price"],
    [fmt(overview.community.feed_in_price, 3), T.card_feed_in_price, "feed-in-price"],
    [percent((overview.delivery || {}).filled_per_kwh_sold), T.card_filled, "filled"],
  ];
  for (const [value, label, id] of items) {
    const card = document.createElement("div");
    card.className = "card";
    if (id) card.dataset.card = id;
    const v = document.createElement("div");
    v.className = "value";
    v.textContent = value;
    const l = document.createElement("div");
    l.className = "label";
    l.textContent = label;
    card.append(v, l);
    cards.appendChild(card);
  }
}

async function refresh() {
  try {
    const [overview, households] = await Promise.all([
      getJson("/api/v1/operator/overview"),
      getJson("/api/v1/operator/households"),
    ]);
    const days = [...overview.days].sort((a, b) => a.day.localeCompare(b.day));
    const today = overview.generated_at.slice(0, 10);
    $("community").textContent = T.community(overview.community);
    drawCards(overview, days);
    drawChart(days, today);
    drawDays(days);
    drawRounds(overview.rounds || []);
    drawHouseholds(
      Array.isArray(households) ? households : households.households || [],
      (overview.deliveries || {}).households,
    );
    $("updated").textContent = new Date().toLocaleTimeString(LANG);
    showError("");
    $("login").hidden = true;
    $("dashboard").hidden = false;
    document.body.dataset.loaded = "true";
  } catch (error) {
    showError(error.auth ? T.bad_token : error instanceof TypeError ? T.unreachable : error.message);
    if (error.auth) {
      stop();
      $("dashboard").hidden = true;
      $("login").hidden = false;
    }
  }
}

function stop() {
  if (timer) window.clearInterval(timer);
  timer = null;
}

function start(newToken) {
  token = newToken;
  stop();
  refresh();
  timer = window.setInterval(refresh, REFRESH_MS);
}

function main() {
  translatePage();
  $("login").addEventListener("submit", (event) => {
    event.preventDefault();
    start($("token").value.trim());
  });
  $("logout").addEventListener("click", (event) => {
    event.preventDefault();
    stop();
    token = null;
    history.replaceState(null, "", window.location.pathname);
    $("dashboard").hidden = true;
    $("login").hidden = false;
  });
  const fromUrl = tokenFromFragment();
  if (fromUrl) start(fromUrl);
  else $("login").hidden = false;
}

main();
