/*
 * fund.js: the special-fund page (site/staff/fund/) and the city dashboard (site/staff/dashboard/);
 * the dashboard's other counts are drawn by site/staff/dashboard/figures.js (window.wsDashboard).
 * No framework, no third-party assets; charts are CSS bars. Data is rendered with textContent only.
 * It calls the API through staff.js (window.wsStaff.api: the session's token, refreshed as needed,
 * and sign-in and back once the session has run out); writes send an Idempotency-Key per form fill.
 */
(function () {
  "use strict";

  var API = "/api";
  var YEAR = new Date().getFullYear();

  // The shared helpers of staff.js (loaded after this script, so reached when called).
  function el(tag, cls, text) { return window.wsStaff.el(tag, cls, text); }
  function yuan(fen) { return window.wsStaff.yuan(fen); }
  function fen(text) {
    var v = String(text || "").trim();
    if (!/^\d+(\.\d{1,2})?$/.test(v)) return null;
    return Math.round(parseFloat(v) * 100);
  }
  function uuid() { return window.wsStaff.uuid(); }
  function call(method, path, body, key) { return window.wsStaff.api(method, path, body, key); }

  function problemText(body) { return window.wsStaff.problemText(body); }

  function say(box, role, text, bad) {
    var n = box.querySelector('[data-role="' + role + '"]');
    if (!n) return;
    n.textContent = text || "";
    n.classList.toggle("ws-fund__error", !!bad);
  }

  function signInPrompt(box, root) { window.wsStaff.signInPrompt(box, root); }

  async function units(me) {
    var res = await fetch(API + "/units/" + encodeURIComponent(me.unit_id) + "/subtree", { headers: { "Accept": "application/json" } });
    var data = await res.json();
    return data.items || [];
  }

  function bar(label, value, max, text) {
    var row = el("div", "ws-bar");
    row.appendChild(el("span", "ws-bar__label", label));
    var track = el("span", "ws-bar__track");
    var fill = el("span", "ws-bar__fill");
    fill.style.width = (max > 0 ? Math.max(1, Math.round(100 * value / max)) : 0) + "%";
    track.appendChild(fill);
    row.appendChild(track);
    row.appendChild(el("span", "ws-bar__value", text));
    return row;
  }

  /* ------------------------------------------------------------- fund page */

  async function bindFund(box) {
    var me = (await call("GET", "/me")).body;
    var tree = await units(me);
    var cats = (await (await fetch(API + "/fund/categories")).json()).items;
    var select = box.querySelector("#fund-unit");
    tree.forEach(function (u) {
      var o = el("option", "", "\u3000".repeat(Math.max(0, u.depth - tree[0].depth)) + u.name);
      o.value = u.id;
      select.appendChild(o);
    });
    var keys = {};
    function keyFor(form) { if (!keys[form]) keys[form] = uuid(); return keys[form]; }
    var account = null;
    var loading = 0;  // only the latest load fills the page: an earlier one may answer after it

    // While a unit's account loads, its forms are disabled: what loads fills them, and must not
    // overwrite what someone has begun to type.
    function forms(disabled) {
      ["#fund-budget", "#fund-alloc", "#fund-spend"].forEach(function (id) {
        var form = box.querySelector(id);
        if (!form) return;
        form.setAttribute("aria-busy", disabled ? "true" : "false");
        Array.prototype.forEach.call(form.elements, function (f) { f.disabled = disabled; });
      });
    }

    async function load() {
      var unit = select.value;
      var mine = ++loading;
      forms(true);
      var a;
      try {
        a = await call("GET", "/fund/units/" + unit + "/account?year=" + YEAR);
      } finally {
        if (mine === loading && !(a && a.ok)) forms(false);  // a failed load leaves the forms usable
      }
      if (mine !== loading) return;
      account = a.body;
      say(box, "balance", "余额 " + yuan(account.balance_fen) + " 元");
      say(box, "summary", YEAR + " 年度：年度预算 " + yuan(account.annual_budget_fen) + " 元，专项资金 " +
        yuan(account.special_fund_fen) + " 元，上级拨入 " + yuan(account.allocated_in_fen) + " 元，拨付下级 " +
        yuan(account.allocated_out_fen) + " 元，已支出 " + yuan(account.spent_fen) + " 元。");
      box.querySelector("#budget-total").value = account.annual_budget_fen ? yuan(account.annual_budget_fen) : "";
      box.querySelector("#budget-fund").value = account.version ? yuan(account.special_fund_fen) : "";
      var cat = box.querySelector("#spend-category");
      cat.textContent = "";
      cats.filter(function (c) { return account.allowed_categories.indexOf(c.code) >= 0; }).forEach(function (c) {
        var o = el("option", "", c.group + " · " + c.label); o.value = c.code; cat.appendChild(o);
      });
      var child = box.querySelector("#alloc-to");
      child.textContent = "";
      tree.filter(function (u) { return u.parent_id === unit; }).forEach(function (u) {
        var o = el("option", "", u.name); o.value = u.id; child.appendChild(o);
      });
      box.querySelector("#fund-alloc").hidden = !child.options.length;
      forms(false);
      await ledger(mine);
    }

    async function ledger(mine) {
      var list = box.querySelector('[data-role="ledger"]');
      var res = await call("GET", "/fund/units/" + select.value + "/ledger?year=" + YEAR);
      if (mine !== loading) return;
      list.textContent = "";
      if (!res.body.items.length) { list.appendChild(el("p", "", "还没有账目。")); return; }
      var table = el("table", "ws-fund__table");
      var head = el("tr");
      ["时间", "类型", "类别", "金额（元）", "余额变动（元）", "收款人或供应商", "票据号", "录入人", ""].forEach(function (h) { head.appendChild(el("th", "", h)); });
      table.appendChild(head);
      res.body.items.forEach(function (e) {
        var tr = el("tr");
        tr.dataset.entry = e.entry_id;
        [new Date(e.at).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai" }), e.kind_label, e.category_label || "",
          yuan(e.amount_fen), yuan(e.balance_effect_fen), e.payee || e.counterpart_unit_name || e.counterpart_unit_id || "", e.receipt || "",
          e.entered_by_name || e.entered_by.replace("staff:", "")].forEach(function (v) { tr.appendChild(el("td", "", v)); });
        var td = el("td");
        if (e.kind === "spend" || e.kind === "allocation_out") {
          var b = el("button", "ws-fund__small", "冲正");
          b.type = "button";
          b.addEventListener("click", async function () {
            var reason = "冲正账目 " + e.entry_id + "（" + e.kind_label + "）";
            var r = await call("POST", "/fund/entries/" + e.entry_id + "/reverse", { reason: reason }, uuid());
            say(box, "ledger-status", r.ok ? "已冲正，冲正账目 " + r.body.entry_id : problemText(r.body), !r.ok);
            await load();
          });
          td.appendChild(b);
        }
        tr.appendChild(td);
        table.appendChild(tr);
      });
      list.appendChild(table);
    }

    function bindForm(id, build, done) {
      var form = box.querySelector(id);
      form.addEventListener("submit", async function (ev) {
        ev.preventDefault();
        var body = build(form);
        if (!body) return;
        var res = await call(form.dataset.method || "POST", form.dataset.path.replace("{unit}", select.value), body, keyFor(id));
        say(form, "status", res.ok ? done(res.body) : problemText(res.body), !res.ok);
        if (res.ok) { keys[id] = null; form.reset(); await load(); }
        else if (res.status === 400) keys[id] = null;
      });
    }

    bindForm("#fund-budget", function (f) {
      var total = fen(f.querySelector("#budget-total").value), fund = fen(f.querySelector("#budget-fund").value);
      if (total === null || fund === null) { say(f, "status", "金额请填写元，最多两位小数", true); return null; }
      return { year: YEAR, annual_budget_fen: total, special_fund_fen: fund, version: account.version || null };
    }, function (a) { return "已保存：专项资金 " + yuan(a.special_fund_fen) + " 元"; });
    bindForm("#fund-alloc", function (f) {
      var amount = fen(f.querySelector("#alloc-amount").value);
      if (!amount) { say(f, "status", "金额请填写元，最多两位小数", true); return null; }
      return { from_unit_id: select.value, to_unit_id: f.querySelector("#alloc-to").value, year: YEAR,
        amount_fen: amount, approved_by: f.querySelector("#alloc-approver").value.trim() || null };
    }, function (p) { return "已拨付 " + yuan(p.in_entry.amount_fen) + " 元，账目 " + p.out_entry.entry_id; });
    bindForm("#fund-spend", function (f) {
      var amount = fen(f.querySelector("#spend-amount").value);
      if (!amount) { say(f, "status", "金额请填写元，最多两位小数", true); return null; }
      function v(id) { return f.querySelector(id).value.trim() || null; }
      return { unit_id: select.value, category: v("#spend-category"), amount_fen: amount, payee: v("#spend-payee") || "",
        beneficiary: v("#spend-beneficiary"), receipt: v("#spend-receipt"), approved_by: v("#spend-approver"),
        note: v("#spend-note") };
    }, function (e) { return "已记账：" + e.category_label + " " + yuan(e.amount_fen) + " 元，账目 " + e.entry_id; });

    box.querySelector("#fund-export").addEventListener("click", async function () {
      var res = await call("GET", "/fund/units/" + select.value + "/report/export?year=" + YEAR);
      if (!res.ok) { say(box, "ledger-status", problemText(res.body), true); return; }
      window.wsStaff.download(res.body);
    });
    select.addEventListener("change", function () {
      Array.prototype.forEach.call(box.querySelectorAll('[data-role="status"], [data-role="ledger-status"]'),
        function (n) { n.textContent = ""; });
      load();
    });
    await load();
  }

  /* -------------------------------------------------------------- dashboard */

  async function bindDashboard(box) {
    var me = (await call("GET", "/me")).body;
    var current = me.unit_id;
    var trail = [];

    var shown = 0;  // only the latest drill-down fills the page

    async function show(unitId) {
      current = unitId;
      var mine = ++shown;
      var answers = await Promise.all([call("GET", "/fund/units/" + unitId + "/report?year=" + YEAR),
        call("GET", "/staff/dashboard/units/" + encodeURIComponent(unitId))]);
      if (mine !== shown) return;
      var res = answers[0], more = answers[1];
      if (!res.ok || !more.ok) { say(box, "status", problemText((res.ok ? more : res).body), true); return; }
      say(box, "status", "");
      var rows = res.body.items;
      var top = rows[0];
      say(box, "unit", top.unit_name + "（含下级） " + YEAR + " 年度");
      var figures = box.querySelector('[data-role="figures"]');
      figures.textContent = "";
      [["设立专项资金", yuan(top.subtree_funded_fen) + " 元"], ["余额合计", yuan(top.subtree_balance_fen) + " 元"],
        ["支出合计", yuan(top.subtree_spent_fen) + " 元"],
        ["一线支出占比", top.frontline_share == null ? "—" : (top.frontline_share * 100).toFixed(1) + "%"]].forEach(function (f) {
        var card = el("div", "ws-card");
        card.appendChild(el("span", "ws-card__label", f[0]));
        card.appendChild(el("strong", "ws-card__value", f[1]));
        figures.appendChild(card);
      });
      var cats = box.querySelector('[data-role="categories"]');
      cats.textContent = "";
      var maxCat = Math.max.apply(null, [0].concat(top.categories.map(function (c) { return c.amount_fen; })));
      if (!top.categories.length) cats.appendChild(el("p", "", "本年度还没有支出。"));
      top.categories.forEach(function (c) { cats.appendChild(bar(c.label, c.amount_fen, maxCat, yuan(c.amount_fen) + " 元")); });
      var trend = box.querySelector('[data-role="trend"]');
      trend.textContent = "";
      var months = Object.keys(top.monthly).sort();
      var maxMonth = Math.max.apply(null, [0].concat(months.map(function (m) { return top.monthly[m]; })));
      if (!months.length) trend.appendChild(el("p", "", "本年度还没有支出。"));
      months.forEach(function (m) { trend.appendChild(bar(m, top.monthly[m], maxMonth, yuan(top.monthly[m]) + " 元")); });
      var children = box.querySelector('[data-role="children"]');
      children.textContent = "";
      var kids = rows.filter(function (r) { return r.parent_id === unitId; });
      var table = el("table", "ws-fund__table");
      var head = el("tr");
      ["下级单位", "余额（元）", "支出（元）", "一线占比", ""].forEach(function (h) { head.appendChild(el("th", "", h)); });
      table.appendChild(head);
      kids.forEach(function (r) {
        var tr = el("tr");
        tr.dataset.unit = r.unit_id;
        [r.unit_name, yuan(r.subtree_balance_fen), yuan(r.subtree_spent_fen),
          r.frontline_share == null ? "—" : (r.frontline_share * 100).toFixed(1) + "%"].forEach(function (v) { tr.appendChild(el("td", "", v)); });
        var td = el("td");
        var b = el("button", "ws-fund__small", "查看");
        b.type = "button";
        b.addEventListener("click", function () { trail.push(unitId); show(r.unit_id); });
        td.appendChild(b);
        tr.appendChild(td);
        table.appendChild(tr);
      });
      if (!kids.length) children.appendChild(el("p", "", "没有下级单位。"));
      else children.appendChild(table);
      window.wsDashboard.render(box, more.body, function (child) { trail.push(unitId); show(child); });
      box.querySelector("#dash-up").hidden = !trail.length;
    }
    box.querySelector("#dash-up").addEventListener("click", function () { if (trail.length) show(trail.pop()); });
    await show(current);
  }

  function init() {
    var box = document.querySelector(".ws-fund[data-ws-fund]");
    if (!box || box.dataset.wsBound) return;
    box.dataset.wsBound = "1";
    var bind = box.dataset.wsFund === "dashboard" ? bindDashboard : bindFund;
    var body = box.querySelector(".ws-fund__body");
    bind(box).then(function () {
      box.querySelector(".ws-fund__loading").hidden = true;
      body.hidden = false;
    }).catch(function (e) {
      if (e && e.signedOut) { signInPrompt(box, box.dataset.root || "../"); return; }
      box.querySelector(".ws-fund__loading").textContent = "加载失败，请稍后刷新重试。";
    });
  }

  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(init);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
