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
    var listed = null;  // the unit whose account and ledger the page shows
    var WRITERS = ["city_admin", "unit_admin", "finance"];

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
      listed = unit;
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
      box.querySelector("#budget-total").value = account.annual_budget_fen ? window.wsStaff.yuanInput(account.annual_budget_fen) : "";
      box.querySelector("#budget-fund").value = account.version ? window.wsStaff.yuanInput(account.special_fund_fen) : "";
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

    // The ledger, newest first, a page at a time; each entry links to its own address (?entry=<id>).
    var ledgerCursor = null;
    async function ledger(mine, append) {
      var list = box.querySelector('[data-role="ledger"]');
      var more = box.querySelector('[data-role="ledger-more"]');
      var res = await call("GET", "/fund/units/" + select.value + "/ledger?year=" + YEAR +
        (append && ledgerCursor ? "&cursor=" + encodeURIComponent(ledgerCursor) : ""));
      if (mine !== loading) return;
      if (!res.ok) { say(box, "ledger-status", problemText(res.body), true); return; }
      if (!append) list.textContent = "";
      ledgerCursor = res.body.next_cursor || null;
      more.hidden = !ledgerCursor;
      if (!append && !res.body.items.length) { list.appendChild(el("p", "ws-staff__empty", "还没有账目。")); return; }
      var table = list.querySelector("table");
      if (!table) {
        table = el("table", "ws-fund__table");
        var head = el("tr");
        ["时间", "类型", "类别", "金额（元）", "余额变动（元）", "收款人或供应商", "票据号", "录入人"].forEach(function (h) {
          var th = el("th", "", h); th.scope = "col"; head.appendChild(th);
        });
        table.appendChild(head);
        list.appendChild(table);
      }
      res.body.items.forEach(function (e) {
        if (table.querySelector('tr[data-entry="' + e.entry_id + '"]')) return;
        var tr = el("tr");
        tr.dataset.entry = e.entry_id;
        var when = el("td");
        when.appendChild(window.wsStaff.route.link(window.wsStaff.shanghai(e.at), { entry: e.entry_id }));
        window.wsStaff.demoBadge(when, e);
        tr.appendChild(when);
        [e.kind_label, e.category_label || "", yuan(e.amount_fen),
          yuan(e.balance_effect_fen), e.payee || e.counterpart_unit_name || unitName(e.counterpart_unit_id), e.receipt || "",
          e.entered_by_name || window.wsStaff.actorLabel(e.entered_by)].forEach(function (v) { tr.appendChild(el("td", "", v)); });
        table.appendChild(tr);
      });
    }

    function unitName(id) {
      var u = tree.filter(function (x) { return x.id === id; })[0];
      return id ? (u ? u.name : "其他单位") : "";
    }

    // One entry by its address: a summary, 冲正 while it can be reversed, and its trail (the entry it
    // reverses or the entry that reversed it, each by its own address).
    async function showEntry(id) {
      var W = window.wsStaff;
      var panel = box.querySelector('[data-role="entry"]');
      panel.textContent = "";
      panel.appendChild(W.route.back("返回明细账", { entry: null }));
      var r = await call("GET", "/fund/entries/" + encodeURIComponent(id));
      if (!r.ok) { panel.appendChild(el("h2", "", "账目")); panel.appendChild(el("p", "ws-fund__error", problemText(r.body))); return; }
      var e = r.body;
      panel.appendChild(W.summaryCard(e.kind_label + " " + yuan(e.amount_fen) + " 元",
        e.reversed_by ? "已冲正" : e.reverses ? "冲正账目" : "有效", [
          ["单位", unitName(e.unit_id)], ["年度", e.year], ["类别", e.category_label], ["金额", yuan(e.amount_fen) + " 元"],
          ["余额变动", yuan(e.balance_effect_fen) + " 元"], ["收款人或供应商", e.payee],
          ["对方单位", unitName(e.counterpart_unit_id)], ["受益对象", e.beneficiary], ["票据号", e.receipt],
          ["审批人", e.approved_by], ["说明", e.note], ["录入人", e.entered_by_name || W.actorLabel(e.entered_by)], ["记账时间", W.shanghai(e.at)],
          ["账目编号", e.entry_id]], e));
      var reversible = (e.kind === "spend" || e.kind === "allocation_out") && !e.reversed_by &&
        (me.roles || []).some(function (role) { return WRITERS.indexOf(role) >= 0; });
      if (reversible) {
        panel.appendChild(el("h3", "ws-section-title", "冲正"));
        var f = el("form", "ws-sform"); f.noValidate = true; f.setAttribute("aria-label", "冲正这条账目");
        f.appendChild(el("p", "", "冲正生成一条金额相反的账目，原账目不改；每条账目只能冲正一次。"));
        var w = el("div", "ws-field"); var l = el("label", "", "冲正原因"); l.htmlFor = "reverse-reason";
        var t = el("textarea"); t.id = "reverse-reason"; t.name = "reason"; t.maxLength = 300; t.rows = 3; t.required = true;
        w.appendChild(l); w.appendChild(t); f.appendChild(w);
        var aw = el("div", "ws-field"); var al = el("label", "", "审批人"); al.htmlFor = "reverse-approver";
        var ai = el("input"); ai.id = "reverse-approver"; ai.name = "approved_by"; ai.type = "text"; ai.maxLength = 60;
        aw.appendChild(al); aw.appendChild(ai); f.appendChild(aw);
        var go = el("button", "ws-submit", "冲正"); go.type = "submit"; f.appendChild(go);
        var st = el("p", ""); st.setAttribute("role", "status"); st.dataset.role = "status"; f.appendChild(st);
        var key = uuid();
        f.addEventListener("submit", async function (ev) {
          ev.preventDefault();
          var reason = t.value.trim();
          if (!reason) { say(f, "status", "请填写冲正原因", true); t.focus(); return; }
          var res = await call("POST", "/fund/entries/" + encodeURIComponent(e.entry_id) + "/reverse",
            { reason: reason, approved_by: ai.value.trim() || null }, key);
          if (!res.ok) { say(f, "status", problemText(res.body), true); if (res.status === 400 || res.status === 422) key = uuid(); return; }
          listed = null;  // the ledger shows the reversal when the person goes back to it
          await showEntry(e.entry_id);
          say(box.querySelector('[data-role="entry"]'), "entry-status", "已冲正，冲正账目 " + res.body.entry_id);
        });
        panel.appendChild(f);
      }
      var note = el("p", "ws-staff__status"); note.setAttribute("role", "status"); note.dataset.role = "entry-status";
      panel.appendChild(note);
      panel.appendChild(el("h3", "ws-section-title", "记录"));
      var trail = el("ul", "ws-history");
      var first = el("li", "ws-history__item", W.shanghai(e.at) + " " + (e.entered_by_name || W.actorLabel(e.entered_by)) + " 记账：" + e.kind_label);
      trail.appendChild(first);
      [["冲正了账目 ", e.reverses], ["已被冲正，冲正账目 ", e.reversed_by]].forEach(function (p) {
        if (!p[1]) return;
        var li = el("li", "ws-history__item", p[0]);
        li.appendChild(W.route.link(p[1], { entry: p[1] }));
        trail.appendChild(li);
      });
      panel.appendChild(trail);
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
      window.wsStaff.route.go({ unit: select.value === me.unit_id ? null : select.value, entry: null });
    });
    box.querySelector('[data-role="ledger-more"]').addEventListener("click", function () { ledger(loading, true); });
    // The address names the unit (?unit=) and the entry open (?entry=).
    async function draw(params) {
      var unit = params.get("unit");
      select.value = unit && tree.some(function (u) { return u.id === unit; }) ? unit : me.unit_id;
      var entry = params.get("entry");
      var work = [];
      if (listed !== select.value) work.push(load());
      window.wsStaff.route.view(box, !!entry);
      if (entry) work.push(showEntry(entry));
      await Promise.all(work);
    }
    await window.wsStaff.route.follow(box, draw);
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
