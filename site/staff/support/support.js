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
      if (!f.name || f.name === "website" || f.disabled) return;
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
  // A request's address is this page with ?ref=<reference> (after the queue's filters: unit,
  // status, category, overdue); wsStaff.route draws the queue or the request from the address.

  // The overdue list spans the units under the chosen one, so it names each request's unit.
  var QUEUE_HEADS = ["编号", "类别", "状态", "求助人", "电话", "提交时间", "应答期限"];
  var SUBTREE_HEADS = ["编号", "办理单位", "类别", "状态", "求助人", "电话", "提交时间", "应答期限"];

  function row(item, withUnit) {
    var tr = el("tr");
    if (item.overdue) tr.className = "ws-support__overdue";
    tr.dataset.reference = item.reference;
    var ref = el("td");
    ref.appendChild(window.wsStaff.route.link(item.reference, { ref: item.reference }));
    window.wsStaff.demoBadge(ref, item);
    tr.appendChild(ref);
    var cells = [item.category_label, item.status_label + (item.callback_attempts ? "（回电 " + item.callback_attempts + " 次）" : ""),
      item.name, item.phone, local(item.created_at), (item.overdue ? "已逾期 " : "") + local(item.due_at)];
    if (withUnit) cells.unshift(item.unit_name || item.unit_id);
    var heads = withUnit ? SUBTREE_HEADS : QUEUE_HEADS;
    cells.forEach(function (t, i) { var td = el("td", "", t); td.dataset.label = heads[i + 1]; tr.appendChild(td); });
    return tr;
  }
  function table(items, withUnit) {
    var t = el("table", "ws-support__table ws-support__queue");
    var head = el("tr");
    (withUnit ? SUBTREE_HEADS : QUEUE_HEADS).forEach(function (h) { var th = el("th", "", h); th.scope = "col"; head.appendChild(th); });
    var thead = el("thead"); thead.appendChild(head); t.appendChild(thead);
    var tbody = el("tbody");
    items.forEach(function (i) { tbody.appendChild(row(i, withUnit)); });
    t.appendChild(tbody);
    return t;
  }

  // A paged table of requests in the box's parts named by roles ({list, more, status}: the table's
  // place, its 加载更多 button, its status line): each answer's rows after those shown (none twice),
  // 加载更多 only while the answer gives a next_cursor. The function returned loads a list's first
  // page (the button the ones after); an answer that arrives after a newer load started is dropped.
  function pagedRequests(box, roles, empty, withUnit) {
    var out = box.querySelector('[data-role="' + roles.list + '"]');
    var more = box.querySelector('[data-role="' + roles.more + '"]');
    var path = null, cursor = null, gen = 0, shown = {};
    async function page(append) {
      var mine = append ? gen : ++gen;
      if (!append) { cursor = null; more.hidden = true; }
      say(box, roles.status, "正在加载…");
      var r = await call("GET", path + (append ? (path.indexOf("?") < 0 ? "?" : "&") + "cursor=" +
        encodeURIComponent(cursor) : ""));
      if (mine !== gen) return;  // the unit or filters changed meanwhile: a newer answer is on its way
      if (!r.ok) { say(box, roles.status, problemText(r.body), true); return; }
      if (!append) { out.textContent = ""; shown = {}; }
      var fresh = r.body.items.filter(function (i) { return !shown[i.reference]; });
      fresh.forEach(function (i) { shown[i.reference] = true; });
      cursor = r.body.next_cursor || null;
      var body = out.querySelector("tbody");
      if (!append && !fresh.length) out.appendChild(el("p", "ws-staff__empty", empty));
      else if (body) fresh.forEach(function (i) { body.appendChild(row(i, withUnit)); });
      else out.appendChild(table(fresh, withUnit));
      more.hidden = !cursor;
      say(box, roles.status, "");
    }
    more.addEventListener("click", function () {
      more.disabled = true;
      page(true).then(function () { more.disabled = false; });
    });
    return function (first) { path = first; return page(false); };
  }

  // Which fields of the status form a chosen change asks for.
  var STATUS_FIELDS = {
    outcome: ["resolved", "closed"],
    reason: ["rejected"]
  };

  function unitName(box, id) {
    var u = (box._units || []).filter(function (x) { return x.id === id; })[0];
    return u ? u.name : "其他单位";
  }

  function describe(box, h) {
    if (h.status) return h.action_label + "：" + statusLabel(h.status);
    if (h.action === "support.assign" && h.unit_id) return h.action_label + "：" + (h.unit_name || unitName(box, h.unit_id));
    if (h.action === "support.counsellor") return h.action_label + "：" + (h.counsellor_name || h.counsellor || "不指派");
    return h.action_label;
  }

  function renderDetail(box, me, d, reload, listChanges) {
    var W = window.wsStaff;
    var panel = box.querySelector('[data-role="detail"]');
    panel.textContent = "";
    panel.appendChild(W.route.back("返回求助队列", listChanges));
    var channel = W.labels("supportChannels")[d.channel] || d.channel;
    if (d.channel === "hotline" && d.operator) channel += "（接线员 " + (d.operator_name || d.operator) + "）";
    var card = W.summaryCard("求助 " + d.reference, d.status_label, [
      ["类别", d.category_label], ["负责单位", d.unit_name], ["求助人", d.name],
      ["电话", d.phone], ["关系", d.relation], ["一线人员", W.labels("frontline")[d.frontline]],
      ["方便联系", d.contact_time], ["渠道", channel],
      ["提交时间", local(d.created_at)], ["应答期限", (d.overdue ? "已逾期 " : "") + local(d.due_at)],
      ["心理咨询师", d.counsellor_name || d.counsellor], ["回电次数", d.callback_attempts || null], ["办理结果", d.outcome],
      ["不予受理理由", d.reason], ["给求助人的答复", d.public_message]], d);
    if (d.overdue) card.classList.add("ws-summary--alert");
    card.appendChild(el("h3", "", "需要什么帮助"));
    card.appendChild(el("p", "ws-support__description", d.description));
    panel.appendChild(card);
    var status = el("p", "ws-staff__status"); status.setAttribute("role", "status"); status.dataset.role = "detail-status";
    var canWork = has(me, ACT) || (has(me, ["counsellor"]) && d.counsellor === me.id);
    var actions = el("div", "ws-actions");

    if (canWork && d.allowed_transitions.length) {
      var f = el("form", "ws-sform"); f.noValidate = true; f.setAttribute("aria-label", "变更状态");
      f.appendChild(el("h3", "", "变更状态"));
      var fs = el("div", "ws-field");
      var lab = el("label", "", "变更为"); lab.htmlFor = "support-to";
      var sel = el("select"); sel.id = "support-to"; sel.name = "to";
      d.allowed_transitions.forEach(function (s) { var o = el("option", "", ACTIONS[s] + "（" + statusLabel(s) + "）"); o.value = s; sel.appendChild(o); });
      fs.appendChild(lab); fs.appendChild(sel); f.appendChild(fs);
      var extra = {};
      [["outcome", "办理结果（办结或关闭时必填，仅工作人员可见）"], ["reason", "不予受理的理由"], ["public_message", "给求助人的答复（查询进度时可见，办结或关闭时以短信发给求助人）"]]
        .forEach(function (p) {
          var w = el("div", "ws-field"); var l = el("label", "", p[1]); l.htmlFor = "support-" + p[0];
          var t = el("textarea"); t.id = "support-" + p[0]; t.name = p[0]; t.maxLength = 500; t.rows = 3;
          w.appendChild(l); w.appendChild(t); f.appendChild(w);
          extra[p[0]] = { wrap: w, input: t };
        });
      // Only the fields the chosen change takes are shown (and sent).
      var fit = function () {
        Object.keys(STATUS_FIELDS).forEach(function (name) {
          var on = STATUS_FIELDS[name].indexOf(sel.value) >= 0;
          extra[name].wrap.hidden = !on;
          extra[name].input.disabled = !on;
          extra[name].input.required = on;
        });
      };
      sel.addEventListener("change", fit);
      fit();
      var go = el("button", "ws-submit", "确认变更"); go.type = "submit"; f.appendChild(go);
      f.addEventListener("submit", async function (ev) {
        ev.preventDefault();
        var body = formBody(f); body.version = d.version;
        var r = await call("POST", "/staff/support/requests/" + d.reference + "/transitions", body);
        if (r.ok) { reload("已变更为：" + r.body.status_label); }
        else { showErrors(f, r.body); status.textContent = problemText(r.body); status.classList.add("ws-support__error"); }
      });
      actions.appendChild(f);
    }
    if (canWork) {
      var nf = el("form", "ws-sform"); nf.noValidate = true; nf.setAttribute("aria-label", "添加备注");
      nf.appendChild(el("h3", "", "添加备注（仅工作人员可见）"));
      var nw = el("div", "ws-field"); var nl = el("label", "", "备注"); nl.htmlFor = "support-note";
      var nt = el("textarea"); nt.id = "support-note"; nt.name = "text"; nt.maxLength = 500; nt.rows = 3; nt.required = true;
      nw.appendChild(nl); nw.appendChild(nt); nf.appendChild(nw);
      var nb = el("button", "ws-submit", "添加备注"); nb.type = "submit"; nf.appendChild(nb);
      var key = uuid();
      nf.addEventListener("submit", async function (ev) {
        ev.preventDefault();
        var r = await call("POST", "/staff/support/requests/" + d.reference + "/notes", { text: nt.value.trim() }, key);
        if (r.ok) { key = uuid(); reload("备注已添加"); }
        else { showErrors(nf, r.body); status.textContent = problemText(r.body); }
      });
      actions.appendChild(nf);
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
        if (r.ok) reload("已改派到：" + r.body.unit_name); else status.textContent = problemText(r.body);
      });
      if (as.options.length) actions.appendChild(af);
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
          if (r.ok) reload("已指派"); else status.textContent = problemText(r.body);
        });
        actions.appendChild(cf);
      }
    }
    if (actions.children.length) {
      panel.appendChild(el("h3", "ws-section-title", "办理"));
      panel.appendChild(actions);
    }
    panel.appendChild(status);
    panel.appendChild(el("h3", "ws-section-title", "备注"));
    var notes = el("ul", "ws-support__notes");
    d.notes.forEach(function (n) { notes.appendChild(el("li", "", local(n.at) + " " + (n.author_name || W.actorLabel(n.author)) + "：" + n.text)); });
    if (!d.notes.length) notes.appendChild(el("li", "", "暂无备注"));
    panel.appendChild(notes);
    panel.appendChild(el("h3", "ws-section-title", "办理记录"));
    panel.appendChild(W.historyList(d.history, function (h) { return describe(box, h); }));
    panel.appendChild(el("h3", "ws-section-title", "发给求助人的短信"));
    var msgs = el("div", "ws-support__messages"); msgs.dataset.role = "messages";
    panel.appendChild(msgs);
    W.messageHistory(msgs, "/staff/support/requests/" + d.reference, canWork && function (id, key) {
      return call("POST", "/staff/support/requests/" + d.reference + "/messages/" + encodeURIComponent(id) + "/resend", null, key);
    }, function (text) { status.textContent = text; });
  }

  // The request an address names, drawn into the detail panel; false when it cannot be shown.
  async function showRequest(box, me, reference, listChanges, message) {
    var panel = box.querySelector('[data-role="detail"]');
    var r = await call("GET", "/staff/support/requests/" + encodeURIComponent(reference));
    if (!r.ok) {
      panel.textContent = "";
      panel.appendChild(window.wsStaff.route.back("返回求助队列", listChanges));
      panel.appendChild(el("h2", "", "求助 " + reference));
      panel.appendChild(el("p", "ws-support__error", problemText(r.body)));
      return;
    }
    renderDetail(box, me, r.body, function (msg) {
      box._listKey = null;  // the queue shows the change when the person goes back to it
      return showRequest(box, me, reference, listChanges, msg);
    }, listChanges);
    if (message) say(box, "detail-status", message);
  }

  function reference(text) {
    var v = String(text || "").toUpperCase().replace(/[^0-9A-Z]/g, "");
    return v.length === 9 ? v.slice(0, 4) + "-" + v.slice(4, 8) + "-" + v.slice(8) : null;
  }

  async function bindQueue(box, me) {
    var W = window.wsStaff;
    var unitSel = box.querySelector("#support-unit-select");
    var filters = box.querySelector("#support-filters");
    var res = await fetch(API + "/units/" + encodeURIComponent(me.unit_id) + "/subtree", { headers: { "Accept": "application/json" } });
    var units = ((await res.json()).items || []);
    box._units = units; box._depth = units.length ? units[0].depth : 0;
    units.forEach(function (u) {
      var o = el("option", "", "\u3000".repeat(u.depth - box._depth) + u.name); o.value = u.id; unitSel.appendChild(o);
    });
    var FILTERS = ["unit", "status", "category", "overdue"];
    var queue = pagedRequests(box, { list: "queue", more: "more", status: "status" }, "没有符合条件的求助。", false);
    var overdueList = pagedRequests(box, { list: "overdue", more: "overdue-more", status: "overdue-status" },
      "本单位及下级没有逾期的求助。", true);

    // The filters as the address holds them, and the address's filters put into the controls.
    function chosen() {
      var f = formBody(filters);
      return { unit: unitSel.value === me.unit_id ? null : unitSel.value, status: f.status || null,
        category: f.category || null, overdue: filters.querySelector('[name="overdue"]').checked };
    }
    function listChanges() { return { ref: null }; }
    function setControls(params) {
      var unit = params.get("unit");
      unitSel.value = unit && units.some(function (u) { return u.id === unit; }) ? unit : me.unit_id;
      filters.querySelector('[name="status"]').value = params.get("status") || "";
      filters.querySelector('[name="category"]').value = params.get("category") || "";
      filters.querySelector('[name="overdue"]').checked = params.get("overdue") === "1";
    }

    function load() {
      var c = chosen();
      var q = new URLSearchParams();
      if (c.status) q.set("status", c.status);
      if (c.category) q.set("category", c.category);
      if (c.overdue) q.set("overdue", "1");
      return queue("/staff/support/units/" + encodeURIComponent(unitSel.value) + "/queue" +
        (q.toString() ? "?" + q.toString() : ""));
    }
    // Roll-up rows come a page of units at a time: 加载更多 follows the answer's cursor while it gives one.
    var rollupGen = 0;
    async function rollup(cursor, t) {
      var mine = cursor ? rollupGen : ++rollupGen;
      var r = await call("GET", "/staff/support/units/" + encodeURIComponent(unitSel.value) + "/rollup" +
        (cursor ? "?cursor=" + encodeURIComponent(cursor) : ""));
      if (mine !== rollupGen) return;  // another unit was chosen meanwhile
      var out = box.querySelector('[data-role="rollup"]');
      var more = out.querySelector(".ws-more");
      if (more) more.remove();
      if (!r.ok) { out.appendChild(el("p", "", problemText(r.body))); return; }
      if (!t) {
        out.textContent = "";
        t = el("table", "ws-support__table");
        var h = el("tr"); ["单位（含下级）", "合计", "未办结", "各类别（合计/未办结）"].forEach(function (x) { h.appendChild(el("th", "", x)); });
        t.appendChild(h);
        out.appendChild(t);
      }
      r.body.items.forEach(function (row) {
        var tr = el("tr");
        [row.unit_name, row.total, row.open, row.categories.filter(function (c) { return c.total; })
          .map(function (c) { return c.category_label + " " + c.total + "/" + c.open; }).join("；")]
          .forEach(function (x) { tr.appendChild(el("td", "", x)); });
        t.appendChild(tr);
      });
      if (r.body.next_cursor) {
        var next = el("button", "ws-submit ws-more", "加载更多");
        next.type = "button";
        next.onclick = function () { next.disabled = true; rollup(r.body.next_cursor, t); };
        out.appendChild(next);
      }
    }
    function overdue() { return overdueList("/staff/support/units/" + encodeURIComponent(unitSel.value) + "/overdue"); }
    async function exportXlsx() {
      var r = await call("GET", "/staff/support/units/" + encodeURIComponent(unitSel.value) + "/export");
      if (!r.ok) { say(box, "status", problemText(r.body), true); return; }
      window.wsStaff.download(r.body);
      say(box, "status", "已导出 " + r.body.rows + " 条");
    }
    // The list is loaded again only when its filters differ from the ones it shows (coming back
    // from a request keeps the rows loaded and the place in them).
    async function draw(params) {
      setControls(params);
      var ref = params.get("ref");
      var key = JSON.stringify(chosen());
      var work = [];
      if (key !== box._listKey) {
        var unitChanged = !box._listKey || JSON.parse(box._listKey).unit !== chosen().unit;
        box._listKey = key;
        work.push(load());
        if (unitChanged) work.push(rollup(), overdue());
      }
      W.route.view(box, !!ref);
      if (ref) work.push(showRequest(box, me, ref, listChanges()));
      await Promise.all(work);
    }
    function refilter() { W.route.go(chosen(), true); }
    unitSel.addEventListener("change", refilter);
    filters.addEventListener("change", refilter);
    filters.addEventListener("submit", function (ev) { ev.preventDefault(); refilter(); });
    box.querySelector('[data-role="export"]').addEventListener("click", exportXlsx);
    var go = box.querySelector("#support-open");
    go.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var v = reference(go.querySelector("input").value);
      if (v) W.route.go({ ref: v });
      else say(box, "status", "请输入完整的查询编号，例如 ZF7K-3QW9-M", true);
    });
    await W.route.follow(box, draw);
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
      var v = phone.value.replace(/[^\d-]/g, "");
      if (!/^(1\d{10}|0\d{2,3}-?\d{7,8})$/.test(v)) return;
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
    phone.addEventListener("input", function () { if (/^1\d{10}$/.test(phone.value.replace(/\D/g, ""))) lookup(); });
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
    var W = window.wsStaff;
    var list = box.querySelector('[data-role="queue"]');
    async function load() {
      var r = await call("GET", "/staff/support/counsellor/cases");
      list.textContent = "";
      if (!r.ok) { list.appendChild(el("p", "", problemText(r.body))); return; }
      list.appendChild(r.body.items.length ? table(r.body.items) : el("p", "ws-staff__empty", "目前没有指派给您的求助。"));
    }
    async function draw(params) {
      var ref = params.get("ref");
      var work = [];
      if (box._listKey !== "cases") { box._listKey = "cases"; work.push(load()); }
      W.route.view(box, !!ref);
      if (ref) work.push(showRequest(box, me, ref, { ref: null }));
      await Promise.all(work);
    }
    await W.route.follow(box, draw);
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
