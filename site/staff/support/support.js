/*
 * support.js: the support-request workbench pages (site/staff/support/): a unit's queue with
 * filters, the overdue view and roll-up counts, one request's detail with status changes, notes,
 * reassignment and counsellor assignment, the xlsx export; the hotline intake page; a counsellor's
 * own cases. No framework, no third-party assets; data is rendered with textContent only.
 * It uses the staff session staff.js keeps in sessionStorage (ws.staff.session): every call sends
 * Authorization: Bearer <IdToken>; writes send an Idempotency-Key per form fill.
 * A page holds <div class="ws-support" data-ws-support="queue|hotline|counsellor" data-root="...">.
 */
(function () {
  "use strict";

  var API = "/api";
  function statusLabel(code) { return window.wsStaff.labels("supportStatus")[code] || code; }
  var ACTIONS = { accepted: "受理", in_progress: "开始办理", callback: "未接通，稍后回电", resolved: "办结",
    closed: "关闭", rejected: "不予受理" };
  var ACT = ["caseworker", "unit_admin", "city_admin"];

  // The shared helpers of staff.js (loaded after this script, so reached when called).
  function el(tag, cls, text) { return window.wsStaff.el(tag, cls, text); }
  function uuid() { return window.wsStaff.uuid(); }
  function local(iso) {
    if (!iso) return "";
    try {
      return new Date(iso).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false, year: "numeric",
        month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
    } catch (e) { return iso; }
  }
  function SignedOut() { this.signedOut = true; }

  // Through staff.js (loaded on every staff page): it refreshes the session's tokens, and when the
  // session has run out it leaves for sign-in and brings the user back to this page.
  function call(method, path, body, key) { return window.wsStaff.api(method, path, body, key); }
  function problemText(body) { return window.wsStaff.problemText(body); }
  function say(box, role, text, bad) {
    var n = box.querySelector('[data-role="' + role + '"]');
    if (!n) return;
    n.textContent = text || "";
    n.classList.toggle("ws-support__error", !!bad);
  }
  function signInPrompt(box, root) { window.wsStaff.signInPrompt(box, root); }
  function has(me, roles) { return (me.roles || []).some(function (r) { return roles.indexOf(r) >= 0; }); }
  function formBody(form) {
    var body = {};
    Array.prototype.forEach.call(form.elements, function (f) {
      if (!f.name || f.name === "website") return;
      if (f.type === "checkbox") { body[f.name] = f.checked; return; }
      var v = String(f.value || "").trim();
      if (v !== "") body[f.name] = f.dataset.type === "int" ? parseInt(v, 10) : v;
    });
    return body;
  }
  function showErrors(form, body) {
    form.querySelectorAll(".ws-field__error").forEach(function (n) { n.remove(); });
    ((body && body.errors) || []).forEach(function (e) {
      var f = form.querySelector('[name="' + e.field + '"]');
      if (!f) return;
      f.setAttribute("aria-invalid", "true");
      var m = el("p", "ws-field__error", e.message);
      f.insertAdjacentElement("afterend", m);
    });
  }

  // --- queue, detail ---------------------------------------------------------------------------

  var QUEUE_HEADS = ["编号", "类别", "状态", "求助人", "电话", "提交时间", "应答期限"];

  function row(item, onOpen) {
    var tr = el("tr");
    if (item.overdue) tr.className = "ws-support__overdue";
    var ref = el("td");
    var b = el("button", "ws-support__link", item.reference);
    b.type = "button";
    b.addEventListener("click", function () { onOpen(item.reference); });
    ref.appendChild(b);
    tr.appendChild(ref);
    [item.category_label, item.status_label + (item.callback_attempts ? "（回电 " + item.callback_attempts + " 次）" : ""),
      item.name, item.phone, local(item.created_at), (item.overdue ? "已逾期 " : "") + local(item.due_at)]
      .forEach(function (t, i) { var td = el("td", "", t); td.dataset.label = QUEUE_HEADS[i + 1]; tr.appendChild(td); });
    return tr;
  }
  function table(items, onOpen) {
    var t = el("table", "ws-support__table ws-support__queue");
    var head = el("tr");
    QUEUE_HEADS.forEach(function (h) { head.appendChild(el("th", "", h)); });
    var thead = el("thead"); thead.appendChild(head); t.appendChild(thead);
    var tbody = el("tbody");
    items.forEach(function (i) { tbody.appendChild(row(i, onOpen)); });
    t.appendChild(tbody);
    return t;
  }

  function renderDetail(box, me, d, reload) {
    var panel = box.querySelector('[data-role="detail"]');
    panel.hidden = false;
    panel.textContent = "";
    panel.appendChild(el("h2", "", "求助 " + d.reference));
    var dl = el("dl", "ws-support__facts");
    [["类别", d.category_label], ["状态", d.status_label], ["负责单位", d.unit_name], ["求助人", d.name],
      ["电话", d.phone], ["关系", d.relation], ["一线人员", { no: "否", personnel: "一线人员", family: "一线人员家属" }[d.frontline]],
      ["方便联系", d.contact_time], ["渠道", d.channel === "hotline" ? "12351 热线（" + (d.operator_name || d.operator || "") + "）" : d.channel],
      ["提交时间", local(d.created_at)], ["应答期限", (d.overdue ? "已逾期 " : "") + local(d.due_at)],
      ["心理咨询师", d.counsellor_name || d.counsellor], ["回电次数", d.callback_attempts || null], ["办理结果", d.outcome],
      ["不予受理理由", d.reason], ["给求助人的答复", d.public_message]]
      .forEach(function (p) {
        if (p[1] === null || p[1] === undefined || p[1] === "") return;
        dl.appendChild(el("dt", "", p[0])); dl.appendChild(el("dd", "", p[1]));
      });
    panel.appendChild(dl);
    panel.appendChild(el("h3", "", "需要什么帮助"));
    panel.appendChild(el("p", "ws-support__description", d.description));
    var status = el("p", "ws-staff__status"); status.setAttribute("role", "status"); status.dataset.role = "detail-status";
    var canWork = has(me, ACT) || (has(me, ["counsellor"]) && d.counsellor === me.id);

    if (canWork && d.allowed_transitions.length) {
      var f = el("form", "ws-sform"); f.noValidate = true; f.setAttribute("aria-label", "变更状态");
      f.appendChild(el("h3", "", "变更状态"));
      var fs = el("div", "ws-field");
      var lab = el("label", "", "变更为"); lab.htmlFor = "support-to";
      var sel = el("select"); sel.id = "support-to"; sel.name = "to";
      d.allowed_transitions.forEach(function (s) { var o = el("option", "", ACTIONS[s] + "（" + statusLabel(s) + "）"); o.value = s; sel.appendChild(o); });
      fs.appendChild(lab); fs.appendChild(sel); f.appendChild(fs);
      [["outcome", "办理结果（办结或关闭时必填，仅工作人员可见）"], ["reason", "不予受理的理由"], ["public_message", "给求助人的答复（求助人查询进度时可见）"]]
        .forEach(function (p) {
          var w = el("div", "ws-field"); var l = el("label", "", p[1]); l.htmlFor = "support-" + p[0];
          var t = el("textarea"); t.id = "support-" + p[0]; t.name = p[0]; t.maxLength = 500; t.rows = 2;
          w.appendChild(l); w.appendChild(t); f.appendChild(w);
        });
      var go = el("button", "ws-submit", "确认变更"); go.type = "submit"; f.appendChild(go);
      f.addEventListener("submit", async function (ev) {
        ev.preventDefault();
        var body = formBody(f); body.version = d.version;
        var r = await call("POST", "/staff/support/requests/" + d.reference + "/transitions", body);
        if (r.ok) { reload(d.reference, "已变更为：" + r.body.status_label); }
        else { showErrors(f, r.body); status.textContent = problemText(r.body); status.classList.add("ws-support__error"); }
      });
      panel.appendChild(f);
    }
    if (canWork) {
      var nf = el("form", "ws-sform"); nf.noValidate = true; nf.setAttribute("aria-label", "添加备注");
      nf.appendChild(el("h3", "", "备注（仅工作人员可见）"));
      var nw = el("div", "ws-field"); var nl = el("label", "", "备注"); nl.htmlFor = "support-note";
      var nt = el("textarea"); nt.id = "support-note"; nt.name = "text"; nt.maxLength = 500; nt.rows = 2; nt.required = true;
      nw.appendChild(nl); nw.appendChild(nt); nf.appendChild(nw);
      var nb = el("button", "ws-submit", "添加备注"); nb.type = "submit"; nf.appendChild(nb);
      var key = uuid();
      nf.addEventListener("submit", async function (ev) {
        ev.preventDefault();
        var r = await call("POST", "/staff/support/requests/" + d.reference + "/notes", { text: nt.value.trim() }, key);
        if (r.ok) { key = uuid(); reload(d.reference, "备注已添加"); }
        else { showErrors(nf, r.body); status.textContent = problemText(r.body); }
      });
      panel.appendChild(nf);
    }
    if (has(me, ACT) && d.allowed_transitions.length) {
      var af = el("form", "ws-sform"); af.noValidate = true; af.setAttribute("aria-label", "改派");
      af.appendChild(el("h3", "", "改派到本单位或下级单位"));
      var aw = el("div", "ws-field"); var al = el("label", "", "改派到"); al.htmlFor = "support-unit";
      var as = el("select"); as.id = "support-unit"; as.name = "unit_id";
      (box._units || []).forEach(function (u) {
        if (u.id === d.unit_id) return;
        var o = el("option", "", "\u3000".repeat(Math.max(0, u.depth - box._depth)) + u.name); o.value = u.id; as.appendChild(o);
      });
      aw.appendChild(al); aw.appendChild(as); af.appendChild(aw);
      var ab = el("button", "ws-submit", "改派"); ab.type = "submit"; af.appendChild(ab);
      af.addEventListener("submit", async function (ev) {
        ev.preventDefault();
        var r = await call("POST", "/staff/support/requests/" + d.reference + "/assignment", { unit_id: as.value, version: d.version });
        if (r.ok) reload(d.reference, "已改派到：" + r.body.unit_name); else status.textContent = problemText(r.body);
      });
      panel.appendChild(af);
      if (d.category === "psychological") {
        var cf = el("form", "ws-sform"); cf.noValidate = true; cf.setAttribute("aria-label", "指派心理咨询师");
        cf.appendChild(el("h3", "", "指派心理咨询师"));
        var cw = el("div", "ws-field"); var cl = el("label", "", "心理咨询师"); cl.htmlFor = "support-counsellor";
        var cs = el("select"); cs.id = "support-counsellor"; cs.name = "username";
        var none = el("option", "", "（不指派）"); none.value = ""; cs.appendChild(none);
        cw.appendChild(cl); cw.appendChild(cs); cf.appendChild(cw);
        call("GET", "/staff/support/counsellors").then(function (r) {
          ((r.body && r.body.items) || []).forEach(function (c) {
            if (!c.active) return;
            var o = el("option", "", c.name + " · " + c.qualification + " · " + c.availability + " · 在办 " + c.open_cases);
            o.value = c.username; o.selected = c.username === d.counsellor; cs.appendChild(o);
          });
        });
        var cb = el("button", "ws-submit", "指派"); cb.type = "submit"; cf.appendChild(cb);
        cf.addEventListener("submit", async function (ev) {
          ev.preventDefault();
          var r = await call("POST", "/staff/support/requests/" + d.reference + "/counsellor",
            { username: cs.value || null, version: d.version });
          if (r.ok) reload(d.reference, "已指派"); else status.textContent = problemText(r.body);
        });
        panel.appendChild(cf);
      }
    }
    panel.appendChild(status);
    panel.appendChild(el("h3", "", "备注"));
    var notes = el("ul", "ws-support__notes");
    d.notes.forEach(function (n) { notes.appendChild(el("li", "", local(n.at) + " " + (n.author_name || n.author) + "：" + n.text)); });
    if (!d.notes.length) notes.appendChild(el("li", "", "暂无备注"));
    panel.appendChild(notes);
    panel.appendChild(el("h3", "", "办理记录"));
    var hist = el("ol", "ws-support__history");
    d.history.forEach(function (h) {
      var extra = h.status ? "：" + statusLabel(h.status) : h.unit_id ? "：" + (h.unit_name || h.unit_id) :
        h.counsellor ? "：" + (h.counsellor_name || h.counsellor) : "";
      hist.appendChild(el("li", "", local(h.at) + " " + (h.actor_name || h.actor.replace(/^[a-z]+:/, "")) + " " +
        h.action_label + extra));
    });
    panel.appendChild(hist);
  }

  async function bindQueue(box, me) {
    var unitSel = box.querySelector("#support-unit-select");
    var list = box.querySelector('[data-role="queue"]');
    var more = box.querySelector('[data-role="more"]');
    var filters = box.querySelector("#support-filters");
    var res = await fetch(API + "/units/" + encodeURIComponent(me.unit_id) + "/subtree", { headers: { "Accept": "application/json" } });
    var units = ((await res.json()).items || []);
    box._units = units; box._depth = units.length ? units[0].depth : 0;
    units.forEach(function (u) {
      var o = el("option", "", "\u3000".repeat(u.depth - box._depth) + u.name); o.value = u.id; unitSel.appendChild(o);
    });
    var cursor = null;
    async function open(reference, message) {
      var r = await call("GET", "/staff/support/requests/" + reference);
      if (!r.ok) { say(box, "status", problemText(r.body), true); return; }
      renderDetail(box, me, r.body, async function (ref, msg) { await load(false); await open(ref, msg); });
      if (message) say(box, "detail-status", message);
      box.querySelector('[data-role="detail"]').scrollIntoView();
    }
    async function load(append) {
      var q = new URLSearchParams();
      var f = formBody(filters);
      if (f.status) q.set("status", f.status);
      if (f.category) q.set("category", f.category);
      if (filters.querySelector('[name="overdue"]').checked) q.set("overdue", "1");
      if (append && cursor) q.set("cursor", cursor);
      say(box, "status", "正在加载…");
      var r = await call("GET", "/staff/support/units/" + encodeURIComponent(unitSel.value) + "/queue?" + q.toString());
      if (!r.ok) { say(box, "status", problemText(r.body), true); return; }
      if (!append) list.textContent = "";
      cursor = r.body.next_cursor || null;
      more.hidden = !cursor;
      if (!append && !r.body.items.length) list.appendChild(el("p", "", "没有符合条件的求助。"));
      else list.appendChild(table(r.body.items, open));
      say(box, "status", "");
    }
    async function rollup() {
      var r = await call("GET", "/staff/support/units/" + encodeURIComponent(unitSel.value) + "/rollup");
      var out = box.querySelector('[data-role="rollup"]'); out.textContent = "";
      if (!r.ok) { out.appendChild(el("p", "", problemText(r.body))); return; }
      var t = el("table", "ws-support__table");
      var h = el("tr"); ["单位（含下级）", "合计", "未办结", "各类别（合计/未办结）"].forEach(function (x) { h.appendChild(el("th", "", x)); });
      t.appendChild(h);
      r.body.items.forEach(function (row) {
        var tr = el("tr");
        [row.unit_name, row.total, row.open, row.categories.filter(function (c) { return c.total; })
          .map(function (c) { return c.category_label + " " + c.total + "/" + c.open; }).join("；")]
          .forEach(function (x) { tr.appendChild(el("td", "", x)); });
        t.appendChild(tr);
      });
      out.appendChild(t);
    }
    async function overdue() {
      var r = await call("GET", "/staff/support/units/" + encodeURIComponent(unitSel.value) + "/overdue");
      var out = box.querySelector('[data-role="overdue"]'); out.textContent = "";
      if (!r.ok) { out.appendChild(el("p", "", problemText(r.body))); return; }
      out.appendChild(r.body.items.length ? table(r.body.items, open) : el("p", "", "本单位及下级没有逾期的求助。"));
    }
    async function exportXlsx() {
      var r = await call("GET", "/staff/support/units/" + encodeURIComponent(unitSel.value) + "/export");
      if (!r.ok) { say(box, "status", problemText(r.body), true); return; }
      window.wsStaff.download(r.body);
      say(box, "status", "已导出 " + r.body.rows + " 条");
    }
    unitSel.addEventListener("change", function () { load(false); rollup(); overdue(); });
    filters.addEventListener("change", function () { load(false); });
    filters.addEventListener("submit", function (ev) { ev.preventDefault(); load(false); });
    more.addEventListener("click", function () { load(true); });
    box.querySelector('[data-role="export"]').addEventListener("click", exportXlsx);
    var go = box.querySelector("#support-open");
    go.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var v = go.querySelector("input").value.toUpperCase().replace(/[^0-9A-Z]/g, "");
      if (v.length === 9) open(v.slice(0, 4) + "-" + v.slice(4, 8) + "-" + v.slice(8));
    });
    await Promise.all([load(false), rollup(), overdue()]);
  }

  // --- hotline ---------------------------------------------------------------------------------

  function bindHotline(box) {
    var form = box.querySelector("#hotline-form");
    var key = uuid();
    // The caller's union by name, from the chosen county's part of the (public) union tree.
    var county = form.querySelector('[name="county_unit_id"]');
    var unitSel = form.querySelector('[name="unit_id"]');
    async function fillUnits() {
      var chosen = county.value;
      while (unitSel.options.length > 1) unitSel.remove(1);
      if (!chosen) return;
      var res = await fetch(API + "/units/" + encodeURIComponent(chosen) + "/subtree", { headers: { "Accept": "application/json" } });
      if (!res.ok || chosen !== county.value) return;
      ((await res.json()).items || []).forEach(function (u) {
        if (u.id === chosen) return;
        var o = el("option", "", u.name); o.value = u.id; unitSel.appendChild(o);
      });
    }
    county.addEventListener("change", fillUnits);
    fillUnits();
    var phone = form.querySelector('[name="phone"]');
    var history = box.querySelector('[data-role="history"]');
    async function lookup() {
      var v = phone.value.replace(/\D/g, "");
      if (v.length !== 11) return;
      var r = await call("POST", "/staff/support/hotline/caller-history", { phone: v });
      history.textContent = "";
      if (!r.ok) { history.appendChild(el("p", "", problemText(r.body))); return; }
      history.appendChild(el("p", "", "来电 " + r.body.phone + " 以往的求助：" + (r.body.items.length ? "" : "没有")));
      var ul = el("ul");
      r.body.items.forEach(function (i) {
        ul.appendChild(el("li", "", i.reference + " · " + i.category_label + " · " + i.status_label + " · " + i.unit_name + " · " + local(i.created_at)));
      });
      history.appendChild(ul);
    }
    var intakes = myIntakes(box);
    phone.addEventListener("blur", lookup);
    phone.addEventListener("input", function () { if (phone.value.replace(/\D/g, "").length === 11) lookup(); });
    form.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); form.requestSubmit(); }
    });
    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      var body = formBody(form);
      say(box, "result", "正在提交…");
      var r = await call("POST", "/staff/support/hotline/intake", body, key);
      if (!r.ok) {
        showErrors(form, r.body);
        say(box, "result", problemText(r.body), true);
        if (r.status === 400 || r.status === 422) key = uuid();
        var bad = form.querySelector('[aria-invalid="true"]'); if (bad) bad.focus();
        return;
      }
      key = uuid();
      var out = box.querySelector('[data-role="result"]');
      out.textContent = "";
      out.classList.remove("ws-support__error");
      out.appendChild(el("span", "", "已登记，请把查询编号读给来电人："));
      out.appendChild(el("strong", "ws-support__reference", r.body.reference));
      out.appendChild(el("span", "", "（" + r.body.unit_name + "办理，" + local(r.body.due_at) + "前联系）"));
      out.focus();
      form.reset();
      fillUnits();
      history.textContent = "";
      intakes();
    });
  }

  // The calls this operator has taken, newest first, each with its reference and where it stands.
  function myIntakes(box) {
    var holder = box.querySelector('[data-role="intakes"]');
    async function load() {
      var r = await call("GET", "/staff/support/hotline/intakes");
      holder.textContent = "";
      if (!r.ok) { holder.appendChild(el("p", "", problemText(r.body))); return; }
      if (!r.body.items.length) { holder.appendChild(el("p", "", "还没有登记过来电。")); return; }
      var ul = el("ul", "ws-support__intakes");
      r.body.items.forEach(function (i) {
        ul.appendChild(el("li", "", i.reference + " · " + local(i.created_at) + " · " + i.name + " · " + i.category_label +
          " · " + i.status_label + " · " + (i.unit_name || "") + (i.overdue ? " · 已逾期" : "")));
      });
      holder.appendChild(ul);
    }
    load();
    return load;
  }

  // --- counsellor ------------------------------------------------------------------------------

  async function bindCounsellor(box, me) {
    var r = await call("GET", "/staff/support/counsellor/cases");
    var list = box.querySelector('[data-role="queue"]');
    list.textContent = "";
    if (!r.ok) { list.appendChild(el("p", "", problemText(r.body))); return; }
    async function open(reference, message) {
      var d = await call("GET", "/staff/support/requests/" + reference);
      if (!d.ok) return;
      renderDetail(box, me, d.body, async function (ref, msg) { await open(ref, msg); });
      if (message) say(box, "detail-status", message);
    }
    list.appendChild(r.body.items.length ? table(r.body.items, open) : el("p", "", "目前没有指派给您的求助。"));
  }

  async function bind(box) {
    if (box.dataset.wsBound) return;
    box.dataset.wsBound = "1";
    var root = box.dataset.root || "../";
    try {
      var me = await call("GET", "/me");
      if (!me.ok) throw new SignedOut();
      var body = box.querySelector(".ws-support__body");
      var loading = box.querySelector(".ws-support__loading");
      if (loading) loading.remove();
      body.hidden = false;
      var kind = box.dataset.wsSupport;
      if (kind === "queue") await bindQueue(box, me.body);
      else if (kind === "hotline") bindHotline(box);
      else if (kind === "counsellor") await bindCounsellor(box, me.body);
    } catch (e) {
      if (e && e.signedOut) signInPrompt(box, root); else throw e;
    }
  }
  function bindAll() { document.querySelectorAll(".ws-support").forEach(bind); }
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(bindAll);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", bindAll);
  else bindAll();
})();
