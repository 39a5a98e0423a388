/*
 * recuperation.js: the workbench page for recuperation of frontline medical staff
 * (site/staff/recuperation/). Units see and withdraw their nominations and nominate people of the
 * frontline archive; the city federation sees the city's nominations in priority order, adjusts a
 * priority score with a note, approves or declines, creates batches and places approved people.
 * It uses the helpers staff.js shares as window.wsStaff. Data is rendered with textContent only.
 */
(function () {
  "use strict";

  var TEXT = {
    noNominations: "这个单位及下级单位还没有疗休养推荐（疫情防控任务结束后才能推荐）。",
    noRanking: "没有这类推荐。",
    noBatches: "还没有疗休养批次。",
    withdraw: "撤回推荐",
    confirmWithdraw: "确定撤回对 {n} 的推荐？",
    nominated: "已推荐：{n}",
    approve: "同意",
    decline: "不同意",
    declineNote: "不同意的原因",
    sendDecline: "确认不同意",
    adjust: "调整优先分",
    adjustment: "调整分数（-50 至 50）",
    adjustNote: "调整说明",
    save: "保存",
    place: "按优先顺序安排",
    limit: "本次最多安排的人数（可不填）",
    placed: "本次安排 {n} 人",
    created: "批次已新建：{n}"
  };

  function fmt(text, n) { return window.wsStaff.fmt(text, n); }

  // "2030-05-10T08:00" typed in Beijing time -> "2030-05-10T08:00:00+08:00".
  function beijing(local) { return window.wsStaff.beijing(local); }

  function problemText(r) { return window.wsStaff.problemText(r && r.body); }

  async function bind(box, ws) {
    var ctx = await ws.adminPage(box, "recuperation");
    if (!ctx) return;
    var el = ws.el, body = ctx.body, canWrite = ctx.canWrite;
    var isCity = ctx.me.roles.indexOf("city_admin") >= 0;
    Array.prototype.forEach.call(body.querySelectorAll('[data-needs="city"]'), function (n) { n.hidden = !isCity; });
    var select = body.querySelector("#rc-unit");
    var current = ctx.me.unit_id;
    var nominationsBox = body.querySelector('[data-role="nominations"]');
    var rankingBox = body.querySelector('[data-role="ranking"]');
    var batchesBox = body.querySelector('[data-role="batches"]');
    var rankStatus = body.querySelector("#rc-rank-status");

    function path(id, suffix) {
      return "/staff/recuperation/nominations/" + encodeURIComponent(id) + (suffix ? "/" + suffix : "");
    }

    function say(holder, text) {
      var p = el("p", "ws-staff__status", text);
      p.setAttribute("role", "status");
      holder.insertBefore(p, holder.firstChild);
    }

    function placement(n) {
      if (n.status !== "placed") return [];
      return [["疗休养批次", n.batch_title], ["时间", ws.shanghai(n.batch_starts_at) + " 至 " + ws.shanghai(n.batch_ends_at)],
        ["地点", n.batch_place], ["报名编号（可在门户查询）", n.booking_reference]];
    }

    function scoreText(n) {
      if (!n.adjustment) return String(n.score);
      return n.score + "（岗位和天数 " + n.base_score + "，调整 " + (n.adjustment > 0 ? "+" : "") + n.adjustment +
        (n.adjustment_note ? "：" + n.adjustment_note : "") + "）";
    }

    function renderNomination(n) {
      var li = el("li", "ws-record" + (n.status === "withdrawn" || n.status === "declined" ? " ws-record--off" : ""));
      li.appendChild(el("h3", "ws-record__title", n.name + "（" + n.unit_name + "）"));
      li.appendChild(ws.facts([["状态", n.status_label], ["家庭编号", n.person_id], ["科室和岗位", n.department + " " + n.role],
        ["一线岗位", n.deployment_label], ["一线工作天数", n.days_deployed + (n.days_from_archive ? "（按档案计算）" : "（单位填写）")],
        ["优先分", scoreText(n)], ["市总说明", n.decision_note], ["主要事迹", n.reason],
        ["推荐时间", ws.shanghai(n.nominated_at)]].concat(placement(n))));
      if (canWrite && (n.status === "nominated" || n.status === "approved")) {
        var actions = el("div", "ws-record__actions");
        ws.confirmAction(actions, TEXT.withdraw, fmt(TEXT.confirmWithdraw, n.name), async function (key) {
          var r = await ws.api("POST", path(n.person_id, "withdraw"), { version: n.version }, key);
          if (r.ok) reloadAll();
          return r;
        });
        li.appendChild(actions);
      }
      return li;
    }

    function field(id, labelText, control) {
      var f = el("div", "ws-field");
      var label = el("label", null, labelText);
      label.htmlFor = id;
      control.id = id;
      f.appendChild(label);
      f.appendChild(control);
      return f;
    }

    function decisionActions(li, n) {
      var actions = el("div", "ws-record__actions");
      var out = el("p", "ws-staff__status");
      out.setAttribute("role", "status");
      var key = ws.uuid();
      async function send(decision, note) {
        var r = await ws.api("POST", path(n.person_id, "decision"),
          { decision: decision, note: note || null, version: n.version }, key);
        if (r.ok) { loadRanking().then(function () { say(rankingBox, n.name + "：" + r.body.status_label); }); return; }
        if (r.status !== 429 && r.status < 500) key = ws.uuid();
        out.textContent = problemText(r);
      }
      if (n.status !== "approved") {
        var yes = ws.button(TEXT.approve, "ws-button");
        yes.addEventListener("click", function () { yes.disabled = true; send("approve").then(function () { yes.disabled = false; }); });
        actions.appendChild(yes);
      }
      var no = ws.button(TEXT.decline, "ws-button ws-button--plain");
      no.addEventListener("click", function () {
        no.hidden = true;
        var t = el("textarea");
        t.rows = 2;
        t.maxLength = 200;
        var f = field("rc-decline-" + n.person_id, TEXT.declineNote, t);
        var go = ws.button(TEXT.sendDecline, "ws-button ws-button--danger");
        go.addEventListener("click", function () { send("decline", t.value.trim()); });
        f.appendChild(go);
        actions.insertBefore(f, out);
        t.focus();
      });
      actions.appendChild(no);
      actions.appendChild(out);
      li.appendChild(actions);
    }

    function adjustForm(n) {
      var form = el("form", "ws-sform ws-inline");
      form.id = "rc-adjust-" + n.person_id;
      var amount = el("input");
      amount.type = "text";
      amount.name = "adjustment";
      amount.inputMode = "numeric";
      amount.required = true;
      amount.pattern = "-?[0-9]{1,2}";
      amount.value = String(n.adjustment);
      form.appendChild(field(form.id + "-amount", TEXT.adjustment, amount));
      var note = el("input");
      note.type = "text";
      note.name = "note";
      note.required = true;
      note.minLength = 2;
      note.maxLength = 200;
      note.value = n.adjustment_note || "";
      form.appendChild(field(form.id + "-note", TEXT.adjustNote, note));
      var go = el("button", "ws-submit", TEXT.adjust);
      go.type = "submit";
      form.appendChild(go);
      ws.bindWriteForm(form, {
        send: function (data, key) {
          return ws.api("POST", path(n.person_id, "priority"),
            { adjustment: Number(data.adjustment), note: data.note, version: n.version }, key);
        },
        done: function () { loadRanking(); }
      });
      return form;
    }

    function renderRanked(n) {
      var li = renderNomination(n);
      li.querySelector(".ws-record__title").textContent = (n.rank ? "第 " + n.rank + " 位：" : "") + n.name +
        "（" + n.unit_name + "）";
      var own = li.querySelector(".ws-record__actions");
      if (own) own.remove();  // withdrawing is the nominating unit's
      if (n.status === "nominated" || n.status === "approved" || n.status === "declined") decisionActions(li, n);
      if (n.status === "nominated" || n.status === "approved") li.appendChild(adjustForm(n));
      return li;
    }

    function renderBatch(b) {
      var li = el("li", "ws-record" + (b.status === "closed" ? " ws-record--off" : ""));
      li.appendChild(el("h3", "ws-record__title", b.title));
      li.appendChild(ws.facts([["批次编号", b.id], ["时间", ws.shanghai(b.starts_at) + " 至 " + ws.shanghai(b.ends_at)],
        ["地点", b.place], ["名额", b.capacity], ["已安排", b.placed], ["剩余名额", b.seats_left], ["状态", b.status_label],
        ["安排说明", b.description]]));
      if (b.status === "open" && b.seats_left > 0) {
        var form = el("form", "ws-sform ws-inline");
        form.id = "rc-place-" + b.id;
        var limit = el("input");
        limit.type = "text";
        limit.name = "limit";
        limit.inputMode = "numeric";
        limit.pattern = "[0-9]{1,3}";
        form.appendChild(field(form.id + "-limit", TEXT.limit, limit));
        var go = el("button", "ws-submit", TEXT.place);
        go.type = "submit";
        form.appendChild(go);
        ws.bindWriteForm(form, {
          send: function (data, key) {
            return ws.api("POST", "/staff/recuperation/batches/" + encodeURIComponent(b.id) + "/placements",
              data.limit ? { limit: Number(data.limit) } : {}, key);
          },
          done: function (result) {
            var names = (result.placed || []).map(function (p) { return p.name + "（" + p.unit_name + "）"; });
            loadBatches().then(function () { say(batchesBox, fmt(TEXT.placed, names.length) + (names.length ? "：" + names.join("、") : "")); });
            loadRanking();
            loadNominations();
          }
        });
        li.appendChild(form);
      }
      return li;
    }

    function loadNominations() {
      return ws.pagedList(nominationsBox, function (cursor) {
        return ws.api("GET", "/staff/recuperation/units/" + encodeURIComponent(current) + "/nominations" +
          (cursor ? "?cursor=" + encodeURIComponent(cursor) : ""));
      }, renderNomination, TEXT.noNominations);
    }

    function loadRanking() {
      if (!isCity) return Promise.resolve();
      return ws.pagedList(rankingBox, async function () {
        var r = await ws.api("GET", "/staff/recuperation/ranking" +
          (rankStatus.value ? "?status=" + encodeURIComponent(rankStatus.value) : ""));
        if (r.ok) body.querySelector('[data-role="rule"]').textContent = r.body.rule;
        return r;
      }, renderRanked, TEXT.noRanking);
    }

    function loadBatches() {
      if (!isCity) return Promise.resolve();
      return ws.pagedList(batchesBox, function () {
        return ws.api("GET", "/staff/recuperation/batches");
      }, renderBatch, TEXT.noBatches);
    }

    function reloadAll() {
      return Promise.all([loadNominations(), loadRanking(), loadBatches()]);
    }

    var personPick = body.querySelector("#rc-person");
    function loadFamilies() {
      return ws.fillFamilies(personPick, current, "请选择要推荐的一线人员",
        "这个单位及下级单位的档案里还没有一线人员，请先在“一线医务人员档案”页登记。",
        body.querySelector('[data-role="person-hint"]'));
    }
    select.addEventListener("change", function () { current = select.value; loadNominations(); loadFamilies(); });
    rankStatus.addEventListener("change", loadRanking);

    var nominate = body.querySelector("#rc-nominate");
    ws.bindWriteForm(nominate, {
      send: function (data, key) {
        var payload = { reason: data.reason };
        if (data.days_deployed) payload.days_deployed = Number(data.days_deployed);
        return ws.api("POST", path(data.person_id), payload, key);
      },
      done: function (n) {
        ws.message(nominate, "ok", fmt(TEXT.nominated, n.name || ""), [n.status_label]);
        reloadAll();
      }
    });

    var batchForm = body.querySelector("#rc-new-batch");
    ws.bindWriteForm(batchForm, {
      send: function (data, key) {
        var payload = Object.assign({}, data, { capacity: Number(data.capacity), starts_at: beijing(data.starts_at),
          ends_at: beijing(data.ends_at) });
        return ws.api("POST", "/staff/recuperation/batches", payload, key);
      },
      done: function (b) {
        ws.message(batchForm, "ok", fmt(TEXT.created, b.title || ""), ["批次编号：" + (b.id || "")]);
        loadBatches();
      }
    });

    var found = await ws.fillUnits(select, ctx.me, body.querySelector('[data-role="units-status"]'), current);
    if (found) current = select.value;
    await Promise.all([reloadAll(), loadFamilies()]);
  }

  if (window.wsStaff) window.wsStaff.register("recuperation", bind);
  else (window.wsStaffPages = window.wsStaffPages || []).push(["recuperation", bind]);
})();
