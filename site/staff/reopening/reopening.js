/*
 * reopening.js: the workbench page for reopening firms (site/staff/reopening/): review of firms'
 * registrations and their job openings, and the unit's sessions (job fairs, training courses,
 * return-to-work shuttles) with their registrations, waitlists, attendance and xlsx export; each
 * firm, opening and session shows its history, and each firm, opening and registration the text
 * messages sent about it, with an audited resend.
 * It uses the helpers staff.js shares as window.wsStaff (session, API calls, forms, lists).
 * Data is rendered with textContent only.
 */
(function () {
  "use strict";

  var TEXT = {
    noFirms: "没有这类企业登记。",
    interested: "导出有意向的求职者（xlsx）",
    noOpenings: "没有待审核的招聘岗位。",
    noSessions: "这个单位还没有开设场次。",
    noRegistrations: "没有这类报名。",
    approve: "审核通过",
    reject: "不通过",
    reason: "不通过的理由（单位可以看到）",
    sendReject: "确认不通过",
    approved: "已通过：{n}",
    rejected: "已退回：{n}",
    close: "停止报名",
    reopen: "重新开放报名",
    confirmClose: "确定停止 {n} 的报名？已报名的人不受影响。",
    roster: "查看报名",
    export: "导出名单（xlsx）",
    capacity: "调整名额",
    capacityLabel: "新的名额（不少于已确认人数）",
    save: "保存",
    attended: "登记到场",
    absent: "改为未到场",
    cancelFor: "代为取消",
    confirmCancel: "确定代 {n} 取消报名？候补第一位会自动递补。",
    created: "场次已开设：{n}",
    change: "修改时间地点",
    saveChange: "保存并通知报名人",
    changed: "时间地点已修改，已确认和候补的报名人会收到短信",
    cancelSession: "取消场次",
    cancelReason: "取消原因（报名人会在短信里看到）",
    confirmCancelSession: "确认取消（不能恢复；已确认和候补的 {n} 人会收到短信）",
    sendCancel: "确认取消场次",
    sessionCancelled: "场次已取消，已确认和候补的报名人会收到短信",
    messages: "短信记录"
  };

  // "2030-03-01T01:00:00Z" -> "2030-03-01T09:00", what a datetime-local field in Beijing time shows.
  function localBeijing(iso) {
    var t = Date.parse(iso || "");
    return isNaN(t) ? "" : new Date(t + 8 * 3600 * 1000).toISOString().slice(0, 16);
  }

  function channel(tag) {
    return tag === "portal" ? "服务平台网页" : "合作应用（" + tag + "）";
  }

  function fmt(text, n) { return window.wsStaff.fmt(text, n); }

  // "2030-03-01T09:00" typed in Beijing time -> "2030-03-01T09:00:00+08:00".
  function beijing(local) { return window.wsStaff.beijing(local); }

  function download(file) { window.wsStaff.download(file); }

  async function bind(box, ws) {
    var ctx = await ws.adminPage(box, "reopening");
    if (!ctx) return;
    var el = ws.el, body = ctx.body, canWrite = ctx.canWrite;
    var select = body.querySelector("#ro-unit");
    var current = ctx.me.unit_id;
    var units = {};
    var firmsBox = body.querySelector('[data-role="firms"]');
    var openingsBox = body.querySelector('[data-role="openings"]');
    var sessionsBox = body.querySelector('[data-role="sessions"]');
    var roster = body.querySelector('[data-role="roster"]');
    var rosterStatus = body.querySelector("#ro-roster-status");
    var firmStatus = body.querySelector("#ro-firm-status");
    var shown = null;  // the session whose registrations are listed

    function page(path, cursor) {
      return ws.api("GET", path + (cursor ? (path.indexOf("?") < 0 ? "?" : "&") + "cursor=" +
        encodeURIComponent(cursor) : ""));
    }

    // Approve at once; reject only with a reason, asked for in place.
    function reviewActions(holder, path, item, onDone) {
      if (!canWrite) return;
      var actions = el("div", "ws-record__actions");
      var out = el("p", "ws-staff__status");
      out.setAttribute("role", "status");
      var yes = ws.button(TEXT.approve, "ws-button");
      var no = ws.button(TEXT.reject, "ws-button ws-button--plain");
      var key = ws.uuid();
      async function send(decision, reason) {
        var r = await ws.api("POST", path, { decision: decision, reason: reason || null, version: item.version }, key);
        if (r.ok) { onDone(fmt(decision === "approve" ? TEXT.approved : TEXT.rejected, r.body.status_label)); return; }
        if (r.status !== 429 && r.status < 500) key = ws.uuid();
        out.textContent = ws.problemText(r.body);
      }
      yes.addEventListener("click", function () { yes.disabled = true; send("approve").then(function () { yes.disabled = false; }); });
      no.addEventListener("click", function () {
        no.hidden = true;
        var f = el("div", "ws-field");
        var id = "ro-reason-" + item.reference;
        var label = el("label", null, TEXT.reason);
        label.htmlFor = id;
        var t = el("textarea");
        t.id = id;
        t.rows = 3;
        t.maxLength = 200;
        var go = ws.button(TEXT.sendReject, "ws-button ws-button--danger");
        go.addEventListener("click", function () { send("reject", t.value.trim()); });
        f.appendChild(label);
        f.appendChild(t);
        f.appendChild(go);
        actions.appendChild(f);
        t.focus();
      });
      actions.appendChild(yes);
      actions.appendChild(no);
      actions.appendChild(out);
      holder.appendChild(actions);
    }

    // Lists: one line of facts per record, its name linking to the record's own address
    // (?firm=, ?opening=, ?session=), where its actions are.
    function renderFirm(f) {
      return ws.recordRow(f.name, { firm: f.reference }, f, [["登记编号", f.reference], ["行业", f.industry_label],
        ["状态", f.status_label], ["登记时间", ws.shanghai(f.created_at)]]);
    }

    function renderOpening(o) {
      return ws.recordRow(o.title + "（" + o.firm_name + "）", { opening: o.reference }, o, [["岗位编号", o.reference],
        ["招聘人数", o.headcount], ["状态", o.status_label], ["提交时间", ws.shanghai(o.created_at)]]);
    }

    // A session's name with its kind in front, unless the title already starts with it.
    function sessionName(s) {
      return s.title.indexOf(s.kind_label) === 0 ? s.title : s.kind_label + "：" + s.title;
    }

    function renderSession(s) {
      var li = ws.recordRow(sessionName(s), { session: s.id }, s, [
        ["时间", ws.shanghai(s.starts_at) + " 至 " + ws.shanghai(s.ends_at)],
        ["名额", s.capacity + "（已确认 " + s.confirmed + "，候补 " + s.waitlisted + "）"], ["状态", s.status_label]]);
      if (s.status !== "open") li.classList.add("ws-record--off");
      return li;
    }

    // --- one record by its address ------------------------------------------------------------

    var panel = body.querySelector('[data-role="detail"]');
    var open = null;  // {kind, id} of the record shown

    function stale() { listed = null; }  // the lists show a change when the person goes back to them

    // The 记录 section of a firm or an opening: each change, who made it, and the reason it was returned.
    function history(entries) {
      section("记录");
      var list = ws.historyList(entries, function (h) { return h.action_label + (h.reason ? "：" + h.reason : ""); });
      list.dataset.role = "history";
      panel.appendChild(list);
    }

    function section(title) {
      panel.appendChild(el("h3", "ws-section-title", title));
    }

    // The 短信记录 section of a record: the texts sent to its phone, their delivery state, a resend
    // (`resend(id, key)`: the record's POST .../messages/{id}/resend).
    function messages(holder, base, resend) {
      var list = el("div", "ws-messages");
      list.dataset.role = "messages";
      holder.appendChild(list);
      ws.messageHistory(list, base, canWrite && resend, function (text) {
        var said = holder.querySelector('[data-role="messages-status"]') || el("p", "ws-staff__status");
        said.setAttribute("role", "status");
        said.dataset.role = "messages-status";
        said.textContent = text;
        holder.insertBefore(said, list);
      });
    }

    function showFirm(f, note) {
      panel.appendChild(ws.summaryCard(f.name, f.status_label, [["登记编号", f.reference],
        ["统一社会信用代码", f.credit_code], ["行业", f.industry_label], ["地址", f.address], ["联系人", f.contact_name],
        ["联系电话", f.contact_phone], ["简介", f.description], ["不通过的理由", f.reason],
        ["登记时间", ws.shanghai(f.created_at)]], f));
      var holder = el("div", "ws-actions");
      if (f.status === "pending") {
        reviewActions(holder, "/staff/firms/" + encodeURIComponent(f.reference) + "/review", f, function (text) {
          stale();
          return openRecord("firm", f.reference, text);
        });
      } else if (f.status === "approved") {
        var xlsx = ws.button(TEXT.interested, "ws-button ws-button--plain");
        xlsx.addEventListener("click", async function () {
          var r = await ws.api("GET", "/staff/firms/" + encodeURIComponent(f.reference) + "/interested/export");
          if (r.ok) download(r.body);
        });
        holder.appendChild(xlsx);
      }
      if (holder.children.length) { section("办理"); panel.appendChild(holder); }
      if (note) say(note);
      history(f.history);
      section(TEXT.messages);
      messages(panel, "/staff/firms/" + encodeURIComponent(f.reference), function (id, key) {
        return ws.api("POST", "/staff/firms/" + encodeURIComponent(f.reference) + "/messages/" + encodeURIComponent(id) + "/resend", undefined, key);
      });
    }

    function showOpening(o, note) {
      panel.appendChild(ws.summaryCard(o.title + "（" + o.firm_name + "）", o.status_label, [["岗位编号", o.reference],
        ["招聘人数", o.headcount], ["工资", o.salary], ["班次", o.shift_label + (o.remote ? "，可远程" : "")],
        ["工作地点", o.place], ["要求", o.requirements], ["有效期至", o.valid_until],
        ["单位审核", o.firm_status === "approved" ? "已通过" : "尚未通过（岗位要等单位通过后才能发布）"],
        ["不通过的理由", o.reason], ["提交时间", ws.shanghai(o.created_at)]], o));
      var firm = el("p");
      firm.appendChild(document.createTextNode("招聘单位："));
      firm.appendChild(ws.route.link(o.firm_name + "（" + o.firm_reference + "）", { opening: null, firm: o.firm_reference }));
      panel.appendChild(firm);
      if (o.status === "pending") {
        var holder = el("div", "ws-actions");
        reviewActions(holder, "/staff/openings/" + encodeURIComponent(o.reference) + "/review", o, function (text) {
          stale();
          return openRecord("opening", o.reference, text);
        });
        if (holder.children.length) { section("办理"); panel.appendChild(holder); }
      }
      if (note) say(note);
      history(o.history);
      section(TEXT.messages);
      messages(panel, "/staff/openings/" + encodeURIComponent(o.reference), function (id, key) {
        return ws.api("POST", "/staff/openings/" + encodeURIComponent(o.reference) + "/messages/" + encodeURIComponent(id) + "/resend", undefined, key);
      });
    }

    function showSession(s, note) {
      panel.appendChild(ws.summaryCard(sessionName(s), s.status_label, [["场次编号", s.id],
        ["主办单位", s.unit_name], ["时间", ws.shanghai(s.starts_at) + " 至 " + ws.shanghai(s.ends_at)],
        ["地点", s.place], ["线上链接", s.online_url], ["名额", s.capacity], ["已确认", s.confirmed],
        ["候补", s.waitlisted], ["剩余名额", s.seats_left],
        ["报名截止", s.registration_closes_at ? ws.shanghai(s.registration_closes_at) : ""], ["联系方式", s.contact],
        ["说明", s.description], ["取消原因", s.cancel_reason]], s));
      var holder = el("div", "ws-actions");
      var tools = el("div", "ws-record__actions");
      var xlsx = ws.button(TEXT.export, "ws-button ws-button--plain");
      xlsx.addEventListener("click", async function () {
        var r = await ws.api("GET", "/staff/sessions/" + encodeURIComponent(s.id) + "/export");
        if (r.ok) download(r.body);
      });
      tools.appendChild(xlsx);
      if (canWrite) {
        if (s.status === "cancelled") {
          // A cancelled session is done with: no action but the export.
        } else if (s.status === "closed") {
          var again = ws.button(TEXT.reopen, "ws-button");
          again.addEventListener("click", async function () {
            var r = await ws.api("POST", "/staff/sessions/" + encodeURIComponent(s.id) + "/reopen", undefined, ws.uuid());
            if (r.ok) { stale(); openRecord("session", s.id, "已重新开放报名"); }
          });
          tools.appendChild(again);
        } else {
          ws.confirmAction(tools, TEXT.close, fmt(TEXT.confirmClose, s.title), async function (key) {
            var r = await ws.api("POST", "/staff/sessions/" + encodeURIComponent(s.id) + "/close", undefined, key);
            if (r.ok) { stale(); openRecord("session", s.id, "已停止报名"); }
            return r;
          });
        }
      }
      var ended = Date.parse(s.ends_at) <= Date.now();
      var forms = [];
      if (canWrite && s.status !== "cancelled" && !ended) {
        forms = [changeForm(s), cancelForm(s)];
        [[TEXT.change, "ws-button ws-button--plain"], [TEXT.cancelSession, "ws-button ws-button--danger"]].forEach(
          function (b, i) {
            var show = ws.button(b[0], b[1]);
            show.setAttribute("aria-expanded", "false");
            show.setAttribute("aria-controls", forms[i].id);
            show.addEventListener("click", function () {
              var opening = forms[i].hidden;
              forms.forEach(function (f) { f.hidden = true; });
              tools.querySelectorAll("[aria-controls]").forEach(function (x) { x.setAttribute("aria-expanded", "false"); });
              forms[i].hidden = !opening;
              show.setAttribute("aria-expanded", String(opening));
              if (opening) forms[i].querySelector("input, textarea").focus();
            });
            tools.appendChild(show);
          });
      }
      holder.appendChild(tools);
      forms.forEach(function (f) { holder.appendChild(f); });
      if (canWrite && s.status !== "cancelled") holder.appendChild(capacityForm(s));
      section("办理");
      panel.appendChild(holder);
      if (note) say(note);
      section("记录");
      var log = el("div", "ws-session-history");
      log.dataset.role = "session-history";
      panel.appendChild(log);
      loadHistory(s, log);
      shown = s;
      roster.querySelector('[data-role="roster-title"]').textContent = "报名名单：" + s.title;
      roster.hidden = false;
      loadRegistrations();
    }

    function say(text) {
      var p = el("p", "ws-staff__status", text);
      p.setAttribute("role", "status");
      p.dataset.role = "detail-status";
      panel.appendChild(p);
    }

    var PATHS = { firm: "/staff/firms/", opening: "/staff/openings/", session: "/staff/sessions/" };
    var SHOW = { firm: showFirm, opening: showOpening, session: showSession };
    var BACK = { firm: "返回企业登记", opening: "返回招聘岗位", session: "返回场次" };

    async function openRecord(kind, id, note) {
      open = { kind: kind, id: id };
      var r = await ws.api("GET", PATHS[kind] + encodeURIComponent(id));
      if (!open || open.kind !== kind || open.id !== id) return;  // another record was asked for meanwhile
      panel.textContent = "";
      roster.hidden = true;
      shown = null;
      var back = {};
      back[kind] = null;
      panel.appendChild(ws.route.back(BACK[kind], back));
      if (!r.ok) { panel.appendChild(el("h2", "", id)); panel.appendChild(el("p", "ws-staff__error", ws.problemText(r.body))); return; }
      SHOW[kind](r.body, note);
    }

    async function loadHistory(s, box) {
      var r = await ws.api("GET", "/staff/sessions/" + encodeURIComponent(s.id) + "/history");
      if (!r.ok) { box.appendChild(el("p", "ws-staff__error", ws.problemText(r.body))); return; }
      box.appendChild(ws.historyList(r.body.items, function (h) {
        return h.action_label + (h.detail ? "：" + h.detail : "");
      }));
    }

    // One labelled field of a form built here (the shared form checks read its attributes).
    function field(form, name, label, control) {
      var f = el("div", "ws-field");
      control.id = form.id + "-" + name;
      control.name = name;
      if (control.type === "checkbox") {  // a box ticked to say yes, its words beside it
        var check = el("label", "ws-check");
        check.appendChild(control);
        check.appendChild(el("span", null, label));
        f.appendChild(check);
      } else {
        var l = el("label", null, label);
        l.htmlFor = control.id;
        f.appendChild(l);
        f.appendChild(control);
      }
      form.appendChild(f);
      return control;
    }

    function input(type, value, attrs) {
      var i = el("input");
      i.type = type;
      if (value) i.value = value;
      Object.keys(attrs || {}).forEach(function (k) { i.setAttribute(k, attrs[k]); });
      return i;
    }

    // A form that changes the session at the version shown (changeForm, cancelForm): hidden until
    // its button opens it; on success the session is read again with the note given.
    function versionForm(s, action, title, submitClass, submitText, fill, payload, note) {
      var form = el("form", "ws-sform");
      form.id = "ro-" + action + "-" + s.id;
      form.hidden = true;
      form.appendChild(el("h4", "ws-sform__title", title));
      fill(form);
      var go = el("button", submitClass, submitText);
      go.type = "submit";
      form.appendChild(go);
      ws.bindWriteForm(form, {
        send: function (data, key) {
          return ws.api("POST", "/staff/sessions/" + encodeURIComponent(s.id) + "/" + action,
            Object.assign({ version: s.version }, payload(data)), key);
        },
        done: function () { stale(); openRecord("session", s.id, note); }
      });
      return form;
    }

    function changeForm(s) {
      return versionForm(s, "change", TEXT.change, "ws-submit", TEXT.saveChange, function (form) {
        field(form, "starts_at", "开始时间", input("datetime-local", localBeijing(s.starts_at), { required: "" }));
        field(form, "ends_at", "结束时间", input("datetime-local", localBeijing(s.ends_at), { required: "" }));
        field(form, "place", "地点（线下）", input("text", s.place, { minlength: "2", maxlength: "120" }));
        field(form, "online_url", "线上链接", input("url", s.online_url, { maxlength: "300", placeholder: "https://" }));
      }, function (data) {
        return { starts_at: beijing(data.starts_at), ends_at: beijing(data.ends_at), place: data.place || null,
                 online_url: data.online_url || null };
      }, TEXT.changed);
    }

    function cancelForm(s) {
      return versionForm(s, "cancel", TEXT.cancelSession, "ws-submit ws-submit--danger", TEXT.sendCancel,
        function (form) {
          var reason = el("textarea");
          reason.rows = 3;
          reason.required = true;
          reason.maxLength = 300;
          field(form, "reason", TEXT.cancelReason, reason);
          field(form, "confirm", fmt(TEXT.confirmCancelSession, s.confirmed + s.waitlisted),
            input("checkbox", "yes", { required: "" }));
        }, function (data) { return { reason: data.reason }; }, TEXT.sessionCancelled);
    }

    function capacityForm(s) {
      var form = el("form", "ws-sform ws-inline");
      form.id = "ro-capacity-" + s.id;
      var f = el("div", "ws-field");
      var label = el("label", null, TEXT.capacityLabel);
      label.htmlFor = form.id + "-value";
      var input = el("input");
      input.type = "text";
      input.id = form.id + "-value";
      input.name = "capacity";
      input.inputMode = "numeric";
      input.required = true;
      input.pattern = "[0-9]{1,6}";
      input.value = String(s.capacity);
      f.appendChild(label);
      f.appendChild(input);
      form.appendChild(f);
      var go = el("button", "ws-submit", TEXT.save);
      go.type = "submit";
      form.appendChild(go);
      ws.bindWriteForm(form, {
        send: function (data, key) {
          return ws.api("POST", "/staff/sessions/" + encodeURIComponent(s.id) + "/capacity",
            { capacity: Number(data.capacity) }, key);
        },
        done: function () { stale(); openRecord("session", s.id, "名额已调整"); }
      });
      return form;
    }

    function renderRegistration(r) {
      var li = el("li", "ws-record");
      li.appendChild(el("h3", "ws-record__title", r.name + (r.waitlist_position ? "（候补第 " + r.waitlist_position + " 位）" : "")));
      li.appendChild(ws.facts([["报名编号", r.reference], ["手机号码", r.phone], ["状态", r.status_label],
        ["渠道", channel(r.channel)], ["报名时间", ws.shanghai(r.created_at)], ["备注", r.note],
        ["到场", r.attended === true ? "已到场" : (r.attended === false ? "未到场" : "")]]));
      var base = "/staff/sessions/" + encodeURIComponent(shown.id) + "/registrations/" + encodeURIComponent(r.reference);
      if (canWrite && r.status !== "cancelled" && shown.status !== "cancelled") {  // a cancelled session's places stay put
        var actions = el("div", "ws-record__actions");
        if (r.status === "confirmed") {
          var mark = ws.button(r.attended ? TEXT.absent : TEXT.attended, "ws-button");
          mark.addEventListener("click", async function () {
            mark.disabled = true;
            var res = await ws.api("POST", base + "/attendance", { attended: !r.attended }, ws.uuid());
            if (res.ok) loadRegistrations(); else mark.disabled = false;
          });
          actions.appendChild(mark);
        }
        ws.confirmAction(actions, TEXT.cancelFor, fmt(TEXT.confirmCancel, r.name), async function (key) {
          var res = await ws.api("POST", base + "/cancel", undefined, key);
          if (res.ok) { stale(); openRecord("session", shown.id, "已代为取消：" + r.name); }
          return res;
        });
        li.appendChild(actions);
      }
      var texts = ws.button(TEXT.messages, "ws-button ws-button--plain");
      texts.setAttribute("aria-expanded", "false");
      texts.addEventListener("click", function () {
        var shownNow = li.querySelector(".ws-record__messages");
        texts.setAttribute("aria-expanded", String(!shownNow));
        if (shownNow) { shownNow.remove(); return; }
        var holder = el("div", "ws-record__messages");
        li.appendChild(holder);
        messages(holder, base, function (id, key) {
          return ws.api("POST", base + "/messages/" + encodeURIComponent(id) + "/resend", undefined, key);
        });
      });
      var row = el("div", "ws-record__actions");
      row.appendChild(texts);
      li.appendChild(row);
      return li;
    }

    function loadRegistrations() {
      var path = "/staff/sessions/" + encodeURIComponent(shown.id) + "/registrations?status=" + rosterStatus.value;
      return ws.pagedList(body.querySelector('[data-role="registrations"]'), function (cursor) {
        return page(path, cursor);
      }, renderRegistration, TEXT.noRegistrations);
    }

    function loadFirms() {
      return ws.pagedList(firmsBox, function (cursor) {
        return page("/staff/units/" + encodeURIComponent(current) + "/firms?status=" + firmStatus.value, cursor);
      }, renderFirm, TEXT.noFirms);
    }

    function loadOpenings() {
      return ws.pagedList(openingsBox, function (cursor) {
        return page("/staff/units/" + encodeURIComponent(current) + "/openings", cursor);
      }, renderOpening, TEXT.noOpenings);
    }

    function loadSessions() {
      return ws.pagedList(sessionsBox, function (cursor) {
        return page("/staff/units/" + encodeURIComponent(current) + "/sessions", cursor);
      }, renderSession, TEXT.noSessions);
    }

    function showUnitName() {
      Array.prototype.forEach.call(body.querySelectorAll('[data-role="unit-name"]'), function (n) {
        n.textContent = units[current] ? units[current].name : current;
      });
    }

    // The address holds the unit (?unit=), the firms' filter (?firms=) and the record open.
    var listed = null;  // "unit firms-filter" the lists show
    async function draw(params) {
      var unit = params.get("unit");
      current = unit && units[unit] ? unit : ctx.me.unit_id;
      select.value = current;
      var filter = params.get("firms");
      firmStatus.value = filter && firmStatus.querySelector('option[value="' + filter + '"]') ? filter : "pending";
      showUnitName();
      var work = [];
      var want = current + " " + firmStatus.value;
      if (listed !== want) {
        var sameUnit = listed && listed.split(" ")[0] === current;
        listed = want;
        work.push(loadFirms());
        if (!sameUnit) work.push(loadOpenings(), loadSessions());
      }
      var kind = ["firm", "opening", "session"].filter(function (k) { return params.get(k); })[0];
      ws.route.view(body, !!kind);
      if (kind) work.push(openRecord(kind, params.get(kind)));
      else { open = null; roster.hidden = true; shown = null; }
      await Promise.all(work);
    }

    select.addEventListener("change", function () {
      ws.route.go({ unit: select.value === ctx.me.unit_id ? null : select.value });
    });
    rosterStatus.addEventListener("change", function () { if (shown) loadRegistrations(); });
    firmStatus.addEventListener("change", function () {
      ws.route.go({ firms: firmStatus.value === "pending" ? null : firmStatus.value }, true);
    });

    var form = body.querySelector("#ro-new-session");
    ws.bindWriteForm(form, {
      send: function (data, key) {
        var payload = Object.assign({}, data, {
          unit_id: current, capacity: Number(data.capacity), starts_at: beijing(data.starts_at),
          ends_at: beijing(data.ends_at), registration_closes_at: beijing(data.registration_closes_at)
        });
        return ws.api("POST", "/staff/sessions", payload, key);
      },
      done: function (s) {
        ws.message(form, "ok", fmt(TEXT.created, s.title || ""), ["场次编号：" + (s.id || "")]);
        listed = null;
        loadSessions();
      }
    });

    var found = await ws.fillUnits(select, ctx.me, body.querySelector('[data-role="units-status"]'), current);
    if (found) units = found;
    await ws.route.follow(body, draw);
  }

  if (window.wsStaff) window.wsStaff.register("reopening", bind);
  else (window.wsStaffPages = window.wsStaffPages || []).push(["reopening", bind]);
})();
